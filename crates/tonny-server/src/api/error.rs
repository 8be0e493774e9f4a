//! The API's one error shape: `{"error":{"code","message","fields"?}}` with a fitting status,
//! so the web UI (and anyone scripting against the daemon) handles every failure the same way.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One field that was refused, with what would be accepted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Dotted setting key or body field.
    pub key: String,
    /// Why it was refused.
    pub reason: String,
    /// What would be accepted.
    pub accepted: String,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable (`unauthorized`, `invalid_json`, `invalid_settings`, …).
    pub code: String,
    /// For a person: what happened and what to do.
    pub message: String,
    /// The fields at fault, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

/// An error answered by the API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldProblem>,
}

impl ApiError {
    /// An error with `status`, a stable `code` and a `message` for a person.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// A 400 for input that cannot be used.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 404 for something that does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A 500 for a failure on our side; the message is logged, and said plainly.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        tracing::error!(component = "api", "request failed: {message}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            message.to_string(),
        )
    }

    /// A 422 naming the fields at fault.
    pub fn invalid_fields(message: impl Into<String>, fields: Vec<FieldProblem>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_settings",
            message: message.into(),
            fields,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code (`too_large`, `invalid_audio`, …).
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// What happened and what to do, for a person.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                fields: self.fields,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let code = match r {
            JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
            JsonRejection::JsonSyntaxError(_) => "invalid_json",
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            _ => "invalid_body",
        };
        Self::new(status, code, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::bad_request("invalid_query", r.body_text())
    }
}

impl From<tonny_store::StoreError> for ApiError {
    fn from(e: tonny_store::StoreError) -> Self {
        use tonny_store::StoreError as E;
        let (status, code) = match &e {
            E::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            E::AlreadyExists { .. } => (StatusCode::CONFLICT, "already_exists"),
            E::LastAdmin { .. } => (StatusCode::CONFLICT, "last_admin"),
            E::Profile(_) | E::QuickAction(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            E::DiskFull { .. } => (StatusCode::INSUFFICIENT_STORAGE, "disk_full"),
            E::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            _ => return Self::internal(e),
        };
        Self::new(status, code, e.to_string())
    }
}
