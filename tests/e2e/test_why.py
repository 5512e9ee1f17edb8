# SPDX-License-Identifier: MIT
"""Why a container ended, in the real Docker engine: the termination
message in a bind-mounted file (Kubernetes' way), an OOM kill of the
command under --memory 32m, and a worker OOM-killed while the command
lives. Where the engine uses cgroup v1 bosun must stay silent about the
OOM killer; these tests then check that silence and the plain facts."""
import json

from conftest import BB, docker, logs, start, wait, wait_until

LIMIT = ["--memory", "32m", "--memory-swap", "32m"]


def cgroup_version():
    return docker("info", "--format", "{{.CgroupVersion}}").stdout.strip()


def termination_log(tmp_path):
    f = tmp_path / "termination-log"
    f.write_text("")
    f.chmod(0o666)
    return f, ["-v", f"{f}:/dev/termination-log"]


def test_termination_message_through_a_bind_mounted_file(tmp_path,
                                                         containers):
    f, mount = termination_log(tmp_path)
    cid = start(BB, "sh", "-c", "trap 'exit 0' TERM; sleep 30 & wait",
                opts=mount)
    containers.append(cid)
    wait_until(lambda: "sleep" in docker("top", cid).stdout, what="sleep")
    docker("stop", "-t", "10", cid)
    assert wait(cid) == 0
    text = f.read_text()
    assert text.startswith("stopped by SIGTERM from outside, exited 0 after ")
    assert text.endswith(" s\n") and text.count("\n") == 1
    assert logs(cid) == ""


def test_the_commands_own_message_wins_in_the_bind_mounted_file(
        tmp_path, containers):
    f, mount = termination_log(tmp_path)
    cid = start(BB, "sh", "-c",
                "printf 'config invalid' >/dev/termination-log; exit 3",
                opts=mount)
    containers.append(cid)
    assert wait(cid) == 3
    assert f.read_text() == "config invalid"


def test_command_allocating_until_killed(tmp_path, containers):
    f, mount = termination_log(tmp_path)
    cid = start(BB, "/bin/memhog",
                opts=LIMIT + mount + ["-e", "BOSUN_LOG_FORMAT=json"])
    containers.append(cid)
    assert wait(cid) == 137
    out = logs(cid)
    lines = [json.loads(line) for line in out.splitlines()
             if line.startswith("{")]
    if cgroup_version() == "2":
        (w,) = [o for o in lines if o["level"] == "warning"]
        assert w["msg"].startswith("the command was killed by the OOM "
                                   "killer (memory.max 32 MiB, peak ")
        assert w["signal"] == "SIGKILL"
        assert f.read_text().startswith(
            "killed by the OOM killer (memory.max 32 MiB, peak ")
    else:
        # cgroup v1: no memory.events to read, so nothing is claimed
        assert lines == [], out
        assert f.read_text() == "killed by SIGKILL\n"


def test_worker_oom_killed_while_the_command_lives(tmp_path, containers):
    f, mount = termination_log(tmp_path)
    # the worker is orphaned (its shell exits), so bosun, PID 1, reaps it
    cid = start(BB, "sh", "-c",
                "(/bin/memhog &); i=0; "
                "while [ $i -lt 300 ] && pidof memhog >/dev/null; do "
                "sleep 0.1; i=$((i+1)); done; echo command-still-alive; "
                "exit 0", opts=LIMIT + mount + ["-e", "BOSUN_VERBOSE=1"])
    containers.append(cid)
    assert wait(cid) == 0
    out = logs(cid)
    assert "command-still-alive" in out
    assert "reaped pid " in out and ": killed by SIGKILL" in out, out
    if cgroup_version() == "2":
        assert "(memhog) was killed by the OOM killer (memory.max 32 MiB" \
            in out, out
    else:
        assert "OOM" not in out, out
    assert f.read_text() == "exited 0\n"
