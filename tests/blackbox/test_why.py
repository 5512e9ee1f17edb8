# SPDX-License-Identifier: MIT
"""Why the command ended: the termination message (--termination-log),
OOM kills named from cgroup v2's memory.events, JSON logs, and -v's
reports of forwarded signals and reaped processes."""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import BOSUN, PY, run, wait_until

# A Python command that says it is ready, then handles SIGTERM by exiting
# 0 after DELAY seconds (or ignores it).
TERM_EXITS = ("import signal,sys,time\n"
              "def h(*a):\n"
              "    time.sleep({delay}); sys.exit(0)\n"
              "signal.signal(signal.SIGTERM, h)\n"
              "print('ready', flush=True)\n"
              "time.sleep(60)\n")
TERM_IGNORED = ("import signal,time\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "print('ready', flush=True)\n"
                "time.sleep(60)\n")


def message(path):
    return path.read_bytes().decode()


def test_exit_code(tmp_path, mode):
    log = tmp_path / "termination-log"
    r = run(["--termination-log", str(log), "sh", "-c", "exit 3"], pid1=mode)
    assert r.returncode == 3
    assert r.stderr == "" and r.stdout == ""
    assert message(log) == "exited 3\n"


def test_death_by_signal(tmp_path, mode):
    log = tmp_path / "termination-log"
    r = run(["--termination-log", str(log), "sh", "-c",
             "ulimit -c 0; kill -SEGV $$"], pid1=mode)
    assert r.returncode == 139 and r.stderr == ""
    assert message(log) == "killed by SIGSEGV\n"


def test_stop_from_outside_and_the_time_it_took(bosun, tmp_path, mode):
    log = tmp_path / "termination-log"
    b = bosun("--termination-log", str(log), PY, "-c",
              TERM_EXITS.format(delay=0.5), pid1=mode)
    b.wait_output("ready")
    t0 = time.monotonic()
    b.kill(signal.SIGTERM)
    assert b.wait() == 0
    took = time.monotonic() - t0
    assert b.stderr() == ""
    m = re.fullmatch(r"stopped by SIGTERM from outside, exited 0 after "
                     r"(\d+\.\d) s\n", message(log))
    assert m, message(log)
    # what bosun measured lies between the handler's sleep and our wait
    assert 0.5 <= float(m.group(1)) <= took + 0.1


def test_stop_forwarded_as_another_signal(bosun, tmp_path, mode):
    log = tmp_path / "termination-log"
    b = bosun("--termination-log", str(log), "-r", "TERM:USR1", PY, "-c",
              "import time; print('ready', flush=True); time.sleep(60)",
              pid1=mode)
    b.wait_output("ready")
    b.kill(signal.SIGTERM)
    assert b.wait() == 128 + signal.SIGUSR1
    assert re.fullmatch(r"stopped by SIGTERM from outside \(forwarded as "
                        r"SIGUSR1\), killed by SIGUSR1 after \d+\.\d s\n",
                        message(log)), message(log)


def test_kill_after(bosun, tmp_path, mode):
    log = tmp_path / "termination-log"
    b = bosun("--termination-log", str(log), "-k", "300ms", PY, "-c",
              TERM_IGNORED, pid1=mode)
    b.wait_output("ready")
    b.kill(signal.SIGTERM)
    assert b.wait() == 137
    assert b.stderr() == ""
    assert message(log) == \
        "ignored SIGTERM; SIGKILL after --kill-after 300ms\n"


def test_leftovers_killed_after_grace(tmp_path, mode):
    log = tmp_path / "termination-log"
    r = run(["--termination-log", str(log), "--grace", "300ms", "sh", "-c",
             "(trap '' TERM; sleep 30) & (trap '' TERM; sleep 30) & "
             "sleep 0.2; exit 0"], pid1=mode)
    assert r.returncode == 0 and r.stderr == ""
    assert message(log) == \
        "exited 0; 2 leftover processes killed after --grace 300ms\n"


def test_leftovers_that_stop_in_time_are_not_counted(tmp_path, mode):
    log = tmp_path / "termination-log"
    r = run(["--termination-log", str(log), "sh", "-c",
             "sleep 30 & sleep 0.1; exit 4"], pid1=mode)
    assert r.returncode == 4
    assert message(log) == "exited 4\n"


