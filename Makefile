# bosun — a tiny init for containers.
#   make            dynamic build, for development
#   make deps       install what is missing from the distribution's packages
#   make static     fully static musl build (libcap, libseccomp from source)
#                   ARCH=arm64 (armhf i386 ppc64el s390x riscv64 amd64)
#                   cross-builds build/ARCH/bosun-static
#   make test       unit tests, then black-box tests of both builds
#   make demo       bosun as PID 1 of a pid namespace, on a demo command
#   make emulated   ARCH=...: the black-box tests of build/ARCH/bosun-static
#                   under qemu-user (arm64: all; others: a smoke subset)
#   make deb        Debian package in build/deb/
#   make release    dist/: static binaries, SHA256SUMS, SPDX SBOMs
#   make image      FROM-scratch image bosun:VERSION with /sbin/bosun
#   make install    PREFIX=/usr/local DESTDIR=

SHELL := /bin/bash
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
MUSL_CC ?= musl-gcc

CFLAGS ?= -O2 -g
# the project's own flags stay when CFLAGS is given on the command line
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Werror=implicit-function-declaration
# Hardening, kept when CFLAGS or LDFLAGS are given: a stack protector in
# both builds; glibc's fortified string and I/O calls in the dynamic build
# (make asan leaves FORTIFY out: ASan checks those calls itself); full
# RELRO and immediate binding for the dynamic build's relocations.
FORTIFY = -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
HARDEN = -fstack-protector-strong $(FORTIFY)
HARDEN_LDFLAGS = -Wl,-z,relro -Wl,-z,now
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -I$(GEN) $(WARN) $(HARDEN) $(CFLAGS)
LDLIBS_DEPS = -lseccomp -lcap

