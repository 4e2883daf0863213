#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The TSan build finds what the model alone cannot: register's
# rcu_assign_pointer() of the new bus turned into WRITE_ONCE() is a data race
# on the bus's contents (C's, whatever the hardware), found as a race under
# --model tso, where the model itself is silent (the mutant is clean-under:
# tso); the same reproducer in the plain build: no finding.  A bounded, seeded
# libFuzzer run (--seed 1 --runs 10000, single process: deterministic for the
# seed): it finds the race in execution 8, while reading corpus/seeds.
set -u
tree=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
check() {
	if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi
}
python3 "$root/tools/mutate.py" "$root/mutants/register-publish-write-once-post.mut" "$tree" "$work/tree" >/dev/null || exit 1
export BUSFUZZ_BUILD=$work/build
out=$(cd "$work" && "$root/busfuzz" fuzz --tree "$work/tree" --sanitizer tsan --model tso --seed 1 --runs 10000 2>&1)
echo "$out" | grep -E "^(FINDING|reproducer|busfuzz:.*no finding)"
check "the TSan build finds a race" 'echo "$out" | grep -q "^FINDING race: ThreadSanitizer: data-race: .*virt/kvm/kvm_main.c:"'
repro=$(echo "$out" | sed -n 's/^reproducer: //p')
if [ -n "$repro" ]; then
	check "its reproducer records the TSan build" 'grep -q -- "--sanitizer tsan" "$repro.mode"'
	check "it replays to the same race" '"$root/busfuzz" replay "$repro" --tree "$work/tree" --quiet | grep -q "^FINDING race: ThreadSanitizer"'
	check "the plain build sees nothing under tso" '"$root/busfuzz" replay "$repro" --tree "$work/tree" --sanitizer none --quiet | grep -q "^no finding"'
	rm -f "$repro" "$repro.mode"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
