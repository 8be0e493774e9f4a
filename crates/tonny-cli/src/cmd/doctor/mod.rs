//! `tonny doctor`: checks the installation and says how to fix each problem.
//!
//! Every line is OK, WARN (works, but something is missing or degraded) or FAIL (something the
//! configuration relies on will not work). The exit code is 1 when anything fails.

mod desktop;
mod live;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;
use tonny_core::settings::{AgentBackend, Settings, SttBackend, TtsEngine, closest_env_var};
use tonny_providers::stt::models::ModelStore;
use tonny_providers::tts::piper::LocalVoice;
use tonny_providers::tts::voices::VoiceStore;
use tonny_store::Store;
use tonny_store::secrets::{BackendKind, SecretName};

use crate::ctx::{Ctx, blocking};
use crate::output::{self, out};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum Status {
    Ok,
    Warn,
    Fail,
}

/// One line of the report.
#[derive(Debug, Serialize)]
struct Check {
    /// What was checked.
    name: &'static str,
    status: Status,
    /// What was found.
    message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

fn check(
    name: &'static str,
    status: Status,
    message: impl Into<String>,
    fix: Option<String>,
) -> Check {
    Check {
        name,
        status,
        message: message.into(),
        fix,
    }
}

/// Free bytes for unprivileged users on the filesystem holding `path`.
// statvfs field types differ between platforms (u32 on some, u64 on Linux x86_64).
#[allow(clippy::unnecessary_cast)]
fn free_bytes(path: &Path) -> Option<u64> {
    let s = nix::sys::statvfs::statvfs(path).ok()?;
    Some(s.blocks_available() as u64 * s.fragment_size() as u64)
}

fn on_path(bin: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
        .unwrap_or(false)
}

async fn database(ctx: &Ctx, checks: &mut Vec<Check>) {
    let store = match ctx.store() {
        Ok(s) => s,
        Err(e) => {
            checks.push(check(
                "database",
                Status::Fail,
                e.to_string(),
                Some("restore a backup with `tonny db restore FILE`, or move the file aside to start fresh".into()),
            ));
            return;
        }
    };
    match store.stats().await {
        Ok(s) => {
            let rows = s
                .tables
                .iter()
                .find(|t| t.table == "transcriptions")
                .map_or(0, |t| t.rows);
            checks.push(check(
                "database",
                Status::Ok,
                format!(
                    "{} (schema v{}, {}, {rows} transcriptions)",
                    s.location,
                    s.schema_version,
                    output::bytes(s.file_bytes + s.wal_bytes)
                ),
                None,
            ));
        }
        Err(e) => checks.push(check("database", Status::Fail, e.to_string(), None)),
    }
    match store.integrity_check().await {
        Ok(r) if r.ok => {}
        Ok(r) => checks.push(check(
            "database",
            Status::Fail,
            format!(
                "integrity check found {} problem(s), first: {}",
                r.problems.len(),
                r.problems.first().map(String::as_str).unwrap_or("?")
            ),
            Some(
                "`tonny db check` lists them; `tonny db restore FILE` recovers from a backup"
                    .into(),
            ),
        )),
        Err(e) => checks.push(check(
            "database",
            Status::Fail,
            e.to_string(),
            Some("`tonny db restore FILE` recovers from a backup".into()),
        )),
    }
    let db = ctx.paths.database();
    let mode = std::fs::metadata(&db)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0);
    if mode & 0o077 != 0 {
        checks.push(check(
            "permissions",
            Status::Warn,
            format!(
                "{} is readable by other users (mode {mode:o})",
                db.display()
            ),
            Some(format!("chmod 600 {}", db.display())),
        ));
    }
    match free_bytes(&ctx.paths.data_dir) {
        Some(free) if free < 200 * 1024 * 1024 => checks.push(check(
            "disk space",
            Status::Warn,
            format!("only {} free where the database lives", output::bytes(free)),
            Some(
                "free some space; writes fail when the disk is full (data already saved is kept)"
                    .into(),
            ),
        )),
        Some(free) => checks.push(check(
            "disk space",
            Status::Ok,
            format!("{} free", output::bytes(free)),
            None,
        )),
        None => {}
    }
}