B = build
# generated headers, the same for every build (see $(GEN)/version.h)
GEN = build/gen
GENERATED = $(GEN)/version.h $(GEN)/license.inc
# make static ARCH=...: everything for ARCH under build/ARCH, musl's
# compiler driver for it from tools/musl-deps, the cross binutils
HOST_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
ifdef ARCH
B = build/$(ARCH)
MUSL_CC = $(B)/musl/cc
STATIC_BIN = $(B)/bosun-static
ifneq ($(ARCH),$(HOST_ARCH))
CROSS := $(shell dpkg-architecture -qDEB_HOST_GNU_TYPE -a$(ARCH) 2>/dev/null)-
endif
else
STATIC_BIN = bosun-static
endif
STRIP = $(CROSS)strip
# the version, for packages and images (src/cli.c has it)
VERSION := $(shell sed -n 's/^\#define VERSION "\(.*\)"/\1/p' src/cli.c)
ARCHES = amd64 arm64 armhf i386 ppc64el s390x riscv64
# reproducible builds: no date, no build directory in the output
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH
SRC = $(sort $(wildcard src/*.c))
MODULES = $(filter-out src/main.c,$(SRC))
OBJ = $(SRC:src/%.c=$(B)/dyn/%.o)
MODOBJ = $(MODULES:src/%.c=$(B)/dyn/%.o)
SOBJ = $(SRC:src/%.c=$(B)/static/%.o)

# musl has a stack protector but no _FORTIFY_SOURCE (its headers ignore
# it), so the static build gets -fstack-protector-strong only. RELRO and
# BIND_NOW mean nothing without a dynamic loader. bosun-static is the
# stripped copy of $(B)/static/bosun.unstripped, which tests/blackbox/
# test_build.py inspects for the stack protector.
MUSL = $(B)/musl
STATIC_CFLAGS = -std=gnu11 -D_GNU_SOURCE -I$(GEN) -Os $(WARN) \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fstack-protector-strong -I$(MUSL)/include -I$(MUSL)/kernel-headers \
	-ffile-prefix-map=$(CURDIR)=.
STATIC_LDFLAGS = -static -Wl,--gc-sections -L$(MUSL)/lib

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)

PYTEST = /usr/bin/python3 -m pytest

.PHONY: FORCE all static test unit blackbox demo install clean asan lint deps fuzz bench valgrind \
	deb release image emulated coverage coverage-run

all: bosun

bosun: $(OBJ)
	$(CC) $(HARDEN_LDFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS_DEPS)

$(B)/dyn/%.o: src/%.c $(wildcard src/*.h) | $(B)/dyn
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

static: $(STATIC_BIN)

$(STATIC_BIN): $(B)/static/bosun.unstripped
	$(STRIP) -o $@ $<

$(B)/static/bosun.unstripped: $(SOBJ) $(MUSL)/.done
	$(MUSL_CC) $(STATIC_LDFLAGS) -o $@ $(SOBJ) $(LDLIBS_DEPS)

$(B)/static/%.o: src/%.c $(wildcard src/*.h) $(MUSL)/.done | $(B)/static
	$(MUSL_CC) $(STATIC_CFLAGS) -c -o $@ $<

# What is missing from the distribution's packages, installed (as root);
# fast when nothing is. tools/deps says which groups there are.
deps:
	@tools/deps test

# libcap and libseccomp built with musl from Debian's source packages
$(MUSL)/.done: tools/musl-deps
	@tools/deps build $(if $(ARCH),cross:$(ARCH))
	tools/musl-deps $(MUSL) $(ARCH)
	touch $@

$(B)/dyn $(B)/static $(B)/unit $(GEN):
	mkdir -p $@

# What cli.c includes, made from the tree: the commit for --version
# (dockerd parses it for docker info) from git when this directory is a
# checkout's top, else from .git-sha (make deb writes it), else
# "unknown"; rewritten only when it changes. LICENSE as a C string.
$(B)/dyn/cli.o $(B)/static/cli.o: $(GENERATED)
$(GEN)/version.h: FORCE | $(GEN)
	@if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
		sha=$$(git rev-parse --short=7 HEAD); \
	else sha=$$(cat .git-sha 2>/dev/null || echo unknown); fi; \
	echo "#define BOSUN_GIT \"$$sha\"" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
$(GEN)/license.inc: LICENSE | $(GEN)
	sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$$/\\n"/' LICENSE >$@
FORCE:

# per-test link flags: test_secrets checks that values are zeroed before
# free, through a wrapper around free
UNIT_LDFLAGS_test_secrets = -Wl,--wrap=free

$(B)/unit/%: tests/unit/%.c $(MODOBJ) | $(B)/unit
	$(CC) $(ALL_CFLAGS) -Wno-missing-field-initializers -Isrc -o $@ $< $(MODOBJ) $(UNIT_LDFLAGS_$*) -lcriterion $(LDLIBS_DEPS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs=2; done

HELPERS = $(B)/helpers/sigecho $(B)/helpers/orphans $(B)/helpers/slowexec.so \
	$(B)/helpers/scprobe $(B)/helpers/brood
$(B)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -o $@ $<

$(B)/helpers/%.so: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -shared -fPIC -o $@ $< -ldl

blackbox: bosun bosun-static $(HELPERS)
	BOSUN=$(CURDIR)/bosun $(PYTEST) -q tests/blackbox
	BOSUN=$(CURDIR)/bosun-static $(PYTEST) -q tests/blackbox

# deps first, alone: the rest needs what it installs
test: deps
	@$(MAKE) --no-print-directory unit blackbox

# The same tests with AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) B=build/asan CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" FORTIFY= bosun-asan-unit
	BOSUN=$(CURDIR)/build/asan/bosun TEST_SANITIZED=1 \
		$(PYTEST) -q tests/blackbox

bosun-asan-unit: $(OBJ) $(UNIT_BIN)
	$(CC) $(HARDEN_LDFLAGS) $(LDFLAGS) -o $(B)/bosun $(OBJ) $(LDLIBS_DEPS)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs=2; done

# The black-box tests with bosun under memcheck: an error or a definite
# leak in bosun itself makes it exit 99 (its children are not traced).
# Tests that look at what valgrind changes are skipped (conftest.py).
# The wrapper and its copy of bosun sit where any user can run them, as
# some tests run bosun as an unprivileged user.
valgrind: bosun $(HELPERS)
	@d=$$(mktemp -d /tmp/bosun-valgrind.XXXXXX) && chmod 0755 $$d && \
	cp bosun $$d/bosun-real && \
	printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --trace-children=no %s "$$@"\n' \
		"$$d/bosun-real" >$$d/bosun && chmod 0755 $$d/bosun && \
	BOSUN=$$d/bosun TEST_SANITIZED=1 TEST_VALGRIND=1 \
		$(PYTEST) -q tests/blackbox; r=$$?; rm -rf $$d; exit $$r

# libFuzzer targets, each run for FUZZ_TIME seconds; found inputs go to
# build/fuzz/, the seeds in tests/fuzz/corpus/ stay as they are
FUZZ_TIME ?= 60
FUZZERS = $(patsubst tests/fuzz/fuzz_%.c,build/fuzz/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS = -std=gnu11 -D_GNU_SOURCE -g -O1 -Isrc -I$(GEN) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(MODULES) $(wildcard src/*.h) $(GENERATED)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $< $(MODULES) $(LDLIBS_DEPS)

fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
		t=$${f#build/fuzz/fuzz_}; mkdir -p build/fuzz/corpus-$$t; \
		echo "== fuzzing $$t for $(FUZZ_TIME)s"; \
		$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			build/fuzz/corpus-$$t tests/fuzz/corpus/$$t 2>&1 | \
			grep -E '^(stat::number_of_executed_units|==|SUMMARY|INFO: (seed|-max))' ; \
		test $${PIPESTATUS[0]} -eq 0; \
	done

# bosun against tini, dumb-init and catatonit (installed if absent) and
# against the limit programs: minimal static C programs (musl, like
# bosun-static) doing only the work measured. BENCH_QUICK=1: the reduced
# set, for CI. The other bench programs are tools, built with $(CC).
BENCH_TOOLS = $(addprefix build/bench/,pong rtt cpurun leftovers sink blast)
BENCH_LIMITS = $(addprefix build/bench/limit-,secrets reap kill fwd)
build/bench/limit-%: tests/bench/limit-%.c
	@mkdir -p $(@D)
	$(MUSL_CC) -static -O2 -Wall -o $@ $<

build/bench/%: tests/bench/%.c
	@mkdir -p $(@D)
	$(CC) -D_GNU_SOURCE -O2 -Wall -o $@ $<

bench: bosun-static $(BENCH_TOOLS) $(BENCH_LIMITS) $(B)/helpers/orphans
	@command -v tini-static >/dev/null && command -v dumb-init >/dev/null && \
	command -v catatonit >/dev/null && command -v valgrind >/dev/null && \
	command -v gnuplot >/dev/null && command -v strace >/dev/null && \
	command -v nsenter >/dev/null || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			tini dumb-init catatonit valgrind gnuplot-nox strace \
			util-linux >/dev/null
	/usr/bin/python3 tests/bench/bench.py

# Line and branch coverage of src/ over the unit and black-box tests, with
# gcov and gcovr (installed from Debian if absent). Every object's .gcda is
# created first and made writable by anyone, since some tests run bosun as
# another user. -DBOSUN_COVERAGE makes a child, or the start-up handler,
# write its counts before it execs or _exits (exitcodes.h). test_build.py
# is left out: it checks the release flags, which this build has not.
COV = build/cov
coverage: $(HELPERS)
	@command -v gcovr >/dev/null || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcovr >/dev/null
	rm -rf $(COV)
	$(MAKE) B=$(COV) CFLAGS="-O0 -g --coverage -fprofile-update=atomic -DBOSUN_COVERAGE" LDFLAGS="--coverage" \
		coverage-run
	@echo "== line coverage of src/"
	@gcovr -r $(CURDIR) --filter 'src/' --gcov-ignore-parse-errors $(COV) | sed -n '/^File/,$$p'
	@echo "== branch coverage of src/"
	@gcovr -r $(CURDIR) --filter 'src/' --gcov-ignore-parse-errors --branches --print-summary $(COV) | \
		sed -n '/^File/,$$p'

coverage-run: $(OBJ) $(UNIT_BIN) $(HELPERS)
	$(CC) $(HARDEN_LDFLAGS) $(LDFLAGS) -o $(B)/bosun $(OBJ) $(LDLIBS_DEPS)
	$(B)/bosun -V >/dev/null
	find $(B) -name '*.gcda' -exec chmod 0666 {} +
	-@for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs=2; done
	-BOSUN=$(CURDIR)/$(B)/bosun $(PYTEST) -q tests/blackbox \
		--ignore=tests/blackbox/test_build.py

demo: deps
	@$(MAKE) --no-print-directory bosun
	tests/demo.sh ./bosun

lint:
	mandoc -Tlint -Wwarning man/bosun.8
	clang-format --dry-run --Werror src/*.c src/*.h

install: bosun
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 bosun $(DESTDIR)$(PREFIX)/sbin/bosun
	install -m 0644 man/bosun.8 $(DESTDIR)$(PREFIX)/share/man/man8/bosun.8

clean:
	rm -rf build/dyn build/static build/unit build/asan build/fuzz build/helpers build/cov bosun bosun-static
	rm -rf $(ARCHES:%=build/%) build/deb build/release build/image dist

# The Debian package, built from a copy of the tree in build/deb/src (the
# .deb lands in build/deb/), checked by lintian at warning level
deb: $(GEN)/version.h
	@tools/deps test deb
	rm -rf $(B)/deb && mkdir -p $(B)/deb/src
	tar -c --exclude=./build --exclude=./dist --exclude=./.git \
		--exclude=./bosun --exclude=./bosun-static . | tar -x -C $(B)/deb/src
	sed -n 's/^#define BOSUN_GIT "\(.*\)"/\1/p' $(GEN)/version.h \
		>$(B)/deb/src/.git-sha
	if [ -f $(B)/musl/.done ]; then mkdir -p $(B)/deb/src/build && \
		cp -a $(B)/musl $(B)/deb/src/build/; fi
	cd $(B)/deb/src && dpkg-buildpackage -b -uc -us >../build.log 2>&1 || \
		{ tail -30 ../build.log; exit 1; }
	lintian --fail-on warning --display-level '>=warning' $(B)/deb/*.changes
	@ls $(B)/deb/*.deb

# The black-box tests of the cross-built binary under qemu-user:
# make emulated ARCH=arm64 (all of them), EMU_SMOKE=1 for the smoke subset
emulated:
	@tools/deps test qemu:$(ARCH)
	@$(MAKE) --no-print-directory static ARCH=$(ARCH)
	@$(MAKE) --no-print-directory ARCH= $(HELPERS:$(B)/%=build/%)
	tools/emulated $(ARCH)

# dist/: the static binary for each architecture, an SPDX 2.3 SBOM for
# each naming the musl, libcap and libseccomp linked, and SHA256SUMS.
# Reproducible: the same bytes from any directory at any time.
release:
	@tools/deps test $(ARCHES:%=cross:%)
	rm -rf dist && mkdir dist
	@set -e; for a in $(ARCHES); do \
		$(MAKE) --no-print-directory -s static ARCH=$$a; \
		cp build/$$a/bosun-static dist/bosun-$(VERSION)-$$a; \
		tools/sbom dist/bosun-$(VERSION)-$$a build/$$a/musl/versions \
			$(VERSION) >dist/bosun-$(VERSION)-$$a.spdx.json; \
	done
	cd dist && sha256sum bosun-* >SHA256SUMS
	@cat dist/SHA256SUMS

# bosun:VERSION, a FROM-scratch image holding only /sbin/bosun and its
# licence, for `COPY --from=bosun:VERSION /sbin/bosun /sbin/bosun`
image: $(STATIC_BIN)
	@docker info >/dev/null 2>&1 || { echo "make image: no Docker engine" \
		"answers (start dockerd)" >&2; exit 1; }
	rm -rf $(B)/image && mkdir -p $(B)/image/sbin $(B)/image/usr/share/doc/bosun
	cp $(STATIC_BIN) $(B)/image/sbin/bosun
	cp LICENSE $(B)/image/usr/share/doc/bosun/LICENSE
	cp debian/copyright $(B)/image/usr/share/doc/bosun/copyright
	tar -C $(B)/image -c --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@$(SOURCE_DATE_EPOCH) sbin usr | docker import \
		--change 'ENTRYPOINT ["/sbin/bosun", "--"]' \
		--message "bosun $(VERSION)" - bosun:$(VERSION) >/dev/null
	@echo "image bosun:$(VERSION): /sbin/bosun, /usr/share/doc/bosun/{LICENSE,copyright}"
