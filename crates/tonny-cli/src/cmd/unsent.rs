//! `tonny history unsent` and `tonny history retry`: dictations whose text has not arrived
//! (the transcription failed, the window could not be typed into, TonnyTray stopped meanwhile)
//! are kept; these list them and type them now. Through the running daemon when there is one,
//! else in this process.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde_json::{Value, json};
use tonny_server::api::TalkResult;
use tonny_server::unsent::{Unsent, UnsentDictation};

use crate::client::Daemon;
use crate::ctx::Ctx;
use crate::output::{self, out};

fn kept_here(ctx: &Ctx) -> Unsent {
    Unsent::new(&ctx.paths.recordings_dir())
}

/// The unsent dictations, oldest first.
async fn unsent(ctx: &Ctx, daemon: Option<&Daemon>) -> anyhow::Result<Vec<UnsentDictation>> {
    match daemon {
        Some(d) => Ok(serde_json::from_value(
            d.get("/api/v1/dictations/unsent").await?,
        )?),
        None => Ok(kept_here(ctx).list()),
    }
}

/// `tonny history unsent`.
pub async fn list(ctx: &mut Ctx) -> anyhow::Result<ExitCode> {
    let daemon = Daemon::find(ctx).await;
    let all = unsent(ctx, daemon.as_ref()).await?;
    if ctx.json {
        output::json(&all)?;
    } else if all.is_empty() {
        out!("every dictation was delivered");
    } else {
        let mut t = output::table(&["ID", "RECORDED", "LENGTH", "WHY"]);
        for d in &all {
            t.add_row(vec![
                d.id.clone(),
                d.recorded_at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                format!("{:.1} s", d.audio_ms as f64 / 1000.0),
                d.last_error
                    .clone()
                    .unwrap_or_else(|| "stopped before it was typed".into()),
            ]);
        }
        output::print_table(&t)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Types one unsent dictation; what happened, as the API says it.
async fn retry_one(ctx: &Ctx, daemon: Option<&Daemon>, id: &str) -> anyhow::Result<TalkResult> {
    if let Some(d) = daemon {
        let answer = d
            .post(&format!("/api/v1/dictations/unsent/{id}/retry"), json!({}))
            .await?;
        return Ok(serde_json::from_value(answer)?);
    }
    let settings = ctx.settings().await?.settings;
    let typist = Arc::new(tonny_audio::typing::Typist::from_settings(&settings.typing));
    let core = crate::cmd::local::core(ctx, false, typist).await?;
    let heard = core.session.retry_unsent(id).await?;
    Ok(TalkResult::of(&heard))
}

/// `tonny history retry [ID]`: the one given, else every unsent dictation, oldest first.
pub async fn retry(ctx: &mut Ctx, id: Option<String>) -> anyhow::Result<ExitCode> {
    let daemon = Daemon::find(ctx).await;
    let ids = match id {
        Some(id) => vec![id],
        None => unsent(ctx, daemon.as_ref())
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect(),
    };
    if ids.is_empty() {
        if !ctx.json {
            out!("every dictation was delivered; nothing to retry");
        } else {
            output::json(&Vec::<Value>::new())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut results = Vec::new();
    let mut failed = false;
    for id in &ids {
        let result = retry_one(ctx, daemon.as_ref(), id)
            .await
            .with_context(|| format!("retrying dictation {id}"));
        match result {
            Ok(r) => {
                let typed = r.outcome.as_ref().and_then(|o| o.delivery.as_ref());
                failed |= typed.is_none();
                if !ctx.json {
                    let how = typed.map_or("not delivered".into(), |d| d["how"].to_string());
                    eprintln!("{id}: {how}: {}", r.transcript);
                }
                results.push(json!({"id": id, "result": r}));
            }
            Err(e) => {
                failed = true;
                eprintln!("tonny: {e:#}");
                results.push(json!({"id": id, "error": format!("{e:#}")}));
            }
        }
    }
    if ctx.json {
        output::json(&results)?;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
