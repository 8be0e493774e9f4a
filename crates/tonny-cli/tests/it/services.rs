//! `tonny services` supervising the fake WhisperLiveKit program, and `tonny listen` through a
//! WhisperLiveKit server with its fallback to the embedded engine.

use std::time::{Duration, Instant};

use tonny_testkit::fakes::whisperlivekit::fake_wlk_exe;
use tonny_testkit::fakes::{FakeWhisperLiveKit, WlkScript};
use tonny_testkit::{TempHome, Tonny, speech};

use crate::tonny;

fn with_wlk(home: &TempHome, port: u16) -> Tonny {
    tonny(home)
        .env("TONNY_STT_BACKEND", "whisperlivekit")
        .env("TONNY_WHISPERLIVEKIT_COMMAND", fake_wlk_exe())
        .env("TONNY_WHISPERLIVEKIT_PORT", port.to_string())
        .env("TONNY_WHISPERLIVEKIT_API_TOKEN", "wlk-secret-123")
}

fn pid_on(port: u16) -> Option<String> {
    let out = std::process::Command::new("ss")
        .args(["-ltnpH", &format!("sport = :{port}")])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let pid = text.split("pid=").nth(1)?.split(',').next()?.to_owned();
    Some(pid)
}

#[test]
fn services_start_status_restart_logs_and_stop_the_whisperlivekit_server() {
    let home = TempHome::new();
    let port = tonny_testkit::free_port();
    let listed = with_wlk(&home, port).args(["services", "list"]).run().ok();
    assert!(
        listed
            .stdout
            .contains(&format!("--port {port} --pcm-input")),
        "{}",
        listed.stdout
    );
    assert!(
        listed
            .stdout
            .contains("environment: WLK_API_TOKEN (values hidden)"),
        "{}",
        listed.stdout
    );
    assert!(
        !listed.stdout.contains("wlk-secret-123"),
        "the token is never in argv or output"
    );

    let down = with_wlk(&home, port).args(["services", "status"]).run();
    assert_eq!(down.code, 1);
    assert!(
        down.stdout.contains("whisperlivekit: not answering"),
        "{}",
        down.stdout
    );

    let sup = with_wlk(&home, port)
        .args(["services", "start", "whisperlivekit"])
        .spawn();
    // Up when `services status` says so by its exit code.
    let started = Instant::now();
    let up = loop {
        let status = with_wlk(&home, port)
            .args(["services", "status", "whisperlivekit"])
            .run();
        if status.code == 0 {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not running: {}\n{}",
            status.stdout,
            sup.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        up.stdout.contains("whisperlivekit: healthy; running (pid"),
        "{}",
        up.stdout
    );
    assert!(
        up.stdout
            .contains(&format!("supervised by pid {}", sup.pid())),
        "{}",
        up.stdout
    );
    // The token went in the environment, not argv.
    let child = pid_on(port).expect("the server listens");
    let cmdline = std::fs::read(format!("/proc/{child}/cmdline")).unwrap();
    assert!(!String::from_utf8_lossy(&cmdline).contains("wlk-secret-123"));
    let environ = std::fs::read(format!("/proc/{child}/environ")).unwrap();
    assert!(String::from_utf8_lossy(&environ).contains("WLK_API_TOKEN=wlk-secret-123"));

    with_wlk(&home, port)
        .args(["services", "restart", "whisperlivekit"])
        .run()
        .ok();
    let started = Instant::now();
    loop {
        match pid_on(port) {
            Some(p) if p != child => break,
            _ => {}
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not restarted:\n{}",
            sup.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Its output is in the logs under its name.
    std::thread::sleep(Duration::from_millis(600));
    let logs = with_wlk(&home, port)
        .args(["services", "logs", "whisperlivekit"])
        .run()
        .ok();
    assert!(
        logs.stdout.contains("fake-wlk: listening on"),
        "{}",
        logs.stdout
    );

    let stopped = with_wlk(&home, port)
        .args(["services", "stop", "whisperlivekit"])
        .run()
        .ok();
    assert!(
        stopped.stdout.contains("whisperlivekit stopped"),
        "{}",
        stopped.stdout
    );
    let _ = sup.finish();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server is gone"
    );
    assert_eq!(pid_on(port), None);
}

#[test]
fn listen_transcribes_through_whisperlivekit_and_falls_back_to_the_embedded_engine_when_it_is_down()
{
    let home = TempHome::new();
    let wlk = FakeWhisperLiveKit::start(WlkScript {
        say: "What time is it?".into(),
        ..WlkScript::default()
    });
    let wav = speech::shared_audio_dir().join("timer.wav");
    let listen = |url: &str| {
        tonny(&home)
            .env("TONNY_STT_BACKEND", "whisperlivekit")
            .env("TONNY_WHISPERLIVEKIT_MANAGE", "false")
            .env("TONNY_STT_WHISPERLIVEKIT_URL", url)
            .env("TONNY_STT_MODEL", speech::model_dir())
            .args(["--json", "listen", "--silent", "--file"])
            .arg(&wav)
            .run()
    };
    // The server "hears" its scripted words: proof the audio went through it.
    let out = listen(&wlk.asr_url());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.json()["transcript"],
        "What time is it?",
        "{}",
        out.stdout
    );
    assert!(wlk.seen().1 > 0);

    // Down: the embedded engine hears the recording itself, and the switch is told.
    let url = wlk.asr_url();
    drop(wlk);
    let out = listen(&url);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let heard = out.json()["transcript"].as_str().unwrap().to_owned();
    assert_eq!(
        speech::word_errors("set a timer for ten minutes", &heard).0,
        0,
        "{heard}"
    );
    assert_eq!(out.json()["reply"], "Timer set for 10 minutes.");
    assert!(
        out.stderr.contains("WhisperLiveKit is not available"),
        "{}",
        out.stderr
    );
}

/// "Set a timer for ten minutes" spoken into `tonny listen`'s microphone, transcribed through
/// the WhisperLiveKit at `wlk` (unmanaged), with the embedded model as the fallback.
fn speak_to_listen(wlk: &FakeWhisperLiveKit) -> tonny_testkit::Output {
    let home = TempHome::new();
    let pulse = tonny_testkit::PulseServer::start();
    let run = tonny(&home)
        .pulse(&pulse)
        .env("TONNY_STT_BACKEND", "whisperlivekit")
        .env("TONNY_WHISPERLIVEKIT_MANAGE", "false")
        .env("TONNY_STT_WHISPERLIVEKIT_URL", wlk.asr_url())
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["--json", "listen", "--silent"])
        .spawn();
    pulse.wait_for_recording(Duration::from_secs(60));
    pulse.speak_wav(&speech::shared_audio_dir().join("timer.wav"));
    run.finish()
}

