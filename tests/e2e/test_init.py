# SPDX-License-Identifier: MIT
"""bosun as the engines' --init: a second dockerd of tests/e2e/run's own
whose init-path is the static bosun (taken out of the bosun:VERSION
image), and Podman's --init-path. Each engine runs its init as
`INIT -- CMD...` with the container's environment and no other flag, so
bosun is configured through BOSUN_* alone. The command is the image's
busybox, with no bosun ENTRYPOINT in the way."""
import os
import shlex
import subprocess
import time

import pytest

from conftest import BB, wait_until

D2 = os.environ.get("BOSUN_E2E_DOCKER2")      # the second dockerd's socket
PODMAN = os.environ.get("BOSUN_E2E_PODMAN")   # podman and its storage flags
INIT = os.environ.get("BOSUN_E2E_INIT")       # the init-path, on the host
VERSION = os.environ.get("BOSUN_E2E_VERSION", "")


def engine_cmd(engine):
    if engine == "docker":
        if not D2:
            pytest.skip("no second dockerd (tests/e2e/run starts one)")
        return ["docker", "-H", D2], ["--init"]
    if not PODMAN:
        pytest.skip("no podman (tests/e2e/run sets BOSUN_E2E_PODMAN)")
    # the limits podman would ask for are above this machine's hard ones
    return shlex.split(PODMAN), ["--init", "--init-path", INIT,
                                 "--ulimit", "nofile=4096:4096",
                                 "--ulimit", "nproc=4096:4096"]


@pytest.fixture(params=["docker", "podman"])
def eng(request):
    cmd, init = engine_cmd(request.param)
    started = []

    class Engine:
        name = request.param
        init_path = "/sbin/docker-init" if name == "docker" \
            else "/run/podman-init"

        def __call__(self, *args, check=True, timeout=120):
            r = subprocess.run(cmd + list(args), capture_output=True,
                               text=True, timeout=timeout)
            if check and r.returncode != 0:
                raise AssertionError(f"{args}: {r.stderr}")
            return r

        def run(self, *c, opts=()):
            return self("run", "--rm", "--network", "none", "--entrypoint",
                        "", *init, *opts, BB, *c, check=False)

        def start(self, *c, opts=()):
            cid = self("run", "-d", "--network", "none", "--entrypoint", "",
                       *init, *opts, BB, *c).stdout.strip()
            started.append(cid)
            return cid

        def logs(self, cid):
            r = self("logs", cid)
            return r.stdout + r.stderr

    yield Engine()
    for cid in started:
        subprocess.run(cmd + ["rm", "-f", cid], capture_output=True)


def test_init_is_bosun_as_pid1_with_the_command_its_child(eng):
    r = eng.run("sh", "-c", f"cat /proc/1/cmdline | tr '\\0' ' '; echo; "
                f"{eng.init_path} --version; echo ppid=$PPID; exit 7")
    assert r.returncode == 7, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"{eng.init_path} -- sh -c "), lines
    assert lines[1] == f"bosun {VERSION}", lines
    assert lines[2] == "ppid=1"
    assert r.stderr == ""


def test_exit_by_signal_and_not_found(eng):
    assert eng.run("sh", "-c", "kill -USR1 $$").returncode == 138
    r = eng.run("no-such-app")
    assert r.returncode == 127
    assert "no-such-app" in r.stderr


def test_orphans_are_reaped(eng):
    cid = eng.start("sh", "-c", "orphans 500; sleep 60")
    wait_until(lambda: "made 500" in eng.logs(cid), 60, "the orphans")

    def zombies():
        r = eng("exec", cid, "sh", "-c", "grep -l '^State:.*Z' "
                "/proc/[0-9]*/status 2>/dev/null | wc -l", check=False)
        return int(r.stdout.strip() or -1)

    wait_until(lambda: zombies() == 0, 30, "no zombies")


def test_stop_forwards_sigterm_and_the_exit_status_comes_back(eng):
    cid = eng.start("sh", "-c", "trap 'echo bye; exit 3' TERM; "
                    "echo up; while :; do sleep 0.05; done")
    wait_until(lambda: "up" in eng.logs(cid), 30, "the command")
    t0 = time.monotonic()
    eng("stop", "-t", "20", cid)
    assert time.monotonic() - t0 < 10, "well before the engine's SIGKILL"
    st = eng("inspect", "-f", "{{.State.ExitCode}}", cid).stdout.strip()
    assert st == "3"
    assert "bye" in eng.logs(cid)


def test_kill_hup_is_forwarded(eng):
    cid = eng.start("sigecho")
    wait_until(lambda: "ready" in eng.logs(cid), 30, "sigecho")
    eng("kill", "-s", "HUP", cid)
    wait_until(lambda: "1 0 from" in eng.logs(cid), 10, "HUP forwarded")


def test_secret_from_bosun_secrets_and_the_drop_to_bosun_user(eng, tmp_path):
    (tmp_path / "db").write_text("pw-init\n")
    os.chmod(tmp_path / "db", 0o400)
    r = eng.run("sh", "-c", "id -u; cat /run/secrets/db 2>/dev/null || "
                "echo unreadable; echo $DB; echo ${BOSUN_SECRETS-unset}",
                opts=["-v", f"{tmp_path}/db:/run/secrets/db:ro",
                      "-e", "BOSUN_SECRETS=DB=/run/secrets/db",
                      "-e", "BOSUN_USER=app"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "1000\nunreadable\npw-init\nunset\n"
    assert "pw-init" not in r.stderr


def test_missing_secret_fails_closed_with_125(eng, tmp_path):
    os.chmod(tmp_path, 0o777)
    r = eng.run("touch", "/out/ran", opts=[
        "-v", f"{tmp_path}:/out", "-e", "BOSUN_SECRETS=DB=/run/secrets/no"])
    assert r.returncode == 125
    assert "cannot read secret DB from /run/secrets/no" in r.stderr
    assert not (tmp_path / "ran").exists()


def test_grace_from_the_environment_ends_leftovers(eng, tmp_path):
    os.chmod(tmp_path, 0o777)
    r = eng.run("sh", "-c", "(trap 'echo handled > /out/left; exit 0' TERM; "
                "while :; do sleep 0.05; done) & sleep 0.5; exit 4",
                opts=["-v", f"{tmp_path}:/out", "-e", "BOSUN_GRACE=5s"])
    assert r.returncode == 4, r.stderr
    assert (tmp_path / "left").read_text() == "handled\n"
