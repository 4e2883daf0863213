#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Unit tests of the CLI's pure logic (tools/minimize.py, mutants.py, replay.py, fuzz.py), without a kernel tree.

The minimizer (scenario cuts against fuzz/input.h, the Shrinker against a fake
replay binary whose findings are known), the mutant matrix's judging, the
classification of sanitizer reports, mode records.

  test_cli_logic.py
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import types  # noqa: E402
import common  # noqa: E402
import findings  # noqa: E402
import fuzz  # noqa: E402
import minimize  # noqa: E402
import mutants  # noqa: E402
import replay  # noqa: E402
# The functions under test, from the module of the CLI's package that holds each.
cli = types.SimpleNamespace(Fail=common.Fail, classify=findings.classify, Shrinker=minimize.Shrinker,
                            describe=minimize.describe, finding_of=minimize.finding_of,
                            scenario_cuts=minimize.scenario_cuts, judge=mutants.judge, median_of=mutants.median_of,
                            mode_record=replay.mode_record, replay_mode=replay.replay_mode)
import inputdef  # noqa: E402
from pyrunner import check, exit_status  # noqa: E402


def raises_fail(fn, status=2):
    try:
        fn()
    except cli.Fail as e:
        return e.status == status
    return False


def test_inputdef_is_input_h(tmp):
    """tools/inputdef.py's counts are fuzz/input.h's functions, for every byte."""
    cc = shutil.which("clang-14") or shutil.which("clang") or shutil.which("cc")
    if not cc:
        check(False, "a C compiler to compare tools/inputdef.py with fuzz/input.h")
        return
    src = os.path.join(tmp, "counts.c")
    with open(src, "w") as f:
        f.write(textwrap.dedent("""\
            #include <stdio.h>
            #include "input.h"
            int main(void)
            {
            \tfor (int b = 0; b < 256; b++)
            \t\tprintf("%d %d %d\\n", in_nvcpus(b), in_nioctl(b), in_nvops(b));
            \treturn 0;
            }
            """))
    exe = os.path.join(tmp, "counts")
    r = subprocess.run([cc, "-I", os.path.join(ROOT, "fuzz"), src, "-o", exe], capture_output=True, text=True)
    check(r.returncode == 0, "the counts program builds%s" % (": " + r.stderr[-500:] if r.returncode else ""))
    if r.returncode:
        return
    got = subprocess.run([exe], capture_output=True, text=True).stdout.split("\n")
    want = ["%d %d %d" % (inputdef.nvcpus(b), inputdef.nioctl(b), inputdef.nvops(b)) for b in range(256)]
    check(got[:256] == want, "tools/inputdef.py's counts are fuzz/input.h's for all 256 byte values")
    ok = all(inputdef.nvcpus(inputdef.fewer_vcpus(b)) == inputdef.nvcpus(b) - 1 and
             (inputdef.fewer_vcpus(b) & ~(inputdef.F["IN_B0_VCPUS"] | inputdef.F["IN_B0_VCPU4"])) ==
             (b & ~(inputdef.F["IN_B0_VCPUS"] | inputdef.F["IN_B0_VCPU4"]))
             for b in range(256) if inputdef.nvcpus(b) > 1)
    check(ok, "fewer_vcpus() takes one vCPU away and keeps the other bits of byte 0")


