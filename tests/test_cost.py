#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz cost on the trees: the shapes of the public record, from the cost output.

  test_cost.py PRE_TREE POST_TREE WORKDIR

PRE_TREE (6.12): every registration waits one expedited grace period of its
own; no KVM_CREATE_VCPU waits behind one a registration started.  POST_TREE
(7.x): registrations wait for nothing; the first KVM_CREATE_VCPU waits behind
the normal grace period of register's call_srcu() (at least a jiffy at every
HZ); the second does not.  Each proposed fix (tests/patches/, applied to a copy
of POST_TREE) removes that wait and keeps the registrations made with vCPUs up
free of waits; --compare shows it.  The same output twice; bad input exits 2
with one line.  Assertions are on waits and what they waited behind, never on
wall time.
"""
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUSFUZZ = os.path.join(ROOT, "busfuzz")
REGISTRATIONS = ("KVM_IOEVENTFD", "KVM_REGISTER_COALESCED_MMIO")
fails = []


def check(what, ok):
    print("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        fails.append(what)


def cost(tree, *extra):
    r = subprocess.run([BUSFUZZ, "cost", "--tree", tree] + list(extra), capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def cost_json(tree, *extra):
    rc, out, err = cost(tree, "--json", *extra)
    if rc != 0:
        raise SystemExit("FAIL: busfuzz cost --tree %s: exit %d: %s" % (tree, rc, err.strip()))
    return [json.loads(l) for l in out.splitlines()]


def line_of(tree, site):
    f, n = site.rsplit(":", 1)
    with open(os.path.join(tree, f), errors="replace") as fh:
        return fh.read().split("\n")[int(n) - 1]


def rows(lines, ioctl):
    return [l for l in lines if l["ioctl"] == ioctl]


def vcpu_creations(lines):
    """{nth: [its JSON lines, one per HZ]}"""
    out = {}
    for l in rows(lines, "KVM_CREATE_VCPU"):
        out.setdefault(l["nth"], []).append(l)
    return out


def registrations(lines, after_vcpus):
    first_vcpu = min(l["step"] for l in rows(lines, "KVM_CREATE_VCPU"))
    return [l for l in lines if l["ioctl"] in REGISTRATIONS and (l["step"] > first_vcpu) == after_vcpus]


def behind_register_call_srcu(tree, w):
    return w["behind_call"] == "call_srcu" and "__free_bus" in line_of(tree, w["behind"])


def pre_shape(tree):
    lines = cost_json(tree)
    regs = registrations(lines, False) + registrations(lines, True)
    check("6.12: registrations measured", len(regs) >= 6 * 3)
    check("6.12: each registration waits one expedited grace period of its own",
          all(len(l["waits"]) == 1 and l["waits"][0]["kind"] == "expedited" and
              l["waits"][0]["behind"] == l["waits"][0]["site"] for l in regs))
    reg_sites = {w["site"] for l in regs for w in l["waits"]}
    vc = vcpu_creations(lines)
    check("6.12: two vCPUs created", sorted(vc) == [1, 2])
    check("6.12: no KVM_CREATE_VCPU waits behind a grace period a registration started",
          all(w["behind"] not in reg_sites and w["behind_call"] != "call_srcu"
              for ls in vc.values() for l in ls for w in l["waits"]))


def post_shape(tree, name):
    lines = cost_json(tree)
    check("%s: registrations wait for nothing" % name,
          all(not l["waits"] for l in registrations(lines, False) + registrations(lines, True)))
    vc = vcpu_creations(lines)
    first, second = vc.get(1, []), vc.get(2, [])
    check("%s: the first KVM_CREATE_VCPU waits behind register's call_srcu() at every HZ" % name,
          len(first) == 3 and all(any(behind_register_call_srcu(tree, w) and w["kind"] == "expedited" and
                                      w["gps"] == 2 and w["jiffies"] >= 1 for w in l["waits"]) for l in first))
    check("%s: the second KVM_CREATE_VCPU does not" % name,
          len(second) == 3 and all(not any(w["behind_call"] == "call_srcu" or w["jiffies"] for w in l["waits"])
                                   for l in second))
    return lines


def fixed_shape(tree, name, base):
    lines = cost_json(tree)
    vc = vcpu_creations(lines)
    check("%s: the first KVM_CREATE_VCPU still makes its memslot updates (expedited waits)" % name,
          len(vc.get(1, [])) == 3 and all(any(w["kind"] == "expedited" for w in l["waits"]) for l in vc[1]))
    check("%s: no KVM_CREATE_VCPU waits behind a call_srcu(), nor a jiffy" % name,
          all(not any(w["behind_call"] == "call_srcu" or w["jiffies"] for w in l["waits"])
              for ls in vc.values() for l in ls))
    check("%s: registrations made with vCPUs up wait for nothing" % name,
          registrations(lines, True) and all(not l["waits"] for l in registrations(lines, True)))
    rc, out, err = cost(base, "--compare", tree, "--hz", "100,1000")
    row = [l for l in out.splitlines() if l.startswith("KVM_CREATE_VCPU #1 ")]
    check("%s: --compare shows the first vCPU's wait removed (%s)" % (name, row),
          rc == 0 and len(row) == 1 and "ms at HZ=100" in row[0] and "-" in row[0].split("change")[-1] and
          "behind: call_srcu at" in row[0])


def expect2(what, needle, argv):
    r = subprocess.run(argv, capture_output=True, text=True)
    lines = [l for l in r.stderr.splitlines() if l.strip() and not l.startswith("busfuzz: building")]
    check("%s: exit 2, one line with '%s' (%d: %s)" % (what, needle, r.returncode, r.stderr.strip()),
          r.returncode == 2 and len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr)


def bad_input(tree, work):
    seq = os.path.join(work, "bad.seq")
    with open(seq, "w") as f:
        f.write("# a VMM\nioeventfd 2\nfrobnicate 3\n")
    expect2("an unknown step", "bad.seq:3: unknown step 'frobnicate'", [BUSFUZZ, "cost", "--tree", tree,
                                                                         "--sequence", seq])
    for body, needle in (("vcpu two\n", "bad.seq:1: bad count 'two'"), ("vcpu 0\n", "bad.seq:1: bad count '0'"),
                         ("ioeventfd 1\ndeassign 2\n", "bad.seq:2: bad count 2 for 'deassign'"),
                         ("vcpu 9\n", "bad.seq:1: bad count 9 for 'vcpu'")):
        with open(seq, "w") as f:
            f.write(body)
        expect2("a bad count (%s)" % body.strip().replace("\n", "; "), needle,
                [BUSFUZZ, "cost", "--tree", tree, "--sequence", seq])
    expect2("--hz 0", "--hz: 0 is not a tick rate", [BUSFUZZ, "cost", "--tree", tree, "--hz", "100,0"])
    expect2("a missing sequence file", "cannot read the sequence",
            [BUSFUZZ, "cost", "--tree", tree, "--sequence", os.path.join(work, "nope.seq")])
    # A tree whose SRCU cannot be taken: none, and one whose srcu_get_delay() is not Tree SRCU's.
    for name, edit in (("no-srcutree", None), ("odd-srcutree", "SRCU_INTERVAL")):
        copy = os.path.join(work, name)
        if not os.path.isdir(copy):
            subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mutate.py"),
                            os.path.join(ROOT, "tests", "patches", "register-call-srcu-expedited.edit"), tree, copy],
                           check=True, capture_output=True)
        path = os.path.join(copy, "kernel", "rcu", "srcutree.c")
        if edit is None:
            if os.path.exists(path):
                os.remove(path)
        else:
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace(edit, "SRCU_TICKS"))
        expect2("a tree whose SRCU cannot be taken (%s)" % name, "cannot be taken",
                [BUSFUZZ, "cost", "--tree", copy])


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    pre, post, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    os.environ["BUSFUZZ_BUILD"] = os.path.join(work, "build")
    pre_shape(pre)
    post_shape(post, "7.x")
    for edit, name in (("register-call-srcu-expedited.edit", "fix (a) call_srcu_expedited()"),
                       ("register-created-vcpus.edit", "fix (b) wait while !created_vcpus")):
        copy = os.path.join(work, edit[:-5])
        if os.path.isdir(copy):
            shutil.rmtree(copy)
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mutate.py"),
                        os.path.join(ROOT, "tests", "patches", edit), post, copy], check=True, capture_output=True)
        fixed_shape(copy, name, post)
    for tree in (pre, post):
        a, b = cost(tree), cost(tree)
        c, d = cost(tree, "--json"), cost(tree, "--json")
        check("the same output twice on %s" % tree, a[:2] == b[:2] and c[:2] == d[:2] and a[0] == 0 and c[0] == 0)
    bad_input(post, work)
    print("%d failed" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
