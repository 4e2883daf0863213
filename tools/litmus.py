# SPDX-License-Identifier: GPL-2.0-only
"""Run C litmus tests (herd7 format, tools/memory-model/litmus-tests/) on the simulator.

    python3 tools/litmus.py [--model lkmm|tso|sc] [--srcu doc|impl] [--max-execs N]
                            [--verbose] FILE...

`busfuzz litmus` is the usual entry point (it also finds a kernel tree's tests).
Each test becomes one C translation unit compiled against kernel-shim/, so
READ_ONCE() and friends go to the simulator's memory model; litmus/litmus_main.c
explores every execution (the simulator's exhaustive explorer) and counts those
that pass the filter and satisfy the condition.  The verdict comes from that
exploration only and is compared with the test's `Result:` line.

Exit status: 0 no MISMATCH and no ERROR, 1 otherwise, 2 bad input.
"""
import argparse
import concurrent.futures
import glob
import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import herd7  # noqa: E402
import primitives  # noqa: E402
from build import build_trees  # noqa: E402
from common import Fail  # noqa: E402
from kernels import locked  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERDICTS = ("Never", "Sometimes", "Always")
MAX_THREADS = 8         # SIM_MAX_THREADS; litmus threads are not daemons


class LitmusError(Exception):
    """Bad input: the file is missing or not a C litmus test (exit status 2)."""


class Unsupported(Exception):
    """A construct this translator cannot run soundly; reported, never skipped."""


# ---- lexing -------------------------------------------------------------------

C_TOKEN = re.compile(r"""
   (?P<ws>\s+)
 | (?P<com>//[^\n]*|/\*.*?\*/)
 | (?P<str>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
 | (?P<num>0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)
 | (?P<id>[A-Za-z_]\w*)
 | (?P<op>->|\+\+|--|<<=|>>=|<<|>>|[-+*/%&|^!=<>]=|&&|\|\||\.\.\.|[][{}();,.?:~!+\-*/%&|^<>=\#\\])
""", re.S | re.X)


class Tok:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind, text, pos):
        self.kind, self.text, self.pos = kind, text, pos

    def __repr__(self):
        return "%s@%d" % (self.text, self.pos)


def c_tokens(text, start=0, end=None):
    """C tokens of text[start:end], comments and white space dropped."""
    end = len(text) if end is None else end
    out, pos = [], start
    while pos < end:
        m = C_TOKEN.match(text, pos, end)
        if not m:
            if text.startswith("/*", pos):
                raise LitmusError("unterminated /* comment")
            raise Unsupported("unexpected character %r in C code" % text[pos])
        kind = m.lastgroup
        if kind not in ("ws", "com"):
            out.append(Tok(kind, m.group(), pos))
        pos = m.end()
    return out


