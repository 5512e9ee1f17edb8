# SPDX-License-Identifier: MIT
"""--user, --caps, NO_NEW_PRIVS and seccomp, seen from the command's
/proc/self/status. bosun runs in a mount namespace whose /etc/passwd and
/etc/group are the test's own, bind-mounted; the host's are untouched."""
import os
import shutil
import signal
import subprocess

import pytest

from conftest import BOSUN, HELPERS, PY, alive, wait_until

PASSWD = """root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:App:/home/app:/bin/sh
web:x:1001:1001:Web:/srv/web:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
os:x:1000680000:0:OpenShift:/home/os:/bin/sh
"""
GROUP = """root:x:0:
audio:x:29:app
video:x:44:other,app
staff:x:50:
app:x:1000:
web:x:1001:
nogroup:x:65534:
"""
STATUS = ["grep", "-E", "^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs"
          "|Seccomp):", "/proc/self/status"]


def run_as(tmp_path, args, pid1=False, pre=(), env=None, net=False):
    """bosun ARGS with the test's passwd and group files."""
    (tmp_path / "passwd").write_text(PASSWD)
    (tmp_path / "group").write_text(GROUP)
    os.chmod(tmp_path, 0o755)
    ns = ["unshare", "--mount"] + (["--net"] if net else []) + (
        ["--pid", "--fork", "--mount-proc"] if pid1 else [])
    script = (f"mount --bind {tmp_path}/passwd /etc/passwd && "
              f"mount --bind {tmp_path}/group /etc/group && exec \"$@\"")
    cmd = ns + ["sh", "-c", script, "sh"] + list(pre) + [BOSUN] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                          env=env or {"PATH": os.environ["PATH"]})


def status(text):
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        out[k] = v.split()
    return out


ALL_ZERO = ["0000000000000000"]


def caps_hex(*bits):
    return [f"{sum(1 << b for b in bits):016x}"]


def test_named_user_with_supplementary_groups(tmp_path, mode):
    r = run_as(tmp_path, ["-u", "app", "--"] + STATUS, pid1=mode)
    assert r.returncode == 0, r.stderr
    s = status(r.stdout)
    assert s["Uid"] == ["1000"] * 4 and s["Gid"] == ["1000"] * 4
    assert sorted(s["Groups"]) == ["1000", "29", "44"]
    for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert s[k] == ALL_ZERO, k
    assert s["NoNewPrivs"] == ["1"]
    assert s["Seccomp"] == ["0"]


def test_home_comes_from_the_passwd_entry(tmp_path):
    r = run_as(tmp_path, ["-u", "web", "sh", "-c", "echo $HOME"],
               env={"PATH": os.environ["PATH"], "HOME": "/root"})
    assert r.stdout == "/srv/web\n"
    r = run_as(tmp_path, ["-u", "5000:5000", "sh", "-c", "echo $HOME"])
    assert r.stdout == "/\n"


def test_user_and_group(tmp_path):
    r = run_as(tmp_path, ["-u", "app:staff"] + STATUS)
    s = status(r.stdout)
    assert s["Uid"] == ["1000"] * 4 and s["Gid"] == ["50"] * 4
    assert s["Groups"] == ["50"], "only the group asked for; never 0"


def test_numeric_ids_without_entries(tmp_path):
    r = run_as(tmp_path, ["--user", "4242:4343"] + STATUS)
    assert r.returncode == 0, r.stderr
    s = status(r.stdout)
    assert s["Uid"] == ["4242"] * 4 and s["Gid"] == ["4343"] * 4
    assert s["Groups"] == ["4343"]


def test_user_from_environment_twin(tmp_path):
    r = run_as(tmp_path, STATUS, env={"PATH": os.environ["PATH"],
                                      "BOSUN_USER": "app"})
    assert status(r.stdout)["Uid"] == ["1000"] * 4


BIND81 = [PY, "-c", "import socket; s = socket.socket(); "
          "s.bind(('0.0.0.0', 81)); print('bound')"]


