# SPDX-License-Identifier: GPL-2.0-only
"""Tests of `busfuzz litmus` (tools/litmus.py, litmus/): the parser, the
condition semantics, the generated code, the load-buffering rule and the
command's verdicts and exit statuses.

    python3 tests/test_litmus.py [-v] [NAME_SUBSTRING ...]

The litmus tests here are our own small ones, written in this file (no kernel
code in the repo).  Runs use --model sc, where the interleaving alone decides
what a load sees, so each expected verdict is checkable by hand.  The build
goes to a temporary BUSFUZZ_BUILD (the simulator library builds in seconds).
"""

import pyrunner  # tests/ is the script's own folder
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tools"))

import litmus  # noqa: E402

BUSFUZZ = os.path.join(REPO, "busfuzz")
TMP = tempfile.mkdtemp(prefix="busfuzz-test-litmus-")
ENV = dict(os.environ, BUSFUZZ_BUILD=os.path.join(TMP, "build"))


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def busfuzz_litmus(*args):
    r = subprocess.run([BUSFUZZ, "litmus"] + list(args), capture_output=True, text=True,
                       env=ENV)
    return r.returncode, r.stdout, r.stderr


def line_of(out, name):
    for line in out.splitlines():
        if line.startswith(name + " "):
            return line
    raise AssertionError("no line for %s in:\n%s" % (name, out))


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


# ---- our own litmus tests ----------------------------------------------------------

SB_MB = """C own-SB+mbs

(*
 * Result: Never
 *
 * Store buffering with full barriers: not both loads miss.
 *)

{}

P0(int *x, int *y)
{
	int r0;

	WRITE_ONCE(*x, 1);
	smp_mb();
	r0 = READ_ONCE(*y);
}

P1(int *x, int *y)
{
	int r0;

	WRITE_ONCE(*y, 1);
	smp_mb();
	r0 = READ_ONCE(*x);
}

exists (0:r0=0 /\\ 1:r0=0)
"""

# Both loads see both stores when both stores run first: an SC interleaving.
SB_BOTH = """C own-SB-both
(* Result: Sometimes *)
{ }
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=1 /\\ 1:r0=1)
"""

# Read-read coherence with two stores of one writer: never new-then-old.
CORR2 = """C own-CoRR2
(*
 * Result: Never
 *)
{
x=5;
}
P0(int *x)
{
	WRITE_ONCE(*x, 1);
	WRITE_ONCE(*x, 2);
}
P1(int *x)
{
	int r0, r1;	/* two declarators in one declaration */

	r0 = READ_ONCE(*x);
	r1 = READ_ONCE(*x);
}
exists (1:r0=2 /\\ (1:r1=1 \\/ 1:r1=5))
"""

# ~exists: herd's observation is the one of the inner proposition.
NOT_EXISTS = SB_MB.replace("C own-SB+mbs", "C own-SB+mbs-notexists").replace("exists (", "~exists (")

# forall: x=2 at the end of every execution, so the proposition is Always.
FORALL = """C own-forall
(* Result: Always *)
{}
P0(int *x) { WRITE_ONCE(*x, 1); WRITE_ONCE(*x, 2); }
P1(int *y) { WRITE_ONCE(*y, 1); }
forall (x=2 /\\ y=1)
"""

# Without the filter 1:r1=1 is Sometimes; among executions where P1 saw the
# flag, SC makes it Always.
FILTER = """C own-MP-filter
(* Result: Always *)
{}
P0(int *buf, int *flag) { WRITE_ONCE(*buf, 1); WRITE_ONCE(*flag, 1); }
P1(int *buf, int *flag)
{
	int r0;
	int r1;

	r0 = READ_ONCE(*flag);
	r1 = READ_ONCE(*buf);
}
filter (1:r0=1)
exists (1:r1=1)
"""

# Registers are captured when the thread ends, through a return too.
RETURN = """C own-return
(* Result: Never *)
{}
P0(int *x) { WRITE_ONCE(*x, 1); }
P1(int *x)
{
	int r0;

	r0 = READ_ONCE(*x);
	if (r0 == 1)
		return;
	r0 = 7;
}
exists (1:r0=0)
"""
RETURN_EARLY = RETURN.replace("C own-return", "C own-return-early").replace(
    "Result: Never", "Result: Sometimes").replace("exists (1:r0=0)", "exists (1:r0=1)")

