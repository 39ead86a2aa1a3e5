#!/bin/bash
# t_readme.sh - the README's "Publish your operator" walk-through works as
# written: its shell block is run unchanged (only the scratch directory
# and the path of the binary under test differ) in a private network
# namespace, so that its fixed ports are free.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
sed -n '/^<!-- walkthrough -->$/,/^<!-- \/walkthrough -->$/p' "$top/README.md" |
    sed '1,2d;$d' | sed '$d' >"$TMP/walk.sh"
check "the README has a walk-through block" test -s "$TMP/walk.sh"
# The same text, run against this build and in this test's scratch dir.
sed -i "s|\$PWD/build/loradane|$LORADANE|; s|/tmp/opb|$TMP/opb|g" "$TMP/walk.sh"
check "... which starts from the built binary" \
    grep -q "^L=$LORADANE " "$TMP/walk.sh"
(cd "$top" && unshare -n bash -ec 'ip link set lo up; . "$1"' sh \
    "$TMP/walk.sh") >"$TMP/walk.out" 2>"$TMP/walk.err"
rc=$?
check "the walk-through runs to the end (exit 0)" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$TMP/walk.err" | tail -20
check "its first audit finds no problem" \
    contains "$TMP/walk.out" "^18 checks, 0 problems$"
check "the JS and the NS authenticate each other" \
    contains "$TMP/walk.out" 'accepted by the server \(it said "hello _ns-client.ns.opb.test"\)'
check "records pushed by DNS UPDATE pass the audit" \
    contains "$TMP/walk.out" "^14 checks, 0 problems$"
check "the rollover completes" \
    contains "$TMP/walk.out" "rollover js-server: done: generation 2 in service"
check "the server is authenticated with the new key" \
    contains "$TMP/walk.out" "verdict: AUTHENTICATED"
check "the final audit sees generation 2" \
    contains "$TMP/walk.out" "js-server generation 2 matches"
left=0
for f in js opc nsd; do
	p=$(cat "$TMP/opb/$f.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null && left=1
done
check "nothing is left running" test $left -eq 0
done_testing