def test_failure_before_start_names_it_never_the_value(tmp_path, mode):
    log = tmp_path / "termination-log"
    good = tmp_path / "good"
    good.write_text("hunter2-value")
    missing = tmp_path / "missing"
    marker = tmp_path / "ran"
    r = run(["--termination-log", str(log), "-s", f"A={good}",
             "-s", f"DB_PASSWORD={missing}", "sh", "-c", f"touch {marker}"],
            pid1=mode)
    assert r.returncode == 125
    assert not marker.exists()
    assert message(log) == (f"not started: cannot read secret DB_PASSWORD "
                            f"from {missing}: No such file or directory\n")
    assert "hunter2" not in message(log) + r.stderr


def test_not_found_or_not_executable_before_start(tmp_path):
    log = tmp_path / "termination-log"
    r = run(["--termination-log", str(log), "/nonexistent/cmd"])
    assert r.returncode == 127
    assert message(log) == "not started: /nonexistent/cmd not found (exit 127)\n"
    r = run(["--termination-log", str(log), "/etc/passwd"])
    assert r.returncode == 126
    assert message(log) == "not started: cannot execute /etc/passwd (exit 126)\n"


def test_the_commands_own_message_wins(tmp_path, mode):
    log = tmp_path / "termination-log"
    r = run(["--termination-log", str(log), "sh", "-c",
             f"printf 'db unreachable' > {log}; exit 2"], pid1=mode)
    assert r.returncode == 2 and r.stderr == ""
    assert message(log) == "db unreachable"


def test_a_stale_message_from_an_earlier_run_is_replaced(tmp_path):
    log = tmp_path / "termination-log"
    log.write_text("exited 9\n")
    os.chmod(log, 0o640)
    r = run(["--termination-log", str(log), "true"])
    assert r.returncode == 0
    assert message(log) == "exited 0\n"
    assert os.stat(log).st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["termination-log"], \
        "no temporary file left"


def test_off_and_no_default_write_nothing(tmp_path):
    log = tmp_path / "termination-log"
    r = run(["--termination-log", "off", "true"], cwd=tmp_path)
    assert r.returncode == 0 and os.listdir(tmp_path) == []
    r = run(["true"], env={"BOSUN_TERMINATION_LOG": str(log)})
    assert r.returncode == 0 and message(log) == "exited 0\n"


def test_at_most_4096_bytes_cut_at_a_character(tmp_path):
    log = tmp_path / "termination-log"
    # a missing secret whose path is long and made of 2-byte characters
    missing = str(tmp_path) + "/" + "/".join(["é" * 100] * 30)
    r = subprocess.run([BOSUN, "--termination-log", str(log), "-s",
                        f"X={missing}", "true"], capture_output=True,
                       timeout=30)
    assert r.returncode == 125
    data = log.read_bytes()
    assert len(data) <= 4096
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    text = data.decode("utf-8")  # strict: no character cut in two
    assert text.startswith("not started: cannot read secret X from ")