# Pointers: the init block links p to y; the condition compares with an address.
POINTERS = """C own-pointers
(* Result: Sometimes *)
{
int *p = &y;
x = 3;
}
P0(int *x, int **p) { rcu_assign_pointer(*p, x); }
P1(int **p)
{
	int *r0;
	int r1;

	rcu_read_lock();
	r0 = rcu_dereference(*p);
	r1 = READ_ONCE(*r0);
	rcu_read_unlock();
}
exists (1:r0=x /\\ 1:r1=3)
"""

# The grace-period guarantee, visible under SC: the section either ends before
# synchronize_srcu() returns (P1 then sees y=1) or sees x=1.  Without the grace
# period both loads can miss.
SRCU_GP = """C own-SRCU-gp
(* Result: Never *)
{}
P0(int *x, int *y, struct srcu_struct *s)
{
	int r0;
	int idx;

	idx = srcu_read_lock(s);
	r0 = READ_ONCE(*x);
	WRITE_ONCE(*y, 1);
	srcu_read_unlock(s, idx);
}
P1(int *x, int *y, struct srcu_struct *s)
{
	int r1;

	WRITE_ONCE(*x, 1);
	synchronize_srcu(s);
	r1 = READ_ONCE(*y);
}
exists (0:r0=0 /\ 1:r1=0)
"""
SRCU_NO_GP = SRCU_GP.replace("own-SRCU-gp", "own-SRCU-no-gp").replace("Result: Never", "Result: Sometimes").replace(
    "synchronize_srcu(s);", "")

# Registers start at their init-block value, else 0 (herd's), condition or not.
REG_INIT = """C own-reg-init
(* Result: Always *)
{ 0:r1=1; }
P0(int *x)
{
	int r1;
	int r2;

	if (r1 == 1)
		WRITE_ONCE(*x, 1);
	if (r2)
		WRITE_ONCE(*x, 2);
}
exists (x=1)
"""

NO_RESULT = """C own-noresult
{}
P0(int *x) { WRITE_ONCE(*x, 1); }
exists (x=1)
"""

LB = """C own-LB
(* Result: Sometimes *)
{}
P0(int *x, int *y) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*y, 1); }
P1(int *x, int *y) { int r0; r0 = READ_ONCE(*y); WRITE_ONCE(*x, 1); }
exists (0:r0=1 /\\ 1:r0=1)
"""

UNHELD = """C own-unheld
(* Result: Never *)
{}
P0(spinlock_t *s, int *x) { spin_unlock(s); WRITE_ONCE(*x, 1); }
exists (x=1)
"""

DEADLOCK = """C own-deadlock
(* Result: Never *)
{}
P0(spinlock_t *s, int *x) { spin_lock(s); spin_lock(s); WRITE_ONCE(*x, 1); }
exists (x=1)
"""

ABBA = """C own-abba
(* Result: Sometimes *)
{}
P0(spinlock_t *a, spinlock_t *b, int *x) { spin_lock(a); spin_lock(b); WRITE_ONCE(*x, 1); spin_unlock(b); spin_unlock(a); }
P1(spinlock_t *a, spinlock_t *b, int *x) { spin_lock(b); spin_lock(a); WRITE_ONCE(*x, 2); spin_unlock(a); spin_unlock(b); }
exists (x=1)
"""

UNKNOWN_PRIMITIVE = """C own-unknown-primitive
(* Result: Never *)
{}
P0(int *x) { frobnicate_once(x); }
exists (x=1)
"""

UNKNOWN_TYPE = """C own-unknown-type
(* Result: Never *)
{}
P0(frob_t *x) { }
exists (x=1)
"""

NOT_POINTER = """C own-not-pointer
(* Result: Never *)
{}
P0(int x) { }
exists (x=1)
"""

