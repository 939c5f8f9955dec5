# Two commands on a fresh Debian 12 machine:
#   make demo   installs what is missing, builds, runs the demo
#   make test   installs what is missing, builds, runs every test
JOBS ?= $(shell nproc)

.PHONY: all deps build test test-asan test-switch test-tsan demo bench fuzz format clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build build -j $(JOBS)

test: build
	@ctest --test-dir build --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@ctest --test-dir build-asan --output-on-failure -j $(JOBS)

# The interpreter's switch dispatch (debug preset) against the spec suite and unit tests.
test-switch: deps
	@cmake --preset debug >/dev/null
	@cmake --build build-debug -j $(JOBS)
	@ctest --test-dir build-debug --output-on-failure -j $(JOBS) -R 'spec_|test_wasm|test_cli'

# ThreadSanitizer over the engine's unit tests: threaded compilation, the interrupt flag.
test-tsan: deps
	@scripts/install-deps.sh --fuzz
	@cmake --preset tsan >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target test_wasm
	@TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -R '^test_wasm$$'

demo: build
	@./build/examples/demo

bench: build
	@scripts/install-deps.sh --bench
	@bench/run.sh

fuzz:
	@scripts/install-deps.sh --fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	@rm -rf build build-*
