#!/usr/bin/env bash
# Builds Myelin (release) and serves it with the embedded defaults, or ./myelin.toml if present:
# server name "localhost", data in ./myelin-data, plain HTTP on 127.0.0.1:8008.
# Extra arguments go to `myelin serve` (e.g. --config my.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Both products: the server finds the thumbnail worker beside itself (without it every thumbnail is 404).
swift build -c release --product myelin
swift build -c release --product myelin-thumbnailer
exec .build/release/myelin serve "$@"