# herd7's dialect: info lines, implicit int registers (r1, r2, r3 are never
# declared), ATOMIC_INIT, a typed register initialiser and a register's type
# alone, a condition comparing two registers, a ';' after the condition.
DIALECT = """C own-dialect
Cycle=Rfe PodRR Fre
Relax=
Safe=Rfe
Hash=0123abcd
(* Result: Sometimes *)
{
	atomic_t a = ATOMIC_INIT(2);
	int 1:r3 = 7;
	int * 0:r5;
}
P0(int *x, atomic_t *a)
{
	r1 = atomic_read(a);
	WRITE_ONCE(*x, r1);
}
P1(int *x)
{
	r2 = READ_ONCE(*x);
}
exists (1:r2=0:r1 /\\ 1:r3=7);
"""

UNPARSABLE = """C own-unparsable
{}
P0(int *x) { WRITE_ONCE(*x, 1);
exists (x=1)
"""

PLAIN_SHARED = """C own-plain-shared
(* Result: Never *)
{}
P0(int *x) { (*x)++; }
P1(int *x) { int r0; r0 = READ_ONCE(*x); }
exists (1:r0=2)
"""

# LKMM's plain accesses '*x = E;' and reads '*x' run as marked ones.
PLAIN_MARKED = """C own-plain-marked
(* Result: Never *)
{}
P0(int *x, int *y) { *x = 1; smp_store_release(y, 1); }
P1(int *x, int *y) { int r0; int r1; r0 = smp_load_acquire(y); r1 = *x; }
exists (1:r0=1 /\\ 1:r1=0)
"""


# ---- the parser ------------------------------------------------------------------------

def test_parse_header_threads_and_condition():
    t = litmus.parse(SB_MB, "/x/own.litmus")
    expect(t.name == "own-SB+mbs", t.name)
    expect(t.expected == "Never", t.expected)
    expect(len(t.threads) == 2, "threads")
    expect(t.threads[0].params == [("int", "x"), ("int", "y")], t.threads[0].params)
    expect(t.quant == "exists", t.quant)
    expect(t.prop == ("and", ("atom", ("reg", 0, "r0"), "=", ("int", 0)),
                      ("atom", ("reg", 1, "r0"), "=", ("int", 0))), t.prop)
    expect(t.loc_type == {"x": "int", "y": "int"}, t.loc_type)
    return True


def test_parse_init_forms_and_types():
    t = litmus.parse("""C own-init
{ x=1; int *p=&x; q=y; 0:r1=2; atomic_t v; spinlock_t s; unsigned long z = 0x10; }
P0(int *x, int **p, atomic_t *v, spinlock_t *s, int **q) { }
exists (0:r1=2 /\\ z=16)
""")
    expect(t.loc_init == {"x": ("int", 1), "p": ("addr", "x"), "q": ("addr", "y"), "z": ("int", 16)},
           t.loc_init)
    expect(t.reg_init == {(0, "r1"): ("int", 2)}, t.reg_init)
    expect(t.loc_type == {"x": "int", "p": "int *", "q": "int *", "v": "atomic_t", "s": "spinlock_t",
                          "y": "int", "z": "unsigned long"}, t.loc_type)
    return True


def test_condition_syntax_and_precedence():
    p = litmus.parse_prop(r"0:r0=1 \/ 1:r0=1 /\ ~x=2")
    expect(p == ("or", ("atom", ("reg", 0, "r0"), "=", ("int", 1)),
                 ("and", ("atom", ("reg", 1, "r0"), "=", ("int", 1)),
                  ("not", ("atom", ("loc", "x"), "=", ("int", 2))))), p)
    p = litmus.parse_prop(r"(x<>1 /\ [y]!=-2) => (true \/ false) /\ 0:r2=z")
    expect(p == ("imp", ("and", ("atom", ("loc", "x"), "!=", ("int", 1)),
                         ("atom", ("loc", "y"), "!=", ("int", -2))),
                 ("and", ("or", ("true",), ("false",)), ("atom", ("reg", 0, "r2"), "=", ("addr", "z")))), p)
    try:
        litmus.parse_prop(r"0:r0=1 /\ ")
    except litmus.Unsupported:
        return True
    raise AssertionError("an incomplete condition parsed")


