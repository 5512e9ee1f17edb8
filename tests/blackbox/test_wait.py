# SPDX-License-Identifier: MIT
"""--wait TARGET and --probe TARGET: the command starts only once every
target is ready, a target that never is ends bosun with 125 before the
command runs, a stop signal during the wait ends bosun at once; --probe
checks one target once and says 0 or 1, within its timeout. Servers are
threads of this process; names are resolved from a bind-mounted
/etc/hosts or /etc/resolv.conf in a private mount namespace."""
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import BOSUN, children_of, wait_until

BASE = {"PATH": os.environ["PATH"]}
NS = ["unshare", "--pid", "--fork", "--mount-proc"]
# prints the monotonic clock (system-wide) when the command starts
STAMP = [sys.executable, "-c", "import time; print(time.monotonic())"]


def closed_port():
    """A port nobody listens on, held (bound, not listening) so that no
    one else takes it: connecting is refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


class Server:
    """A TCP listener in a thread; handler(conn, n) answers connection n
    (None: accept and never answer)."""

    def __init__(self, handler=None, delay=0.0, family=socket.AF_INET,
                 addr=("127.0.0.1", 0)):
        self.sock = socket.socket(family)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(addr)
        self.addr = self.sock.getsockname()
        self.port = self.addr[1] if family != socket.AF_UNIX else None
        self.handler = handler
        self.count = 0
        self.conns = []
        self.listening_at = None
        self.stop = threading.Event()
        self.delay = delay
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        if self.stop.wait(self.delay):
            return
        self.sock.listen(16)
        self.listening_at = time.monotonic()
        self.sock.settimeout(0.05)
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.count += 1
            self.conns.append(c)
            if self.handler:
                try:
                    self.handler(c, self.count)
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()
        for c in self.conns:
            c.close()


def http_answer(status_for):
    """A handler that reads the request head and answers with the status
    status_for(n) for the n-th connection."""
    def handler(c, n):
        c.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                return
            data += chunk
        handler.requests.append(data)
        st = status_for(n)
        c.sendall(f"HTTP/1.1 {st} X\r\nContent-Length: 0\r\n\r\n".encode())
        c.close()
    handler.requests = []
    return handler


def raw_answer(payload):
    """Reads the request head (closing with unread data would reset the
    connection), answers payload and closes."""
    def handler(c, n):
        c.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        c.sendall(payload)
        c.close()
    return handler


@pytest.fixture
def servers():
    made = []

    def make(*a, **kw):
        s = Server(*a, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


def start(args, mode, **kw):
    return subprocess.Popen((NS if mode else []) + [BOSUN] + args,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=BASE, **kw)


def finish(p, timeout=30):
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def run(args, mode=False, timeout=30):
    t0 = time.monotonic()
    rc, out, err = finish(start(args, mode), timeout)
    return rc, out, err, time.monotonic() - t0


# --wait


def test_wait_starts_the_command_once_a_late_listener_appears(servers, mode):
    srv = servers(delay=1.0)
    t0 = time.monotonic()
    rc, out, err, took = run(["--wait", f"tcp://127.0.0.1:{srv.port}", "--"]
                             + STAMP, mode)
    assert (rc, err) == (0, "")
    started = float(out)
    assert srv.listening_at is not None
    assert srv.listening_at - 0.05 <= started, "ran before the listener"
    # the backoff is capped at 1 s; 3 s is the margin of a loaded machine
    assert started <= srv.listening_at + 3.0
    assert started - t0 >= 0.95


def test_wait_timeout_exits_125_and_the_command_never_runs(tmp_path, mode):
    hold, port = closed_port()
    marker = tmp_path / "ran"
    with hold:
        rc, out, err, took = run(["--wait", f"tcp://127.0.0.1:{port}",
                                  "--wait-timeout", "1s", "touch",
                                  str(marker)], mode)
    assert rc == 125
    assert out == ""
    assert not marker.exists()
    assert 0.95 <= took <= 4.0
    assert err == (f"bosun: not ready after 1000 ms (--wait-timeout): "
                   f"tcp://127.0.0.1:{port} (Connection refused)\n")


def test_wait_names_only_the_targets_that_are_not_ready(tmp_path, servers):
    hold, port = closed_port()
    srv = servers()
    missing = tmp_path / "missing"
    with hold:
        rc, out, err, _ = run(["--wait", f"tcp://127.0.0.1:{srv.port}",
                               "--wait", f"tcp://127.0.0.1:{port}",
                               "--wait", f"file:{missing}",
                               "--wait-timeout", "500ms", "true"])
    assert rc == 125
    assert err == (f"bosun: not ready after 500 ms (--wait-timeout): "
                   f"tcp://127.0.0.1:{port} (Connection refused), "
                   f"file:{missing} (No such file or directory)\n")


def test_wait_targets_are_tried_in_parallel(tmp_path):
    """Three targets that never become ready take one timeout, not three."""
    holds = [closed_port() for _ in range(3)]
    args = []
    for _, port in holds:
        args += ["--wait", f"tcp://127.0.0.1:{port}"]
    rc, _, err, took = run(args + ["--wait-timeout", "1s", "true"])
    for h, _ in holds:
        h.close()
    assert rc == 125
    assert 0.95 <= took <= 2.5
    assert err.count("Connection refused") == 3


def test_wait_progress_at_verbose(servers):
    srv = servers(delay=1.5)
    rc, out, err, _ = run(["-v", "--wait", f"tcp://127.0.0.1:{srv.port}",
                           "true"])
    assert rc == 0
    lines = err.splitlines()
    target = f"tcp://127.0.0.1:{srv.port}"
    assert lines[0] == (f"bosun: waiting for {target} (0 s): "
                        "Connection refused")
    ready = [i for i, line in enumerate(lines)
             if line.startswith(f"bosun: {target} is ready after ")]
    started = [i for i, line in enumerate(lines)
               if line.startswith("bosun: started true as pid ")]
    assert len(ready) == 1 and len(started) == 1
    assert ready[0] < started[0]


def test_wait_from_the_environment_comma_separated(tmp_path, servers):
    srv = servers()
    f = tmp_path / "flag"
    f.write_text("")
    p = subprocess.run([BOSUN, "true"], capture_output=True, text=True,
                       env=dict(BASE, BOSUN_WAIT=f"tcp://127.0.0.1:"
                                f"{srv.port},file:{f}"), timeout=30)
    assert (p.returncode, p.stderr) == (0, "")
    hold, port = closed_port()
    with hold:
        p = subprocess.run([BOSUN, "true"], capture_output=True, text=True,
                           env=dict(BASE, BOSUN_WAIT=f"file:{f},tcp://"
                                    f"127.0.0.1:{port}",
                                    BOSUN_WAIT_TIMEOUT="300ms"), timeout=30)
    assert p.returncode == 125
    assert f"tcp://127.0.0.1:{port} (Connection refused)" in p.stderr
    assert f"file:{f}" not in p.stderr


@pytest.mark.parametrize("name,num", [("TERM", 15), ("INT", 2)])
def test_stop_signal_during_the_wait_ends_bosun_at_once(tmp_path, mode, name,
                                                        num):
    hold, port = closed_port()
    marker = tmp_path / "ran"
    with hold:
        p = start(["-v", "--wait", f"tcp://127.0.0.1:{port}", "touch",
                   str(marker)], mode)
        pid = p.pid
        if mode:
            pid = wait_until(lambda: (children_of(p.pid) or [None])[0],
                             what="bosun under unshare")
        # the first progress line says the wait has begun
        first = p.stderr.readline()
        assert first.startswith("bosun: waiting for tcp://")
        t0 = time.monotonic()
        os.kill(pid, num)
        rc, out, err = finish(p, 10)
        took = time.monotonic() - t0
    assert rc == 128 + num
    assert took < 1.5
    assert err == f"bosun: SIG{name} before the command started; exiting\n"
    assert not marker.exists()


@pytest.mark.parametrize("args,msg", [
    (["--secret", "A=/nonexistent/secret"], "/nonexistent/secret"),
    (["--user", "no-such-user-here"], "no-such-user-here"),
])
def test_secrets_and_the_user_come_before_the_wait(tmp_path, args, msg):
    """A secret or user that fails ends bosun at once, not after the
    wait's timeout: the wait is the last step before the command."""
    hold, port = closed_port()
    with hold:
        rc, out, err, took = run(args + ["-v", "--wait",
                                         f"tcp://127.0.0.1:{port}",
                                         "--wait-timeout", "20s", "true"])
    assert rc == 125
    assert took < 5
    assert msg in err
    assert "waiting for" not in err


