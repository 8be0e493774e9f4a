//! What the daemon's parts share, built once: the store, the live settings and secrets, the
//! assistant, the session, the speech engine, the services; and how a settings or secret change
//! reaches each of them (the applier).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Instant;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tonny_core::pipeline::{BackendKind, Coordinator, Event, EventBus};
use tonny_core::settings::HotkeySettings;
use tonny_core::{Paths, Profile, Settings};
use tonny_providers::wiring::{BackendSecrets, WiringError};
use tonny_store::Store;
use tonny_store::secrets::SecretStore;

use super::services::Services;
use crate::assistant::switch::{SwitchError, switch_profile};
use crate::assistant::{Assistant, AssistantParts};
use crate::parts::Build;
use crate::session::Session;
use crate::session::microphone::MicSlot;
use crate::settings::{LiveSecrets, LiveSettings};
use crate::speech::Speech;

/// Everything the daemon's parts share.
pub struct Core {
    /// Where everything lives.
    pub paths: Paths,
    /// The database.
    pub store: Arc<dyn Store>,
    /// Every event, for every front end.
    pub bus: EventBus,
    /// The settings in effect, and the one way to change them.
    pub settings: LiveSettings,
    /// The secrets in use, and the one way to change them.
    pub secrets: LiveSecrets,
    /// Requests go through it.
    pub assistant: Arc<Assistant>,
    /// The only code that steps the pipeline.
    pub session: Arc<Session>,
    /// The speech engine and the browser's voice.
    pub speech: Arc<Speech>,
    /// This machine's microphone.
    pub mic: Arc<MicSlot>,
    /// Supervised services.
    pub services: Services,
    /// How parts are built.
    pub build: Arc<dyn Build>,
    /// When the daemon started.
    pub started: Instant,
    /// Cancelled when the daemon stops; every background task ends with it.
    pub shutdown: CancellationToken,
    /// The hotkeys in use; the daemon's hotkey loop registers them again when they change.
    pub hotkeys: watch::Sender<HotkeySettings>,
    /// True while this daemon supervises the services (one-shot commands do not).
    pub supervising: std::sync::atomic::AtomicBool,
    /// True when this daemon listens on this machine's microphone (barge-in applies).
    pub listening: std::sync::atomic::AtomicBool,
    // The active profile's own voice (`Profile::tts_voice`), which replies are spoken in.
    profile_voice: std::sync::Mutex<Option<String>>,
}

/// What a core is built from.
pub struct CoreConfig {
    /// Where everything lives.
    pub paths: Paths,
    /// The database.
    pub store: Arc<dyn Store>,
    /// The secret store, when one opened.
    pub secrets: Option<Arc<SecretStore>>,
    /// How parts are built.
    pub build: Arc<dyn Build>,
}

/// Tells the person (logs it, and says it on the bus) what could not be built.
fn report(bus: &EventBus, kind: BackendKind, problems: &[WiringError]) {
    for p in problems {
        tracing::warn!(component = "wiring", "{p}");
        if let WiringError::MissingSecret { backend, .. } | WiringError::BadSecret { backend, .. } =
            p
        {
            bus.publish(Event::BackendHealth {
                kind,
                backend: (*backend).to_owned(),
                reachable: false,
                breaker: None,
                detail: Some(p.to_string()),
            });
        }
    }
}

impl Core {
    /// Builds every part from the stored settings and secrets; problems are reported (and the
    /// parts built without what failed), never fatal.
    pub async fn build(config: CoreConfig) -> Result<Arc<Self>, crate::settings::ChangeError> {
        let bus = EventBus::new();
        let settings = LiveSettings::load(
            Arc::clone(&config.store),
            Some(config.paths.env_file()),
            bus.clone(),
        )
        .await?;
        let secrets = LiveSecrets::new(config.secrets, bus.clone());
        Ok(Self::assemble(config.paths, config.store, settings, secrets, config.build).await)
    }

