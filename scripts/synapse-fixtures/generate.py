#!/usr/bin/env python3
"""Generate differential-test fixtures from Synapse's own implementation.

Run with the pinned virtualenv (see README.md in this directory):

    .build-synapse-venv/bin/python scripts/synapse-fixtures/generate.py

Writes deterministic JSON files to Tests/MatrixCoreTests/Fixtures/synapse/.
Everything is derived from fixed seeds, so re-running produces identical files
(as long as the pinned package versions are used).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import sys
from collections import Counter
from typing import Any

import canonicaljson
import signedjson
import signedjson.key
import signedjson.sign
import synapse
from canonicaljson import encode_canonical_json
from unpaddedbase64 import encode_base64

from synapse.api.errors import SynapseError
from synapse.api.room_versions import KNOWN_ROOM_VERSIONS, EventFormatVersions
from synapse.crypto.event_signing import (
    add_hashes_and_signatures,
    compute_content_hash,
    compute_event_reference_hash,
    compute_event_signature,
)
from synapse.event_auth import (
    auth_types_for_event,
    check_state_dependent_auth_rules,
    check_state_independent_auth_rules,
    validate_event_for_room_version,
)
from synapse.events import make_event_from_dict
from synapse.state import v1 as state_v1
from synapse.state import v2 as state_v2
from synapse.storage.databases.main.event_federation import StateDifference

# `synapse.events.utils.prune_event_dict` no longer exists: since Synapse moved
# events to Rust, redaction of an event dict is `redact_event_dict` (which is
# what `prune_event` / `compute_event_signature` use internally).
try:  # pragma: no cover - depends on the installed Synapse
    from synapse.events.utils import prune_event_dict as _prune_event_dict  # type: ignore

    def prune_event_dict(rv, d):  # type: ignore[no-redef]
        return _prune_event_dict(rv, d)

    PRUNE_FN = "synapse.events.utils.prune_event_dict"
except ImportError:
    from synapse.synapse_rust.events import redact_event_dict

    def prune_event_dict(rv, d):  # type: ignore[no-redef]
        return redact_event_dict(rv, d)

    PRUNE_FN = "synapse.synapse_rust.events.redact_event_dict"


REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "Tests", "MatrixCoreTests", "Fixtures", "synapse")

TS_BASE = 1_700_000_000_000


def b64(data: bytes) -> str:
    return encode_base64(data)


def dump(name: str, data: Any) -> int:
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return len(text.encode("utf-8"))


def run_sync(coro):
    """Drive a coroutine that never actually suspends (all our fakes are
    synchronous), without needing a reactor/event loop."""
    try:
        coro.send(None)
    except StopIteration as e:
        return e.value
    coro.close()
    raise RuntimeError("coroutine unexpectedly suspended")


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------


def seed_for(name: str) -> str:
    return b64(hashlib.sha256(("myelin-synapse-fixtures:" + name).encode()).digest())


SERVER_KEY_VERSION = "a_fix"
SERVERS = ["example.org", "remote.test", "third.example", "id.example"]
SERVER_SEEDS = {s: seed_for("server:" + s) for s in SERVERS}
KEYS = {
    s: signedjson.key.decode_signing_key_base64("ed25519", SERVER_KEY_VERSION, seed)
    for s, seed in SERVER_SEEDS.items()
}


def domain(user_or_id: str) -> str:
    return user_or_id.split(":", 1)[1]


# ---------------------------------------------------------------------------
# 1. canonical_json.json
# ---------------------------------------------------------------------------

CANONICAL_INPUTS = [
    r"{}",
    r"[]",
    r'""',
    r"0",
    r"-0",
    r"true",
    r"false",
    r"null",
    r"9007199254740991",
    r"-9007199254740991",
    r'{"big":9007199254740991,"small":-9007199254740991,"zero":-0}',
    r"[1,-1,0,-0,100,-100]",
    r'{"b":2,"a":1,"c":3}',
    r'{ "one" : 1 , "two" : [ 1 , 2 , 3 ] , "three" : { } }',
    '{\n\t"pretty": [\n\t\t1,\n\t\t2\n\t]\n}',
    r'{"a":{},"b":[],"c":{"d":{}},"e":[[]],"f":[{}]}',
    r'{"B":1,"a":2,"A":3,"b":4,"_":5,"1":6,"":7}',
    r'{"aa":1,"a":2,"ab":3,"b":4,"ba":5}',
    r'{"\u00e9":1,"e":2,"f":3,"\u00ff":4,"\u0100":5}',
    r'{"\ud83d\ude00":"astral","\ue000":"bmp-private-use","\uffff":"max-bmp","z":"ascii"}',
    r'{"\ud800\udc00":"U+10000","\uf8ff":"U+F8FF","\ufb01":"U+FB01","\uff21":"U+FF21"}',
    r'{"a\ud83d\ude00":1,"a\ue000":2,"a\uffee":3,"a":4}',
    r'{"\udbff\udfff":"max","\ud800\udc00":"min astral","\ud7ff":"below surrogates","\ue000":"after surrogates"}',
    r'{"\u00e9":"precomposed","e\u0301":"combining","\u0065\u0301\u0302":"two combining"}',
    r'"caf\u00e9"',
    '"café"',
    r'"e\u0301"',
    '"Ω≈ç√∫˜µ≤≥÷"',
    '"日本語テキスト"',
    '"😀🎉👍🏽"',
    r'"\ud83d\ude00\ud83c\udf89"',
    '"👨\u200d👩\u200d👧\u200d👦"',
    r'"\u0000"',
    r'"\u0001\u0002\u0003\u0004\u0005\u0006\u0007"',
    r'"\b\f\n\r\t"',
    r'"\u0008\u000c\u000a\u000d\u0009"',
    r'"\u000b\u000e\u000f\u0010\u001f"',
    r'"\u007f\u0080\u009f\u00a0"',
    r'"\u2028\u2029"',
    r'"\ufeff BOM-like"',
    r'"quote \" backslash \\ slash / escaped-slash \/"',
    r'"\/\/\/"',
    r'"C:\\Windows\\System32"',
    r'"http://example.org/path?q=1&r=2#frag"',
    r'"<script>alert(1)</script>"',
    r'"\u003c\u003e\u0026\u0027"',
    r'"\u0041\u0042\u0043"',
    r'"mixed \u00e9 caf\u00e9 \ud83d\ude00 \n \"q\""',
    r'{"key with spaces":1,"key\twith\ttabs":2,"key\nwith\nnewlines":3}',
    r'{"\"":1,"\\":2,"/":3,"\u0000":4}',
    r'{"nested":{"z":{"y":{"x":{"w":{"v":{"u":{"t":{"s":{"r":{"q":"deep"}}}}}}}}}}}',
    r'[[[[[[[[[[[[[[[[[[[[["deep-array"]]]]]]]]]]]]]]]]]]]]]',
    r'{"a":[{"c":1,"b":2},{"e":[{"g":1,"f":2}],"d":3}]}',
    r'{"array":[3,1,2],"keep":"order"}',
    r'[{"b":1,"a":2},{"d":[{"f":1,"e":2}],"c":null}]',
    r'{"bools":[true,false,null],"nums":[0,1,-1,42,-42]}',
    r'{"auth_events":[],"content":{"body":"hello","msgtype":"m.text"},"depth":12,"origin_server_ts":1700000000000,"prev_events":["$abc"],"room_id":"!room:example.org","sender":"@alice:example.org","type":"m.room.message"}',
    r'{"signatures":{"example.org":{"ed25519:1":"sig"}},"unsigned":{"age":5},"a":1}',
    r'{"one":1,"two":"Two"}',
    r'{"b":"2","a":"1"}',
    r'{"a":"\u65e5\u672c\u8a9e"}',
    r'{"\u65e5":1,"\u672c":2,"\u8a9e":3}',
    r'{"\u00e9":1,"\u00c9":2,"E":3,"e":4}',
    r'{"\ud83d\udc4d":1,"\ud83d\udc4e":2,"\ud83c\udf89":3,"\u2764":4}',
    r'{"\u0130":1,"i":2,"I":3,"\u0131":4}',
    r'{"\ud834\udd1e":"G clef","\u266b":"music","\ue001":"pua"}',
    r'{"emptystr":"","emptyobj":{},"emptyarr":[],"nul":null}',
    r'{"numbers":[9007199254740991,-9007199254740991,9007199254740990,1000000000000000]}',
    r'{"a":{"b":{"c":[1,{"d":[2,{"e":[3,{"f":null}]}]}]}}}',
    r'"tab\there"',
    r'"line1\nline2\r\nline3"',
    r'"\u00ad soft hyphen \u200b zero width \u200d zwj"',
    r'"RTL \u202e override \u202c"',
    r'"\ud83c\uddfa\ud83c\uddf8 flag"',
    '{"ключ":"значение","κλειδί":"τιμή","مفتاح":"قيمة"}',
    r'{"dup_like_a":1,"dup_like_A":2}',
    r'{"z":0,"y":-0,"x":[-0,0]}',
]


def gen_canonical_json() -> list:
    out = []
    seen = set()
    for text in CANONICAL_INPUTS:
        if text in seen:
            raise ValueError("duplicate canonical json input %r" % text)
        seen.add(text)
        value = json.loads(text)
        encoded = encode_canonical_json(value)
        out.append({"input": text, "canonical": encoded.decode("utf-8")})
    return out


# ---------------------------------------------------------------------------
# 2. signing.json
# ---------------------------------------------------------------------------


def gen_signing() -> list:
    rng = random.Random(0x5161)
    other_key = signedjson.key.decode_signing_key_base64(
        "ed25519", "other", seed_for("signing:other")
    )
    objects: list[dict] = [
        {},
        {"a": 1},
        {"one": 1, "two": "Two"},
        {"nested": {"b": [1, 2, {"c": "d"}], "a": None}},
        {"unicode": "caf\u00e9 \U0001f600 e\u0301", "\ue000": 1, "\U0001f600": 2},
        {"escapes": "quote \" backslash \\ slash / newline \n tab \t nul \u0000"},
        {"big": 2**53 - 1, "neg": -(2**53 - 1), "zero": 0, "bools": [True, False, None]},
        {"unsigned": {"age": 12345}, "content": "x"},
        {"unsigned": {}, "content": {"body": "hi"}},
        {
            "signatures": {"remote.test": {"ed25519:rk": "c2lnbmF0dXJlIGZyb20gYW5vdGhlciBzZXJ2ZXI"}},
            "content": {"k": "v"},
        },
        {
            "signatures": {"remote.test": {"ed25519:rk": "c2ln"}},
            "unsigned": {"transaction_id": "txn1", "age_ts": 1700000000000},
            "type": "m.test",
        },
        {
            "old_verify_keys": {},
            "server_name": "example.org",
            "valid_until_ts": 1700000000000,
            "verify_keys": {"ed25519:abc": {"key": "VGhpcyBpcyBub3QgYSByZWFsIGtleQ"}},
        },
        {
            "method": "PUT",
            "uri": "/_matrix/federation/v1/send/1234",
            "origin": "example.org",
            "destination": "remote.test",
            "content": {"pdus": [], "edus": [{"edu_type": "m.typing", "content": {}}]},
        },
        {
            "mxid": "@bob:example.org",
            "token": "abc123",
            "sender": "@alice:example.org",
        },
        {"user_id": "@alice:example.org", "device_id": "DEV", "keys": {"curve25519:DEV": "k"}},
        {"deep": {"l1": {"l2": {"l3": {"l4": {"l5": {"l6": [[[[]]]]}}}}}}},
        {"array": [3, 1, 2, {"z": 1, "a": 2}]},
        {"/": "/", "\\": "\\", '"': '"'},
        {"": "empty key", " ": "space key"},
        {"\u2028": "line separator", "\u007f": "del"},
    ]
    # Some pseudo-random objects.
    alphabet = "abcxyzAZ09_-é😀\ue000 /\\\"\n"

    def rand_str(n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    def rand_value(depth: int) -> Any:
        kind = rng.randrange(6 if depth < 3 else 4)
        if kind == 0:
            return rng.randint(-(2**53 - 1), 2**53 - 1)
        if kind == 1:
            return rand_str(rng.randint(0, 8))
        if kind == 2:
            return rng.choice([True, False, None])
        if kind == 3:
            return rng.randint(-1000, 1000)
        if kind == 4:
            return [rand_value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {rand_str(rng.randint(1, 5)): rand_value(depth + 1) for _ in range(rng.randint(0, 4))}

    while len(objects) < 36:
        obj = {rand_str(rng.randint(1, 6)): rand_value(0) for _ in range(rng.randint(1, 5))}
        if rng.random() < 0.3:
            obj["unsigned"] = {"age": rng.randint(0, 10**6)}
        if rng.random() < 0.3:
            obj["signatures"] = {"third.example": {"ed25519:x": rand_str(10)}}
        objects.append(obj)

    out = []
    for i, obj in enumerate(objects):
        seed = seed_for("signing:%d" % i)
        key_version = ["1", "auto", "a_AbCd", "0", "key-" + str(i)][i % 5]
        server_name = ["example.org", "remote.test", "localhost:8448", "[::1]:8448", "sub.domain.example.com"][
            (i // 5) % 5
        ]
        key = signedjson.key.decode_signing_key_base64("ed25519", key_version, seed)
        signed = signedjson.sign.sign_json(copy.deepcopy(obj), server_name, key)
        # also exercise signing an object that this server already signed with
        # another key
        if i % 7 == 3:
            pre = signedjson.sign.sign_json(copy.deepcopy(obj), server_name, other_key)
            obj = pre
            signed = signedjson.sign.sign_json(copy.deepcopy(pre), server_name, key)
        out.append(
            {
                "seed": seed,
                "key_version": key_version,
                "server_name": server_name,
                "verify_key": b64(key.verify_key.encode()),
                "object": obj,
                "signed": signed,
            }
        )
    return out


# ---------------------------------------------------------------------------
# Event construction helpers
# ---------------------------------------------------------------------------


class Ctr:
    n = 0

    @classmethod
    def next(cls) -> int:
        cls.n += 1
        return cls.n


def is_v1_format(rv) -> bool:
    return rv.event_format == EventFormatVersions.ROOM_V1_V2


def finish_event(rv, d: dict, signers: list[str]):
    """Hash and sign an event dict with Synapse's code, build the Event."""
    d = copy.deepcopy(d)
    primary = signers[0]
    add_hashes_and_signatures(rv, d, primary, KEYS[primary])
    for s in signers[1:]:
        sigs = compute_event_signature(rv, d, s, KEYS[s])
        d["signatures"].update(sigs)
    try:
        return make_event_from_dict(d, rv)
    except SynapseError as e:
        return Unparseable(d, "%s: %s" % (e.msg, e.__cause__ or e.__context__))


