#!/usr/bin/env python3
"""A small HTTP/1.1 server (keep-alive, optionally TLS) for the MyelinHTTPClient tests.

Prints "PORT <n>" once it listens, then serves until its stdin closes (so it never outlives the
test process). Endpoints:
  /ok                         200 "ok"
  /big?n=N[&chunked=1]        N bytes of "x", with Content-Length or chunked
  /slow?delay=S               sleeps S seconds, then 200 "slow"
  /drip?count=N&interval=S    Content-Length N, one byte every S seconds
  /redirect                   302 to /ok
  /close                      200 with Connection: close, then closes
  /drop                       200 "dropped" (keep-alive headers), then closes without a word
  /stats                      JSON: connections accepted, open now, most open at once, bytes of /big sent
  /whoami                     JSON: this server's port and the Host header it received
  /echo (POST)                the request body back
With --blackhole it instead listens with a full accept queue and never accepts, so connects hang.
"""
import argparse
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

stats_lock = threading.Lock()
stats = {"connections": 0, "active": 0, "max_active": 0, "big_sent": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the body would wait for the client's
    # delayed ACK (40 ms a request).
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        with stats_lock:
            stats["connections"] += 1
            stats["active"] += 1
            stats["max_active"] = max(stats["max_active"], stats["active"])

    def finish(self):
        try:
            super().finish()
        finally:
            with stats_lock:
                stats["active"] -= 1

    def log_message(self, format, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if url.path == "/ok":
            self.reply(200, b"ok")
        elif url.path == "/big":
            size = int(query.get("n", "1000"))
            if query.get("chunked") == "1":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                left = size
                while left > 0:
                    part = min(left, 65536)
                    self.wfile.write(b"%x\r\n" % part + b"x" * part + b"\r\n")
                    left -= part
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_response(200)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                left = size
                while left > 0:
                    part = min(left, 65536)
                    self.wfile.write(b"x" * part)
                    left -= part
                    with stats_lock:
                        stats["big_sent"] += part
        elif url.path == "/slow":
            time.sleep(float(query.get("delay", "1")))
            self.reply(200, b"slow")
        elif url.path == "/drip":
            count = int(query.get("count", "10"))
            interval = float(query.get("interval", "0.1"))
            self.send_response(200)
            self.send_header("Content-Length", str(count))
            self.end_headers()
            for _ in range(count):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(interval)
        elif url.path == "/redirect":
            self.reply(302, b"", [("Location", "/ok")])
        elif url.path == "/drop":
            self.close_connection = True
            self.reply(200, b"dropped")
        elif url.path == "/close":
            self.close_connection = True
            self.reply(200, b"closing", [("Connection", "close")])
        elif url.path == "/whoami":
            body = json.dumps({"port": self.server.server_address[1], "host": self.headers.get("Host")}).encode()
            self.reply(200, body, [("Content-Type", "application/json")])
        elif url.path == "/stats":
            with stats_lock:
                body = json.dumps(stats).encode()
            self.reply(200, body, [("Content-Type", "application/json")])
        else:
            self.reply(404, b"not found")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if urlparse(self.path).path == "/echo":
            self.reply(200, body)
        else:
            self.reply(404, b"not found")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Failed handshakes are what several tests are about; keep the output quiet.
        pass


def exit_when_stdin_closes():
    sys.stdin.read()
    sys.exit(0)


def blackhole(host):
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.bind((host, 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    # Fill the accept queue; Linux then drops further SYNs, so a connect waits until it times out.
    fillers = []
    for _ in range(4):
        filler = socket.socket(listener.family)
        filler.setblocking(False)
        try:
            filler.connect((host, port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.2)
    print(f"PORT {port}", flush=True)
    exit_when_stdin_closes()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--blackhole", action="store_true")
    args = parser.parse_args()
    if args.blackhole:
        blackhole(args.host)
        return
    Server.address_family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    server = Server((args.host, 0), Handler)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        # The handshake happens in the connection's thread, not in accept().
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    exit_when_stdin_closes()


if __name__ == "__main__":
    main()
