//! Building the pipeline's parts from settings, the same way for every front end.

use std::sync::Arc;

use tonny_audio::playback::Player;
use tonny_core::Settings;
use tonny_core::agent::Agent;
use tonny_core::settings::AgentBackend;
use tonny_providers::agent::local::LocalAgent;
use tonny_providers::tts::espeak::EspeakTts;

use crate::voice::SpokenVoice;

/// The agents of `agent.fallback_order` that this build can run, in order, and a warning for
/// each one it cannot yet (the remote backends arrive with their own issue). The local agent is
/// always last if not listed, so simple requests work offline.
pub fn agents(settings: &Settings) -> (Vec<Arc<dyn Agent>>, Vec<String>) {
    let mut agents: Vec<Arc<dyn Agent>> = Vec::new();
    let mut warnings = Vec::new();
    for backend in &settings.agent.fallback_order {
        match backend {
            AgentBackend::Local => agents.push(Arc::new(LocalAgent::new())),
            other => warnings.push(format!(
                "the {} agent is not available in this build yet; requests go to the others",
                other.as_str()
            )),
        }
    }
    if !agents.iter().any(|a| a.name() == "local") {
        agents.push(Arc::new(LocalAgent::new()));
    }
    (agents, warnings)
}

/// The spoken-reply output on `audio.output_device` with the local voice, or why there is none.
pub fn voice(settings: &Settings) -> Result<SpokenVoice, String> {
    let player =
        Player::open(settings.audio.output_device.as_deref()).map_err(|e| e.to_string())?;
    Ok(SpokenVoice::new(
        Arc::new(EspeakTts::from_settings(&settings.tts)),
        player,
    ))
}
