#!/usr/bin/env python3
"""What strangers and one hostile user can make the server hold, for the #14 closing note.

Starts `myelin serve` (a release build) on loopback, inside a cgroup v1 memory cap when run as root
(`--cap-mib`, 128 by default; see ../shared/notes/memory-caps.md), with the default memory budget, and
runs, one after the other:
  1. N unauthenticated half-sent bodies declaring 60 KB (under the 64 KiB limit for requests without a
     token), half of it sent, then held: on /_matrix/key/v2/query (no rate limit, so each waits for
     its body within the body budget) and on /login (whose rate limit refuses most from the head).
  2. N requests declaring a 0.95 MB login body (the original attack), which are refused from the head.
  3. U half-sent 40 MB media uploads by one logged-in user.
  4. H TLS handshakes from Python's ssl module (OpenSSL with its defaults), server CPU per handshake.
For each: the server's peak and current RSS (VmHWM, VmRSS), the cgroup's peak and failcnt, how many
connections the server closed, and the RSS once everything has ended (after the idle trim).

Usage: Benchmarks/hostile_clients.py [--bin .build-release/release/myelin] [--conns 500] [--uploads 20]
       [--handshakes 300] [--cap-mib 128] [--no-caps]   (--no-caps: no per-address or unauthenticated
       connection caps, as if the connections came from many addresses: the body budget alone holds)
"""
import argparse, os, shutil, signal, socket, ssl, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_http import register  # noqa: E402


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def reset_peak(pid):
    """Resets VmHWM (Linux: writing 5 to clear_refs) so each scenario reports its own peak."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


class Cgroup:
    def __init__(self, cap_mib):
        self.path = None
        base = "/sys/fs/cgroup/memory"
        if cap_mib and os.geteuid() == 0 and os.path.isdir(base):
            self.path = f"{base}/myelin-hostile-{os.getpid()}"
            os.makedirs(self.path, exist_ok=True)
            self.write("memory.limit_in_bytes", cap_mib << 20)
            self.write("memory.swappiness", 0)

    def write(self, name, value):
        try:
            with open(f"{self.path}/{name}", "w") as f:
                f.write(str(value))
        except OSError:
            pass

    def read(self, name):
        try:
            with open(f"{self.path}/{name}") as f:
                return int(f.read().strip())
        except (OSError, TypeError, ValueError):
            return None

    def reset_peak(self):
        if self.path:
            self.write("memory.max_usage_in_bytes", 0)

    def figures(self):
        if not self.path:
            return "no cgroup (not root or no cgroup v1)"
        return "cgroup peak %.1f MiB, failcnt %s" % ((self.read("memory.max_usage_in_bytes") or 0) / 2**20,
                                                     self.read("memory.failcnt"))

    def remove(self):
        if self.path:
            try:
                os.rmdir(self.path)
            except OSError:
                pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_up(port, tls=False, cafile=None):
    for _ in range(200):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=1)
            if tls:
                ssl.create_default_context(cafile=cafile).wrap_socket(sock, server_hostname="localhost").close()
            else:
                sock.close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not come up")


def hold(socks, pid, cgroup, seconds):
    """Samples the RSS while the connections are held; counts those the server answered (a refusal such
    as 413 or 503) and those it closed (after an answer, at a deadline, or at once when not admitted)."""
    peak = 0
    end = time.time() + seconds
    while time.time() < end:
        peak = max(peak, status(pid)["VmRSS"])
        time.sleep(0.25)
    answered = closed = 0
    for s in socks:
        s.setblocking(False)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if chunk == b"":
                    closed += 1
                    break
                got += chunk
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        if got:
            answered += 1
    return peak, answered, closed


def open_half_sent(port, count, head, sent_bytes):
    socks, refused = [], 0
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(head.encode() + b"x" * sent_bytes)
            socks.append(s)
        except OSError:
            refused += 1
    return socks, refused


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=".build-release/release/myelin")
    parser.add_argument("--conns", type=int, default=500)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--handshakes", type=int, default=300)
    parser.add_argument("--cap-mib", type=int, default=128)
    parser.add_argument("--hold", type=float, default=12)
    parser.add_argument("--no-caps", action="store_true")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)

    work = tempfile.mkdtemp(prefix="myelin-hostile-")
    subprocess.run([binary, "generate-keys", "--tls-cert", f"{work}/cert.pem", "--tls-key", f"{work}/key.pem"],
                   env={**os.environ, "MYELIN_DATA_DIR": work}, capture_output=True, check=True)
    port, tls_port = free_port(), free_port()
    env = {**os.environ, "MYELIN_DATA_DIR": work, "MYELIN_LISTEN__PORT": str(port),
           "MYELIN_TLS__ADDRESS": "127.0.0.1", "MYELIN_TLS__PORT": str(tls_port),
           "MYELIN_TLS__CERTIFICATE_PATH": f"{work}/cert.pem", "MYELIN_TLS__PRIVATE_KEY_PATH": f"{work}/key.pem",
           "MYELIN_REGISTRATION__MODE": "open", "MYELIN_LOG__LEVEL": "warning", "MYELIN_LOG__REQUESTS": "false",
           "MALLOC_ARENA_MAX": "2"}
    if args.no_caps:
        env["MYELIN_HTTP__MAX_CONNECTIONS_PER_ADDRESS"] = "0"
        env["MYELIN_HTTP__MAX_UNAUTHENTICATED_CONNECTIONS"] = "0"
    cgroup = Cgroup(args.cap_mib)
    preexec = None
    if cgroup.path:
        procs = f"{cgroup.path}/cgroup.procs"

        def preexec():
            with open(procs, "w") as f:
                f.write(str(os.getpid()))
    server = subprocess.Popen([binary, "serve"], env=env, stdin=subprocess.DEVNULL, preexec_fn=preexec)
    pid = server.pid
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(port)
        wait_up(tls_port, tls=True, cafile=f"{work}/cert.pem")
        user = register(base)
        time.sleep(1)
        print(f"cap {args.cap_mib} MiB, caps {'off' if args.no_caps else 'on'}; idle server: VmRSS {status(pid)['VmRSS']} KiB")

        def scenario(name, socks, refused):
            peak, answered, closed = hold(socks, pid, cgroup, args.hold)
            st = status(pid)
            print(f"{name}: {len(socks)} opened, {refused} not connected; peak VmRSS {peak} KiB "
                  f"(VmHWM {st['VmHWM']} KiB); within {args.hold:.0f} s the server answered {answered} "
                  f"and closed {closed}; {cgroup.figures()}")
            close_all(socks)
            time.sleep(35)  # past the 30 s trim
            print(f"  after they ended (and the idle trim): VmRSS {status(pid)['VmRSS']} KiB; alive: {server.poll() is None}")

        # 1. unauthenticated half-sent bodies under the unauthenticated limit, on a route with no rate limit
        #    (/login's rate limit would refuse most from the head), so the budget, caps and deadlines hold
        reset_peak(pid); cgroup.reset_peak()
        head = ("POST /_matrix/key/v2/query HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                "Content-Length: 60000\r\n\r\n")
        scenario(f"{args.conns} half-sent 60 KB key-query bodies", *open_half_sent(port, args.conns, head, 30000))

        # 1b. the same on /login (rate-limited per address: refused with 429 from the head)
        reset_peak(pid); cgroup.reset_peak()
        head = ("POST /_matrix/client/v3/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                "Content-Length: 60000\r\n\r\n")
        scenario(f"{args.conns} half-sent 60 KB login bodies", *open_half_sent(port, args.conns, head, 30000))

        # 2. the original attack: 0.95 MB declared, refused from the head
        reset_peak(pid); cgroup.reset_peak()
        head = ("POST /_matrix/client/v3/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                "Content-Length: 996147\r\n\r\n")
        scenario(f"{args.conns} half-sent 0.95 MB login bodies", *open_half_sent(port, args.conns, head, 65536))

        # 3. half-sent 40 MB uploads by one user
        reset_peak(pid); cgroup.reset_peak()
        head = ("POST /_matrix/media/v3/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                f"Authorization: Bearer {user['access_token']}\r\nContent-Length: 40000000\r\n\r\n")
        scenario(f"{args.uploads} half-sent 40 MB uploads", *open_half_sent(port, args.uploads, head, 20_000_000))

        # 4. TLS handshakes
        context = ssl.create_default_context(cafile=f"{work}/cert.pem")
        before = cpu_seconds(pid)
        started = time.time()
        for _ in range(args.handshakes):
            s = context.wrap_socket(socket.create_connection(("127.0.0.1", tls_port)), server_hostname="localhost")
            cipher = s.cipher()
            s.close()
        spent = cpu_seconds(pid) - before
        print(f"{args.handshakes} TLS handshakes ({cipher[1]} {cipher[0]}) in {time.time() - started:.1f} s: "
              f"server CPU {spent * 1000 / args.handshakes:.2f} ms per handshake")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        cgroup.remove()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
