#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The strategies without coverage feedback, end to end through `busfuzz fuzz`:
# each finds an ordering mutant and its recorded input replays to the same
# finding; --keep-going keeps one reproducer per class and site and drops the
# rest; the unmodified tree stays clean under each.
#   test_strategies.sh TREE_7X
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BUSFUZZ_BUILD=$work/build
python3 "$root/tools/mutate.py" "$root/mutants/get-bus-srcu-no-mb.mut" "$tree" "$work/mut" >/dev/null || exit 1
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

for s in random pct exhaustive; do
	out=$("$root/busfuzz" fuzz --tree "$work/mut" --strategy $s --time 60 2>&1); rc=$?
	echo "$out" | grep -E "^(FINDING|reproducer|busfuzz:.*no finding)"
	check "$s: exits 1" '[ $rc -eq 1 ]'
	check "$s: an ordering finding" 'echo "$out" | grep -q "^FINDING ordering: "'
	repro=$(echo "$out" | sed -n 's/^reproducer: //p' | head -1)
	"$root/busfuzz" replay "$repro" --tree "$work/mut" --quiet > "$work/r" 2>&1
	check "$s: the recorded input replays to it" 'grep -q "^FINDING ordering: " "$work/r"'
	rm -f "$repro" "$repro.mode"
	out=$("$root/busfuzz" fuzz --tree "$tree" --strategy $s --time 5 2>&1); rc=$?
	echo "$out" | tail -1
	check "$s: the unmodified tree is clean" '[ $rc -eq 0 ] && echo "$out" | grep -q "no finding"'
done
out=$("$root/busfuzz" fuzz --tree "$work/mut" --strategy random --jobs 2 --keep-going --time 10 2>&1); rc=$?
echo "$out" | grep -E "^busfuzz: .*finding"
check "keep-going: exits 1" '[ $rc -eq 1 ]'
check "keep-going: runs to the end and counts by class" 'echo "$out" | grep -q "findings ordering [0-9]"'
kept=$(echo "$out" | grep -c "^reproducer: ")
bugs=$(echo "$out" | grep "^bug: " | sort -u | wc -l)
check "keep-going: one reproducer per bug ($kept, $bugs)" '[ "$kept" -ge 1 ] && [ "$kept" -eq "$bugs" ]'
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
