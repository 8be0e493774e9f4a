//! Supervising the fake WhisperLiveKit program as a real child process: crash detection and
//! restart, the crash-loop breaker and recovery, clean group stop, dependency order.

use std::time::{Duration, Instant};

use tonny_core::breaker::BreakerPolicy;
use tonny_supervisor::{Policy, ServiceState, Supervisor};
use tonny_testkit::fakes::whisperlivekit::fake_wlk_spec;

fn quick() -> Policy {
    Policy {
        first_backoff: Duration::from_millis(200),
        breaker: BreakerPolicy {
            open_for: Duration::from_secs(2),
            ..BreakerPolicy::default()
        },
        health_interval: Duration::from_millis(300),
        ready_timeout: Duration::from_secs(10),
        stop_grace: Duration::from_secs(2),
        ..Policy::default()
    }
}

async fn wait_for(
    sup: &Supervisor,
    name: &str,
    what: &str,
    ok: impl Fn(&ServiceState) -> bool,
) -> ServiceState {
    let start = Instant::now();
    loop {
        let s = sup.state(name).unwrap();
        if ok(&s) {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{name} never became {what}; it is {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn pid_of(s: &ServiceState) -> u32 {
    match s {
        ServiceState::Running { pid } | ServiceState::Starting { pid } => *pid,
        other => panic!("no pid in {other:?}"),
    }
}

fn kill9(pid: u32) {
    std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
}

// Live (not zombie) processes in process group `pgid`, from /proc: a zombie waiting to be
// reaped by init is not a running orphan.
fn group_members(pgid: u32) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((_, after)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = after.split_whitespace().collect();
        // After the command: state, ppid, pgrp.
        if f.len() > 2 && f[2] == pgid.to_string() && f[0] != "Z" {
            out.push(stat.trim().to_owned());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_is_noticed_at_once_and_restarted_and_a_crash_loop_opens_the_breaker() {
    let port = tonny_testkit::free_port();
    let fail = tempfile::NamedTempFile::new().unwrap().into_temp_path();
    let fail_path = fail.to_path_buf();
    std::fs::remove_file(&fail_path).unwrap();
    let sup = Supervisor::new(
        vec![fake_wlk_spec(
            "whisperlivekit",
            port,
            &["--fail-if-exists", fail_path.to_str().unwrap()],
        )],
        quick(),
    );
    sup.start("whisperlivekit").unwrap();
    let first =
        pid_of(&wait_for(&sup, "whisperlivekit", "running", ServiceState::is_running).await);

    // Killed: detected within a second, and healthy again after the first backoff.
    kill9(first);
    let killed = Instant::now();
    wait_for(&sup, "whisperlivekit", "not running", |s| !s.is_running()).await;
    let detected = killed.elapsed();
    assert!(
        detected < Duration::from_secs(1),
        "detected after {detected:?}"
    );
    let second = pid_of(
        &wait_for(
            &sup,
            "whisperlivekit",
            "running again",
            ServiceState::is_running,
        )
        .await,
    );
    assert_ne!(first, second);
    eprintln!(
        "crash → detected {detected:?}, healthy again {:?}",
        killed.elapsed()
    );

    // A crash loop: every start fails, the breaker opens and the state says so.
    std::fs::write(&fail_path, "").unwrap();
    kill9(second);
    let failing = wait_for(&sup, "whisperlivekit", "failing", |s| {
        matches!(s, ServiceState::Failing { .. })
    })
    .await;
    let said = failing.describe();
    assert!(said.contains("circuit breaker open"), "{said}");
    assert!(
        said.contains("exited with status 3 while starting"),
        "{said}"
    );

    // Fixed: the next trial after the breaker's wait starts it, and it stays up.
    std::fs::remove_file(&fail_path).unwrap();
    wait_for(
        &sup,
        "whisperlivekit",
        "recovered",
        ServiceState::is_running,
    )
    .await;
    sup.stop_all().await;
    assert_eq!(sup.state("whisperlivekit").unwrap(), ServiceState::Stopped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_the_whole_process_group() {
    let port = tonny_testkit::free_port();
    // A service that forks a helper: the helper must go too.
    let mut spec = fake_wlk_spec("wrapped", port, &[]);
    let inner = format!("sleep 600 & exec {} {}", spec.program, spec.args.join(" "));
    spec.program = "sh".into();
    spec.args = vec!["-c".into(), inner];
    let sup = Supervisor::new(vec![spec], quick());
    sup.start("wrapped").unwrap();
    let pid = pid_of(&wait_for(&sup, "wrapped", "running", ServiceState::is_running).await);
    assert!(
        group_members(pid).len() >= 2,
        "the server and its sleep share a group"
    );
    sup.stop("wrapped").await.unwrap();
    // SIGKILL is asynchronous: give the kernel a moment to finish the members off.
    let deadline = Instant::now() + Duration::from_secs(1);
    while !group_members(pid).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        group_members(pid),
        Vec::<String>::new(),
        "nothing left in the group"
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependencies_start_first_and_circles_are_refused() {
    let (a, b) = (tonny_testkit::free_port(), tonny_testkit::free_port());
    let mut app = fake_wlk_spec("app", b, &[]);
    app.depends_on = vec!["speech".into()];
    let sup = Supervisor::new(vec![app, fake_wlk_spec("speech", a, &[])], quick());
    assert_eq!(sup.start_order("app").unwrap(), ["speech", "app"]);
    let mut events = sup.subscribe();
    sup.start("app").unwrap();
    let mut started = Vec::new();
    while started.len() < 2 {
        let e = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(e.state, ServiceState::Starting { .. }) {
            started.push(e.service);
        }
    }
    assert_eq!(started, ["speech", "app"]);
    sup.stop_all().await;

    let mut x = fake_wlk_spec("x", tonny_testkit::free_port(), &[]);
    x.depends_on = vec!["y".into()];
    let mut y = fake_wlk_spec("y", tonny_testkit::free_port(), &[]);
    y.depends_on = vec!["x".into()];
    let err = Supervisor::new(vec![x, y], quick()).start("x").unwrap_err();
    assert!(err.to_string().contains("circle"), "{err}");
    let err = Supervisor::new(vec![], quick()).start("nope").unwrap_err();
    assert!(
        err.to_string().contains("no service called \"nope\""),
        "{err}"
    );
}