def test_wait_for_a_unix_socket_and_a_file(tmp_path, servers):
    path = str(tmp_path / "sock")
    flag = tmp_path / "flag"
    srv = servers(delay=0.5, family=socket.AF_UNIX, addr=path)
    threading.Timer(0.7, flag.write_text, [""]).start()
    t0 = time.monotonic()
    rc, out, err, _ = run(["--wait", f"unix:{path}", "--wait",
                           f"file:{flag}", "--"] + STAMP)
    assert (rc, err) == (0, "")
    assert float(out) >= t0 + 0.65
    assert srv.count >= 1


def test_wait_unix_socket_nobody_listens_on(tmp_path):
    path = str(tmp_path / "sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)  # exists, but refuses connections
    with s:
        rc, _, err, _ = run(["--wait", f"unix:{path}", "--wait-timeout",
                             "300ms", "true"])
    assert rc == 125
    assert err.endswith(f": unix:{path} (Connection refused)\n")


def test_wait_http_until_2xx(servers):
    h = http_answer(lambda n: 503 if n < 3 else 204)
    srv = servers(h)
    rc, out, err, _ = run(["--wait", f"http://127.0.0.1:{srv.port}/ready?x=1",
                           "true"])
    assert (rc, err) == (0, "")
    assert srv.count == 3
    req = h.requests[0].decode()
    assert req.startswith("GET /ready?x=1 HTTP/1.1\r\n")
    assert f"\r\nHost: 127.0.0.1:{srv.port}\r\n" in req
    assert "\r\nConnection: close\r\n" in req


def test_wait_http_that_never_answers_2xx(servers):
    srv = servers(http_answer(lambda n: 500))
    rc, _, err, _ = run(["--wait", f"http://127.0.0.1:{srv.port}/",
                         "--wait-timeout", "1s", "true"])
    assert rc == 125
    assert err.endswith(f"http://127.0.0.1:{srv.port}/ (answered 500)\n")


# usage


@pytest.mark.parametrize("args,msg", [
    (["--wait", "https://example.com/"], "https is out of scope"),
    (["--wait", "tcp://db"], "expected tcp://HOST:PORT"),
    (["--wait", "tcp://db:0"], "bad port"),
    (["--wait", "tcp://db:65536"], "bad port"),
    (["--wait", "udp://db:53"], "unknown kind of target"),
    (["--wait", "unix:relative"], "absolute path"),
    (["--wait", "tcp://[::1:80"], "expected tcp://HOST:PORT"),
    (["--wait-timeout", "0", "--wait", "file:/x"], "more than 0 ms"),
    (["--probe", "tcp://127.0.0.1:1", "true"], "--probe starts no command"),
    (["--probe-timeout", "soon", "--probe", "file:/"], "bad duration"),
])
def test_bad_targets_are_usage_errors(args, msg):
    rc, out, err, _ = run(args + (["true"] if "--wait" in args else []))
    assert rc == 125
    assert out == ""
    assert msg in err
    assert err.count("\n") == 1


# --probe


def test_probe_a_listening_and_a_closed_port(servers):
    srv = servers()
    rc, out, err, _ = run(["--probe", f"tcp://127.0.0.1:{srv.port}"])
    assert (rc, out, err) == (0, "", "")
    hold, port = closed_port()
    with hold:
        rc, out, err, _ = run(["--probe", f"tcp://127.0.0.1:{port}"])
    assert (rc, out) == (1, "")
    assert err == (f"bosun: tcp://127.0.0.1:{port} is not ready: "
                   "Connection refused\n")


def test_probe_http_200_and_500(servers):
    ok = servers(http_answer(lambda n: 200))
    bad = servers(http_answer(lambda n: 500))
    rc, out, err, _ = run(["--probe", f"http://127.0.0.1:{ok.port}/health"])
    assert (rc, out, err) == (0, "", "")
    rc, out, err, _ = run(["--probe", f"http://127.0.0.1:{bad.port}/health"])
    assert (rc, out) == (1, "")
    assert err == (f"bosun: http://127.0.0.1:{bad.port}/health is not "
                   "ready: answered 500\n")


def test_probe_a_server_that_never_answers_is_bounded(servers):
    srv = servers()  # accepts, never says a word
    rc, out, err, took = run(["--probe", f"http://127.0.0.1:{srv.port}/",
                              "--probe-timeout", "1s"])
    assert rc == 1
    assert 0.95 <= took <= 3.0
    assert err == (f"bosun: http://127.0.0.1:{srv.port}/ is not ready: "
                   "no answer within 1000 ms (--probe-timeout)\n")


@pytest.mark.parametrize("payload,why", [
    (b"SSH-2.0-OpenSSH_9.2\r\n", "not an HTTP response"),
    (b"HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP response"),
    (b"HTTP/1.1 200", "closed before the status line"),
    (b"", "closed before the status line"),
    (b"HTTP/1.1 200 " + b"x" * 10000, "not an HTTP response"),
    (b"\x00\xff" * 100, "not an HTTP response"),
], ids=["ssh", "four-digit-status", "truncated", "empty", "endless-line",
        "binary"])
def test_probe_garbage_answers_are_unhealthy(servers, payload, why):
    srv = servers(raw_answer(payload))
    rc, out, err, _ = run(["--probe", f"http://127.0.0.1:{srv.port}/"])
    assert (rc, out) == (1, "")
    assert err == f"bosun: http://127.0.0.1:{srv.port}/ is not ready: {why}\n"


def test_probe_ipv6_literal(servers):
    try:
        srv = servers(family=socket.AF_INET6, addr=("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    rc, out, err, _ = run(["--probe", f"tcp://[::1]:{srv.port}"])
    assert (rc, out, err) == (0, "", "")


def test_probe_says_one_line_even_when_verbose_is_inherited():
    """A HEALTHCHECK inherits the container's BOSUN_VERBOSE."""
    hold, port = closed_port()
    with hold:
        p = subprocess.run([BOSUN, "--probe", f"tcp://127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=30,
                           env=dict(BASE, BOSUN_VERBOSE="2"))
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr == (f"bosun: tcp://127.0.0.1:{port} is not ready: "
                        "Connection refused\n")


def test_probe_touches_no_secret_and_starts_nothing(servers):
    srv = servers()
    p = subprocess.run([BOSUN, "--probe", f"tcp://127.0.0.1:{srv.port}"],
                       capture_output=True, text=True, timeout=30,
                       env=dict(BASE, BOSUN_SECRETS="A=/nonexistent/secret",
                                BOSUN_USER="nobody-such-user"))
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")


def test_probe_file_and_unix(tmp_path, servers):
    path = str(tmp_path / "s")
    servers(family=socket.AF_UNIX, addr=path)
    wait_until(lambda: run(["--probe", f"unix:{path}"])[0] == 0,
               what="the unix listener")
    rc, _, err, _ = run(["--probe", f"file:{tmp_path}/none"])
    assert rc == 1
    assert err == (f"bosun: file:{tmp_path}/none is not ready: "
                   "No such file or directory\n")
    assert run(["--probe", f"file:{tmp_path}"])[0] == 0


# names: /etc/hosts and DNS, in a private mount namespace


def dns_server(addr, answer_ip):
    """A UDP DNS server on addr:53 in a thread: answers A queries with
    answer_ip, AAAA with no record; never answers when answer_ip is None.
    Returns (stop, queries)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    s.settimeout(0.05)
    stop = threading.Event()
    queries = []

    def loop():
        while not stop.is_set():
            try:
                data, peer = s.recvfrom(4096)
            except socket.timeout:
                continue
            queries.append(data)
            if answer_ip is None or len(data) < 12:
                continue
            i = 12
            while i < len(data) and data[i]:
                i += data[i] + 1
            qend = i + 5
            qtype = int.from_bytes(data[i + 1:i + 3], "big")
            an = b""
            if qtype == 1:
                an = (b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" +
                      socket.inet_aton(answer_ip))
            head = (data[:2] + b"\x81\x80\x00\x01" +
                    (1 if an else 0).to_bytes(2, "big") + b"\x00\x00\x00\x00")
            s.sendto(head + data[12:qend] + an, peer)
        s.close()
    threading.Thread(target=loop, daemon=True).start()
    return stop, queries


def in_private_etc(tmp_path, args, resolv=None, hosts=None, timeout=30):
    """bosun in a mount namespace of its own, with these files bound over
    /etc/resolv.conf and /etc/hosts."""
    binds = ""
    for name, text in (("resolv.conf", resolv), ("hosts", hosts)):
        if text is not None:
            f = tmp_path / name
            f.write_text(text)
            binds += f"mount --bind {f} /etc/{name} && "
    script = binds + 'exec "$@"'
    t0 = time.monotonic()
    p = subprocess.run(["unshare", "--mount", "--propagation", "private",
                        "sh", "-c", script, "sh", BOSUN] + args,
                       capture_output=True, text=True, timeout=timeout,
                       env=BASE)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def loopback():
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}." \
           f"{random.randint(2, 254)}"


@pytest.fixture
def dns():
    stops = []

    def make(answer_ip):
        addr = loopback()
        stop, queries = dns_server(addr, answer_ip)
        stops.append(stop)
        return addr, queries
    yield make
    for s in stops:
        s.set()


def bosun_processes(token):
    """Processes running bosun with token on their command line."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if token.encode() in cmd and b"unshare" not in cmd and \
                b"sh\0-c" not in cmd:
            found.append(int(d))
    return found


def test_name_from_etc_hosts(tmp_path, servers):
    srv = servers()
    rc, out, err, _ = in_private_etc(
        tmp_path, ["--probe", f"tcp://bosun-db-alias:{srv.port}"],
        hosts="127.0.0.1 localhost\n127.0.0.1 bosun-db-alias\n")
    assert (rc, out, err) == (0, "", "")


def test_name_from_dns(tmp_path, servers, dns):
    srv = servers()
    ns, queries = dns("127.0.0.1")
    name = f"db{random.randint(0, 99999)}.bosun-test"
    rc, out, err, _ = in_private_etc(
        tmp_path, ["--probe", f"tcp://{name}:{srv.port}"],
        resolv=f"nameserver {ns}\n", hosts="127.0.0.1 localhost\n")
    assert (rc, out, err) == (0, "", "")
    assert queries and name.encode().split(b".")[0] in queries[0]
    rc, out, err, _ = in_private_etc(
        tmp_path, ["--wait", f"tcp://{name}:{srv.port}", "--"] + STAMP,
        resolv=f"nameserver {ns}\n", hosts="127.0.0.1 localhost\n")
    assert (rc, err) == (0, "")


def test_dns_that_never_answers_is_bounded_by_the_timeouts(tmp_path, dns):
    ns, queries = dns(None)
    token = f"hang{random.randint(0, 99999)}.bosun-test"
    rc, out, err, took = in_private_etc(
        tmp_path, ["--probe", f"tcp://{token}:80", "--probe-timeout", "1s"],
        resolv=f"nameserver {ns}\n", hosts="127.0.0.1 localhost\n")
    assert queries, "the resolver asked the server"
    assert rc == 1
    assert 0.95 <= took <= 3.0
    assert err == (f"bosun: tcp://{token}:80 is not ready: no answer within "
                   "1000 ms (--probe-timeout)\n")
    rc, out, err, took = in_private_etc(
        tmp_path, ["--wait", f"tcp://{token}:80", "--wait-timeout", "1500ms",
                   "true"],
        resolv=f"nameserver {ns}\n", hosts="127.0.0.1 localhost\n")
    assert rc == 125
    assert 1.45 <= took <= 4.0
    assert err == (f"bosun: not ready after 1500 ms (--wait-timeout): "
                   f"tcp://{token}:80 (resolving the name)\n")
    # the resolver bosun started is gone with it
    wait_until(lambda: not bosun_processes(token), timeout=3,
               what="no resolver left")


def test_dns_hang_then_stop_signal_leaves_nothing(tmp_path, dns):
    ns, queries = dns(None)
    token = f"stop{random.randint(0, 99999)}.bosun-test"
    (tmp_path / "resolv.conf").write_text(f"nameserver {ns}\n")
    p = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         f"mount --bind {tmp_path}/resolv.conf /etc/resolv.conf && "
         'exec "$@"', "sh", BOSUN, "--wait", f"tcp://{token}:80", "true"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=BASE)
    wait_until(lambda: queries, what="a DNS query")
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    rc, out, err = finish(p, 10)
    assert time.monotonic() - t0 < 1.5
    assert rc == 143
    assert err == "bosun: SIGTERM before the command started; exiting\n"
    wait_until(lambda: not bosun_processes(token), timeout=3,
               what="no resolver left")


def test_a_query_token_is_never_repeated(servers):
    """A health URL often carries a token in its query: the request sends
    it, but no message repeats it (the container's log, docker inspect's
    health log)."""
    bad = servers(http_answer(lambda n: 500))
    url = f"http://127.0.0.1:{bad.port}/health?token=T0KEN-9f2"
    rc, out, err, _ = run(["--probe", url])
    assert (rc, out) == (1, "")
    assert err == (f"bosun: http://127.0.0.1:{bad.port}/health?... is not "
                   "ready: answered 500\n")
    rc, out, err, _ = run(["-v", "--wait", url, "--wait-timeout", "300ms",
                           "true"])
    assert rc == 125
    assert f"http://127.0.0.1:{bad.port}/health?..." in err
    assert "T0KEN" not in err
    assert bad.count >= 2