class Unparseable:
    """An event dict that Synapse refuses to even parse (make_event_from_dict)."""

    def __init__(self, d: dict, error: str):
        self.dict = d
        self.error = error


def content_of(ev) -> dict:
    return copy.deepcopy(ev.get_dict()["content"])


def pdu_with_id(ev) -> dict:
    pdu = ev.get_pdu_json()
    pdu["event_id"] = ev.event_id
    return pdu


class FakeAuthStore:
    """Just enough of the event store for check_state_independent_auth_rules."""

    def __init__(self, events: dict):
        self.events = events

    async def get_events(self, event_ids, redact_behaviour=None, get_prev_content=False, allow_rejected=False):
        return {e: self.events[e] for e in event_ids if e in self.events}


def synapse_auth(ev, events_by_id: dict) -> tuple[bool, str | None, str | None]:
    """Run Synapse's auth checks as done on receipt of a PDU.

    Returns (allowed, error message, stage)."""
    try:
        validate_event_for_room_version(ev)
    except SynapseError as e:
        return False, e.msg, "validate"
    try:
        run_sync(check_state_independent_auth_rules(FakeAuthStore(events_by_id), ev))
    except SynapseError as e:
        return False, e.msg, "state_independent"
    except RuntimeError as e:
        # e.g. the Rust Event raising on an explicit create event in a v12
        # event's auth_events: Synapse cannot process such an event at all.
        return False, str(e).split("\n")[0], "runtime_error"
    try:
        auth_events = [events_by_id[a] for a in ev.auth_event_ids() if a in events_by_id]
        check_state_dependent_auth_rules(ev, auth_events)
    except SynapseError as e:
        return False, e.msg, "state_dependent"
    return True, None, None


