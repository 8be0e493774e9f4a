//! The URL policy for every service TonnyTray talks to.
//!
//! Remote services must be reached over TLS (`https`, `wss`, `amqps`); plain `http`, `ws` and
//! `amqp` are accepted only for loopback hosts, where nothing crosses a network. Settings and
//! secrets both go through [`check_endpoint`], so the rule lives in one place.
//!
//! Error messages never repeat the URL: a webhook URL or an AMQP URL can carry a credential.

use std::net::IpAddr;

use url::{Host, Url};

/// Which family of URL a field accepts; decides the allowed schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// An HTTP API (`https://`, or `http://` on loopback).
    Http,
    /// A WebSocket endpoint (`wss://`, or `ws://` on loopback); `http(s)` is accepted too and
    /// means the same host.
    WebSocket,
    /// An AMQP broker (`amqps://`, or `amqp://` on loopback).
    Amqp,
}

impl EndpointKind {
    fn secure_schemes(self) -> &'static [&'static str] {
        match self {
            EndpointKind::Http => &["https"],
            EndpointKind::WebSocket => &["wss", "https"],
            EndpointKind::Amqp => &["amqps"],
        }
    }

    fn plain_schemes(self) -> &'static [&'static str] {
        match self {
            EndpointKind::Http => &["http"],
            EndpointKind::WebSocket => &["ws", "http"],
            EndpointKind::Amqp => &["amqp"],
        }
    }

    /// The schemes this kind accepts, for messages ("https (or http on loopback)").
    pub fn accepted(self) -> String {
        format!(
            "{}:// (or {}:// for localhost only)",
            self.secure_schemes()[0],
            self.plain_schemes()[0]
        )
    }
}

/// Why a URL was refused. The text never contains the URL itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// The text is not a URL at all.
    #[error("is not a valid URL ({reason}); expected {accepted}")]
    Malformed {
        /// What the parser objected to (never the input).
        reason: String,
        /// The accepted schemes, for the user.
        accepted: String,
    },
    /// The scheme is not one this kind of endpoint speaks.
    #[error("uses the scheme `{scheme}`, expected {accepted}")]
    WrongScheme {
        /// The scheme found.
        scheme: String,
        /// The accepted schemes, for the user.
        accepted: String,
    },
    /// A plain-text scheme pointed at a host that is not loopback.
    #[error(
        "uses unencrypted {scheme}:// for a remote host; use {secure}:// (plain {scheme} is only allowed for localhost, 127.0.0.1 or ::1)"
    )]
    InsecureRemote {
        /// The plain scheme found.
        scheme: String,
        /// The TLS scheme to use instead.
        secure: String,
    },
    /// The URL has no host.
    #[error("has no host; expected {accepted}")]
    MissingHost {
        /// The accepted schemes, for the user.
        accepted: String,
    },
}

/// Parses `raw` and applies the policy for `kind`.
pub fn check_endpoint(raw: &str, kind: EndpointKind) -> Result<Url, EndpointError> {
    let url = Url::parse(raw.trim()).map_err(|e| EndpointError::Malformed {
        reason: e.to_string(),
        accepted: kind.accepted(),
    })?;
    let scheme = url.scheme().to_owned();
    if url.host().is_none() {
        return Err(EndpointError::MissingHost {
            accepted: kind.accepted(),
        });
    }
    if kind.secure_schemes().contains(&scheme.as_str()) {
        return Ok(url);
    }
    if kind.plain_schemes().contains(&scheme.as_str()) {
        if is_loopback(&url) {
            return Ok(url);
        }
        return Err(EndpointError::InsecureRemote {
            secure: kind.secure_schemes()[0].to_owned(),
            scheme,
        });
    }
    Err(EndpointError::WrongScheme {
        scheme,
        accepted: kind.accepted(),
    })
}

/// True when the URL's host is this machine: `localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        // Non-special schemes (amqp, ws in some versions) leave IP literals as domains.
        Some(Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.ends_with(".localhost")
                || d.trim_matches(['[', ']'])
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_remote_is_accepted_and_http_remote_is_refused() {
        assert!(check_endpoint("https://n8n.example.com/webhook/x", EndpointKind::Http).is_ok());
        let err =
            check_endpoint("http://n8n.example.com/webhook/x", EndpointKind::Http).unwrap_err();
        assert!(matches!(err, EndpointError::InsecureRemote { .. }));
        assert!(!err.to_string().contains("example.com"), "{err}");
    }

    #[test]
    fn plain_schemes_are_allowed_on_loopback_only() {
        for ok in [
            "http://127.0.0.1:5678/webhook/a",
            "http://localhost:8080",
            "http://[::1]:80/",
        ] {
            check_endpoint(ok, EndpointKind::Http).unwrap();
        }
        check_endpoint("ws://127.0.0.1:8000/asr", EndpointKind::WebSocket).unwrap();
        check_endpoint("amqp://guest:guest@localhost:5672/%2f", EndpointKind::Amqp).unwrap();
        check_endpoint("amqp://guest:guest@127.0.0.1:5672/%2f", EndpointKind::Amqp).unwrap();
        assert!(check_endpoint("amqp://u:p@rabbit.lan:5672", EndpointKind::Amqp).is_err());
        assert!(check_endpoint("http://192.168.1.4:8080", EndpointKind::Http).is_err());
    }

    #[test]
    fn wrong_scheme_and_garbage_are_explained_without_echoing_input() {
        let err = check_endpoint("ftp://host/x", EndpointKind::Http).unwrap_err();
        assert_eq!(
            err.to_string(),
            "uses the scheme `ftp`, expected https:// (or http:// for localhost only)"
        );
        let err = check_endpoint("not a url s3cr3t", EndpointKind::Http).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"));
    }
}
