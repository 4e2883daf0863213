#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A maintainer's patch that uses kvm->created_vcpus (tests/patches/) builds
# and is clean: the seeds and the stored reproducer of its buggy form
# (register-created-vcpus-no-grace) replay clean on it, and a fixed-seed
# random run finds nothing; that reproducer still finds the buggy form.
#   test_created_vcpus.sh TREE     (a 7.x tree)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BUSFUZZ_BUILD=$work/build
python3 "$root/tools/mutate.py" "$root/tests/patches/register-created-vcpus.edit" "$tree" "$work/good" >/dev/null || exit 1
python3 "$root/tools/mutate.py" "$root/mutants/register-created-vcpus-no-grace.mut" "$tree" "$work/bad" >/dev/null || exit 1
repro=$root/corpus/mutants/register-created-vcpus-no-grace
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

out=$("$root/busfuzz" replay "$repro" --tree "$work/bad" --quiet 2>&1); rc=$?
check "the buggy form: use-after-free ($out)" '[ $rc -eq 1 ] && echo "$out" | grep -q "^FINDING use-after-free: "'
out=$("$root/busfuzz" replay "$repro" --tree "$work/good" --quiet 2>&1); rc=$?
check "the patch: its reproducer is clean ($out)" '[ $rc -eq 0 ]'
for s in "$root"/corpus/seeds/*; do
	out=$("$root/busfuzz" replay "$s" --tree "$work/good" --quiet 2>&1); rc=$?
	check "the patch: $(basename "$s") is clean ($out)" '[ $rc -eq 0 ]'
done
out=$("$root/busfuzz" fuzz --tree "$work/good" --strategy random --seed 1 --runs 20000 2>&1); rc=$?
echo "$out" | grep -E "^(FINDING|busfuzz:.*(no finding|finding))"
check "the patch: 20000 random executions find nothing" '[ $rc -eq 0 ]'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