class Room:
    """A linear room builder (forks are done by passing explicit state/prev)."""

    def __init__(self, rv_id: str, creator: str, create_content: dict | None = None, tag: str = "r", ts: int = 0):
        self.rv_id = rv_id
        self.rv = KNOWN_ROOM_VERSIONS[rv_id]
        self.events: dict[str, Any] = {}
        self.state: dict[tuple[str, str], str] = {}
        self.tip: list[str] = []
        self.depth: dict[str, int] = {}
        self.ts = TS_BASE + ts
        self.tag = tag
        if self.rv.msc4291_room_ids_as_hashes:
            self.room_id = None
        else:
            self.room_id = "!%s:%s" % (tag, domain(creator))
        if create_content is None:
            create_content = {"room_version": rv_id}
            if not self.rv.implicit_room_creator:
                create_content["creator"] = creator
        self.create = self.send("m.room.create", creator, create_content, state_key="")
        if self.room_id is None:
            self.room_id = self.create.room_id

    # -- building -----------------------------------------------------------

    def ref(self, event_id: str) -> Any:
        if is_v1_format(self.rv):
            ev = self.events[event_id]
            _, digest = compute_event_reference_hash(ev)
            return [event_id, {"sha256": b64(digest)}]
        return event_id

    def build(
        self,
        type: str,
        sender: str,
        content: dict,
        state_key: str | None = None,
        *,
        state: dict | None = None,
        prev: list[str] | None = None,
        extra: dict | None = None,
        auth_ids: list[str] | None = None,
        add_auth_ids: list[str] = (),
        drop_auth_keys: list = (),
        signers: list[str] | None = None,
        origin: str | None = None,
    ):
        state = self.state if state is None else state
        prev = self.tip if prev is None else prev
        self.ts += 1
        d: dict[str, Any] = {
            "type": type,
            "sender": sender,
            "content": content,
            "origin_server_ts": self.ts,
            "prev_events": [],
            "auth_events": [],
            "depth": 1 + max([self.depth[p] for p in prev] or [0]),
        }
        if state_key is not None:
            d["state_key"] = state_key
        if self.room_id is not None:
            d["room_id"] = self.room_id
        if is_v1_format(self.rv):
            d["event_id"] = "$%s%d:%s" % (self.tag, Ctr.next(), origin or domain(sender))
        if extra:
            d.update(extra)
        if auth_ids is None and type != "m.room.create":
            prelim = make_event_from_dict(dict(d, hashes={"sha256": ""}, signatures={}), self.rv)
            keys = auth_types_for_event(self.rv, prelim)
            auth_ids = []
            for k in sorted(keys):
                if k in drop_auth_keys:
                    continue
                if k == ("m.room.create", "") and self.rv.msc4291_room_ids_as_hashes:
                    continue  # implicit via room_id in v12
                if k in state:
                    auth_ids.append(state[k])
        auth_ids = list(auth_ids or []) + list(add_auth_ids)
        d["auth_events"] = [self.ref(a) for a in auth_ids]
        d["prev_events"] = [self.ref(p) for p in prev]
        if signers is None:
            signers = [domain(sender)]
        return finish_event(self.rv, d, signers)

    def add(self, ev, state: dict | None = None, tip: bool = True):
        state = self.state if state is None else state
        self.events[ev.event_id] = ev
        self.depth[ev.event_id] = ev.depth
        if ev.is_state():
            state[(ev.type, ev.state_key)] = ev.event_id
        if tip and state is self.state:
            self.tip = [ev.event_id]
        return ev

    def send(self, type, sender, content, state_key=None, check=True, **kw):
        ev = self.build(type, sender, content, state_key, **kw)
        if check:
            ok, err, _ = synapse_auth(ev, self.events)
            if not ok:
                raise AssertionError("setup event rejected: %s %s: %s" % (type, state_key, err))
        return self.add(ev, kw.get("state"))

    def member(self, sender, target, membership, **kw):
        content = {"membership": membership}
        content.update(kw.pop("content", {}))
        return self.send("m.room.member", sender, content, state_key=target, **kw)


# ---------------------------------------------------------------------------
# 3. events.json
# ---------------------------------------------------------------------------

ALICE = "@alice:example.org"
BOB = "@bob:example.org"
CHARLIE = "@charlie:example.org"
DAVE = "@dave:example.org"
ERIN = "@erin:example.org"
FRANK = "@frank:example.org"
GINA = "@gina:example.org"
REMOTE = "@rita:remote.test"
NEWBIE = "@newbie:remote.test"
THIRD = "@theo:third.example"


def event_record(rv_id: str, ev) -> dict:
    rv = KNOWN_ROOM_VERSIONS[rv_id]
    pdu = ev.get_pdu_json()
    _, content_digest = compute_content_hash(pdu, hashlib.sha256)
    _, ref_digest = compute_event_reference_hash(ev)
    assert pdu["hashes"]["sha256"] == b64(content_digest)
    rec = {
        "room_version": rv_id,
        "event": pdu,
        "content_hash": b64(content_digest),
        "reference_hash": b64(ref_digest),
        "event_id": ev.event_id,
        "redacted": prune_event_dict(rv, pdu),
    }
    if rv.msc4291_room_ids_as_hashes and ev.type == "m.room.create":
        rec["room_id_from_create"] = ev.room_id
    return rec


def gen_events() -> dict:
    out: dict[str, list] = {}
    for n in range(1, 13):
        rv_id = str(n)
        rv = KNOWN_ROOM_VERSIONS[rv_id]
        recs = []
        create_content = {
            "room_version": rv_id,
            "m.federate": True,
            "predecessor": {"room_id": "!old:example.org", "event_id": "$oldevent"},
            "type": "m.space" if n % 3 == 0 else None,
            "extra_field": {"nested": [1, 2, {"x": "y"}]},
        }
        if create_content["type"] is None:
            del create_content["type"]
        if not rv.implicit_room_creator:
            create_content["creator"] = ALICE
        if rv.msc4289_creator_power_enabled:
            create_content["additional_creators"] = [BOB]
        room = Room(rv_id, ALICE, create_content=create_content, tag="ev%d" % n, ts=n * 100000)
        S = lambda *a, **k: room.send(*a, check=False, **k)  # noqa: E731
        S("m.room.member", ALICE, {"membership": "join", "displayname": "Alice \U0001f600", "avatar_url": "mxc://example.org/a"}, state_key=ALICE)
        pl_users = {} if rv.msc4289_creator_power_enabled else {ALICE: 100}
        pl_users[CHARLIE] = 50
        S(
            "m.room.power_levels",
            ALICE,
            {
                "users": pl_users,
                "users_default": 0,
                "events": {"m.room.name": 50, "m.room.power_levels": 100, "m.room.history_visibility": 100},
                "events_default": 0,
                "state_default": 50,
                "ban": 50,
                "kick": 50,
                "redact": 50,
                "invite": 0,
                "notifications": {"room": 50},
                "historical": 100,
            },
            state_key="",
        )
        S(
            "m.room.join_rules",
            ALICE,
            {
                "join_rule": "restricted" if rv.restricted_join_rule else "invite",
                "allow": [{"type": "m.room_membership", "room_id": "!space:example.org"}],
            },
            state_key="",
        )
        S("m.room.history_visibility", ALICE, {"history_visibility": "shared", "other": 1}, state_key="")
        S("m.room.aliases", ALICE, {"aliases": ["#a:example.org", "#b:example.org"], "junk": True}, state_key="example.org")
        S("m.room.member", ALICE, {"membership": "invite", "reason": "come join"}, state_key=BOB)
        S("m.room.member", BOB, {"membership": "join"}, state_key=BOB)
        S(
            "m.room.member",
            REMOTE,
            {"membership": "join", "join_authorised_via_users_server": ALICE, "displayname": "Rita"},
            state_key=REMOTE,
            signers=["remote.test", "example.org"],
        )
        S("m.room.member", DAVE, {"membership": "knock", "reason": "let me in"}, state_key=DAVE)
        S("m.room.member", ALICE, {"membership": "ban", "reason": "spam"}, state_key=ERIN)
        token = "tok%d" % n
        S(
            "m.room.third_party_invite",
            ALICE,
            {
                "display_name": "g...@e...",
                "key_validity_url": "https://id.example/_matrix/identity/v2/pubkey/isvalid",
                "public_key": b64(KEYS["id.example"].verify_key.encode()),
                "public_keys": [{"public_key": b64(KEYS["id.example"].verify_key.encode())}],
            },
            state_key=token,
        )
        signed = signedjson.sign.sign_json({"mxid": GINA, "token": token}, "id.example", KEYS["id.example"])
        S(
            "m.room.member",
            ALICE,
            {"membership": "invite", "third_party_invite": {"display_name": "g...@e...", "signed": signed}},
            state_key=GINA,
        )
        msg = S(
            "m.room.message",
            BOB,
            {
                "msgtype": "m.text",
                "body": "héllo \U0001f600 \"quoted\" \\ / \n",
                "format": "org.matrix.custom.html",
                "formatted_body": "<b>héllo</b>",
                "m.relates_to": {"rel_type": "m.thread", "event_id": "$root"},
                "nested": {"a": [1, {"b": None, "c": [True, False]}], "big": 2**53 - 1},
            },
            extra={"origin": "example.org", "membership": "join", "prev_state": [], "unknown_top_level": {"x": 1}},
        )
        S("m.room.topic", ALICE, {"topic": "Topic", "m.topic": [{"body": "Topic"}]}, state_key="")
        S("m.room.redaction", ALICE, {"reason": "top-level redacts"}, extra={"redacts": msg.event_id})
        S("m.room.redaction", ALICE, {"reason": "content redacts", "redacts": msg.event_id})
        S("m.room.redaction", ALICE, {"redacts": msg.event_id}, extra={"redacts": msg.event_id})
        S("m.custom.state", BOB, {"value": {"deep": {"deeper": ["x"]}}, "membership": "join"}, state_key="@bob:example.org_suffix")
        S("m.room.message", BOB, {}, extra={"unsigned": {"age_ts": room.ts}})
        for ev_id in room.events:
            recs.append(event_record(rv_id, room.events[ev_id]))
        out[rv_id] = recs
    return out


# ---------------------------------------------------------------------------
# 4. auth.json
# ---------------------------------------------------------------------------

AUTH_VERSIONS = ["1", "3", "6", "7", "8", "10", "11", "12"]


