#!/bin/sh
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each in turn.
#   tests/fuzz/run.sh [SECONDS [TARGET…]]
# SECONDS per target (default 60); FUZZ_RUNS=N runs N inputs instead of for a
# time; FUZZ_TIMEOUT=S counts one input running S seconds as a hang (default
# 10; the timer is wall time, so long runs beside other work need more). New
# corpus entries go to build-fuzz/corpus/<name> (the seeds in
# tests/fuzz/corpus/<name> are only read); a crash, leak, timeout or broken
# invariant is saved to build-fuzz/findings/ and fails the run. Prints one
# line per target with the executions done.
set -eu
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-60}
[ $# -gt 0 ] && shift
BUILD=${FUZZ_BUILD:-build-fuzz}
TARGETS=${*:-query_string cookies signature_header install_callback webhook template_renderer app_config handed_writes}

cmake -S tests/fuzz -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$BUILD" -j "${JOBS:-2}" >/dev/null

mkdir -p "$BUILD/findings" "$BUILD/logs"
if [ -n "${FUZZ_RUNS:-}" ]; then limit="-runs=$FUZZ_RUNS"; else limit="-max_total_time=$SECONDS_EACH"; fi
failed=0
for name in $TARGETS; do
    mkdir -p "$BUILD/corpus/$name"
    dict=""
    # Longest input: webhook bodies are capped at 64 KiB but 8 KiB explores the
    # parser as well; headers, cookies and template values are short in life,
    # and long inputs there only slow the search.
    case $name in
        signature_header|cookies|template_renderer|handed_writes) max_len=2048 ;;
        *) max_len=8192 ;;
    esac
    [ -f "tests/fuzz/dict/$name.dict" ] && dict="-dict=tests/fuzz/dict/$name.dict"
    log="$BUILD/logs/$name.log"
    # Past findings (tests/fuzz/findings/<target>-*) are regression inputs first.
    kept=$(ls tests/fuzz/findings/"$name"-* 2>/dev/null || true)
    if [ -n "$kept" ] && ! "$BUILD/fuzz_$name" $kept >"$log.regressions" 2>&1; then
        echo "fuzz_$name: FAILED on a past finding (see $log.regressions)"
        failed=1
        continue
    fi
    # -timeout: one input taking this long (wall time) counts as a hang.
    if "$BUILD/fuzz_$name" $limit -timeout="${FUZZ_TIMEOUT:-10}" -max_len=$max_len -print_final_stats=1 \
        -artifact_prefix="$BUILD/findings/$name-" $dict \
        "$BUILD/corpus/$name" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz_$name: ok, $runs executions ($(date -u +%F))"
    else
        echo "fuzz_$name: FAILED (see $log and $BUILD/findings/)"
        grep -E "^(==[0-9]+==ERROR|invariant broken|SUMMARY)" "$log" | head -5 || true
        failed=1
    fi
done
exit $failed