def test_comments_everywhere():
    t = litmus.parse("""C own-comments (* A *)
(* B: Result: Sometimes *)
{
x=1; (* C *)
} // D
// E
P0(int *x) // F
{
	int r0; /* G */
	r0 = READ_ONCE(*x); // H (* not OCaml here *)
}
locations [0:r0; x] (* debug aid *)
exists (* J *) (0:r0=1 /\\ (* K *) x=1) (* L *)
""")
    expect(t.expected is None, "Result inside a comment that is not the header's")
    expect(t.prop == ("and", ("atom", ("reg", 0, "r0"), "=", ("int", 1)),
                      ("atom", ("loc", "x"), "=", ("int", 1))), t.prop)
    return True


def test_not_exists_forall_and_filter_parse():
    t = litmus.parse(NOT_EXISTS)
    expect(t.quant == "~exists", t.quant)
    t = litmus.parse(FORALL)
    expect(t.quant == "forall", t.quant)
    t = litmus.parse(FILTER)
    expect(t.filter == ("atom", ("reg", 1, "r0"), "=", ("int", 1)), t.filter)
    expect(litmus.verdict(0, 0) == "Never" and litmus.verdict(3, 3) == "Always" and
           litmus.verdict(3, 1) == "Sometimes", "verdict()")
    return True


def test_not_litmus_is_bad_input():
    for text in ("", "X86 SB\n{}\n", "C\n", "C name\nP0(int *x) { }\nexists (x=1)\n",
                 "C name\n{}\nexists (x=1)\n", "C name\n{}\nP0(int *x) { WRITE_ONCE(*x, 1);\nexists (x=1)\n",
                 "C name\n{}\nP0(int *x) { }\n"):
        try:
            litmus.parse(text)
        except litmus.LitmusError:
            continue
        raise AssertionError("accepted as a litmus test: %r" % text)
    return True


# ---- the generated code ------------------------------------------------------------------

def test_declarations_are_found():
    text = "{ int r0, *r1 = 0; struct foo *p; unsigned long r2; r3 = 1; return r0; }"
    toks = litmus.c_tokens(text)
    d = litmus.find_declarations(toks)
    got = {k: [(ty, init) for ty, _, init, _ in v] for k, v in d.items()}
    expect(got == {"r0": [("int", False)], "r1": [("int *", True)], "p": [("struct foo *", False)],
                   "r2": [("unsigned long", False)]}, got)
    return True


def test_generated_capture_and_line_directives():
    t = litmus.parse(CORR2, "/x/own-CoRR2.litmus")
    src = litmus.generate(t, "/gen/own.c")
    expect("int r0 __attribute__((cleanup(lt_cap_0))) = (int)0, r1 __attribute__((cleanup(lt_cap_1))) = (int)0;"
           in src, src)
    expect('#line 14 "/x/own-CoRR2.litmus"' in src, "no #line to the litmus file")
    lines = src.split("\n")
    for i, l in enumerate(lines):
        m = re.match(r'#line (\d+) "/gen/own.c"', l)
        if m:
            expect(int(m.group(1)) == i + 2, "a #line back to the generated file is off")
    expect("lt_v_x = (int)(intptr_t)INT64_C(5);" in src, "init block")
    return True


def test_unsupported_constructs():
    src = litmus.generate(litmus.parse(PLAIN_MARKED), "/gen/u.c")
    expect("WRITE_ONCE(*x , 1);" in src and "r1 = READ_ONCE(*x);" in src, src)
    for text, needle in ((NOT_POINTER, "not a pointer"), (PLAIN_SHARED, "a plain access *x"),
                         ("C u\n{}\nP0(int *x) { int r[2]; r[0] = READ_ONCE(*x); }\nexists (0:r=1)\n", "array"),
                         ("C u\n{}\nP0(spinlock_t *s) { spin_lock(s); }\nexists (spin_is_locked(s))\n",
                          "a call spin_is_locked(...)")):
        try:
            t = litmus.parse(text)
            litmus.generate(t, "/gen/u.c")
        except litmus.Unsupported as e:
            expect(needle in str(e), "%s: %s" % (needle, e))
            continue
        raise AssertionError("no UNSUPPORTED for %r" % needle)
    return True


# ---- the load-buffering rule ------------------------------------------------------------