def test_net_bind_service_lets_a_non_root_server_bind_port_81(tmp_path):
    r = run_as(tmp_path, ["-u", "app", "--caps", "net_bind_service"] + BIND81,
               net=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "bound\n"
    r = run_as(tmp_path, ["-u", "app", "--caps", "net_bind_service", "--"] +
               STATUS)
    s = status(r.stdout)
    for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert s[k] == caps_hex(10), k
    r = run_as(tmp_path, ["-u", "app"] + BIND81, net=True)
    assert r.returncode != 0 and "Permission denied" in r.stderr


def test_root_with_caps_is_cut_down(tmp_path, mode):
    r = run_as(tmp_path, ["--caps", "CAP_CHOWN,net_admin"] + STATUS, pid1=mode)
    assert r.returncode == 0, r.stderr
    s = status(r.stdout)
    assert s["Uid"] == ["0"] * 4
    for k in ("CapPrm", "CapEff", "CapBnd"):
        assert s[k] == caps_hex(0, 12), k
    assert s["CapAmb"] == ALL_ZERO
    assert s["NoNewPrivs"] == ["1"]


def test_caps_from_environment_and_allow_new_privs(tmp_path):
    r = run_as(tmp_path, STATUS, env={"PATH": os.environ["PATH"],
                                      "BOSUN_USER": "app",
                                      "BOSUN_CAPS": "net_bind_service",
                                      "BOSUN_ALLOW_NEW_PRIVS": "1"})
    s = status(r.stdout)
    assert s["CapAmb"] == caps_hex(10)
    assert s["NoNewPrivs"] == ["0"]


def test_without_privilege_options_nothing_changes(tmp_path):
    r = run_as(tmp_path, STATUS)
    s = status(r.stdout)
    assert s["Uid"] == ["0"] * 4 and s["NoNewPrivs"] == ["0"]
    assert s["CapEff"] != ALL_ZERO


@pytest.mark.parametrize("args,what", [
    (["-u", "nosuch"], "unknown user nosuch"),
    (["-u", "app:nosuch"], "unknown group nosuch"),
    (["-u", "4294967295"], "bad user id 4294967295"),
    (["-u", "4294967295:1"], "bad user id"),
    (["-u", "1:4294967295"], "bad group id"),
    (["-u", "99999999999"], "bad user id"),
    (["-u", "4242"], "no passwd entry and no group"),
    (["--caps", "net_bind_servic"], "unknown capability"),
    (["--seccomp", "strict"], "unknown profile 'strict'"),
    (["--seccomp-deny", "mkdir,nosuchcall"], "unknown system call 'nosuchcall'"),
    # bosun's child reports a failure to start the command with them
    (["-e", "127", "--seccomp-deny", "write"], "write cannot be denied"),
    (["--seccomp-deny", "mkdir,writev"], "writev cannot be denied"),
])
def test_failures_exit_125_and_the_command_never_runs(tmp_path, mode, args, what):
    marker = tmp_path / "ran"
    r = run_as(tmp_path, args + ["touch", str(marker)], pid1=mode)
    assert r.returncode == 125, r.stderr
    assert what in r.stderr, r.stderr
    assert not marker.exists()


def test_cap_drop_all_cannot_drop_and_never_runs_as_root(tmp_path):
    """docker run --cap-drop ALL: root without CAP_SETUID/CAP_SETGID."""
    marker = tmp_path / "ran"
    os.chmod(tmp_path, 0o777)
    r = run_as(tmp_path, ["-u", "app", "touch", str(marker)],
               pre=["setpriv", "--bounding-set=-all", "--inh-caps=-all"])
    assert r.returncode == 125
    assert "cannot set groups" in r.stderr, r.stderr
    assert not marker.exists()


def test_already_the_target_user_is_a_no_op(tmp_path, mode):
    """Docker USER app or Kubernetes runAsNonRoot with BOSUN_USER=app."""
    pre = ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups"]
    r = run_as(tmp_path, ["-u", "app"] + STATUS, pid1=mode, pre=pre)
    assert r.returncode == 0, r.stderr
    s = status(r.stdout)
    assert s["Uid"] == ["1000"] * 4 and s["NoNewPrivs"] == ["1"]
    r = run_as(tmp_path, ["-u", "1000:1000", "true"], pre=pre)
    assert r.returncode == 0, r.stderr


def test_another_non_root_user_is_an_error(tmp_path):
    marker = tmp_path / "ran"
    os.chmod(tmp_path, 0o777)
    pre = ["setpriv", "--reuid=1001", "--regid=1001", "--clear-groups"]
    r = run_as(tmp_path, ["-u", "app", "touch", str(marker)], pre=pre)
    assert r.returncode == 125
    assert "not root: cannot switch to uid 1000" in r.stderr
    assert not marker.exists()


def test_setuid_installation_is_refused(tmp_path):
    copy = tmp_path / "bosun"
    shutil.copy(BOSUN, copy)
    os.chmod(copy, 0o4755)
    os.chmod(tmp_path, 0o755)
    marker = tmp_path / "ran"
    r = subprocess.run(["setpriv", "--reuid=1000", "--regid=1000",
                        "--clear-groups", str(copy), "touch", str(marker)],
                       capture_output=True, text=True)
    assert r.returncode == 125
    assert "setuid" in r.stderr
    assert not marker.exists()


def test_root_only_secret_for_an_unprivileged_command(tmp_path):
    secret = tmp_path / "db"
    secret.write_text("pw-for-app\n")
    secret.chmod(0o400)
    r = run_as(tmp_path, ["-s", f"DB={secret}", "-u", "app", "sh", "-c",
                          f"cat {secret} 2>/dev/null || echo denied; echo $DB"])
    assert r.stdout == "denied\npw-for-app\n", r.stderr


def test_seccomp_baseline_blocks_namespaces_and_mounts_not_a_shell(tmp_path, mode):
    script = ("grep ^Seccomp: /proc/self/status; "
              "unshare --user true 2>/dev/null && echo unshare-allowed; "
              "mount -t tmpfs none /mnt 2>/dev/null && echo mount-allowed; "
              "echo shell works; " +
              f"{PY} -c 'import json, subprocess; "
              "print(json.dumps(subprocess.run([\"true\"]).returncode))'")
    r = run_as(tmp_path, ["--seccomp", "baseline", "sh", "-c", script],
               pid1=mode)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Seccomp:\t2\nshell works\n0\n"
    r = run_as(tmp_path, ["sh", "-c", script])
    assert "unshare-allowed" in r.stdout, "the same works without the filter"


def test_seccomp_blocks_tiocsti(tmp_path):
    probe = [PY, "-c", "import fcntl, termios, errno\n"
             "try:\n fcntl.ioctl(0, termios.TIOCSTI, b'x')\n"
             "except OSError as e: print(errno.errorcode[e.errno])"]
    r = run_as(tmp_path, ["--seccomp", "baseline"] + probe)
    assert r.stdout == "EPERM\n", r.stderr
    r = run_as(tmp_path, probe)
    assert r.stdout == "ENOTTY\n", "without the filter the kernel answers"


def test_seccomp_deny_adds_calls_and_works_alone(tmp_path):
    script = "mkdir /tmp/bosun-x-$$ 2>&1 || true; echo done"
    r = run_as(tmp_path, ["--seccomp-deny", "mkdir,mkdirat", "sh", "-c", script])
    assert "Operation not permitted" in r.stdout and "done" in r.stdout
    r = run_as(tmp_path, ["sh", "-c", "grep ^Seccomp: /proc/self/status"],
               env={"PATH": os.environ["PATH"], "BOSUN_SECCOMP": "baseline",
                    "BOSUN_SECCOMP_DENY": "mkdir"})
    assert r.stdout == "Seccomp:\t2\n"


def test_seccomp_with_user_and_caps_together(tmp_path):
    r = run_as(tmp_path, ["-u", "app", "--caps", "net_bind_service",
                          "--seccomp", "baseline"] + STATUS)
    s = status(r.stdout)
    assert s["Uid"] == ["1000"] * 4 and s["Seccomp"] == ["2"]
    assert s["CapAmb"] == caps_hex(10) and s["NoNewPrivs"] == ["1"]


def test_seccomp_for_a_user_without_no_new_privs_fails_closed(tmp_path):
    """Loading a filter needs NO_NEW_PRIVS once root is gone."""
    marker = tmp_path / "ran"
    os.chmod(tmp_path, 0o777)
    r = run_as(tmp_path, ["-u", "app", "--allow-new-privs", "--seccomp",
                          "baseline", "touch", str(marker)])
    assert r.returncode == 125
    assert "cannot load the seccomp filter" in r.stderr
    assert not marker.exists()


# Group 0 is not root: OpenShift runs every container as an arbitrary uid
# with gid 0, and an image's user may have group 0 as its primary group.
NOTHING = {k: ALL_ZERO for k in ("CapInh", "CapPrm", "CapEff", "CapBnd",
                                 "CapAmb")}


@pytest.mark.parametrize("spec,uid,groups", [
    ("1000:0", "1000", ["0"]),
    ("app:root", "1000", ["0"]),
    ("os", "1000680000", ["0"]),
])
def test_group_0_is_not_root(tmp_path, mode, spec, uid, groups):
    r = run_as(tmp_path, ["-u", spec, "--"] + STATUS, pid1=mode)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    s = status(r.stdout)
    assert s["Uid"] == [uid] * 4 and s["Gid"] == ["0"] * 4
    assert s["Groups"] == groups
    for k, v in NOTHING.items():
        assert s[k] == v, k
    assert s["NoNewPrivs"] == ["1"]


def test_group_0_with_setgid_asked_for_keeps_it(tmp_path):
    r = run_as(tmp_path, ["-u", "1000:0", "--caps", "setgid", "--"] + STATUS)
    assert r.returncode == 0, r.stderr
    s = status(r.stdout)
    assert s["Uid"] == ["1000"] * 4 and s["Gid"] == ["0"] * 4
    for k in ("CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert s[k] == caps_hex(6), k


@pytest.mark.parametrize("user", [None, "1000:0"])
def test_openshift_arbitrary_uid_with_group_0(tmp_path, mode, user):
    """bosun itself runs as uid 1000 gid 0, not root."""
    pre = ["setpriv", "--reuid=1000", "--regid=0", "--clear-groups"]
    args = (["-u", user] if user else []) + ["--"] + STATUS
    r = run_as(tmp_path, args, pid1=mode, pre=pre)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    s = status(r.stdout)
    assert s["Uid"] == ["1000"] * 4 and s["Gid"] == ["0"] * 4
    assert s["Groups"] == []
    for k in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        assert s[k] == ALL_ZERO, k
    assert s["NoNewPrivs"] == (["1"] if user else ["0"])


# bosun's own failures in the child (the drop, the filter, exec) are
# reported to bosun through a status pipe and are never remapped.
def own_failures(tmp_path):
    noexec = tmp_path / "noexec"
    noexec.write_text("#!/bin/sh\necho ran\n")
    noexec.chmod(0o644)
    nonroot = ["setpriv", "--reuid=1001", "--regid=1001", "--clear-groups"]
    return [
        (125, ["-u", "1000:1000"], nonroot,
         "not root: cannot switch to uid 1000 gid 1000"),
        (125, ["-u", "app", "--allow-new-privs", "--seccomp", "baseline"], (),
         "cannot load the seccomp filter"),
        (127, [], (), "cannot run bosun-no-such-command: No such file"),
        (126, [], (), f"cannot run {noexec}: Permission denied"),
    ]


@pytest.mark.parametrize("case", range(4))
def test_remap_exit_never_hides_bosuns_own_failures(tmp_path, mode, case):
    code, args, pre, what = own_failures(tmp_path)[case]
    marker = tmp_path / "ran"
    os.chmod(tmp_path, 0o777)
    if code == 125:
        cmd = ["touch", str(marker)]
    elif code == 127:
        cmd = ["bosun-no-such-command"]
    else:
        cmd = [str(tmp_path / "noexec")]
    r = run_as(tmp_path, ["-v", "-e", str(code)] + args + ["--"] + cmd,
               pid1=mode, pre=pre)
    assert r.returncode == code, r.stderr
    lines = r.stderr.splitlines()
    assert [line for line in lines if what in line] == lines[-1:], r.stderr
    assert not any("started" in line for line in lines), \
        "logged as started though exec never happened: " + r.stderr
    assert r.stdout == "" and not marker.exists()


def test_the_commands_own_codes_are_still_remapped(tmp_path, mode):
    r = run_as(tmp_path, ["-v", "-e", "127", "--", "sh", "-c", "exit 127"],
               pid1=mode)
    assert r.returncode == 0, r.stderr
    assert "bosun: started sh as pid" in r.stderr


SLOWEXEC = os.path.join(HELPERS, "slowexec.so")


@pytest.mark.parametrize("cmd,code", [(["bosun-no-such-command"], 127),
                                      (["true"], 0)])
def test_a_child_stopped_before_exec_does_not_hang_bosun(bosun, tmp_path,
                                                          mode, cmd, code):
    """SIGSTOP between fork and exec: bosun supervises meanwhile, and a
    failure reported afterwards is still its own, not remapped."""
    if os.environ.get("TEST_SANITIZED") == "1":
        pytest.skip("LD_PRELOAD does not mix with ASan or valgrind")
    if b"INTERP" not in subprocess.run(["readelf", "-l", BOSUN],
                                       capture_output=True).stdout:
        pytest.skip("LD_PRELOAD needs the dynamic build")
    go = tmp_path / "go"
    b = bosun("-v", "-e", "127", "--", *cmd, pid1=mode,
              env={"PATH": os.environ["PATH"], "SLOWEXEC_GO": str(go),
                   "LD_PRELOAD": os.path.realpath(SLOWEXEC)})
    child = b.command_pid()
    os.kill(child, signal.SIGSTOP)
    wait_until(lambda: "was stopped before exec" in b.stderr(),
               what="bosun going on while its child is stopped")
    assert alive(b.pid)
    go.write_text("")
    os.kill(child, signal.SIGCONT)
    assert b.wait() == code, b.stderr()
    if code:
        assert "cannot run bosun-no-such-command" in b.stderr()


SCPROBE = os.path.join(HELPERS, "scprobe")
NAMESPACES = ["newns", "newuts", "newipc", "newuser", "newpid", "newnet",
              "newcgroup"]


def probe(tmp_path, args, pid1=False):
    r = run_as(tmp_path, args + ["--", SCPROBE], pid1=pid1)
    assert r.returncode == 0, r.stderr
    return dict(line.split(" ", 1) for line in r.stdout.splitlines())


def test_seccomp_baseline_clone_clone3_and_the_i386_table(tmp_path, mode):
    without = probe(tmp_path, [])
    got = probe(tmp_path, ["--seccomp", "baseline"], pid1=mode)
    # without the filter the kernel allows them (bosun's tests run as root)
    for ns in NAMESPACES:
        assert without[f"clone-{ns}"] == "ok", ns
        assert got[f"clone-{ns}"] == "EPERM", ns
    assert got["clone"] == "ok", "a clone without namespace flags works"
    if without["clone3"] == "ENOSYS":
        pytest.skip("this kernel has no clone3")
    assert without["clone3"] == "ok" and got["clone3"] == "ENOSYS"
    if without.get("i386-getpid") != "ok":
        pytest.skip("no i386 system calls here (not x86-64, or no IA32)")
    assert without["i386-unshare"] == "ok"
    assert without["i386-mount"] == "Bad address"
    assert got["i386-getpid"] == "ok", "the i386 table is not walled off"
    assert got["i386-unshare"] == "EPERM"
    assert got["i386-mount"] == "EPERM"
