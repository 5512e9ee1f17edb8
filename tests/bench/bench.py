#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make bench: bosun (static build) against tini, dumb-init and catatonit,
each as PID 1 of a fresh pid namespace, in one run on one machine, the
candidates interleaved where timing matters. Two parts:

- fixed costs: instructions, idle wake-ups and RSS, size, signal round
  trip, stop times, bosun's own start-up;
- growth (tables by N): secrets of each source kind, shutdown with N
  leftovers obeying or ignoring SIGTERM (as PID 1; and not PID 1 next to
  bystanders), reaping CPU per orphan, signal forwarding throughput; each
  against the peers where they can do the job and against a "limit": a
  minimal static C program doing only that work (tests/bench/limit-*.c).

Prints the tables with bosun's ratio to the best peer and to the limit,
checks the goals (PASS/MISS, never a failure), writes results.csv and
results.png (gnuplot) next to this file. BENCH_QUICK=1: small N and few
repetitions, for CI. Needs root. Every process a step starts lives in a pid
namespace whose PID 1 dies with this script (tests/bench/cpurun.c), so an
interrupted run leaves nothing behind."""
import atexit
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
B = os.path.join(ROOT, "build", "bench")
BOSUN = os.path.join(ROOT, "bosun-static")
PONG, RTT = os.path.join(B, "pong"), os.path.join(B, "rtt")
CPURUN, LEFTOVERS = os.path.join(B, "cpurun"), os.path.join(B, "leftovers")
SINK, BLAST = os.path.join(B, "sink"), os.path.join(B, "blast")
LIMIT = {k: os.path.join(B, "limit-" + k)
         for k in ("secrets", "reap", "kill", "fwd")}
ORPHANS = os.path.join(ROOT, "build", "helpers", "orphans")
NS = ["unshare", "--pid", "--fork", "--mount-proc"]
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
N_ORPHANS = int(os.environ.get("BENCH_ORPHANS", "1000" if QUICK else "20000"))
N_RTT = int(os.environ.get("BENCH_RTT", "400" if QUICK else "2000"))
REPS = 3 if QUICK else 5          # interleaved repetitions, growth tables
SECRET_NS = [10, 100, 1000] if QUICK else [10, 100, 1000, 10000]
LEFTOVER_NS = [10, 100, 500] if QUICK else [10, 100, 1000, 5000]
BYSTANDERS = 500 if QUICK else 5000
N_SIGNALS = 5000 if QUICK else 20000
GRACE_MS = 250                    # bosun --grace and limit-kill's grace
RTSIG = 40                        # SIGRTMIN+6 for glibc, +5 for musl

INITS = {  # how each runs a command; Debian's builds, static where shipped
    "bosun": [BOSUN, "--"],
    "tini": ["/usr/bin/tini-static", "--"],
    "dumb-init": ["/usr/bin/dumb-init"],
    "catatonit": ["/usr/bin/catatonit", "--"],
}
PEERS = [k for k in INITS if k != "bosun"]
results = []  # (metric, init, value, unit)
growth = []   # (table, row, n, init, value, unit)
extra_notes = []  # lines printed after the tables
live = []     # Popen objects to kill on the way out, whatever happens


def note(metric, init, value, unit):
    results.append((metric, init, value, unit))


def gnote(table, row, n, init, value, unit):
    growth.append((table, row, n, init, value, unit))


def spawn(args, **kw):
    p = subprocess.Popen(args, **kw)
    live.append(p)
    return p


@atexit.register
def cleanup():
    """SIGKILL to each cpurun still running: its child, PID 1 of a
    namespace, dies with it (PR_SET_PDEATHSIG) and the kernel kills
    everything else there."""
    for p in live:
        if p.poll() is None:
            p.kill()
            p.wait()
    live.clear()


def run_ns(args, timeout=600, **kw):
    """ARGS as PID 1 of a new pid namespace, through cpurun: returns
    (cpu_ns of PID 1, wall_ns fork to exit, status, stdout)."""
    fd, out = tempfile.mkstemp(prefix="bench-cpurun.")
    os.close(fd)
    try:
        p = spawn([CPURUN, "-n", "-o", out, "--"] + args,
                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **kw)
        stdout = p.communicate(timeout=timeout)[0]
        with open(out) as f:
            cpu, wall, st = (int(x) for x in f.read().split())
        return cpu, wall, st, stdout
    finally:
        os.unlink(out)


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    s = f.read()
            except OSError:
                continue
            if int(s[s.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(d))
    return out


def wait_for(pred, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.005)
    raise RuntimeError("timed out")


def status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split()[1]


class Running:
    """INIT CMD as PID 1 of a new namespace (INIT "limit": limit-fwd);
    {fd} in CMD becomes the
    write end of a pipe whose read end is self.r."""

    def __init__(self, name, cmd, extra=()):
        self.r, w = os.pipe()
        cmd = [c.replace("{fd}", str(w)) for c in cmd]
        init = INITS.get(name) or [LIMIT["fwd"]]
        argv = init[:1] + list(extra) + init[1:] + cmd
        self.proc = spawn([CPURUN, "-n", "-o", "/dev/null", "--"] + argv,
                          pass_fds=(w,), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
        os.close(w)
        self.init = wait_for(lambda: (children(self.proc.pid) or [0])[0])
        self.app = None

    def ready(self):
        assert os.read(self.r, 1) == b"r"
        self.app = wait_for(lambda: (children(self.init) or [0])[0])
        return self

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.init, signal.SIGKILL)
            self.proc.wait()
        os.close(self.r)


def callgrind(args):
    """{pid: instructions} for a run under callgrind as PID 1."""
    d = tempfile.mkdtemp()
    subprocess.run(NS + ["valgrind", "--tool=callgrind", "-q",
                         f"--callgrind-out-file={d}/cg.%p"] + args,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    for f in os.listdir(d):
        with open(os.path.join(d, f)) as fh:
            m = re.search(r"^summary: (\d+)", fh.read(), re.M)
        out[int(f.split(".")[1])] = int(m.group(1)) if m else 0
    shutil.rmtree(d)
    return out


def instructions(cmd):
    """(init process, start to exec) for INIT -- /bin/true. The first is
    the init's own process: start, fork, wait, exit. Callgrind writes no
    file for a child that execs, so the second comes from a run whose
    command does not exist: the child's file then holds everything from
    the init's start (a forked child inherits the counts) through the
    child's work up to its failing execve and its error message, the same
    path for every init."""
    parent = callgrind(cmd + ["/bin/true"]).get(1, 0)
    child = sum(v for pid, v in callgrind(cmd + ["/nonexistent"]).items()
                if pid != 1)
    return parent, child


def bench_instructions():
    for name, cmd in INITS.items():
        parent, child = instructions(cmd)
        note("instructions (INIT -- /bin/true)", name, parent, "instr")
        note("instructions, start to exec (child)", name, child, "instr")


def bench_rtt():
    runs = {n: Running(n, [PONG, "{fd}"]).ready() for n in INITS}
    samples = {n: [] for n in INITS}
    direct = []
    batch = 100
    try:
        for _ in range(max(1, N_RTT // batch)):
            for n, r in runs.items():  # interleaved batches
                for pid, into in ((r.init, samples[n]), (r.app, direct)):
                    out = subprocess.run([RTT, str(pid), str(r.r), str(batch)],
                                         pass_fds=(r.r,), capture_output=True,
                                         text=True, check=True).stdout
                    into.extend(int(x) for x in out.split())
    finally:
        for r in runs.values():
            r.stop()
    for n in INITS:
        note("signal round trip via PID 1 (median)", n,
             statistics.median(samples[n]) / 1000, "us")
    note("signal round trip to the app directly (median)", "baseline",
         statistics.median(direct) / 1000, "us")


def bench_idle():
    runs = {n: Running(n, ["sleep", "100000"]) for n in INITS}
    try:
        time.sleep(1)
        ctx = lambda p: int(status(p, "voluntary_ctxt_switches")) + \
            int(status(p, "nonvoluntary_ctxt_switches"))
        before = {n: ctx(r.init) for n, r in runs.items()}
        span = 2 if QUICK else 5
        time.sleep(span)
        for n, r in runs.items():
            note("idle wake-ups", n, (ctx(r.init) - before[n]) / span,
                 "per s")
            note("idle RSS", n, int(status(r.init, "VmRSS")), "kB")
    finally:
        for r in runs.values():
            r.stop()


WATCH_SETTLE_MS = 1000   # --watch-settle's default
IDLE_WATCH = "watch: idle wake-ups, 100 files and a volume watched"
SWAP_RESTART = "watch: ..data swap to the new start (median)"


def kube_swap(d, n):
    """A Kubernetes secret volume's update, as the kubelet does it."""
    ts = os.path.join(d, f"..2026_11_23_15_00_{n:02d}.123456789")
    os.mkdir(ts)
    for k in ("user", "password"):
        with open(os.path.join(ts, k), "w") as f:
            f.write(f"{k}-{n}")
        if not os.path.lexists(os.path.join(d, k)):
            os.symlink(f"..data/{k}", os.path.join(d, k))
    os.symlink(os.path.basename(ts), os.path.join(d, "..data_tmp"))
    os.rename(os.path.join(d, "..data_tmp"), os.path.join(d, "..data"))
    if n > 1:
        shutil.rmtree(os.path.join(d, f"..2026_11_23_15_00_{n - 1:02d}"
                                      ".123456789"))


