# libFuzzer targets (clang, ASan + UBSan): see docs/fuzzing.md.
# `make fuzz` runs each target for FUZZ_SECONDS; `make test-fuzz` is the short
# run that `make test` includes.
FUZZ_SECONDS      ?= 60
FUZZ_TEST_SECONDS ?= 5

.PHONY: fuzz test-fuzz clean-fuzz

fuzz:
	@JOBS=$(JOBS) tests/fuzz/run.sh $(FUZZ_SECONDS)

test-fuzz:
	@JOBS=$(JOBS) tests/fuzz/run.sh $(FUZZ_TEST_SECONDS)

clean-fuzz:
	rm -rf build-fuzz
