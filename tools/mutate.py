#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Applies a mutant (a small edit script, never a copied kernel file) to a copy
of a kernel tree.

  mutate.py MUTANT.mut TREE OUTDIR      copies the parts busfuzz reads, then edits

Edit script lines (after '#' comments and 'key: value' headers):
  in FUNCTION                 the edits that follow apply inside FUNCTION's body
  file PATH                   ... in PATH (default virt/kvm/kvm_main.c)
  delete: TEXT                remove the first line containing TEXT
  replace: OLD => NEW         replace the first OLD by NEW
Headers: 'generation: pre|post', 'expect: CLASS' (the finding under the default
model), 'clean-under: MODEL ...' (models where it must stay clean, e.g. tso),
'mode: --srcu impl' (fuzz options the finding needs), 'also: CLASS ...' (other classes the same
bug shows as: a kill in the matrix too, never in the stored reproducer's test), 'search: STRATEGY
--seed N --runs N [--depth D] [--preemptions B]' (a bounded, seeded search of
fuzz/explore.c that reaches the finding: the explorer is deterministic for a
seed, so its ctest cannot pass or fail by luck; tests/test_mutant.py checks it
and `tests/test_mutant.py choose` proposes one).
Every edit must match exactly once where it applies, or the mutant is stale: exit 2.
"""
import os
import re
import shutil
import sys

SEARCH_STRATEGIES = ("random", "pct", "exhaustive")
SEARCH_FLAGS = ("--seed", "--runs", "--depth", "--preemptions")
PARTS = ["virt", "include", "arch/x86/kvm/vmx", "arch/arm64/kvm/vgic", "tools/memory-model", "Makefile",
         # what memslots are made of, and x86's own (tools/extract.py)
         "lib/rbtree.c", "lib/interval_tree.c", "arch/x86/kvm/x86.c", "arch/x86/include/asm/kvm_host.h",
         # Tree SRCU, whose timing busfuzz cost reads (tools/srcu_timing.py)
         "kernel/rcu"]


class MutantError(Exception):
    pass


def parse(path):
    headers, edits = {}, []
    where = {"file": "virt/kvm/kvm_main.c", "fn": None}
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.match(r"(delete|replace):\s?(.*)$", line)
            if m:
                if m.group(1) == "replace":
                    if " => " not in m.group(2):
                        raise MutantError("%s:%d: replace needs 'OLD => NEW'" % (path, n))
                    old, new = m.group(2).split(" => ", 1)
                else:
                    old, new = m.group(2), None
                edits.append((dict(where), m.group(1), old, new, n))
            elif line.startswith("in "):
                where["fn"] = line[3:].strip()
            elif line.startswith("file "):
                where["file"], where["fn"] = line[5:].strip(), None
            elif re.match(r"[\w-]+:", line):
                k, v = line.split(":", 1)
                headers[k.strip()] = v.strip()
            else:
                raise MutantError("%s:%d: cannot parse '%s'" % (path, n, line))
    if not edits:
        raise MutantError("%s: no edits" % path)
    return headers, edits


def search(headers, where="search:"):
    """The 'search:' header as the explorer's argv tail (['--strategy', S, '--seed', N, ...]); None without
    one.  --seed and --runs are required: a search bounded by time would pass or fail by the machine's speed."""
    line = headers.get("search")
    if line is None:
        return None
    words = line.split()
    if not words or words[0] not in SEARCH_STRATEGIES:
        raise MutantError("%s '%s': the strategy comes first, one of %s" % (where, line, ", ".join(SEARCH_STRATEGIES)))
    flags = dict(zip(words[1::2], words[2::2]))
    if len(words) % 2 == 0 or len(flags) != (len(words) - 1) // 2:
        raise MutantError("%s '%s': FLAG VALUE pairs after the strategy" % (where, line))
    for k, v in flags.items():
        if k not in SEARCH_FLAGS or not v.isdigit():
            raise MutantError("%s '%s %s': flags are %s with a number" % (where, k, v, ", ".join(SEARCH_FLAGS)))
    for k in ("--seed", "--runs"):
        if k not in flags:
            raise MutantError("%s '%s': %s is required (a search bounded by executions, not time)" % (where, line, k))
    if int(flags["--runs"]) < 1:
        raise MutantError("%s '%s': --runs must be at least 1" % (where, line))
    return ["--strategy", words[0]] + [w for kv in flags.items() for w in kv]


def function_span(src, fn, rel):
    m = re.search(r"^[^\n;{}]*\b%s\([^;{]*\)\s*\{" % re.escape(fn), src, re.M)
    if not m:
        raise MutantError("%s: function '%s' not found" % (rel, fn))
    depth, i = 0, m.end() - 1
    while i < len(src):
        c = src[i]
        depth += c == "{"
        depth -= c == "}"
        if depth == 0:
            return m.start(), i + 1
        i += 1
    raise MutantError("%s: unbalanced braces in '%s'" % (rel, fn))


def apply(mutant, tree, out):
    headers, edits = parse(mutant)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for p in PARTS:
        s = os.path.join(tree, p)
        if os.path.isdir(s):
            shutil.copytree(s, os.path.join(out, p), symlinks=True)
        elif os.path.isfile(s):
            os.makedirs(os.path.dirname(os.path.join(out, p)), exist_ok=True)
            shutil.copy2(s, os.path.join(out, p))
    for where, op, old, new, n in edits:
        path = os.path.join(out, where["file"])
        if not os.path.isfile(path):
            raise MutantError("%s:%d: %s not in the tree" % (mutant, n, where["file"]))
        src = open(path).read()
        a, b = function_span(src, where["fn"], where["file"]) if where["fn"] else (0, len(src))
        body = src[a:b]
        if body.count(old) != 1:
            raise MutantError("%s:%d: '%s' found %d times in %s, expected once" %
                              (mutant, n, old, body.count(old), where["fn"] or where["file"]))
        if op == "delete":
            i = body.index(old)
            s0 = body.rfind("\n", 0, i) + 1
            e0 = body.find("\n", i)
            body = body[:s0] + body[e0 + 1:]
        else:
            body = body.replace(old, new, 1)
        with open(path, "w") as f:
            f.write(src[:a] + body + src[b:])
    return headers


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        h = apply(*sys.argv[1:])
    except MutantError as e:
        print("busfuzz: mutant: %s" % e, file=sys.stderr)
        return 2
    print("expect=%s" % h.get("expect", ""))
    # Memory models under which the bug cannot show (x86 does not reorder loads): tests/test_mutant.py checks it.
    print("clean-under=%s" % h.get("clean-under", ""))
    print("mode=%s" % h.get("mode", ""))
    try:
        print("search=%s" % " ".join(search(h) or []))
    except MutantError as e:
        print("busfuzz: mutant: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
