# SPDX-License-Identifier: MIT
"""Helpers for the Docker end-to-end tests; tests/e2e/run builds the
images first. Every container carries the label bosun-e2e, so the run
script can remove them all; HTTP goes only to ports published on
127.0.0.1."""
import socket
import subprocess
import time
import urllib.request

import pytest

BB = "bosun-e2e/bb"
DEB = "bosun-e2e/deb"
EXAMPLE = "bosun-example"


def docker(*args, check=True, timeout=180, **kw):
    r = subprocess.run(["docker", *args], capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {r.stderr}")
    return r


def run(image, *cmd, opts=(), timeout=120):
    """docker run --rm; returns the CompletedProcess."""
    return docker("run", "--rm", "--label", "bosun-e2e", *opts, image, *cmd,
                  check=False, timeout=timeout)


def start(image, *cmd, opts=()):
    """docker run -d; returns the container id."""
    return docker("run", "-d", "--label", "bosun-e2e", *opts, image,
                  *cmd).stdout.strip()


def wait(cid, timeout=60):
    return int(docker("wait", cid, timeout=timeout).stdout.strip())


def logs(cid):
    r = docker("logs", cid)
    return r.stdout + r.stderr


def exec_(cid, *cmd):
    return docker("exec", cid, *cmd, check=False)


def wait_until(pred, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path="/", timeout=5):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}",
                                    timeout=timeout) as r:
            return r.read().decode()
    except OSError:
        return None


@pytest.fixture
def containers():
    """Removes the containers a test started, whatever happened."""
    ids = []
    yield ids
    for cid in ids:
        docker("rm", "-f", cid, check=False)
