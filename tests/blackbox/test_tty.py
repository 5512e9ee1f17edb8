# SPDX-License-Identifier: MIT
"""The terminal: hand-off to the command, ^C, and job control in a shell."""
import os
import pty
import select
import signal
import time

import pytest

from conftest import BOSUN, PY, kill_tree


class Pty:
    """A program on a new pty, as docker run -it or a terminal gives it."""

    def __init__(self, argv, env=None):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe(argv[0], argv, env or dict(os.environ, TERM="dumb"))
        self.buf = b""

    def send(self, text):
        os.write(self.fd, text.encode())

    def expect(self, text, timeout=10):
        deadline = time.monotonic() + timeout
        while text.encode() not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {text!r} in {self.buf[-500:]!r}")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError(f"EOF before {text!r}: {self.buf!r}")
                self.buf += data
        i = self.buf.index(text.encode()) + len(text)
        self.buf = self.buf[i:]

    def wait(self):
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def close(self):
        try:
            kill_tree(self.pid)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


@pytest.fixture
def term():
    opened = []

    def open_(argv, **kw):
        t = Pty(argv, **kw)
        opened.append(t)
        return t

    yield open_
    for t in opened:
        t.close()


FG_CHECK = ("import os; print('fg', os.tcgetpgrp(0) == os.getpgrp(), flush=True); "
            "os.execvp('sleep', ['sleep', '60'])")


def test_command_gets_the_terminal_and_ctrl_c_gives_130(term, mode):
    wrap = ["unshare", "--pid", "--fork", "--mount-proc"] if mode else []
    t = term(wrap + [BOSUN, "--", PY, "-c", FG_CHECK])
    t.expect("fg True")
    time.sleep(0.1)
    t.send("\x03")
    assert t.wait() == 130


def test_without_a_terminal_nothing_is_handed_over(tmp_path):
    import subprocess
    r = subprocess.run([BOSUN, PY, "-c", "import os,sys; print(os.isatty(0))"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert r.stdout == "False\n" and r.returncode == 0


def shell(term):
    t = term(["bash", "--norc", "--noprofile", "-i"],
             env={"PATH": os.environ["PATH"], "PS1": "$ ", "TERM": "dumb"})
    t.expect("$ ")
    return t


def test_job_control_stop_and_fg_behave_as_in_a_shell(term):
    t = shell(term)
    t.send(f"{BOSUN} -- cat\n")
    time.sleep(0.3)
    t.send("hello\n")
    t.expect("hello")           # the terminal's echo
    t.expect("hello")           # cat's copy: cat owns the terminal
    t.send("\x1a")              # ^Z: cat stops, so does bosun
    t.expect("Stopped")
    t.send("echo shell-is-back\n")
    t.expect("shell-is-back\r\n")
    t.send("fg\n")
    time.sleep(0.3)
    t.send("again\n")
    t.expect("again")
    t.expect("again")           # cat runs again, in the foreground
    t.send("\x03")              # ^C reaches cat
    t.expect("$ ")
    t.send("echo rc=$?\n")
    t.expect("rc=130")


def test_bg_then_fg_hands_the_terminal_back(term):
    t = shell(term)
    t.send(f"{BOSUN} -- cat\n")
    time.sleep(0.3)
    t.send("\x1a")
    t.expect("Stopped")
    t.send("bg\n")              # continued in the background
    time.sleep(0.3)
    t.send("echo still-mine\n")
    t.expect("still-mine\r\n")  # the shell kept the terminal
    t.send("fg\n")
    time.sleep(0.3)
    t.send("third\n")
    t.expect("third")
    t.expect("third")
    t.send("\x04")              # EOF: cat exits 0
    t.expect("$ ")
    t.send("echo rc=$?\n")
    t.expect("rc=0")


def test_a_background_bosun_does_not_steal_the_terminal(term):
    t = shell(term)
    t.send(f"{BOSUN} -- sleep 30 &\n")
    time.sleep(0.5)
    t.send("read -t 5 x; echo got:$x\n")
    time.sleep(0.2)
    t.send("typed\n")
    t.expect("got:typed")
