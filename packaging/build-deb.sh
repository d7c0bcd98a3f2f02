#!/usr/bin/env bash
# Builds the Myelin Debian package: packaging/out/myelin_<version>_<arch>.deb.
#
#   packaging/build-deb.sh
#
# Build it on the machine type it is for (a Raspberry Pi running 64-bit Raspberry Pi OS or
# Debian 12 gives an arm64 package). Environment variables:
#   SKIP_BUILD=1        do not run `swift build`; package the binaries already in MYELIN_BIN_DIR
#   MYELIN_BIN_DIR=DIR  where myelin and myelin-thumbnailer are (default: .build-release/release)
#   VERSION=X.Y.Z       the package version (default: what `myelin version` prints)
#   ARCH=arm64          the package architecture (default: `dpkg --print-architecture`)
#   STRIP=strip         the strip program (e.g. aarch64-linux-gnu-strip when cross-building)
#   MAINTAINER=...      the Maintainer field
#   OUT_DIR=DIR         where the .deb goes (default: packaging/out)
set -euo pipefail
umask 022

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

scratch=".build-release"
bin_dir="${MYELIN_BIN_DIR:-$repo_root/$scratch/release}"
out_dir="${OUT_DIR:-$repo_root/packaging/out}"
strip_tool="${STRIP:-strip}"
maintainer="${MAINTAINER:-Myelin maintainers <myelin@localhost>}"

# The shared libraries the binaries link (the Swift runtime is linked statically), by Debian 12
# package: libc6 (libc, libm), libstdc++6, libgcc-s1, libsqlite3-0, libsodium23, the mbedTLS 2.28
# trio, libvips42 and libglib2.0-0 (the thumbnailer only, which calls GLib directly). adduser is
# for postinst.
depends="libc6, libstdc++6, libgcc-s1, libsqlite3-0, libsodium23, libmbedtls14, libmbedx509-1, libmbedcrypto7, libvips42, libglib2.0-0, adduser"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-deb: %s\n' "$*" >&2; exit 1; }

for tool in dpkg-deb dpkg "$strip_tool"; do
    command -v "$tool" >/dev/null || die "$tool is required"
done

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    for product in myelin myelin-thumbnailer; do
        log "swift build --product $product (release, static Swift stdlib)"
        swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product "$product"
    done
fi

for binary in myelin myelin-thumbnailer; do
    [[ -x "$bin_dir/$binary" ]] || die "$bin_dir/$binary is missing (build it, or set MYELIN_BIN_DIR)"
done

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
pkg="$stage/myelin"
mkdir -p "$pkg/DEBIAN"
chmod 0755 "$pkg"

log "staging the files"
install -D -m 0755 "$bin_dir/myelin" "$pkg/usr/bin/myelin"
install -D -m 0755 "$bin_dir/myelin-thumbnailer" "$pkg/usr/lib/myelin/myelin-thumbnailer"
"$strip_tool" "$pkg/usr/bin/myelin" "$pkg/usr/lib/myelin/myelin-thumbnailer"

install -D -m 0644 systemd/myelin.service "$pkg/lib/systemd/system/myelin.service"

# The example config with the packaged data directory. Mode 0640 (postinst gives it group myelin):
# it may hold registration.shared_secret.
install -d -m 0755 "$pkg/etc/myelin"
[[ "$(grep -c '^data_dir = ' config/myelin.example.toml)" == 1 ]] \
    || die "config/myelin.example.toml must have exactly one 'data_dir = ' line"
sed 's|^data_dir = .*$|data_dir = "/var/lib/myelin"|' config/myelin.example.toml > "$pkg/etc/myelin/myelin.toml"
chmod 0640 "$pkg/etc/myelin/myelin.toml"
printf '/etc/myelin/myelin.toml\n' > "$pkg/DEBIAN/conffiles"

readme="README.md"
if [[ ! -f "$readme" ]]; then
    log "warning: no README.md at the repository root; shipping packaging/README.md instead"
    readme="packaging/README.md"
fi
install -D -m 0644 "$readme" "$pkg/usr/share/doc/myelin/README.md"

for script in postinst prerm postrm; do
    install -m 0755 "packaging/debian/$script" "$pkg/DEBIAN/$script"
done

# The version: from the staged (stripped) binary, which also proves it still starts.
if [[ -n "${VERSION:-}" ]]; then
    version="$VERSION"
else
    version_line="$("$pkg/usr/bin/myelin" version)" || die "cannot run myelin version (set VERSION when cross-building)"
    # "myelin 0.1.0 (database schema 3)"
    version="$(awk '{ print $2; exit }' <<<"$version_line")"
fi
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "not a Debian version: '$version'"
arch="${ARCH:-$(dpkg --print-architecture)}"

# Warn about any linked library whose Debian package is not in Depends (run where the package is
# built, so the libraries resolve). With a static stdlib there is no libswiftCore.so to find.
check_depends() {
    local binary="$1" needed path package resolved
    if ! command -v objdump >/dev/null || ! command -v ldd >/dev/null; then
        log "warning: objdump or ldd missing; Depends not checked"
        return 0
    fi
    if ! resolved="$(ldd "$binary" 2>/dev/null)"; then
        log "warning: cannot ldd $binary (cross-built?); Depends not checked"
        return 0
    fi
    while read -r needed; do
        # The dynamic loader itself comes with libc6.
        [[ "$needed" == ld-linux* ]] && continue
        path="$(awk -v lib="$needed" '$1 == lib && $2 == "=>" { print $3; exit }' <<<"$resolved")"
        if [[ -z "$path" || "$path" == "not" ]]; then
            log "warning: $(basename "$binary") needs $needed, which is not found on this system"
            continue
        fi
        package="$(dpkg -S "$path" 2>/dev/null || dpkg -S "/usr$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true)"
        package="${package%%:*}"
        if [[ -z "$package" ]]; then
            log "warning: $(basename "$binary") needs $needed ($path), which no Debian package provides"
        elif [[ ", $depends, " != *", $package, "* ]]; then
            log "warning: $(basename "$binary") needs $needed from $package, which is not in Depends"
        fi
    done < <(objdump -p "$binary" | awk '$1 == "NEEDED" { print $2 }')
}
check_depends "$pkg/usr/bin/myelin"
check_depends "$pkg/usr/lib/myelin/myelin-thumbnailer"

installed_size="$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)"
cat > "$pkg/DEBIAN/control" <<EOF
Package: myelin
Version: $version
Architecture: $arch
Maintainer: $maintainer
Section: net
Priority: optional
Installed-Size: $installed_size
Depends: $depends
Description: Matrix homeserver for one person or a family on a small board
 Myelin is a Matrix homeserver written in Swift for a Raspberry Pi or similar
 small machine. It keeps everything in one SQLite database, stays inside a
 configured memory budget, and runs as the systemd service myelin.
 .
 The configuration is /etc/myelin/myelin.toml; the data lives in
 /var/lib/myelin. The service is not started on installation.
EOF

mkdir -p "$out_dir"
deb="$out_dir/myelin_${version}_${arch}.deb"
log "building $deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
log "done: $deb"
echo "$deb"
