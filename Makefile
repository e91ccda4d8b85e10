# A thin wrapper: set-up (Debian packages) and CMake. See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
ifdef CI
CMAKE_ARGS += -DSI_WERROR=ON
endif

.PHONY: all build deps test test-unit test-sanitize test-integration run clean dist

all: build

deps:
	@scripts/install-deps.sh

build:
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Unit tests, again under sanitizers, a few seconds of each fuzz target, the
# dist tarball under chroot, then CTest last, so its summary closes the output.
test: deps build test-sanitize test-fuzz test-dist
	cd $(BUILD) && ctest --output-on-failure

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

# The unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-sanitize:
	@cmake -S . -B $(ASAN_BUILD) -DSI_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests net_unit_tests
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit

run: deps build
	@scripts/run-demo.sh

# One tarball for hosts with no compiler and no Poco (see docs/INSTALL.txt).
dist: deps
	@scripts/make-dist.sh

# Each larger feature (fuzzing, benchmarks, stress, …) keeps its targets in
# its own file under mk/.
-include mk/*.mk

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-dist dist
