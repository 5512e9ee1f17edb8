# SPDX-License-Identifier: MIT
"""bosun as the ENTRYPOINT of real images under a real Docker engine."""
import os
import pty
import select
import signal
import subprocess
import threading
import time

import pytest

from conftest import (BB, DEB, EXAMPLE, docker, exec_, free_port, http_get,
                      logs, run, start, wait, wait_until)


def test_exit_codes_and_bosun_is_pid1_with_the_app_as_its_child():
    r = run(BB, "sh", "-c", "echo ppid=$PPID; cat /proc/1/comm; exit 7")
    assert r.returncode == 7
    assert r.stdout == "ppid=1\nbosun\n"
    assert run(BB, "sh", "-c", "kill -USR1 $$").returncode == 138
    assert run(BB, "no-such-app").returncode == 127


def test_docker_stop_ends_a_term_obeying_app_promptly(containers):
    cid = start(BB, "sh", "-c", "trap 'echo bye; exit 3' TERM; "
                "while :; do sleep 0.05; done")
    containers.append(cid)
    time.sleep(0.5)
    t0 = time.monotonic()
    docker("stop", cid)
    assert time.monotonic() - t0 < 5, "well under Docker's 10 s"
    assert wait(cid) == 3
    assert "bye" in logs(cid)


def test_kill_after_ends_an_app_that_ignores_sigterm(containers):
    cid = start(BB, "sh", "-c", "trap '' TERM; while :; do sleep 0.05; done",
                opts=["-e", "BOSUN_KILL_AFTER=1s"])
    containers.append(cid)
    time.sleep(0.5)
    t0 = time.monotonic()
    docker("stop", "-t", "30", cid)
    elapsed = time.monotonic() - t0
    assert wait(cid) == 137
    assert 0.9 <= elapsed < 4, elapsed


def test_leftovers_get_sigterm_and_their_handler_runs(tmp_path, containers):
    os.chmod(tmp_path, 0o777)
    cid = start(BB, "sh", "-c",
                "(trap 'echo handled > /out/leftover; exit 0' TERM; "
                "while :; do sleep 0.05; done) & sleep 0.5; exit 4",
                opts=["-v", f"{tmp_path}:/out"])
    containers.append(cid)
    assert wait(cid) == 4
    assert (tmp_path / "leftover").read_text() == "handled\n"


def test_no_zombies_after_an_orphan_storm(containers):
    cid = start(BB, "sh", "-c", "orphans 5000; sleep 60")
    containers.append(cid)
    wait_until(lambda: "made 5000" in logs(cid), 120, "the storm")

    def zombies():
        r = exec_(cid, "sh", "-c", "grep -l '^State:.*Z' /proc/[0-9]*/status "
                  "2>/dev/null | wc -l")
        return int(r.stdout.strip())

    wait_until(lambda: zombies() == 0, 30, "no zombies")


def test_kill_s_hup_is_forwarded(containers):
    cid = start(BB, "sigecho")
    containers.append(cid)
    wait_until(lambda: "ready" in logs(cid), 10, "sigecho")
    docker("kill", "-s", "HUP", cid)
    docker("kill", "-s", "RTMIN+3", cid)
    wait_until(lambda: "1 0 from" in logs(cid) and "37 0 from" in logs(cid),
               10, "HUP and RTMIN+3 forwarded")


NGINX_CONF = """
worker_processes 2;
pid /tmp/nginx.pid;
error_log stderr;
events {{ worker_connections 64; }}
http {{
    access_log off;
    server {{
        listen 80;
        location = / {{ return 200 "{body}\\n"; }}
        location /big {{ root /conf/www; limit_rate 100k; }}
    }}
}}
"""


def nginx(tmp_path, containers, body, opts=()):
    (tmp_path / "www").mkdir(exist_ok=True)
    (tmp_path / "www" / "big").write_bytes(b"x" * 300_000)
    (tmp_path / "nginx.conf").write_text(NGINX_CONF.format(body=body))
    os.chmod(tmp_path, 0o755)
    port = free_port()
    cid = start(DEB, "nginx", "-c", "/conf/nginx.conf", "-g", "daemon off;",
                opts=["-v", f"{tmp_path}:/conf:ro",
                      "-p", f"127.0.0.1:{port}:80", *opts])
    containers.append(cid)
    wait_until(lambda: http_get(port) == f"{body}\n", 20, "nginx up")
    return cid, port


def worker_pids(cid):
    r = exec_(cid, "sh", "-c", "for p in /proc/[0-9]*; do "
              "grep -q '^nginx: worker' $p/cmdline 2>/dev/null && "
              "echo ${p#/proc/}; done")
    return set(r.stdout.split())


