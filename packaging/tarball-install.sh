#!/bin/sh
# Installs TonnyTray from this unpacked tarball into a prefix, or removes what it installed.
#   ./install.sh                      # into /usr/local (as root)
#   ./install.sh --prefix ~/.local    # into your home, no root needed
#   ./install.sh --prefix DIR --uninstall
# Runtime packages are not installed here: espeak-ng, xdotool, xclip, and the GTK/WebKit and
# appindicator libraries the tray needs (scripts/install.sh in the source installs them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=/usr/local
uninstall=
while [ $# -gt 0 ]; do
    case "$1" in
    --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
manifest="$prefix/share/tonnytray/installed-files"

if [ -n "$uninstall" ]; then
    [ -f "$manifest" ] || { echo "install.sh: nothing installed by this script in $prefix" >&2; exit 1; }
    while IFS= read -r f; do rm -f "$f"; done <"$manifest"
    rm -f "$manifest"
    rmdir "$prefix/share/tonnytray" "$prefix/lib/tonnytray" 2>/dev/null || true
    echo "TonnyTray removed from $prefix (your data in ~/.local/share/tonnytray is kept)"
    exit 0
fi

mkdir -p "$prefix/share/tonnytray"
: >"$manifest.partial"
for dir in bin lib share; do
    (cd "$here/$dir" && find . -type f) | while IFS= read -r rel; do
        src="$here/$dir/$rel"
        dest="$prefix/$dir/${rel#./}"
        mkdir -p "$(dirname "$dest")"
        case "$rel" in
        */tonnytray.service)
            # The unit starts the program where it was installed.
            sed "s#/usr/bin/tonny#$prefix/bin/tonny#" "$src" >"$dest" ;;
        */tonnytray.desktop)
            sed "s#^Exec=tonny-tray#Exec=$prefix/bin/tonny-tray#" "$src" >"$dest" ;;
        *) cp "$src" "$dest" ;;
        esac
        chmod "$(stat -c %a "$src")" "$dest"
        echo "$dest" >>"$manifest.partial"
    done
done
mv "$manifest.partial" "$manifest"
echo "TonnyTray installed into $prefix ($("$prefix/bin/tonny" --version))"
case "$prefix" in
/usr | /usr/local) ;;
*) echo "To run it as a user service: systemctl --user link $prefix/lib/systemd/user/tonnytray.service" ;;
esac
echo "Next: tonny models install tiny.en, then tonny-tray (or systemctl --user enable --now tonnytray)"