def test_lb_rule():
    expect(litmus.lb_limitation(litmus.parse(LB)), "LB not classified")
    # The store before the load: no cycle, the outcome is an SC one.
    not_lb = LB.replace("r0 = READ_ONCE(*x); WRITE_ONCE(*y, 1);", "WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x);")
    expect(litmus.lb_limitation(litmus.parse(not_lb)) is None, "store-first LB classified")
    # A second writer of x that is not po-after a read: the outcome has an acyclic choice.
    extra = LB.replace("exists", "P2(int *x) { WRITE_ONCE(*x, 1); }\nexists")
    expect(litmus.lb_limitation(litmus.parse(extra)) is None, "LB with an independent writer classified")
    # A disjunct without a cycle.
    disj = LB.replace("exists (0:r0=1 /\\ 1:r0=1)", "exists (0:r0=1 /\\ 1:r0=1 \\/ 0:r0=0)")
    expect(litmus.lb_limitation(litmus.parse(disj)) is None, "a disjunction classified")
    # A loop: no program order claimed.
    loop = LB.replace("r0 = READ_ONCE(*x); WRITE_ONCE(*y, 1);",
                      "r0 = READ_ONCE(*x); while (0) ; WRITE_ONCE(*y, 1);")
    expect(litmus.lb_limitation(litmus.parse(loop)) is None, "a thread with a loop classified")
    for prog in (SB_MB, SB_BOTH, CORR2, FILTER, POINTERS):
        expect(litmus.lb_limitation(litmus.parse(prog)) is None, "classified: " + prog.split("\n")[0])
    return True


def test_lb_rule_on_the_kernel_suite():
    """Among the tree's Sometimes tests, only the LB shape is classified."""
    import kernels
    tree = os.environ.get("BUSFUZZ_LITMUS_TREE") or kernels.resolve("7")[0]
    d = os.path.join(tree, "tools", "memory-model", "litmus-tests")
    got = []
    for f in sorted(os.listdir(d)):
        if f.endswith(".litmus"):
            t, unsup = litmus.load(os.path.join(d, f))
            if t and t.expected == "Sometimes" and litmus.lb_limitation(t):
                got.append(t.name)
    expect(got == ["LB+poonceonces"], got)
    return True


# ---- the command ------------------------------------------------------------------------------

def test_verdicts_under_sc():
    files = [write(n + ".litmus", s) for n, s in (
        ("sbmb", SB_MB), ("sbboth", SB_BOTH), ("corr2", CORR2), ("notexists", NOT_EXISTS),
        ("forall", FORALL), ("filter", FILTER), ("return", RETURN), ("return-early", RETURN_EARLY),
        ("pointers", POINTERS), ("noresult", NO_RESULT), ("srcu-gp", SRCU_GP), ("srcu-no-gp", SRCU_NO_GP),
        ("reg-init", REG_INIT), ("dialect", DIALECT))]
    rc, out, err = busfuzz_litmus("--model", "sc", *files)
    expect(rc == 0, "exit %d: %s%s" % (rc, out, err))
    for name, verdict in (("own-SB+mbs", "Never"), ("own-SB-both", "Sometimes"), ("own-CoRR2", "Never"),
                          ("own-SB+mbs-notexists", "Never"), ("own-forall", "Always"),
                          ("own-MP-filter", "Always"), ("own-return", "Never"),
                          ("own-return-early", "Sometimes"), ("own-pointers", "Sometimes"),
                          ("own-SRCU-gp", "Never"), ("own-SRCU-no-gp", "Sometimes"),
                          ("own-reg-init", "Always"), ("own-dialect", "Sometimes")):
        line = line_of(out, name)
        expect(re.match(r"\S+ expected=%s observed=%s OK  \(\d+ executions, [\d.]+ s\)$" % (verdict, verdict),
                        line), line)
    expect("expected=unknown observed=Always NOEXPECT" in line_of(out, "own-noresult"), out)
    expect(re.search(r"^summary: 13 OK, 0 MISMATCH, 0 LIMITATION, 0 UNSUPPORTED, 0 ERROR, 1 NOEXPECT; \d+ executions",
                     out, re.M), out)
    return True


# Store buffering without barriers: both loads miss only with a store still
# buffered.  x86 (tso) and lkmm allow it, sc does not: a tso that degenerated
# into sc gives Never here and fails.
SB = SB_BOTH.replace("C own-SB-both", "C own-SB").replace("exists (0:r0=1 /\\ 1:r0=1)",
                                                              "exists (0:r0=0 /\\ 1:r0=0)")


