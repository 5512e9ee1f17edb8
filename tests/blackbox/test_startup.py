# SPDX-License-Identifier: MIT
"""Before the command starts: a stop signal ends bosun at once, reads of
secret sources have a deadline, a hook leaves nothing behind, prompts on
the terminal, never sees loader variables from a secret source, and its
output limit is exact."""
import os
import signal
import subprocess
import time

import pytest

from conftest import (BOSUN, children_of, kill_tree, state_of as state,
                      wait_until)

BASE = {"PATH": os.environ["PATH"]}
VALUE = "s3cr3t-VALUE-7d1f"
NS = ["unshare", "--pid", "--fork", "--mount-proc"]


def hook(tmp_path, name, body):
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(0o755)
    return str(p)


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def leftover(pid, what="sleep 300"):
    """pid still exists, zombie or not, and is the process we started."""
    return os.path.exists(f"/proc/{pid}") and what in cmdline(pid)


def bosun_pid(proc, pid1):
    """bosun's pid as the host sees it (under unshare it is the child)."""
    if not pid1:
        return proc.pid
    return wait_until(lambda: (children_of(proc.pid) or [None])[0],
                      what="bosun under unshare")


STOPS = [("TERM", 15), ("INT", 2), ("QUIT", 3), ("HUP", 1)]


@pytest.mark.parametrize("name,num", STOPS)
def test_stop_signal_while_a_hook_runs_ends_bosun_at_once(tmp_path, mode,
                                                           name, num):
    started = tmp_path / "started"
    pids = tmp_path / "pids"
    # the hook leaves a daemon of its own (setsid) and then hangs
    h = hook(tmp_path, "slow", f"""
setsid sh -c 'echo $$ >> {pids}; exec sleep 300' </dev/null >/dev/null 2>&1 &
sleep 300 &
echo $! >> {pids}
echo $$ >> {pids}
touch {started}
wait
""")
    marker = tmp_path / "ran"
    err = tmp_path / "err"
    with open(err, "w") as ef:
        p = subprocess.Popen(
            (NS if mode else []) + [BOSUN, "--hook-timeout", "20s", "--hook",
                                    h, "touch", str(marker)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=ef,
            env=BASE)
        try:
            pid = bosun_pid(p, mode)
            wait_until(lambda: started.exists() and
                       len(pids.read_text().split()) == 3, what="the hook")
            t0 = time.monotonic()
            os.kill(pid, num)
            rc = p.wait(timeout=5)
            took = time.monotonic() - t0
        finally:
            if p.poll() is None:
                kill_tree(p.pid)
                p.wait()
    assert rc == 128 + num
    assert took < 1.5, f"took {took:.2f} s"
    assert not marker.exists(), "the command must not run"
    assert err.read_text() == \
        f"bosun: SIG{name} before the command started; exiting\n"
    if not mode:
        for q in pids.read_text().split():
            assert not leftover(int(q), "sleep"), f"{q} left: {cmdline(q)}"


def tracefs(tmp_path):
    """A regular file whose read blocks: trace_pipe with tracing off, in a
    tracefs mounted in a mount namespace of the test's own."""
    d = tmp_path / "tracefs"
    d.mkdir()
    r = subprocess.run(["unshare", "-m", "sh", "-c",
                        f"mount -t tracefs nodev {d} && test -f {d}/trace_pipe"],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount tracefs here: {r.stderr.decode().strip()}")
    return d


def stalled_read(tmp_path, pid1, args):
    d = tracefs(tmp_path)
    mount = f'mount -t tracefs nodev {d} && exec "$@"'
    pre = NS if pid1 else ["unshare", "-m"]
    return pre + ["sh", "-c", mount, "sh", BOSUN] + args


@pytest.mark.parametrize("source", ["secret", "env-file"])
def test_stop_signal_while_a_secret_read_stalls(tmp_path, mode, source):
    d = tmp_path / "tracefs"
    marker = tmp_path / "ran"
    arg = {"secret": ["-s", f"A={d}/trace_pipe"],
           "env-file": ["--env-file", f"{d}/trace_pipe"]}[source]
    argv = stalled_read(tmp_path, mode, arg + ["touch", str(marker)])
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=BASE)
    try:
        pid = bosun_pid(p, mode)
        # bosun (after sh's exec) asleep: the read is its only wait
        wait_until(lambda: BOSUN in cmdline(pid) and state(pid) == "S",
                   what="bosun blocked in the read")
        t0 = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        rc = p.wait(timeout=5)
        took = time.monotonic() - t0
        err = p.stderr.read().decode()
    finally:
        if p.poll() is None:
            kill_tree(p.pid)
            p.wait()
    assert rc == 143
    assert took < 1.5, f"took {took:.2f} s"
    assert err == "bosun: SIGTERM before the command started; exiting\n"
    assert not marker.exists()


def test_a_stalled_secret_read_has_a_deadline(tmp_path, mode):
    d = tmp_path / "tracefs"
    marker = tmp_path / "ran"
    argv = stalled_read(tmp_path, mode, [
        "--hook-timeout", "500ms", "-s", f"A={d}/trace_pipe", "touch",
        str(marker)])
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=BASE)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        kill_tree(p.pid)
        p.wait()
        pytest.fail("a stalled read was never given up")
    took = time.monotonic() - t0
    r = subprocess.CompletedProcess(argv, p.returncode, out, err)
    assert r.returncode == 125
    assert 0.5 <= took < 3, f"took {took:.2f} s"
    assert r.stderr.startswith(
        "bosun: cannot load secrets: reading took longer than 500 ms "
        "(--hook-timeout)"), r.stderr
    assert f"{d}/trace_pipe" in r.stderr
    assert not marker.exists()