class AuthCases:
    def __init__(self):
        self.cases: list[dict] = []

    def record(self, room: Room, ev, name: str, extra_events: dict | None = None):
        if isinstance(ev, Unparseable):
            self.cases.append(
                {"name": name, "room_version": room.rv_id, "auth_events": [], "event": ev.dict,
                 "allowed": False, "synapse_error": ev.error, "synapse_stage": "parse"}
            )
            return False
        events = dict(room.events)
        if extra_events:
            events.update(extra_events)
        allowed, err, stage = synapse_auth(ev, events)
        try:
            auth_ids = list(ev.auth_event_ids())
        except RuntimeError:
            raw = ev.get_pdu_json()["auth_events"]
            auth_ids = [a[0] if isinstance(a, list) else a for a in raw]
        auth_events = [pdu_with_id(events[a]) for a in auth_ids if a in events]
        rec = {
            "name": name,
            "room_version": room.rv_id,
            "auth_events": auth_events,
            "event": pdu_with_id(ev),
            "allowed": allowed,
        }
        if not allowed:
            rec["synapse_error"] = err
            rec["synapse_stage"] = stage
        self.cases.append(rec)
        return allowed


def base_room(
    rv_id: str,
    join_rule: str,
    pl_overrides: dict | None = None,
    tag: str = "a",
    create_extra: dict | None = None,
    ts: int = 0,
) -> Room:
    """create, alice join, PL, members in various states, then join_rule."""
    rv = KNOWN_ROOM_VERSIONS[rv_id]
    create_content = {"room_version": rv_id}
    if not rv.implicit_room_creator:
        create_content["creator"] = ALICE
    if create_extra:
        create_content.update(create_extra)
    room = Room(rv_id, ALICE, create_content=create_content, tag=tag, ts=ts)
    room.member(ALICE, ALICE, "join")
    users = {BOB: 50, GINA: 50}
    if not rv.msc4289_creator_power_enabled:
        users[ALICE] = 100
    pl = {
        "users": users,
        "users_default": 0,
        "events": {"m.room.power_levels": 100, "m.room.name": 50},
        "events_default": 0,
        "state_default": 50,
        "ban": 50,
        "kick": 50,
        "redact": 50,
        "invite": 0,
        "notifications": {"room": 50},
    }
    if pl_overrides:
        for k, v in pl_overrides.items():
            if v is None:
                pl.pop(k, None)
            else:
                pl[k] = v
    room.send("m.room.power_levels", ALICE, pl, state_key="")
    room.send("m.room.join_rules", ALICE, {"join_rule": "public"}, state_key="")
    federate = (create_extra or {}).get("m.federate", True)
    for u in (BOB, CHARLIE, ERIN, FRANK, GINA, REMOTE):
        if u == REMOTE and not federate:
            continue
        room.member(u, u, "join")
    room.member(ALICE, ERIN, "ban")
    room.member(FRANK, FRANK, "leave")
    room.send("m.room.join_rules", ALICE, {"join_rule": "invite"}, state_key="")
    room.member(ALICE, DAVE, "invite")
    knocker = None
    if rv.knock_join_rule:
        room.send("m.room.join_rules", ALICE, {"join_rule": "knock"}, state_key="")
        knocker = "@kim:remote.test" if federate else "@kim:example.org"
        room.member(knocker, knocker, "knock")
    jr_content: dict = {"join_rule": join_rule}
    if join_rule in ("restricted", "knock_restricted"):
        jr_content["allow"] = [{"type": "m.room_membership", "room_id": "!space:example.org"}]
    room.send("m.room.join_rules", ALICE, jr_content, state_key="", check=False)
    room.send("m.room.topic", ALICE, {"topic": "base topic"}, state_key="")
    room.msg = room.send("m.room.message", CHARLIE, {"msgtype": "m.text", "body": "hi"})
    if federate:
        room.remote_msg = room.send("m.room.message", REMOTE, {"msgtype": "m.text", "body": "hi from remote"})
    room.knocker = knocker
    return room


