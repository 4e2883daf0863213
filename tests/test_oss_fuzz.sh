#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# oss-fuzz/build.sh as OSS-Fuzz runs it: the environment's compiler, flags,
# engine and output folder; the target, its seed corpus, dictionary and
# options are there, the flags were honoured, and the target runs inputs.
set -u
tree=$1 cc=${2:-clang}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
check() {
	if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi
}
out=$work/out
log=$(env CC="$cc" CFLAGS="-O1 -fsanitize=address -fsanitize=fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
	OUT="$out" WORK="$work/work" BUSFUZZ_TREE="$tree" "$root/oss-fuzz/build.sh" 2>&1)
rc=$?
check "build.sh succeeds" '[ $rc -eq 0 ] || { echo "$log" | tail -20; false; }'
for f in busfuzz_bus busfuzz_bus_seed_corpus.zip busfuzz_bus.dict busfuzz_bus.options; do
	check "\$OUT/$f exists" '[ -s "$out/$f" ]'
done
check "CFLAGS honoured (ASan in the target)" 'nm "$out/busfuzz_bus" | grep -q "__asan_init"'
check "the engine linked (libFuzzer's main)" 'nm "$out/busfuzz_bus" | grep -q "LLVMFuzzerRunDriver\|fuzzer.*FuzzerDriver"'
nseeds=$(ls "$root/corpus/seeds" | wc -l)
check "the seed zip holds corpus/seeds" '[ "$(python3 -c "import zipfile,sys; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))" "$out/busfuzz_bus_seed_corpus.zip")" = "$nseeds" ]'
check "the options are libFuzzer's" 'grep -q "^\[libfuzzer\]" "$out/busfuzz_bus.options" && grep -q "^max_len = 256" "$out/busfuzz_bus.options"'
mkdir -p "$work/seeds" "$work/corpus"
python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$out/busfuzz_bus_seed_corpus.zip" "$work/seeds"
run=$(cd "$work" && "$out/busfuzz_bus" -runs=3000 -seed=1 -max_len=256 -detect_leaks=0 -dict="$out/busfuzz_bus.dict" \
	"$work/corpus" "$work/seeds" 2>&1)
rc=$?
check "the target runs 3000 inputs clean" '[ $rc -eq 0 ] && echo "$run" | grep -q "DONE"'
check "the dictionary parses" 'echo "$run" | grep -q "Dictionary: [1-9][0-9]* entries"'
env CC="$cc" CFLAGS="-fsanitize=thread" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$work/t" BUSFUZZ_TREE="$tree" \
	"$root/oss-fuzz/build.sh" >/dev/null 2>"$work/err"
rc=$?
check "TSan flags: exit 2 with one line" '[ $rc -eq 2 ] && [ "$(wc -l < "$work/err")" -eq 1 ]'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
