#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# busfuzz check PATCH: bad patches exit 2 with one line naming the problem; a
# patch outside what busfuzz reads exits 0; a patch that drops unregister's
# grace period (the unregister-no-sync mutant's edit, as a diff) is reported
# with new findings and exit 1; a comment-only change to the same function is
# reported reached and not worse.  Bounded, seeded runs (--runs): the same
# search every time, never "found within N seconds".
#   test_check.sh POST_TREE PRE_TREE
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$1 pre=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BUSFUZZ_BUILD=$work/build
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
# $work/NAME.patch: kvm_main.c from a/ (the tree's) to b/ (edited), as a maintainer's diff.
mkpatch() { (cd "$work" && diff -u a/virt/kvm/kvm_main.c b/virt/kvm/kvm_main.c) > "$work/$1.patch"; }
expect2() {	# what, needle, command...
	local what=$1 needle=$2; shift 2
	local out rc
	out=$("$@" 2>&1); rc=$?
	check "$what: exit 2 with '$needle' ($rc: $out)" \
		'[ $rc -eq 2 ] && echo "$out" | grep -q -- "$needle" && [ "$(echo "$out" | grep -c .)" -le 2 ]'
}

: > "$work/empty"
head -c 200 /bin/sh > "$work/binary"
echo "just words" > "$work/words"
expect2 "empty file" "an empty file" "$root/busfuzz" check "$work/empty" --tree "$tree"
expect2 "binary file" "a binary file" "$root/busfuzz" check "$work/binary" --tree "$tree"
expect2 "no diff" "no diff in it" "$root/busfuzz" check "$work/words" --tree "$tree"
seed=$root/../shared/seeds/000_366626c05595aabc.txt
if [ -f "$seed" ]; then
	# The review thread's quoted patch on 6.12: GNU patch fails hunk 4 (6.12 has a
	# comment above kvm_io_bus_write() that later trees dropped); busfuzz anchors it
	# by its leading context and says so, then reports what the patch adds.
	out=$("$root/busfuzz" check "$seed" --tree "$pre" --runs 300 --json "$work/seed.json" 2>&1); rc=$?
	echo "$out" | grep -E "^(  applied: .*hunk 4|  kvm_get_bus|NEW|verdict)"
	check "seed on 6.12: exit 0, nothing new ($rc)" '[ $rc -eq 0 ] && echo "$out" | grep -q "^NEW findings.*: 0"'
	check "seed on 6.12: hunk 4 anchored, and said so" \
		'echo "$out" | grep -q "kvm_main.c: hunk 4 applied at line [0-9]* (offset +[0-9]*, its trailing context ignored"'
	check "seed on 6.12: the new helpers are listed, new and reached" \
		'echo "$out" | grep -q "^  kvm_get_bus_srcu  *function (new) .* reached$" &&
		 echo "$out" | grep -q "^  kvm_get_bus_for_destruction  *function (new) .* reached$"'
	check "seed on 6.12: the read paths it changes were reached" \
		'(for f in kvm_io_bus_read kvm_io_bus_write_cookie kvm_io_bus_get_dev kvm_destroy_vm; do
			echo "$out" | grep -q "^  $f  *function .* reached$" || exit 1; done)'
fi

# A hunk whose context is nowhere in the tree: named, exit 2.
printf -- '--- a/virt/kvm/kvm_main.c\n+++ b/virt/kvm/kvm_main.c\n@@ -10,4 +10,5 @@\n no such line one\n no such line two\n no such line three\n+added\n no such line four\n' \
	> "$work/nowhere.patch"
expect2 "a hunk that applies nowhere" "virt/kvm/kvm_main.c: hunk 1 of 1 does not apply" \
	"$root/busfuzz" check "$work/nowhere.patch" --tree "$tree"

# A patch to a file busfuzz does not read (x86.c it does: __x86_set_memory_region()): nothing to check.
printf -- '--- a/arch/x86/kvm/mmu/mmu.c\n+++ b/arch/x86/kvm/mmu/mmu.c\n@@ -1,3 +1,4 @@\n a\n+b\n c\n d\n' > "$work/x86.patch"
out=$("$root/busfuzz" check "$work/x86.patch" --tree "$tree" 2>&1); rc=$?
check "untouched: exit 0 and says so ($rc)" '[ $rc -eq 0 ] && echo "$out" | grep -q "touches no file busfuzz reads"'

# The buggy patch: the mutant's edit as a unified diff.
python3 "$root/tools/mutate.py" "$root/mutants/unregister-no-sync.mut" "$tree" "$work/mut" > /dev/null || exit 1
mkdir -p "$work/a/virt/kvm" "$work/b/virt/kvm"
cp "$tree/virt/kvm/kvm_main.c" "$work/a/virt/kvm/"
cp "$work/mut/virt/kvm/kvm_main.c" "$work/b/virt/kvm/"
mkpatch buggy
out=$("$root/busfuzz" check "$work/buggy.patch" --tree "$tree" --runs 3000 --minimize-time 5 \
	--json "$work/buggy.json" 2>&1); rc=$?
