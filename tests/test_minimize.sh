#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# busfuzz minimize: a reproducer as libFuzzer wrote it (tests/minimize/) shrinks
# to a smaller one with the same class at the same kernel site, the same bytes
# every time; an input with no finding exits 1.  --time 3600: the minimizer
# stops at its fixpoint (a few hundred replays); its deadline is only there to
# end a runaway, so the result never depends on the machine's speed.
#   test_minimize.sh TREE     (a pre-series tree: the register-no-sync mutant applies)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BUSFUZZ_BUILD=$work/build
python3 "$root/tools/mutate.py" "$root/mutants/register-no-sync.mut" "$tree" "$work/tree" >/dev/null || exit 1
orig=$root/tests/minimize/register-no-sync.orig
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
# The class and "[primitive at FILE:LINE" of a replay's finding: the thread may change.
site() { "$root/busfuzz" replay "$1" --tree "$work/tree" --quiet | sed -n 's/^FINDING \([a-z-]*\):.*\[\([^][]*\) at \([^ ]*\), thread [^]]*\]$/\1 \2 \3/p'; }

want=$(site "$orig")
check "the original gives a finding" '[ -n "$want" ]'
out=$("$root/busfuzz" minimize "$orig" --tree "$work/tree" -o "$work/a" --time 3600 2>&1); rc=$?
echo "$out" | grep -E "^(size|steps|runs):"
check "minimize exits 0" '[ $rc -eq 0 ]'
check "it reached its fixpoint (not stopped by --time)" '! echo "$out" | grep -q "stopped by --time"'
check "it writes OUT and OUT.mode" '[ -f "$work/a" ] && grep -q -- "--model lkmm --srcu doc" "$work/a.mode"'
check "the same class at the same site" '[ "$(site "$work/a")" = "$want" ]'
check "smaller" '[ "$(stat -c %s "$work/a")" -lt "$(stat -c %s "$orig")" ]'
steps=$(echo "$out" | sed -n 's/^steps: \([0-9]*\) -> \([0-9]*\) .*/\1 \2/p')
check "fewer steps ($steps)" '[ -n "$steps" ] && [ ${steps#* } -lt ${steps% *} ]'
"$root/busfuzz" minimize "$orig" --tree "$work/tree" -o "$work/b" --time 3600 >/dev/null 2>&1
check "deterministic: the same bytes again" 'cmp -s "$work/a" "$work/b"'
# The minimized input is a fixpoint: minimizing it again changes nothing.
"$root/busfuzz" minimize "$work/a" --tree "$work/tree" -o "$work/c" --time 3600 >/dev/null 2>&1
check "a fixpoint" 'cmp -s "$work/a" "$work/c"'
: > "$work/empty"
out=$("$root/busfuzz" minimize "$work/empty" --tree "$work/tree" 2>&1); rc=$?
check "no finding: exit 1, said so" '[ $rc -eq 1 ] && echo "$out" | grep -q "no finding"'
check "no finding: nothing written" '[ ! -e "$work/empty.min" ]'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
