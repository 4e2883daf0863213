#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""One vocabulary of findings: sim/findings.def against everything that uses it.

The repository agrees with the table (README's class table, no string class in a
sim_finding() call, no FINDING line printed by hand, the CLI's sanitizer classes
are the table's, every class has a producer), the parser reads the lines the
simulator prints, and each check fails on a copy of the repository edited to
disagree.

  test_findings.py
"""
import os
import re
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzz  # noqa: E402
import minimize  # noqa: E402
import engines  # noqa: E402
import findings  # noqa: E402
from pyrunner import check, exit_status  # noqa: E402


def c_sources():
    for d in ("sim", "fuzz", "kernel-shim", "litmus"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, d)):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.join(dirpath, f)


def mutated(path_rel, old, new):
    with tempfile.TemporaryDirectory() as tmp:
        for d in ("sim", "fuzz", "kernel-shim", "litmus"):
            shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d))
        shutil.copy(os.path.join(ROOT, "README.md"), tmp)
        p = os.path.join(tmp, path_rel)
        text = open(p).read()
        if old not in text:
            raise SystemExit("FAIL: the test's edit does not apply to %s: %r" % (path_rel, old))
        open(p, "w").write(text.replace(old, new, 1))
        return findings.check(tmp, os.path.join(tmp, "sim", "findings.def"))


def main():
    errs = findings.check()
    check(not errs, "the repository agrees with sim/findings.def%s" % "".join("\n     " + e for e in errs))
    names = list(findings.CLASSES)
    check(len(names) == len(set(names)) and len(names) >= 20, "%d classes, each once" % len(names))

    extra = sorted({c for _, c in findings.CLASS_OF_REPORT} - set(names))
    check(not extra, "the CLI's sanitizer report classes are the table's%s" % (": not " + ", ".join(extra) if extra else ""))
    check(engines.FINDING_RE is findings.FINDING_RE and engines.SITE_RE is findings.SITE_RE,
          "engines reads findings with tools/findings.py's grammar")

    used = set()
    for p in c_sources():
        if not p.endswith(("findings.def", os.path.join("sim", "sim.h"))):
            used.update(m.lower().replace("_", "-") for m in re.findall(r"\bSIM_F_([A-Z_]+)\b", open(p).read()))
    used.update(c for _, c in findings.CLASS_OF_REPORT)
    unused = [n for n in names if n not in used]
    check(not unused, "every class has a producer%s" % (": none for " + ", ".join(unused) if unused else ""))

    line = ("FINDING mixed-accesses: marked accesses of 4 and 8 bytes to one location "
            "[READ_ONCE at virt/kvm/kvm_main.c:123, thread vcpu0]\nbug: mixed-accesses at virt/kvm/kvm_main.c:123\n")
    check(findings.parse(line) == ("mixed-accesses", line.splitlines()[0][len("FINDING mixed-accesses: "):])
          and findings.site(findings.parse(line)[1]) == ("READ_ONCE", "virt/kvm/kvm_main.c:123"),
          "a finding line parses to its class, message, primitive and kernel line")
    check(findings.parse("FINDING nonsense: x\n") == (None, None), "a FINDING line of no class is no finding")
    check(findings.record(line) == {"class": "mixed-accesses", "message": findings.parse(line)[1], "frames": [],
                                    "primitive": "READ_ONCE", "file": "virt/kvm/kvm_main.c", "line": 123,
                                    "bug": "mixed-accesses at virt/kvm/kvm_main.c:123"},
          "a finding without its record is read from its human line")
    rec = ('FINDING lockdep: held [x at a.c:1, thread t]\n'
           'record: {"class":"lockdep","message":"lock \\"a\\" [x at a.c:1, thread t]","primitive":"mutex_lock",'
           '"file":"virt/kvm/eventfd.c","line":77,"thread":"vcpu1","bug":"lockdep at virt/kvm/eventfd.c:9",'
           '"frames":[{"role":"check","primitive":"mutex_lock","file":"virt/kvm/eventfd.c","line":77,"thread":"vcpu1"},'
           '{"role":"origin","primitive":"call_srcu","file":"virt/kvm/eventfd.c","line":9}]}\n')
    check(findings.parse(rec) == ("lockdep", 'lock "a" [x at a.c:1, thread t]')
          and findings.site_of(rec) == ("mutex_lock", "virt/kvm/eventfd.c:77")
          and [f["role"] for f in findings.record(rec)["frames"]] == ["check", "origin"],
          "a finding's record is read before its human line: class, message, site, frames")
    check(findings.records('record: {"class":"nonsense","message":"x"}\nrecord: {bad json\n') == [],
          "a record of no class, or not JSON, is no finding")
    check(minimize.finding_of(line) == ("mixed-accesses", "READ_ONCE", "virt/kvm/kvm_main.c:123"),
          "the CLI's judging reads the same line the same way")

    errs = mutated(os.path.join("sim", "mem.c"), "sim_finding(SIM_F_MIXED_ACCESSES,", 'sim_finding("mixed-accesses",')
    check(any("sim/mem.c" in e and "string class" in e for e in errs), "a string class in sim_finding() is reported")
    errs = mutated(os.path.join("fuzz", "fuzz_bus.c"), 'sim_finding_print(cls, "AddressSanitizer',
                   'printf("FINDING %s: AddressSanitizer", sim_finding_name(cls)); (void)("')
    check(any("fuzz/fuzz_bus.c" in e and "by hand" in e for e in errs), "a FINDING line printed by hand is reported")
    errs = mutated("README.md", "| `oom` |", "| `out-of-memory` |")
    check(any("README.md: the finding classes differ" in e for e in errs), "an edited README class table is reported")
    errs = mutated(os.path.join("sim", "findings.def"), 'SIM_FINDING(OOM, "oom"', 'SIM_FINDING(OUT_OF_MEMORY, "oom"')
    check(any("OUT_OF_MEMORY is not the name oom" in e for e in errs), "an ID that is not its name is reported")
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