def bench_watch():
    """--on-change (bosun only: no peer watches anything): wake-ups while
    100 --watch files and a Kubernetes volume are watched and nothing
    changes, and the time from a ..data swap to the restarted command's
    first output (the settle time included)."""
    tmp = tempfile.mkdtemp(prefix="bench-watch.")
    vol = os.path.join(tmp, "vol")
    os.mkdir(vol)
    kube_swap(vol, 1)
    extra = ["--secrets-dir", vol, "--on-change", "restart"]
    for i in range(100):
        f = os.path.join(tmp, f"conf{i}")
        open(f, "w").close()
        extra += ["--watch", f]
    r = Running("bosun", ["sh", "-c", "printf r >&{fd}; exec sleep 100000"],
                extra)
    try:
        r.ready()
        ctx = lambda p: int(status(p, "voluntary_ctxt_switches")) + \
            int(status(p, "nonvoluntary_ctxt_switches"))
        time.sleep(0.5)
        before = ctx(r.init)
        span = 2 if QUICK else 5
        time.sleep(span)
        note(IDLE_WATCH, "bosun", (ctx(r.init) - before) / span, "per s")
        took = []
        for n in range(2, 2 + REPS):
            t0 = time.monotonic()
            kube_swap(vol, n)
            assert os.read(r.r, 1) == b"r"
            took.append((time.monotonic() - t0) * 1000)
        note(SWAP_RESTART, "bosun", statistics.median(took), "ms")
    finally:
        r.stop()
        shutil.rmtree(tmp, True)


