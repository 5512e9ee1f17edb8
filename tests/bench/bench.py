#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make bench: bosun (static build) against tini, dumb-init and catatonit,
each as PID 1 of a fresh pid namespace, in one run on one machine, the
candidates interleaved where timing matters. Prints a table with bosun's
ratio to the best peer, checks the goals, writes results.csv and
results.png (gnuplot) next to this file. Needs root."""
import os
import re
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
ORPHANS = os.path.join(ROOT, "build", "helpers", "orphans")
NS = ["unshare", "--pid", "--fork", "--mount-proc"]
N_ORPHANS = int(os.environ.get("BENCH_ORPHANS", "100000"))
N_RTT = int(os.environ.get("BENCH_RTT", "2000"))

INITS = {  # how each runs a command; Debian's builds, static where shipped
    "bosun": [BOSUN, "--"],
    "tini": ["/usr/bin/tini-static", "--"],
    "dumb-init": ["/usr/bin/dumb-init"],
    "catatonit": ["/usr/bin/catatonit", "--"],
}
PEERS = [k for k in INITS if k != "bosun"]
results = []  # (metric, init, value, unit)


def note(metric, init, value, unit):
    results.append((metric, init, value, unit))


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
    """INIT CMD as PID 1 of a new namespace; {fd} in CMD becomes the
    write end of a pipe whose read end is self.r."""

    def __init__(self, name, cmd, extra=()):
        self.r, w = os.pipe()
        cmd = [c.replace("{fd}", str(w)) for c in cmd]
        self.proc = subprocess.Popen(
            NS + INITS[name][:1] + list(extra) + INITS[name][1:] + cmd,
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
        time.sleep(5)
        for n, r in runs.items():
            note("idle wake-ups", n, (ctx(r.init) - before[n]) / 5, "per s")
            note("idle RSS", n, int(status(r.init, "VmRSS")), "kB")
    finally:
        for r in runs.values():
            r.stop()


def bench_size():
    for n, cmd in INITS.items():
        note("binary size", n, os.path.getsize(cmd[0]) / 1024, "KiB")


STORM = ("{o} {n} >/dev/null; t=0; while [ $t -lt 600 ]; do "
         "z=$(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l); "
         "[ $z -eq 0 ] && break; t=$((t+1)); sleep 0.05; done; echo $z")


def bench_storm():
    for n, cmd in INITS.items():
        t0 = time.monotonic()
        r = subprocess.run(NS + cmd + ["sh", "-c", STORM.format(o=ORPHANS,
                                                                n=N_ORPHANS)],
                           capture_output=True, text=True)
        note(f"{N_ORPHANS} orphans: storm and reap", n,
             time.monotonic() - t0, "s")
        note(f"{N_ORPHANS} orphans: zombies left", n,
             int(r.stdout.split()[-1]), "")


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
    for _ in range(20):
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
    for _ in range(200):
        for k, cmd in (("plain", plain), ("full", full)):
            t0 = time.perf_counter_ns()
            subprocess.run(cmd, check=True)
            walls[k].append(time.perf_counter_ns() - t0)
    for k, label in (("plain", "plain"), ("full", "100 secrets + user")):
        note(f"bosun wall time: {label} (median)", "bosun",
             statistics.median(walls[k]) / 1000, "us")
    shutil.rmtree(d)


def bench_envfile():
    """The cost of merging N variables from an env-file: linear, not
    quadratic (issue 9). The stack limit is raised so that exec carries
    100,000 variables (a quarter of it, at most 6 MiB)."""
    import resource
    old = resource.getrlimit(resource.RLIMIT_STACK)
    resource.setrlimit(resource.RLIMIT_STACK, (64 << 20, max(64 << 20, old[1])
                                               if old[1] != resource.RLIM_INFINITY
                                               else resource.RLIM_INFINITY))
    d = tempfile.mkdtemp()
    try:
        for n, runs in ((10, 50), (1000, 50), (100_000, 5)):
            f = os.path.join(d, f"{n}.env")
            with open(f, "w") as fh:
                fh.write("".join(f"VAR_{i}=value-{i}\n" for i in range(n)))
            cmd = [BOSUN, "--env-file", f, "--", "/bin/true"]
            walls = []
            for _ in range(runs):
                t0 = time.perf_counter_ns()
                subprocess.run(cmd, check=True)
                walls.append(time.perf_counter_ns() - t0)
            note(f"env-file of {n:,} variables: wall (median)", "bosun",
                 statistics.median(walls) / 1000, "us")
            note(f"env-file of {n:,} variables: instructions", "bosun",
                 instructions(cmd[:-1])[0], "instr")
    finally:
        shutil.rmtree(d)
        resource.setrlimit(resource.RLIMIT_STACK, old)


def fmt(v):
    if v == float("inf"):
        return "never"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"


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
        ratio = ""
        if "bosun" in row and peers and min(peers) > 0:
            ratio = f"{row['bosun'] / min(peers):.2f}"
        print(f"{m:48} {cells}  {unit:6} {ratio}")
    with open(os.path.join(HERE, "results.csv"), "w") as f:
        f.write("metric,init,value,unit\n")
        for m, i, v, u in results:
            f.write(f'"{m}",{i},{"inf" if v == float("inf") else v},{u}\n')


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
    print("\ngoals:")
    for what, ok, detail in out:
        print(f"  {'met ' if ok else 'MISS'}  {what}: {detail}")


def chart():
    want = [("instructions (INIT -- /bin/true)", "instructions, INIT -- /bin/true"),
            ("signal round trip via PID 1 (median)", "signal round trip (us)"),
            ("idle RSS", "idle RSS (kB)"), ("binary size", "binary size (KiB)")]
    data = os.path.join(B, "chart.dat")
    with open(data, "w") as f:
        for i, (m, _) in enumerate(want):
            f.write(f"# {m}\n")
            for init in INITS:
                v = next(v for mm, ii, v, u in results if mm == m and ii == init)
                f.write(f'"{init}" {v}\n')
            f.write("\n\n")
    plots = "\n".join(
        f'set title "{t}"; plot "{data}" index {i} using 2:xtic(1) '
        f'with boxes lc rgb "#3b6ea8" notitle'
        for i, (_, t) in enumerate(want))
    script = f"""set terminal pngcairo size 1000,700 font "sans,10"
set output "{os.path.join(HERE, 'results.png')}"
set multiplot layout 2,2 title "bosun and its peers as PID 1 (lower is better)"
set style fill solid 0.8; set boxwidth 0.6; set yrange [0:*]; set grid y
{plots}
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    if os.geteuid() != 0:
        sys.exit("bench: needs root (pid namespaces)")
    steps = [bench_size, bench_instructions, bench_idle, bench_rtt,
             bench_stop, bench_bosun_cost, bench_envfile, bench_storm]
    for step in steps:
        print(f"bench: {step.__name__[6:]}", file=sys.stderr, flush=True)
        step()
    report()
    goals()
    chart()


if __name__ == "__main__":
    main()
