# SPDX-License-Identifier: MIT
"""--on-change restart with --hook/--hooks-dir: every source is read again
in a child process of its own, a subreaper, while the command runs. The
hook runs again; what it leaves is killed without touching the command's
processes; the supervisor keeps forwarding and reaping meanwhile; a stop
during the reading ends everything at once."""
import atexit
import os
import pathlib
import shutil
import signal
import tempfile
import time
import zlib

import pytest

from conftest import SIGECHO, alive, children_of, ppid_of, wait_until

VALUE = "h00k-SECRET-5e2a"  # never to appear in bosun's output
BASE = {"PATH": os.environ["PATH"]}
SETTLE = "200ms"

# A hook that counts its runs, leaves a daemon of its own session behind
# (the marker `sleep 7777.N`, N this test's own: other tests may run at
# the same time), and prints H from the file val: "bad" makes
# it print a malformed line, "slow" makes it sleep first, "deaf" makes it
# sleep ignoring SIGTERM (the marker `sleep 30.N`), "hold" makes it wait
# for the file release. Markers are looked for on the whole machine
# (test_faults leaves a `sleep 30` on purpose).
HOOK = """#!/bin/sh
d=$(dirname "$0")
echo run >> "$d/runs"
setsid sleep DAEMON </dev/null >/dev/null 2>&1 &
v=$(cat "$d/val")
case "$v" in
bad) echo "NOT OK=$v"; exit 0 ;;
slow*) sleep 2; : > "$d/slow-done" ;;
deaf*) trap '' TERM; sleep SLOW ;;
hold*) while [ ! -e "$d/release" ]; do sleep 0.05; done ;;
esac
echo "H=$v"
"""

# prints what it got, starts a worker of its own (`sleep 1000`), waits
SHOW = ["sh", "-c", 'echo "start H=$H"; sleep 1000 & wait']


def marks(d):
    """The hook's daemon and its slow sleep, as their argv show them."""
    n = f"{zlib.crc32(str(d).encode()) % 1000000:06d}"
    return ["sleep", f"7777.{n}"], ["sleep", f"30.{n}"]


def make_hook(tmp_path, val):
    d = tmp_path / "hookdir"
    d.mkdir()
    hook = d / "hook"
    daemon, slow = marks(d)
    hook.write_text(HOOK.replace("DAEMON", daemon[1])
                    .replace("SLOW", slow[1]))
    hook.chmod(0o755)
    (d / "val").write_text(val)
    return d, str(hook)


def set_val(d, val):
    tmp = d / "val.tmp"
    tmp.write_text(val)
    os.rename(tmp, d / "val")


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[:-1]
    except OSError:
        return []


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        for c in children_of(todo.pop()):
            out.append(c)
            todo.append(c)
    return out


def marked(pid, argv):
    """bosun's living descendants running exactly argv."""
    want = [a.encode() for a in argv]
    return [p for p in descendants(pid) if cmdline(p) == want and alive(p)]


def all_marked(argv):
    """Every living process on the machine running exactly argv."""
    want = [a.encode() for a in argv]
    return [int(p) for p in os.listdir("/proc")
            if p.isdigit() and cmdline(p) == want and alive(int(p))]


def starts(b):
    return [ln for ln in b.stdout().splitlines() if ln.startswith("start ")]


def wait_starts(b, n, timeout=10):
    try:
        return wait_until(lambda: len(starts(b)) >= n and starts(b), timeout)
    except AssertionError:
        raise AssertionError(f"{n} starts? {b.stdout()[-300:]!r}, "
                             f"{b.stderr()[-500:]!r}") from None


def runs(d):
    try:
        return (d / "runs").read_text().count("run")
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("how", ["--hook", "--hooks-dir"])
def test_a_restart_runs_the_hook_again_with_its_new_value(bosun, tmp_path,
                                                          mode, how):
    d, hook = make_hook(tmp_path, VALUE + "-1")
    src = [how, hook if how == "--hook" else str(d)]
    b = bosun("-v", *src, "--watch", str(d / "val"), "--on-change",
              "restart", "--watch-settle", SETTLE, *SHOW, pid1=mode,
              env=BASE)
    got = wait_starts(b, 1)
    assert got == [f"start H={VALUE}-1"], got
    first = b.command_pid()
    set_val(d, VALUE + "-2")
    got = wait_starts(b, 2)
    assert got[1] == f"start H={VALUE}-2", got
    second = b.command_pid()
    assert second != first
    assert runs(d) == 2
    # the new command inherits nothing of the reading: no memfd, and
    # bosun holds none once it started it
    for pid in (second, b.pid):
        fds = [os.readlink(f"/proc/{pid}/fd/{fd}")
               for fd in os.listdir(f"/proc/{pid}/fd")]
        assert not [f for f in fds if "memfd" in f], (pid, fds)
    # the hook's daemon is gone both times, and nothing is left but the
    # new command and its worker
    wait_until(lambda: not marked(b.pid, marks(d)[0]), 5,
               "the hook's leftover gone")
    err = b.stderr()
    assert "changed" in err and "restarting" in err, err
    assert VALUE not in err, err
    b.kill(signal.SIGTERM)
    assert b.wait() == 128 + signal.SIGTERM
    assert VALUE not in b.stderr()


