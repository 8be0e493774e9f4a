//! The secrets TonnyTray knows, and what a valid value of each looks like.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use tonny_core::endpoint::{EndpointKind, check_endpoint};

use super::SecretError;

/// One secret TonnyTray may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretName {
    /// ElevenLabs `xi-api-key`.
    ElevenlabsApiKey,
    /// The n8n webhook URL (its path works like a password).
    N8nWebhookUrl,
    /// Optional header credential for an n8n webhook with header auth: `Name: value`.
    N8nHeaderCredential,
    /// Bearer key for the OpenAI-compatible chat server (Open WebUI).
    ChatApiKey,
    /// OpenAI API key (transcription).
    OpenaiApiKey,
    /// RabbitMQ URL, which carries the broker credentials.
    RabbitmqUrl,
    /// Token WhisperLiveKit expects, if it is protected.
    WhisperlivekitApiToken,
}

/// How a secret's value is checked.
enum Shape {
    Key,
    HttpUrl,
    AmqpUrl,
    Header,
}

impl SecretName {
    /// Every secret, in display order.
    pub const ALL: [SecretName; 7] = [
        SecretName::ElevenlabsApiKey,
        SecretName::N8nWebhookUrl,
        SecretName::N8nHeaderCredential,
        SecretName::ChatApiKey,
        SecretName::OpenaiApiKey,
        SecretName::RabbitmqUrl,
        SecretName::WhisperlivekitApiToken,
    ];

