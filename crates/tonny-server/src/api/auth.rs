//! The API token: created on first run in a 0600 file, required as `Authorization: Bearer`
//! on every route but `/healthz` (a browser's WebSocket cannot set headers, so the event and
//! audio sockets may carry it as `?token=` instead). Compared in constant time.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;

use super::ApiError;

/// File name of the token under the data directory.
pub const TOKEN_FILE: &str = "api-token";

/// The bearer token (a secret: never logged, never in an error).
#[derive(Clone)]
pub struct ApiToken(Arc<str>);

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(…)")
    }
}

impl ApiToken {
    /// A token with this value (tests, or one read elsewhere).
    pub fn new(value: &str) -> Self {
        Self(Arc::from(value))
    }

    /// Reads the token at `path` (a client of a running daemon).
    pub fn load(path: &Path) -> std::io::Result<Self> {
        let s = std::fs::read_to_string(path)?;
        let s = s.trim();
        if s.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the API token file is empty",
            ));
        }
        Ok(Self::new(s))
    }

    /// Reads the token at `path`, creating it (32 random bytes, hex, mode 0600) if missing.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(s) if !s.trim().is_empty() => return Ok(Self::new(s.trim())),
            Ok(_) => std::fs::remove_file(path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let value = hex::encode(bytes);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        file.write_all(value.as_bytes())?;
        file.sync_all()?;
        Ok(Self::new(&value))
    }

    /// The value, for `tonny ui-url` and the tray.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn matches(&self, given: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(given.as_bytes()))
    }
}

fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

/// Refuses requests without the token.
pub(super) async fn require_token(
    State(token): State<ApiToken>,
    request: Request,
    next: Next,
) -> Response {
    let header_token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let is_socket = request.headers().contains_key(header::UPGRADE);
    let given = header_token.or_else(|| {
        is_socket
            .then(|| query_token(request.uri().query()))
            .flatten()
    });
    match given {
        Some(t) if token.matches(t) => next.run(request).await,
        Some(_) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the API token is wrong; `tonny ui-url` prints the address with the right one",
        )
        .into_response(),
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send the API token as `Authorization: Bearer TOKEN`; `tonny ui-url` prints it",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_token_is_created_once_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TOKEN_FILE);
        let first = ApiToken::load_or_create(&path).unwrap();
        assert_eq!(first.expose().len(), 64);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = ApiToken::load_or_create(&path).unwrap();
        assert_eq!(first.expose(), again.expose());
        assert!(first.matches(again.expose()));
        assert!(!first.matches("nope"));
        assert_eq!(format!("{first:?}"), "ApiToken(…)");
        assert_eq!(query_token(Some("a=1&token=xyz")), Some("xyz"));
    }
}