LEAVE = """
setsid sh -c 'echo $$ >> {pids}; exec sleep 300' </dev/null >/dev/null 2>&1 &
sleep 300 </dev/null >/dev/null 2>&1 &
echo $! >> {pids}
wait_for() {{ while [ "$(wc -l < {pids})" -lt 2 ]; do sleep 0.01; done; }}
wait_for
"""


@pytest.mark.parametrize("end,code,what", [
    ("echo A=1; exit 1", 125, "exited with status 1"),
    ("echo A=1; exec sleep 300", 125, "timed out after 500 ms"),
    ("echo 'bad line'", 125, "invalid variable name"),
    ("echo A=1", 0, None),
])
def test_a_hook_leaves_nothing_behind(tmp_path, end, code, what):
    pids = tmp_path / "pids"
    pids.touch()
    h = hook(tmp_path, "h", LEAVE.format(pids=pids) + end + "\n")
    check = f'for p in $(cat {pids}); do kill -0 $p 2>/dev/null && ' \
            f'echo "alive $p"; done; echo checked'
    t0 = time.monotonic()
    r = subprocess.run([BOSUN, "--hook-timeout", "500ms", "--hook", h, "sh",
                        "-c", check], capture_output=True, text=True,
                       timeout=20, env=dict(BASE, SECRET=VALUE))
    assert r.returncode == code, r.stderr
    assert time.monotonic() - t0 < 5
    if what:
        assert what in r.stderr, r.stderr
        assert r.stdout == ""
    else:
        assert r.stdout == "checked\n", "a hook's process was left running"
        assert r.stderr == ""
    for q in pids.read_text().split():
        assert not leftover(int(q)), f"pid {q} left behind: {cmdline(q)}"


def test_a_hook_leaves_nothing_behind_as_pid1(tmp_path):
    pids = tmp_path / "pids"
    pids.touch()
    h = hook(tmp_path, "h", LEAVE.format(pids=pids) + "echo A=1\n")
    # the pids are the namespace's, so the command itself looks
    check = f'for p in $(cat {pids}); do kill -0 $p 2>/dev/null && ' \
            f'echo "alive $p"; done; echo checked'
    r = subprocess.run(NS + [BOSUN, "--hook", h, "sh", "-c", check],
                       capture_output=True, text=True, timeout=20, env=BASE)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "checked\n"
    assert r.stderr == ""


def test_a_hook_can_prompt_on_bosuns_terminal(tmp_path):
    from test_tty import Pty
    h = hook(tmp_path, "ask", "printf 'PIN? ' >&2\nread -r pin\n"
             "echo \"PIN=$pin\"\n")
    t = Pty([BOSUN, "--hook-timeout", "10s", "--hook", h, "sh", "-c",
             'echo "got=$PIN"; read -r line; echo "line=$line"'],
            env=dict(BASE, TERM="dumb"))
    try:
        t.expect("PIN? ")
        t.send("4711\n")
        t.expect("got=4711")
        # and the command has the terminal after the hook
        t.send("next\n")
        t.expect("line=next")
        assert t.wait() == 0
    finally:
        t.close()