    /// The name used on the command line and in the keychain.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretName::ElevenlabsApiKey => "elevenlabs_api_key",
            SecretName::N8nWebhookUrl => "n8n_webhook_url",
            SecretName::N8nHeaderCredential => "n8n_header_credential",
            SecretName::ChatApiKey => "chat_api_key",
            SecretName::OpenaiApiKey => "openai_api_key",
            SecretName::RabbitmqUrl => "rabbitmq_url",
            SecretName::WhisperlivekitApiToken => "whisperlivekit_api_token",
        }
    }

    /// The environment variable that supplies it for headless use.
    pub fn env_var(self) -> String {
        format!("TONNY_{}", self.as_str().to_ascii_uppercase())
    }

    /// The variable other tools use for the same key, honoured when neither our variable nor a
    /// stored value supplies it: a person who already has `OPENAI_API_KEY` set need not copy it.
    /// (Not for the chat key: the chat server is often not OpenAI's, and an OpenAI key must
    /// not be sent to another server.)
    pub fn conventional_env_var(self) -> Option<&'static str> {
        match self {
            SecretName::ElevenlabsApiKey => Some("ELEVENLABS_API_KEY"),
            SecretName::OpenaiApiKey => Some("OPENAI_API_KEY"),
            _ => None,
        }
    }

    /// What it is for, for `tonny secrets status`.
    pub fn description(self) -> &'static str {
        match self {
            SecretName::ElevenlabsApiKey => "ElevenLabs API key (cloud voices)",
            SecretName::N8nWebhookUrl => "n8n webhook URL",
            SecretName::N8nHeaderCredential => "n8n header auth, as `Header-Name: value`",
            SecretName::ChatApiKey => "chat API key (Open WebUI / OpenAI-compatible)",
            SecretName::OpenaiApiKey => "OpenAI API key (transcription)",
            SecretName::RabbitmqUrl => "RabbitMQ URL with credentials",
            SecretName::WhisperlivekitApiToken => "WhisperLiveKit API token",
        }
    }

    fn shape(self) -> Shape {
        match self {
            SecretName::N8nWebhookUrl => Shape::HttpUrl,
            SecretName::RabbitmqUrl => Shape::AmqpUrl,
            SecretName::N8nHeaderCredential => Shape::Header,
            _ => Shape::Key,
        }
    }

    /// Checks a value before it is stored. The error never contains the value.
    pub fn validate(self, value: &str) -> Result<(), SecretError> {
        let invalid = |reason: String| SecretError::Invalid { name: self, reason };
        if value.trim().is_empty() {
            return Err(SecretError::Empty { name: self });
        }
        if value.len() > 4096 {
            return Err(invalid("is longer than 4096 bytes".into()));
        }
        if value.chars().any(char::is_control) {
            return Err(invalid(
                "contains a line break or control character (paste it on one line)".into(),
            ));
        }
        match self.shape() {
            Shape::Key => {
                if value.chars().any(char::is_whitespace) {
                    return Err(invalid(
                        "contains spaces; API keys and tokens are one word".into(),
                    ));
                }
                if value.len() < 8 {
                    return Err(invalid(
                        "is shorter than 8 characters, too short to be a key".into(),
                    ));
                }
            }
            Shape::HttpUrl => {
                check_endpoint(value, EndpointKind::Http).map_err(|e| invalid(e.to_string()))?;
            }
            Shape::AmqpUrl => {
                check_endpoint(value, EndpointKind::Amqp).map_err(|e| invalid(e.to_string()))?;
                // The parser's own messages may quote the URL, so only its verdict is used.
                amq_protocol_uri::AMQPUri::from_str(value.trim()).map_err(|_| {
                    invalid(
                        "is not a valid AMQP URL; expected amqps://user:password@host:port/vhost"
                            .into(),
                    )
                })?;
            }
            Shape::Header => {
                let Some((name, val)) = value.split_once(':') else {
                    return Err(invalid(
                        "is not `Header-Name: value` (no colon found)".into(),
                    ));
                };
                let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                if name.is_empty() || !name.chars().all(token) {
                    return Err(invalid(
                        "has an invalid header name before the colon (letters, digits and - only)"
                            .into(),
                    ));
                }
                if val.trim().is_empty() {
                    return Err(invalid("has no value after the colon".into()));
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SecretName {
    type Err = SecretError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        SecretName::ALL
            .into_iter()
            .find(|n| n.as_str() == wanted)
            .ok_or_else(|| SecretError::UnknownName(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "hunter2-very-secret";

    #[test]
    fn validation_errors_never_contain_the_value() {
        let cases = [
            (
                SecretName::N8nWebhookUrl,
                format!("http://n8n.example.com/webhook/{SECRET}"),
            ),
            (
                SecretName::RabbitmqUrl,
                format!("amqp://user:{SECRET}@rabbit.example.com"),
            ),
            (
                SecretName::RabbitmqUrl,
                format!("amqps://user:{SECRET}@host:notaport/"),
            ),
            (SecretName::ChatApiKey, format!("sk {SECRET}")),
            (
                SecretName::N8nHeaderCredential,
                format!("Bad Name: {SECRET}"),
            ),
            (SecretName::OpenaiApiKey, format!("{SECRET}\n{SECRET}")),
        ];
        for (name, value) in cases {
            let err = name.validate(&value).unwrap_err().to_string();
            assert!(!err.contains(SECRET), "{name}: {err}");
            assert!(err.contains(name.as_str()), "{err}");
        }
    }

    #[test]
    fn good_values_pass() {
        SecretName::N8nWebhookUrl
            .validate("https://n8n.example.com/webhook/abc")
            .unwrap();
        SecretName::N8nWebhookUrl
            .validate("http://127.0.0.1:5678/webhook/abc")
            .unwrap();
        SecretName::RabbitmqUrl
            .validate("amqp://guest:guest@127.0.0.1:5672/%2f")
            .unwrap();
        SecretName::RabbitmqUrl
            .validate("amqps://u:p@rabbit.example.com:5671/home")
            .unwrap();
        SecretName::N8nHeaderCredential
            .validate("X-Api-Key: abc def")
            .unwrap();
        SecretName::ElevenlabsApiKey
            .validate("sk_0123456789abcdef")
            .unwrap();
    }

    #[test]
    fn empty_and_blank_values_are_refused() {
        for v in ["", "   ", "\t"] {
            assert!(matches!(
                SecretName::ChatApiKey.validate(v),
                Err(SecretError::Empty { .. })
            ));
        }
    }

    #[test]
    fn names_parse_with_dashes_and_case() {
        assert_eq!(
            "ElevenLabs-API-Key".parse::<SecretName>().unwrap(),
            SecretName::ElevenlabsApiKey
        );
        assert_eq!(SecretName::RabbitmqUrl.env_var(), "TONNY_RABBITMQ_URL");
    }
}