# /dev/termination-log as Kubernetes makes it: a file bind-mounted into a
# /dev whose directory is read-only, used by default.
KUBE_DEV = """
set -e
mount -t tmpfs -o mode=755 tmpfs /dev
touch /dev/null /dev/termination-log
mount --bind {null} /dev/null
mount --bind {file} /dev/termination-log
mount -o remount,ro /dev
exec "$@"
"""


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "child"])
def test_default_path_bind_mounted_in_a_read_only_dev(tmp_path, pid1):
    f = tmp_path / "termination-log"
    f.write_text("")
    ns = ["unshare", "--mount", "--propagation", "private"]
    if pid1:
        ns += ["--pid", "--fork", "--mount-proc"]
    r = subprocess.run(ns + ["sh", "-c", KUBE_DEV.format(null="/dev/null",
                                                         file=f),
                             "sh", BOSUN, "sh", "-c", "kill -USR1 $$"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 138, r.stderr
    assert r.stderr == ""
    assert message(f) == "killed by SIGUSR1\n"


def test_usage_error_goes_to_the_default_path(tmp_path):
    f = tmp_path / "termination-log"
    f.write_text("")
    r = subprocess.run(["unshare", "--mount", "--propagation", "private",
                        "sh", "-c", KUBE_DEV.format(null="/dev/null",
                                                    file=f),
                        "sh", BOSUN, "--grace", "soon", "true"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 125
    assert message(f) == ("not started: --grace: bad duration 'soon' (use "
                          "e.g. 250ms, 10s, 2m; at most 24h) (see bosun "
                          "--help)\n")


def test_unwritable_path_is_a_warning(tmp_path):
    r = run(["--termination-log", "/proc/version", "true"])
    assert r.returncode == 0
    assert r.stderr.startswith("bosun: warning: cannot write the "
                               "termination message to /proc/version: ")


# OOM kills. This host may lack a cgroup v2 memory controller; the kernel's
# part is then played by a tmpfs over /sys/fs/cgroup in a private mount
# namespace: memory.events, memory.max and memory.peak as the kernel
# writes them, and the command raises oom_kill just before the SIGKILL.
FAKE_CGROUP = """
set -e
mount -t tmpfs tmpfs /sys/fs/cgroup
printf 'low 0\\nhigh 0\\nmax 0\\noom 0\\noom_kill 0\\noom_group_kill 0\\n' \
    >/sys/fs/cgroup/memory.events
echo 67108864 >/sys/fs/cgroup/memory.max
echo 67003187 >/sys/fs/cgroup/memory.peak
exec "$@"
"""
OOM = "printf 'oom 1\\noom_kill 1\\noom_group_kill 0\\n' >/sys/fs/cgroup/memory.events"


def in_fake_cgroup(args, pid1):
    ns = ["unshare", "--mount", "--propagation", "private"]
    if pid1:
        ns += ["--pid", "--fork", "--mount-proc"]
    if "0::/\n" not in open("/proc/self/cgroup").read():
        pytest.skip("needs a cgroup namespace root (0::/) for the fake "
                    "cgroup directory")
    return subprocess.run(ns + ["sh", "-c", FAKE_CGROUP, "sh", BOSUN] + args,
                          capture_output=True, text=True, timeout=30)


def test_oom_kill_of_the_command_is_named(tmp_path, mode):
    log = tmp_path / "termination-log"
    r = in_fake_cgroup(["--termination-log", str(log), "sh", "-c",
                        f"{OOM}; kill -KILL $$"], mode)
    assert r.returncode == 137
    assert r.stderr == ("bosun: warning: the command was killed by the OOM "
                        "killer (memory.max 64 MiB, peak 63.9 MiB)\n")
    assert message(log) == \
        "killed by the OOM killer (memory.max 64 MiB, peak 63.9 MiB)\n"


def test_oom_kill_of_a_worker_names_its_pid_and_comm(tmp_path, mode):
    log = tmp_path / "termination-log"
    pidfile = tmp_path / "worker"
    # the worker is orphaned, so bosun reaps it; it names itself "worker"
    r = in_fake_cgroup(
        ["--termination-log", str(log), "sh", "-c",
         f"({PY} -c 'import ctypes,time; "
         f"ctypes.CDLL(None).prctl(15, b\"worker\"); time.sleep(30)' & "
         f"echo $! >{pidfile}); "
         f"for i in $(seq 1000); do grep -qs worker "
         f"/proc/$(cat {pidfile})/comm && break; sleep 0.01; done; "
         f"{OOM}; kill -KILL $(cat {pidfile}); sleep 0.5; exit 0"], mode)
    assert r.returncode == 0, r.stderr
    pid = int(pidfile.read_text())
    assert r.stderr == (f"bosun: warning: process {pid} (worker) was killed "
                        f"by the OOM killer (memory.max 64 MiB, peak 63.9 "
                        f"MiB)\n")
    assert message(log) == "exited 0\n"


def test_sigkill_without_an_oom_kill_says_nothing_of_it(tmp_path, mode):
    log = tmp_path / "termination-log"
    r = in_fake_cgroup(["--termination-log", str(log), "sh", "-c",
                        "kill -KILL $$"], mode)
    assert r.returncode == 137 and r.stderr == ""
    assert message(log) == "killed by SIGKILL\n"


def test_no_cgroup_v2_is_silent(tmp_path):
    # with /sys/fs/cgroup empty there is nothing to read
    r = subprocess.run(["unshare", "--mount", "--propagation", "private",
                        "sh", "-c", "mount -t tmpfs tmpfs /sys/fs/cgroup && "
                        "exec \"$@\"", "sh", BOSUN, "sh", "-c",
                        "kill -KILL $$"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 137 and r.stderr == ""


def test_real_oom_kill_in_a_cgroup_v2_child_group(tmp_path):
    controllers = "/sys/fs/cgroup/cgroup.controllers"
    if not os.path.exists(controllers) or \
            "memory" not in open(controllers).read().split():
        pytest.skip("no cgroup v2 memory controller at /sys/fs/cgroup "
                    "(cgroup v1 or hybrid host): the fake-cgroup tests "
                    "above stand in; tests/e2e/test_why.py has the real one")
    # (runs where cgroup v2 holds the memory controller)
    group = f"/sys/fs/cgroup/bosun-test-{os.getpid()}"
    os.mkdir(group)
    try:
        with open(f"{group}/memory.max", "w") as f:
            f.write(str(32 << 20))
        with open(f"{group}/memory.swap.max", "w") as f:
            f.write("0")
        log = tmp_path / "termination-log"
        r = subprocess.run(
            ["sh", "-c", f"echo $$ >{group}/cgroup.procs && exec \"$@\"",
             "sh", BOSUN, "--termination-log", str(log), PY, "-c",
             "b=[]\nwhile True: b.append(bytearray(1 << 20))"],
            capture_output=True, text=True, timeout=60)
        assert r.returncode == 137
        assert "bosun: warning: the command was killed by the OOM killer " \
               "(memory.max 32 MiB" in r.stderr
        assert message(log).startswith(
            "killed by the OOM killer (memory.max 32 MiB")
    finally:
        os.rmdir(group)


# JSON logs, read back by a real JSON parser.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def json_lines(stderr):
    lines = [json.loads(line) for line in stderr.splitlines()]
    for o in lines:
        assert RFC3339.fullmatch(o["time"]), o
        assert o["level"] in ("error", "warning", "info", "debug")
        assert isinstance(o["msg"], str)
    return lines


def test_json_lines_with_fields(bosun, tmp_path, mode):
    b = bosun("--log-format", "json", "-v", PY, "-c",
              "import signal,subprocess,time\n"
              "signal.signal(signal.SIGUSR1, signal.SIG_IGN)\n"
              "subprocess.Popen(['sh', '-c', 'sleep 0.1; exit 5'])\n"
              "print('ready', flush=True)\n"
              "time.sleep(0.5)\n", pid1=mode)
    b.wait_output("ready")
    b.kill(signal.SIGUSR1)
    assert b.wait() == 0
    lines = json_lines(b.stderr())
    fwd = [o for o in lines if o["msg"].startswith("forwarding SIGUSR1")]
    assert len(fwd) == 1 and fwd[0]["signal"] == "SIGUSR1"
    assert fwd[0]["level"] == "info" and fwd[0]["pid"] > 1
    (started,) = [o for o in lines if o["msg"].startswith("started")]
    assert started["name"] == PY and started["pid"] == fwd[0]["pid"]
    (ended,) = [o for o in lines if o["msg"].startswith("command exited")]
    assert ended["status"] == 0 and ended["pid"] == fwd[0]["pid"]
    reaped = [o for o in lines if o["msg"].startswith("reaped pid")]
    assert len(reaped) == 1, lines
    assert reaped[0]["status"] == 5 and reaped[0]["pid"] > 1
    assert reaped[0]["msg"] == f"reaped pid {reaped[0]['pid']}: exited 5"


def test_json_from_the_environment_escapes_any_file_name(tmp_path):
    name = b"/nonexistent/a\"b\\c\nd\xff\xc3\xa9"
    r = subprocess.run([BOSUN.encode(), b"-s", b"X=" + name, b"true"],
                       capture_output=True, timeout=30,
                       env={"BOSUN_LOG_FORMAT": "json", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 125
    (o,) = json_lines(r.stderr.decode("utf-8"))
    assert o["level"] == "error"
    assert o["msg"] == ("cannot read secret X from /nonexistent/a\"b\\c\nd"
                        "\ufffd\u00e9: No such file or directory")


def test_json_warning_level(tmp_path):
    r = run(["--log-format", "json", "--termination-log", "/proc/version",
             "true"])
    (o,) = json_lines(r.stderr)
    assert o["level"] == "warning" and o["path"] == "/proc/version"


def test_bad_log_format_is_a_usage_error():
    r = run(["--log-format", "yaml", "true"])
    assert r.returncode == 125
    assert r.stderr == ("bosun: --log-format: unknown format 'yaml' (text or "
                        "json) (see bosun --help)\n")


def test_verbose_reports_reaped_orphans_and_how_they_ended(mode):
    r = run(["-v", "sh", "-c", "sh -c 'exit 7' & sleep 0.2; "
             "sh -c 'kill -TERM $$' & sleep 0.2; exit 0"], pid1=mode)
    assert r.returncode == 0
    # sh reaps its own children: these are not orphans, bosun sees none
    assert "reaped pid" not in r.stderr
    r = run(["-v", "sh", "-c", "(sh -c 'sleep 0.1; exit 7' &); "
             "(sh -c 'sleep 0.1; kill -TERM $$' &); sleep 0.5"], pid1=mode)
    assert r.returncode == 0
    got = re.findall(r"bosun: reaped pid \d+: (.*)\n", r.stderr)
    assert sorted(got) == ["exited 7", "killed by SIGTERM"], r.stderr


def test_help_shows_the_options_and_a_pod():
    r = run(["--help"])
    assert r.returncode == 0 and r.stderr == ""
    for s in ["--log-format FMT", "--termination-log PATH",
              "lastState.terminated.message", "killed by the OOM killer"]:
        assert s in r.stdout


# The start-up handler's exits (a stop signal while a secret read stalls,
# the read's deadline) write the termination message too, and JSON.
def test_stop_while_a_read_stalls_writes_the_message(tmp_path, mode):
    from test_startup import BASE, bosun_pid, stalled_read
    log = tmp_path / "termination-log"
    d = tmp_path / "tracefs"
    argv = stalled_read(tmp_path, mode, [
        "--termination-log", str(log), "--log-format", "json", "-s",
        f"A={d}/trace_pipe", "true"])
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, env=BASE)
    try:
        pid = bosun_pid(p, mode)
        wait_until(lambda: open(f"/proc/{pid}/stat").read().split(") ")[1]
                   .startswith("S") and os.path.exists(log),
                   what="bosun blocked in the read")
        os.kill(pid, signal.SIGTERM)
        _, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 143
    (o,) = json_lines(err)
    assert o["level"] == "error"
    assert o["msg"] == "SIGTERM before the command started; exiting"
    assert message(log) == "not started: SIGTERM before the command started\n"


def test_read_deadline_writes_the_message(tmp_path, mode):
    from test_startup import BASE, stalled_read
    log = tmp_path / "termination-log"
    d = tmp_path / "tracefs"
    argv = stalled_read(tmp_path, mode, [
        "--termination-log", str(log), "--hook-timeout", "300ms", "-s",
        f"A={d}/trace_pipe", "true"])
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                       env=BASE)
    assert r.returncode == 125
    want = ("cannot load secrets: reading took longer than 300 ms "
            f"(--hook-timeout): still reading {d}/trace_pipe")
    assert r.stderr == f"bosun: {want}\n"
    assert message(log) == f"not started: {want}\n"


def test_stop_while_a_hook_runs_writes_the_message(tmp_path, mode):
    if os.environ.get("TEST_VALGRIND"):
        pytest.skip("valgrind 3.19 lacks pidfd_open, which hooks use: it "
                    "warns on stderr, and exact stderr is checked here")
    log = tmp_path / "termination-log"
    started = tmp_path / "started"
    hook = tmp_path / "hook"
    hook.write_text(f"#!/bin/sh\ntouch {started}\nexec sleep 30\n")
    hook.chmod(0o755)
    p = subprocess.Popen(
        (["unshare", "--pid", "--fork", "--mount-proc"] if mode else [])
        + [BOSUN, "--termination-log", str(log), "--hook", str(hook),
           "true"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        wait_until(started.exists, what="the hook")
        pid = p.pid if not mode else wait_until(
            lambda: [int(x) for x in open(
                f"/proc/{p.pid}/task/{p.pid}/children").read().split()],
            what="bosun")[0]
        os.kill(pid, signal.SIGTERM)
        _, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 143
    assert err == "bosun: SIGTERM before the command started; exiting\n"
    assert message(log) == "not started: SIGTERM before the command started\n"
