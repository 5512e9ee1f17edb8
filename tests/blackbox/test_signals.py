# SPDX-License-Identifier: MIT
"""Signal forwarding: every signal, rewrites, groups, storms, deadlines."""
import os
import signal
import subprocess
import time

import pytest

from conftest import (BOSUN, PY, SIGECHO, alive, children_of, wait_until)

CATCHABLE = [s for s in range(1, 65)
             if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD)]


def received(b):
    """Signals sigecho printed, as a list of numbers."""
    return [int(l.split()[0]) for l in b.stdout().splitlines()
            if l and l[0].isdigit()]


def test_every_catchable_signal_is_forwarded(bosun, mode):
    b = bosun(SIGECHO, pid1=mode)
    b.wait_output("ready")
    for n, sig in enumerate(CATCHABLE, 1):
        b.kill(sig)
        wait_until(lambda: len(received(b)) >= n, what=f"signal {sig}")
    assert received(b) == CATCHABLE
    os.kill(b.command_pid(), signal.SIGKILL)
    assert b.wait() == 137


def test_realtime_signals_keep_their_order_and_count(bosun, mode):
    b = bosun(SIGECHO, pid1=mode)
    b.wait_output("ready")
    rt = [34, 35, 40, 64, 34, 34]
    for sig in rt:
        b.kill(sig)
    wait_until(lambda: len(received(b)) == len(rt), what="rt signals")
    assert sorted(received(b)) == sorted(rt), "queued, none lost"


def sigqueue(pid, sig, value):
    subprocess.run([SIGECHO, "-q", str(pid), str(int(sig)), str(value)],
                   check=True)


def echoed(b):
    """sigecho's lines as (signal, value, si_code)."""
    return [(int(l.split()[0]), int(l.split()[1]), int(l.split()[-1]))
            for l in b.stdout().splitlines() if l and l[0].isdigit()]


SI_QUEUE = -1


def test_realtime_signals_keep_their_sigqueue_payload(bosun, mode):
    """sigqueue(3) to bosun: the command gets the same value, as SI_QUEUE;
    a rewritten signal keeps it too; kill(2) stays a plain SI_USER (0)."""
    b = bosun("-r", "USR2:RTMIN+3", SIGECHO, pid1=mode)
    b.wait_output("ready")
    sent = [(40, 12345, 40), (64, -7, 64), (signal.SIGUSR1, 99, 10),
            (signal.SIGUSR2, 2024, 37)]
    for n, (sig, value, _) in enumerate(sent, 1):
        sigqueue(b.pid, sig, value)
        wait_until(lambda: len(echoed(b)) >= n, what=f"signal {sig}")
    assert echoed(b) == [(to, v, SI_QUEUE) for _, v, to in sent]
    b.kill(35)
    wait_until(lambda: len(echoed(b)) == len(sent) + 1)
    assert echoed(b)[-1] == (35, 0, 0)
    assert b.stderr() == ""


def test_realtime_signals_to_a_process_group_lose_the_payload(bosun, mode):
    """-g signals a group with kill(2), which carries no payload (there is no
    sigqueue to a group): documented."""
    b = bosun("-g", SIGECHO, pid1=mode)
    b.wait_output("ready")
    sigqueue(b.pid, 40, 12345)
    wait_until(lambda: echoed(b))
    assert echoed(b) == [(40, 0, 0)]


def test_sigchld_is_not_forwarded(bosun, mode):
    b = bosun(SIGECHO, pid1=mode)
    b.wait_output("ready")
    b.kill(signal.SIGCHLD)
    b.kill(signal.SIGUSR1)
    wait_until(lambda: received(b))
    time.sleep(0.1)
    assert received(b) == [signal.SIGUSR1]


def test_rewrite_delivers_another_signal_and_zero_drops(bosun, mode):
    b = bosun("-r", "TERM:QUIT", "--rewrite=USR2:rtmin+3", "-r", "HUP:0",
              SIGECHO, pid1=mode)
    b.wait_output("ready")
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR2, signal.SIGUSR1):
        b.kill(sig)
    wait_until(lambda: len(received(b)) >= 3)
    time.sleep(0.1)
    # pending signals are taken lowest number first: compare as sets
    assert sorted(received(b)) == sorted([signal.SIGUSR1, signal.SIGQUIT, 37])