    /// Builds every part over given live settings and secrets (tests use fixed ones).
    pub async fn assemble(
        paths: Paths,
        store: Arc<dyn Store>,
        settings: LiveSettings,
        secrets: LiveSecrets,
        build: Arc<dyn Build>,
    ) -> Arc<Self> {
        let bus = settings.bus();
        let now = settings.current();
        let (values, problems) = secrets.for_settings(&now).await;
        for p in &problems {
            tracing::warn!(component = "secrets", "{p}");
        }
        let (agents, problems) = build.agents(&now, &values);
        report(&bus, BackendKind::Agent, &problems);
        // Asked only when there are profiles: asking an empty household for its active
        // profile creates "Default", and the first profile made should be the active one.
        let active = match store.list_profiles().await {
            Ok(all) if !all.is_empty() => store.active_profile().await.ok(),
            _ => None,
        };
        let profile_voice = active.as_ref().and_then(|p| p.tts_voice.clone());
        let voiced = Arc::new(now.with_voice_of(profile_voice.as_deref()));
        let voice_out = voice(build.as_ref(), &bus, &voiced, &values);
        let coordinator = Coordinator::spawn(bus.clone(), &now.conversation);
        let assistant = Assistant::new(
            Arc::clone(&store),
            settings.clone(),
            coordinator,
            bus.clone(),
            AssistantParts {
                agents,
                rewriter: build.rewriter(&now, &values),
                text_out: build.text_output(&now),
                voice_out,
            },
        );
        let speech = Arc::new(Speech::new(Arc::clone(&build), voiced, values));
        // The active person's own words and language from the start, not only after a switch.
        if let Some(p) = active {
            speech.set_profile_vocabulary(p.vocabulary);
            speech.set_profile_language(p.language);
        }
        let mic = MicSlot::new(now.audio.input_device.clone(), bus.clone());
        mic.set_muted(now.audio.muted);
        let session = Session::new(
            Arc::clone(&assistant),
            Arc::clone(&speech),
            Arc::clone(&mic),
            settings.clone(),
            Some(crate::unsent::Unsent::new(&paths.recordings_dir())),
        );
        let core = Arc::new(Self {
            paths,
            store,
            services: Services::new(bus.clone()),
            bus,
            hotkeys: watch::channel(now.hotkeys.clone()).0,
            settings,
            secrets,
            assistant,
            session,
            speech,
            mic,
            build,
            started: Instant::now(),
            shutdown: CancellationToken::new(),
            supervising: std::sync::atomic::AtomicBool::new(false),
            listening: std::sync::atomic::AtomicBool::new(false),
            profile_voice: std::sync::Mutex::new(profile_voice),
        });
        core.install_appliers();
        core
    }

    // Every settings or secret change is applied here before it is announced.
    fn install_appliers(self: &Arc<Self>) {
        let weak: Weak<Self> = Arc::downgrade(self);
        self.settings.set_applier(Arc::new(move |old, new| {
            let weak = weak.clone();
            Box::pin(async move {
                if let Some(core) = weak.upgrade() {
                    core.apply(&old, &new, false).await;
                }
            })
        }));
        let weak: Weak<Self> = Arc::downgrade(self);
        self.secrets.set_applier(Arc::new(move || {
            let weak = weak.clone();
            Box::pin(async move {
                if let Some(core) = weak.upgrade() {
                    let now = core.settings.current();
                    core.apply(&now, &now, true).await;
                }
            })
        }));
    }

    /// Rebuilds what the change from `old` to `new` (or a secret change) touches.
    async fn apply(&self, old: &Settings, new: &Arc<Settings>, secrets_changed: bool) {
        let profile_voice = self.profile_voice();
        let (old, new) = (
            &old.with_voice_of(profile_voice.as_deref()),
            &Arc::new(new.with_voice_of(profile_voice.as_deref())),
        );
        let (values, problems) = self.secrets.for_settings(new).await;
        for p in &problems {
            tracing::warn!(component = "secrets", "{p}");
        }
        let remote = |s: &Settings| {
            (
                s.agent.clone(),
                s.n8n.clone(),
                s.chat.clone(),
                s.rabbitmq.clone(),
            )
        };
        if secrets_changed || remote(old) != remote(new) {
            let (agents, problems) = self.build.agents(new, &values);
            report(&self.bus, BackendKind::Agent, &problems);
            self.assistant.set_agents(agents);
        }
        if secrets_changed || remote(old) != remote(new) || old.dictation != new.dictation {
            self.assistant
                .set_rewriter(self.build.rewriter(new, &values));
        }
        let devices_before = self.session.audio_devices(old);
        let audio = |s: &Settings| {
            (
                s.audio.input_device.clone(),
                s.audio.output_device.clone(),
                s.audio.barge_in,
                s.audio.muted,
            )
        };
        if new.audio.muted != old.audio.muted {
            // Muted now: a recording in progress ends here (what was said is still handled, as
            // when a push-to-talk key is let go; a reply playing is not cut) and the device
            // closes once it is let go.
            if new.audio.muted
                && let Some(stop) = self.session.recording_stopper()
            {
                stop.stop();
            }
            self.mic.set_muted(new.audio.muted);
        }
        // A new canceller keeps its devices' names, but the old ones are gone: the voice is
        // built again on the new speaker (the microphone slot reopens itself).
        let reconfigured = self.listening.load(Ordering::SeqCst) && audio(old) != audio(new);
        let devices = if reconfigured {
            self.session.configure_echo(new).await
        } else {
            self.session.audio_devices(new)
        };
        if secrets_changed
            || old.tts != new.tts
            || reconfigured
            || devices.output != devices_before.output
        {
            self.set_voice_on(new, &values, devices.output.clone());
        }
        if old.typing != new.typing {
            self.assistant.set_text_output(self.build.text_output(new));
        }
        self.speech
            .reconfigure(Arc::clone(new), Arc::clone(&values), secrets_changed);
        if devices.input != devices_before.input {
            self.mic.set_device(devices.input);
        }
        if old.conversation != new.conversation {
            let _ = self
                .assistant
                .coordinator()
                .configure(&new.conversation)
                .await;
        }
        if old.hotkeys != new.hotkeys {
            self.hotkeys.send_replace(new.hotkeys.clone());
        }
        let services = |s: &Settings| {
            (
                s.whisperlivekit.clone(),
                s.services.clone(),
                s.stt.backend,
                s.stt.language.clone(),
            )
        };
        let supervising = self.supervising.load(std::sync::atomic::Ordering::SeqCst);
        if supervising && (secrets_changed || services(old) != services(new)) {
            self.supervise(new, &values).await;
        }
    }

