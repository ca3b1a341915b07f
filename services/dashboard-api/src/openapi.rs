//! The OpenAPI 3.1 document of the HTTP API, generated from the handlers and
//! served at `GET /api/v1/openapi.json`.
//!
//! Every route is registered through `app::routes`, which adds each handler
//! to the axum router and its `#[utoipa::path]` description to the document
//! in the same call (`utoipa_axum::routes!`). The router and the document
//! therefore come from one list and cannot disagree about which (method,
//! path) pairs exist. Response bodies are the types the handlers serialise:
//! the `healthmon_proto` types (their `utoipa` feature), [`ErrorBody`] and
//! the probes' bodies, so the schemas follow the code.
//!
//! This module holds what the handlers cannot say themselves: the
//! document's header, its tags and security scheme, the schemas named
//! only in prose, and ([`refine`]) the shape of each event of the SSE
//! stream and the label rules ([`crate::label_rules`]). The document itself
//! is assembled in [`crate::app`], which knows every route.

use axum::http::Method;
use healthmon_proto::StatusEvent;
use healthmon_proto::query::SortOrder;
use serde_json::{Value, json};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::{IntoResponses, OpenApi};

use crate::auth::{self, Role};
use crate::error::{ErrorBody, ErrorDetail, Forbidden, Unauthorized};
use crate::ready::{Liveness, Readiness};

/// The document's header; paths and schemas are added by `app::routes`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "healthmon dashboard API",
        description = "JSON API over the latest health of every site, live status \
            events as Server-Sent Events, admin actions (forget a site, maintenance), probes \
            and the web page. Site data needs a bearer token (role `viewer`; admin actions \
            role `admin`), see docs/SECURITY.md. Times are unix milliseconds on the central \
            clock. Every error is JSON: \
            `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "sites", description = "Site state, answered by the aggregator over NATS"),
        (name = "events", description = "Live status events"),
        (name = "admin", description = "Admin actions: role `admin`, each one audited"),
        (name = "operations", description = "Probes, metrics and this document"),
        (name = "page", description = "The embedded web dashboard"),
    ),
    // Types only named by parameters or in prose are not collected from the
    // handlers; list them here so every `$ref` resolves.
    components(schemas(ErrorBody, ErrorDetail, StatusEvent, SortOrder, Liveness, Readiness)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The `bearer` security scheme the data and admin routes name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from the API's --auth-tokens file; on /api/v1/events also \
                         accepted as ?access_token=",
                    ))
                    .build(),
            ),
        );
    }
}

/// What the guard ([`crate::guard`]) answers, documented on every operation
/// it guards by the guard's own rules rather than route by route: each
/// path [`auth::is_protected`] needs the `bearer` scheme and may answer
/// 401, and each method needing [`Role::Admin`] may also answer 403.
pub fn guarded(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        if !auth::is_protected(path) {
            continue;
        }
        for (method, operation) in operations(item) {
            operation.security = Some(vec![SecurityRequirement::new(
                "bearer",
                Vec::<String>::new(),
            )]);
            let responses = &mut operation.responses.responses;
            responses.extend(Unauthorized::responses());
            if auth::required_role(&method) == Role::Admin {
                responses.extend(Forbidden::responses());
            }
        }
    }
}

/// The operations of a path, with their methods.
fn operations(item: &mut PathItem) -> impl Iterator<Item = (Method, &mut Operation)> {
    [
        (Method::GET, &mut item.get),
        (Method::PUT, &mut item.put),
        (Method::POST, &mut item.post),
        (Method::DELETE, &mut item.delete),
        (Method::OPTIONS, &mut item.options),
        (Method::HEAD, &mut item.head),
        (Method::PATCH, &mut item.patch),
        (Method::TRACE, &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|operation| (method, operation)))
}

/// What the attribute macros cannot express, set on the generated document.
pub fn refine(doc: &mut Value) {
    crate::label_rules::refine(doc);
    // OpenAPI 3.1 tools (schemathesis among them) read the schema of a
    // `text/event-stream` as the schema of each event.
    let stream = "/paths/~1api~1v1~1events/get/responses/200/content/text~1event-stream";
    if let Some(stream) = doc.pointer_mut(stream) {
        stream["schema"] = json!({
            "type": "object",
            "description": "One event of the stream.",
            "required": ["event", "data"],
            "properties": {
                "event": { "type": "string", "enum": ["status", "lagged"] },
                "data": {
                    "type": "string",
                    "description": "`status`: a `StatusEvent` as one line of JSON; `lagged`: `{\"skipped\": n}`",
                    "contentMediaType": "application/json",
                },
                "id": { "type": "string" },
                "retry": { "type": "integer" },
            },
        });
    }
}