echo "$out" | grep -E "^(NEW|fixed|unchanged|verdict|  kvm_io_bus)"
check "buggy: exit 1 ($rc)" '[ $rc -eq 1 ]'
check "buggy: new use-after-free findings" 'echo "$out" | grep -q "^NEW findings.*: [1-9]" &&
	echo "$out" | grep -q "^  FINDING use-after-free"'
check "buggy: the changed function is reached" \
	'echo "$out" | grep -q "^  kvm_io_bus_unregister_dev .* reached$"'
check "buggy: the JSON report has them, each with a minimized reproducer that replays" \
	'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); n=d[\"new\"]; sys.exit(not (n and all(e[\"minimized\"] for e in n)))" "$work/buggy.json"'
min=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["new"][0]["minimized"])' "$work/buggy.json")
"$root/busfuzz" replay "$min" --tree "$work/mut" --quiet > "$work/r" 2>&1; rc=$?
check "buggy: the minimized reproducer replays to a finding on the patched code ($rc)" '[ $rc -eq 1 ]'

# A harmless patch: a comment in the same function.
sed 's|^\(\tsynchronize_srcu_expedited(&kvm->srcu);\)$|\1 /* the readers of the old bus */|' \
	"$tree/virt/kvm/kvm_main.c" > "$work/b/virt/kvm/kvm_main.c"
mkpatch comment
check "harmless: the patch changes something" '[ -s "$work/comment.patch" ]'
out=$("$root/busfuzz" check "$work/comment.patch" --tree "$tree" --runs 3000 2>&1); rc=$?
echo "$out" | grep -E "^(NEW|verdict)"
check "harmless: exit 0, nothing new ($rc)" '[ $rc -eq 0 ] && echo "$out" | grep -q "^NEW findings.*: 0"'

# The grace-period cost: the fix proposed for the 7.x start-up regression (wait
# in register only while no vCPU exists) is clean and makes the first
# KVM_CREATE_VCPU wait less; a register that waits for a normal grace period
# is correct but a cost regression (exit 1).
python3 "$root/tools/mutate.py" "$root/tests/patches/register-created-vcpus.edit" "$tree" "$work/fixb" > /dev/null || exit 1
cp "$work/fixb/virt/kvm/kvm_main.c" "$work/b/virt/kvm/"
mkpatch fixb
out=$("$root/busfuzz" check "$work/fixb.patch" --tree "$tree" --runs 300 --json "$work/fixb.json" 2>&1); rc=$?
echo "$out" | grep -E "^(NEW|verdict|  step 8 )"
check "created_vcpus fix: exit 0, nothing new ($rc)" '[ $rc -eq 0 ] && echo "$out" | grep -q "^NEW findings.*: 0"'
check "created_vcpus fix: the first KVM_CREATE_VCPU waits less, at HZ=100 and 1000" \
	'python3 -c "import json,sys; c=json.load(open(sys.argv[1]))[\"cost\"]; r=[x for x in c[\"rows\"] if x[\"ioctl\"] == \"KVM_CREATE_VCPU #1\"]; sys.exit(not (len(r) == 2 and all(x[\"patched_ms\"] < x[\"base_ms\"] for x in r)))" "$work/fixb.json"'
sed 's|^\tcall_srcu(&kvm->srcu, &bus->rcu, __free_bus);$|\tsynchronize_srcu(\&kvm->srcu);\n\tkfree(bus);|' \
	"$tree/virt/kvm/kvm_main.c" > "$work/b/virt/kvm/kvm_main.c"
mkpatch slow
check "slow register: the patch changes something" '[ -s "$work/slow.patch" ]'
out=$("$root/busfuzz" check "$work/slow.patch" --tree "$tree" --runs 300 2>&1); rc=$?
echo "$out" | grep -E "^(NEW|verdict)"
check "slow register: exit 1, a cost regression and no new finding ($rc)" \
	'[ $rc -eq 1 ] && echo "$out" | grep -q "^verdict: WORSE: a cost regression$" && echo "$out" | grep -q "^NEW findings.*: 0"'

# --each on a series: the buggy patch, then its revert.  Step 1 is worse (its
# finding is new against the base), step 2 fixes it; the whole series is worse
# because one step was.
cp "$work/mut/virt/kvm/kvm_main.c" "$work/b/virt/kvm/"
(cd "$work" && diff -u b/virt/kvm/kvm_main.c a/virt/kvm/kvm_main.c | sed 's|^--- b/|--- a/|; s|^+++ a/|+++ b/|') \
	> "$work/revert.patch"
out=$("$root/busfuzz" check "$work/buggy.patch" "$work/revert.patch" --each --tree "$tree" --runs 3000 \
	--minimize-time 2 --json "$work/each.json" 2>&1); rc=$?
echo "$out" | grep -E "^(== |NEW|fixed|verdict)"
check "each: exit 1, worse at step 1 ($rc)" '[ $rc -eq 1 ] && echo "$out" | grep -q "^verdict of the series: WORSE at step 1$"'
check "each: step 2 fixes what step 1 broke" \
	'python3 -c "import json,sys; s=json.load(open(sys.argv[1]))[\"steps\"]; sys.exit(not (len(s) == 2 and s[0][\"new\"] and not s[1][\"new\"] and s[1][\"fixed\"]))" "$work/each.json"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
