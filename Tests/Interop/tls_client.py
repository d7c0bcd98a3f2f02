#!/usr/bin/env python3
"""Python's ssl module as a real TLS peer of Myelin's mbedTLS server.

Usage: tls_client.py MODE PORT CAFILE [ARGS...]; prints what happened and exits 0 on success.
  request      one GET /_matrix/client/versions; checks the certificate, ALPN and the answer
  keepalive N  N requests one after another on one connection
  pipeline N   N requests written at once, then N responses read
  bigio TOKEN USER  PUT 1 MB of account data, GET it back on the same connection, compare
  stall SECONDS     TCP connect, send 6 bytes of a ClientHello, expect the server to hang up
                    within SECONDS (its handshake timeout plus slack)
  hold MARKER       one request, then create MARKER.ready and wait until MARKER exists, then another
                    request on the same connection (a connection that lives across a certificate reload)
"""
import os
import json
import socket
import ssl
import sys
import time

HOST = "localhost"


def connect(port, cafile):
    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols(["http/1.1"])
    sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    tls = context.wrap_socket(sock, server_hostname=HOST)
    if tls.selected_alpn_protocol() != "http/1.1":
        raise SystemExit("ALPN not negotiated: %r" % tls.selected_alpn_protocol())
    return tls


def request_bytes(method, path, body=b"", token=None):
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (method, path, HOST, len(body))
    if token:
        head += "Authorization: Bearer %s\r\n" % token
    if body:
        head += "Content-Type: application/json\r\n"
    return head.encode() + b"\r\n" + body


class Reader:
    def __init__(self, tls):
        self.tls = tls
        self.buffer = b""

    def fill(self):
        chunk = self.tls.recv(65536)
        if not chunk:
            raise SystemExit("connection closed early")
        self.buffer += chunk

    def response(self):
        while b"\r\n\r\n" not in self.buffer:
            self.fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self.fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body


def main():
    mode, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "stall":
        limit = float(sys.argv[4])
        sock = socket.create_connection(("127.0.0.1", port), timeout=limit + 10)
        sock.sendall(b"\x16\x03\x01\x00\xc8\x01")  # the start of a ClientHello record, then silence
        start = time.monotonic()
        try:
            data = sock.recv(1024)
        except ConnectionResetError:
            data = b""
        waited = time.monotonic() - start
        if data:
            raise SystemExit("server answered a partial ClientHello: %r" % data[:20])
        if waited > limit:
            raise SystemExit("server held a stalled handshake for %.1f s" % waited)
        print("stalled handshake cut off after %.2f s" % waited)
        return
    tls = connect(port, cafile)
    reader = Reader(tls)
    if mode == "request":
        tls.sendall(request_bytes("GET", "/_matrix/client/versions"))
        status, _, body = reader.response()
        assert status == 200, status
        assert "versions" in json.loads(body)
        print("request ok over %s %s" % (tls.version(), tls.cipher()[0]))
    elif mode == "hold":
        marker = sys.argv[4]
        tls.sendall(request_bytes("GET", "/_matrix/client/versions"))
        assert reader.response()[0] == 200
        print("first request ok", flush=True)
        open(marker + ".ready", "w").close()  # tells the test the connection is up
        deadline = time.monotonic() + 60
        while not os.path.exists(marker):
            if time.monotonic() > deadline:
                raise SystemExit("marker never appeared")
            time.sleep(0.05)
        tls.sendall(request_bytes("GET", "/_matrix/client/versions"))
        status, _, _ = reader.response()
        assert status == 200, status
        print("second request on the same connection ok")
    elif mode == "keepalive":
        n = int(sys.argv[4])
        for _ in range(n):
            tls.sendall(request_bytes("GET", "/_matrix/client/versions"))
            status, headers, _ = reader.response()
            assert status == 200, status
            assert headers.get("connection", "keep-alive").lower() != "close"
        print("%d keep-alive requests ok" % n)
    elif mode == "pipeline":
        n = int(sys.argv[4])
        tls.sendall(b"".join(request_bytes("GET", "/_matrix/client/versions") for _ in range(n)))
        for _ in range(n):
            status, _, _ = reader.response()
            assert status == 200, status
        print("%d pipelined requests ok" % n)
    elif mode == "bigio":
        token, user = sys.argv[4], sys.argv[5]
        payload = json.dumps({"blob": "x" * (1 << 20)}, separators=(",", ":")).encode()
        path = "/_matrix/client/v3/user/%s/account_data/org.test.big" % user
        tls.sendall(request_bytes("PUT", path, payload, token))
        status, _, body = reader.response()
        assert status == 200, (status, body[:200])
        tls.sendall(request_bytes("GET", path, b"", token))
        status, _, body = reader.response()
        assert status == 200, status
        assert len(body) >= 1 << 20 and json.loads(body) == json.loads(payload), "content differs"
        print("1 MB up and down ok (%d bytes)" % len(body))
    else:
        raise SystemExit("unknown mode " + mode)
    tls.unwrap() if mode != "pipeline" else None
    tls.close()


if __name__ == "__main__":
    main()
