#!/usr/bin/env bash
# Media figures for the closing notes, with release builds on loopback:
#   peak RSS of the server and of its myelin-thumbnailer worker while a 24-megapixel JPEG (6000x4000)
#   is uploaded and thumbnailed (the five standard sizes plus one request), and thumbnails/s of the
#   worker for a 3000x4000 JPEG (320x240 scale and 96x96 crop).
# Usage: swift build -c release --product myelin && swift build -c release --product myelin-thumbnailer
#        Benchmarks/media-thumbnails.sh
set -euo pipefail
bin=.build/release
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin/myelin-thumbnailer" synth jpeg 6000 4000 "$dir/24mp.jpg"
"$bin/myelin-thumbnailer" synth jpeg 3000 4000 "$dir/12mp.jpg"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MYELIN_DATA_DIR="$dir/data" MYELIN_LISTEN__PORT="$port" MYELIN_REGISTRATION__MODE=open MYELIN_RATE_LIMIT__ENABLED=false \
  MYELIN_LOG__LEVEL=warning MYELIN_LOG__REQUESTS=false "$bin/myelin" serve </dev/null &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
token=$(curl -s -X POST "$base/_matrix/client/v3/register" \
  -d '{"username":"bench","password":"benchmark password","auth":{"type":"m.login.dummy"}}' |
  python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')
hwm() { grep VmHWM "/proc/$1/status" | tr -s ' \t' ' ' | cut -d' ' -f2; }
echo "server before upload: VmHWM $(hwm "$pid") KiB"
mxc=$(curl -s -X POST -H "Authorization: Bearer $token" -H "Content-Type: image/jpeg" \
  --data-binary @"$dir/24mp.jpg" "$base/_matrix/media/v3/upload" |
  python3 -c 'import sys, json; print(json.load(sys.stdin)["content_uri"][6:])')
start=$(date +%s.%N)
curl -s -o /dev/null -w "thumbnail 320x240 of the 24 MP JPEG: HTTP %{http_code} in %{time_total} s\n" \
  -H "Authorization: Bearer $token" "$base/_matrix/client/v1/media/thumbnail/$mxc?width=320&height=240&method=scale"
sleep 3  # let the background standard sizes finish
worker=$(pgrep -P "$pid" -f myelin-thumbnailer || true)
echo "server after: VmHWM $(hwm "$pid") KiB"
[ -n "$worker" ] && echo "worker after: VmHWM $(hwm "$worker") KiB"
echo "== worker throughput on a 3000x4000 JPEG"
"$bin/myelin-thumbnailer" bench "$dir/12mp.jpg" 320 240 scale 50
"$bin/myelin-thumbnailer" bench "$dir/12mp.jpg" 96 96 crop 50
