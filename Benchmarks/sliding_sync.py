#!/usr/bin/env python3
"""Simplified sliding sync (MSC4186) figures against a running server (issue 13's closing note):

1. the size and time of the first answer for a user in ROOMS rooms with a 20-room window, with the
   required state and extensions Element X asks for;
2. send-to-receive latency with CONNECTIONS sliding sync connections long-polling a shared room;
3. memory per idle connection: RSS growth over IDLE connections that each got their first answer and
   were then left (the state the server keeps), and with a long-poll waiting on each.

    python3 Benchmarks/sliding_sync.py --base http://127.0.0.1:8018 --pid PID [--rooms 200]
        [--connections 20] [--idle 100]

Run it against a release build with rate limits off (MYELIN_RATE_LIMIT__ENABLED=false). Standard
library only.
"""
import argparse, asyncio, json, statistics, threading, time, urllib.request, uuid
from urllib.parse import urlparse

from bench_http import PASSWORD, call, call_sized, register, rss_kib

PATH = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync"

# What Element X's room list asks for (matrix-rust-sdk's RoomListService, 2025).
ELEMENT_X_STATE = [
    ["m.room.encryption", ""], ["m.room.member", "$LAZY"], ["m.room.member", "$ME"], ["m.room.name", ""],
    ["m.room.topic", ""], ["m.room.avatar", ""], ["m.room.canonical_alias", ""], ["m.room.power_levels", ""],
    ["m.room.join_rules", ""], ["m.room.history_visibility", ""], ["m.room.create", ""], ["m.room.tombstone", ""],
    ["m.space.parent", "*"], ["m.call.member", "*"], ["m.room.pinned_events", ""],
]
EXTENSIONS = {name: {"enabled": True} for name in ["to_device", "e2ee", "account_data", "receipts", "typing"]}


def login(base, name):
    answer = call(base, "POST", "/_matrix/client/v3/login",
                  {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": name},
                   "password": PASSWORD})
    return answer["access_token"]


def sliding(base, token, body, pos=None, timeout_ms=0):
    query = f"?timeout={timeout_ms}" + (f"&pos={urllib.request.quote(pos)}" if pos else "")
    return call_sized(base, "POST", PATH + query, body, token, timeout=timeout_ms / 1000 + 60)


def room_list_body(conn_id="room-list", timeline_limit=1):
    return {"conn_id": conn_id,
            "lists": {"all": {"ranges": [[0, 19]], "timeline_limit": timeline_limit,
                              "required_state": ELEMENT_X_STATE}},
            "extensions": EXTENSIONS}


def first_answer(base, rooms):
    name = "big" + uuid.uuid4().hex[:6]
    token = register(base, name)["access_token"]
    friend = register(base, "friend" + uuid.uuid4().hex[:6])
    for i in range(rooms):
        room = call(base, "POST", "/_matrix/client/v3/createRoom",
                       {"name": f"Room {i}", "topic": "benchmark", "preset": "private_chat",
                        "invite": [friend["user_id"]]}, token)
        call(base, "PUT", f"/_matrix/client/v3/rooms/{room['room_id']}/send/m.room.message/t{i}",
             {"msgtype": "m.text", "body": f"message {i}"}, token)
    times, sizes = [], []
    for _ in range(5):
        started = time.perf_counter()
        answer, size = sliding(base, token, room_list_body(conn_id=uuid.uuid4().hex))
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(size)
    print(f"first answer, user in {rooms} rooms, window [0,19], Element X's required state and extensions: "
          f"{statistics.median(sizes)} bytes, {len(answer['rooms'])} rooms, count {answer['lists']['all']['count']}, "
          f"median {statistics.median(times):.1f} ms over 5")
    return name


