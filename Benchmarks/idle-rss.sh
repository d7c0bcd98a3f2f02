#!/usr/bin/env bash
# Idle RSS of `myelin serve` (release build) right after start and after 10 s idle, from /proc, and the
# stripped binary size. Usage: Benchmarks/idle-rss.sh [path-to-myelin]  (default .build/release/myelin)
set -euo pipefail
bin=${1:-.build/release/myelin}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MYELIN_DATA_DIR="$dir" MYELIN_LISTEN__PORT="$port" MYELIN_LOG__LEVEL=warning "$bin" serve </dev/null &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
report() { grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|Threads)' "/proc/$pid/status" | tr -s ' \t' ' ' | paste -sd ' '; }
echo "after start:      $(report)"
sleep 10
echo "after 10 s idle:  $(report)"
cp "$bin" "$dir/stripped" && strip "$dir/stripped"
echo "binary: $(stat -c %s "$bin") bytes, stripped $(stat -c %s "$dir/stripped") bytes"
echo "shared libraries: $(ldd "$bin" | wc -l)"
