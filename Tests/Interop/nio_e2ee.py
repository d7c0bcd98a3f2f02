#!/usr/bin/env python3
"""End-to-end encryption with real clients (issue 6's client test): two matrix-nio clients with encryption
on (vodozemac, the Rust successor of libolm) create an encrypted room on a running Myelin, exchange
megolm-encrypted messages and each decrypts the other's. Then alice uploads cross-signing keys, signs a
third device of hers with her self-signing key, and that device sees the keys through /keys/query (the
chain master -> self-signing -> device verifies) and decrypts bob's next message.

Usage: nio_e2ee.py BASE_URL. Exits 0 when every step worked; prints the failing step otherwise.
"""
import asyncio
import base64
import json
import sys
import tempfile
import uuid

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa
from nio import (AsyncClient, AsyncClientConfig, JoinResponse, KeysQueryResponse, LoginResponse, MegolmEvent,
                 RegisterResponse, RoomCreateResponse, RoomEncryptionEvent, RoomMessageText, RoomSendResponse)

PASSWORD = "a long enough password"


class StepFailed(Exception):
    pass


def unpadded(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class SigningKey:
    """An ed25519 key as clients make cross-signing keys."""

    def __init__(self):
        self.key = ECC.generate(curve="ed25519")
        self.public = unpadded(self.key.public_key().export_key(format="raw"))

    def sign(self, user_id: str, obj: dict) -> dict:
        covered = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
        signature = unpadded(eddsa.new(self.key, "rfc8032").sign(canonical(covered)))
        signed = dict(obj)
        signatures = dict(signed.get("signatures", {}))
        signatures.setdefault(user_id, {})
        signatures[user_id] = dict(signatures[user_id], **{f"ed25519:{self.public}": signature})
        signed["signatures"] = signatures
        return signed


def verify(obj: dict, user_id: str, key_id: str, public: str) -> bool:
    signature = obj.get("signatures", {}).get(user_id, {}).get(key_id)
    if not signature:
        return False
    covered = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    raw = base64.b64decode(public + "=" * (-len(public) % 4))
    key = eddsa.import_public_key(raw)
    try:
        eddsa.new(key, "rfc8032").verify(canonical(covered), base64.b64decode(signature + "=" * (-len(signature) % 4)))
        return True
    except ValueError:
        return False


def client(base_url: str, user: str) -> AsyncClient:
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
    return AsyncClient(base_url, user, store_path=tempfile.mkdtemp(prefix="nio-e2ee-"), config=config)


async def step(c: AsyncClient, timeout: int = 0) -> None:
    """One round of what nio's sync_forever does: sync, then the key work the sync asked for."""
    await c.sync(timeout=timeout)
    await c.send_to_device_messages()
    if c.should_upload_keys:
        await c.keys_upload()
    if c.should_query_keys:
        response = await c.keys_query()
        if not isinstance(response, KeysQueryResponse):
            raise StepFailed(f"keys_query failed: {response}")
    if c.should_claim_keys:
        await c.keys_claim(c.get_users_for_key_claiming())


async def until(c: AsyncClient, condition, what: str, rounds: int = 20) -> None:
    for _ in range(rounds):
        await step(c, timeout=2000)
        if condition():
            return
    raise StepFailed(f"{c.user_id} ({c.device_id}): {what}")


async def main(base_url: str) -> int:
    suffix = uuid.uuid4().hex[:6]
    alice_name, bob_name = f"alice{suffix}", f"bob{suffix}"
    alice, bob = client(base_url, alice_name), client(base_url, bob_name)
    alice3 = None
    received = {alice_name: [], bob_name: [], "alice3": []}
    try:
        for c, name in ((alice, alice_name), (bob, bob_name)):
            response = await c.register(name, PASSWORD, device_name=f"{name} nio")
            if not isinstance(response, RegisterResponse):
                raise StepFailed(f"register {name}: {response}")
            await step(c)  # uploads the device's identity and one-time keys

        created = await alice.room_create(
            name="secret", invite=[bob.user_id],
            initial_state=[{"type": "m.room.encryption", "state_key": "",
                            "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
        if not isinstance(created, RoomCreateResponse):
            raise StepFailed(f"createRoom: {created}")
        room_id = created.room_id
        await until(bob, lambda: room_id in bob.invited_rooms, "bob never saw the invite")
        joined = await bob.join(room_id)
        if not isinstance(joined, JoinResponse):
            raise StepFailed(f"join: {joined}")
        await until(bob, lambda: room_id in bob.rooms and bob.rooms[room_id].encrypted, "bob's room is not encrypted")
        await until(alice, lambda: bob.user_id in alice.rooms[room_id].users, "alice never saw bob join")

        def collector(name):
            def on_event(room, event):
                if isinstance(event, RoomMessageText):
                    received[name].append(event.body)
                elif isinstance(event, MegolmEvent):
                    received[name].append(f"<undecryptable {event.session_id}>")
            return on_event

        alice.add_event_callback(collector(alice_name), (RoomMessageText, MegolmEvent))
        bob.add_event_callback(collector(bob_name), (RoomMessageText, MegolmEvent))

        sent = await alice.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "hello bob"},
                                     ignore_unverified_devices=True)
        if not isinstance(sent, RoomSendResponse):
            raise StepFailed(f"alice's send: {sent}")
        # What reached the server is ciphertext.
        raw = await (await alice.send(
            "GET", f"/_matrix/client/v3/rooms/{room_id}/event/{sent.event_id}",
            headers={"Authorization": f"Bearer {alice.access_token}"})).json()
        if raw.get("type") != "m.room.encrypted" or "body" in raw.get("content", {}):
            raise StepFailed(f"the stored event is not encrypted: {raw}")
        await until(bob, lambda: "hello bob" in received[bob_name], f"bob could not decrypt: {received[bob_name]}")
        print("bob decrypted alice's message")

        reply = await bob.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "hello alice"},
                                    ignore_unverified_devices=True)
        if not isinstance(reply, RoomSendResponse):
            raise StepFailed(f"bob's send: {reply}")
        await until(alice, lambda: "hello alice" in received[alice_name],
                    f"alice could not decrypt: {received[alice_name]}")
        print("alice decrypted bob's message")

        # Cross-signing: alice's master, self-signing and user-signing keys (the first upload needs no UIA).
        master, self_signing, user_signing = SigningKey(), SigningKey(), SigningKey()
        uid = alice.user_id

        def cross_signing_key(key: SigningKey, usage: str) -> dict:
            return {"user_id": uid, "usage": [usage], "keys": {f"ed25519:{key.public}": key.public}}

        upload = await alice.send("POST", "/_matrix/client/v3/keys/device_signing/upload", json.dumps({
            "master_key": cross_signing_key(master, "master"),
            "self_signing_key": master.sign(uid, cross_signing_key(self_signing, "self_signing")),
            "user_signing_key": master.sign(uid, cross_signing_key(user_signing, "user_signing")),
        }), headers={"Authorization": f"Bearer {alice.access_token}", "Content-Type": "application/json"})
        if upload.status != 200:
            raise StepFailed(f"device_signing/upload: {upload.status} {await upload.text()}")

        # A third device: alice logs in again and the new device uploads its keys.
        alice3 = client(base_url, alice_name)
        login = await alice3.login(PASSWORD, device_name="alice third device")
        if not isinstance(login, LoginResponse):
            raise StepFailed(f"login: {login}")
        alice3.add_event_callback(collector("alice3"), (RoomMessageText, MegolmEvent))
        await step(alice3)
        # Alice signs it with her self-signing key.
        response = await alice.send("POST", "/_matrix/client/v3/keys/query", json.dumps({"device_keys": {uid: []}}),
                                    headers={"Authorization": f"Bearer {alice.access_token}"})
        device_keys = (await response.json())["device_keys"][uid][alice3.device_id]
        signed_device = self_signing.sign(uid, device_keys)
        signed = await alice.send("POST", "/_matrix/client/v3/keys/signatures/upload", json.dumps({
            uid: {alice3.device_id: signed_device}}), headers={"Authorization": f"Bearer {alice.access_token}"})
        signed_body = await signed.json()
        if signed.status != 200 or signed_body.get("failures"):
            raise StepFailed(f"signatures/upload: {signed.status} {signed_body}")

        # The third device sees the keys, and the chain master -> self-signing -> itself verifies.
        seen = await alice3.send("POST", "/_matrix/client/v3/keys/query", json.dumps({"device_keys": {uid: []}}),
                                 headers={"Authorization": f"Bearer {alice3.access_token}"})
        keys = await seen.json()
        seen_master = keys["master_keys"][uid]
        seen_ssk = keys["self_signing_keys"][uid]
        seen_device = keys["device_keys"][uid][alice3.device_id]
        if f"ed25519:{master.public}" not in seen_master["keys"] or uid not in keys.get("user_signing_keys", {}):
            raise StepFailed(f"the third device does not see alice's cross-signing keys: {keys}")
        if not verify(seen_ssk, uid, f"ed25519:{master.public}", master.public):
            raise StepFailed("the self-signing key is not signed by the master key")
        if not verify(seen_device, uid, f"ed25519:{self_signing.public}", self_signing.public):
            raise StepFailed(f"the third device is not signed by the self-signing key: {seen_device}")
        # Bob sees alice's master and self-signing keys, not her user-signing key.
        bobs = await (await bob.send("POST", "/_matrix/client/v3/keys/query", json.dumps({"device_keys": {uid: []}}),
                                     headers={"Authorization": f"Bearer {bob.access_token}"})).json()
        if uid not in bobs["master_keys"] or uid not in bobs["self_signing_keys"] or uid in bobs["user_signing_keys"]:
            raise StepFailed(f"bob's view of alice's cross-signing keys is wrong: {bobs}")
        print("alice's third device is cross-signed and sees the keys")

        # Bob learns of the new device through device_lists and shares his next session with it too.
        await until(bob, lambda: alice3.device_id in bob.device_store[uid], "bob never learnt of alice's third device")
        third = await bob.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "hello all of you"},
                                    ignore_unverified_devices=True)
        if not isinstance(third, RoomSendResponse):
            raise StepFailed(f"bob's second send: {third}")
        await until(alice3, lambda: "hello all of you" in received["alice3"],
                    f"the third device could not decrypt: {received['alice3']}")
        print("alice's third device decrypted bob's message")
        print("nio e2ee test passed")
        return 0
    except StepFailed as failure:
        print(f"FAILED: {failure}")
        return 1
    finally:
        for c in (alice, bob, alice3):
            if c is not None:
                await c.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