def watch_goals():
    get = lambda m: next(v for mm, i, v, u in results
                         if mm == m and i == "bosun")
    idle, swap = get(IDLE_WATCH), get(SWAP_RESTART)
    return [("zero wake-ups with 100 files watched", idle == 0, f"{idle}/s"),
            ("..data swap to restart <= settle + 100 ms", swap <=
             WATCH_SETTLE_MS + 100,
             f"{swap:.0f} ms (settle {WATCH_SETTLE_MS} ms)")]


def bench_size():
    for n, cmd in INITS.items():
        note("binary size", n, os.path.getsize(cmd[0]) / 1024, "KiB")


def stop_time(name, ignore, extra=(), limit=3.0):
    r = Running(name, [PONG, "{fd}"] + (["-i"] if ignore else []),
                extra).ready()
    t0 = time.monotonic()
    os.kill(r.init, signal.SIGTERM)
    try:
        r.proc.wait(limit)
        t = time.monotonic() - t0
    except subprocess.TimeoutExpired:
        t = float("inf")
    r.stop()
    return t


def bench_stop():
    obedient = {n: [] for n in INITS}
    for _ in range(5 if QUICK else 20):
        for n in INITS:
            obedient[n].append(stop_time(n, False))
    for n in INITS:
        note("stop time, obedient app (median)", n,
             statistics.median(obedient[n]) * 1000, "ms")
    for n in PEERS:
        note("stop time, app ignoring SIGTERM", n, stop_time(n, True) * 1000,
             "ms")
    note("stop time, app ignoring SIGTERM", "bosun",
         stop_time("bosun", True, ["--kill-after", "1s"]) * 1000, "ms")


def bench_bosun_cost():
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    for i in range(100):
        with open(os.path.join(d, f"SECRET_{i}"), "w") as f:
            f.write(f"value-{i}\n")
    plain = [BOSUN, "--", "/bin/true"]
    full = [BOSUN, "--secrets-dir", d, "-u", "nobody", "--", "/bin/true"]
    note("bosun startup: plain", "bosun", instructions(plain[:-1])[0],
         "instr")
    note("bosun startup: 100 secrets + user", "bosun",
         instructions(full[:-1])[0], "instr")
    walls = {"plain": [], "full": []}
    for _ in range(30 if QUICK else 200):
        for k, cmd in (("plain", plain), ("full", full)):
            t0 = time.perf_counter_ns()
            subprocess.run(cmd, check=True)
            walls[k].append(time.perf_counter_ns() - t0)
    for k, label in (("plain", "plain"), ("full", "100 secrets + user")):
        note(f"bosun wall time: {label} (median)", "bosun",
             statistics.median(walls[k]) / 1000, "us")
    shutil.rmtree(d)


# ---- growth: secrets -------------------------------------------------------

KINDS = ("--secrets-dir", "--env-file", "--file-env", "-s NAME=env:VAR")


def secret_case(d, kind, n):
    """(env, bosun argv, limit argv) before the command, for N secrets of
    KIND; the data lives in D (made by make_secrets)."""
    env = {"PATH": "/usr/bin:/bin"}
    sd, ef = os.path.join(d, f"dir{n}"), os.path.join(d, f"{n}.env")
    if kind == "--secrets-dir":
        return env, [BOSUN, "--secrets-dir", sd, "--"], \
            [LIMIT["secrets"], "dir", sd, "--"]
    if kind == "--env-file":
        return env, [BOSUN, "--env-file", ef, "--"], \
            [LIMIT["secrets"], "envfile", ef, "--"]
    if kind == "--file-env":
        env.update({f"SECRET_{i}_FILE": os.path.join(sd, f"SECRET_{i}")
                    for i in range(n)})
        return env, [BOSUN, "--file-env", "SECRET_*", "--"], \
            [LIMIT["secrets"], "fileenv", "--"]
    env.update({f"V_{i}": f"value-{i}" for i in range(n)})
    b = [BOSUN]
    for i in range(n):
        b += ["-s", f"SECRET_{i}=env:V_{i}"]
    return env, b + ["--"], [LIMIT["secrets"], "envref"] + \
        [f"SECRET_{i}=V_{i}" for i in range(n)] + ["--"]


def make_secrets(d, n):
    sd = os.path.join(d, f"dir{n}")
    os.mkdir(sd)
    for i in range(n):
        with open(os.path.join(sd, f"SECRET_{i}"), "w") as f:
            f.write(f"value-{i}\n")
    with open(os.path.join(d, f"{n}.env"), "w") as f:
        f.write("".join(f"SECRET_{i}=value-{i}\n" for i in range(n)))


