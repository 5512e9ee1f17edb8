# SPDX-License-Identifier: MIT
"""--wait and --probe in the real engine, with software no one here wrote:
PostgreSQL from Debian's packages (examples/Dockerfile.postgres) on a
compose network (examples/compose-wait.yaml). The app is started first and
waits for db:5432; the database's compose healthcheck is bosun --probe."""
import os
import subprocess

from conftest import docker, logs, wait_until

EX = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
COMPOSE = ["docker-compose", "-p", "bosune2ewait", "-f", "compose-wait.yaml"]
IMAGE = "bosun-example-pg"


def compose(*args, timeout=120):
    return subprocess.run(COMPOSE + list(args), cwd=EX, capture_output=True,
                          text=True, timeout=timeout)


def state(cid, field):
    return docker("inspect", "-f", "{{" + field + "}}", cid).stdout.strip()


def test_app_waits_for_postgres_and_probe_is_the_healthcheck():
    try:
        up = compose("up", "-d", "--no-build", "app")
        assert up.returncode == 0, up.stderr
        app = compose("ps", "-q", "app").stdout.strip()
        # no db yet: its name does not even resolve; the app waits
        wait_until(lambda: "waiting for tcp://db:5432" in logs(app), 30,
                   "the app's wait")
        assert state(app, ".State.Running") == "true"
        assert "accepting connections" not in logs(app)

        up = compose("up", "-d", "--no-build", "db")
        assert up.returncode == 0, up.stderr
        db = compose("ps", "-q", "db").stdout.strip()
        wait_until(lambda: state(app, ".State.Running") == "false", 90,
                   "the app's command to run and end")
        out = logs(app)
        # pg_isready: 0 accepting, 1 rejecting (still starting up), 2 no
        # answer at all; 2 would mean the command ran before the server
        # listened
        code = int(state(app, ".State.ExitCode"))
        assert code in (0, 1), out
        assert "db:5432 - accepting connections" in out or \
            "db:5432 - rejecting connections" in out, out
        assert "tcp://db:5432 is ready after" in out, out

        # the compose healthcheck is bosun --probe
        wait_until(lambda: state(db, ".State.Health.Status") == "healthy",
                   90, "db healthy")
        health = docker("inspect", "-f",
                        "{{range .State.Health.Log}}{{.ExitCode}} {{end}}",
                        db).stdout.split()
        assert health and health[-1] == "0"

        # a closed port is unhealthy, with one line saying why
        r = docker("exec", db, "/sbin/bosun", "--probe",
                   "tcp://127.0.0.1:1", check=False)
        assert (r.returncode, r.stdout) == (1, "")
        assert r.stderr == ("bosun: tcp://127.0.0.1:1 is not ready: "
                            "Connection refused\n")

        # on the same network, a target that never comes: 125, no command
        net = docker("inspect", "-f", "{{range $k, $v := .NetworkSettings."
                     "Networks}}{{$k}}{{end}}", db).stdout.strip()
        r = docker("run", "--rm", "--label", "bosun-e2e", "--network", net,
                   "--entrypoint", "/sbin/bosun", IMAGE, "--wait",
                   "tcp://db:5999", "--wait-timeout", "2s", "--", "echo",
                   "ran", check=False)
        assert r.returncode == 125
        assert "ran" not in r.stdout
        assert r.stderr == ("bosun: not ready after 2000 ms "
                            "(--wait-timeout): tcp://db:5999 "
                            "(Connection refused)\n")
    finally:
        down = compose("down", "-t", "10")
    assert down.returncode == 0, down.stderr