def gen_auth() -> list:
    ac = AuthCases()
    for vi, rv_id in enumerate(AUTH_VERSIONS):
        rv = KNOWN_ROOM_VERSIONS[rv_id]
        ts = vi * 1_000_000
        join_rules = ["public", "invite", "knock", "restricted", "knock_restricted", "private"]
        # --- joins under each join rule ---------------------------------
        for ji, jr in enumerate(join_rules):
            room = base_room(rv_id, jr, tag="j%d" % ji, ts=ts + ji * 10000)
            t = "jr=%s: " % jr
            ac.record(room, room.build("m.room.member", NEWBIE, {"membership": "join"}, NEWBIE), t + "new user joins")
            ac.record(room, room.build("m.room.member", DAVE, {"membership": "join"}, DAVE), t + "invited user joins")
            ac.record(room, room.build("m.room.member", ERIN, {"membership": "join"}, ERIN), t + "banned user joins")
            ac.record(room, room.build("m.room.member", FRANK, {"membership": "join"}, FRANK), t + "left user rejoins")
            ac.record(room, room.build("m.room.member", CHARLIE, {"membership": "join", "displayname": "C"}, CHARLIE), t + "joined user re-joins (profile change)")
            ac.record(room, room.build("m.room.member", ALICE, {"membership": "join"}, NEWBIE, origin="example.org"), t + "alice forces newbie to join")
            if room.knocker:
                ac.record(room, room.build("m.room.member", room.knocker, {"membership": "join"}, room.knocker), t + "knocked user joins")
            if rv.restricted_join_rule:
                ac.record(
                    room,
                    room.build("m.room.member", NEWBIE, {"membership": "join", "join_authorised_via_users_server": ALICE}, NEWBIE, signers=["remote.test", "example.org"]),
                    t + "join authorised via alice",
                )
                ac.record(
                    room,
                    room.build("m.room.member", NEWBIE, {"membership": "join", "join_authorised_via_users_server": FRANK}, NEWBIE, signers=["remote.test", "example.org"]),
                    t + "join authorised via user who left",
                )
            ac.record(room, room.build("m.room.member", NEWBIE, {"membership": "knock"}, NEWBIE), t + "new user knocks")
        # restricted join with authoriser lacking invite power
        if rv.restricted_join_rule:
            room = base_room(rv_id, "restricted", pl_overrides={"invite": 50}, tag="rj", ts=ts + 70000)
            ac.record(
                room,
                room.build("m.room.member", NEWBIE, {"membership": "join", "join_authorised_via_users_server": CHARLIE}, NEWBIE, signers=["remote.test", "example.org"]),
                "restricted join authorised by user below invite level",
            )
            ac.record(
                room,
                room.build("m.room.member", NEWBIE, {"membership": "join", "join_authorised_via_users_server": BOB}, NEWBIE, signers=["remote.test", "example.org"]),
                "restricted join authorised by moderator",
            )
            ac.record(
                room,
                room.build("m.room.member", DAVE, {"membership": "join"}, DAVE),
                "restricted join by invited user without authoriser",
            )
        # --- membership changes in an invite room -----------------------
        for pi, plo in enumerate([{}, {"invite": 50, "kick": 75, "ban": 100}, {"ban": 0, "kick": 0}]):
            room = base_room(rv_id, "invite", pl_overrides=plo, tag="m%d" % pi, ts=ts + 100000 + pi * 10000)
            t = "pl=%s: " % json.dumps(plo, sort_keys=True)
            M = lambda s, tgt, m, **c: room.build("m.room.member", s, dict({"membership": m}, **c), tgt)  # noqa: E731
            ac.record(room, M(BOB, NEWBIE, "invite"), t + "mod invites new user")
            ac.record(room, M(CHARLIE, NEWBIE, "invite"), t + "member invites new user")
            ac.record(room, M(DAVE, NEWBIE, "invite"), t + "invited (not joined) user invites")
            ac.record(room, M(FRANK, NEWBIE, "invite"), t + "left user invites")
            ac.record(room, M(BOB, ERIN, "invite"), t + "invite banned user")
            ac.record(room, M(BOB, CHARLIE, "invite"), t + "invite joined user")
            ac.record(room, M(BOB, DAVE, "invite"), t + "re-invite invited user")
            ac.record(room, M(BOB, CHARLIE, "leave", reason="bye"), t + "mod kicks member")
            ac.record(room, M(CHARLIE, BOB, "leave"), t + "member kicks mod")
            ac.record(room, M(BOB, ALICE, "leave"), t + "mod kicks admin")
            ac.record(room, M(BOB, GINA, "leave"), t + "mod kicks equal mod")
            ac.record(room, M(ALICE, BOB, "leave"), t + "admin kicks mod")
            ac.record(room, M(BOB, NEWBIE, "leave"), t + "mod kicks non-member")
            ac.record(room, M(BOB, DAVE, "leave"), t + "mod revokes invite")
            ac.record(room, M(BOB, CHARLIE, "ban"), t + "mod bans member")
            ac.record(room, M(CHARLIE, BOB, "ban"), t + "member bans mod")
            ac.record(room, M(BOB, GINA, "ban"), t + "mod bans equal mod")
            ac.record(room, M(ALICE, BOB, "ban"), t + "admin bans mod")
            ac.record(room, M(BOB, NEWBIE, "ban"), t + "mod bans non-member")
            ac.record(room, M(BOB, ERIN, "leave"), t + "mod unbans")
            ac.record(room, M(CHARLIE, ERIN, "leave"), t + "member unbans")
            ac.record(room, M(CHARLIE, CHARLIE, "leave"), t + "member leaves")
            ac.record(room, M(DAVE, DAVE, "leave"), t + "invitee rejects invite")
            ac.record(room, M(FRANK, FRANK, "leave"), t + "left user leaves again")
            ac.record(room, M(ERIN, ERIN, "leave"), t + "banned user leaves")
            ac.record(room, M(ERIN, ERIN, "ban"), t + "banned user bans self")
            if room.knocker:
                ac.record(room, M(room.knocker, room.knocker, "leave"), t + "knocker rescinds knock")
                ac.record(room, M(BOB, room.knocker, "invite"), t + "mod invites knocker")
            if pi == 0:
                ac.record(room, M(BOB, CHARLIE, "custom_membership"), t + "unknown membership value")
        # --- knocks ------------------------------------------------------
        room = base_room(rv_id, "knock", tag="k", ts=ts + 200000)
        M = lambda s, tgt, m: room.build("m.room.member", s, {"membership": m}, tgt)  # noqa: E731
        ac.record(room, M(NEWBIE, NEWBIE, "knock"), "knock room: new user knocks")
        ac.record(room, M(CHARLIE, CHARLIE, "knock"), "knock room: joined user knocks")
        ac.record(room, M(DAVE, DAVE, "knock"), "knock room: invited user knocks")
        ac.record(room, M(ERIN, ERIN, "knock"), "knock room: banned user knocks")
        ac.record(room, M(FRANK, FRANK, "knock"), "knock room: left user knocks")
        ac.record(room, M(BOB, NEWBIE, "knock"), "knock room: knock on behalf of other")
        # --- power levels -----------------------------------------------
        stringy_ok = not rv.enforce_int_power_levels
        for pi, plo in enumerate([{}, {"events": {}, "notifications": None}]):
            room = base_room(rv_id, "invite", pl_overrides=plo, tag="p%d" % pi, ts=ts + 300000 + pi * 10000)
            cur = content_of(room.events[room.state[("m.room.power_levels", "")]])
            t = "pl%d: " % pi

            def P(sender, **changes):
                c = copy.deepcopy(cur)
                for k, v in changes.items():
                    if v is None:
                        c.pop(k, None)
                    else:
                        c[k] = v
                return room.build("m.room.power_levels", sender, c, "")

            users = cur["users"]
            ac.record(room, P(ALICE, users=dict(users, **{BOB: 75})), t + "admin promotes mod to 75")
            ac.record(room, P(BOB, users=dict(users, **{BOB: 100})), t + "mod raises self to 100")
            ac.record(room, P(BOB, users=dict(users, **{CHARLIE: 50})), t + "mod raises member to own level")
            ac.record(room, P(BOB, users=dict(users, **{CHARLIE: 51})), t + "mod raises member above own level")
            ac.record(room, P(BOB, users=dict(users, **{GINA: 0})), t + "mod demotes equal mod")
            ac.record(room, P(BOB, users=dict(users, **{BOB: 0})), t + "mod demotes self")
            ac.record(room, P(CHARLIE, users=dict(users, **{CHARLIE: 0})), t + "member sends PL")
            ac.record(room, P(NEWBIE), t + "non-member sends PL")
            ac.record(room, P(ALICE, ban=100, kick=100, redact=100, invite=100), t + "admin raises named levels")
            ac.record(room, P(ALICE, users_default=50, events_default=10, state_default=0), t + "admin changes defaults")
            ac.record(room, P(ALICE, users=dict(users, **{"not-a-user-id": 10})), t + "invalid user id key")
            ac.record(room, P(ALICE, users=dict(users, **{"@x:example.org": "abc"})), t + "non-numeric user level")
            ac.record(room, P(ALICE, ban="50"), t + "stringy ban (unchanged value)")
            ac.record(room, P(ALICE, ban="40", users=dict(users, **{CHARLIE: "10"})), t + "stringy values changed")
            ac.record(room, P(ALICE, events={"m.room.topic": "0"}), t + "stringy event level")
            ac.record(room, P(ALICE, notifications={"room": "20"}), t + "stringy notifications level")
            ac.record(room, P(ALICE, ban=True), t + "boolean ban level")
            if pi == 0:
                for weird in ["+10", " 10 ", "1_0", "\u0663", "0x10", "10.0", "1e2", ""]:
                    ac.record(room, P(ALICE, users=dict(users, **{NEWBIE: weird})), t + "stringy user level %r" % weird)
            ac.record(room, P(ALICE, notifications={"room": 100}), t + "admin raises notifications.room to 100")
            ac.record(room, P(ALICE, notifications={"room": 101}), t + "admin raises notifications.room above own level")
            ac.record(room, P(ALICE, notifications={"room": 200, "custom": 10}), t + "admin adds notifications above own")
            ac.record(room, P(ALICE, events={"m.room.topic": 200}), t + "admin sets event level above own")
            ac.record(room, P(ALICE, users=dict(users, **{NEWBIE: 200})), t + "admin grants level above own")
            ac.record(room, P(ALICE, events={"m.room.power_levels": 100, "m.room.name": 50, "m.room.topic": 10}), t + "admin adds event level")
            ac.record(room, P(ALICE, events=None), t + "admin drops events map")
            if not rv.msc4289_creator_power_enabled:
                u = dict(users)
                u.pop(ALICE)
                ac.record(room, P(ALICE, users=u), t + "admin removes self from users")
            else:
                ac.record(room, P(ALICE, users=dict(users, **{ALICE: 100})), t + "v12: creator listed in users")
            # mod (level 50) and admin editing PL events when PL event level is 50
        room = base_room(rv_id, "invite", pl_overrides={"events": {"m.room.power_levels": 50}}, tag="pm", ts=ts + 330000)
        cur = content_of(room.events[room.state[("m.room.power_levels", "")]])

        def P2(sender, **changes):
            c = copy.deepcopy(cur)
            c.update(changes)
            return room.build("m.room.power_levels", sender, c, "")

        ac.record(room, P2(BOB, ban=40), "pl-mod: mod lowers ban to 40")
        ac.record(room, P2(BOB, ban=60), "pl-mod: mod raises ban above own")
        ac.record(room, P2(BOB, kick=50, redact=50), "pl-mod: unchanged values")
        ac.record(room, P2(BOB, notifications={"room": 40}), "pl-mod: mod lowers notifications.room")
        ac.record(room, P2(BOB, notifications={"room": 60}), "pl-mod: mod raises notifications.room above own")
        ac.record(room, P2(BOB, notifications={"room": 50, "other": 70}), "pl-mod: mod adds notification key above own")
        ac.record(room, P2(BOB, users=dict(cur["users"], **{ERIN: 10})), "pl-mod: mod sets banned user level")
        ac.record(room, P2(BOB, events={"m.room.power_levels": 50, "m.room.name": 70}), "pl-mod: mod raises event level above own")
        ac.record(room, P2(BOB, events={"m.room.power_levels": 50}), "pl-mod: mod removes m.room.name event level")
        # --- stringy existing power levels (v<10 only valid) ---------------
        if stringy_ok:
            room = base_room(rv_id, "invite", pl_overrides={"ban": "50", "kick": "50", "state_default": "50", "invite": "0"}, tag="ps", ts=ts + 340000)
            cur = content_of(room.events[room.state[("m.room.power_levels", "")]])
            ac.record(room, room.build("m.room.member", BOB, {"membership": "ban"}, CHARLIE), "stringy PL: mod bans member")
            ac.record(room, room.build("m.room.topic", CHARLIE, {"topic": "x"}, ""), "stringy PL: member sets topic")
            ac.record(room, room.build("m.room.topic", BOB, {"topic": "x"}, ""), "stringy PL: mod sets topic")
            c = copy.deepcopy(cur)
            c["users"][CHARLIE] = "50"
            ac.record(room, room.build("m.room.power_levels", ALICE, c, ""), "stringy PL: admin sets stringy user level")
            c = copy.deepcopy(cur)
            c["ban"] = 50
            ac.record(room, room.build("m.room.power_levels", BOB, c, ""), "stringy PL: '50' -> 50 by mod (equal)")
        # --- other state / messages --------------------------------------
        room = base_room(rv_id, "invite", pl_overrides={"events": {"m.room.power_levels": 100, "m.room.name": 50, "m.room.avatar": 0}}, tag="s", ts=ts + 400000)
        B = room.build
        ac.record(room, B("m.room.topic", CHARLIE, {"topic": "t"}, ""), "member sets topic (state_default 50)")
        ac.record(room, B("m.room.topic", BOB, {"topic": "t"}, ""), "mod sets topic")
        ac.record(room, B("m.room.name", BOB, {"name": "n"}, ""), "mod sets name")
        ac.record(room, B("m.room.name", CHARLIE, {"name": "n"}, ""), "member sets name")
        ac.record(room, B("m.room.avatar", CHARLIE, {"url": "mxc://a/b"}, ""), "member sets avatar (event level 0)")
        ac.record(room, B("m.room.topic", NEWBIE, {"topic": "t"}, ""), "non-member sets topic")
        ac.record(room, B("m.room.topic", DAVE, {"topic": "t"}, ""), "invited user sets topic")
        ac.record(room, B("m.room.message", CHARLIE, {"body": "hi", "msgtype": "m.text"}), "member sends message")
        ac.record(room, B("m.room.message", NEWBIE, {"body": "hi", "msgtype": "m.text"}), "non-member sends message")
        ac.record(room, B("m.room.message", ERIN, {"body": "hi", "msgtype": "m.text"}), "banned user sends message")
        ac.record(room, B("m.room.message", DAVE, {"body": "hi", "msgtype": "m.text"}), "invited user sends message")
        ac.record(room, B("org.example.custom", CHARLIE, {"x": 1}, CHARLIE), "member sets own user-keyed state")
        ac.record(room, B("org.example.custom", BOB, {"x": 1}, BOB), "mod sets own user-keyed state")
        ac.record(room, B("org.example.custom", BOB, {"x": 1}, CHARLIE), "mod sets other user's state")
        ac.record(room, B("org.example.custom", BOB, {"x": 1}, BOB + "_suffix"), "mod sets own user-keyed state with suffix")
        ac.record(room, B("org.example.custom", ALICE, {"x": 1}, "@"), "admin sets state_key '@'")
        ac.record(room, B("m.room.aliases", BOB, {"aliases": ["#x:example.org"]}, "example.org"), "aliases with own domain")
        ac.record(room, B("m.room.aliases", CHARLIE, {"aliases": ["#x:example.org"]}, "example.org"), "member aliases with own domain")
        ac.record(room, B("m.room.aliases", REMOTE, {"aliases": ["#x:remote.test"]}, "remote.test"), "remote member aliases with own domain")
        ac.record(room, B("m.room.aliases", BOB, {"aliases": []}, "remote.test"), "aliases with other domain")
        ac.record(room, B("m.room.aliases", BOB, {"aliases": []}, ""), "aliases with empty state_key")
        ac.record(room, B("m.room.third_party_invite", CHARLIE, {"display_name": "x", "public_key": "abc"}, "tok-c"), "member sends 3pid invite (invite level 0)")
        ac.record(room, B("m.room.third_party_invite", NEWBIE, {"display_name": "x", "public_key": "abc"}, "tok-n"), "non-member sends 3pid invite")
        # redactions
        ac.record(room, B("m.room.redaction", BOB, {}, extra={"redacts": room.msg.event_id}), "mod redacts member message")
        ac.record(room, B("m.room.redaction", CHARLIE, {}, extra={"redacts": room.msg.event_id}), "member redacts own message")
        ac.record(room, B("m.room.redaction", CHARLIE, {}, extra={"redacts": room.remote_msg.event_id}), "member redacts remote user's message")
        ac.record(room, B("m.room.redaction", REMOTE, {}, extra={"redacts": room.msg.event_id}), "remote member redacts local message")
        ac.record(room, B("m.room.redaction", CHARLIE, {"redacts": room.msg.event_id}), "member redacts with content.redacts")
        ac.record(room, B("m.room.redaction", NEWBIE, {}, extra={"redacts": room.msg.event_id}), "non-member redacts")
        # --- 3pid invites -------------------------------------------------
        room = base_room(rv_id, "invite", tag="t", ts=ts + 500000)
        token = "tok-" + rv_id
        room.send(
            "m.room.third_party_invite",
            BOB,
            {
                "display_name": "n...@e...",
                "key_validity_url": "https://id.example/_matrix/identity/v2/pubkey/isvalid",
                "public_key": b64(KEYS["id.example"].verify_key.encode()),
            },
            state_key=token,
        )
        good = signedjson.sign.sign_json({"mxid": NEWBIE, "token": token}, "id.example", KEYS["id.example"])
        bad = signedjson.sign.sign_json({"mxid": NEWBIE, "token": token}, "id.example", KEYS["third.example"])
        other_mxid = signedjson.sign.sign_json({"mxid": THIRD, "token": token}, "id.example", KEYS["id.example"])
        banned = signedjson.sign.sign_json({"mxid": ERIN, "token": token}, "id.example", KEYS["id.example"])

        def TP(sender, target, signed):
            return room.build("m.room.member", sender, {"membership": "invite", "third_party_invite": {"display_name": "n...@e...", "signed": signed}}, target)

        ac.record(room, TP(BOB, NEWBIE, good), "3pid invite with valid signature")
        ac.record(room, TP(BOB, NEWBIE, bad), "3pid invite with signature by wrong key")
        ac.record(room, TP(CHARLIE, NEWBIE, good), "3pid invite from different sender than 3pid event")
        ac.record(room, TP(BOB, NEWBIE, other_mxid), "3pid invite with mismatched mxid")
        ac.record(room, TP(BOB, ERIN, banned), "3pid invite of banned user")
        ac.record(room, TP(BOB, NEWBIE, {"mxid": NEWBIE, "token": token, "signatures": {}}), "3pid invite with no signatures")
        ac.record(room, TP(BOB, NEWBIE, dict(good, token="unknown-token")), "3pid invite with unknown token")
        # --- unfederatable room --------------------------------------------
        room = base_room(rv_id, "public", tag="f", create_extra={"m.federate": False}, ts=ts + 600000)
        ac.record(room, room.build("m.room.member", NEWBIE, {"membership": "join"}, NEWBIE), "m.federate=false: remote user joins")
        ac.record(room, room.build("m.room.member", "@local:example.org", {"membership": "join"}, "@local:example.org"), "m.federate=false: local user joins")
        ac.record(room, room.build("m.room.message", REMOTE, {"body": "x"}), "m.federate=false: remote non-member sends message")
        ac.record(room, room.build("m.room.member", BOB, {"membership": "invite"}, NEWBIE), "m.federate=false: local invites remote")
        # --- malformed auth_events (state-independent rules) ----------------
        room = base_room(rv_id, "invite", tag="x", ts=ts + 700000)
        topic_id = room.state[("m.room.topic", "")]
        ac.record(room, room.build("m.room.message", CHARLIE, {"body": "x"}, add_auth_ids=[topic_id]), "auth_events include unexpected topic event")
        ac.record(room, room.build("m.room.message", CHARLIE, {"body": "x"}, add_auth_ids=[room.state[("m.room.join_rules", "")]]), "message with join_rules in auth_events")
        dup = [e for e in room.events.values() if e.type == "m.room.power_levels"]
        if len(dup) >= 1:
            other_pl = room.build("m.room.power_levels", ALICE, content_of(dup[0]), "")
            room.add(other_pl, state={})
            ac.record(room, room.build("m.room.message", CHARLIE, {"body": "x"}, add_auth_ids=[other_pl.event_id]), "duplicate power_levels in auth_events")
        ac.record(room, room.build("m.room.message", BOB, {"body": "x"}, drop_auth_keys=[("m.room.power_levels", "")]), "auth_events missing power_levels (bob at default 0)")
        ac.record(room, room.build("m.room.message", CHARLIE, {"body": "x"}, drop_auth_keys=[("m.room.member", CHARLIE)]), "auth_events missing sender membership")
        ac.record(room, room.build("m.room.topic", BOB, {"topic": "x"}, "", drop_auth_keys=[("m.room.power_levels", "")]), "mod sets topic without PL in auth_events")
        if not rv.msc4291_room_ids_as_hashes:
            ac.record(room, room.build("m.room.message", CHARLIE, {"body": "x"}, drop_auth_keys=[("m.room.create", "")]), "auth_events missing create event")
        else:
            ac.record(room, room.build("m.room.message", CHARLIE, {"body": "x"}, add_auth_ids=[room.create.event_id]), "v12: create event listed explicitly in auth_events")
        other = base_room(rv_id, "public", tag="o", ts=ts + 800000)
        other_pl_id = other.state[("m.room.power_levels", "")]
        room.events[other_pl_id] = other.events[other_pl_id]
        ac.record(
            room,
            room.build("m.room.message", CHARLIE, {"body": "x"}, drop_auth_keys=[("m.room.power_levels", "")], add_auth_ids=[other.state[("m.room.power_levels", "")]]),
            "auth event from another room",
            extra_events=other.events,
        )
        frank_join = [e for e in room.events.values() if e.type == "m.room.member" and e.state_key == FRANK and e.membership == "join"][0]
        ac.record(room, room.build("m.room.member", FRANK, {"membership": "join"}, FRANK, add_auth_ids=[frank_join.event_id]), "duplicate sender membership in auth_events")
        ac.record(room, room.build("m.room.message", CHARLIE, {"body": "x"}, add_auth_ids=[frank_join.event_id]), "unrelated member event in auth_events")
        # --- create events --------------------------------------------------
        def create_case(content, name, sender=ALICE, extra=None, prev=None):
            r = Room.__new__(Room)
            r.rv_id, r.rv = rv_id, rv
            r.events, r.state, r.tip, r.depth = {}, {}, [], {}
            r.ts, r.tag = TS_BASE + ts + 900000, "c"
            r.room_id = None if rv.msc4291_room_ids_as_hashes else "!c:example.org"
            ev = r.build("m.room.create", sender, content, "", extra=extra, prev=[])
            if prev is not None:
                r.add(ev)
                ev = r.build("m.room.create", sender, content, "", extra=extra, prev=[ev.event_id])
            ac.record(r, ev, "create: " + name)

        cc = {"room_version": rv_id}
        create_case(dict(cc, creator=ALICE), "with creator")
        create_case(dict(cc), "without creator")
        create_case({}, "without room_version or creator")
        create_case({"creator": ALICE}, "creator only (implicit room_version 1)")
        create_case(dict(cc, creator=ALICE, room_version="999"), "unknown room_version")
        create_case(dict(cc, creator=ALICE, **{"m.federate": False}), "m.federate false")
        create_case(dict(cc, creator=ALICE), "with prev_events", prev=True)
        if not rv.msc4291_room_ids_as_hashes:
            create_case(dict(cc, creator=REMOTE), "room_id domain differs from sender", sender=REMOTE)
        else:
            create_case(dict(cc), "v12 with room_id", extra={"room_id": "!c:example.org"})
            create_case(dict(cc, additional_creators=[BOB, REMOTE]), "v12 additional_creators valid")
            create_case(dict(cc, additional_creators=BOB), "v12 additional_creators not a list")
            create_case(dict(cc, additional_creators=[BOB, 5]), "v12 additional_creators with non-string")
            create_case(dict(cc, additional_creators=["not-a-user"]), "v12 additional_creators invalid user id")
            create_case(dict(cc, additional_creators=[]), "v12 additional_creators empty list")
        # --- implicit creator / creator joins / no PL event -------------------
        create_content = {"room_version": rv_id}
        if not rv.implicit_room_creator:
            create_content["creator"] = ALICE
        room = Room(rv_id, ALICE, create_content=create_content, tag="n", ts=ts + 950000)
        ac.record(room, room.build("m.room.member", BOB, {"membership": "join"}, BOB), "no join: non-creator joins right after create")
        ac.record(room, room.build("m.room.member", ALICE, {"membership": "join"}, ALICE), "creator joins right after create")
        room.member(ALICE, ALICE, "join")
        ac.record(room, room.build("m.room.topic", ALICE, {"topic": "t"}, ""), "no PL event: creator sets topic")
        ac.record(room, room.build("m.room.member", ALICE, {"membership": "invite"}, BOB), "no PL event, no join rules: creator invites")
        ac.record(room, room.build("m.room.member", BOB, {"membership": "join"}, BOB), "no join rules event: user joins")
        room.member(ALICE, BOB, "invite")
        room.member(BOB, BOB, "join")
        ac.record(room, room.build("m.room.topic", BOB, {"topic": "t"}, ""), "no PL event: non-creator sets topic")
        ac.record(room, room.build("m.room.message", BOB, {"body": "x"}), "no PL event: non-creator sends message")
        ac.record(room, room.build("m.room.member", BOB, {"membership": "ban"}, ALICE), "no PL event: non-creator bans creator")
        ac.record(room, room.build("m.room.member", ALICE, {"membership": "ban"}, BOB), "no PL event: creator bans")
        pl_users = {BOB: 50} if rv.msc4289_creator_power_enabled else {ALICE: 100, BOB: 50}
        ac.record(room, room.build("m.room.power_levels", ALICE, {"users": pl_users}, ""), "creator sends first PL")
        ac.record(room, room.build("m.room.power_levels", BOB, {"users": {BOB: 100}}, ""), "non-creator sends first PL granting self 100")
        # --- v12 creators ---------------------------------------------------
        if rv.msc4289_creator_power_enabled:
            room = base_room(rv_id, "invite", tag="v12c", create_extra={"additional_creators": [CHARLIE]}, ts=ts + 960000)
            cur = content_of(room.events[room.state[("m.room.power_levels", "")]])
            B = room.build
            ac.record(room, B("m.room.member", BOB, {"membership": "leave"}, ALICE), "v12: mod kicks creator")
            ac.record(room, B("m.room.member", BOB, {"membership": "ban"}, CHARLIE), "v12: mod bans additional creator")
            ac.record(room, B("m.room.member", CHARLIE, {"membership": "ban"}, BOB), "v12: additional creator bans mod")
            ac.record(room, B("m.room.member", CHARLIE, {"membership": "leave"}, ALICE), "v12: additional creator kicks creator")
            ac.record(room, B("m.room.power_levels", CHARLIE, dict(cur, users={BOB: 100, GINA: 50}), ""), "v12: additional creator promotes mod to 100")
            ac.record(room, B("m.room.power_levels", CHARLIE, dict(cur, users={BOB: 50, GINA: 50, CHARLIE: 100}), ""), "v12: additional creator lists self in users")
            ac.record(room, B("m.room.power_levels", ALICE, dict(cur, users={BOB: 2**53 - 1}), ""), "v12: creator grants max int")
            ac.record(room, B("m.room.topic", CHARLIE, {"topic": "t"}, ""), "v12: additional creator sets topic")
            ac.record(room, B("m.room.tombstone", CHARLIE, {"body": "b", "replacement_room": "!new"}, ""), "v12: additional creator sends tombstone")
            ac.record(room, B("m.room.power_levels", BOB, dict(cur, users={BOB: 50, GINA: 50}, ban=0), ""), "v12: mod edits PL (PL level 100)")
            ac.record(room, B("m.room.member", GINA, {"membership": "ban"}, BOB), "v12: mod bans equal mod")
    return select_auth_cases(ac.cases)


