//! Reading what an error body says, whatever shape the service uses.

use serde_json::Value;

/// Longest piece of a server's own text quoted in a message.
const QUOTE_CHARS: usize = 200;

/// True for an HTML page (a proxy's or web server's error page, a login page): never an API
/// answer.
pub fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<body")
}

fn quote(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > QUOTE_CHARS {
        let cut: String = one_line.chars().take(QUOTE_CHARS).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// The message in a JSON error body, in the shapes our services use: OpenAI
/// `{"error":{"message"}}`, Open WebUI / FastAPI `{"detail":"…"}`, ElevenLabs
/// `{"detail":{"status","message"}}`, validation `{"detail":[{"msg"}]}`, n8n `{"message"}`.
pub fn json_error_message(v: &Value) -> Option<String> {
    let s = |v: &Value| v.as_str().map(str::to_owned);
    if let Some(e) = v.get("error") {
        return s(e).or_else(|| e.get("message").and_then(s));
    }
    if let Some(d) = v.get("detail") {
        return s(d)
            .or_else(|| d.get("message").and_then(s))
            .or_else(|| {
                d.as_array().map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.get("msg").and_then(Value::as_str))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
            })
            .filter(|m| !m.is_empty());
    }
    v.get("message").and_then(s)
}

/// What an error body says, as one short line.
pub fn error_message(body: &[u8]) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        return "no explanation given".to_owned();
    }
    if looks_like_html(body) {
        return "an HTML page instead of an API answer (is the address right, or is a proxy or \
                login page in between?)"
            .to_owned();
    }
    if let Ok(v) = serde_json::from_slice::<Value>(body)
        && let Some(m) = json_error_message(&v)
    {
        return quote(&m);
    }
    quote(&String::from_utf8_lossy(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_shape_gives_its_message() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#,
                "Incorrect API key provided",
            ),
            (r#"{"detail":"Model not found"}"#, "Model not found"),
            (
                r#"{"detail":{"status":"quota_exceeded","message":"You exceeded your quota"}}"#,
                "You exceeded your quota",
            ),
            (
                r#"{"detail":[{"loc":["body","text"],"msg":"field required","type":"missing"}]}"#,
                "field required",
            ),
            (
                r#"{"code":404,"message":"The requested webhook is not registered."}"#,
                "The requested webhook is not registered.",
            ),
            (
                "Authorization data is wrong!",
                "Authorization data is wrong!",
            ),
            ("", "no explanation given"),
        ];
        for (body, want) in cases {
            assert_eq!(error_message(body.as_bytes()), *want, "{body}");
        }
        let html = error_message(b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>");
        assert!(html.starts_with("an HTML page"), "{html}");
        let long = error_message("x ".repeat(500).as_bytes());
        assert!(long.chars().count() <= QUOTE_CHARS + 1);
    }
}
