#!/usr/bin/env bash
# Installs the Debian packages Myelin builds against, when any is missing. Sourced by run-server.sh and
# run-tests.sh. Needs root or sudo for apt-get; the Swift 6 toolchain itself must already be on PATH.
set -euo pipefail

myelin_packages=(pkg-config libsqlite3-dev libsodium-dev libmbedtls-dev libvips-dev)

missing=()
for package in "${myelin_packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "swift is not on PATH: install the Swift 6 toolchain for Linux from swift.org first" >&2
    exit 1
fi
