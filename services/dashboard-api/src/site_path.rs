//! The `{site_id}` of a `/api/v1/sites/{site_id}…` route, as one extractor:
//! the path parameter read and checked against the contract's rules, and no
//! query parameters beside it. The site routes (data and admin alike) take
//! it the same way, and it documents the parameter for the OpenAPI document.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::params;

/// A checked site id from the path.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SitePath {
    /// The site's id
    #[param(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub site_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for SitePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(site_id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("invalid site_id: {}", e.body_text())))?;
        let site_id = params::site_id(&site_id)?;
        params::none(parts.uri.query())?;
        Ok(SitePath { site_id })
    }
}
