# SPDX-License-Identifier: MIT
"""What happens to the rest once the command has exited."""
import os
import signal
import subprocess
import time

from conftest import PY, SIGECHO, alive, state_of, wait_until

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps",
                   "leftover.py")


def leaving(d, *flags, code=5, ready=1):
    """A command that starts a leftover, waits until it is ready, exits."""
    f = " ".join(flags)
    return ["sh", "-c",
            f"{PY} {APP} {d} {f} & "
            f"until [ $(ls {d} | grep -c ready) -ge {ready} ]; do sleep 0.02; done; "
            f"exit {code}"]


def logged(d):
    p = d / "log"
    return p.read_text().split("\n")[:-1] if p.exists() else []


def test_leftovers_get_sigterm_and_their_handler_runs(bosun, mode, tmp_path):
    b = bosun(*leaving(tmp_path), pid1=mode)
    assert b.wait() == 5
    assert len(logged(tmp_path)) == 1 and logged(tmp_path)[0].startswith("TERM")


def test_grace_ends_as_soon_as_everything_is_gone(bosun, mode, tmp_path):
    t0 = time.monotonic()
    b = bosun(*leaving(tmp_path), pid1=mode)  # default grace: 3 s
    assert b.wait() == 5
    assert time.monotonic() - t0 < 2.5


def test_leftovers_ignoring_sigterm_are_killed_after_grace(bosun, mode, tmp_path):
    b = bosun("--grace", "1s", *leaving(tmp_path, "--ignore-term"), pid1=mode)
    t0 = time.monotonic()
    wait_until(lambda: logged(tmp_path), what="the SIGTERM")
    assert b.proc.poll() is None
    assert b.wait() == 5
    assert time.monotonic() - t0 >= 0.8
    if not mode:  # as PID 1 the pid is the namespace's; the kernel ends it
        pid = int(logged(tmp_path)[0].split()[1])
        wait_until(lambda: state_of(pid) is None, what="leftover gone")


def test_grace_from_environment_and_zero_grace_kills_at_once(bosun, mode, tmp_path):
    env = dict(os.environ, BOSUN_GRACE="0")
    b = bosun(*leaving(tmp_path, "--ignore-term"), pid1=mode, env=env)
    assert b.wait() == 5
    assert logged(tmp_path) == [], "no SIGTERM, straight to SIGKILL"


def test_stopped_leftovers_are_continued_to_handle_sigterm(bosun, mode, tmp_path):
    b = bosun(*leaving(tmp_path, "--stop"), pid1=mode)
    assert b.wait() == 5
    assert len(logged(tmp_path)) == 1


def test_descendants_of_leftovers_get_sigterm_too(bosun, mode, tmp_path):
    b = bosun(*leaving(tmp_path, "--child", ready=2), pid1=mode)
    assert b.wait() == 5
    assert len(logged(tmp_path)) == 2, "the leftover and its own child"


def test_outside_pid1_bystanders_are_never_signalled(bosun, tmp_path):
    """kill(-1) outside PID 1 would reach every process of the user."""
    bystander = subprocess.Popen([SIGECHO], stdout=subprocess.PIPE, text=True)
    try:
        assert bystander.stdout.readline().startswith("ready")
        b = bosun("--grace", "300ms", *leaving(tmp_path, "--ignore-term"),
                  pid1=False)
        assert b.wait() == 5
        assert logged(tmp_path), "the leftover did get SIGTERM"
        # the leftover got SIGKILL after the grace; the bystander nothing
        leftover = int(logged(tmp_path)[0].split()[1])
        wait_until(lambda: not alive(leftover), what="leftover killed")
        time.sleep(0.2)
        assert bystander.poll() is None and alive(bystander.pid)
        os.kill(bystander.pid, signal.SIGUSR1)
        assert bystander.stdout.readline() == f"10 0 from {os.getpid()}\n", \
            "the first signal the bystander saw is the test's own"
    finally:
        bystander.kill()
        bystander.wait()


def test_kill_after_also_kills_leftovers(bosun, mode, tmp_path):
    b = bosun("-k", "500ms", "sh", "-c",
              f"{PY} {APP} {tmp_path} --ignore-term & "
              "trap '' TERM; while :; do sleep 0.05; done", pid1=mode)
    wait_until(lambda: any(p.name.startswith("ready") for p in tmp_path.iterdir()))
    b.kill(signal.SIGTERM)
    assert b.wait() == 137
    for p in tmp_path.iterdir() if not mode else []:
        if p.name.startswith("ready-"):
            pid = int(p.name[6:])
            wait_until(lambda: not alive(pid), what="leftover killed")
