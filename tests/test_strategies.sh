#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The strategies without coverage feedback, end to end through `busfuzz fuzz`:
# each finds an ordering mutant with a bounded, seeded search (--seed, --runs:
# fuzz/explore.c is deterministic for a seed, so this cannot pass or fail by
# the machine's speed) and its recorded input replays to the same finding;
# the same searches under --model tso, where the mutant cannot show, run their
# whole budget clean; --keep-going keeps one reproducer per bug and
# drops the rest.
#   test_strategies.sh TREE_7X
# The budgets: get-bus-srcu-no-mb is found by `busfuzz fuzz --seed 1` in
# execution 198 (random), 2,674 (pct) and 224,833 (exhaustive: the 12th
# scenario of 20,000 executions each).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BUSFUZZ_BUILD=$work/build
python3 "$root/tools/mutate.py" "$root/mutants/get-bus-srcu-no-mb.mut" "$tree" "$work/mut" >/dev/null || exit 1
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

for sr in random:20000 pct:50000 exhaustive:1000000; do
	s=${sr%:*} runs=${sr#*:}
	out=$("$root/busfuzz" fuzz --tree "$work/mut" --strategy $s --seed 1 --runs $runs 2>&1); rc=$?
	echo "$out" | grep -E "^(FINDING|reproducer|busfuzz:.*(no finding|execution))"
	check "$s: exits 1" '[ $rc -eq 1 ]'
	check "$s: an ordering finding within $runs executions" 'echo "$out" | grep -q "^FINDING ordering: "'
	repro=$(echo "$out" | sed -n 's/^reproducer: //p' | head -1)
	"$root/busfuzz" replay "$repro" --tree "$work/mut" --quiet > "$work/r" 2>&1
	check "$s: the recorded input replays to it" 'grep -q "^FINDING ordering: " "$work/r"'
	rm -f "$repro" "$repro.mode"
	out=$("$root/busfuzz" fuzz --tree "$work/mut" --strategy $s --model tso --seed 1 --runs $((runs / 10)) 2>&1); rc=$?
	echo "$out" | tail -1
	check "$s: clean under --model tso ($((runs / 10)) executions)" \
		'[ $rc -eq 0 ] && echo "$out" | grep -q "[ ,]$((runs / 10)) executions.*no finding"'
done
out=$("$root/busfuzz" fuzz --tree "$work/mut" --strategy random --jobs 2 --keep-going --seed 1 --runs 20000 2>&1); rc=$?
echo "$out" | grep -E "^busfuzz: .*finding"
check "keep-going: exits 1" '[ $rc -eq 1 ]'
check "keep-going: runs to the end and counts by class" 'echo "$out" | grep -q "findings ordering [0-9]"'
kept=$(echo "$out" | grep -c "^reproducer: ")
bugs=$(echo "$out" | grep "^bug: " | sort -u | wc -l)
check "keep-going: one reproducer per bug ($kept, $bugs)" '[ "$kept" -ge 1 ] && [ "$kept" -eq "$bugs" ]'
echo "$out" | sed -n 's/^reproducer: //p' | while read -r f; do rm -f "$f" "$f.mode" "$f.kernel"; done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
