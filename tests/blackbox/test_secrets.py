# SPDX-License-Identifier: MIT
"""Secrets and the command's environment: every source, failing closed,
the limits, hooks, and hygiene (a value never shows anywhere)."""
import os
import stat
import subprocess
import time

import pytest

from conftest import BOSUN, run

VALUE = "s3cr3t-VALUE-7d1f"  # never to appear in any output
BASE = {"PATH": os.environ["PATH"]}


def env(**kw):
    return dict(BASE, **kw)


def show(*names):
    """A command that prints the named variables, one NAME=VALUE a line."""
    return ["sh", "-c", " ".join(f'echo "{n}=${{{n}-unset}}";' for n in names)]


def write(path, text, mode=0o600):
    path.write_text(text)
    path.chmod(mode)
    return str(path)


def test_secret_from_a_file_trims_trailing_newlines(tmp_path, mode):
    f = write(tmp_path / "db", VALUE + "\r\n\n")
    r = run(["-s", f"DB_PASSWORD={f}", "--"] + show("DB_PASSWORD"), pid1=mode,
            env=BASE)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"DB_PASSWORD={VALUE}\n"


def test_secret_from_env_moves_the_variable(mode):
    r = run(["-s", "API_KEY=env:RAW_KEY"] + show("API_KEY", "RAW_KEY"),
            pid1=mode, env=env(RAW_KEY=VALUE))
    assert r.stdout == f"API_KEY={VALUE}\nRAW_KEY=unset\n"


def test_secrets_from_bosun_secrets_variable(tmp_path):
    f = write(tmp_path / "a", "from-file\n")
    r = run(show("A", "B", "X"),
            env=env(BOSUN_SECRETS=f"A={f},B=env:X", X="from-env"))
    assert r.stdout == "A=from-file\nB=from-env\nX=unset\n"


def test_docker_secrets_directory(tmp_path, mode):
    d = tmp_path / "run-secrets"
    d.mkdir()
    write(d / "db_password", VALUE + "\n")
    write(d / "api_token", "tok\n")
    r = run(["--secrets-dir", str(d)] + show("db_password", "api_token"),
            pid1=mode, env=BASE)
    assert r.stdout == f"db_password={VALUE}\napi_token=tok\n"


def test_kubernetes_secret_volume_layout(tmp_path):
    """KEY -> ..data/KEY, ..data -> ..<timestamp>/, swapped atomically."""
    d = tmp_path / "vol"
    ts = d / "..2026_11_22_07_00_00.123456789"
    ts.mkdir(parents=True)
    write(ts / "username", "admin\n")
    write(ts / "password", VALUE)
    write(ts / ".dotkey", "x")
    write(ts / "tls.crt", "cert")
    os.symlink(ts.name, d / "..data")
    for k in ("username", "password", ".dotkey", "tls.crt"):
        os.symlink(f"..data/{k}", d / k)
    r = run(["--secrets-dir", str(d)] + show("username", "password"), env=BASE)
    assert r.returncode == 0
    assert r.stdout == f"username=admin\npassword={VALUE}\n"
    # the keys that cannot be variable names are named in a warning
    assert "'.dotkey' is not a valid variable name" in r.stderr
    assert "'tls.crt' is not a valid variable name" in r.stderr
    assert VALUE not in r.stderr


def test_secrets_dir_from_environment_twin(tmp_path):
    d = tmp_path / "creds"
    d.mkdir()
    write(d / "TOKEN", "t\n")
    r = run(show("TOKEN"), env=env(BOSUN_SECRETS_DIR=str(d)))
    assert r.stdout == "TOKEN=t\n"


def test_file_env_convention(tmp_path, mode):
    f = write(tmp_path / "pg", VALUE + "\n")
    r = run(["--file-env", "POSTGRES_PASSWORD"] +
            show("POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE"),
            pid1=mode, env=env(POSTGRES_PASSWORD_FILE=f))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"POSTGRES_PASSWORD={VALUE}\nPOSTGRES_PASSWORD_FILE=unset\n"


def test_file_env_is_off_unless_asked(tmp_path):
    f = write(tmp_path / "pg", VALUE)
    r = run(show("POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE"),
            env=env(POSTGRES_PASSWORD_FILE=f))
    assert r.stdout == f"POSTGRES_PASSWORD=unset\nPOSTGRES_PASSWORD_FILE={f}\n"


def test_file_env_with_both_set_fails(tmp_path):
    f = write(tmp_path / "pg", VALUE)
    marker = tmp_path / "ran"
    r = run(["touch", str(marker)],
            env=env(BOSUN_FILE_ENV="DB_PASS", DB_PASS="x", DB_PASS_FILE=f))
    assert r.returncode == 125
    assert "both DB_PASS and DB_PASS_FILE are set" in r.stderr
    assert not marker.exists()


