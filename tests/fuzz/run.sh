#!/bin/bash
# run.sh BUILD SECONDS - run every libFuzzer target for SECONDS from the
# committed seeds (in a scratch corpus), under ASan and UBSan; print a line
# per target and "N passed, N failed".
set -u
BUILD=${1:?usage: tests/fuzz/run.sh BUILD SECONDS}
secs=${2:?usage: tests/fuzz/run.sh BUILD SECONDS}
top=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
work=$(mktemp -d /tmp/loradane-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
for t in phy decode_args profile bi http udp mqtt rdata; do
	mkdir -p "$work/$t"
	cp "$top/tests/fuzz/seeds/$t"/* "$work/$t/" 2>/dev/null
	if (cd "$work" && "$BUILD/fuzz/fuzz_$t" -max_total_time="$secs" \
	    -print_final_stats=1 "$work/$t" >"$work/$t.log" 2>&1); then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    "$work/$t.log")
		echo "ok - fuzz_$t: $runs inputs in ${secs}s, no crash"
		passed=$((passed + 1))
	else
		echo "not ok - fuzz_$t: crash or sanitizer report:"
		tail -n 40 "$work/$t.log" | sed 's/^/#   /'
		ls "$work"/crash-* "$work"/leak-* 2>/dev/null | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
