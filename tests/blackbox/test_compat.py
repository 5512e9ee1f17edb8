# SPDX-License-Identifier: MIT
"""bosun in place of tini, catatonit and the engines' --init: their flags,
tini's variables, the version line dockerd parses, and pause mode."""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import (BOSUN, ORPHANS, ROOT, alive, children_of, run,
                      status_field, switches, wait_until)

BASE_ENV = {"PATH": os.environ["PATH"]}


def parse_init_version(out):
    """dockerd's parseInitVersion (daemon/info_unix.go), restated: the
    version after "tini version " is optional, the commit after " - git."
    is what it records; neither is an error ("unknown output format")."""
    parts = out.split(" - ")
    commit = ""
    if len(parts) >= 2:
        git = parts[1].strip().split(".")
        if len(git) == 2 and git[0] == "git":
            commit = git[1]
    return commit


def test_version_is_the_line_dockerd_parses():
    r = run(["--version"])
    assert r.returncode == 0 and r.stderr == ""
    m = re.fullmatch(r"bosun version (\d+\.\d+\.\d+) - git\.([0-9a-f]{7,40}|unknown)\n",
                     r.stdout)
    assert m, r.stdout
    assert parse_init_version(r.stdout) == m.group(2)
    # in a checkout, a commit of it (HEAD when built; a build is not
    # redone by a commit, so HEAD itself may have moved on since)
    git = shutil.which("git")
    if git and os.path.isdir(os.path.join(ROOT, ".git")):
        known = subprocess.run([git, "-C", ROOT, "rev-parse", "--verify",
                                "-q", m.group(2) + "^{commit}"],
                               capture_output=True, text=True)
        assert known.returncode == 0, r.stdout


@pytest.mark.parametrize("flag", ["-l", "-L", "--license"])
def test_license_flags_print_the_license(flag):
    r = run([flag])
    assert r.returncode == 0 and r.stderr == ""
    with open(os.path.join(ROOT, "LICENSE")) as f:
        assert r.stdout.startswith(f.read())
    assert "libseccomp" in r.stdout and "libcap" in r.stdout


def test_tini_flags_keep_their_meaning(tmp_path):
    """ENTRYPOINT ["/sbin/tini", "-s", "-g", "-e", "3", "-p", "SIGKILL",
    "-v", "--"]: -e remaps, -v is more verbose, -s is accepted silently."""
    r = run(["-s", "-g", "-e", "3", "-p", "SIGKILL", "-v", "--",
             "sh", "-c", "exit 3"], env=BASE_ENV)
    assert r.returncode == 0, r.stderr
    assert "started sh" in r.stderr
    assert "warning" not in r.stderr
    r = run(["-s", "--", "sh", "-c", "exit 4"], env=BASE_ENV)
    assert r.returncode == 4 and r.stderr == ""


def test_subreaper_flag_has_a_twin_and_stays_silent():
    r = run(["--subreaper", "true"], env={**BASE_ENV, "BOSUN_SUBREAPER": "1"})
    assert r.returncode == 0 and r.stderr == ""


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "child"])
def test_w_warns_for_each_zombie_that_is_not_the_command(pid1):
    # orphans N: forks N children that exit at once, then exits itself
    r = run(["-w", "--", ORPHANS, "3"], pid1=pid1, env=BASE_ENV)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    # an orphan still running when the command exits gets the drain's
    # SIGTERM first
    reaped = [l for l in lines if re.fullmatch(
        r"bosun: warning: reaped zombie \d+ "
        r"\((exited 0|killed by SIGTERM)\)", l)]
    assert len(reaped) == 3, r.stderr
    assert len(lines) == 3, r.stderr
    # the command is not a zombie to warn about
    r = run(["-w", "--", "true"], pid1=pid1, env=BASE_ENV)
    assert r.returncode == 0 and r.stderr == ""


def test_w_names_how_a_zombie_ended():
    r = run(["--warn-reap", "--", "sh", "-c",
             "sh -c 'kill -KILL $$' & wait; exit 0"], env=BASE_ENV)
    assert r.returncode == 0
    # the inner sh is the command's child: reaped by the command's wait,
    # so no warning; nothing else is left: stderr is empty
    assert r.stderr == ""
    r = run(["--warn-reap", "--", "sh", "-c",
             "(sh -c 'kill -KILL $$' &); sleep 0.5"], env=BASE_ENV,
            pid1=True)
    assert r.returncode == 0
    assert re.search(r"reaped zombie \d+ \(killed by SIGKILL\)", r.stderr), \
        r.stderr


