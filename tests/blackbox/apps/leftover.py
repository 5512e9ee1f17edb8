# SPDX-License-Identifier: MIT
"""A process left behind by the command, for shutdown tests.
  leftover.py DIR [--ignore-term] [--child] [--stop] [--quit]
Writes DIR/ready-PID once its handler is installed, and appends
"TERM PID" to DIR/log when SIGTERM arrives (then exits, unless told to
ignore it). --child: also fork a child that does the same. --stop: stop
itself after getting ready. --quit: SIGQUIT is a graceful stop: append
"QUIT PID" and exit 0.3 s later (a SIGTERM meanwhile is logged as well)."""
import os
import signal
import sys
import time

d = sys.argv[1]
flags = sys.argv[2:]


def on_term(sig, frame):
    with open(os.path.join(d, "log"), "a") as f:
        f.write(f"TERM {os.getpid()}\n")
    if "--ignore-term" not in flags:
        os._exit(0)


def on_quit(sig, frame):
    with open(os.path.join(d, "log"), "a") as f:
        f.write(f"QUIT {os.getpid()}\n")
    time.sleep(0.3)
    os._exit(0)


signal.signal(signal.SIGTERM, on_term)
if "--quit" in flags:
    signal.signal(signal.SIGQUIT, on_quit)
if "--child" in flags and os.fork() == 0:
    flags.remove("--child")
open(os.path.join(d, f"ready-{os.getpid()}"), "w").close()
if "--stop" in flags:
    os.kill(os.getpid(), signal.SIGSTOP)
while True:
    time.sleep(60)
