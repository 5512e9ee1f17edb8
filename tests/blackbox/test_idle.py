# SPDX-License-Identifier: MIT
"""An idle bosun does not wake up at all."""
import time

from conftest import status_field, switches


def test_idle_bosun_has_no_wakeups(bosun, mode):
    b = bosun("sleep", "60", pid1=mode)
    b.command_pid()
    time.sleep(0.3)
    before = switches(b.pid)
    time.sleep(2)
    assert switches(b.pid) == before
    assert status_field(b.pid, "State").startswith("S")


def test_idle_with_grace_configured_still_no_wakeups(bosun, mode):
    """Deadlines are configured but none is pending: still no timer."""
    b = bosun("-k", "1s", "--grace", "1s", "--stop-delay", "1s", "sleep", "60",
              pid1=mode)
    b.command_pid()
    time.sleep(0.3)
    before = switches(b.pid)
    time.sleep(1.5)
    assert switches(b.pid) == before
