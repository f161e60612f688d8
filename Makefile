# fusd: build, run and test. `make run` serves examples/hello.js; `make test` runs everything.
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk)
export JAVA_HOME
# jansi.noreset: Debian's Maven 3.8 prints bare ESC[0m resets even in batch mode.
export MAVEN_OPTS := --sun-misc-unsafe-memory-access=allow -Djansi.noreset=true
MVN := mvn -B -q
PREFIX ?= /usr/local
DRIVER ?= examples/hello.js

.PHONY: build run deps fmt lint test test-types test-host test-bench-check test-vm bench install clean check-jdk

check-jdk:
	@test -n "$(JAVA_HOME)" || exit 1

build: check-jdk
	$(MVN) -DskipTests package
	@host/bin/fusd-host aot-cache >/dev/null || echo "no AOT cache: fusd-host run starts without fast start (docs/takeover.md)"

run: build
	host/bin/fusd-host run $(DRIVER)

# The packages every test needs (scripts/deps installs them as root, or says
# which to install and stops).
deps:
	scripts/deps

test: check-jdk deps lint test-types test-host test-bench-check test-vm

# Java formatting is checked by `mvn verify` (Spotless) and fixed here.
fmt: check-jdk
	$(MVN) spotless:apply

SHELL_SCRIPTS := scripts/vmtest scripts/vmtest.d/* host/bin/fusd-host .ci/run \
	scripts/deps scripts/kernel-deps scripts/find-jdk scripts/checkpatch $(wildcard scripts/check-types)
PYTHON_FILES := scripts/bench/run scripts/bench/*.py scripts/bench/fusdbench/*.py scripts/e2e/*.py examples/*.py \
	host/src/main/resources/org/fusd/host/testing/client.py \
	$(wildcard docs/labs/*/*.py)

# Static checks besides Java's (Error Prone runs in javac, Spotless in verify).
lint: deps
	flake8 $(PYTHON_FILES)
	shellcheck -x $(SHELL_SCRIPTS)
	scripts/checkpatch

# The typings (types/) against every example, lab driver and test file, and
# against the member list the host provides (types/members.txt); then a
# fresh `fusd-host new` scaffold in each language.
test-types: deps build
	scripts/check-types
	dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	    host/bin/fusd-host new scaffold --dir "$$dir/js" >/dev/null && \
	    host/bin/fusd-host new scaffold --lang py --dir "$$dir/py" >/dev/null && \
	    scripts/check-types "$$dir/js" "$$dir/py"

test-host: deps
	$(MVN) verify

# The benchmark code's correctness (each driver answers the right bytes); no timing.
test-bench-check: deps build
	scripts/bench/run --check

# Timing is reported, never asserted. QUICK=1 runs a reduced set (< 3 min).
bench: build
	scripts/deps --bench
	scripts/bench/run $(if $(filter-out 0,$(QUICK)),--quick)

test-vm: deps build
	scripts/vmtest

install: build
	install -d $(DESTDIR)$(PREFIX)/lib/fusd/bin $(DESTDIR)$(PREFIX)/bin
	cp -r host/target/fusd-host.jar host/target/lib host/target/jit types $(DESTDIR)$(PREFIX)/lib/fusd/
	install -m 755 host/target/fusd-keeper $(DESTDIR)$(PREFIX)/lib/fusd/
	install -m 755 host/bin/fusd-host scripts/find-jdk $(DESTDIR)$(PREFIX)/lib/fusd/bin/
	install -m 644 host/bin/jvm-options $(DESTDIR)$(PREFIX)/lib/fusd/bin/
	ln -sf $(PREFIX)/lib/fusd/bin/fusd-host $(DESTDIR)$(PREFIX)/bin/fusd-host

clean:
	$(MVN) clean
	if [ -f kernel-module/Makefile ]; then $(MAKE) -C kernel-module clean || true; fi