def test_nginx_reloads_on_docker_kill_hup(tmp_path, containers):
    cid, port = nginx(tmp_path, containers, "v1")
    before = worker_pids(cid)
    assert len(before) == 2
    (tmp_path / "nginx.conf").write_text(NGINX_CONF.format(body="v2"))
    docker("kill", "-s", "HUP", cid)
    wait_until(lambda: http_get(port) == "v2\n", 20, "new config served")
    wait_until(lambda: worker_pids(cid) and not (worker_pids(cid) & before),
               20, "new workers")


def test_rewrite_term_to_quit_makes_docker_stop_graceful(tmp_path, containers):
    cid, port = nginx(tmp_path, containers, "ok",
                      opts=["-e", "BOSUN_REWRITE=TERM:QUIT"])
    got = {}

    def download():
        got["body"] = http_get(port, "/big", timeout=30)

    t = threading.Thread(target=download)
    t.start()
    time.sleep(0.5)               # the 3 s download is in flight
    docker("stop", "-t", "20", cid)
    t.join()
    assert got["body"] is not None and len(got["body"]) == 300_000, \
        "the in-flight request completed"
    assert wait(cid) == 0


def test_secrets_dir_root_only_file_for_the_app_user(tmp_path):
    s = tmp_path / "secrets"
    s.mkdir()
    (s / "DB_PASSWORD").write_text("pw-e2e\n")
    os.chmod(s / "DB_PASSWORD", 0o400)
    r = run(BB, "sh", "-c", "id -u; cat /run/secrets/DB_PASSWORD 2>/dev/null "
            "|| echo unreadable; echo $DB_PASSWORD",
            opts=["-v", f"{s}:/run/secrets:ro", "-e", "BOSUN_USER=app",
                  "-e", "BOSUN_SECRETS_DIR=/run/secrets"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "1000\nunreadable\npw-e2e\n"


def test_file_env_with_postgres_password_file(tmp_path):
    (tmp_path / "pg").write_text("pg-secret\n")
    r = run(BB, "sh", "-c", "echo $POSTGRES_PASSWORD; "
            "echo ${POSTGRES_PASSWORD_FILE-removed}",
            opts=["-v", f"{tmp_path}/pg:/run/secrets/pg:ro",
                  "-e", "POSTGRES_PASSWORD_FILE=/run/secrets/pg",
                  "-e", "BOSUN_FILE_ENV=POSTGRES_PASSWORD"])
    assert r.stdout == "pg-secret\nremoved\n", r.stderr


def test_missing_secret_stops_the_container_with_125(tmp_path):
    os.chmod(tmp_path, 0o777)
    r = run(BB, "touch", "/out/ran",
            opts=["-v", f"{tmp_path}:/out", "-e",
                  "BOSUN_SECRETS=DB=/run/secrets/missing"])
    assert r.returncode == 125
    assert "cannot read secret DB from /run/secrets/missing" in r.stderr
    assert not (tmp_path / "ran").exists()


STATUS = "grep -E '^(Uid|Gid|Groups|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' " \
         "/proc/self/status"


def fields(text):
    return {l.split(":")[0]: l.split(":")[1].split() for l in text.splitlines()}


def test_app_user_has_its_groups_and_no_capabilities():
    r = run(BB, "sh", "-c", STATUS, opts=["-e", "BOSUN_USER=app"])
    f = fields(r.stdout)
    assert f["Uid"] == ["1000"] * 4 and f["Gid"] == ["1000"] * 4
    assert sorted(f["Groups"]) == ["1000", "29", "44"]
    assert f["CapEff"] == f["CapBnd"] == f["CapAmb"] == ["0000000000000000"]
    assert f["NoNewPrivs"] == ["1"]


def test_cap_drop_all_with_a_user_fails_and_never_runs_as_root(tmp_path):
    os.chmod(tmp_path, 0o777)
    r = run(BB, "touch", "/out/ran", opts=["--cap-drop", "ALL", "-v",
                                           f"{tmp_path}:/out",
                                           "-e", "BOSUN_USER=app"])
    assert r.returncode == 125
    assert "cannot set groups" in r.stderr
    assert not (tmp_path / "ran").exists()


def test_no_new_privileges_read_only_and_docker_user_all_work():
    r = run(BB, "sh", "-c", STATUS, opts=[
        "--security-opt", "no-new-privileges", "--read-only",
        "--user", "1000:1000", "-e", "BOSUN_USER=app"])
    assert r.returncode == 0, r.stderr
    f = fields(r.stdout)
    assert f["Uid"] == ["1000"] * 4 and f["NoNewPrivs"] == ["1"]
    r = run(BB, "sh", "-c", "id -u", opts=["--user", "1000:1000",
                                           "-e", "BOSUN_USER=nobody"])
    assert r.returncode == 125 and "not root" in r.stderr


def test_seccomp_baseline_under_unconfined_docker():
    script = "unshare -U true 2>/dev/null && echo unshare-allowed; " \
             "grep ^Seccomp: /proc/self/status; echo shell-ok"
    r = run(BB, "sh", "-c", script, opts=[
        "--security-opt", "seccomp=unconfined", "--cap-add", "SYS_ADMIN",
        "-e", "BOSUN_SECCOMP=baseline"])
    assert r.stdout == "Seccomp:\t2\nshell-ok\n", r.stdout + r.stderr
    r = run(BB, "sh", "-c", script, opts=[
        "--security-opt", "seccomp=unconfined", "--cap-add", "SYS_ADMIN"])
    assert "unshare-allowed" in r.stdout, "allowed without bosun's filter"


def test_docker_run_it_gives_the_app_the_terminal():
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("docker", ["docker", "run", "--rm", "-it", "--label",
                             "bosun-e2e", BB, "sh", "-c",
                             "tty; read line; echo got:$line; cat"])
    buf = b""

    def expect(text, timeout=30):
        nonlocal buf
        deadline = time.monotonic() + timeout
        while text.encode() not in buf:
            left = deadline - time.monotonic()
            r, _, _ = select.select([fd], [], [], max(0, left))
            if not r or left <= 0:
                raise AssertionError(f"no {text!r} in {buf!r}")
            try:
                buf += os.read(fd, 4096)
            except OSError:
                raise AssertionError(f"EOF before {text!r} in {buf!r}")

    try:
        expect("/dev/pts/")
        os.write(fd, b"hello\r")
        expect("got:hello")
        time.sleep(0.3)
        os.write(fd, b"\x03")      # ^C reaches cat in the foreground
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 130
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(fd)


def test_job_control_in_a_shell_inside_docker_run_it():
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("docker", ["docker", "run", "--rm", "-it", "--label",
                             "bosun-e2e", "-e", "PS1=$ ", BB, "sh", "-i"])
    buf = b""

    def expect(text, timeout=30):
        nonlocal buf
        deadline = time.monotonic() + timeout
        while text.encode() not in buf:
            left = deadline - time.monotonic()
            r, _, _ = select.select([fd], [], [], max(0, left))
            if not r or left <= 0:
                raise AssertionError(f"no {text!r} in {buf!r}")
            buf += os.read(fd, 4096)
        buf = buf[buf.index(text.encode()) + len(text):]

    try:
        expect("$ ")
        os.write(fd, b"sleep 30\r")
        time.sleep(0.5)
        os.write(fd, b"\x1a")      # ^Z: the shell's job control works
        expect("Stopped")
        os.write(fd, b"jobs\r")
        expect("sleep 30")
        os.write(fd, b"fg\r")      # back in the foreground ...
        time.sleep(0.5)
        os.write(fd, b"\x03")      # ... where ^C reaches it
        expect("$ ")
        os.write(fd, b"echo rc=$?\r")
        expect("rc=130")
        os.write(fd, b"exit 5\r")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 5
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(fd)


def test_dockerfile_example_serves_http_as_non_root_and_stops_gracefully(
        tmp_path, containers):
    (tmp_path / "token").write_text("example-token\n")
    os.chmod(tmp_path / "token", 0o400)
    port = free_port()
    cid = start(EXAMPLE, opts=["-p", f"127.0.0.1:{port}:8080",
                               "-v", f"{tmp_path}/token:/run/secrets/token:ro",
                               "-e", "APP_TOKEN_FILE=/run/secrets/token"])
    containers.append(cid)
    body = wait_until(lambda: http_get(port), 30, "the example app")
    assert ", uid 0," not in body, "the app runs as the user app"
    assert "APP_TOKEN set" in body
    t0 = time.monotonic()
    docker("stop", cid)
    assert wait(cid) == 0
    assert time.monotonic() - t0 < 5
    assert "app: stopped" in logs(cid)
    assert "example-token" not in logs(cid)


def test_compose_with_secrets(tmp_path):
    env = dict(os.environ, BOSUN_E2E_PORT=str(free_port()))
    compose = ["docker-compose", "-p", "bosune2e"]
    ex = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
    up = subprocess.run(compose + ["up", "-d", "--no-build"], cwd=ex, env=env,
                        capture_output=True, text=True, timeout=120)
    try:
        assert up.returncode == 0, up.stderr
        body = wait_until(lambda: http_get(int(env["BOSUN_E2E_PORT"])), 30,
                          "the compose app")
        assert "APP_TOKEN set" in body and ", uid 0," not in body
    finally:
        down = subprocess.run(compose + ["down", "-t", "10"], cwd=ex, env=env,
                              capture_output=True, text=True, timeout=120)
    assert down.returncode == 0, down.stderr
