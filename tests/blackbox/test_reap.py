# SPDX-License-Identifier: MIT
"""Reaping: orphan storms leave no zombie; outside PID 1 bosun adopts."""
import os
import signal

from conftest import ORPHANS, children_of, ppid_of, state_of, wait_until


def zombies_of(pid):
    return [c for c in children_of(pid) if state_of(c) == "Z"]


def test_orphan_storm_leaves_no_zombie(bosun, mode):
    b = bosun("sh", "-c", f"{ORPHANS} 10000; sleep 60", pid1=mode)
    b.wait_output("made 10000", timeout=120)
    # every orphan reaped: what is left is the shell (and its sleep, not a
    # child of bosun); an orphan still running counts until it is gone
    wait_until(lambda: not zombies_of(b.pid) and len(children_of(b.pid)) == 1,
               timeout=30, what="bosun's only child the shell, no zombie")
    b.kill(signal.SIGTERM)
    assert b.wait() == 143


def test_outside_pid1_bosun_adopts_orphans_as_subreaper(bosun):
    b = bosun("sh", "-c", "sh -c 'sleep 60 & echo orphan $!'; exec sleep 60",
              pid1=False)
    b.wait_output("orphan")
    orphan = int(b.stdout().split()[1])
    wait_until(lambda: ppid_of(orphan) == b.pid, what="orphan adopted")
    b.kill(signal.SIGTERM)
    # the orphan is a leftover: SIGTERM, then bosun exits with the status
    assert b.wait() == 143
    wait_until(lambda: state_of(orphan) is None, what="orphan gone")
