#!/usr/bin/env python3
"""Opens N idle /sync long-polls against a running server and reports its RSS before and while they
wait (the #5 figure "a thousand idle long-polls cost little memory"). Standard library only.

    python3 Benchmarks/idle_longpolls.py --base http://127.0.0.1:8018 --pid PID [--count 1000] [--bare]

With --bare, each connection sends only half a request (no blank line ends the headers): the cost of
an open HTTP connection alone, to tell it apart from a waiting /sync.
"""
import argparse, asyncio, json, urllib.error, urllib.request, uuid
from urllib.parse import urlparse, quote


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def register(base):
    name = "idle" + uuid.uuid4().hex[:8]
    body = {"username": name, "password": "idle long poll password"}
    try:
        call(base, "POST", "/_matrix/client/v3/register", body)
    except urllib.error.HTTPError as e:  # 401: the user-interactive auth session
        body["auth"] = {"type": "m.login.dummy", "session": json.loads(e.read())["session"]}
    return call(base, "POST", "/_matrix/client/v3/register", body)["access_token"]


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
    token = register(args.base)
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