def test_env_files_in_dockers_syntax(tmp_path, mode):
    a = write(tmp_path / "a.env", "# comment\n\nA=1\nB= two words \nINHERIT\n"
              "UNSET_ONE\nC=x=y\n")
    b = write(tmp_path / "b.env", "A=override\n")
    r = run(["--env-file", a, "--env-file", b] +
            show("A", "B", "C", "INHERIT", "UNSET_ONE"), pid1=mode,
            env=env(INHERIT="from-bosun"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("A=override\nB= two words \nC=x=y\n"
                        "INHERIT=from-bosun\nUNSET_ONE=unset\n")
    r = run(show("A"), env=env(BOSUN_ENV_FILE=f"{a},{b}"))
    assert r.stdout == "A=override\n"


def hook(tmp_path, name, body):
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(0o755)
    return str(p)


def test_hook_output_is_merged_and_stderr_passes_through(tmp_path, mode):
    h = hook(tmp_path, "vault", f'echo "fetching" >&2\necho "DB={VALUE}"\n'
             'echo "SEEN=$EARLY"\n')
    r = run(["--hook", h, "-s", "EARLY=env:E"] + show("DB", "SEEN"),
            pid1=mode, env=env(E="early"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"DB={VALUE}\nSEEN=early\n", \
        "hooks see the environment assembled so far"
    assert "fetching" in r.stderr


def test_hooks_run_in_order_and_later_ones_win(tmp_path):
    d = tmp_path / "entrypoint.d"
    d.mkdir()
    hook(d, "20-second", 'echo "X=dir20"; echo "D=$X"\n')
    hook(d, "10-first", 'echo "X=dir10"\n')
    (d / "30-not-executable").write_text("#!/bin/sh\necho X=never\n")
    h = hook(tmp_path, "last", 'echo "X=hook"; echo "L=$X"\n')
    r = run(["--hooks-dir", str(d), "--hook", h] + show("X", "D", "L"),
            env=BASE)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "X=hook\nD=dir10\nL=dir20\n"


def test_hooks_win_over_every_other_source(tmp_path):
    f = write(tmp_path / "s", "from-secret")
    h = hook(tmp_path, "h", 'echo "S=from-hook"\n')
    r = run(["-s", f"S={f}", "--hook", h] + show("S"), env=BASE)
    assert r.stdout == "S=from-hook\n"


@pytest.mark.parametrize("body,what", [
    ("exit 3\n", "exited with status 3"),
    ("kill -KILL $$\n", "was killed by signal 9"),
    ('echo "GOOD=1"; echo "bad line"\n', ":2: invalid variable name"),
])
def test_hook_failures_stop_bosun(tmp_path, mode, body, what):
    h = hook(tmp_path, "h", body)
    marker = tmp_path / "ran"
    r = run(["--hook", h, "touch", str(marker)], pid1=mode, env=BASE)
    assert r.returncode == 125
    assert f"bosun: hook {h}" in r.stderr and what in r.stderr, r.stderr
    assert "bad line" not in r.stderr
    assert not marker.exists(), "the command must not run"


def test_hook_timeout(tmp_path, mode):
    h = hook(tmp_path, "slow", "echo A=1; sleep 30\n")
    marker = tmp_path / "ran"
    t0 = time.monotonic()
    r = run(["--hook-timeout", "500ms", "--hook", h, "touch", str(marker)],
            pid1=mode, env=BASE)
    assert r.returncode == 125
    assert "timed out" in r.stderr
    assert time.monotonic() - t0 < 10
    assert not marker.exists()


def test_hook_leaving_a_process_behind_does_not_hang(tmp_path):
    h = hook(tmp_path, "daemon", "sleep 30 &\necho A=1\n")
    t0 = time.monotonic()
    r = run(["--grace", "200ms", "--hook", h] + show("A"), env=BASE)
    assert r.stdout == "A=1\n"
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("setup,what", [
    (lambda t: ["-s", f"A={t}/missing"], "cannot read secret A from"),
    (lambda t: ["-s", "A=env:NOT_SET"], "variable NOT_SET is not set"),
    (lambda t: ["-s", f"A={t}"], "Is a directory"),
    (lambda t: ["--secrets-dir", f"{t}/nodir"], "cannot read secrets directory"),
    (lambda t: ["--env-file", f"{t}/none.env"], "cannot read env-file"),
    (lambda t: ["--hook", f"{t}/nohook"], "cannot run hook"),
    (lambda t: ["--hooks-dir", f"{t}/nodir"], "cannot read hooks directory"),
    (lambda t: ["-s", "1BAD=/etc/hostname"], "invalid variable name"),
])
def test_missing_or_bad_sources_fail_closed(tmp_path, mode, setup, what):
    marker = tmp_path / "ran"
    r = run(setup(tmp_path) + ["touch", str(marker)], pid1=mode, env=BASE)
    assert r.returncode == 125, r.stderr
    assert r.stderr.startswith("bosun: ") and what in r.stderr, r.stderr
    assert not marker.exists(), "the command must not run"


def test_invalid_env_file_line_reports_file_and_line_only(tmp_path):
    f = write(tmp_path / "bad.env", f"OK=1\nNOT OK={VALUE}\n")
    r = run(["--env-file", f, "true"], env=BASE)
    assert r.returncode == 125
    assert f"{f}:2: invalid variable name" in r.stderr
    assert VALUE not in r.stderr


def test_a_fifo_is_not_read(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = run(["-s", f"A={fifo}", "true"], env=BASE, timeout=10)
    assert r.returncode == 125 and "not a regular file" in r.stderr


def test_nul_byte_is_an_error(tmp_path):
    f = tmp_path / "nul"
    f.write_bytes(b"abc\0def")
    r = run(["-s", f"A={f}", "true"], env=BASE)
    assert r.returncode == 125 and "NUL byte" in r.stderr


def test_size_limit_of_one_environment_string(tmp_path):
    limit = 32 * 4096 - 1            # "NAME=VALUE" without its NUL
    ok = tmp_path / "ok"
    ok.write_text("x" * (limit - len("BIG=")))
    r = run(["-s", f"BIG={ok}", "sh", "-c", 'printf %s "$BIG" | wc -c'],
            env=BASE)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == limit - len("BIG=")
    big = tmp_path / "big"
    big.write_text("x" * (limit - len("BIG=") + 1))
    r = run(["-s", f"BIG={big}", "true"], env=BASE)
    assert r.returncode == 125
    assert "mount the secret as a file instead" in r.stderr
    huge = tmp_path / "huge"
    huge.write_text("x" * 10_000_000)
    r = run(["--secrets-dir", str(tmp_path), "true"], env=BASE)
    assert r.returncode == 125 and "as a file instead" in r.stderr


def test_root_only_secret_reaches_an_unprivileged_command(tmp_path):
    """Read by bosun (root) before the command drops to nobody."""
    f = write(tmp_path / "root-only", VALUE, 0o400)
    os.chmod(tmp_path, 0o755)
    r = run(["-s", f"S={f}", "setpriv", "--reuid=65534", "--regid=65534",
             "--clear-groups", "sh", "-c", f'cat {f} 2>/dev/null || echo "denied"; '
             'echo "S=$S"'], env=BASE)
    assert r.stdout == f"denied\nS={VALUE}\n", r.stderr


def test_hygiene_no_value_anywhere_even_at_full_verbosity(tmp_path):
    """Every source at -vvv: names and sources in the log, values nowhere,
    not in /proc/1/environ of the container either."""
    d = tmp_path / "secrets"
    d.mkdir()
    write(d / "FROM_DIR", VALUE + "-dir")
    f = write(tmp_path / "f", VALUE + "-file")
    ff = write(tmp_path / "ff", VALUE + "-filenv")
    e = write(tmp_path / "e.env", f"FROM_ENVFILE={VALUE}-envfile\n")
    h = hook(tmp_path, "h", f'echo "FROM_HOOK={VALUE}-hook"\n')
    check = ("tr '\\0' '\\n' < /proc/1/environ > environ.txt; "
             "env > env.txt")
    r = run(["-vvv", "--secrets-dir", str(d), "-s", f"FROM_FILE={f}",
             "-s", "FROM_REF=env:REF", "--file-env", "FROM_*", "--env-file", e,
             "--hook", h, "sh", "-c", check], pid1=True,
            env=env(REF=VALUE + "-ref", FROM_FF_FILE=ff), cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    log = r.stdout + r.stderr
    assert VALUE not in log
    for name in ("FROM_DIR", "FROM_FILE", "FROM_REF", "FROM_FF",
                 "FROM_ENVFILE", "FROM_HOOK"):
        assert name in r.stderr, f"the log names {name}"
    got = (tmp_path / "env.txt").read_text()
    for suffix in ("dir", "file", "ref", "filenv", "envfile", "hook"):
        assert f"{VALUE}-{suffix}" in got, "the command got every value"
    environ = (tmp_path / "environ.txt").read_text()
    assert VALUE not in environ, "bosun's own environment holds no value"
    assert "REF=" in environ, "env:REF is emptied in place, not removed"
