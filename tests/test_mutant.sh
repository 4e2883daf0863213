#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A mutant of a real tree is found with its class by `busfuzz fuzz`, and the
# reproducer replays to the same finding twice with an identical trace.
#   test_mutant.sh MUTANT.mut TREE [SECONDS]
# A mutant with "clean-under: MODEL" must stay clean under that memory model.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
mutant=$1 tree=$2 secs=${3:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BUSFUZZ_BUILD=$work/build	# the mutant's harness is built and thrown away with it
info=$(python3 "$root/tools/mutate.py" "$mutant" "$tree" "$work/tree") || exit 1
expect=$(echo "$info" | sed -n 's/^expect=//p')
clean_under=$(echo "$info" | sed -n 's/^clean-under=//p')
mode=$(echo "$info" | sed -n 's/^mode=//p')
srcu=$(echo "$mode" | sed -n 's/.*--srcu \([a-z]*\).*/\1/p')
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

out=$("$root/busfuzz" fuzz --tree "$work/tree" --time "$secs" $mode 2>&1); rc=$?
echo "$out" | grep -E "^(FINDING|reproducer|busfuzz:.*no finding)"
check "fuzz exits 1" '[ $rc -eq 1 ]'
check "finding class is $expect" 'echo "$out" | grep -q "^FINDING $expect: "'
repro=$(echo "$out" | sed -n 's/^reproducer: //p')
if [ -n "$repro" ] && [ -f "$repro" ]; then
	"$root/busfuzz" replay "$repro" --tree "$work/tree" > "$work/r1" 2>&1; rc1=$?
	"$root/busfuzz" replay "$repro" --tree "$work/tree" > "$work/r2" 2>&1; rc2=$?
	check "replay exits 1 twice" '[ $rc1 -eq 1 ] && [ $rc2 -eq 1 ]'
	check "replay gives the same class" 'grep -q "^FINDING $expect: " "$work/r1"'
	check "the two traces are identical" 'cmp -s "$work/r1" "$work/r2"'
	# The ASan+libFuzzer build replays it to the same interleaving as the plain one.
	fuzzbin=$(ls "$BUSFUZZ_BUILD"/*/busfuzz-fuzz-t)
	BUSFUZZ_TRACE=1 BUSFUZZ_SRCU=$srcu "$fuzzbin" "$repro" > "$work/r3" 2>/dev/null
	# The interleaving, that is: a sanitizer words its finding its own way.
	grep -v '^reproducer: \|^FINDING ' "$work/r1" > "$work/r1p"
	grep -v '^FINDING ' "$work/r3" > "$work/r3p"
	check "the sanitizer build gives the same trace" 'cmp -s "$work/r1p" "$work/r3p"'
	# A model where the bug cannot happen: the same schedule is clean, and so is a short fuzz run.
	for m in $clean_under; do
		"$root/busfuzz" replay "$repro" --tree "$work/tree" --model "$m" --quiet > "$work/r4" 2>&1; rc4=$?
		check "the reproducer is clean under --model $m" '[ $rc4 -eq 0 ]'
		out=$("$root/busfuzz" fuzz --tree "$work/tree" --model "$m" $mode --time $((secs / 4)) 2>&1); rc5=$?
		echo "$out" | grep -E "^(FINDING|busfuzz:.*no finding)"
		check "fuzzing under --model $m finds nothing" '[ $rc5 -eq 0 ]'
	done
	rm -f "$repro" "$repro.mode"
else
	check "a reproducer was written" false
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