def test_store_buffering_under_each_model():
    sb, sbmb = write("sb.litmus", SB), write("sbmb.litmus", SB_MB)
    expect("exists (0:r0=0 /\\ 1:r0=0)" in SB, SB)
    for model in ("tso", "lkmm"):
        rc, out, err = busfuzz_litmus("--model", model, sb, sbmb)
        expect(rc == 0, "--model %s: exit %d: %s%s" % (model, rc, out, err))
        expect("expected=Sometimes observed=Sometimes OK" in line_of(out, "own-SB"), "--model %s: %s" % (model, out))
        expect("expected=Never observed=Never OK" in line_of(out, "own-SB+mbs"), "--model %s: %s" % (model, out))
    rc, out, err = busfuzz_litmus("--model", "sc", sb)
    expect("observed=Never" in line_of(out, "own-SB"), "--model sc: %s" % out)
    return True


def test_mismatch_and_limitation_statuses():
    wrong = write("wrong.litmus", SB_BOTH.replace("Result: Sometimes", "Result: Never").replace(
        "own-SB-both", "own-wrong"))
    lb = write("lb.litmus", LB)
    rc, out, err = busfuzz_litmus("--model", "sc", wrong, lb)
    expect(rc == 1, "exit %d with a MISMATCH: %s" % (rc, out))
    expect("expected=Never observed=Sometimes MISMATCH" in line_of(out, "own-wrong"), out)
    expect("expected=Sometimes observed=Never LIMITATION (load buffering:" in line_of(out, "own-LB"), out)
    rc, out, err = busfuzz_litmus("--model", "sc", lb)
    expect(rc == 0, "a LIMITATION alone must exit 0: %d %s" % (rc, out))
    return True


def test_unsupported_is_reported_not_fatal():
    files = [write("unknown.litmus", UNKNOWN_PRIMITIVE), write("notptr.litmus", NOT_POINTER),
             write("sbmb.litmus", SB_MB), write("unknowntype.litmus", UNKNOWN_TYPE),
             write("unparsable.litmus", UNPARSABLE)]
    rc, out, err = busfuzz_litmus("--model", "sc", *files)
    expect(rc == 0, "exit %d: %s%s" % (rc, out, err))
    expect(re.match(r"own-unparsable UNSUPPORTED \(cannot parse it: P0: unbalanced braces\)$",
                    line_of(out, "own-unparsable")), out)
    expect(re.match(r"own-unknown-primitive UNSUPPORTED \(the shim has no frobnicate_once \(unknown.litmus:4\)\)$",
                    line_of(out, "own-unknown-primitive")), out)
    expect(line_of(out, "own-not-pointer").startswith("own-not-pointer UNSUPPORTED (parameter"), out)
    expect(line_of(out, "own-unknown-type").startswith("own-unknown-type UNSUPPORTED (the shim has no type frob_t ("),
           out)
    expect("1 OK, 0 MISMATCH, 0 LIMITATION, 4 UNSUPPORTED, 0 ERROR" in out, out)
    return True


def test_finding_is_an_error_line():
    rc, out, err = busfuzz_litmus("--model", "sc", write("unheld.litmus", UNHELD))
    expect(rc == 1, "exit %d: %s" % (rc, out))
    expect(re.match(r"own-unheld ERROR \(FINDING lockdep: releasing s, held by nobody", line_of(out, "own-unheld")),
           out)
    # A thread deadlocking on itself: herd7 drops the execution, so does the explorer.
    rc, out, err = busfuzz_litmus("--model", "sc", write("deadlock.litmus", DEADLOCK))
    expect(rc == 0, "exit %d: %s" % (rc, out))
    expect(re.match(r"own-deadlock expected=Never observed=Never OK", line_of(out, "own-deadlock")), out)
    # Locks taken in both orders: lockdep stops the explorer: UNSUPPORTED, said why.
    rc, out, err = busfuzz_litmus("--model", "sc", write("abba.litmus", ABBA))
    expect(rc == 0, "exit %d: %s" % (rc, out))
    expect(re.match(r"own-abba UNSUPPORTED \(locks taken in both orders: .*lock order inversion",
                    line_of(out, "own-abba")), out)
    return True