def select_auth_cases(cases: list) -> list:
    """Keep the fixture small: every scenario (case name) is kept in one
    deterministically chosen "home" room version, plus in every other room
    version where Synapse's verdict (allowed + failing stage) differs from the
    home version's verdict."""
    by_name: dict[str, dict[str, dict]] = {}
    for c in cases:
        per = by_name.setdefault(c["name"], {})
        assert c["room_version"] not in per, "duplicate case name %r" % c["name"]
        per[c["room_version"]] = c

    def verdict(c):
        return (c["allowed"], c.get("synapse_stage"))

    keep = set()
    for name, per in by_name.items():
        vs = [v for v in AUTH_VERSIONS if v in per]
        home = vs[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(vs)]
        for v in vs:
            if v == home or verdict(per[v]) != verdict(per[home]):
                keep.add(id(per[v]))
    return [c for c in cases if id(c) in keep]


# ---------------------------------------------------------------------------
# 5. state_res.json
# ---------------------------------------------------------------------------


class FakeClock:
    async def sleep(self, duration) -> None:
        return None


class InMemoryStateResStore:
    """In-memory StateResolutionStore, like Synapse's tests/state/test_v2.py
    TestStateResolutionStore, but also computing the v2.1 conflicted subgraph
    (which the test store stubs out as an empty set)."""

    def __init__(self, events: dict):
        self.events = events

    async def get_events(self, event_ids, allow_rejected=False):
        return {e: self.events[e] for e in event_ids if e in self.events}

    def _auth_chain(self, event_ids) -> set:
        result: set = set()
        stack = list(event_ids)
        while stack:
            eid = stack.pop()
            if eid in result:
                continue
            result.add(eid)
            stack.extend(self.events[eid].auth_event_ids())
        return result

    async def get_auth_chain_difference(self, room_id, state_sets, conflicted_state, additional_backwards_reachable_conflicted_events):
        chains = [self._auth_chain(s) for s in state_sets]
        common = set(chains[0]).intersection(*chains[1:])
        diff = set(chains[0]).union(*chains[1:]) - common
        subgraph = None
        if conflicted_state is not None:
            conflicted = set(conflicted_state) | set(additional_backwards_reachable_conflicted_events or ())
            # backwards reachable (auth-ancestors incl. self) from any conflicted event
            backwards = self._auth_chain(conflicted)
            # events from which a conflicted event is reachable (incl. conflicted)
            subgraph = {e for e in backwards if self._auth_chain([e]) & conflicted}
        return StateDifference(auth_difference=diff, conflicted_subgraph=subgraph)


