# SPDX-License-Identifier: MIT
"""Harness for black-box tests: runs the real bosun binary, either as PID 1
of a fresh pid namespace (unshare --pid --fork --mount-proc) or as an
ordinary child, and looks at what a user would see. Needs root."""
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOSUN = os.environ.get("BOSUN", os.path.join(ROOT, "bosun"))
HELPERS = os.path.join(ROOT, "build", "helpers")
SIGECHO = os.path.join(HELPERS, "sigecho")
ORPHANS = os.path.join(HELPERS, "orphans")
PY = "/usr/bin/python3"


def reachable_by_anyone(path):
    """Every directory above path lets any user through (o+x)."""
    d = os.path.dirname(os.path.abspath(path))
    while True:
        if not os.stat(d).st_mode & 0o001:
            return False
        if d == "/":
            return True
        d = os.path.dirname(d)


# Tests run bosun (and sigecho as its command) as unprivileged users too:
# a checkout under a 0700 directory such as /root is out of their reach,
# so they get copies.
_copy = None


def _reachable(path):
    global _copy
    if not os.path.exists(path) or reachable_by_anyone(path):
        return path
    if _copy is None:
        _copy = tempfile.mkdtemp(prefix="bosun-blackbox-")
        os.chmod(_copy, 0o755)
        atexit.register(shutil.rmtree, _copy, True)
    return shutil.copy2(path, os.path.join(_copy, os.path.basename(path)))


BOSUN = _reachable(BOSUN)
SIGECHO = _reachable(SIGECHO)


def wait_until(pred, timeout=10.0, what="condition"):
    """Polls pred until it returns something true; fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def ppid_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    return int(s[s.rindex(")") + 2:].split()[1])


def state_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    return s[s.rindex(")") + 2]


def children_of(pid):
    """pid's children: from the kernel's list when it has one (the scan of
    all of /proc is slow on a machine with thousands of processes)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except FileNotFoundError:
        if os.path.exists(f"/proc/{pid}"):
            return [int(d) for d in os.listdir("/proc")
                    if d.isdigit() and ppid_of(int(d)) == pid]
        return []


def status_field(pid, name):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    return None


def switches(pid):
    """Context switches of pid so far: an idle process adds none."""
    return (int(status_field(pid, "voluntary_ctxt_switches")) +
            int(status_field(pid, "nonvoluntary_ctxt_switches")))


def kill_tree(pid):
    """SIGKILLs every descendant of pid, found in one /proc snapshot, then
    pid: the deepest first, so that a living bosun reaps them rather than
    leave zombies to the host's init. (A bosun that is PID 1 takes its
    whole namespace with it.)"""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            pp = ppid_of(int(d))
            if pp is not None:
                parent[int(d)] = pp
    tree, todo = [pid], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        tree += kids
        todo += kids
    for i, p in enumerate(reversed(tree)):
        if i and i == len(tree) - 1:
            time.sleep(0.05)
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def alive(pid):
    st = state_of(pid)
    return st is not None and st != "Z"


class Bosun:
    """bosun running in the background with its output in files."""

    def __init__(self, args, tmp_path, pid1=True, env=None, **kw):
        # O_APPEND, and read through separate opens: a shared file
        # offset would let the reader move where the command writes
        self.out_path = tmp_path / "stdout"
        self.err_path = tmp_path / "stderr"
        self.out = open(self.out_path, "a")
        self.err = open(self.err_path, "a")
        cmd = [BOSUN] + list(args)
        if pid1:
            cmd = ["unshare", "--pid", "--fork", "--mount-proc"] + cmd
        self.pid1 = pid1
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL, env=env, **kw)
        if pid1:
            # None when bosun came and went before it could be seen
            pid = wait_until(self._under_unshare, what="bosun under unshare")
            self.pid = None if pid == -1 else pid
        else:
            self.pid = self.proc.pid

    def _under_unshare(self):
        kids = children_of(self.proc.pid)
        if kids:
            return kids[0]
        return -1 if self.proc.poll() is not None else None

    def kill(self, sig):
        os.kill(self.pid, sig)

    def wait(self, timeout=20):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise

    def stdout(self):
        return self.out_path.read_text()

    def stderr(self):
        return self.err_path.read_text()

    def wait_output(self, text, timeout=10):
        return wait_until(lambda: text in self.stdout(), timeout,
                          f"{text!r} in stdout (have {self.stdout()[-300:]!r})")

    def command_pid(self):
        return wait_until(lambda: (children_of(self.pid) or [None])[0],
                          what="bosun's child")

    def close(self):
        if self.proc.poll() is None:
            kill_tree(self.proc.pid)
            self.proc.wait()
        self.out.close()
        self.err.close()


