#!/usr/bin/env python3
"""Opens N idle /sync long-polls against a running server and reports its RSS before and while they
wait (the #5 figure "a thousand idle long-polls cost little memory"). Standard library only.

    python3 Benchmarks/idle_longpolls.py --base http://127.0.0.1:8018 --pid PID [--count 1000] [--bare]

With --bare, each connection sends only half a request (no blank line ends the headers): the cost of
an open HTTP connection alone, to tell it apart from a waiting /sync.
"""
import argparse, asyncio
from urllib.parse import urlparse, quote

from bench_http import call, register, rss_kib


async def long_poll(host, port, path, token, opened):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    await writer.drain()
    opened.append(writer)
    await reader.read(1)  # waits until the server answers (timeout) or the run ends


async def bare_connection(host, port, opened):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /_matrix/client/versions HTTP/1.1\r\nHost: {host}\r\n".encode())
    await writer.drain()
    opened.append(writer)
    await reader.read(1)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--bare", action="store_true", help="half-sent requests instead of /sync long-polls")
    args = ap.parse_args()
    token = register(args.base)["access_token"]
    since = call(args.base, "GET", "/_matrix/client/v3/sync", token=token)["next_batch"]
    url = urlparse(args.base)
    path = f"/_matrix/client/v3/sync?timeout=170000&since={quote(since)}"
    before = rss_kib(args.pid)
    opened = []
    if args.bare:
        tasks = [asyncio.create_task(bare_connection(url.hostname, url.port, opened)) for _ in range(args.count)]
    else:
        tasks = [asyncio.create_task(long_poll(url.hostname, url.port, path, token, opened))
                 for _ in range(args.count)]
    while len(opened) < args.count:
        await asyncio.sleep(0.1)
    await asyncio.sleep(5)
    during = rss_kib(args.pid)
    what = "half-sent requests" if args.bare else "idle long-polls"
    print(f"{args.count} {what}: server VmRSS {before / 1024:.1f} MiB before, {during / 1024:.1f} MiB while "
          f"they wait (+{(during - before) / args.count:.1f} KiB each)")
    for writer in opened:
        writer.close()
    for task in tasks:
        task.cancel()


asyncio.run(main())