def key_str(k) -> str:
    return "%s|%s" % k


def state_res_room(rv_id: str, rng: random.Random, tag: str, ts: int) -> Room:
    rv = KNOWN_ROOM_VERSIONS[rv_id]
    create_content = {"room_version": rv_id}
    if not rv.implicit_room_creator:
        create_content["creator"] = ALICE
    if rv.msc4289_creator_power_enabled and rng.random() < 0.3:
        create_content["additional_creators"] = [ZED]
    room = Room(rv_id, ALICE, create_content=create_content, tag=tag, ts=ts)
    room.member(ALICE, ALICE, "join")
    users = {BOB: 50, CHARLIE: rng.choice([0, 0, 10, 50])}
    if not rv.msc4289_creator_power_enabled:
        users[ALICE] = 100
    if rng.random() < 0.5:
        users[GINA] = 75
    room.send(
        "m.room.power_levels",
        ALICE,
        {"users": users, "state_default": 50, "events_default": 0, "ban": 50, "kick": 50, "invite": 0, "redact": 50,
         "events": {"m.room.power_levels": rng.choice([50, 100]), "m.room.topic": rng.choice([0, 50])}},
        state_key="",
    )
    room.send("m.room.join_rules", ALICE, {"join_rule": "public"}, state_key="")
    for u in SR_USERS[1:]:
        if u == ZED and "additional_creators" not in create_content:
            continue
        if u in (BOB, CHARLIE) or rng.random() < 0.2:
            room.member(u, u, "join")
    return room