async fn settings(ctx: &Ctx, checks: &mut Vec<Check>) -> Option<Settings> {
    if ctx.store().is_err() {
        return None;
    }
    match ctx.settings().await {
        Ok(loaded) => {
            for w in &loaded.warnings {
                checks.push(check("settings", Status::Warn, w.clone(), None));
            }
            let secret_vars: Vec<String> = SecretName::ALL.iter().map(|n| n.env_var()).collect();
            let others = ["TONNY_HOME", "TONNY_LOG", "TONNY_SECRETS_BACKEND"];
            for name in &loaded.unmatched_env {
                if secret_vars.contains(name) || others.contains(&name.as_str()) {
                    continue;
                }
                let hint = closest_env_var(name)
                    .map(|g| format!("did you mean {g}? "))
                    .unwrap_or_default();
                checks.push(check(
                    "settings",
                    Status::Warn,
                    format!("{name} is set but is not a TonnyTray variable"),
                    Some(format!(
                        "{hint}`tonny config show --json` lists every setting's variable"
                    )),
                ));
            }
            let env_text = std::fs::read_to_string(ctx.paths.env_file()).unwrap_or_default();
            for name in SecretName::ALL {
                let var = name.env_var();
                if env_text
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{var}=")))
                {
                    checks.push(check(
                        "settings",
                        Status::Warn,
                        format!(
                            "{var} is in {} but secrets are not read from .env files",
                            ctx.paths.env_file().display()
                        ),
                        Some(format!(
                            "remove that line and run `tonny secrets set {name}`"
                        )),
                    ));
                }
            }
            checks.push(check(
                "settings",
                Status::Ok,
                "all settings are valid",
                None,
            ));
            Some(loaded.settings)
        }
        Err(e) => {
            checks.push(check(
                "settings",
                Status::Fail,
                format!("{e:#}"),
                Some("fix the value named above, or `tonny config reset KEY`".into()),
            ));
            None
        }
    }
}

async fn secrets(ctx: &Ctx, settings: Option<&Settings>, checks: &mut Vec<Check>) {
    let store = match ctx.secrets().await {
        Ok(s) => s,
        Err(e) => {
            checks.push(check("keychain", Status::Fail, format!("{e:#}"), None));
            return;
        }
    };
    let info = store.backend();
    match info.kind {
        BackendKind::Keychain => checks.push(check("keychain", Status::Ok, info.detail.clone(), None)),
        BackendKind::EncryptedFile => checks.push(check(
            "keychain",
            Status::Warn,
            format!(
                "secrets are kept in an {}{}",
                info.detail,
                info.fallback_reason.as_ref().map(|r| format!(" because {r}")).unwrap_or_default()
            ),
            Some("install and unlock a Secret Service (e.g. gnome-keyring) to keep secrets in the keychain".into()),
        )),
    }
    let s2 = store.clone();
    let status = match blocking(move || s2.status()).await {
        Ok(s) => s,
        Err(e) => {
            checks.push(check("secrets", Status::Fail, format!("{e:#}"), None));
            return;
        }
    };
    for s in status.iter().filter(|s| s.problem.is_some()) {
        checks.push(check(
            "secrets",
            Status::Fail,
            s.problem.clone().unwrap_or_default(),
            Some(format!("`tonny secrets set {}` with a valid value", s.name)),
        ));
    }
    if let Some(settings) = settings {
        backends(settings, &crate::cmd::local::models(ctx), &status, checks);
        voice(
            settings,
            &VoiceStore::from_env(ctx.paths.voices_dir()),
            checks,
        );
        if let Err(e) = live::live(ctx, settings, checks).await {
            checks.push(check("backends", Status::Fail, format!("{e:#}"), None));
        }
    }
}

fn backends(
    settings: &Settings,
    models: &ModelStore,
    status: &[tonny_store::secrets::SecretStatus],
    checks: &mut Vec<Check>,
) {
    let configured = |n: SecretName| status.iter().any(|s| s.name == n && s.configured);
    let need = |what: String, name: SecretName, required: bool, checks: &mut Vec<Check>| {
        if configured(name) {
            checks.push(check(
                "backends",
                Status::Ok,
                format!("{what}: {name} is configured"),
                None,
            ));
        } else {
            checks.push(check(
                "backends",
                if required { Status::Fail } else { Status::Warn },
                format!("{what} needs {name}, which is not set"),
                Some(format!(
                    "tonny secrets set {name}   (or set {})",
                    name.env_var()
                )),
            ));
        }
    };
    match settings.stt.backend {
        SttBackend::Embedded => match models.resolve(&settings.stt.model) {
            Ok(m) => checks.push(check(
                "backends",
                Status::Ok,
                format!(
                    "speech-to-text: embedded Whisper, model {} ({})",
                    m.name,
                    m.dir.display()
                ),
                None,
            )),
            Err(e) => checks.push(check(
                "backends",
                Status::Fail,
                format!("speech-to-text: {e}"),
                Some(format!(
                    "tonny models install {0}   (or `tonny models import PATH --name {0}`)",
                    settings.stt.model
                )),
            )),
        },
        SttBackend::WhisperLiveKit => checks.push(check(
            "backends",
            Status::Ok,
            format!(
                "speech-to-text: WhisperLiveKit at {}{}",
                tonny_providers::wiring::whisperlivekit_url(settings),
                if settings.whisperlivekit.manage {
                    format!(
                        " (started by TonnyTray: {})",
                        settings.whisperlivekit.command
                    )
                } else {
                    String::new()
                }
            ),
            None,
        )),
        SttBackend::OpenAi => need(
            "speech-to-text (OpenAI)".into(),
            SecretName::OpenaiApiKey,
            true,
            checks,
        ),
    }
    for (i, b) in settings.agent.fallback_order.iter().enumerate() {
        let what = format!("agent #{} {}", i + 1, b.as_str());
        match b {
            AgentBackend::Local => checks.push(check(
                "backends",
                Status::Ok,
                format!("{what}: built in, works offline"),
                None,
            )),
            AgentBackend::N8n => need(what, SecretName::N8nWebhookUrl, true, checks),
            AgentBackend::Chat => need(
                format!("{what} at {}", settings.chat.base_url),
                SecretName::ChatApiKey,
                false,
                checks,
            ),
            AgentBackend::RabbitMq => need(what, SecretName::RabbitmqUrl, true, checks),
        }
    }
    if settings.tts.engine == TtsEngine::ElevenLabs {
        need(
            "voice (ElevenLabs)".into(),
            SecretName::ElevenlabsApiKey,
            true,
            checks,
        );
    }
}

