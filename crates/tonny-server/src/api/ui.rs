//! The web UI, built by `npm run build` in `ui/` and embedded in the binary, served from the
//! same origin as the API (so it needs no CORS). Unknown paths get `index.html` (the UI's own
//! views); a binary built before the UI was says how to build it.

use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../../ui/dist"]
#[allow_missing = true]
struct Assets;

/// Serves the UI's files; the token is not needed to load the page (it holds no data).
pub(super) async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let (file, name) = match Assets::get(path).filter(|_| !path.is_empty()) {
        Some(f) => (f, path),
        None => match Assets::get("index.html") {
            Some(f) => (f, "index.html"),
            None => {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Html(
                        "<h1>TonnyTray</h1><p>The web UI was not built into this binary. Run \
                         <code>./scripts/run.sh</code> (or <code>npm ci && npm run build</code> \
                         in <code>ui/</code>) and build again. The API works meanwhile.</p>",
                    ),
                )
                    .into_response();
            }
        },
    };
    let mime = file.metadata.mimetype().to_owned();
    // Hashed asset names never change content; the page itself is checked each time.
    let cache = if name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, cache.to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; \
                 media-src 'self' blob:; frame-ancestors 'none'"
                    .to_owned(),
            ),
        ],
        file.data.into_owned(),
    )
        .into_response()
}
