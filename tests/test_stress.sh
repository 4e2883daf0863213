#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# busfuzz stress on native threads.  Bounded by executions, not by time (the
# time limits below only stop a run that hangs): the work done is the same on
# any machine, though the interleavings are the OS's.
#   test_stress.sh clean BINARY RUNS           an unmodified tree: RUNS executions, no finding
#   test_stress.sh mutant MUTANT.mut TREE [--tsan] [--classic]
#                                              a mutant is found with its class (the first
#                                              finding ends the run), and the time to it shown
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

case $1 in
clean)
	bin=$2 runs=$3
	out=$("$bin" --runs "$runs" --time 86400 --quiet 2>&1); rc=$?
	echo "$out" | grep -E "^(FINDING|stress:|WARNING|ERROR)"
	check "exit 0" '[ $rc -eq 0 ]'
	check "no finding" '! echo "$out" | grep -q "^FINDING"'
	check "all $runs executions ran" 'echo "$out" | grep -Eq "^stress: [0-9.]+ s, $runs executions .*no finding"'
	;;
mutant)
	mutant=$2 tree=$3
	shift 3
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	export BUSFUZZ_BUILD=$work/build
	info=$(python3 "$root/tools/mutate.py" "$mutant" "$tree" "$work/tree") || exit 1
	expect=$(echo "$info" | sed -n 's/^expect=//p')
	out=$("$root/busfuzz" stress --tree "$work/tree" --time 3600 "$@" 2>&1); rc=$?
	echo "$out" | grep -E "^(FINDING|stress:|busfuzz:)"
	check "stress exits 1" '[ $rc -eq 1 ]'
	check "finding class is $expect" 'echo "$out" | grep -q "^FINDING $expect: "'
	check "the time to the first finding is shown" \
		'echo "$out" | grep -Eq "^stress: first finding after [0-9.]+ s, in execution [0-9]+"'
	# The scenario it printed reruns through --scenario (not necessarily to the same finding:
	# the OS schedules).
	sc=$(echo "$out" | sed -n 's/^stress: rerun that scenario with --scenario //p')
	out2=$("$root/busfuzz" stress --tree "$work/tree" --time 2 --scenario "$sc" "$@" 2>&1); rc2=$?
	check "--scenario $sc is accepted" '[ $rc2 -eq 0 ] || [ $rc2 -eq 1 ]'
	;;
*)
	echo "usage: $0 clean BINARY RUNS | mutant MUTANT TREE [--tsan] [--classic]" >&2
	exit 2
	;;
esac
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
