# SPDX-License-Identifier: MIT
"""Faults: bosun either works or fails with a clear message and 125, and
never hangs or crashes."""
import os
import subprocess
import time

from conftest import BOSUN, ORPHANS, PY, run


import pytest

# LeakSanitizer needs /proc at exit, and the ASan runtime reads its options
# from /proc/self/environ, so the sanitizer build cannot run without /proc
no_proc = pytest.mark.skipif(os.environ.get("TEST_SANITIZED") == "1",
                             reason="the sanitizer runtime needs /proc")
NO_LSAN = {"PATH": os.environ["PATH"]}


def in_mount_ns(script, *args, timeout=30):
    """Runs script (sh) in a new mount namespace; "$@" is bosun ARGS."""
    return subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh",
                           BOSUN, *args], capture_output=True, text=True,
                          timeout=timeout, env=NO_LSAN)


@no_proc
def test_without_proc_as_pid1_everything_works():
    r = subprocess.run(["unshare", "--pid", "--fork", "--mount", "sh", "-c",
                        'umount -l /proc; exec "$@"', "sh", BOSUN, "sh", "-c",
                        "sleep 30 & exit 3"],
                       capture_output=True, text=True, timeout=30, env=NO_LSAN)
    assert r.returncode == 3, r.stderr


@no_proc
def test_without_proc_outside_pid1_leftovers_cannot_hang_bosun():
    t0 = time.monotonic()
    r = in_mount_ns('umount -l /proc && exec "$@"', "--grace", "500ms", "sh",
                    "-c", "sleep 30 >/dev/null 2>&1 & exit 3")
    assert r.returncode == 3
    assert time.monotonic() - t0 < 10, "bounded by the grace, not by sleep 30"
    assert "cannot list processes" in r.stderr
    assert "leaving processes that cannot be found" in r.stderr
    assert "all processes gone" not in r.stderr


def test_read_only_root():
    r = in_mount_ns('mount -o remount,bind,ro / && exec "$@"', "sh", "-c",
                    "touch /bosun-ro-test 2>/dev/null || echo read-only; exit 4")
    assert r.returncode == 4 and r.stdout == "read-only\n", r.stderr


def test_closed_standard_fds(tmp_path):
    out = tmp_path / "out"
    r = subprocess.run(f"{BOSUN} sh -c 'ls /proc/self/fd > {out}; exit 6' "
                       "<&- >&- 2>&-", shell=True, timeout=30)
    assert r.returncode == 6
    # the command got 0, 1, 2 (as /dev/null) and nothing of bosun's
    assert sorted(out.read_text().split()) == ["0", "1", "2", "3"]
    r = subprocess.run(f"{BOSUN} no-such-command-x 2>&-", shell=True,
                       timeout=30)
    assert r.returncode == 127


def test_closed_stderr_does_not_send_logs_into_a_secret_file(tmp_path):
    secret = tmp_path / "s"
    secret.write_text("value\n")
    r = subprocess.run(f"{BOSUN} -vv -s S={secret} true 2>&-", shell=True,
                       timeout=30)
    assert r.returncode == 0
    assert secret.read_text() == "value\n"


def test_rlimit_nproc_reached_during_an_orphan_storm(tmp_path):
    """The user's process limit stops the storm's forks, not bosun."""
    storm = ("i=0; while [ $i -lt 300 ]; do (sleep 2 &) 2>/dev/null; "
             "i=$((i+1)); done; echo storm-done; exit 7")
    t0 = time.monotonic()
    r = subprocess.run(["prlimit", "--nproc=40", "setpriv", "--reuid=65534",
                        "--regid=65534", "--clear-groups", BOSUN, "sh", "-c",
                        storm], capture_output=True, text=True, timeout=60)
    assert r.returncode == 7, r.stderr
    assert r.stdout == "storm-done\n"
    assert time.monotonic() - t0 < 30


def test_ten_thousand_variables_and_a_100_kib_argument():
    env = {f"VAR_{i}": f"value-{i}" for i in range(10000)}
    env["PATH"] = os.environ["PATH"]
    big = "a" * (100 * 1024)
    r = run([PY, "-c", "import os, sys; print(sum(k.startswith('VAR_') "
             "for k in os.environ), len(sys.argv[1]))", big], env=env, pid1=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["10000", str(len(big))]


def test_an_environment_the_kernel_refuses_fails_cleanly(tmp_path):
    """Secrets can make the command's environment larger than exec takes
    (E2BIG): the command cannot start, and bosun says so."""
    d = tmp_path / "big"
    d.mkdir()
    for i in range(40):
        (d / f"S{i}").write_text("x" * 100_000)
    r = run(["--secrets-dir", str(d), "true"])
    assert r.returncode == 126
    assert "Argument list too long" in r.stderr