/// The local voice: espeak-ng (needed by Piper voices too, for their phonemes) and, with
/// `tts.engine = piper`, which Piper voice speaks.
fn voice(settings: &Settings, voices: &VoiceStore, checks: &mut Vec<Check>) {
    if settings.tts.engine == TtsEngine::None {
        checks.push(check(
            "voice",
            Status::Ok,
            "voice: off (tts.engine = none)",
            None,
        ));
        return;
    }
    if !on_path("espeak-ng") {
        checks.push(check(
            "voice",
            Status::Warn,
            "voice: espeak-ng is not installed, so replies cannot be spoken locally",
            Some("sudo apt-get install espeak-ng".into()),
        ));
        return;
    }
    if settings.tts.engine != TtsEngine::Piper {
        checks.push(check("voice", Status::Ok, "voice: espeak-ng", None));
        return;
    }
    let local = LocalVoice::new(&settings.tts, &settings.tts.voice, voices);
    match local.piper_voice() {
        Some(v) => checks.push(check(
            "voice",
            Status::Ok,
            format!("voice: Piper {} ({})", v.name, v.model.display()),
            None,
        )),
        None => checks.push(check(
            "voice",
            Status::Warn,
            format!(
                "voice: espeak-ng; no natural (Piper) voice is installed for {:?}",
                settings.tts.voice
            ),
            Some("tonny voices install en_US-joe-medium   (`tonny voices list --available` lists voices)".into()),
        )),
    }
}

fn audio(checks: &mut Vec<Check>) {
    let alsa = Path::new("/dev/snd").is_dir();
    let pulse = std::env::var_os("XDG_RUNTIME_DIR")
        .map(|d| Path::new(&d).join("pulse/native").exists())
        .unwrap_or(false)
        || std::env::var_os("PULSE_SERVER").is_some();
    let pipewire = std::env::var_os("XDG_RUNTIME_DIR")
        .map(|d| Path::new(&d).join("pipewire-0").exists())
        .unwrap_or(false);
    let found: Vec<&str> = [
        (alsa, "ALSA devices"),
        (pulse, "PulseAudio"),
        (pipewire, "PipeWire"),
    ]
    .into_iter()
    .filter_map(|(ok, n)| ok.then_some(n))
    .collect();
    if found.is_empty() {
        checks.push(check(
            "audio",
            Status::Warn,
            "no sound system found (no /dev/snd, PulseAudio or PipeWire): the microphone and spoken replies will not work; transcribing files and typed replies still do",
            Some("run TonnyTray inside your desktop session, or start PulseAudio/PipeWire".into()),
        ));
    } else {
        checks.push(check("audio", Status::Ok, found.join(", "), None));
    }
}

/// Runs `tonny doctor`.
pub async fn run(ctx: &mut Ctx) -> anyhow::Result<ExitCode> {
    let mut checks = Vec::new();
    database(ctx, &mut checks).await;
    let settings = settings(ctx, &mut checks).await;
    secrets(ctx, settings.as_ref(), &mut checks).await;
    audio(&mut checks);
    desktop::typing(&mut checks);
    desktop::dictation_modes(&mut checks);
    desktop::hotkeys(&mut checks);
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    if ctx.json {
        output::json(&checks)?;
    } else {
        for c in &checks {
            let tag = match c.status {
                Status::Ok => "OK  ",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
            };
            out!("{tag}  {:<12} {}", c.name, c.message);
            if let Some(fix) = &c.fix {
                out!("      {:<12} fix: {fix}", "");
            }
        }
        let (w, f) = (
            checks.iter().filter(|c| c.status == Status::Warn).count(),
            checks.iter().filter(|c| c.status == Status::Fail).count(),
        );
        out!("");
        out!(
            "{} checks: {} ok, {w} warnings, {f} failures",
            checks.len(),
            checks.len() - w - f
        );
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
