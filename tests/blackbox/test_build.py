# SPDX-License-Identifier: MIT
"""The hardened build, read from the binary under test (BOSUN): the dynamic
build is linked with full RELRO and BIND_NOW and uses the stack protector
and glibc's fortified calls; the static build is static and its own code
carries the stack protector. A name with "static" in it is the static
build. Sanitizer and valgrind builds are other binaries: skipped."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import BOSUN, ROOT

pytestmark = pytest.mark.skipif(
    os.environ.get("TEST_SANITIZED") == "1",
    reason="BOSUN is an ASan or valgrind build, not the release binary")

STATIC = "static" in os.path.basename(BOSUN)
UNSTRIPPED = os.path.join(ROOT, "build", "static", "bosun.unstripped")
# functions of bosun's own with arrays on the stack: -fstack-protector-strong
# gives each a canary check that calls __stack_chk_fail
GUARDED = ["main", "spawn_exec", "userdb_resolve", "privdrop_parse_caps"]


def readelf(*args, path=BOSUN):
    return subprocess.run(["readelf", "-W", *args, path], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.skipif(STATIC, reason="the dynamic build's properties")
def test_dynamic_build_has_full_relro_and_bind_now():
    dyn = readelf("-d")
    assert re.search(r"\(FLAGS\)\s+.*BIND_NOW", dyn) or \
        re.search(r"\(FLAGS_1\)\s+.*\bNOW\b", dyn), dyn
    assert "GNU_RELRO" in readelf("-l")


@pytest.mark.skipif(STATIC, reason="the dynamic build's properties")
def test_dynamic_build_has_stack_protector_and_fortify():
    syms = readelf("--dyn-syms")
    assert re.search(r"\b__stack_chk_fail\b", syms)
    chk = set(re.findall(r"\b(__\w+_chk)@", syms)) - {"__stack_chk"}
    assert chk, "no fortified __*_chk function is used"


@pytest.mark.skipif(not STATIC, reason="the static build's properties")
def test_static_build_is_static_and_stripped():
    assert "INTERP" not in readelf("-l")
    assert "There is no dynamic section" in readelf("-d")
    assert ".symtab" not in readelf("-S")


@pytest.mark.skipif(not STATIC, reason="the static build's properties")
def test_static_build_has_stack_protector(tmp_path):
    """The shipped binary is stripped, so the check reads its unstripped
    twin, and first proves that stripping the twin gives the very bytes
    under test."""
    if not shutil.which("objdump"):
        pytest.skip("needs objdump")
    assert os.path.exists(UNSTRIPPED), \
        f"no {UNSTRIPPED}: the stack protector cannot be checked"
    stripped = tmp_path / "stripped"
    subprocess.run(["strip", "-o", str(stripped), UNSTRIPPED], check=True)
    with open(BOSUN, "rb") as a, open(stripped, "rb") as b:
        assert a.read() == b.read(), \
            f"{BOSUN} is not the stripped {UNSTRIPPED}: rebuild"
    for fn in GUARDED:
        asm = subprocess.run(["objdump", "-d", f"--disassemble={fn}",
                              UNSTRIPPED], capture_output=True, text=True,
                             check=True).stdout
        assert f"<{fn}>:" in asm, f"{fn} not found"
        assert "<__stack_chk_fail" in asm, f"{fn} has no stack protector"
