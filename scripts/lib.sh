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
# machines); otherwise builds inside the checkout.
select_target_dir() {
    local shared="${HOME}/.cache/tonnytray/target"
    if [ -z "${CARGO_TARGET_DIR:-}" ] && [ -d "$shared" ]; then
        export CARGO_TARGET_DIR="$shared"
    fi
    # Incremental-compilation caches grow by gigabytes per change and buy nothing for a full
    # check run; without them the shared target directory stays a steady size.
    export CARGO_INCREMENTAL=0
    echo "==> cargo target directory: ${CARGO_TARGET_DIR:-$(pwd)/target}"
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