def test_loader_variables_from_secret_sources_never_reach_a_hook(tmp_path):
    d = tmp_path / "secrets"
    d.mkdir()
    names = ("LD_BOSUN_TEST", "GCONV_PATH", "BASH_ENV", "PATH", "SHELLOPTS",
             "PYTHONWARNINGS", "JAVA_TOOL_OPTIONS", "LUA_INIT_5_4")
    for name in names + ("DB_PASSWORD",):
        (d / name).write_text(f"/volume/{name}\n")
    seen = tmp_path / "hook-env"
    h = hook(tmp_path, "h", f"/usr/bin/env > {seen}\n")
    r = subprocess.run([BOSUN, "--secrets-dir", str(d), "--hook", h,
                        "/usr/bin/env"],
                       capture_output=True, text=True, timeout=20,
                       env=dict(BASE, LD_BOSUN_OWN="1"))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    hook_env = seen.read_text().splitlines()
    cmd_env = r.stdout.splitlines()
    for name in names:
        assert f"{name}=/volume/{name}" not in hook_env, name
        assert f"{name}=/volume/{name}" in cmd_env, name
    # bosun's own value stands in for one from a secret source
    assert f"PATH={BASE['PATH']}" in hook_env
    assert not any(e.startswith("SHELLOPTS=") for e in hook_env)
    # a secret that loads nothing, and bosun's own variables, do reach it
    assert "DB_PASSWORD=/volume/DB_PASSWORD" in hook_env
    assert "LD_BOSUN_OWN=1" in hook_env and "LD_BOSUN_OWN=1" in cmd_env


@pytest.mark.parametrize("extra,ok", [(0, True), (1, False)])
def test_hook_output_limit_is_exact(tmp_path, extra, ok):
    line = "A=" + "x" * 1021 + "\n"          # 1,024 bytes
    out = tmp_path / "out"
    out.write_text(line * 4096 + "#" * extra)  # 4 MiB, or one byte more
    assert out.stat().st_size == (4 << 20) + extra
    h = hook(tmp_path, "big", f"cat {out}\n")
    r = subprocess.run([BOSUN, "--hook", h, "sh", "-c", 'echo "${#A}"'],
                       capture_output=True, text=True, timeout=30, env=BASE)
    if ok:
        assert r.returncode == 0, r.stderr
        assert r.stdout == "1021\n" and r.stderr == ""
    else:
        assert r.returncode == 125
        assert r.stderr == f"bosun: hook {h} printed more than 4 MiB\n"


def test_hook_timeout_message_names_the_limit(tmp_path):
    h = hook(tmp_path, "slow", "exec sleep 30\n")
    r = subprocess.run([BOSUN, "--hook-timeout", "300ms", "--hook", h, "true"],
                       capture_output=True, text=True, timeout=20, env=BASE)
    assert r.returncode == 125
    assert r.stderr == \
        f"bosun: hook {h} timed out after 300 ms (--hook-timeout)\n"