def test_max_execs_limit():
    rc, out, err = busfuzz_litmus("--model", "sc", "--max-execs", "3", write("sbmb.litmus", SB_MB))
    expect(rc == 1 and "own-SB+mbs ERROR (LIMIT: stopped after 3 executions (--max-execs)" in out, out)
    # Sometimes is proven once the proposition has been both true and false:
    # the exploration stops there (litmus_main.c), within any limit.
    rc, out, err = busfuzz_litmus("--model", "sc", "--max-execs", "19", write("sbboth.litmus", SB_BOTH))
    expect(rc == 0 and "observed=Sometimes OK  (2 executions" in out, out)
    return True


def test_oracle_judges_by_herd7s_observation():
    """--oracle herd7 with a stand-in herd7 ($HERD7): its Observation line is the
    verdict; Sometimes where it says Never is a false finding; no Observation
    line (herd7 exits 0 on an unknown macro) is an ERROR, never a pass."""
    mm = os.path.join(TMP, "fake-tree", "tools", "memory-model")
    os.makedirs(mm, exist_ok=True)
    write(os.path.join(mm, "linux-kernel.cfg"), "")
    fake = write("fake-herd7", "#!/bin/sh\n"
                 "case \"$(cat \"$3\")\" in\n"
                 "*own-SB-both*) echo 'Observation own-SB-both Sometimes 1 3';;\n"
                 "*own-SB+mbs*) echo 'Observation own-SB+mbs Never 0 3';;\n"
                 "*own-wrong*) echo 'Observation own-wrong Never 0 4';;\n"
                 "*) echo 'Warning: File \"x\": Unknown macro frob (User error)' >&2;;\n"
                 "esac\n")
    os.chmod(fake, 0o755)
    wrong = write("wrong.litmus", SB_BOTH.replace("Result: Sometimes", "Result: Never").replace(
        "own-SB-both", "own-wrong"))
    files = [write("sbboth.litmus", SB_BOTH), write("sbmb.litmus", SB_MB), wrong, write("forall.litmus", FORALL)]
    r = subprocess.run([sys.executable, os.path.join(REPO, "tools", "litmus.py"), "--model", "sc", "--oracle",
                        "herd7", "--tree", os.path.dirname(os.path.dirname(mm))] + files,
                       capture_output=True, text=True, env=dict(ENV, HERD7=fake))
    out = r.stdout
    expect(r.returncode == 1, "exit %d: %s%s" % (r.returncode, out, r.stderr))
    expect(re.match(r"own-SB-both expected=Sometimes observed=Sometimes herd7=Sometimes OK ",
                    line_of(out, "own-SB-both")), out)
    expect(re.match(r"own-SB\+mbs expected=Never observed=Never herd7=Never OK ", line_of(out, "own-SB+mbs")), out)
    expect("observed=Sometimes herd7=Never MISMATCH (false finding" in line_of(out, "own-wrong"), out)
    expect(re.match(r"own-forall ERROR herd7=ERROR \(herd7 gave no Observation line: Warning: .*Unknown macro",
                    line_of(out, "own-forall")), out)
    return True


def test_missing_and_non_litmus_files_exit_2():
    missing = os.path.join(TMP, "missing.litmus")
    rc, out, err = busfuzz_litmus(missing)
    expect(rc == 2 and missing in err and len(err.strip().splitlines()) == 1 and not out, (rc, out, err))
    notlitmus = write("notlitmus.txt", "hello\n")
    rc, out, err = busfuzz_litmus(write("sbmb.litmus", SB_MB), notlitmus)
    expect(rc == 2 and "notlitmus.txt: not a C litmus test" in err and len(err.strip().splitlines()) == 1
           and not out, (rc, out, err))
    rc, out, err = busfuzz_litmus("--tree", os.path.join(TMP, "no-tree"))
    expect(rc == 2 and "no such directory" in err, (rc, out, err))
    rc, out, err = busfuzz_litmus("--max-execs", "0", write("sbmb.litmus", SB_MB))
    expect(rc == 2 and "at least 1" in err, (rc, out, err))
    return True


if __name__ == "__main__":
    sys.exit(pyrunner.run(dict(globals()), sys.argv[1:], tmp=TMP))
