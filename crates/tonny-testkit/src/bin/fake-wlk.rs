//! The fake WhisperLiveKit as a program, so the supervisor can launch, kill and restart it the
//! way it does the real `wlk`. Accepts `wlk`'s own arguments (`--host`, `--port`, `--model`,
//! `--lan`, `--pcm-input`, `--model_dir`, `--backend`, `--backend-policy`, `--warmup-file`) and,
//! for tests, `--say TEXT` and `--fail-if-exists PATH` (exit at once with status 3 while PATH
//! exists: a crash loop that a test can "fix" by deleting the file). The API token comes from
//! `WLK_API_TOKEN` in the environment, as TonnyTray passes it.

use tonny_testkit::fakes::whisperlivekit::{WlkScript, app};

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut host, mut port) = ("127.0.0.1".to_owned(), 8000u16);
    let mut script = WlkScript {
        pcm_input: false,
        token: std::env::var("WLK_API_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()),
        ..WlkScript::default()
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match arg.as_str() {
            "--host" => host = value(),
            "--port" => port = value().parse().expect("--port takes a number"),
            "--pcm-input" => script.pcm_input = true,
            "--say" => script.say = value(),
            "--fail-if-exists" => {
                let path = value();
                if std::path::Path::new(&path).exists() {
                    eprintln!("fake-wlk: failing on purpose: {path} exists");
                    std::process::exit(3);
                }
            }
            "--model" | "--lan" | "--language" | "--model_dir" | "--backend"
            | "--backend-policy" | "--warmup-file" => {
                let _ = value();
            }
            other => {
                eprintln!("fake-wlk: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind((host.as_str(), port))
            .await
            .unwrap_or_else(|e| {
                eprintln!("fake-wlk: cannot listen on {host}:{port}: {e}");
                std::process::exit(1);
            });
        eprintln!("fake-wlk: listening on http://{host}:{port}");
        axum::serve(listener, app(script)).await.expect("serving");
    });
}