@pytest.mark.parametrize("kind", ["bad line", "timed out", "exit 3"])
def test_a_failed_hook_keeps_the_command_and_its_processes(bosun, tmp_path,
                                                           mode, kind):
    """The hook's leftovers are killed; the command and the worker it
    started are not touched: they are no hook's descendants."""
    d, hook = make_hook(tmp_path, VALUE + "-1")
    b = bosun("-w", "--hook", hook, "--hook-timeout", "1s", "--watch",
              str(d / "val"), "--on-change", "restart", "--watch-settle",
              SETTLE, *SHOW, pid1=mode, env=BASE)
    wait_starts(b, 1)
    cmd = b.command_pid()
    worker = wait_until(lambda: children_of(cmd), what="the worker")[0]
    if kind == "bad line":
        set_val(d, "bad")
        what = f"hook {hook}:1: invalid variable name"
    elif kind == "timed out":
        set_val(d, "deaf")
        what = f"hook {hook} timed out after 1000 ms (--hook-timeout)"
    else:
        orig = (d / "hook").read_text()
        (d / "hook").write_text("#!/bin/sh\necho run >> \"$(dirname "
                                "\"$0\")/runs\"\nexit 3\n")
        set_val(d, "x")
        what = f"hook {hook} exited with status 3"
    wait_until(lambda: "keeping" in b.stderr(), 10, "the failure logged")
    # then only the command and its worker are left: the reading process,
    # the hook and its daemon are gone
    wait_until(lambda: sorted(descendants(b.pid)) == sorted([cmd, worker]),
               5, "only the command and its worker")
    err = b.stderr()
    assert what in err and "keeping the running command" in err, err
    assert runs(d) == 2
    assert alive(cmd) and alive(worker)
    assert b.command_pid() == cmd
    # the reading process is bosun's own business: no -w warning for it
    assert "reaped" not in err, err
    assert VALUE not in err
    assert len(starts(b)) == 1
    # a good update later restarts it
    if kind == "exit 3":
        (d / "hook").write_text(orig)
    set_val(d, VALUE + "-3")
    got = wait_starts(b, 2)
    assert got[1] == f"start H={VALUE}-3", got
    assert VALUE not in b.stderr()


def test_signals_are_forwarded_while_a_hook_reads_again(bosun, tmp_path,
                                                        mode):
    """The reading runs beside the supervisor, not in it: a signal sent
    while the hook takes 2 s reaches the command at once."""
    d, hook = make_hook(tmp_path, "v1")
    b = bosun("--hook", hook, "--watch", str(d / "val"), "--on-change",
              "restart", "--watch-settle", SETTLE, "sh", "-c",
              f'echo "start H=$H"; exec {SIGECHO} -x 15', pid1=mode,
              env=BASE)
    wait_starts(b, 1)
    b.wait_output("ready")
    set_val(d, "slow-v2")
    wait_until(lambda: runs(d) == 2, 5, "the hook's second run")
    t0 = time.monotonic()
    b.kill(signal.SIGUSR1)
    b.wait_output(f"{int(signal.SIGUSR1)} 0 from", timeout=5)
    took = time.monotonic() - t0
    assert took < 1.5, took
    assert not (d / "slow-done").exists(), "the signal waited for the hook"
    got = wait_starts(b, 2)
    assert got[1] == "start H=slow-v2", got
    assert b.stderr() == ""


def test_a_stop_while_a_hook_reads_again_ends_everything(bosun, tmp_path,
                                                         mode):
    """SIGTERM while the hook runs (and ignores SIGTERM): bosun ends with
    the command's status, within the grace, starts nothing again and
    leaves nothing running."""
    d, hook = make_hook(tmp_path, "v1")
    b = bosun("--hook", hook, "--hook-timeout", "60s", "--grace", "1s",
              "--watch", str(d / "val"), "--on-change", "restart",
              "--watch-settle", SETTLE, *SHOW, pid1=mode, env=BASE)
    wait_starts(b, 1)
    set_val(d, "deaf-v2")
    wait_until(lambda: marked(b.pid, marks(d)[1]), 5, "the slow hook")
    t0 = time.monotonic()
    b.kill(signal.SIGTERM)
    status = b.wait()
    took = time.monotonic() - t0
    # sh waiting for its worker dies of SIGTERM
    assert status == 128 + signal.SIGTERM, b.stderr()
    assert took < 4, took
    assert len(starts(b)) == 1
    assert not all_marked(marks(d)[0])
    assert not all_marked(marks(d)[1])
    assert "H=" not in b.stderr()


