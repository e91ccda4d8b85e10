# make stress: the long concurrency and fault runs of issue 6 ("Hardening").
# `make test` runs the same checks for a few seconds (integration.test_concurrency);
# this runs them at full size: lighttpd with 8 FastCGI processes on one SQLite
# database, 64 connections for 60 s, then kill -9 of FastCGI processes under
# load. Needs root (the servers hand the program to www-data) and lighttpd.
STRESS_SECONDS     ?= 60
STRESS_CONNECTIONS ?= 64
STRESS_PROCS       ?= 8
STRESS_ENV = SI_BINARY=$(abspath $(BUILD))/stripe-install SI_SOURCE_DIR=$(CURDIR) \
	SI_SHARED_DIR=$(abspath $(CURDIR)/../shared) PYTHONDONTWRITEBYTECODE=1 \
	SI_STRESS_SECONDS=$(STRESS_SECONDS) SI_STRESS_CONNECTIONS=$(STRESS_CONNECTIONS) \
	SI_STRESS_PROCS=$(STRESS_PROCS)

.PHONY: stress
stress: build
	$(STRESS_ENV) python3 tests/integration/test_concurrency.py
	$(STRESS_ENV) python3 tests/stress/kill_under_load.py
	$(STRESS_ENV) SI_STRESS_THREADS=1 python3 tests/stress/kill_under_load.py