def test_rewrite_from_environment(bosun, mode):
    env = dict(os.environ, BOSUN_REWRITE="TERM:INT,HUP:0")
    b = bosun(SIGECHO, pid1=mode, env=env)
    b.wait_output("ready")
    b.kill(signal.SIGHUP)
    b.kill(signal.SIGTERM)
    wait_until(lambda: received(b))
    time.sleep(0.1)
    assert received(b) == [signal.SIGINT]


GROUP_SCRIPT = f"{SIGECHO} > member.out & exec {SIGECHO}"


@pytest.mark.parametrize("group", [False, True])
def test_process_group_mode_signals_the_whole_group(bosun, mode, tmp_path, group):
    args = (["-g"] if group else []) + ["sh", "-c", GROUP_SCRIPT]
    b = bosun(*args, pid1=mode, cwd=str(tmp_path))
    member = tmp_path / "member.out"
    b.wait_output("ready")
    wait_until(lambda: member.exists() and "ready" in member.read_text())
    b.kill(signal.SIGUSR1)
    wait_until(lambda: received(b) == [signal.SIGUSR1])
    time.sleep(0.2)
    got = [l.split()[0] for l in member.read_text().splitlines()
           if l[0].isdigit()]
    assert got == (["10"] if group else [])


def test_signal_storm_neither_wedges_nor_kills_bosun(bosun, mode):
    b = bosun(SIGECHO, "-n", "-x", str(int(signal.SIGTERM)), pid1=mode)
    b.wait_output("ready")
    storm = subprocess.run(
        [PY, "-c", f"""
import os, signal
for i in range(20000):
    sig = (signal.SIGUSR1, signal.SIGUSR2, 40, signal.SIGHUP)[i % 4]
    try:
        os.kill({b.pid}, sig)
    except ProcessLookupError:
        raise SystemExit(1)
"""], timeout=60)
    assert storm.returncode == 0, "bosun died during the storm"
    assert alive(b.pid)
    b.kill(signal.SIGTERM)
    assert b.wait() == 0, "the TERM after the storm arrived"
    count = int(b.stdout().split("count")[1])
    assert 4 <= count <= 20001


def test_stop_delay_holds_the_first_stop_signal(bosun, mode):
    b = bosun("--stop-delay", "800ms", SIGECHO, "-x", "15", pid1=mode)
    b.wait_output("ready")
    t0 = time.monotonic()
    b.kill(signal.SIGTERM)
    b.kill(signal.SIGUSR1)  # not a stop signal: forwarded at once
    wait_until(lambda: received(b) == [signal.SIGUSR1], timeout=0.7)
    b.kill(signal.SIGTERM)  # merged into the held one
    assert b.wait() == 0
    assert 0.8 <= time.monotonic() - t0 <= 2.5
    assert received(b) == [signal.SIGUSR1, signal.SIGTERM]


def test_stop_delay_from_environment_applies_to_rewritten_signal(bosun, mode):
    env = dict(os.environ, BOSUN_STOP_DELAY="500ms", BOSUN_REWRITE="INT:TERM")
    b = bosun(SIGECHO, "-x", "15", pid1=mode, env=env)
    b.wait_output("ready")
    t0 = time.monotonic()
    b.kill(signal.SIGINT)
    assert b.wait() == 0
    assert 0.5 <= time.monotonic() - t0 <= 2.2
    assert received(b) == [signal.SIGTERM]


IGNORE_TERM = [PY, "-c", "import signal,time; signal.signal(signal.SIGTERM, "
               "signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"]