def callgrind_exec(args, env):
    """Instructions from start to the command's exec: ARGS run a command
    that does not exist, under callgrind (not in a namespace). A forked
    child's profile holds its parent's counts up to the fork, so for bosun
    it is the child's file; the limit execs in its own process."""
    d = tempfile.mkdtemp()
    p = spawn(["valgrind", "--tool=callgrind", "-q",
               f"--callgrind-out-file={d}/cg.%p"] + args + ["/nonexistent"],
              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    p.wait()
    counts = {}
    for f in os.listdir(d):
        with open(os.path.join(d, f)) as fh:
            m = re.search(r"^summary: (\d+)", fh.read(), re.M)
        counts[int(f.split(".")[1])] = int(m.group(1)) if m else 0
    shutil.rmtree(d)
    others = [v for pid, v in counts.items() if pid != p.pid]
    return sum(others) if others else counts.get(p.pid, 0)


def strace_calls(args, env):
    """System calls of everything ARGS runs as PID 1 of a namespace, from
    strace -f -c (counts are exact; strace slows the run, so its times are
    not used)."""
    fd, out = tempfile.mkstemp(prefix="bench-strace.")
    os.close(fd)
    try:
        spawn(["strace", "-f", "-c", "-o", out, CPURUN, "-n", "-o",
               "/dev/null", "--"] + args, env=env, stdout=subprocess.DEVNULL,
              stderr=subprocess.DEVNULL).wait()
        with open(out) as f:
            for line in f:
                if line.rstrip().endswith(" total"):
                    return int(line.split()[3])
    finally:
        os.unlink(out)
    return 0


def bench_secrets():
    """Secrets of each source kind, N = SECRET_NS: bosun against
    limit-secrets (no peer loads secrets). Wall: cpurun's fork to exit of
    INIT ... /bin/true as PID 1, median of REPS interleaved runs."""
    old = resource.getrlimit(resource.RLIMIT_STACK)
    resource.setrlimit(resource.RLIMIT_STACK, (64 << 20, old[1]) if
                       old[1] == resource.RLIM_INFINITY or old[1] >= 64 << 20
                       else old)
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    try:
        for n in SECRET_NS:
            make_secrets(d, n)
        for kind in KINDS:
            calls = {}
            for n in SECRET_NS:
                env, b, lim = secret_case(d, kind, n)
                who = {"bosun": b, "limit": lim}
                walls = {k: [] for k in who}
                for _ in range(REPS):
                    for k, a in who.items():
                        cpu, wall, st, _ = run_ns(a + ["/bin/true"], env=env)
                        if st != 0:
                            raise RuntimeError(f"{k} {kind} {n}: exit {st}")
                        walls[k].append(wall)
                for k, a in who.items():
                    gnote(f"secrets {kind}", "wall (median)", n, k,
                          statistics.median(walls[k]) / 1e6, "ms")
                    gnote(f"secrets {kind}", "instructions, start to exec",
                          n, k, callgrind_exec(a, env), "instr")
                    calls[k, n] = strace_calls(a + ["/bin/true"], env)
                    if n != SECRET_NS[0]:
                        gnote(f"secrets {kind}",
                              f"syscalls per secret (beyond N={SECRET_NS[0]})",
                              n, k, (calls[k, n] - calls[k, SECRET_NS[0]]) /
                              (n - SECRET_NS[0]), "calls")
    finally:
        shutil.rmtree(d)
        resource.setrlimit(resource.RLIMIT_STACK, old)


# ---- growth: shutdown ------------------------------------------------------

def stop_cmd(name):
    if name == "limit":
        return [LIMIT["kill"], str(GRACE_MS)]
    if name == "bosun":
        return [BOSUN, "--grace", f"{GRACE_MS}ms", "--"]
    return INITS[name]


def shutdown_run(init_argv, n, ignore):
    """INIT_ARGV leftovers N as PID 1: (wall from the command's last act
    to the end of the namespace, CPU of PID 1 over its life)."""
    r, w = os.pipe()
    fd, out = tempfile.mkstemp(prefix="bench-cpurun.")
    os.close(fd)
    try:
        p = spawn([CPURUN, "-n", "-o", out, "--"] + init_argv +
                  [LEFTOVERS, str(n), str(w)] + (["-i"] if ignore else []),
                  pass_fds=(w,), stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL)
        os.close(w)
        w = -1
        if os.read(r, 1) != b"r":
            raise RuntimeError("leftovers did not start")
        t0 = time.monotonic_ns()
        p.wait(120)
        t1 = time.monotonic_ns()
        with open(out) as f:
            cpu = int(f.read().split()[0])
        return (t1 - t0) / 1e6, cpu / 1e6
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
        os.unlink(out)


def bench_shutdown():
    """The command leaves N processes and exits; the init stops them. bosun
    and limit-kill: SIGTERM, up to GRACE_MS, SIGKILL; the peers exit at
    once and the kernel SIGKILLs the namespace (no SIGTERM, no grace).
    The kill phase of those ignoring SIGTERM is the wall time less the
    grace, for bosun and the limit."""
    who = ["bosun", "limit"] + PEERS
    for ignore in (False, True):
        table = "shutdown as PID 1, leftovers " + \
            ("ignoring SIGTERM" if ignore else "obeying SIGTERM")
        for n in LEFTOVER_NS:
            walls = {k: [] for k in who}
            cpus = {k: [] for k in who}
            for _ in range(REPS):
                for k in who:
                    wall, cpu = shutdown_run(stop_cmd(k), n, ignore)
                    walls[k].append(wall)
                    cpus[k].append(cpu)
            for k in who:
                w = statistics.median(walls[k])
                c = statistics.median(cpus[k])
                gnote(table, "wall, exit to end (median)", n, k, w, "ms")
                if ignore and k in ("bosun", "limit"):
                    w -= GRACE_MS
                if ignore:
                    gnote(table, "kill phase (median; bosun, limit: less "
                          "the grace)", n, k, w, "ms")
                gnote(table, "CPU of PID 1 (median)", n, k, c, "ms")
                gnote(table, "CPU of PID 1 per leftover", n, k,
                      c * 1000 / n, "us")


def bench_bystanders():
    """bosun not PID 1 (a subreaper) in a namespace holding B bystanders,
    not its descendants; its command leaves 10 processes. bosun's own CPU
    over its life, B = 0 and BYSTANDERS interleaved, each in its own
    namespace kept for the whole step. The peers do not stop leftovers
    when not PID 1, so only bosun runs."""
    keepers = {}
    try:
        for b in (0, BYSTANDERS):
            r, w = os.pipe()
            keepers[b] = spawn(
                [CPURUN, "-n", "-o", "/dev/null", "--", LIMIT["reap"], "sh",
                 "-c", f'{LEFTOVERS} {b} {w} && exec sleep 100000'],
                pass_fds=(w,), stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            os.close(w)
            if os.read(r, 1) != b"r":
                raise RuntimeError("bystanders did not start")
            os.close(r)
        pid1 = {b: wait_for(lambda: (children(k.pid) or [0])[0])
                for b, k in keepers.items()}
        for ignore in (False, True):
            table = "shutdown not PID 1, 10 leftovers " + \
                ("ignoring SIGTERM" if ignore else "obeying SIGTERM")
            cpus = {b: [] for b in keepers}
            for _ in range(REPS):
                for b in keepers:
                    fd, out = tempfile.mkstemp(prefix="bench-cpurun.")
                    os.close(fd)
                    try:
                        spawn(["nsenter", "-t", str(pid1[b]), "-p", "-m", "--",
                               CPURUN, "-o", out, "--", BOSUN, "--grace",
                               f"{GRACE_MS}ms", "--", LEFTOVERS, "10", "-1"] +
                              (["-i"] if ignore else []),
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).wait(60)
                        with open(out) as f:
                            cpus[b].append(int(f.read().split()[0]) / 1e6)
                    finally:
                        os.unlink(out)
            for b in keepers:
                gnote(table, "CPU of bosun, whole life (median)", b, "bosun",
                      statistics.median(cpus[b]), "ms")
    finally:
        for k in keepers.values():
            k.kill()
            k.wait()


# ---- growth: reaping and forwarding ------------------------------------------

STORM = ("{o} {n} >/dev/null; t=0; while [ $t -lt 600 ]; do "
         "z=$(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l); "
         "[ $z -eq 0 ] && break; t=$((t+1)); sleep 0.05; done; echo $z")


def bench_reap():
    """A storm of N_ORPHANS orphans (tests/helpers/orphans); the command
    then waits until no zombie is left. Wall time, zombies left, and the
    CPU of PID 1 per orphan; limit-reap is fork, exec, wait."""
    who = dict(INITS, limit=[LIMIT["reap"]])
    cmd = ["sh", "-c", STORM.format(o=ORPHANS, n=N_ORPHANS)]
    res = {k: [] for k in who}
    for _ in range(1 if not QUICK and N_ORPHANS >= 50000 else 2):
        for k, a in who.items():
            cpu, wall, st, out = run_ns(a + cmd)
            res[k].append((cpu, wall, int(out.split()[-1])))
    for k in who:
        cpu = statistics.median(c for c, _, _ in res[k])
        wall = statistics.median(w for _, w, _ in res[k])
        table = f"reaping {N_ORPHANS:,} orphans"
        gnote(table, "storm and reap, wall (median)", N_ORPHANS, k,
              wall / 1e9, "s")
        gnote(table, "zombies left (worst)", N_ORPHANS, k,
              max(z for _, _, z in res[k]), "")
        gnote(table, "CPU of PID 1 per orphan (median)", N_ORPHANS, k,
              cpu / 1e3 / N_ORPHANS, "us")


def bench_forward():
    """N_SIGNALS real-time signals queued to PID 1 as fast as the kernel
    takes them, each forwarded to sink; throughput from the first send to
    the last arrival, median of REPS interleaved runs; "direct" sends to
    sink itself. Then strace -c on PID 1 alone for one more batch: system
    calls per forwarded signal (strace slows it; the count is exact)."""
    old = resource.getrlimit(resource.RLIMIT_SIGPENDING)
    resource.setrlimit(resource.RLIMIT_SIGPENDING,
                       (max(old[0], 4 * N_SIGNALS), max(old[1], 4 * N_SIGNALS))
                       if old[1] != resource.RLIM_INFINITY else
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    names = list(INITS) + ["limit"]
    runs = {}
    table = f"forwarding {N_SIGNALS:,} signals"
    try:
        for k in names:
            runs[k] = Running(k, [SINK, "{fd}", str(RTSIG)]).ready()
        rates = {k: [] for k in names + ["direct"]}

        def blast(pid, r):
            out = subprocess.run([BLAST, str(pid), str(r), str(RTSIG),
                                  str(N_SIGNALS)], pass_fds=(r,),
                                 capture_output=True, text=True, timeout=120,
                                 check=True).stdout
            return N_SIGNALS / (int(out) / 1e9) / 1000
        for i in range(REPS):
            for k, r in runs.items():
                rates[k].append(blast(r.init, r.r))
            r = runs[names[i % len(names)]]
            rates["direct"].append(blast(r.app, r.r))
        for k in names:
            gnote(table, "throughput (median)", N_SIGNALS, k,
                  statistics.median(rates[k]), "k/s")
        gnote(table, "throughput (median)", N_SIGNALS, "direct",
              statistics.median(rates["direct"]), "k/s")
        for k, r in runs.items():
            fd, out = tempfile.mkstemp(prefix="bench-strace.")
            os.close(fd)
            st = spawn(["strace", "-c", "-o", out, "-p", str(r.init)],
                       stderr=subprocess.PIPE, text=True)
            try:
                st.stderr.readline()  # "Process N attached"
                blast(r.init, r.r)
            finally:
                st.send_signal(signal.SIGINT)
                st.wait(30)
            with open(out) as f:
                lines = [line.split() for line in f
                         if re.match(r"\s*\d+\.\d+\s", line)]
            os.unlink(out)
            calls = next((int(x[3]) for x in lines if x[-1] == "total"), 0)
            extra_notes.append(f"{k}, system calls per forwarded signal: " +
                               ", ".join(f"{x[-1]} {int(x[3]) / N_SIGNALS:.2f}"
                                         for x in lines if x[-1] != "total"))
            gnote(table, "syscalls of PID 1 per signal", N_SIGNALS, k,
                  calls / N_SIGNALS, "calls")
    finally:
        for r in runs.values():
            r.stop()
        resource.setrlimit(resource.RLIMIT_SIGPENDING, old)


def fmt(v):
    if v == float("inf"):
        return "never"
    if v == 0:
        return "0"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}" if abs(v) < 1 \
        else f"{v:.2f}"


ORDER = ["bosun", "limit", "tini", "dumb-init", "catatonit", "direct"]


def gget(table, row, n, init):
    return next((v for t, r, nn, i, v, u in growth
                 if t == table and r == row and nn == n and i == init), None)


def best_peer(table, row, n, higher):
    vals = [v for p in PEERS for v in [gget(table, row, n, p)]
            if v is not None and v != float("inf")]
    return (max(vals) if higher else min(vals)) if vals else None


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else ""


def report_growth():
    for line in extra_notes:
        print(line)
    tables = []
    for t, r, *_ in growth:
        if (t, r) not in tables:
            tables.append((t, r))
    for t, r in tables:
        rows = [g for g in growth if g[0] == t and g[1] == r]
        unit = rows[0][5]
        higher = unit == "k/s"
        who = [i for i in ORDER if any(g[3] == i for g in rows)]
        ns = sorted({g[2] for g in rows})
        n_label = "bystanders" if "not PID 1" in t else "N"
        print(f"\n{t}: {r} ({unit}{', higher is better' if higher else ''})")
        peers = any(i in PEERS for i in who)
        print(f"  {n_label:>10} " + " ".join(f"{i:>11}" for i in who) +
              f"  {'bosun/limit' if 'limit' in who else '':>11}"
              f"  {'bosun/best peer' if peers else '':>15}" +
              ("  bosun/none" if n_label == "bystanders" else ""))
        for n in ns:
            cells = " ".join(f"{fmt(v) if v is not None else '-':>11}"
                             for i in who for v in [gget(t, r, n, i)])
            b = gget(t, r, n, "bosun")
            extra = ""
            if n_label == "bystanders":
                extra = f"  {ratio(b, gget(t, r, 0, 'bosun')):>10}"
            print(f"  {n:>10,} {cells}  {ratio(b, gget(t, r, n, 'limit')):>11}"
                  f"  {ratio(b, best_peer(t, r, n, higher)) if peers else '':>15}"
                  f"{extra}")


def report():
    metrics = []
    for m, *_ in results:
        if m not in metrics:
            metrics.append(m)
    cols = ["bosun"] + PEERS
    print(f"\n{'metric':48} " + " ".join(f"{c:>11}" for c in cols) +
          "  unit   bosun/best peer")
    for m in metrics:
        row = {i: v for mm, i, v, u in results if mm == m}
        unit = next(u for mm, i, v, u in results if mm == m)
        cells = " ".join(f"{fmt(row[c]) if c in row else '':>11}" for c in cols)
        if "baseline" in row:
            cells = f"{fmt(row['baseline']):>11}" + " " * 36
        peers = [row[p] for p in PEERS if p in row and row[p] != float("inf")]
        ratio_ = ""
        if "bosun" in row and peers and min(peers) > 0:
            ratio_ = f"{row['bosun'] / min(peers):.2f}"
        print(f"{m:48} {cells}  {unit:6} {ratio_}")
    report_growth()
    with open(os.path.join(HERE, "results.csv"), "w") as f:
        f.write("metric,n,init,value,unit\n")
        for m, i, v, u in results:
            f.write(f'"{m}",,{i},{"inf" if v == float("inf") else v},{u}\n')
        for t, r, n, i, v, u in growth:
            f.write(f'"{t}: {r}",{n},{i},{v},{u}\n')


def goals():
    get = lambda m, i: next(v for mm, ii, v, u in results if mm == m and ii == i)
    out = []
    idle = get("idle wake-ups", "bosun")
    out.append(("zero idle wake-ups", idle == 0, f"{idle}/s"))
    for m in ("instructions (INIT -- /bin/true)",
              "instructions, start to exec (child)"):
        ins = get(m, "bosun")
        best = min(get(m, p) for p in PEERS)
        out.append((f"fewer {m} than every peer", ins < best,
                    f"{ins:,} vs {best:,}"))
        out.append((f"<= 10,000 {m}", ins <= 10000, f"{ins:,}"))
    rss = get("idle RSS", "bosun")
    out.append(("idle RSS <= 300 kB", rss <= 300, f"{rss} kB"))
    size = get("binary size", "bosun")
    out.append(("static binary <= 200 KiB", size <= 200, f"{size:.1f} KiB"))
    m = "signal round trip via PID 1 (median)"
    rtt = get(m, "bosun")
    best = min(get(m, p) for p in PEERS)
    out.append(("round trip >= 10% faster than the best peer",
                rtt <= 0.9 * best, f"{rtt:.2f} us vs {best:.2f} us "
                f"({(1 - rtt / best) * 100:+.1f}% faster)"))
    try:
        out += watch_goals()
    except StopIteration:
        out.append(("watch goals", False, "not measured"))
    try:
        out += growth_goals()
    except (TypeError, ZeroDivisionError, IndexError) as e:
        out.append(("growth goals", False, f"cannot check: {e!r}"))
    print("\ngoals (checks only: a MISS does not fail the bench):")
    for what, ok, detail in out:
        print(f"  {'PASS' if ok else 'MISS'}  {what}: {detail}")


def growth_goals():
    out = []
    n, n1, n0 = SECRET_NS[-1], SECRET_NS[-2], SECRET_NS[0]
    t = "secrets --secrets-dir"
    ins = "instructions, start to exec"
    b, lim = gget(t, ins, n, "bosun"), gget(t, ins, n, "limit")
    out.append((f"{n:,} secret files: instructions <= 10x the limit",
                b <= 10 * lim, f"{b:,} vs {lim:,} ({b / lim:.1f}x)"))
    b, lim = gget(t, "wall (median)", n, "bosun"), \
        gget(t, "wall (median)", n, "limit")
    out.append((f"{n:,} secret files: wall <= 2x the limit", b <= 2 * lim,
                f"{b:.1f} ms vs {lim:.1f} ms ({b / lim:.1f}x)"))
    r = f"syscalls per secret (beyond N={n0})"
    b, lim = gget(t, r, n, "bosun"), gget(t, r, n, "limit")
    out.append((f"{n:,} secret files: <= 3.5 syscalls per file", b <= 3.5,
                f"{b:.2f} (limit {lim:.2f})"))
    for kind in KINDS:
        t = f"secrets {kind}"
        per = lambda m: (gget(t, ins, m, "bosun") - gget(t, ins, n0, "bosun")) \
            / (m - n0)
        out.append((f"{kind}: O(1) per secret (instructions per secret at "
                    f"N={n:,} <= 1.5x at N={n1:,})", per(n) <= 1.5 * per(n1),
                    f"{per(n):,.0f} vs {per(n1):,.0f} "
                    f"({per(n) / per(n1):.2f}x)"))
    n, n1 = LEFTOVER_NS[-1], LEFTOVER_NS[-2]
    t = "shutdown as PID 1, leftovers ignoring SIGTERM"
    r = "kill phase (median; bosun, limit: less the grace)"
    b, lim = gget(t, r, n, "bosun"), gget(t, r, n, "limit")
    out.append((f"{n:,} leftovers ignoring SIGTERM: kill phase <= 1.2x the "
                "limit", b <= 1.2 * lim,
                f"{b:.0f} ms vs {lim:.0f} ms ({b / lim:.2f}x)"))
    r = "CPU of PID 1 per leftover"
    b, b1 = gget(t, r, n, "bosun"), gget(t, r, n1, "bosun")
    out.append((f"shutdown CPU linear in N (per leftover at {n:,} <= 1.5x "
                f"at {n1:,})", b <= 1.5 * b1,
                f"{b:.1f} us vs {b1:.1f} us ({b / b1:.2f}x)"))
    for how in ("obeying", "ignoring"):
        t = f"shutdown not PID 1, 10 leftovers {how} SIGTERM"
        r = "CPU of bosun, whole life (median)"
        b, b0 = gget(t, r, BYSTANDERS, "bosun"), gget(t, r, 0, "bosun")
        out.append((f"not PID 1, 10 leftovers {how}: CPU with {BYSTANDERS:,} "
                    "bystanders <= 2x with none", b <= 2 * b0,
                    f"{b:.1f} ms vs {b0:.1f} ms ({b / b0:.1f}x)"))
    t = f"forwarding {N_SIGNALS:,} signals"
    b = gget(t, "throughput (median)", N_SIGNALS, "bosun")
    best = best_peer(t, "throughput (median)", N_SIGNALS, True)
    out.append(("forwarding throughput >= the best peer", b >= best,
                f"{b:.0f}k/s vs {best:.0f}k/s ({b / best:.2f}x)"))
    b = gget(t, "syscalls of PID 1 per signal", N_SIGNALS, "bosun")
    out.append(("2 system calls per forwarded signal", b <= 2.05,
                f"{b:.2f}"))
    return out


def chart():
    want = [("instructions (INIT -- /bin/true)", "instructions, INIT -- /bin/true"),
            ("signal round trip via PID 1 (median)", "signal round trip (us)"),
            ("idle RSS", "idle RSS (kB)"), ("binary size", "binary size (KiB)")]
    data = os.path.join(B, "chart.dat")
    blocks = []
    with open(data, "w") as f:
        for m, _ in want:
            f.write(f"# {m}\n")
            for init in INITS:
                v = next(v for mm, ii, v, u in results if mm == m and ii == init)
                f.write(f'"{init}" {v}\n')
            f.write("\n\n")
        # growth: one block per (table, row, init), "N value" lines
        lines = [("secrets: instructions, start to exec", True,
                  [(f"secrets {k}", "instructions, start to exec", i)
                   for k in KINDS for i in ("bosun", "limit")]),
                 ("secrets: wall (ms)", True,
                  [(f"secrets {k}", "wall (median)", i)
                   for k in KINDS for i in ("bosun", "limit")]),
                 ("as PID 1: kill phase, leftovers ignoring SIGTERM (ms)",
                  False,
                  [("shutdown as PID 1, leftovers ignoring SIGTERM",
                    "kill phase (median; bosun, limit: less the grace)", i)
                   for i in ["bosun", "limit"] + PEERS])]
        idx = len(want)
        for title, _, series in lines:
            ids = []
            for t, r, i in series:
                f.write(f"# {t}: {r}: {i}\n")
                for n in sorted({g[2] for g in growth
                                 if g[0] == t and g[1] == r}):
                    f.write(f"{n} {gget(t, r, n, i)}\n")
                f.write("\n\n")
                ids.append((idx, f"{t.split(' ', 1)[1] if t.startswith('secrets') else ''} {i}".strip()))
                idx += 1
            blocks.append(ids)
        bars = [(f"reaping {N_ORPHANS:,} orphans",
                 "CPU of PID 1 per orphan (median)",
                 f"reaping: CPU of PID 1 per orphan (us), {N_ORPHANS:,}"),
                (f"forwarding {N_SIGNALS:,} signals", "throughput (median)",
                 "forwarding throughput (k signals/s, higher is better)")]
        bar_idx = []
        for t, r, _ in bars:
            f.write(f"# {t}: {r}\n")
            for i in ORDER:
                n = N_ORPHANS if t.startswith("reaping") else N_SIGNALS
                v = gget(t, r, n, i)
                if v is not None:
                    f.write(f'"{i}" {v}\n')
            f.write("\n\n")
            bar_idx.append(idx)
            idx += 1
    plots = [f'set title "{t}"; set yrange [0:*]; plot "{data}" index {i} '
             f'using 2:xtic(1) with boxes lc rgb "#3b6ea8" notitle'
             for i, (_, t) in enumerate(want)]
    for (title, _, _), ids in zip(lines, blocks):
        curves = ", ".join(
            f'"{data}" index {i} using 1:2 with linespoints '
            f'dt {2 if "limit" in lbl else 1} title "{lbl}"'
            for i, lbl in ids)
        plots.append('set logscale xy; set yrange [*:*]; set key top left '
                     f'font ",8"; set title "{title}"; plot {curves}; '
                     'unset logscale')
    for i, (_, _, title) in zip(bar_idx, bars):
        plots.append(f'set title "{title}"; set yrange [0:*]; plot "{data}" '
                     f'index {i} using 2:xtic(1) with boxes lc rgb "#3b6ea8" '
                     'notitle')
    script = f"""set terminal pngcairo size 1500,1100 font "sans,10"
set output "{os.path.join(HERE, 'results.png')}"
set multiplot layout 3,3 title "bosun, its peers and the limit programs (lower is better unless noted; one run, {'BENCH_QUICK' if QUICK else 'full'})"
set style fill solid 0.8; set boxwidth 0.6; set grid y
""" + "\n".join(plots) + "\nunset multiplot\n"
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in
                open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = int(next(line.split()[1] for line in open("/proc/meminfo")
                   if line.startswith("MemTotal"))) // 1024
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem:,} MiB, Linux "
            f"{os.uname().release}; load {os.getloadavg()[0]:.2f}")