    /// The active profile's own voice, if it has one.
    fn profile_voice(&self) -> Option<String> {
        self.profile_voice
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Speaks in the active profile's voice and expects its vocabulary from now on (after a
    /// switch, or an edit of the profile): the voice and the browser's voice are built again
    /// when it changed.
    pub async fn use_profile_voice(&self) {
        let Ok(profile) = self.store.active_profile().await else {
            return;
        };
        // Its own words are expected from now on, with the household's.
        self.speech
            .set_profile_vocabulary(profile.vocabulary.clone());
        self.speech.set_profile_language(profile.language.clone());
        let before = std::mem::replace(
            &mut *self
                .profile_voice
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            profile.tts_voice.clone(),
        );
        let now = self.settings.current();
        let (old, new) = (
            now.with_voice_of(before.as_deref()),
            now.with_voice_of(profile.tts_voice.as_deref()),
        );
        if old.tts == new.tts {
            return;
        }
        tracing::info!(
            component = "playback",
            "speaking in {}'s voice",
            profile.name
        );
        let (values, _) = self.secrets.for_settings(&new).await;
        let output = self.session.audio_devices(&new).output;
        self.set_voice_on(&new, &values, output);
        self.speech
            .reconfigure(Arc::new(new), Arc::clone(&values), false);
    }

    /// Builds the voice as `settings` say, playing on `output`.
    fn set_voice_on(&self, settings: &Settings, values: &BackendSecrets, output: Option<String>) {
        let mut on = settings.clone();
        on.audio.output_device = output;
        self.assistant
            .set_voice(voice(self.build.as_ref(), &self.bus, &on, values));
    }

    /// This daemon listens on this machine's microphone (hotkeys; `hands_free`: without one):
    /// barge-in's echo cancellation is set up as the settings say, with the voice on its
    /// speaker.
    pub async fn listen_here(&self, hands_free: bool) {
        self.listening.store(true, Ordering::SeqCst);
        self.session.set_hands_free(hands_free);
        let settings = self.settings.current();
        let devices = self.session.configure_echo(&settings).await;
        if devices.output != settings.audio.output_device {
            let voiced = settings.with_voice_of(self.profile_voice().as_deref());
            let (values, _) = self.secrets.for_settings(&voiced).await;
            self.set_voice_on(&voiced, &values, devices.output);
        }
    }

    /// (Re)starts the services `settings` define.
    pub async fn supervise(&self, settings: &Settings, values: &BackendSecrets) {
        let specs = self.build.services(settings, values);
        if let Err(e) = self.services.replace(specs).await {
            tracing::warn!(component = "services", "{e}");
            self.assistant
                .notify("warn", "Services", &e.to_string())
                .await;
        }
    }

    /// Switches the active profile (an admin PIN when a kid profile is involved) and says so
    /// once on the bus: the API, the CLI and the tray all come here.
    pub async fn switch_profile(
        &self,
        name: &str,
        pin: Option<&str>,
    ) -> Result<Profile, SwitchError> {
        let previous = self.store.active_profile().await?.name;
        let profile = switch_profile(self.store.as_ref(), name, pin).await?;
        if profile.name != previous {
            tracing::info!(component = "profiles", "active profile: {}", profile.name);
            self.use_profile_voice().await;
            self.bus.publish(Event::ProfileChanged {
                profile: profile.name.clone(),
                previous,
            });
        }
        Ok(profile)
    }
}

/// This machine's voice as `settings` say, or none (told why).
fn voice(
    build: &dyn Build,
    bus: &EventBus,
    settings: &Settings,
    values: &BackendSecrets,
) -> Option<Arc<dyn tonny_core::output::VoiceOutput>> {
    match build.voice(settings, values)? {
        Ok((voice, warning)) => {
            report(bus, BackendKind::Voice, warning.as_slice());
            Some(voice)
        }
        Err(why) => {
            tracing::warn!(component = "playback", "replies will not be spoken: {why}");
            bus.publish(Event::BackendHealth {
                kind: BackendKind::Voice,
                backend: "speaker".into(),
                reachable: false,
                breaker: None,
                detail: Some(why.to_string()),
            });
            None
        }
    }
}
