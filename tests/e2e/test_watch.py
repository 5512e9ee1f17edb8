# SPDX-License-Identifier: MIT
"""--watch and --on-change with software no one here wrote: Debian's nginx
reloads when its mounted configuration changes, without dropping a
request; a secret volume swapped as the kubelet does restarts the app."""
import os
import shutil
import threading
import time

from conftest import (BB, DEB, docker, exec_, free_port, http_get, logs,
                      start, wait_until)

CONF = """
worker_processes 2;
pid /tmp/nginx.pid;
error_log stderr;
events {{ worker_connections 256; }}
http {{
    access_log off;
    server {{
        listen 80;
        location = / {{ return 200 "{body}\\n"; }}
    }}
}}
"""


def replace(path, text):
    """As a config tool or git does: a new file renamed over the old."""
    tmp = path.parent / (path.name + ".new")
    tmp.write_text(text)
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


def worker_pids(cid):
    r = exec_(cid, "sh", "-c", "for p in /proc/[0-9]*; do "
              "grep -q '^nginx: worker' $p/cmdline 2>/dev/null && "
              "echo ${p#/proc/}; done")
    return set(r.stdout.split())


def test_nginx_reloads_when_its_mounted_config_changes(tmp_path,
                                                         containers):
    conf = tmp_path / "nginx"
    conf.mkdir()
    replace(conf / "nginx.conf", CONF.format(body="v1"))
    os.chmod(tmp_path, 0o755)
    os.chmod(conf, 0o755)
    port = free_port()
    cid = start(DEB, "nginx", "-g", "daemon off;",
                opts=["-v", f"{conf}:/etc/nginx:ro",
                      "-p", f"127.0.0.1:{port}:80",
                      "-e", "BOSUN_WATCH=/etc/nginx",
                      "-e", "BOSUN_ON_CHANGE=HUP",
                      "-e", "BOSUN_WATCH_SETTLE=300ms",
                      "-e", "BOSUN_VERBOSE=1"])
    containers.append(cid)
    wait_until(lambda: http_get(port) == "v1\n", 20, "nginx up")
    before = worker_pids(cid)
    assert len(before) == 2

    # a client asking all the time, before, during and after the change
    seen, failed, stop = [], [], threading.Event()

    def client():
        while not stop.is_set():
            body = http_get(port, timeout=5)
            (seen if body is not None else failed).append(body)

    t = threading.Thread(target=client)
    t.start()
    try:
        wait_until(lambda: len(seen) >= 20, 20, "requests before")
        replace(conf / "nginx.conf", CONF.format(body="v2"))
        wait_until(lambda: seen and seen[-1] == "v2\n", 20,
                   "the new config served")
        # the old workers finish what they accepted, then only new ones
        wait_until(lambda: worker_pids(cid) and
                   not (worker_pids(cid) & before), 20, "new workers")
        n = len(seen)
        wait_until(lambda: len(seen) >= n + 20, 20, "requests after")
    finally:
        stop.set()
        t.join()
    assert failed == [], f"{len(failed)} requests failed of {len(seen)}"
    assert set(seen) == {"v1\n", "v2\n"}
    assert seen[0] == "v1\n" and all(b == "v2\n" for b in seen[n:])
    log = logs(cid)
    assert "/etc/nginx: changed (nginx.conf" in log, log
    assert log.count("sending SIGHUP to the command") == 1, log


def test_a_secret_volume_swap_restarts_the_app(tmp_path, containers):
    """The kubelet's update of a secret volume, done on the host side of a
    bind mount: the app starts again once, with both new keys."""
    vol = tmp_path / "vol"
    vol.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(vol, 0o755)

    def swap(n, old=None):
        ts = vol / f"..2026_11_23_15_00_{n:02d}.1"
        ts.mkdir()
        os.chmod(ts, 0o755)
        for k in ("user", "password"):
            (ts / k).write_text(f"{k}{n}")
            os.chmod(ts / k, 0o644)
            if not os.path.lexists(vol / k):
                os.symlink(f"..data/{k}", vol / k)
        os.symlink(ts.name, vol / "..data_tmp")
        os.rename(vol / "..data_tmp", vol / "..data")
        if old:
            shutil.rmtree(old)
        return ts

    old = swap(1)
    cid = start(BB, "sh", "-c", 'echo "start $user $password"; '
                "exec sleep 100000",
                opts=["-v", f"{vol}:/etc/creds:ro",
                      "-e", "BOSUN_SECRETS_DIR=/etc/creds",
                      "-e", "BOSUN_ON_CHANGE=restart",
                      "-e", "BOSUN_WATCH_SETTLE=300ms"])
    containers.append(cid)
    wait_until(lambda: "start user1 password1" in logs(cid), 20, "first")
    t0 = time.monotonic()
    swap(2, old)
    wait_until(lambda: "start user2 password2" in logs(cid), 20, "restart")
    assert time.monotonic() - t0 < 10
    time.sleep(1)
    log = logs(cid)
    assert log.count("start ") == 2, log
    assert "password1" not in log.split("start user2")[1]
    docker("stop", cid)


def test_a_hook_runs_again_on_a_restart(tmp_path, containers):
    """A secret manager's CLI as a hook (here a script reading a token file
    the host rotates, and leaving an agent of its own behind): a change
    restarts the app once with the hook's new output; every agent the hook
    left is gone, the app's own worker of before too."""
    d = tmp_path / "vault"
    d.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(d, 0o755)
    hook = tmp_path / "get-secrets"
    hook.write_text("#!/bin/sh\n"
                    "setsid sleep 4242 </dev/null >/dev/null 2>&1 &\n"
                    'echo "TOKEN=$(cat /etc/vault/token)"\n')
    os.chmod(hook, 0o755)
    replace(d / "token", "t1")
    cid = start(BB, "sh", "-c", 'echo "start $TOKEN"; sleep 100000 & wait',
                opts=["-v", f"{d}:/etc/vault:ro",
                      "-v", f"{hook}:/hooks/get-secrets:ro",
                      "-e", "BOSUN_HOOK=/hooks/get-secrets",
                      "-e", "BOSUN_WATCH=/etc/vault",
                      "-e", "BOSUN_ON_CHANGE=restart",
                      "-e", "BOSUN_WATCH_SETTLE=300ms"])
    containers.append(cid)
    wait_until(lambda: "start t1" in logs(cid), 20, "first")
    t0 = time.monotonic()
    replace(d / "token", "t2")
    wait_until(lambda: "start t2" in logs(cid), 20, "restart")
    assert time.monotonic() - t0 < 10
    time.sleep(1)
    log = logs(cid)
    assert log.count("start ") == 2, log
    ps = exec_(cid, "ps").stdout
    assert "sleep 4242" not in ps, ps
    # the new app and its one worker
    workers = [ln for ln in ps.splitlines()
               if ln.split(None, 2)[-1] == "sleep 100000"]
    assert len(workers) == 1, ps
    docker("stop", cid)
