#!/usr/bin/env python3
"""RSS cost of idle TLS connections to a server: open N handshaken keep-alive connections, hold them,
and report the server's VmRSS before and while they are open.

Usage: tls_idle_connections.py PORT CAFILE SERVER_PID [N]
"""
import socket
import ssl
import sys
import time

from bench_http import rss_kib


def main():
    port, cafile, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 256
    context = ssl.create_default_context(cafile=cafile)
    time.sleep(1)
    before = rss_kib(pid)
    held = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        tls = context.wrap_socket(sock, server_hostname="localhost")
        held.append(tls)
    time.sleep(2)
    during = rss_kib(pid)
    print("%d idle TLS connections: server VmRSS %d KiB -> %d KiB, %.1f KiB per connection"
          % (count, before, during, (during - before) / count))
    for tls in held:
        tls.close()


if __name__ == "__main__":
    main()
