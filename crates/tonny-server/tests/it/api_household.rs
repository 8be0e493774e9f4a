//! Profiles, PINs, the profile switch, quick actions, services and stats over the API.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{Daemon, TestParts};

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_kid_profile_made_over_the_api_is_refused_a_blocked_command() {
    let d = Daemon::start().await;
    let (status, mum) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Mum",
            Some(json!({"permission": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{mum}");
    let (status, kid) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Mia",
            Some(json!({
                "permission": "kid",
                "blocked_commands": ["what time*"],
                "daily_limit": 40,
                "quiet_hours": "20:30-07:00"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{kid}");
    assert_eq!(kid["permission"], "kid");
    assert_eq!(kid["quiet_hours"], "20:30-07:00");
    assert_eq!(kid["has_pin"], false);
    assert_eq!(kid["active"], false);

    // Switching to a kid profile needs an admin PIN to exist, then to be given.
    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/active-profile",
            Some(json!({"name": "Mia"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(code(&body), "no_admin_pin");
    let (status, _) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Mum/pin",
            Some(json!({"pin": "4321"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = d.call(Method::GET, "/api/v1/profiles", None).await;
    assert!(
        !list.to_string().contains("4321") && !list.to_string().contains("argon2"),
        "{list}"
    );
    let mum = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Mum")
        .unwrap();
    assert_eq!(mum["has_pin"], true);
    assert_eq!(mum["active"], true, "the first admin is active: {list}");

    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/active-profile",
            Some(json!({"name": "Mia", "pin": "0000"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(code(&body), "pin_required");
    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/active-profile",
            Some(json!({"name": "Mia", "pin": "4321"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], true);

    let (_, answer) = d
        .call(
            Method::POST,
            "/api/v1/ask",
            Some(json!({"text": "what time is it"})),
        )
        .await;
    assert!(
        answer["refused"]
            .as_str()
            .unwrap()
            .contains("block list pattern 'what time*'"),
        "{answer}"
    );
    assert_eq!(
        answer["reply"],
        "Sorry Mia, that is not something I can do for you."
    );
    let (_, status_now) = d.call(Method::GET, "/api/v1/status", None).await;
    assert_eq!(status_now["profile"], "Mia");
}

#[tokio::test]
async fn bad_profile_input_is_named_and_changes_nothing() {
    let d = Daemon::start().await;
    for (body, needle) in [
        (json!({"permission": "overlord"}), "unknown permission"),
        (
            json!({"permission": "kid", "quiet_hours": "late"}),
            "quiet hours",
        ),
        (
            json!({"permission": "kid", "blocked_commands": ["[oops"]}),
            "not a valid glob",
        ),
        (
            json!({"permission": "kid", "daily_limit": 0}),
            "daily limit",
        ),
    ] {
        let (status, err) = d
            .call(Method::PUT, "/api/v1/profiles/Mia", Some(body))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains(needle),
            "{err}"
        );
    }
    let (status, err) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Mia",
            Some(json!({"permission": "kid", "colour": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (_, list) = d.call(Method::GET, "/api/v1/profiles", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "only Default: {list}");
    let (status, body) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Default/pin",
            Some(json!({"pin": "12"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!body.to_string().contains("\"12\""), "{body}");
    let (status, body) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Nobody/pin",
            Some(json!({"pin": "1234"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = d
        .call(Method::DELETE, "/api/v1/profiles/Nobody", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn quick_actions_are_saved_used_and_removed() {
    let d = Daemon::start().await;
    let (status, saved) = d
        .call(
            Method::PUT,
            "/api/v1/actions/bedtime",
            Some(json!({
                "phrase": "good night",
                "steps": [{"type": "speak", "text": "Sleep well."}],
                "profile": null,
                "enabled": true
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, list) = d.call(Method::GET, "/api/v1/actions", None).await;
    assert_eq!(list["actions"][0]["name"], "bedtime", "{list}");
    let (_, answer) = d
        .call(
            Method::POST,
            "/api/v1/ask",
            Some(json!({"text": "good night"})),
        )
        .await;
    assert_eq!(answer["intent"], "quick_action", "{answer}");

    let (status, err) = d
        .call(
            Method::PUT,
            "/api/v1/actions/broken",
            Some(json!({"phrase": "x", "steps": [{"type": "launch_rocket"}], "enabled": true})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, _) = d
        .call(Method::DELETE, "/api/v1/actions/bedtime", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = d.call(Method::GET, "/api/v1/actions", None).await;
    assert_eq!(list["actions"], json!([]));
}

#[tokio::test]
async fn services_and_stats() {
    let d = Daemon::start().await;
    let (status, list) = d.call(Method::GET, "/api/v1/services", None).await;
    assert_eq!((status, list), (StatusCode::OK, json!([])));
    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/services/whisperlivekit/restart",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no services"),
        "{body}"
    );
    let (status, stats) = d.call(Method::GET, "/api/v1/stats", None).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert!(
        stats["location"].as_str().unwrap().ends_with("tonny.db"),
        "{stats}"
    );
}

#[tokio::test]
async fn a_backup_downloads_as_a_whole_database_and_leaves_no_copy_behind() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tonny_store::Store;
    use tower::ServiceExt;
    let d = Daemon::start().await;
    d.call(
        Method::PUT,
        "/api/v1/profiles/Mum",
        Some(json!({"permission": "admin"})),
    )
    .await;
    let res = d
        .app
        .clone()
        .oneshot(
            Request::get("/api/v1/backup")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", crate::api::TOKEN),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"tonnytray-"),
        "{disposition}"
    );
    let length: usize = res.headers()[header::CONTENT_LENGTH]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // Streamed from an unlinked file: nothing is left in the backups folder even before the
    // download is read.
    let left: Vec<_> = std::fs::read_dir(d.state.core.paths.backups_dir())
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let bytes = axum::body::to_bytes(res.into_body(), 64 << 20)
        .await
        .unwrap();
    assert_eq!(bytes.len(), length);
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    // It is a real copy: the profile is in it.
    let copy = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(copy.path(), &bytes).unwrap();
    let store = tonny_store::SqliteStore::open(copy.path()).unwrap();
    assert!(store.get_profile("Mum").await.unwrap().is_some());
}

#[tokio::test]
async fn replies_are_spoken_in_the_active_profiles_own_voice() {
    let parts = TestParts {
        voice: Some(tonny_testkit::doubles::RecordingVoice::new(
            std::time::Duration::from_millis(10),
        )),
        ..TestParts::default()
    };
    let built = std::sync::Arc::clone(&parts.voices_built);
    let last = |kind: &str| {
        built
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find_map(|b| b.strip_prefix(&format!("{kind}:")).map(str::to_owned))
    };
    let d = Daemon::with(parts).await;
    assert_eq!(
        last("host").as_deref(),
        Some("en-us"),
        "the household's voice"
    );
    let (status, body) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Mum",
            Some(json!({"permission": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Opa",
            Some(json!({"permission": "user", "tts_voice": "de"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        last("host").as_deref(),
        Some("en-us"),
        "Opa is not active yet"
    );

    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/active-profile",
            Some(json!({"name": "Opa"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        last("host").as_deref(),
        Some("de"),
        "replies here in Opa's voice"
    );
    assert_eq!(last("browser").as_deref(), Some("de"), "and in the web UI");

    // Editing the active profile's voice takes effect at once.
    let (status, body) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Opa",
            Some(json!({"permission": "user", "tts_voice": "fr"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(last("host").as_deref(), Some("fr"));

    // A settings change keeps the profile's voice; switching back gives the household's.
    let (status, _) = d
        .call(
            Method::PATCH,
            "/api/v1/settings",
            Some(json!({"tts.voice": "en-gb"})),
        )
        .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(last("host").as_deref(), Some("fr"));
    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/active-profile",
            Some(json!({"name": "Mum"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(last("host").as_deref(), Some("en-gb"));
    assert_eq!(last("browser").as_deref(), Some("en-gb"));

    // Removing the active profile: the household's voice speaks again.
    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/active-profile",
            Some(json!({"name": "Opa"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(last("host").as_deref(), Some("fr"));
    let (status, _) = d.call(Method::DELETE, "/api/v1/profiles/Opa", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(last("host").as_deref(), Some("en-gb"));
}