@pytest.fixture
def bosun(tmp_path):
    """Starts bosun; everything started is killed at the end of the test."""
    started = []

    def start(*args, **kw):
        b = Bosun(args, tmp_path, **kw)
        started.append(b)
        return b

    yield start
    for b in started:
        b.close()


@pytest.fixture(params=["pid1", "child"])
def mode(request):
    """Runs a test once with bosun as PID 1 and once as a plain child."""
    return request.param == "pid1"


def run(args, pid1=False, timeout=30, **kw):
    cmd = [BOSUN] + list(args)
    if pid1:
        cmd = ["unshare", "--pid", "--fork", "--mount-proc"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, **kw)


def pytest_configure(config):
    if os.geteuid() != 0:
        sys.exit("the black-box tests need root (pid namespaces)")
    for p in (BOSUN, SIGECHO, ORPHANS):
        if not os.access(p, os.X_OK):
            sys.exit(f"missing {p}: run make first")


# Under `make valgrind` bosun runs inside memcheck, which changes what
# some tests look at; those are skipped there, each for its reason.
VALGRIND_SKIP = {
    "every_catchable": "valgrind reserves real-time signals for itself",
    "realtime_signals": "valgrind reserves real-time signals for itself",
    "descendants_of_leftovers": "valgrind 3.19 lacks pidfd_open",
    "pid1_in_a_namespace": "comm is valgrind's",
    "setuid_installation": "the wrapper is a script",
    "hygiene": "valgrind's own environment is in /proc/1/environ",
    "inherits_signal_mask": "valgrind sets its own dispositions",
    "looked_up_in_path": "valgrind is not on the test's PATH",
    "closed_standard_fds": "valgrind needs fds 0-2",
    "closed_stderr": "valgrind needs fds 0-2",
    "read_only_root": "valgrind needs a writable /tmp",
    "kernel_refuses": "valgrind fails exec differently (exit 101)",
    "leaving_a_process": "valgrind is not on the test's PATH",
    "cannot run hook": "valgrind is not on the test's PATH",
    "bg_then_fg": "too slow under valgrind for the pty timing",
    "test_startup.py": "valgrind 3.19 lacks pidfd_open, which hooks use: it "
                       "warns on stderr, and exact stderr and timing is what "
                       "these tests check",
    "duplicate_entries": "valgrind's launcher rebuilds the environment, so "
                         "duplicates never reach bosun",
    "scrubs_every_duplicate": "valgrind's launcher rebuilds the environment, "
                              "so duplicates never reach bosun",
    "loads_fast": "a time bound: valgrind runs bosun 20-50 times slower",
    "forking_threads_and_escapers": "valgrind 3.19 lacks pidfd_open (it "
                                    "warns on stderr), and a fork storm "
                                    "outruns bosun under valgrind",
    "env_references_survive_a_restart": "valgrind's own environment is in "
                                        "/proc/1/environ",
    "look_up_in_constant_time": "a time bound: valgrind runs bosun 20-50 "
                                "times slower",
    "forwarded_while_a_hook": "valgrind 3.19 lacks pidfd_open, which hooks "
                              "use: it warns on stderr, which is checked",
    "restart_with_a_hook_as_a_non_root": "valgrind 3.19 lacks pidfd_open, "
                                         "which hooks use: it warns on "
                                         "stderr, which is checked",
}


# Under `make emulated ARCH=...` (TEST_EMULATED=ARCH) bosun is a foreign
# binary run by qemu-user through a wrapper script; what user-mode
# emulation cannot do is skipped, each for its reason (shown by -rs).
QEMU_SUBREAPER = ("qemu-user refuses PR_SET_CHILD_SUBREAPER (EINVAL): as a "
                  "plain child bosun warns and cannot adopt orphans")