#[test]
fn a_spoken_request_streams_to_whisperlivekit_while_the_person_speaks() {
    let wlk = FakeWhisperLiveKit::start(WlkScript {
        say: "What time is it?".into(),
        ..WlkScript::default()
    });
    let out = speak_to_listen(&wlk);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.json()["transcript"],
        "What time is it?",
        "{}",
        out.stdout
    );
    // The audio reached the server over the utterance's own duration (timer.wav is ~2 s),
    // not in one burst after it ended; and after the end of speech only the final answer was
    // left to wait for.
    let span = wlk.last_span().expect("a finished session");
    assert!(
        span > Duration::from_millis(1500),
        "audio arrived within {span:?}"
    );
    let stt_ms = out.json()["timings"]["stt_ms"].as_u64().unwrap();
    assert!(stt_ms < 500, "end of audio → transcript {stt_ms} ms");
}

#[test]
fn a_server_dying_mid_utterance_loses_nothing_the_embedded_engine_hears_it_all() {
    let wlk = FakeWhisperLiveKit::start(WlkScript {
        close_after_frames: Some(20),
        ..WlkScript::default()
    });
    let out = speak_to_listen(&wlk);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let heard = out.json()["transcript"].as_str().unwrap().to_owned();
    assert_eq!(
        speech::word_errors("set a timer for ten minutes", &heard).0,
        0,
        "{heard}"
    );
    assert_eq!(out.json()["reply"], "Timer set for 10 minutes.");
    assert!(
        out.stderr.contains("closed the connection mid-utterance"),
        "{}",
        out.stderr
    );
}
