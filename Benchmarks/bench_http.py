"""What the Python benchmarks share: the server's RSS and plain client-server calls. Standard library only."""
import json, urllib.error, urllib.request, uuid

PASSWORD = "benchmark user password"


def rss_kib(pid):
    """The server process's resident set, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def call_sized(base, method, path, body=None, token=None, timeout=120):
    """One JSON request; the answer and its size in bytes."""
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        raw = r.read()
        return json.loads(raw), len(raw)


def call(base, method, path, body=None, token=None, timeout=120):
    return call_sized(base, method, path, body, token, timeout)[0]


def register(base, name=None):
    """Registers through the user-interactive auth dance; the whole answer (user_id, access_token, ...)."""
    body = {"username": name or "bench" + uuid.uuid4().hex[:8], "password": PASSWORD}
    try:
        call(base, "POST", "/_matrix/client/v3/register", body)
    except urllib.error.HTTPError as e:  # 401: the user-interactive auth session
        body["auth"] = {"type": "m.login.dummy", "session": json.loads(e.read())["session"]}
    return call(base, "POST", "/_matrix/client/v3/register", body)
