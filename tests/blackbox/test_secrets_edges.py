# SPDX-License-Identifier: MIT
"""Secrets at the edges (issue 9): --file-env takes names, no value in any
message, linear merging, one version of a Kubernetes secret volume,
duplicate environment entries, invalid names in secrets directories, exact
size limits and usage errors."""
import ctypes
import os
import subprocess
import sys
import time

import pytest

from conftest import BOSUN, run

VALUE = "s3cr3t-VALUE-9e2b"  # never to appear in any output
BASE = {"PATH": os.environ["PATH"]}
PY = sys.executable or "/usr/bin/python3"


from test_secrets import show, write  # noqa: E402


def env(**kw):
    return dict(BASE, **kw)


# 1. --file-env takes names

def test_file_env_converts_only_the_names_listed(tmp_path, mode):
    pw = write(tmp_path / "pw", VALUE + "\n")
    user = write(tmp_path / "user", "pguser\n")
    r = run(["--file-env", "POSTGRES_PASSWORD,POSTGRES_USER", "--"] +
            show("POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_PASSWORD_FILE",
                 "FILE__POSTGRES_USER", "SSL_CERT_FILE", "AWS_CONFIG_FILE"),
            pid1=mode,
            env=env(POSTGRES_PASSWORD_FILE=pw, FILE__POSTGRES_USER=user,
                    SSL_CERT_FILE="/nonexistent/ca.pem",
                    AWS_CONFIG_FILE="/nonexistent/aws"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == (f"POSTGRES_PASSWORD={VALUE}\nPOSTGRES_USER=pguser\n"
                        "POSTGRES_PASSWORD_FILE=unset\n"
                        "FILE__POSTGRES_USER=unset\n"
                        "SSL_CERT_FILE=/nonexistent/ca.pem\n"
                        "AWS_CONFIG_FILE=/nonexistent/aws\n")
    assert r.stderr == ""


def test_file_env_twin_globs_and_repeats(tmp_path):
    pw = write(tmp_path / "pw", "p\n")
    user = write(tmp_path / "user", "u\n")
    other = write(tmp_path / "other", "o\n")
    names = ("POSTGRES_PASSWORD", "POSTGRES_USER", "OTHER", "SSL_CERT_FILE")
    e = env(POSTGRES_PASSWORD_FILE=pw, POSTGRES_USER_FILE=user,
            OTHER_FILE=other, SSL_CERT_FILE="/nonexistent/ca.pem")
    r = run(show(*names), env=dict(e, BOSUN_FILE_ENV="POSTGRES_*"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("POSTGRES_PASSWORD=p\nPOSTGRES_USER=u\nOTHER=unset\n"
                        "SSL_CERT_FILE=/nonexistent/ca.pem\n")
    r = run(["--file-env", "POSTGRES_*", "--file-env", "OTHER"] + show(*names),
            env=e)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("POSTGRES_PASSWORD=p\nPOSTGRES_USER=u\nOTHER=o\n"
                        "SSL_CERT_FILE=/nonexistent/ca.pem\n")
    # '*' is every NAME_FILE variable: a missing path then fails closed
    marker = tmp_path / "ran"
    r = run(["--file-env", "*", "touch", str(marker)], env=e)
    assert r.returncode == 125
    assert "cannot read secret SSL_CERT from /nonexistent/ca.pem" in r.stderr
    assert not marker.exists()


@pytest.mark.parametrize("value", ["1", "true", "yes", "on"])
def test_file_env_old_boolean_form_is_a_usage_error(tmp_path, value):
    marker = tmp_path / "ran"
    r = run(["touch", str(marker)],
            env=env(BOSUN_FILE_ENV=value, X_FILE="/etc/hostname"))
    assert r.returncode == 125
    assert "BOSUN_FILE_ENV" in r.stderr and "names" in r.stderr, r.stderr
    assert not marker.exists()


@pytest.mark.parametrize("args,what", [
    (["--file-env", "--"], "'--'"),
    (["--file-env", "A-B"], "'A-B'"),
    (["--file-env", "A,/x"], "'/x'"),
    (["--file-env", ""], "empty"),
])
def test_file_env_bad_items_are_usage_errors(tmp_path, args, what):
    marker = tmp_path / "ran"
    r = run(args + ["touch", str(marker)], env=BASE)
    assert r.returncode == 125
    assert r.stderr.startswith("bosun: --file-env: ") and what in r.stderr, \
        r.stderr
    assert not marker.exists()


def test_file_env_both_forms_or_the_variable_itself_is_an_error(tmp_path):
    f = write(tmp_path / "pg", VALUE)
    for extra, what in ((dict(DB_PASS="x", DB_PASS_FILE=f),
                         "both DB_PASS and DB_PASS_FILE are set"),
                        (dict(FILE__DB_PASS=f, DB_PASS_FILE=f),
                         "both DB_PASS_FILE and FILE__DB_PASS are set")):
        marker = tmp_path / "ran"
        r = run(["--file-env", "DB_PASS", "touch", str(marker)],
                env=env(**extra))
        assert r.returncode == 125
        assert what in r.stderr, r.stderr
        assert VALUE not in r.stderr
        assert not marker.exists()


# 2. no value in any message

def test_no_value_in_any_message_with_file_env_and_env_files(tmp_path):
    p1 = write(tmp_path / "p1", VALUE + "\n")
    p2 = write(tmp_path / "p2", VALUE + "-2\n")
    e = write(tmp_path / "e.env", f"A_FILE_FILE={p1}\nA_FILE={p2}\n")
    r = run(["-vvv", "--file-env", "*", "--env-file", e] +
            show("A", "A_FILE", "A_FILE_FILE"), env=BASE)
    assert VALUE not in r.stdout + r.stderr
    assert r.returncode == 0, r.stderr
    # env-file entries pass through untouched
    assert r.stdout == f"A=unset\nA_FILE={p2}\nA_FILE_FILE={p1}\n"
    # both in bosun's own environment: an error naming configuration only
    r = run(["-vvv", "--file-env", "*", "true"],
            env=env(A_FILE_FILE=p1, A_FILE=p2))
    assert r.returncode == 125
    assert VALUE not in r.stdout + r.stderr
    assert "both A_FILE and A_FILE_FILE are set" in r.stderr


# 4. linear, not quadratic

def big_stack():
    """Room for a few MiB of environment at exec (a quarter of the stack
    limit, at most 6 MiB)."""
    import resource
    resource.setrlimit(resource.RLIMIT_STACK, (64 << 20, 64 << 20))


def test_a_100000_line_env_file_loads_fast(tmp_path):
    n = 100_000
    f = tmp_path / "big.env"
    f.write_text("".join(f"VAR_{i}=value-{i}\n" for i in range(n)))
    t0 = time.monotonic()
    # env(1), not a shell: dash alone takes seconds to import 100,000
    # variables, which would be timed here instead of bosun
    r = run(["--env-file", str(f), "env"], env=BASE, timeout=60,
            preexec_fn=big_stack)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr[-500:]
    got = dict(l.split("=", 1) for l in r.stdout.splitlines()
               if l.startswith("VAR_"))
    assert len(got) == n
    assert got["VAR_0"] == "value-0" and got["VAR_99999"] == "value-99999"
    assert took < 5, f"took {took:.1f}s"


def test_bare_names_and_references_look_up_in_constant_time(tmp_path):
    n = 60_000
    big = {f"IN_{i}": f"v{i}" for i in range(n)}
    f = tmp_path / "bare.env"
    f.write_text("".join(f"IN_{i}\n" for i in range(n)))
    t0 = time.monotonic()
    # env(1), not a shell, for the reason above
    r = run(["--env-file", str(f), "-s", "REF=env:IN_7", "env"],
            env=dict(BASE, **big), timeout=60, preexec_fn=big_stack)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr[-500:]
    got = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
    assert (got["IN_0"], got["IN_59999"], got["REF"]) == ("v0", "v59999",
                                                          "v7")
    assert "IN_7" not in got
    assert took < 5, f"took {took:.1f}s"


# 6. one version of a Kubernetes secret volume

SWAPPER = r"""
import os, shutil, sys, time
d = sys.argv[1]
versions = [{"USER": "u1", "PASS": "p1"}, {"USER": "u2", "PASS": "p2"}]
k = 0
cur = os.readlink(os.path.join(d, "..data"))
while not os.path.exists(os.path.join(d, "stop")):
    k += 1
    ts = "..%d_%d" % (time.monotonic_ns(), k)
    os.mkdir(os.path.join(d, ts))
    for key, v in versions[k % 2].items():
        with open(os.path.join(d, ts, key), "w") as f:
            f.write(v)
    tmp = os.path.join(d, "..data_tmp")
    os.symlink(ts, tmp)
    os.rename(tmp, os.path.join(d, "..data"))
    shutil.rmtree(os.path.join(d, cur))
    cur = ts
    time.sleep(0.0005)
"""


def kube_volume(d):
    ts = d / "..0_0"
    ts.mkdir(parents=True)
    write(ts / "USER", "u2")
    write(ts / "PASS", "p2")
    os.symlink(ts.name, d / "..data")
    for k in ("USER", "PASS"):
        os.symlink(f"..data/{k}", d / k)


def test_kubernetes_volume_is_read_as_one_version(tmp_path):
    d = tmp_path / "vol"
    kube_volume(d)
    swapper = subprocess.Popen([PY, "-c", SWAPPER, str(d)])
    outs = {}
    try:
        for _ in range(300):
            r = run(["--secrets-dir", str(d), "sh", "-c",
                     'echo "$USER/$PASS"'], env=BASE)
            key = (r.returncode, r.stdout.strip(),
                   r.stderr.strip()[:200])
            outs[key] = outs.get(key, 0) + 1
    finally:
        (d / "stop").touch()
        swapper.wait(10)
    assert swapper.returncode == 0
    bad = {k: v for k, v in outs.items()
           if k not in ((0, "u1/p1", ""), (0, "u2/p2", ""))}
    assert not bad, f"mixed versions or failures: {bad}"


def test_kubernetes_volume_read_errors_name_the_directory(tmp_path):
    d = tmp_path / "vol"
    kube_volume(d)
    os.chmod(d / "..0_0" / "PASS", 0)
    r = run(["--secrets-dir", str(d), "setpriv", "--reuid=65534", "true"],
            env=BASE)
    assert r.returncode == 0, "root reads a 0000 file"
    os.unlink(d / "..data")
    os.symlink("..gone", d / "..data")
    r = run(["--secrets-dir", str(d), "true"], env=BASE)
    assert r.returncode == 125
    assert f"cannot read secrets directory {d}" in r.stderr, r.stderr


# 7. duplicate environment entries

EXECVE = r"""
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
args = sys.argv[1:sys.argv.index("--env")]
envs = sys.argv[sys.argv.index("--env") + 1:]
def arr(l):
    a = (ctypes.c_char_p * (len(l) + 1))()
    a[:-1] = [s.encode() for s in l]
    a[len(l)] = None
    return a
libc.execve(args[0].encode(), arr(args), arr(envs))
sys.exit("execve failed")
"""


def run_dup(args, envs, pid1=False):
    cmd = [PY, "-c", EXECVE, BOSUN] + args + ["--env"] + envs
    if pid1:
        cmd = ["unshare", "--pid", "--fork", "--mount-proc"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


ENVIRON = "tr '\\0' '\\n' < /proc/$$/environ | grep -E '^(X|Y)=' || true"


def test_duplicate_entries_are_normalised_with_a_warning(tmp_path, mode):
    path = "PATH=" + os.environ["PATH"]
    r = run_dup(["-s", "Y=env:X", "sh", "-c", ENVIRON],
                [path, f"X={VALUE}-a", f"X={VALUE}-b"], pid1=mode)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"Y={VALUE}-a\n", "X is gone, every copy of it"
    assert "X" in r.stderr and "more than once" in r.stderr, r.stderr
    assert VALUE not in r.stderr
    f = write(tmp_path / "x", VALUE + "-file")
    r = run_dup(["-s", f"X={f}", "sh", "-c", ENVIRON],
                [path, "X=placeholder", "X=stale"], pid1=mode)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"X={VALUE}-file\n", "the secret replaces every copy"
    r = run_dup(["sh", "-c", ENVIRON], [path, "X=first", "X=second"])
    assert r.stdout == "X=first\n", "the first, as getenv sees it"
    assert r.stderr.count("more than once") == 1


def test_env_reference_scrubs_every_duplicate_in_bosuns_environ(tmp_path):
    path = "PATH=" + os.environ["PATH"]
    check = "tr '\\0' '\\n' < /proc/1/environ > environ.txt"
    cmd = ["unshare", "--pid", "--fork", "--mount-proc", PY, "-c", EXECVE,
           BOSUN, "-s", "Y=env:X", "sh", "-c", check, "--env", path,
           f"X={VALUE}-a", f"X={VALUE}-b"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    environ = (tmp_path / "environ.txt").read_text()
    assert VALUE not in environ
    assert environ.count("X=\n") == 2, environ


# 8. invalid names in a secrets directory are skipped before any stat

def test_dangling_symlink_with_an_invalid_name_is_skipped(tmp_path, mode):
    d = tmp_path / "secrets"
    d.mkdir()
    write(d / "DB_PASSWORD", VALUE)
    os.symlink("root@host.1234:1700000000", d / ".#DB_PASSWORD")
    r = run(["--secrets-dir", str(d)] + show("DB_PASSWORD"), pid1=mode,
            env=BASE)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"DB_PASSWORD={VALUE}\n"
    assert "'.#DB_PASSWORD' is not a valid variable name" in r.stderr
    assert r.stderr.count("\n") == 1, r.stderr


# 10. exact limits and usage errors

def test_size_limit_printed_is_the_limit_enforced(tmp_path):
    e = tmp_path / "e.env"
    e.write_text("BIG=" + "x" * 200_000 + "\n")
    r = run(["--env-file", str(e), "true"], env=BASE)
    assert r.returncode == 125
    limit = int(r.stderr.split("at most ")[1].split(")")[0])
    assert limit == 32 * 4096 - 1, r.stderr
    for extra, code in ((0, 0), (1, 125)):
        e.write_text("BIG=" + "x" * (limit - len("BIG=") + extra) + "\n")
        r = run(["--env-file", str(e), "sh", "-c",
                 'printf %s "BIG=$BIG" | wc -c'], env=BASE)
        assert r.returncode == code, r.stderr
        if code == 0:
            assert int(r.stdout) == limit
        else:
            assert f"{limit + 1} bytes for NAME=VALUE; at most {limit})" \
                in r.stderr, r.stderr


@pytest.mark.parametrize("args,environ,what", [
    (["--hook-timeout", "0"], {}, "--hook-timeout"),
    (["--hook-timeout", "0ms"], {}, "--hook-timeout"),
    ([], {"BOSUN_HOOK_TIMEOUT": "0"}, "BOSUN_HOOK_TIMEOUT"),
    (["--seccomp-deny", ""], {}, "--seccomp-deny"),
    (["--seccomp-deny", ","], {}, "--seccomp-deny"),
])
def test_zero_timeout_and_empty_deny_list_are_usage_errors(tmp_path, args,
                                                           environ, what):
    marker = tmp_path / "ran"
    r = run(args + ["touch", str(marker)], env=dict(BASE, **environ))
    assert r.returncode == 125, r.stderr
    assert r.stderr.startswith(f"bosun: {what}"), r.stderr
    assert not marker.exists()
