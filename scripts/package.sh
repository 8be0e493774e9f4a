#!/usr/bin/env bash
# Builds TonnyTray's packages into OUTPUT_DIR: a .deb (cargo-deb), an .rpm (cargo-generate-rpm)
# and a tarball with its own install.sh, all holding the same files, with SHA256SUMS beside
# them. Release build (Cargo.toml's [profile.release]); the files are staged under
# packaging/stage first, and both package tools take them from there.
#   ./scripts/package.sh dist
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
out="${1:?usage: scripts/package.sh OUTPUT_DIR}"

ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev python3-pip \
    libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev dpkg-dev
ensure_rust
build_ui
select_target_dir
target="${CARGO_TARGET_DIR:-$(pwd)/target}"
version=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="tonny-cli"))')

echo "==> release build (tonny, tonny-tray)"
cargo build --release --locked -p tonny-cli -p tonny-tray

# The packaging tools, once per machine (crates.io).
tools="$HOME/.cache/tonnytray/tools"
[ -x "$tools/bin/cargo-deb" ] || cargo install --locked --quiet --root "$tools" cargo-deb@3.8.0
[ -x "$tools/bin/cargo-generate-rpm" ] ||
    cargo install --locked --quiet --root "$tools" cargo-generate-rpm@0.21.1

echo "==> staging the files"
stage=packaging/stage
rm -rf "$stage"
install -d "$stage/usr/bin" "$stage/usr/lib/tonnytray" "$stage/usr/lib/systemd/user" \
    "$stage/usr/share/applications" "$stage/usr/share/icons/hicolor/128x128/apps" \
    "$stage/usr/share/man/man1" "$stage/usr/share/bash-completion/completions" \
    "$stage/usr/share/zsh/vendor-completions" "$stage/usr/share/fish/vendor_completions.d" \
    "$stage/usr/share/doc/tonnytray"
install -m 755 "$target/release/tonny" "$target/release/tonny-tray" "$stage/usr/bin/"
if [ "$(uname -m)" = x86_64 ]; then
    # The prebuilt CTranslate2 and its OpenMP runtime, found through the run path
    # $ORIGIN/../lib/tonnytray.
    # (The wheel ships them with their symbol tables; the dynamic symbols stay.)
    # ONNX Runtime, which Piper voices load at run time (from $ORIGIN/../lib/tonnytray too).
    for lib in "$target"/release/libctranslate2-*.so.* "$target"/release/libgomp-*.so.* \
        "$target"/release/libonnxruntime.so.*; do
        install -m 644 "$lib" "$stage/usr/lib/tonnytray/"
        strip --strip-unneeded "$stage/usr/lib/tonnytray/$(basename "$lib")"
    done
fi
install -m 644 packaging/systemd/tonnytray.service "$stage/usr/lib/systemd/user/"
install -m 644 packaging/tonnytray.desktop "$stage/usr/share/applications/"
install -m 644 crates/tonny-tray/icons/icon.png "$stage/usr/share/icons/hicolor/128x128/apps/tonnytray.png"
"$stage/usr/bin/tonny" manpages "$stage/usr/share/man/man1"
"$stage/usr/bin/tonny-tray" --manpage "$stage/usr/share/man/man1"
gzip -9n "$stage"/usr/share/man/man1/*.1
"$stage/usr/bin/tonny" completions bash >"$stage/usr/share/bash-completion/completions/tonny"
"$stage/usr/bin/tonny" completions zsh >"$stage/usr/share/zsh/vendor-completions/_tonny"
"$stage/usr/bin/tonny" completions fish >"$stage/usr/share/fish/vendor_completions.d/tonny.fish"
install -m 644 README.md packaging/THIRD-PARTY.md "$stage/usr/share/doc/tonnytray/"

mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "==> .deb"
"$tools/bin/cargo-deb" -p tonny-cli --no-build --no-strip --output "$out/tonnytray_${version}_amd64.deb"
echo "==> .rpm"
"$tools/bin/cargo-generate-rpm" -p crates/tonny-cli --output "$out/tonnytray-${version}-1.x86_64.rpm"
echo "==> tarball"
name="tonnytray-${version}-linux-$(uname -m)"
rm -rf "${target:?}/$name"
mkdir -p "$target/$name"
cp -a "$stage/usr/." "$target/$name/"
install -m 755 packaging/tarball-install.sh "$target/$name/install.sh"
install -m 644 LICENSE "$target/$name/"
tar -C "$target" --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" "$name"
rm -rf "${target:?}/$name"

(cd "$out" && sha256sum -- *.deb *.rpm *.tar.gz >SHA256SUMS)
echo "==> packages in $out"
ls -l "$out"