def skip_ocaml_comment(text, pos):
    """pos is at '(*': returns the position after the matching '*)' (they nest)."""
    depth, i = 0, pos
    while i < len(text):
        if text.startswith("(*", i):
            depth += 1
            i += 2
        elif text.startswith("*)", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    raise LitmusError("unterminated (* comment")


def skip_blank(text, pos, c_comments=True):
    """Skips white space, OCaml comments and (optionally) C comments."""
    while pos < len(text):
        m = re.compile(r"\s+").match(text, pos)
        if m:
            pos = m.end()
        elif text.startswith("(*", pos):
            pos = skip_ocaml_comment(text, pos)
        elif c_comments and text.startswith("//", pos):
            nl = text.find("\n", pos)
            pos = len(text) if nl < 0 else nl + 1
        elif c_comments and text.startswith("/*", pos):
            e = text.find("*/", pos + 2)
            if e < 0:
                raise LitmusError("unterminated /* comment")
            pos = e + 2
        else:
            break
    return pos


def strip_ocaml_comments(text):
    out, i = [], 0
    while i < len(text):
        j = text.find("(*", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k = skip_ocaml_comment(text, j)
        out.append(" " * (k - j))
        i = k
    return "".join(out)


def strip_line_comments(text):
    return re.sub(r"//[^\n]*", lambda m: " " * len(m.group()), text)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


# ---- values, locations --------------------------------------------------------

def parse_int(s):
    s = s.strip()
    m = re.fullmatch(r"([-+]?)\s*(0[xX][0-9a-fA-F]+|\d+)[uUlL]*", s)
    if not m:
        return None
    v = int(m.group(2), 0)
    return -v if m.group(1) == "-" else v


def parse_value(s, what):
    """An initial or compared value: ('int', n) or ('addr', location)."""
    s = s.strip()
    m = re.fullmatch(r"ATOMIC(?:64|_LONG)?_INIT\s*\((.*)\)", s)
    if m:       # atomic_t v = ATOMIC_INIT(n): the counter's initial value
        s = m.group(1).strip()
    n = parse_int(s)
    if n is not None:
        return ("int", n)
    if s == "NULL":
        return ("int", 0)
    m = re.fullmatch(r"&?\s*([A-Za-z_]\w*)", s)
    if m:
        return ("addr", m.group(1))
    raise Unsupported("%s: value %r is neither an integer nor a location" % (what, s))


def show_value(v):
    if v[0] == "reg":
        return "%d:%s" % (v[1], v[2])
    return str(v[1]) if v[0] == "int" else v[1]


def norm_type(t):
    t = re.sub(r"\s+", " ", t.strip())
    t = re.sub(r"\s*\*\s*", " *", t)
    return t.replace("* *", "**").strip()


LOCK_TYPES = {"spinlock_t": "spin_lock_init", "raw_spinlock_t": "raw_spin_lock_init",
              "struct mutex": "mutex_init"}
SRCU_TYPES = {"struct srcu_struct"}
ATOMIC_TYPES = {"atomic_t", "atomic_long_t", "atomic64_t"}


def type_kind(t):
    if t in LOCK_TYPES:
        return "lock"
    if t in SRCU_TYPES:
        return "srcu"
    if t in ATOMIC_TYPES:
        return "atomic"
    if t.startswith(("struct ", "union ")) and "*" not in t:
        return "struct"
    return "scalar"


# ---- the test -----------------------------------------------------------------

class Thread:
    def __init__(self, tid, params, params_text, body_start, body_end):
        self.tid = tid
        self.params = params            # [(type of the location, name)]
        self.params_text = params_text
        self.body_start = body_start    # offset of '{' in the file
        self.body_end = body_end        # offset after '}'


class Test:
    def __init__(self, path, text):
        self.path = path
        self.text = text
        self.name = None
        self.expected = None            # Never/Sometimes/Always, None: no Result line
        self.loc_init = {}              # name -> value
        self.loc_type = {}              # name -> C type of the location
        self.reg_init = {}              # (tid, reg) -> value
        self.threads = []
        self.quant = None               # exists, ~exists, forall
        self.prop = None
        self.filter = None

    def locations(self):
        return sorted(self.loc_type)


def _parse_init(test, body):
    body = strip_line_comments(strip_ocaml_comments(body))
    body = re.sub(r"/\*.*?\*/", " ", body, flags=re.S)
    typed = {}
    for raw in body.split(";"):
        e = " ".join(raw.split())
        if not e:
            continue
        # 0:r1 = v, or with a type: int 0:r1 = v, int *0:r1 = v.
        m = re.fullmatch(r"(?:[A-Za-z_][\w\s]*?\**\s*)?(\d+)\s*:\s*([A-Za-z_]\w*)\s*=\s*(.+)", e)
        if m:
            test.reg_init[(int(m.group(1)), m.group(2))] = parse_value(m.group(3), "init of %s:%s" %
                                                                        (m.group(1), m.group(2)))
            continue
        if re.fullmatch(r"[A-Za-z_][\w\s]*?\**\s*\d+\s*:\s*[A-Za-z_]\w*", e):
            continue    # int *1:r1; a register's type only: the thread declares it
        lhs, eq, rhs = e.partition("=")
        m = re.fullmatch(r"((?:[A-Za-z_]\w*\s+|\*\s*)*?)(\**)\s*([A-Za-z_]\w*)\s*(\[.*\])?", lhs.strip())
        if not m:
            raise Unsupported("init entry %r" % e)
        if m.group(4):
            raise Unsupported("init entry %r: arrays are not supported" % e)
        name = m.group(3)
        if m.group(1).strip() or m.group(2):
            typed[name] = norm_type(m.group(1) + m.group(2))
        if eq:
            test.loc_init[name] = parse_value(rhs, "init of %s" % name)
    return typed


def _parse_params(tid, text):
    params = []
    if not text.strip() or text.strip() == "void":
        return params
    for p in text.split(","):
        p = " ".join(p.split())
        m = re.fullmatch(r"(.*?)\*\s*([A-Za-z_]\w*)", p)
        if not m or not m.group(1).strip():
            raise Unsupported("parameter %r of P%d is not a pointer to a shared location" % (p, tid))
        params.append((norm_type(m.group(1)), m.group(2)))
    return params


def parse(text, path="<litmus>"):
    """The test of a C litmus file; LitmusError if it is not one."""
    t = Test(path, text)
    m = re.match(r"\s*C[ \t]+([^\s(]+)", text)
    if not m:
        raise LitmusError("not a C litmus test (the first line must be `C NAME`)")
    t.name = m.group(1)
    pos = m.end()
    header_start = pos
    # Header: OCaml comments, an optional doc string and herd's info lines
    # (Cycle=..., Relax=..., Safe=..., Prefetch=..., Com=..., Orig=..., Hash=...:
    # a key, '=', the rest of the line), up to the init block.
    info = re.compile(r"[A-Za-z][\w-]*[ \t]*=[^\n]*")
    while True:
        pos = skip_blank(text, pos, c_comments=False)
        m = info.match(text, pos)
        if m:
            pos = m.end()
            continue
        if text.startswith('"', pos):
            e = text.find('"', pos + 1)
            if e < 0:
                raise LitmusError("unterminated string in the header")
            pos = e + 1
            continue
        break
    if not text.startswith("{", pos):
        raise LitmusError("no initial-state block `{ ... }` after the header")
    res = re.search(r"^[( ]\*\s*Result:\s*(\S+)", text[header_start:pos], re.M)
    if res and res.group(1) in VERDICTS:
        t.expected = res.group(1)
    elif res and res.group(1) == "DEADLOCK":
        t.expected = "Never"    # every execution deadlocks: herd7 has no complete one to satisfy it
    close = text.find("}", pos)
    if close < 0:
        raise LitmusError("unterminated initial-state block")
    typed = _parse_init(t, text[pos + 1:close])
    pos = close + 1
    # Threads.
    while True:
        pos = skip_blank(text, pos)
        m = re.compile(r"P(\d+)\s*\(([^)]*)\)").match(text, pos)
        if not m:
            break
        tid = int(m.group(1))
        if tid != len(t.threads):
            raise LitmusError("thread P%d where P%d was expected" % (tid, len(t.threads)))
        params = _parse_params(tid, m.group(2))
        pos = skip_blank(text, m.end())
        if not text.startswith("{", pos):
            raise LitmusError("P%d has no body" % tid)
        depth, end = 0, None
        for tok in c_tokens(text, pos):
            if tok.text == "{":
                depth += 1
            elif tok.text == "}":
                depth -= 1
                if depth == 0:
                    end = tok.pos + 1
                    break
        if end is None:
            raise LitmusError("P%d: unbalanced braces" % tid)
        t.threads.append(Thread(tid, params, m.group(2), pos, end))
        pos = end
    if not t.threads:
        raise LitmusError("no thread function P0(...) { ... }")
    _parse_final(t, text[pos:])
    # Location types: declared in the init block, else from the parameters, else int
    # (or a pointer-sized integer when the initial value is an address).
    for th in t.threads:
        for ty, name in th.params:
            if name in t.loc_type and t.loc_type[name] != ty:
                raise Unsupported("location %s is %s in one thread and %s in another" %
                                  (name, t.loc_type[name], ty))
            t.loc_type[name] = ty
    for name, ty in typed.items():
        if name in t.loc_type and t.loc_type[name] != ty:
            raise Unsupported("location %s is %s in the init block and %s in a thread" %
                              (name, ty, t.loc_type[name]))
        t.loc_type[name] = ty
    names = set(t.loc_init)
    for v in t.loc_init.values():
        if v[0] == "addr":
            names.add(v[1])
    for v in t.reg_init.values():
        if v[0] == "addr":
            names.add(v[1])
    for p in (t.prop, t.filter):
        for a in atoms(p):
            if a[1][0] == "loc":
                names.add(a[1][1])
            if a[3][0] == "addr":
                names.add(a[3][1])
    for name in names:
        if name not in t.loc_type:
            v = t.loc_init.get(name)
            t.loc_type[name] = "intptr_t" if v and v[0] == "addr" else "int"
    return t


# ---- conditions ---------------------------------------------------------------
#
# AST: ("true",) ("false",) ("not", p) ("and", p, q) ("or", p, q) ("imp", p, q)
#      ("atom", lhs, op, value) with lhs ("reg", tid, name) | ("loc", name),
#      op "=" or "!=", value ("int", n) | ("addr", location).

PROP_TOKEN = re.compile(r"""
   (?P<ws>\s+)
 | (?P<op>/\\|\\/|=>|<>|!=|==|[~()\[\]:=;])
 | (?P<num>-?(?:0[xX][0-9a-fA-F]+|\d+))
 | (?P<id>[A-Za-z_][\w.]*)
""", re.X)
CLAUSES = ("exists", "~exists", "forall", "filter", "locations")


def prop_tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = PROP_TOKEN.match(text, pos)
        if not m:
            raise Unsupported("condition: unexpected %r" % text[pos:pos + 10])
        if m.lastgroup != "ws":
            out.append(m.group())
        pos = m.end()
    # "~exists" and "~ exists" are one clause keyword.
    merged = []
    for tok in out:
        if tok == "exists" and merged and merged[-1] == "~":
            merged[-1] = "~exists"
        else:
            merged.append(tok)
    return merged


class PropParser:
    def __init__(self, toks, i):
        self.toks, self.i = toks, i

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, want=None):
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise Unsupported("condition: expected %s, found %s" % (want or "more", tok or "the end"))
        self.i += 1
        return tok

    def imp(self):
        p = self.disj()
        if self.peek() == "=>":
            self.take()
            return ("imp", p, self.imp())
        return p

    def disj(self):
        p = self.conj()
        while self.peek() == "\\/":
            self.take()
            p = ("or", p, self.conj())
        return p

    def conj(self):
        p = self.unary()
        while self.peek() == "/\\":
            self.take()
            p = ("and", p, self.unary())
        return p

    def unary(self):
        tok = self.peek()
        if tok == "~":
            self.take()
            return ("not", self.unary())
        if tok == "(":
            self.take()
            p = self.imp()
            self.take(")")
            return p
        if tok == "true":
            self.take()
            return ("true",)
        if tok == "false":
            self.take()
            return ("false",)
        return self.atom()

    def atom(self):
        tok = self.take()
        if re.fullmatch(r"\d+", tok) and self.peek() == ":":
            self.take()
            reg = self.take()
            if not re.fullmatch(r"[A-Za-z_]\w*", reg):
                raise Unsupported("condition: bad register %s:%s" % (tok, reg))
            lhs = ("reg", int(tok), reg)
        elif tok == "[":
            name = self.take()
            self.take("]")
            lhs = ("loc", name)
        elif re.fullmatch(r"[A-Za-z_]\w*", tok) and tok not in CLAUSES:
            lhs = ("loc", tok)
        else:
            raise Unsupported("condition: unexpected %s" % tok)
        op = self.take()
        if op == "(":
            raise Unsupported("condition: a call %s(...): a final condition compares registers and locations "
                              "with values, it runs no primitive" % (lhs[-1]))
        if op in ("=", "=="):
            op = "="
        elif op in ("!=", "<>"):
            op = "!="
        else:
            raise Unsupported("condition: operator %s" % op)
        val = self.take()
        if val == "[":
            val = self.take()
            self.take("]")
        if re.fullmatch(r"\d+", val) and self.peek() == ":":
            self.take()
            reg = self.take()
            if not re.fullmatch(r"[A-Za-z_]\w*", reg):
                raise Unsupported("condition: bad register %s:%s" % (val, reg))
            return ("atom", lhs, op, ("reg", int(val), reg))
        return ("atom", lhs, op, parse_value(val, "condition"))


def parse_prop(text):
    toks = prop_tokens(text)
    p = PropParser(toks, 0)
    prop = p.imp()
    if p.peek() is not None:
        raise Unsupported("condition: unexpected %s" % p.peek())
    return prop


def _parse_final(t, text):
    text = strip_line_comments(strip_ocaml_comments(text))
    # locations [a; b; ...] only says what herd prints: nothing to check.
    text, n = re.subn(r"\blocations\s*\[[^\]]*\]", " ", text)
    if n > 1:
        raise LitmusError("two `locations` clauses")
    toks = prop_tokens(text)
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok == ";":      # herd7 accepts `exists (...);`
            i += 1
            continue
        if tok == "locations":
            raise LitmusError("`locations` without `[...]`")
        if tok in ("exists", "~exists", "forall", "filter"):
            p = PropParser(toks, i + 1)
            prop = p.imp()
            i = p.i
            if tok == "filter":
                if t.filter is not None:
                    raise LitmusError("two filter clauses")
                t.filter = prop
            else:
                if t.quant is not None:
                    raise LitmusError("two final conditions")
                t.quant, t.prop = tok, prop
            continue
        raise LitmusError("unexpected %r after the threads (a condition `exists (...)` was expected)" % tok)
    if t.quant is None:
        raise LitmusError("no final condition (exists, ~exists or forall)")


def atoms(p):
    if p is None:
        return []
    if p[0] == "atom":
        return [p]
    return [a for q in p[1:] if isinstance(q, tuple) for a in atoms(q)]


def show_prop(p):
    k = p[0]
    if k in ("true", "false"):
        return k
    if k == "not":
        return "~" + show_prop(p[1])
    if k in ("and", "or", "imp"):
        sym = {"and": " /\\ ", "or": " \\/ ", "imp": " => "}[k]
        return "(" + show_prop(p[1]) + sym + show_prop(p[2]) + ")"
    lhs = "%d:%s" % (p[1][1], p[1][2]) if p[1][0] == "reg" else p[1][1]
    return "%s%s%s" % (lhs, p[2], show_value(p[3]))


# ---- verdict semantics ----------------------------------------------------------
#
# herd7 reports "Observation NAME Never|Sometimes|Always POS NEG" where POS and NEG
# count the (filtered) executions that satisfy, or not, the *inner proposition* P
# of the final clause, whatever its quantifier (herd/top_herd.ml: "pos and neg
# are w.r.t. proposition"); the quantifier only decides herd's Ok/No line
# (exists: POS > 0, ~exists: POS = 0, forall: NEG = 0).  The kernel's `Result:`
# lines are checked against that Observation (scripts/judgelitmus.sh greps it),
# so for all three quantifiers the observed verdict is the one of P: Never if no
# execution satisfies P (also when none passes the filter), Always if every one
# does, else Sometimes.

def verdict(passed, satisfied):
    if satisfied == 0:
        return "Never"
    if satisfied == passed:
        return "Always"
    return "Sometimes"


# ---- body analysis ----------------------------------------------------------------

C_KEYWORDS = {"return", "else", "goto", "case", "default", "do", "sizeof", "typedef", "if", "while",
              "for", "switch", "break", "continue"}
TYPE_WORDS = {"int", "long", "short", "char", "unsigned", "signed", "bool", "_Bool", "void",
              "const", "volatile", "struct", "union", "enum", "intptr_t", "uintptr_t"}


def body_tokens(test, th):
    return c_tokens(test.text, th.body_start, th.body_end)


def find_declarations(toks):
    """Declarators of a body: {name: [(type, index of the name token, has initializer, is array)]}.

    A declaration starts a statement with type words (at least one) and then
    declarators '*... name [= init]' separated by commas: 'int r0;',
    'int *r0, r1 = 1;', 'struct foo *p;'.  'r0 = 1;' is not one."""
    decls = {}
    n = len(toks)
    i = 1   # toks[0] is the body's '{'
    while i < n:
        if toks[i - 1].text not in (";", "{", "}") or toks[i].kind != "id" or toks[i].text in C_KEYWORDS:
            i += 1
            continue
        j = i
        while j < n and toks[j].kind == "id" and toks[j].text not in C_KEYWORDS:
            j += 1
        k = j
        while k < n and toks[k].text == "*":
            k += 1
        if k > j:
            if k >= n or toks[k].kind != "id" or toks[k].text in C_KEYWORDS:
                i += 1
                continue
            base, name_at = toks[i:j], k
        elif j - i >= 2:
            base, name_at = toks[i:j - 1], j - 1
        else:
            i += 1
            continue
        if name_at + 1 >= n or toks[name_at + 1].text not in (";", ",", "=", "["):
            i += 1
            continue
        base = " ".join(t.text for t in base)
        stars, at = k - j, name_at
        while True:
            array = toks[at + 1].text == "["
            p, depth, has_init = at + 1, 0, False
            while p < n:
                x = toks[p].text
                if x in ("(", "[", "{"):
                    depth += 1
                elif x in (")", "]", "}"):
                    depth -= 1
                elif depth == 0 and x == "=":
                    has_init = True
                elif depth == 0 and x in (",", ";"):
                    break
                p += 1
            decls.setdefault(toks[at].text, []).append(
                (norm_type(base + " " + "*" * stars), at, has_init, array))
            if p >= n or toks[p].text == ";":
                i = p + 1
                break
            q, stars = p + 1, 0
            while q < n and toks[q].text == "*":
                stars += 1
                q += 1
            if q + 1 >= n or toks[q].kind != "id":
                i = q
                break
            at = q
    return decls


MARKED_CALL = re.compile(r"(READ_ONCE|WRITE_ONCE|smp_\w+|atomic\w*|spin_\w+|raw_spin_\w+|mutex_\w+|rcu_\w+|"
                         r"srcu_\w+|synchronize_\w+|call_rcu|call_srcu|init_srcu_struct|cleanup_srcu_struct|"
                         r"xchg\w*|cmpxchg\w*|try_cmpxchg\w*|RCU_INIT_POINTER)$")


def call_context(toks):
    """For each token: (name of the innermost call holding it, argument index), or (None, 0)."""
    out, stack = [], []
    for i, tok in enumerate(toks):
        x = tok.text
        if x == ")" and stack:
            stack.pop()
        out.append(tuple(stack[-1]) if stack else (None, 0))
        if x == "(":
            if i and toks[i - 1].kind == "id" and toks[i - 1].text not in C_KEYWORDS:
                stack.append([toks[i - 1].text, 0])
            else:   # a grouping: still inside the same argument
                stack.append(list(stack[-1]) if stack else [None, 0])
        elif x in ("[", "{"):
            stack.append([None, 0])
        elif x in ("]", "}") and stack:
            stack.pop()
        elif x == "," and stack:
            stack[-1][1] += 1
    return out


def is_deref(toks, i):
    """toks[i] (an identifier) is dereferenced: *x (unary), x[...], x->..."""
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    if nxt in ("[", "->"):
        return True
    if i and toks[i - 1].text == "*":
        before = toks[i - 2] if i >= 2 else None
        return before is None or not (before.kind in ("id", "num") or before.text in (")", "]"))
    return False


def plain_accesses(test, th):
    """LKMM's plain accesses of a thread, to run as marked ones: {token index of
    the '*': (kind, end)} for '*p = E;' (kind 'store', end: the index of its
    ';') and any other read '*p' (kind 'load', end: the index of p), p a
    location of the thread or a register declared as a pointer.  A marked
    access orders at least as much as LKMM's plain one (which also lets the
    compiler reorder what a dependency would order): stronger, never weaker."""
    toks = body_tokens(test, th)
    ctx = call_context(toks)
    decls = find_declarations(toks)
    ptrs = {n for n, ds in decls.items() if all(ty.endswith("*") for ty, _, _, _ in ds)}
    names = {n for _, n in th.params if type_kind(test.loc_type.get(n, "int")) == "scalar"} | ptrs
    # herd7's registers are untyped: an intptr_t register that holds a
    # location's address (r1 = READ_ONCE(*x) with x=u0 in the init block) is
    # dereferenced as one ('*r1 = 1'); the translation casts it.
    ints = {n for n, ds in decls.items() if all(norm_type(ty) in ADDR_INTS for ty, _, _, a in ds if not a)
            and not any(a for _, _, _, a in ds)}
    ints |= set(implicit_registers(toks, decls, th, [])) - names
    out = {}
    for i, tok in enumerate(toks):
        if tok.text != "*" or i + 1 >= len(toks) or toks[i + 1].text not in names | ints or \
                not is_deref(toks, i + 1):
            continue
        call, arg = ctx[i + 1]
        if call and MARKED_CALL.match(call) and arg == 0:
            continue    # a primitive's address argument
        prv = toks[i - 1].text if i else ""
        nxt = toks[i + 2].text if i + 2 < len(toks) else ""
        after = toks[i + 3].text if nxt == ")" and i + 3 < len(toks) else ""
        if prv in ("&", "++", "--", "sizeof") or nxt in ("++", "--", "[", "->") or \
                (nxt in ASSIGN_OPS and nxt != "=") or after in ASSIGN_OPS:
            raise Unsupported("P%d: a plain access *%s the translator does not run as marked" %
                              (th.tid, toks[i + 1].text))
        cast = toks[i + 1].text in ints and toks[i + 1].text not in names
        if nxt == "=" and prv in (";", "{", "}", ")", "else") and call is None:
            out[i] = ("store", _expr_end(toks, i + 3, (";",)), cast)
        else:
            out[i] = ("load", i + 1, cast)
    return out


def plain_uses(test, th):
    """Locations this thread accesses outside the shim's primitives (plain C accesses).

    A location is fine as the address argument (the first) of a primitive, or
    as a value (not dereferenced) in its other arguments; any other use may be
    a plain access."""
    toks = body_tokens(test, th)
    ctx = call_context(toks)
    names = {n for _, n in th.params}
    marked = {i + 1 for i in plain_accesses(test, th)}     # run as marked accesses
    out = set()
    for i, tok in enumerate(toks):
        if tok.kind != "id" or tok.text not in names or i in marked:
            continue
        call, arg = ctx[i]
        if call and MARKED_CALL.match(call) and (arg == 0 or not is_deref(toks, i)):
            continue
        if call and not MARKED_CALL.match(call) and not is_deref(toks, i):
            continue    # its address passed to a function the shim may not have: the compiler names it
        if call is None and i and toks[i - 1].text == "=" and i + 1 < len(toks) and toks[i + 1].text in (";", ","):
            continue    # its address as a value ('r = x;'): no access
        out.add(tok.text)
    return out


def implicit_registers(toks, decls, th, cond_regs):
    """Identifiers of a body that herd7 takes as int registers: used as a
    value or assigned, never declared, not a parameter, a call or a member
    (and the condition's registers of this thread, read even if unused)."""
    params = {n for _, n in th.params}
    out = []
    for i, tok in enumerate(toks):
        x = tok.text
        if tok.kind != "id" or x in decls or x in params or x in C_KEYWORDS or x in TYPE_WORDS or \
                x in ("NULL", "true", "false") or x in out:
            continue
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        prv = toks[i - 1].text if i else ""
        if nxt == "(" or prv in (".", "->", "goto") or nxt == ":" or toks[i - 1].kind == "id":
            continue
        # A type: 'T r', 'T *r' at a statement's start, or a typedef name.
        if x.endswith("_t") or (i + 1 < len(toks) and toks[i + 1].kind == "id") or \
                (prv in (";", "{", "}", "(", ",") and nxt == "*" and i + 2 < len(toks) and
                 toks[i + 2].kind == "id" and prv != "("):
            continue
        out.append(x)
    for r in cond_regs:
        if r not in decls and r not in params and r not in out:
            out.append(r)
    return out


# ---- stores that depend on no load ------------------------------------------------------
#
# LKMM orders a store after a load of its thread only by a dependency (data,
# address, control), a fence, an acquire or release, or coherence.  The model
# cannot see dependencies through C, so it takes every store as dependent on
# every earlier load (sim/mem.c); the translator proves the opposite where the
# code shows it, and tells the model before the store (sim_store_no_dep()).
# The proof is conservative: a relaxed store statement whose arguments use
# only locations, constants and registers that never hold anything computed
# from a call or a dereference, in a thread with no loop, switch or goto, at
# the body's top level (not inside an if: control dependency), with no return
# before it (which would make it conditional too).  A store after a whole
# if/else runs either way: herd7 gives it no control dependency
# (C-IngoMolnar-After), nor a data dependency on a register an if assigned a
# constant (crypto-control-data).

ADDR_INTS = ("intptr_t", "uintptr_t", "long", "unsigned long")

INDEP_STORES = ("WRITE_ONCE", "atomic_set", "atomic_long_set", "smp_store_mb")
EXITS = ("return", "break", "continue")


def _expr_end(toks, i, stops):
    """Index of the first token from i in stops at bracket depth 0, or of an unmatched closing bracket."""
    depth = 0
    while i < len(toks):
        x = toks[i].text
        if x in ("(", "[", "{"):
            depth += 1
        elif x in (")", "]", "}"):
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and x in stops:
            break
        i += 1
    return i


def _tainted_registers(toks, params):
    """Registers that may hold a value computed from memory: assigned from an
    expression with a call, a dereference or such a register, or whose
    address is taken (a call may write them)."""
    assigns = []    # (register, tokens of its right-hand side)
    taint = set()
    for i, tok in enumerate(toks):
        if tok.kind != "id" or tok.text in params or tok.text in C_KEYWORDS:
            continue
        prv = toks[i - 1].text if i else ""
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        if prv == "&":
            taint.add(tok.text)
        if nxt in ASSIGN_OPS and nxt not in ("++", "--"):
            assigns.append((tok.text, range(i + 2, _expr_end(toks, i + 2, (";", ",")))))
    changed = True
    while changed:
        changed = False
        for reg, rhs in assigns:
            if reg in taint:
                continue
            for j in rhs:
                t = toks[j]
                call = t.kind == "id" and j + 1 < len(toks) and toks[j + 1].text == "("
                if call or t.text in ("*", "->", "[") and is_deref_at(toks, j) or t.text in taint:
                    taint.add(reg)
                    changed = True
                    break
    return taint


def is_deref_at(toks, j):
    """toks[j] is a '*' used as a dereference, or '->', '['."""
    if toks[j].text != "*":
        return True
    before = toks[j - 1] if j else None
    return before is None or not (before.kind in ("id", "num") or before.text in (")", "]"))


def independent_stores(test, th):
    """File offsets of the relaxed store statements of th that depend on no load."""
    toks = body_tokens(test, th)
    if any(t.text in ("for", "while", "do", "goto", "switch") for t in toks):
        return []
    params = {n for _, n in th.params}
    taint = _tainted_registers(toks, params)
    out = []
    depth = 0
    for i, tok in enumerate(toks):
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        if tok.text in EXITS:
            break
        if tok.kind != "id" or tok.text not in INDEP_STORES or i + 1 >= len(toks) or toks[i + 1].text != "(":
            continue
        if depth != 1 or toks[i - 1].text not in (";", "{", "}"):
            continue
        args, close = _split_args(toks, i + 1)
        if close + 1 >= len(toks) or toks[close + 1].text != ";":
            continue
        ok = True
        for arg in args:
            for k, t in enumerate(arg):
                nxt = arg[k + 1].text if k + 1 < len(arg) else ""
                if t.kind == "id" and (nxt == "(" or (t.text not in params and t.text in taint)):
                    ok = False
                elif t.text in ("->", "["):
                    ok = False
        if ok:
            out.append(tok.pos)
    return out


# ---- load buffering: a store that goes before the loads it does not depend on ---------
#
# The simulator runs a thread in program order and a load reads only stores that
# have executed, so no execution has a cycle of program order and reads-from
# (LB+poonceonces).  LKMM has one where a store is ordered after none of the
# loads before it: then the store may propagate first.  Where the translator
# proves that (the store is independent, above; the loads between are relaxed
# loads of other locations; nothing between them is an event but read-section
# boundaries in a test without grace periods, which order nothing then), the
# thread chooses (sim_thread_choose(), a decision the explorer enumerates)
# where the store runs: where it is written, or before any of those loads.
# Every placement keeps every order LKMM has in the thread (a store moved
# above loads it is unordered with), so each is an LKMM execution of the test.

EARLY_LOADS = ("READ_ONCE", "rcu_dereference", "srcu_dereference", "atomic_read", "atomic_long_read",
               "rcu_dereference_raw")
READ_SECTION = ("rcu_read_lock", "rcu_read_unlock", "srcu_read_lock", "srcu_read_unlock")
GRACE_PERIODS = re.compile(r"\b(synchronize_\w+|call_rcu|call_srcu|rcu_barrier|srcu_barrier|"
                           r"smp_mb__after_srcu_read_\w+|srcu_down_read|srcu_up_read)\b")


def _statements(toks):
    """Top-level statements of a body as (first, last) token indexes (last: its ';'),
    or None when the body has anything but simple statements at its top level."""
    out, i, n = [], 1, len(toks) - 1     # toks[0] '{', toks[-1] '}'
    while i < n:
        j = _expr_end(toks, i, (";",))
        if j >= n or toks[j].text != ";" or any(t.text in ("{", "}") for t in toks[i:j]):
            return None
        out.append((i, j))
        i = j + 1
    return out


def _arg_loc(arg, params):
    """The location an address argument names (x, *x, *(T **)x, ...), or None."""
    ids = [t.text for t in arg if t.kind == "id"]
    if not ids or ids[-1] not in params or arg[-1].text != ids[-1] or \
            any(x not in TYPE_WORDS for x in ids[:-1]) or any(t.text in ("[", "->", ".", "&") for t in arg):
        return None
    return ids[-1]


def early_stores(test, th, indep):
    """[(store first token, store last token, [first token of each load statement it may go before])]."""
    toks = body_tokens(test, th)
    if any(t.text in ("for", "while", "do", "goto", "switch") for t in toks):
        return []
    stmts = _statements(toks)
    if not stmts:
        return []
    params = {n for _, n in th.params}
    assigned = {toks[i].text for i in range(len(toks) - 1)
                if toks[i].kind == "id" and toks[i + 1].text in ASSIGN_OPS or
                (i and toks[i - 1].text in ("++", "--", "&"))}
    no_gp = not GRACE_PERIODS.search(test.text[th.body_start:th.body_end]) and \
        not any(GRACE_PERIODS.search(test.text[o.body_start:o.body_end]) for o in test.threads)
    out = []
    for si, (a, b) in enumerate(stmts):
        if toks[a].pos not in indep:
            continue
        args, _ = _split_args(toks, a + 1)
        # Its value is known where it moves: no register it reads may change on the way.
        if any(t.kind == "id" and t.text not in params and t.text in assigned for arg in args for t in arg):
            continue
        loc = _arg_loc(args[0], params) if args else None
        if loc is None:
            continue
        points = []
        for c, d in reversed(stmts[:si]):
            point = toks[c].text != "else"
            # 'if (COND) S' and 'else S': S runs or not, the store crosses it either way.
            if toks[c].text == "else":
                c += 1
            elif toks[c].text == "if" and toks[c + 1].text == "(":
                _, close = _split_args(toks, c + 1)
                if any(t.kind == "id" and toks[k + 1].text == "(" for k, t in enumerate(toks[c + 2:close], c + 2)):
                    break
                c = close + 1
            words = [t.text for t in toks[c:d]]
            calls = [k for k in range(c, d) if toks[k].kind == "id" and toks[k + 1].text == "("]
            if not calls:
                if "*" in words or "->" in words or "[" in words:
                    break   # possibly a plain access
                continue    # registers only: no event
            first = toks[calls[0]].text
            largs, close = _split_args(toks, calls[0] + 1)
            if len(calls) == 1 and (first in READ_SECTION and no_gp or first == "smp_rmb"):
                continue    # orders no store (no grace period to order sections against)
            if len(calls) == 1 and first in INDEP_STORES[:3] and calls[0] == c and close == d - 1 and \
                    _arg_loc(largs[0], params) not in (None, loc):
                continue    # a relaxed store of another location: unordered with it
            # [T] r = [(T)] LOAD(p), p another location
            cast = calls[0] - 1
            while cast > c and (toks[cast].text in ("(", ")", "*") or toks[cast].text in TYPE_WORDS):
                cast -= 1
            if len(calls) != 1 or first not in EARLY_LOADS or close != d - 1 or toks[cast].text != "=" or \
                    _arg_loc(largs[0], params) in (None, loc):
                break
            if point:
                points.append(toks[c].pos)
        if points:
            out.append((a, b, points))
    return out


# ---- load buffering through a plain store --------------------------------------------
#
# LKMM orders a plain store after an earlier marked access of its thread only
# by an address dependency or a fence (w-pre-bounded in linux-kernel.cat): not
# by a control or data dependency, and plain accesses are in no hb.  Such a
# store may propagate before the loads above it (auto/C-LB-Lww+R-OC: the
# store under 'if (r4) { smp_rmb(); *u0 = 1; }').  The translator lets a plain
# store of a constant to a location go before each relaxed load of another
# location above it, across smp_rmb(), registers-only statements, relaxed
# stores of other locations and, when it is inside an 'if', the condition:
# the thread then checks at its end that the store did run where it is
# written (the branch was taken), else the execution is not one of the test
# and is given up (sim_thread_infeasible()).  Every other event (a fence, an
# acquire, a release, a lock, a grace period) keeps it where it is.


def _block_end(toks, i):
    """Index of the '}' closing the '{' at toks[i]."""
    depth = 0
    while i < len(toks):
        if toks[i].text == "{":
            depth += 1
        elif toks[i].text == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return i


def _top_statements(toks, lo, hi):
    """Statements of toks[lo:hi] as (first, last, kind): kind 'if' for an if
    (with its else) whose parts are blocks or simple statements, 'simple'
    for one ending in ';' with no braces; None for anything else."""
    out, i = [], lo
    while i < hi:
        if toks[i].text == "if" and i + 1 < hi and toks[i + 1].text == "(":
            _, close = _split_args(toks, i + 1)
            j = close + 1
            parts = 0
            while True:
                if j < hi and toks[j].text == "{":
                    j = _block_end(toks, j)
                else:
                    j = _expr_end(toks, j, (";",))
                    if j >= hi or toks[j].text != ";":
                        return None
                parts += 1
                if parts == 1 and j + 1 < hi and toks[j + 1].text == "else":
                    j += 2
                    if j < hi and toks[j].text == "if":
                        return None
                    continue
                break
            out.append((i, j, "if"))
            i = j + 1
            continue
        j = _expr_end(toks, i, (";",))
        if j >= hi or toks[j].text != ";" or any(t.text in ("{", "}") for t in toks[i:j]):
            return None
        out.append((i, j, "simple"))
        i = j + 1
    return out


def _plain_crossing(toks, c, d, params, loc, no_gp):
    """What the statement toks[c:d+1] is to a plain store of loc moving above it:
    'skip' (no event it must stay after), 'point' (a load it may go before), None (it stops there)."""
    calls = [k for k in range(c, d) if toks[k].kind == "id" and toks[k + 1].text == "("]
    words = [t.text for t in toks[c:d]]
    if not calls:
        if "->" in words or "[" in words or "&" in words:
            return None
        stars = [k for k in range(c, d) if toks[k].text == "*" and is_deref_at(toks, k)]
        if not stars:
            return "skip"           # registers only
        if len(stars) != 1 or stars[0] + 1 >= d or toks[stars[0] + 1].text not in params or \
                toks[stars[0] + 1].text == loc:
            return None
        k = stars[0]
        if k == c and toks[k + 2].text == "=":
            return "skip"           # a plain store of another location
        if toks[k - 1].text == "=" and k + 2 == d:
            return "point"          # [T] r = *v;
        return None
    first = toks[calls[0]].text
    largs, close = _split_args(toks, calls[0] + 1)
    if len(calls) == 1 and (first in READ_SECTION and no_gp or first == "smp_rmb"):
        return "skip"
    if len(calls) == 1 and first in INDEP_STORES[:3] and calls[0] == c and close == d - 1 and \
            _arg_loc(largs[0], params) not in (None, loc):
        return "skip"
    cast = calls[0] - 1
    while cast > c and (toks[cast].text in ("(", ")", "*") or toks[cast].text in TYPE_WORDS):
        cast -= 1
    if len(calls) == 1 and first in EARLY_LOADS and close == d - 1 and toks[cast].text == "=" and \
            _arg_loc(largs[0], params) not in (None, loc):
        return "point"
    return None


def early_plain_stores(test, th, plain):
    """[(index of the store's '*', index of its ';', [file offsets of the
    top-level statements it may go before, nearest first], text of the
    store run early)] for th's plain stores (plain: plain_accesses())."""
    toks = body_tokens(test, th)
    if any(t.text in ("for", "while", "do", "goto", "switch") + EXITS for t in toks):
        return []
    top = _top_statements(toks, 1, len(toks) - 1)
    if not top:
        return []
    params = {n for _, n in th.params if type_kind(test.loc_type.get(n, "int")) == "scalar"}
    no_gp = not any(GRACE_PERIODS.search(test.text[o.body_start:o.body_end]) for o in test.threads)
    out = []
    for i, acc in sorted(plain.items()):
        kind, end, cast = acc
        if kind != "store" or cast or toks[i + 1].text not in params:
            continue
        loc = toks[i + 1].text
        value = toks[i + 3:end]
        if not value or any(t.kind == "id" and t.text not in params or t.text in ("*", "->", "[", "&", "(")
                            for t in value):
            continue        # a constant or a location's address: known where it moves
        ti = next((k for k, (a, b, _) in enumerate(top) if a <= i <= b), None)
        if ti is None:
            continue
        a, b, kind_t = top[ti]
        if kind_t == "if":
            # Only in the first part's block, after registers-only or crossable statements.
            _, close = _split_args(toks, a + 1)
            if any(t.kind == "id" and toks[k + 1].text == "(" or t.text in ("*", "->", "[")
                   for k, t in enumerate(toks[a + 2:close], a + 2)):
                continue    # a condition that reads memory
            if toks[close + 1].text != "{" or i > _block_end(toks, close + 1):
                continue
            inner = _top_statements(toks, close + 2, _block_end(toks, close + 1))
            if not inner or not any(c == i and k == "simple" for c, d, k in inner):
                continue    # not a statement of the block itself (a nested if's condition is not checked)
            before = [(c, d) for c, d, k in inner if d < i]
            if any(k != "simple" for c, d, k in inner if d < i) or \
                    any(_plain_crossing(toks, c, d, params, loc, no_gp) != "skip" for c, d in before):
                continue
        elif i != a:
            continue
        points = []
        for c, d, k in reversed(top[:ti]):
            what = _plain_crossing(toks, c, d, params, loc, no_gp) if k == "simple" else None
            if what is None:
                break
            if what == "point":
                points.append(toks[c].pos)
        if points:
            text = "WRITE_ONCE(*%s, %s);" % (loc, test.text[value[0].pos:toks[end].pos].strip())
            out.append((i, end, points, text))
    return out


# ---- code generation ----------------------------------------------------------------

def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value_expr(v, test):
    if v[0] == "int":
        return "INT64_C(%d)" % v[1]
    if v[1] not in test.loc_type:
        raise Unsupported("%s is not a location of the test" % v[1])
    return "LT_VAL(&lt_v_%s)" % v[1]


def loc_read_expr(name, test):
    kind = type_kind(test.loc_type[name])
    if kind == "atomic":
        return "LT_VAL(lt_v_%s.counter)" % name
    if kind != "scalar":
        raise Unsupported("the condition reads %s, a %s" % (name, test.loc_type[name]))
    return "LT_VAL(lt_v_%s)" % name


def prop_expr(p, test, regs):
    k = p[0]
    if k == "true":
        return "true"
    if k == "false":
        return "false"
    if k == "not":
        return "!" + prop_expr(p[1], test, regs)
    if k == "and":
        return "(%s && %s)" % (prop_expr(p[1], test, regs), prop_expr(p[2], test, regs))
    if k == "or":
        return "(%s || %s)" % (prop_expr(p[1], test, regs), prop_expr(p[2], test, regs))
    if k == "imp":
        return "(!%s || %s)" % (prop_expr(p[1], test, regs), prop_expr(p[2], test, regs))
    lhs = p[1]
    if lhs[0] == "reg":
        left = "lt_reg[%d]" % regs[(lhs[1], lhs[2])]
    else:
        left = loc_read_expr(lhs[1], test)
    right = "lt_reg[%d]" % regs[(p[3][1], p[3][2])] if p[3][0] == "reg" else value_expr(p[3], test)
    return "(%s %s %s)" % (left, "==" if p[2] == "=" else "!=", right)


def generate(test, gen_path):
    """The C translation unit of a test.  Raises Unsupported."""
    if len(test.threads) > MAX_THREADS:
        raise Unsupported("%d threads (the simulator runs at most %d)" % (len(test.threads), MAX_THREADS))
    # Registers the condition and filter read, each with a slot.
    regs = {}
    for a in atoms(test.prop) + atoms(test.filter):
        for side in (a[1], a[3]):
            if side[0] != "reg":
                continue
            key = (side[1], side[2])
            if key[0] >= len(test.threads):
                raise Unsupported("the condition names %d:%s but there is no P%d" % (key + (key[0],)))
            regs.setdefault(key, len(regs))
    for key in test.reg_init:
        if key[0] >= len(test.threads):
            raise Unsupported("the init block names %d:%s but there is no P%d" % (key + (key[0],)))
    for name, ty in test.loc_type.items():
        if type_kind(ty) == "struct":
            raise Unsupported("location %s has type %s" % (name, ty))
    # Plain C accesses are not preemption points and the model does not order them:
    # sound only for a location no other thread touches.
    users = {}
    for th in test.threads:
        for _, n in th.params:
            users.setdefault(n, set()).add(th.tid)
    for th in test.threads:
        for n in sorted(plain_uses(test, th)):
            if type_kind(test.loc_type[n]) in ("lock", "srcu"):
                continue
            if len(users[n]) > 1:
                raise Unsupported("P%d accesses the shared location %s with plain C other than *%s (the "
                                  "simulator does not interleave or order plain accesses)" % (th.tid, n, n))

    lines = []
    emit = lines.append
    emit("/* SPDX-License-Identifier: GPL-2.0-only */")
    emit("/* Generated by tools/litmus.py from %s: do not edit. */" % test.path.replace("*/", "* /"))
    for h in ("linux/compiler.h", "asm/barrier.h", "linux/atomic.h", "linux/spinlock.h", "linux/mutex.h",
              "linux/rcupdate.h", "linux/srcu.h", "linux/types.h"):
        if os.path.exists(os.path.join(ROOT, "kernel-shim", h)):
            emit("#include <%s>" % h)
    emit("#include <string.h>")
    emit('#include "litmus_rt.h"')
    emit("")
    emit("/* The shared locations, each in 8 bytes of its own at least: herd7's C lets a test")
    emit(" * access an int location as a pointer (*(char **)x), which must not reach the next one. */")
    for name in test.locations():
        emit("static union { %s v; uint64_t room; } lt_u_%s;" % (test.loc_type[name], name))
        emit("#define lt_v_%s lt_u_%s.v" % (name, name))
    emit("")
    emit("/* Registers the condition reads, captured when their scope ends (return included). */")
    emit("static int64_t lt_reg[%d];" % max(1, len(regs)))
    # Declarations in the bodies: the registers the condition reads get a
    # cleanup attribute; every register without an initializer starts at its
    # init-block value or 0, as herd's registers do.
    inserts = {}        # file offset -> text inserted there
    seen = set()
    early_choices = []
    replace = {}        # file offset -> (characters replaced, text)
    for th in test.threads:
        toks = body_tokens(test, th)
        decls_of = find_declarations(toks)
        # herd7 takes an identifier no declaration names as an int register:
        # declared here, pointer-sized (it may hold a location's address).
        for reg in implicit_registers(toks, decls_of, th, [k[1] for k in regs if k[0] == th.tid]):
            key = (th.tid, reg)
            v = test.reg_init.get(key, ("int", 0))
            ins = " intptr_t %s" % reg
            if key in regs:
                slot = regs[key]
                emit("static void lt_cap_%d(intptr_t *p) { lt_reg[%d] = LT_VAL(*p); }	/* %d:%s */" %
                     (slot, slot, th.tid, reg))
                ins += " __attribute__((cleanup(lt_cap_%d)))" % slot
                seen.add(key)
            ins += " = %s;" % ("(intptr_t)&lt_v_%s" % v[1] if v[0] == "addr" else str(v[1]))
            inserts[th.body_start + 1] = inserts.get(th.body_start + 1, "") + ins
        taint = _tainted_registers(toks, {n for _, n in th.params})
        for i, tok in enumerate(toks):
            # A load whose address is computed from a loaded value (an address
            # dependency the model cannot see through integer arithmetic): it
            # sees what the thread's earlier loads' stores carried.
            if tok.text in LOADS and i + 1 < len(toks) and toks[i + 1].text == "(":
                args, close = _split_args(toks, i + 1)
                if args and any(t.kind == "id" and t.text in taint for t in args[LOADS[tok.text][0]]):
                    inserts[tok.pos] = inserts.get(tok.pos, "") + "(sim_load_dep(), "
                    end = toks[close].pos + 1
                    inserts[end] = ")" + inserts.get(end, "")
        plain = plain_accesses(test, th)
        for i, end, pts, text in early_plain_stores(test, th, plain):
            k = len(early_choices)
            early_choices.append(k)
            first = min(pts)
            inserts[first] = inserts.get(first, "") + \
                "unsigned lt_early_%d = sim_cfg.model == SIM_MODEL_LKMM ? sim_thread_choose(%d) : 0; " \
                "int lt_ran_%d = 0; " % (k, len(pts) + 1, k)
            for j, pt in enumerate(pts, 1):
                inserts[pt] = inserts.get(pt, "") + \
                    "if (lt_early_%d == %d) { sim_store_no_dep(); %s } " % (k, j, text)
            at = toks[i].pos
            inserts[at] = inserts.get(at, "") + "if (!lt_early_%d) { " % k
            after = toks[end].pos + 1
            inserts[after] = " } else { lt_ran_%d = 1; }" % k + inserts.get(after, "")
            # Run early, the store must also be reached where it is written.
            close = toks[-1].pos
            inserts[close] = inserts.get(close, "") + \
                "if (lt_early_%d && !lt_ran_%d) sim_thread_infeasible(); " % (k, k)
        for i, (kind, end, cast) in plain.items():
            at = toks[i].pos
            if cast:
                ins_at = toks[i + 1].pos
                inserts[ins_at] = inserts.get(ins_at, "") + "(intptr_t *)"
            if kind == "load" and toks[i + 1].text in taint:
                inserts[at] = inserts.get(at, "") + "(sim_load_dep(), "
                after = toks[end].pos + len(toks[end].text)
                inserts[after] = ")" + inserts.get(after, "")
            if kind == "store":
                eq = toks[i + 2]
                inserts[at] = inserts.get(at, "") + "WRITE_ONCE("
                replace[eq.pos] = (1, ",")
                inserts[toks[end].pos] = ")" + inserts.get(toks[end].pos, "")
            else:
                inserts[at] = inserts.get(at, "") + "READ_ONCE("
                after = toks[end].pos + len(toks[end].text)
                inserts[after] = ")" + inserts.get(after, "")
        indep = independent_stores(test, th)
        early = {toks[a].pos: (a, b, pts) for a, b, pts in early_stores(test, th, set(indep))}
        for off in indep:
            if off not in early:
                inserts[off] = inserts.get(off, "") + "sim_store_no_dep(); "
                continue
            a, b, pts = early[off]
            k = len(early_choices)
            early_choices.append(k)
            store = test.text[toks[a].pos:toks[b].pos + 1]
            # pts: nearest first; choice j runs the store before the j-th of them, 0 where it is.
            first = min(pts)
            inserts[first] = inserts.get(first, "") + \
                "unsigned lt_early_%d = sim_cfg.model == SIM_MODEL_LKMM ? sim_thread_choose(%d) : 0; " % \
                (k, len(pts) + 1)
            for j, pt in enumerate(pts, 1):
                inserts[pt] = inserts.get(pt, "") + \
                    "if (lt_early_%d == %d) { sim_store_no_dep(); %s } " % (k, j, store)
            inserts[off] = inserts.get(off, "") + "if (!lt_early_%d) { sim_store_no_dep(); " % k
            end = toks[b].pos + 1
            inserts[end] = " }" + inserts.get(end, "")
        for reg, decls in decls_of.items():
            key = (th.tid, reg)
            if key in regs and len(decls) > 1:
                raise Unsupported("register %d:%s is declared twice in P%d" % (th.tid, reg, th.tid))
            for ty, at, has_init, array in decls:
                ins = ""
                if key in regs:
                    slot = regs[key]
                    if array:
                        raise Unsupported("register %d:%s is an array" % key)
                    if type_kind(ty) != "scalar" or "struct" in ty:
                        raise Unsupported("register %d:%s has type %s" % (key + (ty,)))
                    emit("static void lt_cap_%d(%s *p) { lt_reg[%d] = LT_VAL(*p); }	/* %d:%s */" %
                         (slot, ty, slot, th.tid, reg))
                    ins = " __attribute__((cleanup(lt_cap_%d)))" % slot
                    seen.add(key)
                if not has_init and not array and type_kind(ty) == "scalar" and "struct" not in ty:
                    v = test.reg_init.get(key, ("int", 0))
                    ins += " = (%s)%s" % (ty, "(intptr_t)&lt_v_%s" % v[1] if v[0] == "addr" else str(v[1]))
                if ins:
                    end = toks[at].pos + len(toks[at].text)
                    inserts[end] = inserts.get(end, "") + ins
    for key in regs:
        if key not in seen:
            raise Unsupported("register %d:%s of the condition is not declared in P%d" % (key + (key[0],)))
    emit("")
    for th in test.threads:
        emit("static void lt_P%d_body(%s)" % (th.tid, th.params_text.strip() or "void"))
        emit('#line %d "%s"' % (line_of(test.text, th.body_start), test.path))
        body = []
        last = th.body_start
        for off in sorted(o for o in set(inserts) | set(replace) if th.body_start <= o < th.body_end):
            body.append(test.text[last:off])
            body.append(inserts.get(off, ""))
            last = off
            if off in replace:
                body.append(replace[off][1])
                last = off + replace[off][0]
        body.append(test.text[last:th.body_end])
        # Keep the body's own columns: start at the '{' column.
        col = th.body_start - (test.text.rfind("\n", 0, th.body_start) + 1)
        text = " " * col + "".join(body)
        lines.extend(text.split("\n"))
        emit('#line %d "%s"' % (len(lines) + 2, gen_path))
        emit("")
        args = ", ".join("&lt_v_%s" % n for _, n in th.params)
        emit("static void lt_P%d(void *arg)" % th.tid)
        emit("{")
        emit("	(void)arg;")
        emit("	lt_P%d_body(%s);" % (th.tid, args))
        emit("}")
        emit("")
    emit("static void lt_init(void)")
    emit("{")
    emit("	/* Every execution starts from the init block: memory, then registers. */")
    for name in test.locations():
        emit("	memset(&lt_u_%s, 0, sizeof(lt_u_%s));" % (name, name))
    for name in test.locations():
        kind = type_kind(test.loc_type[name])
        v = test.loc_init.get(name)
        if v is not None:
            if kind in ("lock", "srcu"):
                raise Unsupported("init block gives %s (a %s) a value" % (name, test.loc_type[name]))
            ty = test.loc_type[name]
            if v[0] == "addr":
                if v[1] not in test.loc_type:
                    raise Unsupported("init of %s: %s is not a location" % (name, v[1]))
                if "*" not in ty and ty not in ("intptr_t", "uintptr_t", "long", "unsigned long"):
                    raise Unsupported("init of %s (%s) with the address of %s" % (name, ty, v[1]))
                rhs = "(intptr_t)&lt_v_%s" % v[1]
            else:
                rhs = "(intptr_t)INT64_C(%d)" % v[1]
            if kind == "atomic":
                emit("	lt_v_%s.counter = %s;" % (name, rhs))
            else:
                emit("	lt_v_%s = (%s)%s;" % (name, ty, rhs))
        # Through a pointer named like the location: the shim names locks and
        # srcu_structs after the initialiser's argument, and reports use it.
        if kind == "lock":
            emit("	{ %s *%s = &lt_v_%s; %s(%s); }" % (test.loc_type[name], name, name,
                                                   LOCK_TYPES[test.loc_type[name]], name))
        elif kind == "srcu":
            emit("	{ %s *%s = &lt_v_%s; init_srcu_struct(%s); }" % (test.loc_type[name], name, name, name))
    for (tid, reg), slot in sorted(regs.items(), key=lambda kv: kv[1]):
        v = test.reg_init.get((tid, reg), ("int", 0))
        emit("	lt_reg[%d] = %s;" % (slot, value_expr(v, test)))
    emit("}")
    emit("")
    emit("static bool lt_cond(void)")
    emit("{")
    emit("	return %s;" % prop_expr(test.prop, test, regs))
    emit("}")
    emit("")
    emit("static bool lt_filter(void)")
    emit("{")
    emit("	return %s;" % (prop_expr(test.filter, test, regs) if test.filter else "true"))
    emit("}")
    emit("")
    body_text = "".join(test.text[th.body_start:th.body_end] for th in test.threads)
    callbacks = bool(re.search(r"\b(call_srcu|call_rcu|srcu_barrier|rcu_barrier)\b", body_text))
    emit("const struct lt_test lt_test = {")
    emit("	.name = %s," % c_string(test.name))
    emit("	.nthreads = %d," % len(test.threads))
    emit("	.threads = { %s }," % ", ".join("lt_P%d" % th.tid for th in test.threads))
    emit("	.init = lt_init,")
    emit("	.cond = lt_cond,")
    emit("	.filter = lt_filter,")
    emit("	.quantifier = %s," % {"exists": "LT_EXISTS", "~exists": "LT_NOT_EXISTS",
                                   "forall": "LT_FORALL"}[test.quant])
    emit("	.callbacks = %s," % ("true" if callbacks else "false"))
    emit("};")
    return "\n".join(lines) + "\n"


# ---- the load-buffering limitation ------------------------------------------------------
#
# The simulator runs each thread in program order and a load can only read a
# store that has already executed, so reads-from always points forward in
# execution time, as program order does: an execution in which po ∪ rf has a
# cycle (load buffering: LB+poonceonces) can never be produced, whatever the
# memory model option.  A test whose expected Sometimes needs such a cycle and
# that observed Never is a LIMITATION of the simulator, not a MISMATCH.
#
# The rule is a proof, so it only claims a cycle it can show:
#  * The proposition (conjoined with the filter) is put in disjunctive normal
#    form; negated atoms are dropped (weaker: fewer required reads).
#  * In a disjunct, an atom N:r=V *forces* a read when r is assigned exactly
#    once in PN, by a recognised load (READ_ONCE, smp_load_acquire,
#    rcu_dereference, atomic_read, ...) of a location x passed to PN, r's
#    address is never taken, and V differs both from r's initial value (so the
#    load ran) and from x's initial value (so it read a store).
#  * Its possible sources are every write of x in the test: a recognised store
#    of the constant V, and any other write of x (RMWs, plain writes, calls that
#    take x, stores of a non-constant value, stores through pointers that are
#    not locations: these may write anything anywhere).
#  * Events are ordered by program order within a thread by their place in the
#    body (sound for straight-line code and if/else); a thread with a loop or a
#    goto gets no program-order edges at all.
#  * The disjunct needs a cycle if every choice of one source per forced read
#    gives a po ∪ rf graph with a cycle; the test is a LIMITATION if every
#    disjunct (there is at least one) needs a cycle.

# The shim's loads and stores, from its contract (kernel-shim/primitives.def):
# macro -> (index of the address argument, whether it is written *x); for a
# store, whether the address argument is written *x (the value is argument 1).
LOADS = primitives.loads()
STORES = primitives.stores()


def _split_args(toks, open_i):
    """Arguments (token lists) of the call whose '(' is toks[open_i]; and the ')' index."""
    args, cur, depth, i = [], [], 0, open_i + 1
    while i < len(toks):
        x = toks[i].text
        if x in "([{":
            depth += 1
        elif x in ")]}":
            if depth == 0:
                args.append(cur)
                return args, i
            depth -= 1
        elif x == "," and depth == 0:
            args.append(cur)
            cur = []
            i += 1
            continue
        cur.append(toks[i])
        i += 1
    return args, i


def _addr_loc(arg, star, locs):
    """The location an address argument names (*x or x), or None."""
    txt = [t.text for t in arg]
    if star and len(txt) == 2 and txt[0] == "*" and txt[1] in locs:
        return txt[1]
    if not star and len(txt) == 1 and txt[0] in locs:
        return txt[0]
    if not star and len(txt) == 2 and txt[0] == "&" and txt[1] in locs:
        return None
    return None


ASSIGN_OPS = ("=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--")


def _store_value(arg, test, locs):
    vt = "".join(t.text for t in arg)
    n = parse_int(vt)
    if n is not None:
        return ("int", n)
    if vt == "NULL":
        return ("int", 0)
    if vt in locs:
        return ("addr", vt)
    if vt.startswith("&") and vt[1:] in test.loc_type:
        return ("addr", vt[1:])
    return None


def thread_events(test, th):
    """Program-order events of a thread for the LB rule.

    Returns (loads, writes, has_po): loads {reg: (index, loc)} for registers
    assigned exactly once, by a recognised load of a location, with their
    address never taken; writes [(index, loc or None: any location,
    value or None: any value)].  Indexes are token positions: program order
    for straight-line code and if/else."""
    toks = body_tokens(test, th)
    locs = {n for _, n in th.params}
    has_po = not any(t.text in ("for", "while", "do", "goto") for t in toks)
    ctx = call_context(toks)
    writes, load_at, assigned, addr_taken, accounted = [], {}, {}, set(), set()
    for i, tok in enumerate(toks):
        x = tok.text
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        prv = toks[i - 1].text if i else ""
        if tok.kind != "id":
            continue
        if x in LOADS and nxt == "(":
            args, close = _split_args(toks, i + 1)
            ai, star = LOADS[x]
            loc = _addr_loc(args[ai], star, locs) if len(args) > ai else None
            if loc:
                accounted.add(args[ai][-1].pos)
            # 'r = LOAD(...);' or 'T r = LOAD(...);': the load is the whole value of r.
            if i >= 2 and prv == "=" and toks[i - 2].kind == "id" and \
                    close + 1 < len(toks) and toks[close + 1].text in (";", ","):
                load_at.setdefault(toks[i - 2].text, []).append((i, loc))
            continue
        if x in STORES and nxt == "(":
            args, close = _split_args(toks, i + 1)
            loc = _addr_loc(args[0], STORES[x], locs) if args else None
            val = _store_value(args[1], test, locs) if len(args) == 2 else None
            if loc:
                accounted.add(args[0][-1].pos)
            if len(args) == 2 and val and val[0] == "addr" and args[1][-1].text in locs:
                accounted.add(args[1][-1].pos)
            writes.append((i, loc, val))    # loc None: a store through a pointer, anywhere
            continue
        if x in locs:
            if tok.pos not in accounted:
                # Any other use of a location may write it (RMWs, plain stores, calls).
                writes.append((i, x, None))
            continue
        if nxt == "(" and MARKED_CALL.match(x):
            # A primitive on something that is not a location (a pointer register): anywhere.
            args, _ = _split_args(toks, i + 1)
            if args and args[0] and _addr_loc(args[0], args[0][0].text == "*", locs) is None and \
                    not (len(args[0]) == 1 and args[0][0].kind == "num"):
                writes.append((i, None, None))
            continue
        # Registers: assignments, address taken, writes through them.
        if nxt in ASSIGN_OPS or prv in ("++", "--"):
            assigned[x] = assigned.get(x, 0) + 1
        if prv == "&":
            addr_taken.add(x)
        if is_deref(toks, i) and ctx[i][0] not in LOADS:
            writes.append((i, None, None))
    loads = {}
    for reg, ls in load_at.items():
        if len(ls) == 1 and ls[0][1] and assigned.get(reg, 0) == 1 and reg not in addr_taken:
            loads[reg] = ls[0]
    return loads, writes, has_po


def _dnf(p, neg=False, cap=256):
    """Disjuncts (lists of positive atoms) of p; None if too big."""
    k = p[0]
    if k == "true":
        return [[]] if not neg else []
    if k == "false":
        return [] if not neg else [[]]
    if k == "not":
        return _dnf(p[1], not neg, cap)
    if k == "atom":
        if (p[2] == "=") == neg:
            return [[]]     # an inequality forces no read: dropped (weaker)
        return [[("atom", p[1], "=", p[3])]]
    if k == "imp":
        return _dnf(("or", ("not", p[1]), p[2]), neg, cap)
    conj = (k == "and") != neg
    a, b = _dnf(p[1], neg, cap), _dnf(p[2], neg, cap)
    if a is None or b is None:
        return None
    if conj:
        out = [x + y for x in a for y in b]
    else:
        out = a + b
    return out if len(out) <= cap else None


def _has_cycle(nodes, edges):
    adj = {n: [] for n in nodes}
    for a, b in edges:
        adj[a].append(b)
    state = {}

    def visit(n):
        state[n] = 1
        for m in adj[n]:
            s = state.get(m)
            if s == 1 or (s is None and visit(m)):
                return True
        state[n] = 2
        return False
    return any(state.get(n) is None and visit(n) for n in nodes)


def lb_limitation(test):
    """A reason string if the condition can only hold with a po ∪ rf cycle, else None."""
    prop = test.prop if test.filter is None else ("and", test.filter, test.prop)
    dnf = _dnf(prop)
    if not dnf:
        return None
    ev = {th.tid: thread_events(test, th) for th in test.threads}
    first_cycle = None
    for disj in dnf:
        forced = []     # (tid, reg, loc, pos, value)
        for a in disj:
            if a[1][0] != "reg":
                continue
            tid, reg = a[1][1], a[1][2]
            if tid not in ev or reg not in ev[tid][0]:
                continue
            pos, loc = ev[tid][0][reg]
            v = a[3]
            if v[0] == "reg" or a[2] != "=":
                continue    # forces no value (a negated atom is dropped the same way)
            if v == test.reg_init.get((tid, reg), ("int", 0)) or v == test.loc_init.get(loc, ("int", 0)):
                continue
            forced.append((tid, reg, loc, pos, v))
        if not forced:
            return None
        choices = []
        for tid, reg, loc, pos, v in forced:
            srcs = [(wt, wpos) for wt, (_, writes, _) in ev.items() for wpos, wloc, wval in writes
                    if (wloc is None or wloc == loc) and (wval is None or wval == v)]
            if not srcs:
                return None     # no store writes V: not an LB shape we understand
            choices.append(srcs)
        for pick in itertools.product(*choices):
            nodes, edges = set(), []
            for (tid, reg, loc, pos, v), (wt, wpos) in zip(forced, pick):
                nodes.update([(tid, pos), (wt, wpos)])
                edges.append(((wt, wpos), (tid, pos)))
            for tid in ev:
                if not ev[tid][2]:
                    continue
                mine = sorted(p for t, p in nodes if t == tid)
                edges += [((tid, a), (tid, b)) for a, b in zip(mine, mine[1:])]
            if not _has_cycle(nodes, edges):
                return None
        if first_cycle is None:
            first_cycle = forced
    reads = ["P%d reads %s=%s" % (tid, loc, show_value(v)) for tid, reg, loc, pos, v in first_cycle]
    return ("load buffering: %s only from stores program-order after a read they feed; "
            "a load here reads only stores that already executed" % ", ".join(reads))


# ---- building and running ------------------------------------------------------------

def find_cc():
    for cc in ("clang", "clang-14"):
        if shutil.which(cc):
            return cc
    raise LitmusError("clang is not installed (busfuzz installs it: run `busfuzz build` once)")


def digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def file_digest(paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    tmp = "%s.tmp%d-%d" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class Runtime:
    """The simulator library and litmus_main.o, built once into work/ and reused."""

    CFLAGS = ["-std=gnu11", "-O1", "-g", "-fno-omit-frame-pointer"]

    def __init__(self, work, verbose=False):
        self.work = work
        self.verbose = verbose
        self.cc = find_cc()
        self.lib = self.rt = None

    def build(self):
        os.makedirs(self.work, exist_ok=True)
        simdir = os.path.join(self.work, "sim")
        with locked(os.path.join(self.work, ".lock")):
            for tool in ("cmake", "ninja"):
                if not shutil.which(tool):
                    raise LitmusError("%s is not installed (busfuzz installs it: run `busfuzz build` once)" % tool)
            try:        # a folder of no tree: the simulator library only
                build_trees(simdir, {}, extra=("sim_plain",), cc=self.cc, quiet=True)
            except Fail as e:
                raise RuntimeError("the simulator does not build: %s" % e)
            self.lib = os.path.join(simdir, "libsim_plain.a")
            # The tests compile the shim and sim.h (with its findings.def): a change to them is a new key.
            srcs = [os.path.join(ROOT, p) for p in ("litmus/litmus_main.c", "litmus/litmus_rt.h", "sim/sim.h",
                                                    "sim/findings.def")]
            srcs += sorted(glob.glob(os.path.join(ROOT, "kernel-shim", "**", "*.h"), recursive=True))
            key = digest(file_digest(srcs), self.cc, self.CFLAGS)
            rtdir = os.path.join(self.work, "rt")
            os.makedirs(rtdir, exist_ok=True)
            self.rt = os.path.join(rtdir, "litmus_main-%s.o" % key)
            if not os.path.exists(self.rt):
                argv = [self.cc] + self.CFLAGS + ["-Wall", "-Wextra", "-Werror", "-c",
                                                  os.path.join(ROOT, "litmus", "litmus_main.c"),
                                                  "-o", self.rt + ".tmp"]
                r = subprocess.run(argv, capture_output=True, text=True)
                if r.returncode != 0:
                    raise RuntimeError("litmus/litmus_main.c does not build:\n" + r.stderr[-2000:])
                os.replace(self.rt + ".tmp", self.rt)
        self.key = digest(file_digest([self.lib, self.rt]))


class Result:
    def __init__(self, test_name, path):
        self.name = test_name
        self.path = path
        self.status = None      # OK MISMATCH LIMITATION NOEXPECT UNSUPPORTED ERROR
        self.reason = ""
        self.expected = None
        self.observed = None
        self.execs = 0
        self.seconds = 0.0
        self.gen = self.binary = None
        self.compile_log = ""
        self.herd7 = None       # the oracle's verdict (--oracle herd7)

    def line(self):
        oracle = " herd7=%s" % self.herd7 if self.herd7 else ""
        if self.status in ("UNSUPPORTED", "ERROR"):
            return "%s %s%s (%s)" % (self.name, self.status, oracle, self.reason)
        tail = "  (%d executions, %.2f s)" % (self.execs, self.seconds)
        verdict = "%s expected=%s observed=%s%s %s" % (self.name, self.expected or "unknown", self.observed,
                                                      oracle, self.status)
        if self.reason:
            verdict += " (%s)" % self.reason
        return verdict + tail


def compile_error(stderr, test, gen_path):
    """(status, reason) for a compiler failure: the test's own code is UNSUPPORTED."""
    first = None
    for line in stderr.splitlines():
        m = re.match(r"(.*?):(\d+):\d+: error: (.*)", line)
        if m:
            first = m
            break
    undefined = re.search(r"undefined reference to `(\w+)'", stderr)
    if first:
        msg = first.group(3)
        where = "%s:%s" % (os.path.basename(first.group(1)), first.group(2))
        fn = re.search(r"implicit declaration of function '(\w+)'", msg)
        ty = re.search(r"unknown type name '(\w+)'", msg)
        if fn or ty:
            return "UNSUPPORTED", "the shim has no %s%s (%s)" % ("type " if ty else "", (fn or ty).group(1), where)
        if first.group(1) == test.path:
            ident = re.search(r"use of undeclared identifier '(\w+)'", msg)
            if ident:
                return "UNSUPPORTED", "the shim has no %s (%s)" % (ident.group(1), where)
            return "UNSUPPORTED", "does not compile as C against the shim: %s (%s)" % (msg, where)
        return "ERROR", "generated code does not compile: %s (%s, see %s)" % (msg, where, gen_path)
    if undefined:
        return "UNSUPPORTED", "the shim has no %s" % undefined.group(1)
    tail = stderr.strip().splitlines()[-1:] or ["no message"]
    return "ERROR", "the compiler failed: %s" % tail[0]


def run_one(path, test, rt, opts):
    try:
        return _run_one(path, test, rt, opts)
    except (OSError, subprocess.SubprocessError) as e:
        res = Result(test.name, path)
        res.status, res.reason = "ERROR", "could not run it: %s" % e
        return res


def _run_one(path, test, rt, opts):
    res = Result(test.name, path)
    res.expected = test.expected
    gendir = os.path.join(rt.work, "gen")
    os.makedirs(gendir, exist_ok=True)
    base = re.sub(r"[^\w.+-]", "_", test.name) + "-" + digest(os.path.abspath(path))[:8]
    gen_path = os.path.join(gendir, base + ".c")
    try:
        src = generate(test, gen_path)
    except Unsupported as e:
        res.status, res.reason = "UNSUPPORTED", str(e)
        return res
    write_if_changed(gen_path, src)
    res.gen = gen_path
    binary = os.path.join(gendir, base)
    res.binary = binary
    key = digest(src, rt.key, rt.CFLAGS)
    keyfile = binary + ".key"
    try:
        with open(keyfile) as f:
            fresh = f.read().strip() == key and os.path.exists(binary)
    except OSError:
        fresh = False
    if not fresh:
        tmp = "%s.tmp%d-%d" % (binary, os.getpid(), threading.get_ident())
        argv = [rt.cc] + rt.CFLAGS + ["-Werror=implicit-function-declaration", "-Wno-macro-redefined",
                                      "-I", os.path.join(ROOT, "kernel-shim"), "-I", os.path.join(ROOT, "litmus"),
                                      gen_path, rt.rt, rt.lib, "-o", tmp]
        r = subprocess.run(argv, capture_output=True, text=True)
        res.compile_log = r.stderr
        if r.returncode != 0:
            res.status, res.reason = compile_error(r.stderr, test, gen_path)
            return res
        os.replace(tmp, binary)
        write_if_changed(keyfile, key + "\n")
    argv = [binary, "--model", opts.model, "--srcu", opts.srcu, "--max-execs", str(opts.max_execs)]
    if getattr(opts, "no_state_cache", False):
        argv += ["--state-cache", "off"]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=opts.timeout)
    except subprocess.TimeoutExpired:
        res.status, res.reason = "ERROR", "exploration took longer than %d s" % opts.timeout
        return res
    finding = re.search(r"^FINDING .*$", r.stdout, re.M)
    if finding:
        res.status, res.reason = "ERROR", finding.group()
        f = finding.group()
        # herd7 just drops an execution that deadlocks (it has no complete one),
        # and its C is untyped; the simulator stops the exploration at the first.
        if f.startswith(("FINDING deadlock:", "FINDING lockdep: grace-period wait")):
            res.status = "UNSUPPORTED"
            res.reason = "an execution deadlocks, and the explorer stops there (herd7 only drops it): " + f
        elif f.startswith("FINDING lockdep: lock order inversion"):
            res.status = "UNSUPPORTED"
            res.reason = "locks taken in both orders: lockdep stops the explorer there (herd7 has no lockdep): " + f
        elif f.startswith("FINDING mixed-accesses:"):
            res.status = "UNSUPPORTED"
            res.reason = "one location accessed with two sizes (herd7's C is untyped): " + f
        return res
    out = None
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            try:
                out = json.loads(line)
            except ValueError:
                pass
    if r.returncode != 0 or out is None:
        err = [l for l in r.stderr.splitlines() if l.strip()]
        if r.returncode < 0:
            why = "the explorer died with signal %d" % -r.returncode
        else:
            why = "the explorer exited with status %d" % r.returncode
        res.status, res.reason = "ERROR", why + (": " + err[-1] if err else "")
        return res
    res.execs = out["executions"]
    res.seconds = out["seconds"]
    passed, sat = out["filtered"], out["satisfied"]
    if out["limit"]:
        # Only Sometimes is proven by a partial exploration.
        if 0 < sat < passed:
            res.observed = "Sometimes"
        else:
            res.status = "ERROR"
            res.reason = "LIMIT: stopped after %d executions (--max-execs) with no verdict yet" % res.execs
            return res
    else:
        res.observed = verdict(passed, sat)
    if test.expected is None:
        res.status = "NOEXPECT"
    elif test.expected == res.observed:
        res.status = "OK"
    else:
        res.status = "MISMATCH"
        if test.expected == "Sometimes" and res.observed == "Never":
            why = lb_limitation(test)
            if why:
                res.status, res.reason = "LIMITATION", why
    return res


def judge_by_oracle(res, test, herd):
    """res judged against herd7's verdict herd = (verdict, datarace, message)
    rather than the Result: line, which must then agree with herd7 too."""
    v, race, msg = herd
    res.herd7 = v + ("+DATARACE" if race else "")
    if v == "ERROR":
        if res.status not in ("UNSUPPORTED", "ERROR"):
            res.status, res.reason = "ERROR", msg
        return res
    if res.status in ("UNSUPPORTED", "ERROR"):
        return res
    res.reason = ""
    if res.observed == v:
        res.status = "OK"
    elif v == "Never":
        res.status, res.reason = "MISMATCH", "false finding: the LKMM forbids this outcome"
    elif res.observed == "Never" and test is not None and lb_limitation(test):
        res.status, res.reason = "LIMITATION", lb_limitation(test)
    else:
        res.status, res.reason = "MISMATCH", "missed: herd7 says %s" % v
    if res.expected and res.expected != v:
        res.status = "MISMATCH"
        res.reason = "its Result: line says %s, herd7 %s" % (res.expected, v) + \
            ("; " + res.reason if res.reason else "")
    return res


def load(path):
    """(test or None, unsupported reason or None); LitmusError for bad input."""
    if not os.path.isfile(path):
        raise LitmusError("%s: no such litmus file" % path)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        raise LitmusError("%s: cannot read it (%s)" % (path, e.strerror))
    try:
        return parse(text, os.path.abspath(path)), None
    except LitmusError as e:
        m = re.match(r"\s*C[ \t]+([^\s(]+)", text)
        if not m:
            raise LitmusError("%s: %s" % (path, e))
        # A C litmus test this parser cannot read: one line for it, the batch goes on.
        return None, (m.group(1), "cannot parse it: %s" % e)
    except Unsupported as e:
        m = re.match(r"\s*C[ \t]+(\S+)", text)
        return None, (m.group(1) if m else os.path.basename(path), str(e))


def default_work():
    return os.path.join(os.environ.get("BUSFUZZ_BUILD") or os.path.join(ROOT, "build"), "litmus")


def run(files, opts, out=sys.stdout):
    """Runs the tests of files; prints one line each and a summary; returns the exit status."""
    loaded = [(p,) + load(p) for p in files]     # bad input: before anything runs
    rt = Runtime(opts.work or default_work(), opts.verbose)
    try:
        rt.build()
    except RuntimeError as e:
        print("busfuzz: %s" % e, file=sys.stderr)
        return 1
    counts = {k: 0 for k in ("OK", "MISMATCH", "LIMITATION", "UNSUPPORTED", "ERROR", "NOEXPECT")}
    total_execs, total_secs = 0, 0.0
    t0 = time.time()
    oracle = getattr(opts, "oracle", None)
    if oracle:
        try:
            herd7_bin = herd7.find(build=True)
            mmdir = herd7.model_dir(opts.oracle_tree)
        except herd7.Herd7Error as e:
            print("busfuzz: %s" % e, file=sys.stderr)
            return 2
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        futs = []
        for path, test, unsup in loaded:
            herd = pool.submit(herd7.verdict, herd7_bin, mmdir, path) if oracle else None
            if test is None:
                futs.append((path, test, unsup, None, herd))
            else:
                futs.append((path, test, None, pool.submit(run_one, path, test, rt, opts), herd))
        for path, test, unsup, fut, herd in futs:
            if fut is None:
                res = Result(unsup[0], path)
                res.status, res.reason = "UNSUPPORTED", unsup[1]
            else:
                res = fut.result()
            if herd is not None:
                judge_by_oracle(res, test, herd.result())
            counts[res.status] += 1
            total_execs += res.execs
            total_secs += res.seconds
            print(res.line(), file=out, flush=True)
            if opts.verbose:
                if res.gen:
                    print("    generated C: %s" % res.gen, file=out)
                if res.binary and os.path.exists(res.binary):
                    print("    explorer:    %s --model %s --srcu %s" % (res.binary, opts.model, opts.srcu),
                          file=out)
                for l in res.compile_log.strip().splitlines()[:20]:
                    print("    | " + l, file=out)
    rate = total_execs / total_secs if total_secs > 0 else 0.0
    print("summary: %d OK, %d MISMATCH, %d LIMITATION, %d UNSUPPORTED, %d ERROR, %d NOEXPECT; "
          "%d executions in %.2f s of exploration (%.0f executions/s); model %s, srcu %s; %.1f s in all" %
          (counts["OK"], counts["MISMATCH"], counts["LIMITATION"], counts["UNSUPPORTED"], counts["ERROR"],
           counts["NOEXPECT"], total_execs, total_secs, rate, opts.model, opts.srcu, time.time() - t0),
          file=out, flush=True)
    return 1 if counts["MISMATCH"] or counts["ERROR"] else 0


def add_options(p):
    p.add_argument("--model", choices=("lkmm", "tso", "sc"), default="lkmm",
                   help="the simulator's memory model (default lkmm)")
    p.add_argument("--srcu", choices=("doc", "impl"), default="doc",
                   help="SRCU ordering: documented (doc, default) or Tree SRCU's implementation (impl)")
    p.add_argument("--max-execs", type=int, default=10000000, metavar="N",
                   help="stop a test's exploration after N executions (default 10000000)")
    p.add_argument("--timeout", type=int, default=600, metavar="S", help="seconds per test (default 600)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="tests compiled and run at once")
    p.add_argument("--oracle", choices=("herd7",),
                   help="also run herd7 (the LKMM's reference tool) on each test and judge by its verdict "
                        "(built once into ~/.cache/busfuzz/herd7 when missing)")
    p.add_argument("--verbose", action="store_true", help="print where the generated C and explorers are")
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--no-state-cache", action="store_true", help=argparse.SUPPRESS)


def check_options(opts):
    for n in ("max_execs", "timeout", "jobs"):
        if getattr(opts, n) < 1:
            raise LitmusError("--%s must be at least 1" % n.replace("_", "-"))


def main(argv=None):
    p = argparse.ArgumentParser(prog="litmus.py", description=__doc__.split("\n")[0])
    add_options(p)
    p.add_argument("--tree", dest="oracle_tree", help="with --oracle: the kernel tree whose LKMM herd7 runs")
    p.add_argument("files", nargs="+", metavar="FILE")
    opts = p.parse_args(argv)
    if opts.oracle and not opts.oracle_tree:
        print("busfuzz: --oracle needs --tree (the kernel tree whose tools/memory-model herd7 runs)", file=sys.stderr)
        return 2
    try:
        check_options(opts)
        return run(opts.files, opts)
    except LitmusError as e:
        print("busfuzz: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
