//! Shell completions and manual pages, generated from the same definitions `--help` prints
//! (the packages install them).

use tonny_testkit::TempHome;

use crate::tonny;

#[test]
fn completions_cover_every_command_for_each_shell() {
    let home = TempHome::new();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef tonny"),
        ("fish", "complete -c tonny"),
    ] {
        let out = tonny(&home).args(["completions", shell]).run().ok();
        assert!(out.stdout.contains(marker), "{shell}: {}", out.stdout);
        for command in ["transcribe", "backups", "serve", "doctor"] {
            assert!(out.stdout.contains(command), "{shell} completes {command}");
        }
    }
    let bad = tonny(&home).args(["completions", "tcsh"]).run().failed();
    assert!(
        bad.stderr.contains("bash"),
        "names the shells: {}",
        bad.stderr
    );
}

#[test]
fn a_manual_page_is_written_for_every_command_and_none_for_hidden_ones() {
    let home = TempHome::new();
    let dir = home.path().join("man");
    tonny(&home).arg("manpages").arg_path(&dir).run().ok();
    let page = std::fs::read_to_string(dir.join("tonny.1")).unwrap();
    assert!(page.contains(".TH tonny 1"), "{page}");
    assert!(page.contains("transcribe"), "lists the commands");
    for sub in [
        "tonny-db-backups-prune.1",
        "tonny-models-install.1",
        "tonny-serve.1",
    ] {
        assert!(dir.join(sub).is_file(), "{sub}");
    }
    assert!(
        !dir.join("tonny-stt-worker.1").exists(),
        "hidden commands have no page"
    );
    // Rendered by man itself (Debian's man-db, installed by the test command).
    let out = std::process::Command::new("man")
        .arg("-l")
        .arg(dir.join("tonny-db-backup.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man (man-db) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("gzip-compressed"),
        "the command's help, rendered: {text}"
    );
}
