#!/bin/bash -eu
# SPDX-License-Identifier: GPL-2.0-only
#
# The fuzz target in OSS-Fuzz's shape, for ClusterFuzz (OSS-Fuzz) or
# ClusterFuzzLite (a kernel fork's CI).  It honours the build environment:
#   $CC, $CFLAGS            compiler and flags (the sanitizer, coverage)
#   $LIB_FUZZING_ENGINE     the fuzzing engine to link (libFuzzer: -fsanitize=fuzzer)
#   $OUT                    where the targets and their files go
#   $WORK                   scratch space (default: a temporary folder)
# and takes the kernel tree from $BUSFUZZ_TREE (a Linux checkout: the kernel
# fork itself under ClusterFuzzLite), else fetches Debian's linux-source of
# $BUSFUZZ_KERNEL (default 7: the newest 7.x) as `busfuzz --kernel` does.
#
# It writes $OUT/busfuzz_bus (the libFuzzer target of fuzz/fuzz_bus.c, the
# tree's real bus code against the simulator), busfuzz_bus_seed_corpus.zip
# (corpus/seeds), busfuzz_bus.dict and busfuzz_bus.options.  The memory model
# and SRCU mode are the target's defaults (lkmm, doc); BUSFUZZ_MODEL and
# BUSFUZZ_SRCU in the environment choose others.
#
# The simulator is compiled with $CFLAGS but without coverage instrumentation
# (its bookkeeping is not the code under test); the kernel code and the
# harness get all of $CFLAGS.  ThreadSanitizer on fibers needs the CMake build
# (`busfuzz fuzz --sanitizer tsan`): ClusterFuzz has no TSan builds.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
: "${CC:=clang}" "${CFLAGS:=}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:?set OUT to the output folder}"
WORKDIR=${WORK:-$(mktemp -d)}
PYTHON=${PYTHON:-python3}

case " $CFLAGS " in
*-fsanitize=thread*)
	echo "build.sh: TSan needs the simulator as its own library: use the CMake build (busfuzz fuzz --sanitizer tsan)" >&2
	exit 2 ;;
esac

tree=${BUSFUZZ_TREE:-}
if [ -z "$tree" ]; then
	tree=$("$PYTHON" "$ROOT/tools/kernels.py" fetch "${BUSFUZZ_KERNEL:-7}")
fi
[ -d "$tree/virt/kvm" ] || { echo "build.sh: $tree is not a Linux tree (no virt/kvm)" >&2; exit 2; }

gen=$WORKDIR/busfuzz-gen
objs=$WORKDIR/busfuzz-obj
mkdir -p "$gen" "$objs" "$OUT"
"$PYTHON" "$ROOT/tools/build.py" extract --tree "$tree" --out "$gen"

# The simulator: $CFLAGS less the coverage flags.
sim_cflags=()
for f in $CFLAGS; do
	case "$f" in
	-fsanitize=fuzzer-no-link|-fsanitize-coverage=*) ;;
	*) sim_cflags+=("$f") ;;
	esac
done
for src in sched strategy strat_random strat_pct strat_dfs exec report mem srcu srcu_timing lock slab litmus_export shared objtab lockdep eventfd; do
	$CC "${sim_cflags[@]}" -std=gnu11 -I"$ROOT/sim" -c "$ROOT/sim/$src.c" -o "$objs/$src.o"
done
$CC "${sim_cflags[@]}" -c "$ROOT/sim/ctx_x86_64.S" -o "$objs/ctx_x86_64.o"

# The kernel code and the harness (one translation unit) and the target.  A
# NULL dereference is left to the sanitizer's SEGV report, as in the CMake
# build: memcpy(dst, NULL, 0), which the kernel does, is no finding.
inc=(-I"$gen" -I"$gen/include" -I"$ROOT/kernel-shim" -I"$ROOT/fuzz" -I"$ROOT/sim")
nonull=()
case " $CFLAGS " in
*-fsanitize=*undefined*|*-fsanitize=*null*) nonull=(-fno-sanitize=null,nonnull-attribute,returns-nonnull-attribute) ;;
esac
# None of the kernel's warnings, but a call to an undeclared function is an
# error at its kernel line (KERNEL_WARN in CMakeLists.txt; OSS-Fuzz's CC is clang).
$CC $CFLAGS "${nonull[@]}" -std=gnu11 -Wno-everything -Werror=implicit-function-declaration "${inc[@]}" \
	-c "$ROOT/fuzz/harness.c" -o "$objs/harness.o"
$CC $CFLAGS "${nonull[@]}" -std=gnu11 -w "${inc[@]}" -c "$ROOT/fuzz/fuzz_bus.c" -o "$objs/fuzz_bus.o"
$CC $CFLAGS $LIB_FUZZING_ENGINE "$objs"/*.o -o "$OUT/busfuzz_bus"

# Seeds, dictionary, options.
"$PYTHON" - "$ROOT" "$OUT" <<'PY'
import glob, os, sys, zipfile
root, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(os.path.join(out, "busfuzz_bus_seed_corpus.zip"), "w") as z:
    for f in sorted(glob.glob(os.path.join(root, "corpus", "seeds", "*"))):
        z.write(f, os.path.basename(f))
# The dictionary: the input's fields as fuzz/input.h defines them (tools/inputdef.py).
sys.path.insert(0, os.path.join(root, "tools"))
import inputdef
inputdef.write_dictionary(os.path.join(out, "busfuzz_bus.dict"))
with open(os.path.join(out, "busfuzz_bus.options"), "w") as f:
    # Leaks are the simulator's own finding (class leak), with the trace.
    f.write("[libfuzzer]\nmax_len = 256\ntimeout = 10\ndetect_leaks = 0\n")
PY
echo "build.sh: $OUT/busfuzz_bus for $tree"
