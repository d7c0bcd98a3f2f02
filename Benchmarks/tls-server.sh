#!/usr/bin/env bash
# TLS figures for the closing notes, against a release build on loopback:
#   handshakes/s (openssl s_time -new), requests/s over keep-alive (wrk, if installed),
#   RSS per idle TLS connection, and the outbound client's requests/s over one pooled connection.
# Usage: Benchmarks/tls-server.sh   (after swift build -c release --product myelin --product myelin-httpclient-bench)
set -euo pipefail
bin=.build/release/myelin
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin" generate-keys --tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem" --config /dev/null >/dev/null 2>&1 \
  || MYELIN_DATA_DIR="$dir" "$bin" generate-keys --tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MYELIN_DATA_DIR="$dir" MYELIN_LISTEN__PORT=0 MYELIN_TLS__ADDRESS=127.0.0.1 MYELIN_TLS__PORT="$port" \
  MYELIN_TLS__CERTIFICATE_PATH="$dir/cert.pem" MYELIN_TLS__PRIVATE_KEY_PATH="$dir/key.pem" \
  MYELIN_LOG__LEVEL=warning MYELIN_LOG__REQUESTS=false "$bin" serve </dev/null &
pid=$!
for _ in $(seq 100); do curl -sf --cacert "$dir/cert.pem" "https://localhost:$port/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
echo "== full handshakes (openssl s_time -new, 10 s)"
openssl s_time -connect "127.0.0.1:$port" -new -time 10 2>/dev/null | grep -E "connections in|connections/user" || true
if command -v wrk >/dev/null; then
  echo "== keep-alive requests (wrk -t2 -c16 -d10s)"
  wrk -t2 -c16 -d10s "https://localhost:$port/_matrix/client/versions" | grep -E "Requests/sec|Latency"
fi
echo "== idle TLS connections"
python3 Benchmarks/tls_idle_connections.py "$port" "$dir/cert.pem" "$pid" 256
if [ -x .build/release/myelin-httpclient-bench ]; then
  echo "== outbound client over one pooled keep-alive connection"
  .build/release/myelin-httpclient-bench "https://localhost:$port/_matrix/client/versions" 5000 "$dir/cert.pem"
fi