QEMU_RT = ("qemu-user keeps host real-time signals for itself and shifts "
           "the guest's (RTMIN+3 arrives as 39)")
QEMU_ENVIRON = ("/proc/PID/environ is qemu's copy of the environment, not "
                "the one bosun scrubs in guest memory")
EMULATED_SKIP = {
    "test_restart_hooks.py": "a restart is set off by the watch's SIGIO, "
                             "which under qemu-user lacks the kernel's "
                             "si_code and si_fd (see test_watch.py)",
    "[child": QEMU_SUBREAPER,
    "-child]": QEMU_SUBREAPER,
    "outside_pid1": QEMU_SUBREAPER,
    "not_pid1_under": QEMU_SUBREAPER,
    "hook": QEMU_SUBREAPER,
    "inherited_ignored_stop_signal": QEMU_SUBREAPER,
    "kubernetes_volume_is_read": QEMU_SUBREAPER,
    "bare_names_and_references": QEMU_SUBREAPER,
    "seccomp": "qemu-user cannot load a seccomp filter (it would filter "
               "qemu's own calls): bosun fails closed with 125",
    "every_catchable": QEMU_RT,
    "realtime_signals": QEMU_RT,
    "rewrite_delivers": QEMU_RT,
    "inherits_signal_mask": "qemu-user blocks and ignores signals of its "
                            "own, which the command inherits",
    "pid1_in_a_namespace": "comm is qemu's",
    "setuid_installation": "the wrapper is a script",
    "hygiene": QEMU_ENVIRON,
    "env_reference_scrubs": QEMU_ENVIRON,
    "duplicate_entries_are_normalised": QEMU_ENVIRON,
    "line_env_file_loads_fast": "a time bound for native code; qemu-user "
                                "runs bosun several times slower",
    "test_build.py": "BOSUN is the qemu wrapper script; tools/emulated "
                     "checks the binary with readelf",
    # plain-child tests not named by a [child] parameter
    "tini_flags_keep_their_meaning": QEMU_SUBREAPER,
    "subreaper_flag_has_a_twin": QEMU_SUBREAPER,
    "w_names_how_a_zombie_ended": QEMU_SUBREAPER,
    "tini_verbosity": QEMU_SUBREAPER,
    "tini_variables_reach_the_command": QEMU_SUBREAPER,
    "pause_twin": QEMU_SUBREAPER,
    "wait_names_only_the_targets": QEMU_SUBREAPER,
    "wait_progress_at_verbose": QEMU_SUBREAPER,
    "wait_from_the_environment": QEMU_SUBREAPER,
    "wait_for_a_unix_socket": QEMU_SUBREAPER,
    "wait_http_until_2xx": QEMU_SUBREAPER,
    "name_from_dns": QEMU_SUBREAPER,
    "dns_that_never_answers": QEMU_SUBREAPER,
    "dns_hang_then_stop": QEMU_SUBREAPER,
    "unwritable_path_is_a_warning": QEMU_SUBREAPER,
    "no_cgroup_v2_is_silent": QEMU_SUBREAPER,
    "json_from_the_environment": QEMU_SUBREAPER,
    "json_warning_level": QEMU_SUBREAPER,
    "s_before_a_long_option_with_a_value": QEMU_SUBREAPER,
    "s_before_a_command_with_equals": QEMU_SUBREAPER,
    "wait_leaks_no_descriptor": QEMU_SUBREAPER,
    "wait_moves_on_from_an_address": QEMU_SUBREAPER,
    "test_watch.py": "under qemu-user the watch's SIGIO (F_SETSIG) does not "
                     "reach bosun with the kernel's si_code and si_fd, so "
                     "bosun takes it for one sent from outside and forwards "
                     "it (the command dies of SIGIO, 157)",
}


def pytest_collection_modifyitems(config, items):
    skips = {}
    if os.environ.get("TEST_VALGRIND") == "1":
        skips = VALGRIND_SKIP
    elif os.environ.get("TEST_EMULATED"):
        skips = EMULATED_SKIP
    for item in items:
        for key, why in skips.items():
            if key in item.nodeid:
                item.add_marker(pytest.mark.skip(reason=why))
                break