def test_kill_after_kills_what_ignores_the_stop_signal(bosun, mode):
    b = bosun("--kill-after", "1s", *IGNORE_TERM, pid1=mode)
    b.wait_output("ready")
    t0 = time.monotonic()
    b.kill(signal.SIGTERM)
    assert b.wait() == 137
    elapsed = time.monotonic() - t0
    assert 1.0 <= elapsed <= 2.7, elapsed
    assert b.stderr() == ""


def test_kill_after_counts_from_the_forwarded_signal(bosun, mode):
    b = bosun("-k", "300ms", "--stop-delay", "500ms", *IGNORE_TERM, pid1=mode)
    b.wait_output("ready")
    t0 = time.monotonic()
    b.kill(signal.SIGTERM)
    assert b.wait() == 137
    elapsed = time.monotonic() - t0
    assert 0.8 <= elapsed <= 2.5, elapsed
    assert b.stderr() == ""


def test_kill_after_is_not_started_by_other_signals(bosun, mode):
    b = bosun("-k", "200ms", SIGECHO, "-x", "15", pid1=mode)
    b.wait_output("ready")
    b.kill(signal.SIGHUP)
    time.sleep(0.6)
    assert alive(b.command_pid())
    b.kill(signal.SIGTERM)
    assert b.wait() == 0


def test_without_kill_after_an_app_ignoring_term_keeps_running(bosun, mode):
    b = bosun(*IGNORE_TERM, pid1=mode)
    b.wait_output("ready")
    b.kill(signal.SIGTERM)
    time.sleep(0.5)
    assert b.proc.poll() is None and alive(b.command_pid())


def test_pdeathsig_is_forwarded_when_bosun_loses_its_parent(tmp_path, mode):
    out = tmp_path / "out"
    wrap = "exec unshare --pid --fork --mount-proc " if mode else ""
    # bosun's parent: unshare as PID 1, else a shell that keeps running
    parent = subprocess.Popen(
        ["sh", "-c", f"{wrap}{BOSUN} -p USR1 -- {SIGECHO} -x 10 > {out} & "
         "exec sleep 60" if not mode else
         f"{wrap}{BOSUN} -p USR1 -- {SIGECHO} -x 10 > {out}"])
    try:
        wait_until(lambda: out.exists() and "ready" in out.read_text())
        parent.kill()
        wait_until(lambda: "10 0" in out.read_text(), what="SIGUSR1 forwarded")
    finally:
        parent.kill()
        parent.wait()


def test_forwarded_sigqueue_names_bosun_as_its_sender_every_time(bosun, mode):
    """A queued signal goes on with bosun's own pid as si_pid (asked of the
    kernel once, not per signal): the same for the first and the last."""
    b = bosun(SIGECHO, pid1=mode)
    b.wait_output("ready")
    for n in range(1, 4):
        sigqueue(b.pid, 40, n)
        wait_until(lambda: len(echoed(b)) >= n, what=f"signal {n}")
    senders = {int(l.split()[3]) for l in b.stdout().splitlines()
               if l and l[0].isdigit()}
    assert senders == {1 if mode else b.pid}
    assert b.stderr() == ""


def test_command_exit_during_a_signal_storm_is_noticed(bosun, mode):
    """Reaping waits for a SIGCHLD among the signals taken: under a storm
    of other signals the command's exit is still seen at once."""
    b = bosun("sh", "-c", "trap '' USR1 USR2; echo ready; sleep 0.3; exit 7",
              pid1=mode)
    b.wait_output("ready")
    storm = subprocess.Popen([PY, "-c", f"""
import os, signal, time
end = time.monotonic() + 20
while time.monotonic() < end:
    try:
        os.kill({b.pid}, (signal.SIGUSR1, signal.SIGUSR2)[int(time.monotonic()*1000) % 2])
    except ProcessLookupError:
        raise SystemExit(0)
raise SystemExit(1)
"""])
    try:
        t0 = time.monotonic()
        assert b.wait(timeout=15) == 7
        took = time.monotonic() - t0
        assert 0.1 < took < 5, took
        assert storm.wait(10) == 0, "the storm ran until bosun was gone"
    finally:
        storm.kill()
        storm.wait()
    assert b.stderr() == ""
