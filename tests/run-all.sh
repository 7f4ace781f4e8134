#!/bin/bash
# The whole test suite, from a fresh clone, as root on Debian:
#   1. installs the Debian packages that are missing (scripts/install-deps.sh)
#   2. builds with -Werror and runs `make check`: cmocka unit tests and the
#      network-namespace integration tests
#   3. builds again with ASan+UBSan and runs the unit tests
#   4. runs `make distcheck` (tarball builds and passes its unit tests)
#   5. runs the libFuzzer targets (config parser, VRRP packets) for 60 s each
# and ends with one line: "N passed, N failed" (", N skipped" when some were,
# each skip's reason printed above it).
#
# Environment: VIGIL_FUZZ_SECONDS (default 60), VIGIL_JOBS (default nproc).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=${VIGIL_JOBS:-$(nproc)}
fuzz_seconds=${VIGIL_FUZZ_SECONDS:-60}
out="$top/test-output"
rm -rf "$out"
mkdir -p "$out"

passed=0 failed=0 skipped=0
skips=()
failures=()

step() { printf '\n=== %s\n' "$*"; }
pass() { passed=$((passed + 1)); printf 'PASS: %s\n' "$1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); printf 'FAIL: %s\n' "$1"; }

# Add up the per-test-point results automake's TAP driver wrote in *.trs.
count_trs() {
    local dir=$1 label=$2 trs res name
    while IFS= read -r trs; do
        name=${trs#"$dir"/}
        name=${name%.trs}
        while IFS= read -r res; do
            case "$res" in
                PASS|XFAIL) passed=$((passed + 1)) ;;
                SKIP) skipped=$((skipped + 1)) ;;
                *) failed=$((failed + 1)); failures+=("$label $name ($res)") ;;
            esac
        done < <(sed -n 's/^:test-result: \([A-Z]*\).*/\1/p' "$trs")
        # Skips with their reasons, from the test's log.
        while IFS= read -r line; do
            skips+=("$label $name: $line")
        done < <(grep -h -E '^(ok|not ok).*# SKIP|^1\.\.0 # SKIP' "${trs%.trs}.log" 2>/dev/null)
    done < <(find "$dir/tests" -name '*.trs' 2>/dev/null | sort)
}

step "install dependencies"
if scripts/install-deps.sh; then pass "install dependencies"; else fail "install dependencies"; fi

step "autoreconf"
if autoreconf -fi >"$out/autoreconf.log" 2>&1; then
    pass "autoreconf"
else
    cat "$out/autoreconf.log"
    fail "autoreconf"
fi

# build_and_check NAME LABEL CONFIGURE_FLAGS...: configure and build in
# _build/NAME, run make check there, count its results.
build_and_check() {
    local name=$1 label=$2 dir
    shift 2
    dir=_build/$name
    rm -rf "$dir" && mkdir -p "$dir"
    if (cd "$dir" && ../../configure -q "$@" >"$out/configure-$name.log" 2>&1 &&
            make -j"$jobs" >"$out/build-$name.log" 2>&1); then
        pass "build ($label)"
        if ! (cd "$dir" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                make -j"$jobs" check >"$out/check-$name.log" 2>&1); then
            # automake's summary log holds the logs of the tests that did not pass
            cp "$dir/test-suite.log" "$out/failed-$name.log" 2>/dev/null
        fi
        grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL):' "$out/check-$name.log" | sed "s/^/[$name] /" || true
        count_trs "$top/$dir" "$name:"
        cp "$dir/test-suite.log" "$out/test-suite-$name.log" 2>/dev/null
    else
        tail -n 40 "$out/configure-$name.log" "$out/build-$name.log" 2>/dev/null
        fail "build ($label)"
    fi
}

# 2. main build (-Werror): unit + integration tests
step "build (-Werror) and make check: unit and integration tests"
build_and_check main "-Werror" --enable-werror

# 3. sanitizer build: unit tests under ASan + UBSan
step "sanitizer build (ASan+UBSan) and unit tests"
build_and_check asan "ASan+UBSan" --enable-sanitizers --disable-integration-tests

# 4. distcheck
step "make distcheck"
if [ -f _build/main/Makefile ] && (cd _build/main && make -j"$jobs" distcheck >"$out/distcheck.log" 2>&1); then
    pass "make distcheck"
else
    tail -n 40 "$out/distcheck.log" 2>/dev/null
    # The unpacked tarball stays when its tests fail: show their logs.
    for log in _build/main/vigil-*/_build/sub/test-suite.log; do
        [ -f "$log" ] && cp "$log" "$out/failed-distcheck.log"
    done
    fail "make distcheck"
fi

# 5. fuzzing: the config parser and the VRRP packet parser
fuzz_one() {   # fuzz_one TARGET LABEL SEED_DIR...
    local target=$1 label=$2 corpus runs
    shift 2
    corpus=$(mktemp -d)
    if "_build/main/tests/fuzz/$target" -max_total_time="$fuzz_seconds" -timeout=10 \
            -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/$target-" \
            "$corpus" "$@" >"$out/$target.log" 2>&1; then
        runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/$target.log" | grep -o '[0-9]*$')
        pass "fuzz $label ${fuzz_seconds} s (${runs:-?} runs)"
    else
        tail -n 40 "$out/$target.log"
        fail "fuzz $label (crash, leak or timeout; reproducer in $out/$target-*)"
    fi
    rm -rf "$corpus"
}

step "libFuzzer: config parser, VRRP packet parser and REST API requests, ${fuzz_seconds} s each"
if (cd _build/main && make fuzz >"$out/fuzz-build.log" 2>&1); then
    fuzz_one fuzz_conf "config parser" tests/configs/seeds tests/configs/good tests/configs/bad
    fuzz_one fuzz_vrrp_pkt "VRRP packet parser" tests/fuzz/corpus/vrrp_pkt
    fuzz_one fuzz_http_api "REST API requests" tests/fuzz/corpus/http_api
else
    tail -n 20 "$out/fuzz-build.log"
    fail "build fuzz targets"
fi

# The logs of what failed, last, where a truncated CI log still shows them.
for log in "$out"/failed-*.log; do
    [ -f "$log" ] || continue
    echo
    echo "--- ${log#"$top"/} (tests that did not pass, their output)"
    grep -v -E '^(PASS|ok) ' "$log" | head -n 150
done

echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "Failures:"
    printf '  %s\n' "${failures[@]}"
fi
if [ "$skipped" -gt 0 ]; then
    echo "Skipped:"
    printf '  %s\n' "${skips[@]}"
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