def load_csv():
    """results and growth back from results.csv (BENCH_CHART=1: redraw the
    chart of the last run without measuring)."""
    import csv
    with open(os.path.join(HERE, "results.csv")) as f:
        for r in csv.DictReader(f):
            v = float(r["value"]) if r["value"] else 0.0
            if not r["n"]:
                note(r["metric"], r["init"], v, r["unit"])
            else:
                t, row = r["metric"].split(": ", 1)
                gnote(t, row, int(r["n"]), r["init"], v, r["unit"])


def main():
    if os.environ.get("BENCH_CHART"):
        load_csv()
        chart()
        return
    if os.geteuid() != 0:
        sys.exit("bench: needs root (pid namespaces)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    print(f"bench: {'BENCH_QUICK ' if QUICK else ''}on {machine()}",
          file=sys.stderr, flush=True)
    steps = [bench_size, bench_instructions, bench_idle, bench_rtt,
             bench_stop, bench_bosun_cost, bench_secrets, bench_shutdown,
             bench_bystanders, bench_reap, bench_forward, bench_watch]
    only = os.environ.get("BENCH_ONLY")  # for working on one step
    for step in steps:
        if only and step.__name__[6:] not in only.split(","):
            continue
        print(f"bench: {step.__name__[6:]} ({time.monotonic() - t0:.0f}s)",
              file=sys.stderr, flush=True)
        step()
    print(f"\nmachine: {machine()}; {'BENCH_QUICK=1, ' if QUICK else ''}"
          f"took {time.monotonic() - t0:.0f}s")
    if only:
        report_growth()
        return
    report()
    goals()
    chart()


if __name__ == "__main__":
    main()
