# Benchmarks (docs/benchmarks.md): figures only, never a pass/fail on time.
#   make bench   Release build in build-bench/, the two floors (bench/), then
#                bench/run.py: one table, and bench/results/latest.json
#   make soak    SOAK_REQUESTS through SOAK_SERVER (lighttpd, or apache:
#                mod_fcgid's processes and their shared writer); RSS and
#                open file descriptors of every program process after each round
# Knobs: BENCH_THREADS, BENCH_CONNECTIONS, BENCH_DURATION (s), BENCH_CGI_RUNS,
# BENCH_SERVERS (lighttpd,apache), BENCH_POSTGRES (1: the lighttpd callback
# row again with the database in a private PostgreSQL cluster started by
# tests/pg/pg-cluster.sh; 0: skip it); run as root (the servers hand the
# program to www-data, as a Debian install does).
BENCH_BUILD       ?= build-bench
BENCH_THREADS     ?= 2
BENCH_CONNECTIONS ?= 32
BENCH_DURATION    ?= 10
BENCH_CGI_RUNS    ?= 300
BENCH_SERVERS     ?= lighttpd,apache
BENCH_POSTGRES    ?= 1
SOAK_REQUESTS     ?= 1000000
SOAK_SERVER       ?= lighttpd
BENCH_ARGS = --build $(abspath $(BENCH_BUILD)) --threads $(BENCH_THREADS) \
             --connections $(BENCH_CONNECTIONS) --duration $(BENCH_DURATION)

.PHONY: bench soak bench-build

bench-build: deps
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target stripe-install
	@cmake -S bench -B $(BENCH_BUILD)/bench -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BENCH_BUILD)/bench -j $(JOBS)

bench: bench-build
	python3 bench/run.py $(BENCH_ARGS) --cgi-runs $(BENCH_CGI_RUNS) --servers $(BENCH_SERVERS) \
	  --postgres $(BENCH_POSTGRES)

soak: bench-build
	python3 bench/run.py $(BENCH_ARGS) --soak $(SOAK_REQUESTS) --soak-server $(SOAK_SERVER)