def latency(base, connections, rounds=20):
    sender = register(base, "sender" + uuid.uuid4().hex[:6])
    room = call(base, "POST", "/_matrix/client/v3/createRoom", {"preset": "public_chat"}, sender["access_token"])
    room_id = room["room_id"]
    tokens = []
    for i in range(connections):
        user = register(base, f"reader{i}" + uuid.uuid4().hex[:6])
        call(base, "POST", f"/_matrix/client/v3/join/{room_id}", {}, user["access_token"])
        tokens.append(user["access_token"])
    received = {}  # (connection, body) -> time
    lock = threading.Lock()
    stop = threading.Event()

    def loop(index, token):
        body = {"conn_id": "main", "room_subscriptions": {room_id: {"timeline_limit": 5, "required_state": []}},
                "lists": {"all": {"ranges": [[0, 19]], "timeline_limit": 1, "required_state": []}}}
        answer, _ = sliding(base, token, body)
        pos = answer["pos"]
        while not stop.is_set():
            answer, _ = sliding(base, token, body, pos=pos, timeout_ms=5000)
            now = time.perf_counter()
            pos = answer["pos"]
            for event in answer.get("rooms", {}).get(room_id, {}).get("timeline", []):
                text = event.get("content", {}).get("body")
                if text:
                    with lock:
                        received.setdefault((index, text), now)

    threads = [threading.Thread(target=loop, args=(i, t), daemon=True) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    delays = []
    for r in range(rounds):
        text = f"ping {r}"
        sent = time.perf_counter()
        call(base, "PUT", f"/_matrix/client/v3/rooms/{room_id}/send/m.room.message/p{r}{uuid.uuid4().hex[:4]}",
             {"msgtype": "m.text", "body": text}, sender["access_token"])
        deadline = time.time() + 10
        while time.time() < deadline:
            with lock:
                got = [received.get((i, text)) for i in range(connections)]
            if all(got):
                break
            time.sleep(0.002)
        delays += [(t - sent) * 1000 for t in got if t]
        time.sleep(0.1)
    stop.set()
    delays.sort()
    print(f"send to receive with {connections} connections long-polling, {rounds} messages: "
          f"median {statistics.median(delays):.1f} ms, p95 {delays[int(len(delays) * 0.95) - 1]:.1f} ms, "
          f"max {delays[-1]:.1f} ms ({len(delays)} deliveries)")


async def idle_memory(base, pid, name, count):
    # Connections are per device (at most 10 each): count / 10 logins, 10 connection IDs each.
    tokens = [login(base, name) for _ in range((count + 9) // 10)]
    # Control: the same work on one connection ID (each answer replaces the last state), so what the
    # allocator keeps after building answers is told apart from the connection states themselves.
    time.sleep(1)
    start = rss_kib(pid)
    for _ in range(count):
        sliding(base, tokens[0], room_list_body(conn_id="control"))
    time.sleep(1)
    before = rss_kib(pid)
    print(f"control: {count} first answers on one connection: RSS {start} -> {before} KiB "
          f"({(before - start) / count:.1f} KiB per answer kept by the allocator)")
    positions = []
    for n in range(count):
        token = tokens[n // 10]
        answer, _ = sliding(base, token, room_list_body(conn_id=f"c{n}"))
        positions.append((token, f"c{n}", answer["pos"]))
    time.sleep(1)
    held = rss_kib(pid)
    print(f"{count} idle connections (first answer given, state kept): RSS {before} -> {held} KiB, "
          f"{(held - before) / count:.1f} KiB per connection")
    host = urlparse(base)

    async def poll(token, conn_id, pos, opened):
        reader, writer = await asyncio.open_connection(host.hostname, host.port)
        body = json.dumps(room_list_body(conn_id=conn_id)).encode()
        writer.write((f"POST {PATH}?timeout=60000&pos={urllib.request.quote(pos)} HTTP/1.1\r\nHost: x\r\n"
                      f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        await writer.drain()
        opened.append(writer)
        await reader.read(1)

    opened = []
    tasks = [asyncio.create_task(poll(t, c, p, opened)) for t, c, p in positions]
    await asyncio.sleep(3)
    polling = rss_kib(pid)
    print(f"{count} connections long-polling: RSS {held} -> {polling} KiB, "
          f"{(polling - held) / count:.1f} KiB more per waiting request")
    for writer in opened:
        writer.close()
    for task in tasks:
        task.cancel()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--rooms", type=int, default=200)
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--idle", type=int, default=100)
    args = ap.parse_args()
    print(f"server RSS at start: {rss_kib(args.pid)} KiB")
    name = first_answer(args.base, args.rooms)
    latency(args.base, args.connections)
    asyncio.run(idle_memory(args.base, args.pid, name, args.idle))


if __name__ == "__main__":
    main()