def test_scenario_cuts():
    # 4 vCPUs (bit 5 and 1 + 2 % 3), 2 ioctl ops, 2 ops per vCPU, then the stream.
    b0, b1, b2 = 0x22 | 0x40, 0x01 | 0x08, 0x01 | 0x80
    ioctl = [0xa0, 0xa1]
    vcpu = [0xb0, 0xb1, 0xc0, 0xc1, 0xd0, 0xd1, 0xe0, 0xe1]
    stream = [0xf0, 0xf1, 0xf2]
    data = bytes([b0, b1, b2] + ioctl + vcpu + stream)
    check((inputdef.nvcpus(b0), inputdef.nioctl(b1), inputdef.nvops(b2)) == (4, 2, 2), "the test input's counts")
    cands = cli.scenario_cuts(data)
    want = [
        bytes([b0, b1 & ~7, b2] + [0xa0] + vcpu + stream),                 # the second ioctl op less
        bytes([b0, b1 & ~7, b2] + [0xa1] + vcpu + stream),                 # the first ioctl op less
        bytes([0x02 | 0x40, b1, b2] + ioctl + vcpu[:6] + stream),           # the fourth vCPU less
        bytes([0x02 | 0x40, b1, b2] + ioctl + vcpu[:4] + vcpu[6:] + stream),
        bytes([0x02 | 0x40, b1, b2] + ioctl + vcpu[:2] + vcpu[4:] + stream),
        bytes([0x02 | 0x40, b1, b2] + ioctl + vcpu[2:] + stream),           # the first vCPU less
        bytes([b0, b1, b2 & ~3] + ioctl + vcpu[0::2] + stream),            # every vCPU's second op less
        bytes([b0, b1, b2 & ~3] + ioctl + vcpu[1::2] + stream),            # every vCPU's first op less
    ]
    check(cands == want, "scenario cuts: one ioctl op, one vCPU (the fourth-vCPU bit too) or one op of "
          "every vCPU less, its count lowered, the stream untouched")
    for c in cands:
        n = inputdef.HEAD + inputdef.nioctl(c[1]) + inputdef.nvcpus(c[0]) * inputdef.nvops(c[2])
        if c[n:] != bytes(stream):
            check(False, "a cut keeps the decision stream where fuzz/input.h says it starts: %r" % c)
            break
    check(cli.scenario_cuts(bytes([0, 0, 0, 1, 2])) == [], "a one-vCPU, one-op scenario has nothing to cut")
    check(set(cli.scenario_cuts(b"\x02")) == {bytes([0x01])}, "a short input (3 vCPUs): the missing bytes "
          "read as 0, none is written")


FAKE = r'''#!/usr/bin/env python3
# A stand-in for the replay binary: a finding when the input holds 7 before 9,
# at line 20 when it also holds 3, else at line 10; one trace step per byte.
import sys
d = open(sys.argv[-1], "rb").read()
for i in range(len(d)):
    print("%5d  vcpu0  READ_ONCE  x" % i)
if 7 in d and 9 in d[d.index(7):]:
    print("FINDING ordering: made up [READ_ONCE at virt/kvm/kvm_main.c:%d, thread vcpu0]" % (20 if 3 in d else 10))
    sys.exit(1)
print("no finding")
'''


def test_shrinker(tmp):
    fake = os.path.join(tmp, "fake-replay")
    with open(fake, "w") as f:
        f.write(FAKE)
    os.chmod(fake, 0o755)
    data = bytes([1, 3, 200, 7, 2, 9, 4, 250])
    sh = cli.Shrinker(fake, [], tmp, time.monotonic() + 600)
    want = sh.result(data)[0]
    check(want == ("ordering", "READ_ONCE", "virt/kvm/kvm_main.c:20"), "the fake replay's finding is judged "
          "by class, primitive and kernel line")
    small = sh.shrink(data, want)
    check(small == bytes([3, 7, 9]), "the shrinker keeps the same finding (not the other line's) in the "
          "shortest, then lowest input: %r" % small)
    again = cli.Shrinker(fake, [], tmp, time.monotonic() + 600).shrink(data, want)
    check(again == small, "the shrinker is deterministic")
    late = cli.Shrinker(fake, [], tmp, time.monotonic() - 1)
    check(late.shrink(data, want) == data and late.timed_out, "past its deadline the shrinker returns the input")
    check(sh.result(b"\x09\x07")[0] is None, "an input without the finding is none")


