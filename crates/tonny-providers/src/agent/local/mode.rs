//! "Switch to voice only" / "text only" / "voice and text": how replies are delivered.

use tonny_core::agent::{AgentRequest, Effect};
use tonny_core::settings::ResponseMode;

use super::{Answer, Intent};

/// Changes `response.mode`.
pub struct SwitchMode;

impl Intent for SwitchMode {
    fn answer(&self, words: &str, _request: &AgentRequest) -> Option<Answer> {
        let rest = ["switch to ", "change to ", "use "]
            .iter()
            .find_map(|p| words.strip_prefix(p))?;
        let rest = rest
            .trim_end_matches(" mode")
            .trim_end_matches(" replies")
            .trim_end_matches(" responses");
        let (mode, text) = match rest {
            "voice only" | "voice" | "speech only" | "spoken only" => {
                (ResponseMode::VoiceOnly, "OK, I'll only speak my replies.")
            }
            "text only" | "text" | "typing only" | "typed only" => {
                (ResponseMode::TextOnly, "OK, I'll only type my replies.")
            }
            "voice and text" | "text and voice" | "both" => {
                (ResponseMode::Both, "OK, I'll speak and type my replies.")
            }
            _ => return None,
        };
        Some(Answer {
            text: text.to_owned(),
            effects: vec![Effect::SetResponseMode(mode)],
        })
    }
}