def test_a_command_that_exits_while_a_hook_reads_again_ends_bosun(
        bosun, tmp_path, mode):
    """The command exits by itself (status 3) while the hook of a restart
    still runs: that is its end, not a restart. bosun exits 3 at once,
    the hook and its daemon are stopped, nothing starts again."""
    d, hook = make_hook(tmp_path, "v1")
    cmd = ["sh", "-c", 'echo "start H=$H"; while [ ! -e "$0/exit" ]; do '
           'sleep 0.05; done; exit 3', str(d)]
    b = bosun("--hook", hook, "--grace", "1s", "--watch", str(d / "val"),
              "--on-change", "restart", "--watch-settle", SETTLE, *cmd,
              pid1=mode, env=BASE)
    wait_starts(b, 1)
    set_val(d, "hold-v2")
    wait_until(lambda: runs(d) == 2, 5, "the hook's second run")
    t0 = time.monotonic()
    (d / "exit").touch()
    assert b.wait() == 3, b.stderr()
    took = time.monotonic() - t0
    assert took < 4, took
    assert len(starts(b)) == 1, b.stdout()
    assert not all_marked(marks(d)[0])
    assert "restarting" not in b.stderr()
    assert "H=" not in b.stderr()


def test_a_restart_with_a_hook_as_a_non_root_user(bosun, tmp_path):
    """bosun itself runs as nobody, not PID 1, next to the test's other
    processes: the reader becomes a subreaper and passes the memfd all
    the same, and the hook's daemon is gone."""
    # pytest's tmp_path is under a directory only root may enter
    top = tempfile.mkdtemp(prefix="bosun-rhook-")
    os.chmod(top, 0o755)
    atexit.register(shutil.rmtree, top, True)
    d, hook = make_hook(pathlib.Path(top), VALUE + "-1")
    os.chown(d, 65534, 65534)
    b = bosun("--hook", hook, "--watch", str(d / "val"), "--on-change",
              "restart", "--watch-settle", SETTLE, "sh", "-c",
              'echo "start H=$H uid=$(id -u)"; sleep 1000 & wait',
              pid1=False, env=BASE, user=65534, group=65534,
              extra_groups=[])
    got = wait_starts(b, 1)
    assert got == [f"start H={VALUE}-1 uid=65534"], got
    set_val(d, VALUE + "-2")
    got = wait_starts(b, 2)
    assert got[1] == f"start H={VALUE}-2 uid=65534", got
    wait_until(lambda: not marked(b.pid, marks(d)[0]), 5,
               "the hook's leftover gone")
    assert b.stderr() == ""


def test_a_restart_leaves_no_memfd_or_value_where_others_look(bosun,
                                                              tmp_path,
                                                              mode):
    """The environment comes back through a memfd: the command started
    again holds no descriptor of it, and bosun's own environment
    (/proc/PID/environ) holds no value the hook printed, old or new."""
    d, hook = make_hook(tmp_path, VALUE + "-1")
    b = bosun("--hook", hook, "--watch", str(d / "val"), "--on-change",
              "restart", "--watch-settle", SETTLE, *SHOW, pid1=mode,
              env=BASE)
    wait_starts(b, 1)
    set_val(d, VALUE + "-2")
    wait_starts(b, 2)
    cmd = b.command_pid()
    with open(f"/proc/{cmd}/environ", "rb") as f:
        assert f"H={VALUE}-2".encode() in f.read().split(b"\0")
    fds = [os.readlink(f"/proc/{cmd}/fd/{n}")
           for n in os.listdir(f"/proc/{cmd}/fd")]
    assert not [t for t in fds if t.startswith("/memfd:")], fds
    with open(f"/proc/{b.pid}/environ", "rb") as f:
        assert VALUE.encode() not in f.read()
    # nothing of the reading is left beside the command and its worker
    wait_until(lambda: len(descendants(b.pid)) == 2, 5, "only two left")
    b.kill(signal.SIGTERM)
    assert b.wait() == 128 + signal.SIGTERM
    assert VALUE not in b.stderr() and VALUE not in b.stdout().replace(
        f"start H={VALUE}-1", "").replace(f"start H={VALUE}-2", "")
