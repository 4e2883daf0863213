#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad input gets a clear one-line error and exit status 2.
#   test_bad_input.sh TREE
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BUSFUZZ_BUILD=$work/build
pass=0 fail=0
expect2() {	# what, needle, command...
	local what=$1 needle=$2; shift 2
	local out rc
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 2 ] && echo "$out" | grep -q -- "$needle" && [ "$(echo "$out" | grep -c .)" -le 2 ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: $what: exit $rc: $out" | head -5
		fail=$((fail + 1))
	fi
}
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
mkdir -p "$work/nomain"
cp -r "$tree/include" "$work/nomain/"
mkdir -p "$work/nomain/virt/kvm"
expect2 "tree without kvm_main.c" "virt/kvm/kvm_main.c" "$root/busfuzz" fuzz --tree "$work/nomain" --time 5
python3 "$root/tools/mutate.py" /dev/stdin "$tree" "$work/renamed" >/dev/null <<'MUT'
in kvm_io_bus_write
replace: int kvm_io_bus_write( => int kvm_io_bus_write_renamed(
MUT
expect2 "renamed kvm_io_bus_write" "kvm_io_bus_write" "$root/busfuzz" fuzz --tree "$work/renamed" --time 5
# A callee that is neither shimmed, stubbed nor extracted: the function and the kernel line that calls it.
python3 "$root/tools/mutate.py" /dev/stdin "$tree" "$work/unknown-callee" >/dev/null <<'MUT'
in kvm_io_bus_write
replace: 	range = (struct kvm_io_range) { => 	busfuzz_no_such_callee(bus_idx); range = (struct kvm_io_range) {
MUT
expect2 "unknown callee" "^busfuzz: virt/kvm/kvm_main.c:[0-9]*: busfuzz_no_such_callee() is neither shimmed" \
	"$root/busfuzz" replay "$root/corpus/seeds/000-empty" --tree "$work/unknown-callee"
expect2 "no such tree" "no such directory" "$root/busfuzz" fuzz --tree "$work/none" --time 5
expect2 "unknown kernel version" "unknown kernel version" "$root/busfuzz" fuzz --kernel 9.99 --time 5
expect2 "missing reproducer" "no such reproducer" "$root/busfuzz" replay "$work/none" --tree "$tree"
expect2 "reproducer is a folder" "no such reproducer" "$root/busfuzz" replay "$work" --tree "$tree"
expect2 "bad --time" "at least 1" "$root/busfuzz" fuzz --tree "$tree" --time 0
expect2 "unknown --model" "invalid choice" "$root/busfuzz" fuzz --tree "$tree" --model pso
printf 'x' > "$work/repro"; echo "--model pso" > "$work/repro.mode"
expect2 "corrupt mode record" "not a mode record" "$root/busfuzz" replay "$work/repro" --tree "$tree"
expect2 "minimize: missing reproducer" "no such reproducer" "$root/busfuzz" minimize "$work/none" --tree "$tree"
expect2 "minimize: corrupt mode record" "not a mode record" "$root/busfuzz" minimize "$work/repro" --tree "$tree"
expect2 "minimize: bad --time" "at least 1" "$root/busfuzz" minimize "$work/repro" --tree "$tree" --time 0
expect2 "mutants: bad --seeds" "at least 1" "$root/busfuzz" mutants --tree "$tree" --seeds 0
expect2 "mutants: unknown mutant" "no mutant 'no-such-mutant'" "$root/busfuzz" mutants --tree "$tree" no-such-mutant
expect2 "mutants: no such tree" "no such directory" "$root/busfuzz" mutants --tree "$work/none" --time 5
expect2 "mutants: tree without kvm_main.c" "virt/kvm/kvm_main.c" "$root/busfuzz" mutants --tree "$work/nomain" --time 5
expect2 "stress: bad --time" "at least 1" "$root/busfuzz" stress --tree "$tree" --time 0
expect2 "stress: bad --delay" "at most 100" "$root/busfuzz" stress --tree "$tree" --delay 101
expect2 "stress: bad --scenario" "hex scenario seed" "$root/busfuzz" stress --tree "$tree" --scenario xyz
expect2 "stress: no such tree" "no such directory" "$root/busfuzz" stress --tree "$work/none" --time 5
expect2 "mutants: --tsan without stress" "go with --strategy stress" "$root/busfuzz" mutants --tree "$tree" --tsan
# Every command checks --seed and --jobs alike; --jobs is bounded by the machine.
expect2 "fuzz: negative --seed" "at least 0" "$root/busfuzz" fuzz --tree "$tree" --seed -5
expect2 "stress: negative --seed" "at least 0" "$root/busfuzz" stress --tree "$tree" --seed -5
expect2 "fuzz: --seed not a number" "not a whole number" "$root/busfuzz" fuzz --tree "$tree" --seed 1x
expect2 "fuzz: --jobs beyond the machine" "at most" "$root/busfuzz" fuzz --tree "$tree" --jobs 1000
expect2 "mutants: --jobs beyond the machine" "at most" "$root/busfuzz" mutants --tree "$tree" --jobs 1000
expect2 "fuzz: --jobs 0" "at least 1" "$root/busfuzz" fuzz --tree "$tree" --jobs 0
# Provenance: a reproducer of another kernel warns, and --strict refuses it.
printf 'x' > "$work/prov"; echo "0.0.1 0123456789abcdef" > "$work/prov.kernel"
expect2 "replay --strict: another kernel's reproducer" "was found on kernel 0.0.1" \
	"$root/busfuzz" replay "$work/prov" --tree "$tree" --strict
out=$("$root/busfuzz" replay "$work/prov" --tree "$tree" --quiet 2>&1); rc=$?
check "replay: another kernel's reproducer warns and replays" \
	'[ $rc -eq 0 ] && echo "$out" | grep -q "warning: .*was found on kernel 0.0.1"'
echo "garbage" > "$work/prov.kernel"
expect2 "replay: corrupt kernel record" "not a kernel record" "$root/busfuzz" replay "$work/prov" --tree "$tree"
# A reader that went away (| head) ends the command quietly, no traceback: its
# stdout a pipe whose read end is closed before it starts (EPIPE on the first write).
python3 - "$root/busfuzz" "$tree" > "$work/pipe.err" 2>&1 <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run([sys.argv[1], "cost", "--tree", sys.argv[2], "--json"], stdout=w, stderr=subprocess.PIPE, text=True)
print("exit", p.returncode)
print(p.stderr)
PY
check "a closed pipe: exit 141 with no traceback ($(grep -m2 -E "exit|Error" "$work/pipe.err"))" \
	'grep -q "^exit 141$" "$work/pipe.err" && ! grep -q Traceback "$work/pipe.err"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
