# SPDX-License-Identifier: MIT
"""Interface, exit status, environment and how the command is started."""
import os
import signal
import subprocess

import pytest

from conftest import BOSUN, PY, run, status_field, wait_until


def test_help_goes_to_stdout_and_exits_0():
    r = run(["--help"])
    assert r.returncode == 0
    assert r.stdout.startswith("Usage: bosun")
    assert r.stderr == ""
    for opt in ["--process-group", "--rewrite", "--kill-after", "--grace",
                "--stop-delay", "--remap-exit", "--pdeathsig", "--verbose"]:
        assert opt in r.stdout


def test_version_goes_to_stdout_and_exits_0():
    r = run(["-V"])
    assert r.returncode == 0 and r.stdout.startswith("bosun ")


@pytest.mark.parametrize("args,env,what", [
    ([], {}, "no command given"),
    (["--bogus", "true"], {}, "unknown option '--bogus'"),
    (["--grace", "10x", "true"], {}, "--grace: bad duration '10x'"),
    (["-r", "KILL:TERM", "true"], {}, "cannot rewrite 'KILL'"),
    (["true"], {"BOSUN_KILL_AFTER": "soon"}, "BOSUN_KILL_AFTER: bad duration"),
    (["true"], {"BOSUN_TYPO": "1"}, "unknown variable BOSUN_TYPO"),
])
def test_usage_errors_exit_125_naming_what_failed(tmp_path, args, env, what):
    marker = tmp_path / "ran"
    r = run(args + ["sh", "-c", f"touch {marker}"] if args else [],
            env={"PATH": os.environ["PATH"], **env})
    assert r.returncode == 125
    assert r.stderr.startswith("bosun: ") and what in r.stderr, r.stderr
    assert not marker.exists(), "the command must not run"


def test_exit_code_passes_through(mode):
    assert run(["sh", "-c", "exit 7"], pid1=mode).returncode == 7
    assert run(["true"], pid1=mode).returncode == 0


def test_death_by_signal_gives_128_plus_n(mode):
    assert run(["sh", "-c", "kill -USR1 $$"], pid1=mode).returncode == 138


def test_remap_exit_turns_codes_into_success(mode):
    assert run(["-e", "143", "--", "sh", "-c", "kill -TERM $$"],
               pid1=mode).returncode == 0
    r = run(["sh", "-c", "exit 3"], pid1=mode,
            env={"BOSUN_REMAP_EXIT": "4,3", "PATH": os.environ["PATH"]})
    assert r.returncode == 0
    assert run(["-e", "3", "sh", "-c", "exit 4"], pid1=mode).returncode == 4


def test_not_found_is_127_and_not_executable_is_126(mode, tmp_path):
    r = run(["no-such-command-anywhere"], pid1=mode)
    assert r.returncode == 127
    assert "bosun: cannot run no-such-command-anywhere: No such file" in r.stderr
    script = tmp_path / "noexec"
    script.write_text("#!/bin/sh\necho hi\n")
    r = run([str(script)], pid1=mode)
    assert r.returncode == 126 and "Permission denied" in r.stderr
    script.chmod(0o755)
    assert run([str(script)], pid1=mode).stdout == "hi\n"


def test_command_is_looked_up_in_path(tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    (d / "hello").write_text("#!/bin/sh\necho found\n")
    (d / "hello").chmod(0o755)
    r = run(["hello"], env={"PATH": f"/nonexistent:{d}"})
    assert r.returncode == 0 and r.stdout == "found\n"


def test_bosun_variables_are_removed_from_the_command_environment():
    r = run(["env"], env={"BOSUN_GRACE": "1s", "BOSUN_VERBOSE": "0",
                          "KEEP": "me", "PATH": os.environ["PATH"]})
    assert r.returncode == 0
    assert "KEEP=me" in r.stdout
    assert "BOSUN_" not in r.stdout


def test_quiet_by_default_and_verbose_on_request(mode):
    r = run(["true"], pid1=mode)
    assert r.stderr == ""
    r = run(["-vv", "true"], pid1=mode)
    assert "bosun: started true as pid" in r.stderr
    assert "bosun: command exited with status 0" in r.stderr
    r = run(["true"], pid1=mode, env={"BOSUN_VERBOSE": "1",
                                      "PATH": os.environ["PATH"]})
    assert "started true" in r.stderr


def test_pid1_in_a_namespace_and_the_command_is_its_child():
    r = run(["sh", "-c", "echo $PPID; cat /proc/1/comm"], pid1=True)
    assert r.stdout.split() == ["1", os.path.basename(BOSUN)[:15]]


def test_command_runs_in_its_own_process_group(mode):
    r = run([PY, "-c", "import os; print(os.getpgrp() == os.getpid(), "
             "os.getpgid(os.getppid()) != os.getpgrp())"], pid1=mode)
    assert r.stdout.split() == ["True", "True"]


def test_command_inherits_signal_mask_and_dispositions(mode):
    def prepare():
        signal.pthread_sigmask(signal.SIG_SETMASK, {signal.SIGUSR2, signal.SIGWINCH})
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)

    prog = ["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"]
    wrap = ["unshare", "--pid", "--fork", "--mount-proc"] if mode else []
    # the same wrapper without bosun is the reference (unshare resets CHLD)
    direct = subprocess.run(wrap + prog, capture_output=True, text=True,
                            preexec_fn=prepare, restore_signals=False)
    via = subprocess.run(wrap + [BOSUN, "--"] + prog, capture_output=True,
                         text=True, preexec_fn=prepare, restore_signals=False)
    assert via.returncode == 0, via.stderr
    assert via.stdout == direct.stdout
    blk = int(direct.stdout.split()[1], 16)
    assert blk & (1 << (signal.SIGUSR2 - 1)), "the test did set a mask"


def test_bosun_does_not_pin_the_working_directory(bosun, tmp_path, mode):
    b = bosun("sleep", "30", pid1=mode, cwd=str(tmp_path))
    b.command_pid()
    assert wait_until(lambda: os.readlink(f"/proc/{b.pid}/cwd") == "/",
                      what="bosun in /")
    assert os.readlink(f"/proc/{b.command_pid()}/cwd") == str(tmp_path)


def test_command_gets_no_fds_of_bosun(mode):
    r = run(["ls", "/proc/self/fd"], pid1=mode, stdin=subprocess.DEVNULL,
            close_fds=True)
    # 0-2 and the fd ls itself opens for the directory
    assert sorted(int(x) for x in r.stdout.split()) == [0, 1, 2, 3]