ZED = "@zed:remote.test"
SR_USERS = [ALICE, BOB, CHARLIE, DAVE, GINA, REMOTE, ZED]
SR_OUTSIDERS = [NEWBIE, "@nora:third.example", FRANK]

SCENARIOS = {
    "ban_vs_join": {"ban": 4, "join": 4, "leave": 1, "topic": 1},
    "pl_forks": {"pl": 6, "topic": 2, "ban": 1},
    "join_rules": {"join_rule": 5, "join": 4, "invite": 2, "leave": 1},
    "topics": {"topic": 6, "pl": 2, "name": 2, "ban": 1},
    "kick_vs_promote": {"kick": 4, "pl": 4, "ban": 1, "join": 1},
    "mixed": {"ban": 2, "join": 2, "pl": 2, "join_rule": 2, "topic": 2, "kick": 2, "invite": 1, "leave": 1, "name": 1},
}


def random_action(room: Room, rng: random.Random, state: dict, weights: dict):
    rv = room.rv
    actions = list(weights)
    action = rng.choices(actions, [weights[a] for a in actions])[0]
    members = sorted(k[1] for k, v in state.items() if k[0] == "m.room.member" and room.events[v].membership == "join")
    everyone = sorted(set(SR_USERS + SR_OUTSIDERS))
    sender = rng.choice(members) if members else ALICE
    if action == "ban":
        return ("m.room.member", sender, {"membership": "ban"}, rng.choice(everyone))
    if action == "kick":
        return ("m.room.member", sender, {"membership": "leave"}, rng.choice(members))
    if action == "leave":
        return ("m.room.member", sender, {"membership": "leave"}, sender)
    if action == "join":
        u = rng.choice(everyone)
        return ("m.room.member", u, {"membership": "join"}, u)
    if action == "invite":
        return ("m.room.member", sender, {"membership": "invite"}, rng.choice(everyone))
    if action == "join_rule":
        jr = rng.choice(["public", "invite", "knock"] if rv.knock_join_rule else ["public", "invite"])
        return ("m.room.join_rules", sender, {"join_rule": jr}, "")
    if action == "topic":
        return ("m.room.topic", sender, {"topic": "topic %d" % rng.randrange(1000)}, "")
    if action == "name":
        return ("m.room.name", sender, {"name": "name %d" % rng.randrange(1000)}, "")
    if action == "message":
        return ("m.room.message", sender, {"body": "msg %d" % rng.randrange(1000)}, None)
    if action == "pl":
        cur = content_of(room.events[state[("m.room.power_levels", "")]])
        users = cur.setdefault("users", {})
        target = rng.choice(everyone)
        if rv.msc4289_creator_power_enabled and target in (ALICE, ZED):
            target = rng.choice([BOB, CHARLIE, GINA])
        r = rng.random()
        if r < 0.6:
            users[target] = rng.choice([0, 10, 50, 75, 100])
        elif r < 0.8:
            cur[rng.choice(["ban", "kick", "state_default", "invite"])] = rng.choice([0, 25, 50, 100])
        else:
            cur.setdefault("events", {})["m.room.topic"] = rng.choice([0, 50, 100])
        return ("m.room.power_levels", sender, cur, "")
    raise AssertionError(action)


def gen_branch(room: Room, rng, start_state: dict, start_prev: list, n_events: int, weights: dict):
    state = dict(start_state)
    prev = list(start_prev)
    for _ in range(n_events):
        for _attempt in range(40):
            etype, sender, content, sk = random_action(room, rng, state, weights)
            ev = room.build(etype, sender, content, sk, state=state, prev=prev)
            ok, _, _ = synapse_auth(ev, room.events)
            if ok:
                room.add(ev, state=state)
                prev = [ev.event_id]
                break
    return state, prev


def resolve(room: Room, state_sets: list[dict]) -> dict:
    if room.rv.state_res == 1:  # v1
        async def factory(ids):
            return {e: room.events[e] for e in ids if e in room.events}

        return run_sync(state_v1.resolve_events_with_store(room.room_id, room.rv, state_sets, None, factory))
    store = InMemoryStateResStore(room.events)
    return run_sync(state_v2.resolve_events_with_store(FakeClock(), room.room_id, room.rv, state_sets, None, store))


def gen_state_res() -> list:
    cases = []
    plan = [("2", 50), ("10", 50), ("11", 50), ("12", 50), ("1", 4)]
    ci = 0
    for rv_id, count in plan:
        made = 0
        attempt = 0
        while made < count:
            attempt += 1
            rng = random.Random("state-res:%s:%d" % (rv_id, attempt))
            scen = sorted(SCENARIOS)[made % len(SCENARIOS)]
            weights = SCENARIOS[scen]
            room = state_res_room(rv_id, rng, "s%d" % ci, ts=10_000_000 + ci * 10_000)
            # a little trunk history
            trunk_state, trunk_prev = gen_branch(room, rng, room.state, room.tip, rng.choice([0, 0, 1]), SCENARIOS["mixed"])
            trunk_points = [(dict(trunk_state), list(trunk_prev))]
            # optionally a deeper fork point
            if rng.random() < 0.3:
                s2, p2 = gen_branch(room, rng, trunk_state, trunk_prev, 1, weights)
                trunk_points.append((s2, p2))
            n_branches = rng.choice([2, 2, 2, 2, 3])
            state_sets = []
            for _b in range(n_branches):
                fs, fp = rng.choice(trunk_points)
                st, _ = gen_branch(room, rng, fs, fp, rng.choice([1, 1, 2, 2, 3]), weights)
                state_sets.append(st)
            unconflicted, conflicted = state_v2._seperate(state_sets)
            if not conflicted:
                continue
            resolved = resolve(room, state_sets)
            ci += 1
            made += 1
            cases.append(
                {
                    "name": "%s #%d (%s)" % (scen, made, rv_id),
                    "room_version": rv_id,
                    "events": [pdu_with_id(e) for e in room.events.values()],
                    "state_sets": [{key_str(k): v for k, v in s.items()} for s in state_sets],
                    "resolved": {key_str(k): v for k, v in resolved.items()},
                }
            )
    return cases


# ---------------------------------------------------------------------------


def main() -> None:
    versions = {
        "matrix-synapse": synapse.__version__,
        "signedjson": getattr(signedjson, "__version__", None),
        "canonicaljson": getattr(canonicaljson, "__version__", None),
    }
    try:
        from importlib.metadata import version

        versions = {p: version(p) for p in ("matrix-synapse", "signedjson", "canonicaljson", "PyNaCl")}
    except Exception:
        pass
    known = list(KNOWN_ROOM_VERSIONS)
    if "12" not in KNOWN_ROOM_VERSIONS:
        sys.exit("room version 12 is not known to this Synapse (%s)" % known)

    summary = []
    cj = gen_canonical_json()
    summary.append(("canonical_json.json", len(cj), dump("canonical_json.json", cj)))
    sg = gen_signing()
    summary.append(("signing.json", len(sg), dump("signing.json", sg)))
    ev = gen_events()
    summary.append(("events.json", sum(len(v) for v in ev.values()), dump("events.json", ev)))
    au = gen_auth()
    summary.append(("auth.json", len(au), dump("auth.json", au)))
    sr = gen_state_res()
    # One file per room version keeps each fixture file small enough to review (and under 2 MB).
    for version in sorted({r["room_version"] for r in sr}, key=int):
        part = [r for r in sr if r["room_version"] == version]
        name = "state_res_v%s.json" % version
        summary.append((name, len(part), dump(name, part)))

    print("versions:", json.dumps(versions, sort_keys=True))
    print("known room versions:", ", ".join(known))
    print("prune function:", PRUNE_FN)
    total = 0
    for name, count, size in summary:
        total += size
        print("%-22s %5d cases %9d bytes" % (name, count, size))
    print("events.json per room version:", {k: len(v) for k, v in ev.items()})
    c = Counter((r["room_version"], r["allowed"]) for r in au)
    print("auth.json (version, allowed) counts:", dict(sorted(c.items(), key=lambda kv: (int(kv[0][0]), kv[0][1]))))
    print("state_res.json per room version:", dict(Counter(r["room_version"] for r in sr)))
    print("total bytes:", total)


if __name__ == "__main__":
    main()
