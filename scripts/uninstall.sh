#!/usr/bin/env bash
# Removes TonnyTray from this machine: stops and disables the user service and removes the
# package (or what the tarball installed in /usr/local). Your data stays unless --purge:
# the database, backups and models in ~/.local/share/tonnytray, the settings overrides in
# ~/.config/tonnytray, and the keys in your keychain (`tonny config paths` says where).
#   ./scripts/uninstall.sh [--purge]
set -euo pipefail
purge=
case "${1:-}" in
--purge) purge=1 ;;
"") ;;
*) echo "uninstall.sh: unknown option $1 (only --purge)" >&2; exit 2 ;;
esac
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
user="${SUDO_USER:-$(id -un)}"
as_user() { if [ "$(id -un)" = "$user" ]; then "$@"; else sudo -u "$user" -H "$@"; fi; }

if as_user systemctl --user show-environment >/dev/null 2>&1; then
    as_user systemctl --user disable --now tonnytray 2>/dev/null || true
fi
# Where this user's files are, asked of the program before it goes (it honours XDG_DATA_HOME,
# XDG_CONFIG_HOME and TONNY_HOME); the usual folders when it is already gone.
home=$(eval echo "~$user")
data="$home/.local/share/tonnytray"
config="$home/.config/tonnytray"
if command -v tonny >/dev/null; then
    paths=$(as_user tonny config paths 2>/dev/null || true)
    found=$(printf '%s\n' "$paths" | sed -n 's/^data  *//p')
    [ -z "$found" ] || data=$found
    found=$(printf '%s\n' "$paths" | sed -n 's/^config  *//p')
    [ -z "$found" ] || config=$found
    if [ -n "$purge" ]; then
        # Keys in the keychain are not in a folder: removed while the program is still here.
        for name in $(as_user tonny --json secrets status | python3 -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin)["secrets"] if s["configured"] and s["source"] in ("keychain","encrypted_file")))' 2>/dev/null || true); do
            as_user tonny secrets delete "$name" >/dev/null || true
        done
    fi
fi
if dpkg-query -W tonnytray >/dev/null 2>&1; then
    $sudo apt-get remove -y -qq tonnytray
elif rpm -q tonnytray >/dev/null 2>&1; then
    if command -v dnf >/dev/null; then $sudo dnf remove -y tonnytray; else $sudo zypper --non-interactive remove tonnytray; fi
elif [ -f /usr/local/share/tonnytray/installed-files ]; then
    tmp=$(mktemp -d)
    printf '#!/bin/sh\nset -eu\nwhile IFS= read -r f; do rm -f "$f"; done </usr/local/share/tonnytray/installed-files\nrm -rf /usr/local/share/tonnytray /usr/local/lib/tonnytray\n' >"$tmp/rm.sh"
    $sudo sh "$tmp/rm.sh"
    rm -rf "$tmp"
else
    echo "uninstall.sh: TonnyTray is not installed as a package or in /usr/local" >&2
fi

if [ -n "$purge" ]; then
    rm -rf "$data" "$config"
    echo "TonnyTray and all its data are removed ($data, $config, the stored keys)."
else
    echo "TonnyTray is removed. Your data is kept: $data (history, backups, models),"
    echo "$config (settings overrides, .env), and keys in your keychain;"
    echo "./scripts/uninstall.sh --purge removes them too."
fi
