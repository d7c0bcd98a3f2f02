#!/usr/bin/env python3
"""A web site for URL preview tests on loopback: prints "PORT n" and serves until stdin closes.

  /page          HTML with OpenGraph tags and a relative og:image
  /plain         HTML with only <title> and a description meta tag
  /image.png     a 1x1 PNG
  /moved         302 to /page
  /count         how many requests /page has had (to see the cache working)
"""
import base64
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
PAGE = b"""<!doctype html><html><head><title>Ignored title</title>
<meta property="og:title" content="Caf&eacute; &amp; Bar &#8211; Menu">
<meta property='og:description' content='Fresh coffee, every day'>
<meta property="og:image" content="/image.png">
<meta name="description" content="not this one">
</head><body><meta property="og:title" content="inside body, ignored"></body></html>"""
PLAIN = b"<html><head><TITLE> Plain page </TITLE><meta name=description content=Simple></head><body></body></html>"
hits = {"page": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, content_type, body, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/page":
            hits["page"] += 1
            self.send(200, "text/html; charset=utf-8", PAGE)
        elif self.path == "/plain":
            self.send(200, "text/html", PLAIN)
        elif self.path == "/image.png":
            self.send(200, "image/png", PNG)
        elif self.path == "/moved":
            self.send(302, "text/plain", b"", {"Location": "/page"})
        elif self.path == "/count":
            self.send(200, "text/plain", str(hits["page"]).encode())
        else:
            self.send(404, "text/plain", b"not found")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT %d" % server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
