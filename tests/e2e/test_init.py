# SPDX-License-Identifier: MIT
"""bosun as the engines' --init: a second dockerd of tests/e2e/run's own
whose init-path is the static bosun (taken out of the bosun:VERSION
image), and Podman's --init-path. Each engine runs its init as
`INIT -- CMD...` with the container's environment and no other flag, so
bosun is configured through BOSUN_* alone. The command is the image's
busybox, with no bosun ENTRYPOINT in the way."""
import hashlib
import os
import re
import shlex
import shutil
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
    assert re.fullmatch(rf"bosun version {re.escape(VERSION)} - "
                        r"git\.([0-9a-f]{7}|unknown)", lines[1]), lines
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


def test_docker_info_reads_the_init_commit_without_a_warning():
    """dockerd runs `INIT --version` for docker info and parses it as
    tini's line: the commit after " - git." and no warning in its log."""
    cmd, _ = engine_cmd("docker")
    log = os.path.join(os.path.dirname(__file__), "..", "..", "build", "e2e",
                       "dockerd2.log")
    before = os.path.getsize(log)
    r = subprocess.run(cmd + ["info", "--format", "{{json .InitCommit}}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = subprocess.run([INIT, "--version"], capture_output=True,
                         text=True).stdout
    sha = out.rsplit(" - git.", 1)[1].strip()
    assert f'"ID":"{sha}"' in r.stdout, (r.stdout, out)
    with open(log) as f:
        f.seek(before)
        assert "failed to parse" not in f.read()


def podman_with_conf(tmp_path):
    """Podman with a containers.conf naming bosun as init_path and, as
    catatonit, in helper_binaries_dir; returns a function running it."""
    cmd, _ = engine_cmd("podman")
    helpers = tmp_path / "helpers"
    helpers.mkdir()
    shutil.copy(INIT, helpers / "catatonit")
    conf = tmp_path / "containers.conf"
    # the limits podman would ask for are above this machine's hard ones
    conf.write_text(f'[containers]\ndefault_ulimits = ["nofile=4096:4096", '
                    f'"nproc=4096:4096"]\ninit_path = "{INIT}"\n[engine]\n'
                    f'helper_binaries_dir = ["{helpers}"]\n')
    env = {**os.environ, "CONTAINERS_CONF": str(conf)}

    def pm(*args, check=True):
        r = subprocess.run(cmd + list(args), capture_output=True, text=True,
                           timeout=180, env=env)
        if check:
            assert r.returncode == 0, (args, r.stderr)
        return r
    return pm


def test_podman_init_path_from_containers_conf(tmp_path):
    pm = podman_with_conf(tmp_path)
    r = pm("run", "--rm", "--init", "--network", "none", "--entrypoint", "",
           "-e", "BOSUN_GRACE=1s", BB, "sh", "-c",
           "tr '\\0' ' ' </proc/1/cmdline; echo; "
           "/run/podman-init --version; exit 6", check=False)
    assert r.returncode == 6, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("/run/podman-init -- sh -c "), lines
    assert lines[1].startswith(f"bosun version {VERSION} - git."), lines
    assert r.stderr == ""


def test_podman_pod_infra_runs_bosun_in_pause_mode(tmp_path):
    """Podman builds a pod's pause image from the catatonit it finds in
    helper_binaries_dir and runs it as `/catatonit -P`: with bosun there,
    the infra container sleeps without a wake-up and a pod stop ends it
    with 0 at once, not at the stop timeout's SIGKILL."""
    pm = podman_with_conf(tmp_path)

    pod = "bosun-e2e-pause"
    pm("pod", "rm", "-f", pod, check=False)
    try:
        pm("pod", "create", "--name", pod)
        pm("pod", "start", pod)
        infra = pm("pod", "inspect", "-f", "{{.InfraContainerID}}",
                   pod).stdout.strip()
        pid = int(pm("inspect", "-f", "{{.State.Pid}}", infra).stdout)
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            assert f.read() == b"/catatonit\0-P\0"
        with open(f"/proc/{pid}/exe", "rb") as f, open(INIT, "rb") as g:
            assert hashlib.sha256(f.read()).digest() == \
                hashlib.sha256(g.read()).digest(), "the infra is not bosun"

        def switches():
            with open(f"/proc/{pid}/status") as f:
                return sum(int(l.split()[1]) for l in f
                           if "ctxt_switches" in l)

        time.sleep(0.3)
        n = switches()
        time.sleep(1.5)
        assert switches() == n, "woke up while pausing"
        t0 = time.monotonic()
        pm("pod", "stop", "-t", "20", pod)
        assert time.monotonic() - t0 < 10, "well before the stop timeout"
        st = pm("inspect", "-f", "{{.State.ExitCode}}", infra).stdout.strip()
        assert st == "0"
    finally:
        pm("pod", "rm", "-f", pod, check=False)


def test_an_image_naming_tini_keeps_working_when_tini_is_bosun(tmp_path):
    """ENTRYPOINT ["/sbin/tini", "-s", "-g", "-e", "3", "--"] with bosun
    as /sbin/tini, and tini's variables."""
    if not INIT:
        pytest.skip("no init binary (tests/e2e/run sets BOSUN_E2E_INIT)")
    os.chmod(tmp_path, 0o777)
    r = subprocess.run(
        ["docker", "run", "--rm", "--label", "bosun-e2e", "--network", "none",
         "-v", f"{INIT}:/sbin/tini:ro", "-v", f"{tmp_path}:/out",
         "-e", "TINI_SUBREAPER=1", "-e", "TINI_VERBOSITY=2",
         "--entrypoint", "/sbin/tini", BB,
         "-s", "-g", "-w", "-e", "3", "--", "sh", "-c",
         "(sleep 0.1 &); sleep 0.3; echo $TINI_SUBREAPER > /out/env; exit 3"],
        capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "env").read_text() == "1\n"
    # TINI_VERBOSITY=2: the life cycle; -w: the orphaned sleep reaped
    assert "bosun: started sh as pid" in r.stderr, r.stderr
    assert re.search(r"bosun: warning: reaped zombie \d+ \(exited 0\)",
                     r.stderr), r.stderr
