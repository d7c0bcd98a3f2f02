#!/usr/bin/env python3
"""Two matrix-nio clients in one room on a running Myelin: alice sends a message, a typing notice and a
read receipt; bob's sync loop must receive all three (issue 5's client test).

Usage: nio_sync.py BASE_URL. Exits 0 when bob saw everything; prints what was missing otherwise.
"""
import asyncio
import sys
import uuid

from nio import (AsyncClient, JoinResponse, ReceiptEvent, RegisterResponse, RoomCreateResponse, RoomMessageText,
                 RoomSendResponse, TypingNoticeEvent)

PASSWORD = "a long enough password"


async def registered(base_url: str, name: str) -> AsyncClient:
    client = AsyncClient(base_url, name)
    response = await client.register(name, PASSWORD, device_name=f"{name} nio")
    if not isinstance(response, RegisterResponse):
        raise RuntimeError(f"register {name} failed: {response}")
    return client


async def main(base_url: str) -> int:
    suffix = uuid.uuid4().hex[:6]
    alice = await registered(base_url, f"alice{suffix}")
    bob = await registered(base_url, f"bob{suffix}")
    try:
        created = await alice.room_create(name="nio sync", invite=[bob.user_id])
        if not isinstance(created, RoomCreateResponse):
            print(f"createRoom failed: {created}")
            return 1
        room_id = created.room_id
        joined = await bob.join(room_id)
        if not isinstance(joined, JoinResponse):
            print(f"join failed: {joined}")
            return 1
        await bob.sync(timeout=0)  # bob's starting point
        await alice.sync(timeout=0)

        seen = {"message": None, "typing": False, "receipt": False}

        def on_message(room, event):
            if isinstance(event, RoomMessageText) and event.body == "hello from nio":
                seen["message"] = event.event_id

        def on_ephemeral(room, event):
            if isinstance(event, TypingNoticeEvent) and alice.user_id in event.users:
                seen["typing"] = True
            if isinstance(event, ReceiptEvent):
                for receipt in event.receipts:
                    if receipt.user_id == alice.user_id and receipt.event_id == seen["message"]:
                        seen["receipt"] = True

        bob.add_event_callback(on_message, RoomMessageText)
        bob.add_ephemeral_callback(on_ephemeral, (TypingNoticeEvent, ReceiptEvent))

        sent = await alice.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "hello from nio"})
        if not isinstance(sent, RoomSendResponse):
            print(f"send failed: {sent}")
            return 1
        for _ in range(20):
            await bob.sync(timeout=5000)
            if seen["message"]:
                break
        print(f"bob received the message: {seen['message']}")

        await alice.room_typing(room_id, True, timeout=10000)
        for _ in range(20):
            await bob.sync(timeout=5000)
            if seen["typing"]:
                break
        print(f"bob saw alice typing: {seen['typing']}")

        await alice.room_read_markers(room_id, fully_read_event=sent.event_id, read_event=sent.event_id)
        for _ in range(20):
            await bob.sync(timeout=5000)
            if seen["receipt"]:
                break
        print(f"bob saw alice's receipt: {seen['receipt']}")

        if seen["message"] and seen["typing"] and seen["receipt"]:
            print("nio sync test passed")
            return 0
        return 1
    finally:
        await alice.close()
        await bob.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