def test_tini_verbosity_maps_to_bosun_levels():
    # tini's default is 1 (errors and warnings): bosun's quiet
    for level, expect_info, expect_debug in (("1", False, False),
                                              ("2", True, False),
                                              ("3", True, True)):
        # a HUP dropped by -r HUP:0 is said at debug level only (the
        # command outlives it: a HUP still pending when the command exits
        # would not be read)
        r = run(["-r", "HUP:0", "sh", "-c", "kill -HUP $PPID; sleep 0.5"],
                env={**BASE_ENV, "TINI_VERBOSITY": level})
        assert r.returncode == 0
        assert ("started sh" in r.stderr) == expect_info, (level, r.stderr)
        assert ("SIGHUP" in r.stderr) == expect_debug, (level, r.stderr)
    # bosun's own setting wins over tini's
    r = run(["true"], env={**BASE_ENV, "TINI_VERBOSITY": "3",
                           "BOSUN_VERBOSE": "0"})
    assert r.returncode == 0 and r.stderr == ""
    r = run(["true"], env={**BASE_ENV, "TINI_VERBOSITY": "lots"})
    assert r.returncode == 125
    assert r.stderr.startswith("bosun: TINI_VERBOSITY: ")


def test_tini_variables_reach_the_command_unchanged():
    env = {**BASE_ENV, "TINI_SUBREAPER": "", "TINI_VERBOSITY": "1",
           "TINI_KILL_PROCESS_GROUP": "1"}
    r = run(["sh", "-c", "env | grep ^TINI_ | sort"], env=env)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == ("TINI_KILL_PROCESS_GROUP=1\nTINI_SUBREAPER=\n"
                        "TINI_VERBOSITY=1\n")


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "child"])
def start_pause(tmp_path, args=("-P",), pid1=True):
    err = open(tmp_path / "stderr", "w")
    cmd = [BOSUN, *args]
    if pid1:
        cmd = ["unshare", "--pid", "--fork", "--mount-proc"] + cmd
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=err, env=BASE_ENV)
    if pid1:
        pid = wait_until(lambda: (children_of(p.pid) or [None])[0],
                         what="bosun under unshare")
    else:
        pid = p.pid
    wait_until(lambda: status_field(pid, "State").startswith("S"),
               what="bosun asleep")
    return p, pid


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "child"])
def test_pause_sleeps_without_wakeups_and_exits_0_on_stop(tmp_path, sig,
                                                          pid1):
    p, pid = start_pause(tmp_path, pid1=pid1)
    try:
        time.sleep(0.2)
        before = switches(pid)
        time.sleep(1.5)
        assert switches(pid) == before
        assert children_of(pid) == []
        # signals other than TERM and INT do not end it
        os.kill(pid, signal.SIGHUP)
        os.kill(pid, signal.SIGUSR1)
        time.sleep(0.3)
        assert alive(pid)
        t = time.monotonic()
        os.kill(pid, sig)
        assert p.wait(5) == 0
        assert time.monotonic() - t < 1.0
        assert p.stdout.read() == b""
        assert (tmp_path / "stderr").read_text() == ""
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_pause_reaps_what_it_adopts(tmp_path):
    p, pid = start_pause(tmp_path, args=("-P", "-w"))
    try:
        # a process entering the namespace and leaving an orphan behind:
        # the orphan's parent becomes bosun, which must reap it
        subprocess.run(["nsenter", "-t", str(pid), "-p", "--", ORPHANS, "2"],
                       check=True, timeout=10)
        wait_until(lambda: (tmp_path / "stderr").read_text().count(
            "reaped zombie") == 2, what="two zombies reaped")
        assert children_of(pid) == []
        zombies = [c for c in children_of(pid) if not alive(c)]
        assert zombies == []
        os.kill(pid, signal.SIGTERM)
        assert p.wait(5) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.parametrize("args,env,what", [
    (["-P", "sleep", "1"], {}, "--pause runs no command"),
    (["sleep", "1"], {"BOSUN_PAUSE": "1"}, "--pause runs no command"),
])
def test_pause_with_a_command_is_a_usage_error(tmp_path, args, env, what):
    r = run(args, env={**BASE_ENV, **env})
    assert r.returncode == 125
    assert r.stderr.startswith("bosun: ") and what in r.stderr, r.stderr


def test_pause_twin(tmp_path):
    env = {**BASE_ENV, "BOSUN_PAUSE": "1"}
    q = subprocess.Popen([BOSUN], env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: status_field(q.pid, "State").startswith("S"),
                   what="bosun asleep")
        os.kill(q.pid, signal.SIGTERM)
        out, err = q.communicate(timeout=5)
        assert q.returncode == 0 and out == b"" and err == b""
    finally:
        if q.poll() is None:
            q.kill()
            q.wait()
