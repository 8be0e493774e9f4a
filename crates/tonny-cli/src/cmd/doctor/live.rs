//! The checks that ask the configured remote backends whether they answer, through the same
//! checks as the Settings page's "Test connection" ([`tonny_providers::check`]).

use tonny_core::settings::Settings;
use tonny_providers::check::{self, Backend, CheckStatus};

use super::{Check, Status, check};
use crate::ctx::Ctx;

/// Asks the configured remote backends whether they answer: the chat server's models, the
/// ElevenLabs quota, the speech server. (n8n and RabbitMQ are reported from their secrets
/// only; the Settings page tests them on demand.)
pub(super) async fn live(
    ctx: &Ctx,
    settings: &Settings,
    checks: &mut Vec<Check>,
) -> anyhow::Result<()> {
    let (secrets, _) = crate::cmd::local::backend_secrets(ctx, settings).await?;
    for backend in check::in_use(settings) {
        if !matches!(
            backend,
            Backend::Chat | Backend::ElevenLabs | Backend::WhisperLiveKit
        ) {
            continue;
        }
        let found = check::check(backend, settings, &secrets).await;
        let (status, fix) = match (found.status, backend) {
            (CheckStatus::Ok, _) => (Status::Ok, None),
            (CheckStatus::Warn, Backend::ElevenLabs) => (
                Status::Warn,
                Some("`tonny config set tts.engine espeak` switches to the local voice now".into()),
            ),
            (CheckStatus::Warn, _) => (Status::Warn, None),
            // Speech still works through the embedded engine meanwhile.
            (CheckStatus::Fail, Backend::WhisperLiveKit) => (
                Status::Warn,
                settings.whisperlivekit.manage.then(|| {
                    "`tonny run` starts it (or `tonny services start whisperlivekit`)".to_owned()
                }),
            ),
            (CheckStatus::Fail, _) => (Status::Fail, None),
        };
        checks.push(check("backends", status, found.message, fix));
    }
    Ok(())
}