def test_a_stop_signal_as_a_hook_ends_is_never_lost(tmp_path, mode):
    """TERM while the hook exits and its leftovers are cleaned up: bosun
    still stops, and the command never starts."""
    started = tmp_path / "started"
    marker = tmp_path / "ran"
    h = hook(tmp_path, "h", "i=0; while [ $i -lt 200 ]; do sleep 300 & "
             f"i=$((i+1)); done\ntouch {started}\necho A=1\n")
    for attempt in range(3):
        started.unlink(missing_ok=True)
        p = subprocess.Popen((NS if mode else []) + [
            BOSUN, "--hook", h, "touch", str(marker)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, env=BASE)
        try:
            pid = bosun_pid(p, mode)
            wait_until(started.exists, what="the hook")
            os.kill(pid, signal.SIGTERM)
            _, err = p.communicate(timeout=10)
        finally:
            if p.poll() is None:
                kill_tree(p.pid)
                p.wait()
        assert (p.returncode, err) == (
            143, "bosun: SIGTERM before the command started; exiting\n"), \
            f"attempt {attempt}"
        assert not marker.exists(), f"attempt {attempt}: the command ran"


def gate(tmp_path):
    """A hook that waits for the test to open its gate."""
    started, go = tmp_path / "started", tmp_path / "go"
    return started, go, hook(tmp_path, "gate", f"touch {started}\n"
                             f"while [ ! -e {go} ]; do sleep 0.01; done\n"
                             "echo A=1\n")


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "-v"])
def test_signals_during_a_hook_do_not_reach_the_command_at_birth(
        tmp_path, mode, verbose):
    """A hook may take as long as --hook-timeout (a login to a secret
    manager): a USR1, PIPE, TSTP or an outside ALRM sent to bosun
    meanwhile would reach the command the instant it starts, before it
    can have a handler, and kill or stop it. They are dropped, as after a
    --wait; SIGCHLD from the hook is not reported."""
    started, go, h = gate(tmp_path)
    sent = [signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE, signal.SIGALRM,
            signal.SIGTSTP, signal.SIGWINCH]
    p = subprocess.Popen((NS if mode else []) + [BOSUN] +
                         (["-v"] if verbose else []) + [
        "--hook", h, "/usr/bin/python3", "-c",
        "import time; time.sleep(0.5); print('lived')"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=BASE)
    try:
        pid = bosun_pid(p, mode)
        wait_until(started.exists, what="the hook")
        for sig in sent:
            os.kill(pid, sig)
        go.touch()
        out, err = p.communicate(timeout=15)
    finally:
        if p.poll() is None:
            kill_tree(p.pid)
            p.wait()
    assert (p.returncode, out) == (0, "lived\n"), err
    if not verbose:
        assert err == "", err
        return
    for sig in sent:
        assert (f"dropping {signal.Signals(sig).name}: it came before the "
                "command started") in err, err
    assert "dropping SIGCHLD" not in err, err
    assert err.index("dropping") < err.index("started")


def test_an_alrm_from_outside_is_no_deadline(tmp_path, mode):
    d = tmp_path / "tracefs"
    argv = stalled_read(tmp_path, mode, [
        "--hook-timeout", "60s", "-s", f"A={d}/trace_pipe", "true"])
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, env=BASE)
    try:
        pid = bosun_pid(p, mode)
        wait_until(lambda: BOSUN in cmdline(pid) and state(pid) == "S",
                   what="bosun blocked in the read")
        os.kill(pid, signal.SIGALRM)
        os.kill(pid, signal.SIGTERM)
        _, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            kill_tree(p.pid)
            p.wait()
    assert p.returncode == 143, err
    assert err == "bosun: SIGTERM before the command started; exiting\n"


def test_an_inherited_ignored_stop_signal_stays_ignored(tmp_path):
    """Under nohup, SIGHUP during start-up is not a reason to stop."""
    started, go, h = gate(tmp_path)
    p = subprocess.Popen(
        [BOSUN, "--hook", h, "grep", "^SigIgn", "/proc/self/status"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=BASE,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    try:
        wait_until(started.exists, what="the hook")
        os.kill(p.pid, signal.SIGHUP)
        go.touch()
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            kill_tree(p.pid)
            p.wait()
    assert p.returncode == 0, err
    assert err == ""
    assert int(out.split()[1], 16) & (1 << (signal.SIGHUP - 1)), out


def test_ctrl_c_at_a_hooks_prompt_stops_bosun(tmp_path):
    from test_tty import Pty
    marker = tmp_path / "ran"
    h = hook(tmp_path, "ask", "printf 'PIN? ' >&2\nread -r pin\n"
             "echo \"PIN=$pin\"\n")
    t = Pty([BOSUN, "--hook", h, "touch", str(marker)],
            env=dict(BASE, TERM="dumb"))
    try:
        t.expect("PIN? ")
        t.send("\x03")
        t.expect("SIGINT before the command started")
        assert t.wait() == 130
    finally:
        t.close()
    assert not marker.exists()


def test_hook_clean_up_never_trusts_a_foreign_proc(tmp_path):
    """bosun in a pid namespace that kept the parent's /proc: pid 2 there
    is kthreadd on the host. Its hook's leftovers are still killed, and a
    bystander next to bosun is not, with no stall."""
    h = hook(tmp_path, "h", "setsid sleep 300 </dev/null >/dev/null 2>&1 &\n"
             "echo A=1\n")
    script = f"""
sh -c 'sleep 0.2; exec {BOSUN} --hook {h} sh -c "echo ran"' &
b=$!
sleep 1000 & y=$!
wait $b; echo "rc=$?"
if kill -0 $y 2>/dev/null; then echo bystander alive; kill $y; fi
"""
    t0 = time.monotonic()
    r = subprocess.run(["unshare", "--pid", "--fork", "sh", "-c", script],
                       capture_output=True, text=True, timeout=30, env=BASE)
    took = time.monotonic() - t0
    assert r.stdout == "ran\nrc=0\nbystander alive\n", r.stderr
    assert took < 3, f"took {took:.1f} s"
