//! The OpenAPI 3.1 document of the HTTP API, generated from the handlers and
//! served at `GET /api/v1/openapi.json`.
//!
//! Every route is registered through [`crate::app::routes`], which adds each
//! handler to the axum router and its `#[utoipa::path]` description to the
//! document in the same call (`utoipa_axum::routes!`). The router and the
//! document therefore come from one list and cannot disagree about which
//! (method, path) pairs exist. Response bodies are the `healthmon_proto`
//! types themselves (their `utoipa` feature), so the schemas follow the code.
//!
//! This module holds what the handlers cannot say themselves: the document's
//! header, the shapes of bodies built with `json!` (errors, probes), and the
//! `openapi.json` route.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use healthmon_proto::StatusEvent;
use healthmon_proto::query::SortOrder;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// The document's header; paths and schemas are added by [`crate::app::routes`].
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

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable: `bad_request`, `not_found`,
    /// `unauthorized`, `forbidden`, `upstream_unavailable`, `upstream_timeout`,
    /// `upstream_error`, `timeout`,
    /// `method_not_allowed`, `payload_too_large`, ...
    #[schema(example = "not_found")]
    pub code: String,
    /// For people; names the offending parameter on a 400.
    #[schema(example = "unknown site \"plant-7\"")]
    pub message: String,
}

/// `GET /healthz` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    #[schema(example = "ok")]
    pub status: String,
}

/// `GET /readyz` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    #[schema(example = "ready")]
    pub status: String,
    /// Each check (`nats`, `aggregator`): `ok`, or what is wrong.
    pub checks: BTreeMap<String, String>,
    /// The failed checks; only when not ready.
    #[schema(nullable = false)]
    pub failed: Option<Vec<String>>,
}

/// The document as served, rendered once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    document()
        .to_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot render the OpenAPI document: {e}\"}}"))
});

/// The complete document: header plus every route of [`crate::app::routes`].
pub fn document() -> utoipa::openapi::OpenApi {
    crate::app::routes().into_openapi()
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    operation_id = "openapi",
    summary = "This OpenAPI document",
    responses(
        (status = 200, description = "This OpenAPI document", content_type = "application/json", body = Object),
    )
)]
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}