def test_judging():
    check(cli.judge("leak", [("leak", 1), ("leak", 2)]) == "KILLED", "every seed finds the class: KILLED")
    check(cli.judge("leak", [("leak", 1), (None, None)]) == "SURVIVED", "a seed without it: SURVIVED")
    check(cli.judge("leak", [("leak", 1), ("race", 2)]) == "WRONG-CLASS", "another class: WRONG-CLASS")
    check(cli.judge("leak", [("leak", 1), ("errno", 2)], ["errno"]) == "KILLED",
          "a class of the mutant's also: line: KILLED")
    check(cli.judge(None, [("errno", 2)], ["errno"]) == "WRONG-CLASS", "also: does not excuse a model it is clean under")
    check(cli.judge("leak", [("error", None), ("leak", 2)]) == "ERROR", "an error run: ERROR")
    check(cli.judge(None, [(None, None)]) == "SURVIVED" and cli.judge(None, [("race", 1)]) == "WRONG-CLASS",
          "the unmodified tree: clean is SURVIVED, a finding is WRONG-CLASS")
    check(cli.median_of([("leak", 3), ("leak", 5), (None, None)], 1) == 5 and
          cli.median_of([("leak", 3), (None, None), (None, None)], 1) == float("inf"),
          "the median counts a seed without a finding as never")
    check(statistics.median([1]) == cli.median_of([("x", 1)], 1), "one seed: its value")


def test_classify():
    cases = [
        ("==1==ERROR: AddressSanitizer: heap-use-after-free on address", "use-after-free"),
        ("==1==ERROR: AddressSanitizer: attempting double-free on", "double-free"),
        ("==1==ERROR: AddressSanitizer: SEGV on unknown address 0x000", "crash"),
        ("x.c:1:2: runtime error: signed integer overflow", "ub"),
        ("==1== ERROR: libFuzzer: timeout after 10 seconds", "hang"),
        ("==1== ERROR: libFuzzer: out-of-memory (used: 2100Mb; exceeds: 2048Mb)", "oom"),
        ("==1==ERROR: AddressSanitizer: global-buffer-overflow", "memory"),
        ("WARNING: ThreadSanitizer: data race (pid=1)", "race"),
    ]
    for text, cls in cases:
        check(cli.classify("noise\n" + text + "\nmore\n")[0] == cls, "a report with %r is %s" % (text[:40], cls))
    check(cli.classify("FINDING srcu: unbalanced [srcu_read_unlock at a.c:1, thread t]\n==1==ERROR: "
                       "AddressSanitizer: SEGV")[0] == "srcu", "the simulator's FINDING line wins over a report")
    check(cli.classify("nothing here") == (None, None), "no report: no class")
    line = "FINDING leak: obj#3 [kfree at virt/kvm/eventfd.c:77, thread ioctl]\n"
    check(cli.finding_of(line) == ("leak", "kfree", "virt/kvm/eventfd.c:77") and
          cli.describe(cli.finding_of(line)) == "leak at kfree virt/kvm/eventfd.c:77" and
          cli.finding_of("FINDING leak: no site\n") == ("leak", None, None) and cli.finding_of("") is None,
          "finding_of() and describe(): class, primitive, kernel line")


def test_mode_records(tmp):
    class A:
        model = srcu = None

    a = A()
    a.file = os.path.join(tmp, "repro")
    open(a.file, "wb").close()
    check(cli.mode_record(a.file) == {} and cli.replay_mode(a) == ["--model", "lkmm", "--srcu", "doc"],
          "no mode record: the defaults")
    with open(a.file + ".mode", "w") as f:
        f.write("--model tso --srcu impl --sanitizer tsan\n")
    check(cli.replay_mode(a) == ["--model", "tso", "--srcu", "impl"], "the record's mode")
    a.model = "sc"
    check(cli.replay_mode(a) == ["--model", "sc", "--srcu", "impl"], "--model given wins over the record")
    with open(a.file + ".mode", "w") as f:
        f.write("--model pso\n")
    check(raises_fail(lambda: cli.mode_record(a.file)), "a corrupt record is bad input (exit 2)")


def main():
    tmp = tempfile.mkdtemp(prefix="busfuzz-cli-logic-")
    try:
        test_inputdef_is_input_h(tmp)
        test_scenario_cuts()
        test_shrinker(tmp)
        test_judging()
        test_classify()
        test_mode_records(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
