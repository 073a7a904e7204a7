# The README's two commands are `make demo` and `make test`; everything else is a step of theirs.
SWIFT ?= swift
DEBUG_BIN := .build/debug/veil
# Release builds live apart from the debug one, so that either can build while the other is
# used (SwiftPM locks its build directory).
RELEASE_DIR := .build-rel/release
RELEASE_BIN := $(RELEASE_DIR)/veil

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: setup build release install deb demo test unit integration bench profiles
setup:
	@scripts/setup

# Both binaries: `veil` (the launcher) and `veil-core` (everything else), side by side.
build: setup
	$(SWIFT) build

# Launch time: a statically linked Swift runtime starts in a few ms instead of ~10, and a
# non-PIE executable skips ~110,000 load-time relocations of the static runtime's data.
# (The two products only: veil-fuzz reads the inspector's internals and builds in debug.)
release: setup
	$(SWIFT) build -c release --scratch-path .build-rel --static-swift-stdlib -Xlinker -no-pie --product veil
	$(SWIFT) build -c release --scratch-path .build-rel --static-swift-stdlib -Xlinker -no-pie --product veil-core

# Stripped binaries, completions (bash, zsh, fish), the man page and the AppArmor profile's
# text, under $(DESTDIR)$(PREFIX). ~/.local as PREFIX needs ~/.local/bin on PATH.
install: release
	@scripts/install-files $(RELEASE_DIR) "$(DESTDIR)" "$(PREFIX)"

# .build-deb/veil_VERSION_ARCH.deb (dpkg-deb): what `make install PREFIX=/usr` installs.
deb: release
	@scripts/package-deb $(RELEASE_DIR) .build-deb

# veil's main job, offline: an example agent under `veil run`, talking to the built-in stub model.
# (A debug build: the first build is several minutes shorter than a release one.)
demo: build
	@scripts/demo $(DEBUG_BIN)

# Every test: unit tests (swift-testing), the scanner and the HTTP side under libFuzzer (fixed
# seeds), real sandboxes and real agents as root and as an unprivileged user, then the .deb of
# a release build, installed (in CI) and used. The inspector's unit tests run in a process of
# their own: they time sockets, and the scanner's CPU-bound tests would otherwise hold the few
# threads of Swift's cooperative pool their continuations need.
test: setup
	@scripts/setup-test-env
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip VeilProxyTests
	$(SWIFT) test --skip-build --filter VeilProxyTests
	@scripts/fuzz
	@scripts/integration-tests $(DEBUG_BIN)
	$(MAKE) deb
	@scripts/deb-smoke .build-deb/veil_$$($(RELEASE_DIR)/veil-core --version)_$$(dpkg --print-architecture).deb

unit: setup
	$(SWIFT) test

integration: build
	@scripts/integration-tests $(DEBUG_BIN)

bench: release
	@scripts/bench-launch $(RELEASE_BIN)

profiles:
	@scripts/embed-profiles
