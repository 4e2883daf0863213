# SPDX-License-Identifier: GPL-2.0-only
"""Extract the real KVM I/O bus code from a kernel tree into a build folder.

    python3 tools/extract.py --tree DIR --out OUTDIR --stubs kernel-shim/stubs.def
    python3 tools/extract.py --kernel 6.12 --out OUTDIR --stubs ...   (tree via tools/kernels.py)

The bus functions of virt/kvm/kvm_main.c are taken verbatim, plus the closure
of every top-level definition of that file they reference (minus stubbed
names), so a helper a future kernel adds is picked up without changing this
script.  Each item is preceded by a #line directive so that compiler errors,
sanitizer reports and traces point at the kernel file and line.

The kernel types they need (struct kvm, struct kvm_vcpu...) come from the
tree's headers too (tools/kernel_types.py), with the placeholders of
kernel-shim/placeholders.def (beside the stubs file) for what the shim cannot
provide.

Outputs (written only if their content changed, all or nothing):
  include/kvm/iodev.h  kvm_host_types.h  kvm_host_bus_inlines.h
  kvm_main_bus.c  stubs.h  extracted.h  externals.txt  manifest.json
"""

import argparse
import bisect
import hashlib
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kernel_types  # noqa: E402

ROOTS = (
    "kvm_io_bus_register_dev", "kvm_io_bus_unregister_dev", "kvm_io_bus_write",
    "kvm_io_bus_write_cookie", "kvm_io_bus_read", "kvm_io_bus_get_dev",
    "kvm_io_bus_destroy", "kvm_destroy_vm", "kvm_create_vm", "kvm_put_kvm",
    "kvm_get_kvm", "kvm_vm_ioctl_create_vcpu", "kvm_destroy_vcpus", "kvm_vm_ioctl",
)

# Taken when the tree has them: the memslot lookup a vCPU exit makes (the harness calls it).
OPTIONAL_ROOTS = ("kvm_vcpu_gfn_to_memslot",)

KVM_MAIN = "virt/kvm/kvm_main.c"
KVM_HOST = "include/linux/kvm_host.h"
IODEV = "include/kvm/iodev.h"
COALESCED = "virt/kvm/coalesced_mmio.c"
COALESCED_H = "virt/kvm/coalesced_mmio.h"
EVENTFD = "virt/kvm/eventfd.c"
UAPI_KVM = "include/uapi/linux/kvm.h"
VMX = "arch/x86/kvm/vmx/vmx.c"
VGIC_INIT = "arch/arm64/kvm/vgic/vgic-init.c"
MAKEFILE = "Makefile"
X86 = "arch/x86/kvm/x86.c"
X86_HOST = "arch/x86/include/asm/kvm_host.h"

# What memslots are made of: the tree's rb-tree, interval tree and hash
# table, copied whole (with #line) into the build's include/linux/ (headers)
# and lib/ (compiled with the extracted code).  A tree lacking one (5.10 has
# no rbtree_types.h) simply has none.
TREE_HEADERS = (
    "include/linux/rbtree_types.h", "include/linux/rbtree.h",
    "include/linux/rbtree_augmented.h", "include/linux/interval_tree.h",
    "include/linux/interval_tree_generic.h", "include/linux/hashtable.h",
)
TREE_LIBS = ("lib/rbtree.c", "lib/interval_tree.c")
# Memslot updates need all of these but the first; without them, or in a
# tree whose memslots are not the rb-trees kvm_swap_active_memslots() swaps
# (5.10's sorted arrays and install_new_memslots()), memslots are off:
# these become stubs and the build line says why.
MEMSLOT_SWAP = "kvm_swap_active_memslots"
MEMSLOT_STUBS = ("kvm_vm_ioctl_set_memory_region", "kvm_free_memslots")
# x86's internal memslots: __x86_set_memory_region() (x86.c) makes them; the
# harness's kvm_arch_vcpu_create() stand-in calls it for the APIC access page.
X86_ROOTS = ("__x86_set_memory_region",)
# x86's memslot limits (asm/kvm_host.h): the slots it keeps for itself, and its
# address spaces (SMM).  Taken instead of kvm_host.h's generic defaults.
X86_DEFINES = ("KVM_INTERNAL_MEM_SLOTS", "KVM_MAX_NR_ADDRESS_SPACES")

# The real callers of the bus: KVM_IOEVENTFD (eventfd.c) and
# KVM_[UN]REGISTER_COALESCED_MMIO (coalesced_mmio.c), with what kvm_create_vm()
# and kvm_destroy_vm() call of them.  Their closure is searched in these files,
# in this order (a name takes its first definition): the .c files, then the
# private header, then the uapi header for the ioctl structures and flags.
CALLER_ROOTS = (
    (EVENTFD, ("kvm_ioeventfd", "kvm_eventfd_init")),
    (COALESCED, ("kvm_vm_ioctl_register_coalesced_mmio",
                 "kvm_vm_ioctl_unregister_coalesced_mmio",
                 "kvm_coalesced_mmio_init", "kvm_coalesced_mmio_free")),
)
CALLER_FILES = (EVENTFD, COALESCED, COALESCED_H, UAPI_KVM)

# The kernel types the shim and the harness need whatever the code uses.
TYPE_ROOTS = (("struct", "kvm"), ("struct", "kvm_vcpu"), ("struct", "kvm_io_range"),
              ("define", "NR_IOBUS_DEVS"), ("struct", "kvm_io_bus"), ("enum", "kvm_bus"))
# The shim: what it defines is not taken from the tree; placeholders.def.
SHIM_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "kernel-shim")
HOST_INLINES = (("function", "kvm_get_bus"), ("function", "kvm_get_vcpu"),
                ("function", "kvm_get_vcpu_by_id"))
# Besides these, every inline function of kvm_host.h the extracted code calls
# (the memslot helpers: __kvm_memslots(), id_to_memslot(), ...) is taken with
# its own closure over kvm_host.h, under the shim's configuration.

C_KEYWORDS = frozenset("""
auto break case char const continue default do double else enum extern float
for goto if inline int long register restrict return short signed sizeof static
struct switch typedef union unsigned void volatile while _Bool _Complex
_Imaginary _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert
_Thread_local typeof __typeof__ __typeof typeof_unqual __typeof_unqual__
__attribute__ __attribute asm __asm__ __asm __extension__ __label__
__auto_type __inline __inline__ __restrict __restrict__ __signed__ __const
__const__ __volatile__ __volatile alignof __alignof__ static_assert defined
""".split())

# Words that may decorate a declaration without being its name; a call-like
# use of one of these (e.g. __printf(1, 2)) is never a function's name.
ATTR_WORDS = frozenset("""
static extern inline const volatile register __inline __inline__
__always_inline noinline __noinline __weak __visible __init __exit __initdata
__exitdata __initconst __ro_after_init __read_mostly __maybe_unused __used
__must_check __cold __hot __pure __noreturn __packed __percpu __rcu __user
__iomem __force __nocast __safe __private __sched __noclone notrace
__always_unused __latent_entropy __randomize_layout __cacheline_aligned
__cacheline_aligned_in_smp ____cacheline_aligned ____cacheline_aligned_in_smp
__refdata __initdata_or_module __meminit __init_or_module __mustcheck
__attribute__ __attribute __printf __scanf __aligned __section __alloc_size
__malloc __must_hold __acquires __releases __acquire __release
__cond_acquires __cond_releases __counted_by __nonstring __diagnose_as
__no_sanitize_address __no_kcsan __noinstr noinstr __flatten __fix_address
__realloc_size __assume_aligned __deprecated __designated_init __gnu_inline
__no_profile __nostackprotector __naked __irq_entry __kprobes
__attribute_const__ __ref __exception_irq_entry
""".split())


class ExtractError(Exception):
    """One-line, user-facing failure; the CLI prints it and exits 2."""


# ---------------------------------------------------------------- tokenizer

class Tok:
    __slots__ = ("kind", "text", "start", "end")

    def __init__(self, kind, text, start, end):
        self.kind, self.text, self.start, self.end = kind, text, start, end

    def __repr__(self):
        return "Tok(%s,%r,%d)" % (self.kind, self.text, self.start)


_TOKEN_RE = re.compile(r"""
  (?P<nl>\n)
| (?P<ws>(?:[ \t\f\v\r]|\\\r?\n)+)
| (?P<bcom>/\*(?s:.*?)\*/)
| (?P<lcom>//[^\n]*)
| (?P<str>(?:u8|[uUL])?"(?:[^"\\\n]|\\(?s:.))*")
| (?P<chr>(?:u8|[uUL])?'(?:[^'\\\n]|\\(?s:.))*')
| (?P<bad>/\*)
| (?P<quote>["'])
| (?P<id>[A-Za-z_$][A-Za-z0-9_$]*)
| (?P<num>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*)
| (?P<op>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||\.\.\.|\#\#
        |[-+*/%&|^]=|[-+*/%&|^!~<>=?:;,.()\[\]{}\#\\@`])
""", re.X)

# The rest of a preprocessor line: comments may span lines, backslash-newline
# continues it, quotes that do not close on the line are taken as plain chars
# (e.g. #error don't).
_PP_BODY_RE = re.compile(r"""(?:
   [^\\\n"'/]+
 | \\\r?\n
 | \\.
 | "(?:[^"\\\n]|\\.)*"
 | '(?:[^'\\\n]|\\.)*'
 | /\*(?s:.*?)\*/
 | //[^\n]*
 | [/"'\\]
)*""", re.X)

_PP_NAME_RE = re.compile(r"#(?:[ \t]|/\*(?s:.*?)\*/|\\\r?\n)*([A-Za-z_]*)")


class Source:
    """A file's text, its tokens and a fast offset -> line mapping."""

    def __init__(self, rel, text, base=0, line_starts=None):
        self.rel = rel
        self.text = text
        if line_starts is None:
            line_starts = [0]
            line_starts.extend(m.end() for m in re.finditer("\n", text))
        self.line_starts = line_starts
        self.toks = tokenize(self, text, base)

    def line_of(self, off):
        return bisect.bisect_right(self.line_starts, off)

    def line_start(self, off):
        return self.line_starts[self.line_of(off) - 1]


def tokenize(src, text, base=0, pos=0, endpos=None):
    """Tokens of text[pos:endpos]; offsets are base-relative to src.text."""
    if endpos is None:
        endpos = len(text)
    toks = []
    append = toks.append
    at_bol = True
    match = _TOKEN_RE.match
    while pos < endpos:
        m = match(text, pos, endpos)
        if m is None:
            raise ExtractError("%s:%d: cannot tokenize %r" % (
                src.rel, src.line_of(base + pos), text[pos:pos + 10]))
        kind = m.lastgroup
        end = m.end()
        if kind == "nl":
            at_bol = True
        elif kind in ("ws", "bcom", "lcom"):
            pass
        elif kind == "bad":
            raise ExtractError("%s:%d: unterminated comment" % (
                src.rel, src.line_of(base + pos)))
        elif kind == "quote":
            # A quote that does not close on its line can only be in text the
            # compiler skips (#if 0 prose, "it's"): take it as a lone char.
            append(Tok("op", m.group(), base + pos, base + end))
            at_bol = False
        elif kind == "op" and m.group() == "#" and at_bol:
            pm = _PP_BODY_RE.match(text, end, endpos)
            end = pm.end()
            append(Tok("pp", text[pos:end], base + pos, base + end))
            at_bol = False
        else:
            append(Tok(kind, m.group(), base + pos, base + end))
            at_bol = False
        pos = end
    return toks


def pp_name(tok):
    m = _PP_NAME_RE.match(tok.text)
    return m.group(1) if m else ""


def pp_tokens(src, tok):
    """Tokens of a directive after its name, e.g. a #define's body."""
    m = _PP_NAME_RE.match(tok.text)
    start = tok.start + m.end()
    return tokenize(src, src.text, 0, start, tok.end)


# ---------------------------------------------------------------- top level

class Item:
    """A top-level construct: definition, declaration or directive."""

    def __init__(self, src, kind, toks, first, last):
        self.src = src
        self.kind = kind          # function|decl|define|proto|other
        self.toks = toks          # slice of the file's tokens
        self.first = first        # first token
        self.last = last          # last token
        self.names = []           # plain identifiers defined
        self.tags = []            # "struct x" / "enum y" defined with a body
        self.body_open = None     # index in toks of a function's '{'
        self.params = None        # (lo, hi) indices of the parameter parens
        self.cond = ()            # enclosing top-level #if lines
        self.broken = None        # why it cannot be used, if it cannot
        self.tentative = False    # object declared without initializer

    @property
    def line(self):
        return self.src.line_of(self.text_start)

    @property
    def end_line(self):
        return self.src.line_of(self.text_end - 1)

    @property
    def text_start(self):
        # Start at the beginning of the line if only blanks or complete
        # comments precede the item there, so that "#line N" followed by the
        # item's first line reproduces line N of the file exactly.
        src, off = self.src, self.first.start
        ls = src.line_start(off)
        if re.fullmatch(r"(?:[ \t]|/\*[^\n]*?\*/)*", src.text[ls:off]):
            return ls
        return off

    @property
    def text_end(self):
        src, off = self.src, self.last.end
        m = re.compile(r"[ \t]*(?:/\*[^\n]*?\*/[ \t]*|//[^\n]*)?(?=\n|$)").match(
            src.text, off)
        return m.end() if m else off

    def text(self):
        return self.src.text[self.text_start:self.text_end]

    def header_text(self):
        assert self.kind == "function"
        hdr_last = self.toks[self.body_open - 1]
        return self.src.text[self.text_start:hdr_last.end].rstrip()

    def nparams(self):
        lo, hi = self.params
        inner = self.toks[lo + 1:hi]
        if not inner or (len(inner) == 1 and inner[0].text == "void"):
            return 0
        n, depth = 1, 0
        for t in inner:
            if t.text in "([{":
                depth += 1
            elif t.text in ")]}":
                depth -= 1
            elif t.text == "," and depth == 0:
                n += 1
        return n

    def where(self):
        return "%s:%d-%d" % (self.src.rel, self.line, self.end_line)


def _match_close(toks, i, end=None):
    """Index of the bracket closing toks[i]; None if unbalanced."""
    if end is None:
        end = len(toks)
    depth = 0
    for j in range(i, end):
        t = toks[j].text
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return j
    return None


def segment(src):
    """Split a file into top-level items (brace depth 0)."""
    toks = src.toks
    items = []
    cond = []                    # stack of top-level #if lines
    depth = 0                    # braces
    paren = 0                    # parens and brackets
    start = None                 # index of first token of current statement
    body_open = None
    pp_stack = []                # [state at #if, state after 1st branch]
    stmt_has_pp = False
    open_line = []               # token index of each open '{'

    def finish(end_idx, kind):
        nonlocal start, body_open, stmt_has_pp
        it = Item(src, kind, toks[start:end_idx + 1], toks[start], toks[end_idx])
        if body_open is not None:
            it.body_open = body_open - start
        it.cond = tuple(cond)
        if stmt_has_pp:
            it.broken = "preprocessor conditional inside its top-level text"
        classify(it)
        items.append(it)
        start = None
        body_open = None
        stmt_has_pp = False

    for i, t in enumerate(toks):
        k = t.kind
        if k == "pp":
            name = pp_name(t)
            # Keep brace counting sane across #if/#else branches that each
            # open or close a brace: every branch restarts from the depth at
            # the #if, and the first branch's outcome is kept after #endif
            # (the first branch after an "#if 0", which is never compiled).
            if name in ("if", "ifdef", "ifndef"):
                zero = re.fullmatch(r"#\s*if\s+0\s*", t.text) is not None
                pp_stack.append([(depth, paren, list(open_line)), None, zero])
            elif name in ("elif", "else", "elifdef", "elifndef") and pp_stack:
                top = pp_stack[-1]
                if top[1] is None and not top[2]:
                    top[1] = (depth, paren, list(open_line))
                top[2] = False
                depth, paren, open_line = top[0][0], top[0][1], list(top[0][2])
                if depth == 0 and start is not None:
                    stmt_has_pp = True     # e.g. two variants of one header
            elif name == "endif" and pp_stack:
                top = pp_stack.pop()
                if top[1] is not None:
                    depth, paren, open_line = top[1]
                elif top[2]:
                    depth, paren, open_line = top[0]
            if depth == 0 and paren == 0 and start is None:
                if name == "define":
                    it = Item(src, "define", [t], t, t)
                    it.cond = tuple(cond)
                    m = re.match(r"#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)", t.text)
                    if m:
                        it.names.append(m.group(1))
                    items.append(it)
                if name in ("if", "ifdef", "ifndef"):
                    cond.append(t.text.split("\n")[0])
                elif name in ("elif", "else", "elifdef", "elifndef") and cond:
                    cond[-1] = cond[-1] + " / " + t.text.split("\n")[0]
                elif name == "endif" and cond:
                    cond.pop()
            elif depth == 0 and start is not None and name in (
                    "if", "ifdef", "ifndef", "elif", "else", "endif"):
                stmt_has_pp = True
            continue
        if start is None:
            start = i
        tx = t.text
        if k != "op":
            continue
        if tx == "{":
            if depth == 0 and paren == 0 and body_open is None:
                if _looks_like_function(toks, start, i):
                    body_open = i
            depth += 1
            open_line.append(i)
        elif tx == "}":
            depth -= 1
            if depth < 0:
                raise ExtractError("%s:%d: unbalanced '}'" % (
                    src.rel, src.line_of(t.start)))
            open_line.pop()
            if depth == 0 and body_open is not None:
                finish(i, "function")
        elif tx in ("(", "["):
            paren += 1
        elif tx in (")", "]"):
            paren -= 1
            if paren < 0 and depth == 0:
                raise ExtractError("%s:%d: unbalanced '%s'" % (
                    src.rel, src.line_of(t.start), tx))
        elif tx == ";" and depth == 0 and paren == 0:
            finish(i, "decl")
    if depth != 0:
        at = toks[open_line[0]] if open_line else toks[-1]
        raise ExtractError("%s:%d: unbalanced braces ('{' never closed)" % (
            src.rel, src.line_of(at.start)))
    if start is not None:
        raise ExtractError("%s:%d: unterminated top-level item" % (
            src.rel, src.line_of(toks[start].start)))
    if paren != 0:
        raise ExtractError("%s:%d: unbalanced parentheses" % (
            src.rel, src.line_of(toks[-1].start)))
    return items


def _looks_like_function(toks, start, brace):
    """A '{' at depth 0 opens a function body if the header ends in ')'
    (possibly followed by attribute words) and has no '=' at depth 0."""
    depth = 0
    for j in range(start, brace):
        tx = toks[j].text
        if tx in ("(", "["):
            depth += 1
        elif tx in (")", "]"):
            depth -= 1
        elif depth == 0 and tx == "=":
            return False
        elif depth == 0 and toks[j].kind == "id" and tx in (
                "struct", "union", "enum") and j + 2 >= brace:
            return False
    j = brace - 1
    while j >= start and toks[j].kind == "id" and toks[j].text in ATTR_WORDS:
        j -= 1
    return j >= start and toks[j].text == ")"


def _depth0_groups(toks, lo, hi):
    """(open, close) index pairs of top-level paren groups in toks[lo:hi]."""
    out = []
    j = lo
    while j < hi:
        tx = toks[j].text
        if tx == "(":
            c = _match_close(toks, j, hi)
            if c is None:
                return out
            out.append((j, c))
            j = c + 1
            continue
        if tx in ("[", "{"):
            c = _match_close(toks, j, hi)
            if c is None:
                return out
            j = c + 1
            continue
        j += 1
    return out


def _is_attr(tok):
    return tok.kind == "id" and (tok.text in ATTR_WORDS or
                                 tok.text.startswith("__attribute"))


def classify(it):
    """Fill in names, tags and, for functions, the parameter group."""
    toks = it.toks
    if it.kind == "function":
        groups = _depth0_groups(toks, 0, it.body_open)
        for lo, hi in reversed(groups):
            prev = toks[lo - 1] if lo > 0 else None
            if prev is not None and prev.kind == "id" and \
                    prev.text not in C_KEYWORDS and not _is_attr(prev):
                it.names.append(prev.text)
                it.params = (lo, hi)
                break
        if not it.names:
            it.kind = "other"
        return
    # Declarations: typedefs, variables (possibly macro-defined), prototypes,
    # struct/union/enum definitions, macro invocations like EXPORT_SYMBOL().
    n = len(toks)
    if n and toks[0].text == "extern":
        it.kind = "proto"
        return
    # struct/union/enum bodies at depth 0
    j = 0
    while j < n:
        tx = toks[j].text
        if tx in ("struct", "union", "enum") and toks[j].kind == "id":
            k = j + 1
            while k < n and _is_attr(toks[k]):
                if k + 1 < n and toks[k + 1].text == "(":
                    k = _match_close(toks, k + 1) + 1
                else:
                    k += 1
            tag = None
            if k < n and toks[k].kind == "id":
                tag = toks[k].text
                k += 1
            if k < n and toks[k].text == "{":
                close = _match_close(toks, k)
                if tag:
                    it.tags.append("%s %s" % (tx, tag))
                    it.names.append(tag)
                if tx == "enum":
                    _enum_constants(it, toks, k, close)
                j = close + 1
                continue
            j = k
            continue
        if tx in ("(", "["):
            j = _match_close(toks, j) + 1
            continue
        if tx == "{":
            j = _match_close(toks, j) + 1
            continue
        j += 1
    # macro-defined objects: [static] MACRO(name, ...);
    lead = 0
    while lead < n and toks[lead].kind == "id" and toks[lead].text in ATTR_WORDS:
        lead += 1
    if lead + 1 < n and toks[lead].kind == "id" and toks[lead + 1].text == "(":
        close = _match_close(toks, lead + 1)
        if close == n - 2:
            macro = toks[lead].text
            args = _split_args(toks, lead + 1, close)
            if re.match(r"(DEFINE|DECLARE)_|^(H|LL)?LIST_HEAD$|^[A-Z_]*LIST_HEAD$",
                        macro) and args:
                pick = args[-1] if "PER_CPU" in macro else args[0]
                if len(pick) == 1 and pick[0].kind == "id":
                    it.names.append(pick[0].text)
                    it.kind = "decl"
                    return
            it.kind = "other"
            if it.tags:
                it.kind = "decl"
            return
    # plain declarators
    is_typedef = n > 0 and toks[0].text == "typedef"
    body = toks[:-1] if n and toks[-1].text == ";" else toks
    declarators = _split_args(body, -1, len(body))
    any_var = False
    for d in declarators:
        name, is_func = _declarator_name(d)
        if name is None:
            continue
        if is_func and not is_typedef:
            continue            # prototype
        it.names.append(name)
        any_var = True
    if not any_var and not it.tags:
        it.kind = "proto" if declarators else "other"
    elif any_var and not is_typedef and not any(
            t.text in ("=", "{") for t in toks):
        it.tentative = True


def _enum_constants(it, toks, lo, hi):
    for part in _split_args(toks, lo, hi):
        if part and part[0].kind == "id":
            it.names.append(part[0].text)


def _split_args(toks, lo, hi):
    """Comma-separated parts of toks[lo+1:hi] at bracket depth 0."""
    parts, cur, depth = [], [], 0
    for t in toks[lo + 1:hi]:
        tx = t.text
        if tx in ("(", "[", "{"):
            depth += 1
        elif tx in (")", "]", "}"):
            depth -= 1
        if tx == "," and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


def _declarator_name(d):
    """(name, is_function) of one declarator, ignoring any initializer."""
    cut = len(d)
    depth = 0
    for j, t in enumerate(d):
        if t.text in ("(", "[", "{"):
            depth += 1
        elif t.text in (")", "]", "}"):
            depth -= 1
        elif t.text == "=" and depth == 0:
            cut = j
            break
    d = d[:cut]
    name = None
    cand = None
    k = 0
    while k < len(d):
        t = d[k]
        if t.text == "{":
            # a struct/union/enum body: only what follows names objects
            k = _match_close(d, k) + 1
            name = cand = None
            continue
        if t.text == "(":
            close = _match_close(d, k)
            if close is None:
                break
            inner = d[k + 1:close]
            if inner and inner[0].text == "*":
                # (*name)(...) or (*name)[...]: pointer to function or array;
                # (*name(args))(...): function returning such a pointer
                q = 0
                while q < len(inner) and (inner[q].text in ("*", "const", "volatile")
                                          or _is_attr(inner[q])):
                    q += 1
                if q < len(inner) and inner[q].kind == "id":
                    fn = q + 1 < len(inner) and inner[q + 1].text == "("
                    return inner[q].text, fn
            if cand is not None:
                return cand.text, True          # name(...): a function
            k = close + 1
            continue
        if t.text == "[":
            k = _match_close(d, k) + 1
            continue
        if t.kind == "id" and t.text in ("struct", "union", "enum"):
            k += 2 if k + 1 < len(d) and d[k + 1].kind == "id" else 1
            continue
        if t.kind == "id" and t.text not in C_KEYWORDS and not _is_attr(t):
            cand = t
            name = t.text
        elif _is_attr(t):
            cand = None     # e.g. __aligned(8) after the name is no call
        k += 1
    return name, False


# ---------------------------------------------------------------- references

def references(it, stubs):
    """Identifiers an item uses, minus member names and the arguments of
    calls to stubbed names (the stub macro drops them)."""
    refs = set()
    _refs(it.toks, stubs, refs, it.src)
    return refs


def _refs(toks, stubs, refs, src, calls=None):
    n = len(toks)
    j = 0
    prev = None
    while j < n:
        t = toks[j]
        if t.kind == "pp":
            # conditions and macro bodies can use names too
            name = pp_name(t)
            if name in ("define", "if", "elif", "ifdef", "ifndef",
                        "elifdef", "elifndef"):
                inner = pp_tokens(src, t)
                if name == "define":
                    inner = inner[1:]      # the macro's own name
                _refs(inner, stubs, refs, src, calls)
            j += 1
            continue
        if t.kind == "id" and not (prev is not None and prev.text in (".", "->")):
            is_call = j + 1 < n and toks[j + 1].text == "("
            if t.text in stubs and is_call:
                close = _match_close(toks, j + 1)
                refs.add(t.text)
                if calls is not None:
                    calls.append(t)
                if close is None:
                    break
                prev = toks[close]
                j = close + 1
                continue
            refs.add(t.text)
            if calls is not None and is_call:
                calls.append(t)
        prev = t
        j += 1


def fnptr_locals(toks):
    """Names declared as (*name) in an item: calling them is not external."""
    out = set()
    for j in range(len(toks) - 3):
        if toks[j].text == "(" and toks[j + 1].text == "*" and \
                toks[j + 2].kind == "id" and toks[j + 3].text == ")":
            out.add(toks[j + 2].text)
    return out


# ---------------------------------------------------------------- stubs file

def read_stubs(path):
    """NAME -> reason from a stubs.def file."""
    stubs = {}
    try:
        lines = list(kernel_types.table_lines(path))
    except kernel_types.TypeError_ as e:
        raise ExtractError(str(e))
    for no, s in lines:
        parts = s.split(None, 1)
        name = parts[0]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ExtractError("%s:%d: bad stub name %r" % (path, no, name))
        stubs[name] = parts[1].strip() if len(parts) > 1 else ""
    return stubs


# ---------------------------------------------------------------- extraction

class Tree:
    def __init__(self, root):
        self.root = root
        self.hashes = {}
        self._items = {}

    def path(self, rel):
        return os.path.join(self.root, rel)

    def read(self, rel, needed_for=None):
        p = self.path(rel)
        try:
            with open(p, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            why = " (needed for %s)" % needed_for if needed_for else ""
            raise ExtractError("%s: no such file%s" % (p, why))
        except OSError as e:
            raise ExtractError("%s: %s" % (p, e.strerror or e))
        self.hashes[rel] = hashlib.sha256(data).hexdigest()
        return data.decode("utf-8", "surrogateescape")

    def exists(self, rel):
        return os.path.isfile(self.path(rel))

    def items(self, rel, needed_for=None):
        """The file's top-level items, segmented once (shared by all users)."""
        if rel not in self._items:
            self._items[rel] = segment(Source(rel, self.read(rel, needed_for)))
        return self._items[rel]


def _index(items):
    """name -> [items defining it], in file order (functions/decls/defines)."""
    idx = {}
    for it in items:
        if it.kind not in ("function", "decl", "define"):
            continue
        for nm in it.names:
            idx.setdefault(nm, []).append(it)
    return idx


def _find(items, kind, name, rel):
    for it in items:
        if kind == "define" and it.kind == "define" and name in it.names:
            return it
        if kind == "function" and it.kind == "function" and it.names == [name]:
            return it
        if kind in ("struct", "union", "enum") and "%s %s" % (kind, name) in it.tags:
            return it
    label = name if kind in ("define", "function") else "%s %s" % (kind, name)
    raise ExtractError("%s: symbol '%s' not found" % (rel, label))


def _section(items, rel, guard, what):
    out = ["/* SPDX-License-Identifier: GPL-2.0-only */",
           "/* Generated by tools/extract.py from the kernel tree's %s: %s. */" % (
               rel, what),
           "#ifndef %s" % guard, "#define %s" % guard, ""]
    for it in items:
        out.append('#line %d "%s"' % (it.line, rel))
        out.append(it.text())
        out.append("")
    out.append("#endif /* %s */" % guard)
    return "\n".join(out) + "\n"


def _shim(tree_headers, arch_macros):
    """(names, macros) the shim gives, with the tree's own rb-tree, interval
    tree and hash table headers it includes, and the arch's defines."""
    shim_dir = SHIM_DIR
    try:
        shim, macros = kernel_types.shim_names(
            shim_dir, lambda p: segment(Source(os.path.relpath(p, shim_dir), _read_text(p))))
    except kernel_types.TypeError_ as e:
        raise ExtractError(str(e))
    for items in tree_headers:
        for it in items:
            shim.update(it.names)
            shim.update(t.split()[1] for t in it.tags)
    macros.update(arch_macros)
    shim.update(arch_macros)
    return shim, macros


def _types(tree, stubs, skip, code, shim, macros):
    """The kernel_types.Closure of the code's types over the tree's headers."""
    shim_dir = SHIM_DIR
    try:
        ph = kernel_types.read_placeholders(os.path.join(shim_dir, "placeholders.def"))
        headers = {rel: tree.items(rel, "the kernel types")
                   for rel in kernel_types.TYPE_HEADERS if tree.exists(rel)}
        cl = kernel_types.Closure(headers, shim, macros, ph, skip, set(stubs), pp_tokens)
        tags = {t.split()[1] for it in code for t in it.tags}
        cl.fn_only = {nm for it in code if it.kind == "function" for nm in it.names} - tags
        cl.roots(code, TYPE_ROOTS)
    except kernel_types.TypeError_ as e:
        raise ExtractError(str(e))
    return cl


def _arch_defines(tree):
    """x86's X86_DEFINES items from asm/kvm_host.h (each whatever its #if:
    the simulated x86 has SMM), and their integer values; none without it."""
    if not tree.exists(X86_HOST):
        return [], {}
    items, vals = [], {}
    for it in tree.items(X86_HOST, "x86's memslot limits"):
        if it.kind != "define" or not it.names or it.names[0] not in X86_DEFINES:
            continue
        if it.names[0] in vals:
            continue
        m = re.match(r"#\s*define\s+\w+\s+(\d+)\s*$", it.first.text)
        if not m:
            continue
        items.append(it)
        vals[it.names[0]] = int(m.group(1))
    return items, vals


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise ExtractError("%s: %s" % (path, e.strerror or e))


def _extract_callers(tree, stubs, outside):
    """The closure of CALLER_ROOTS over CALLER_FILES: (types, functions, notes).

    types: struct/enum/define items of the headers, in file order (uapi
    first); functions: every item of the .c files, in file order per file.
    Names in outside (what kvm_main.c, kvm_host.h and iodev.h give) are never
    searched here: the callers use the same bus code as everyone else."""
    items = {}
    for rel in CALLER_FILES:
        items[rel] = tree.items(rel, "the ioeventfd and coalesced MMIO callers")
    # name -> the first definition of each namespace (tag or ordinary): a
    # struct and a function may share a name (struct kvm_ioeventfd and
    # kvm_ioeventfd()).  Anonymous enums define their constants.
    idx = {}
    for rel in CALLER_FILES:
        for it in items[rel]:
            if it.kind not in ("function", "decl", "define", "proto") or not it.names:
                continue
            if it.kind == "decl" and it.tentative:
                continue
            for nm in it.names:
                ns = "tag" if any(t.split()[1] == nm for t in it.tags) else "ord"
                idx.setdefault(nm, {}).setdefault(ns, it)
    for rel, roots in CALLER_ROOTS:
        for r in roots:
            it = idx.get(r, {}).get("ord")
            if it is None or it.kind != "function" or it.src.rel != rel:
                raise ExtractError("%s: symbol '%s' not found" % (rel, r))
    notes = []
    chosen = {}
    work = []

    def want(name):
        if name in stubs or name in outside:
            return
        for it in idx.get(name, {}).values():
            if id(it) in chosen:
                continue
            if it.broken:
                raise ExtractError("%s:%d: cannot extract '%s': %s" % (
                    it.src.rel, it.line, name, it.broken))
            chosen[id(it)] = it
            work.append(it)

    for _rel, roots in CALLER_ROOTS:
        for r in roots:
            want(r)
    while work:
        for nm in sorted(references(work.pop(), stubs)):
            want(nm)
    order = {rel: i for i, rel in enumerate(CALLER_FILES)}
    picked = sorted(chosen.values(), key=lambda it: (order[it.src.rel], it.first.start))
    heads = [it for it in picked if it.src.rel in (UAPI_KVM, COALESCED_H)]
    heads.sort(key=lambda it: (it.src.rel != UAPI_KVM, it.first.start))
    body = [it for it in picked if it.src.rel in (EVENTFD, COALESCED)]
    return heads, body, notes


def _fact_caller_destroys(tree):
    rel = COALESCED
    what = "BUSFUZZ_CALLER_DESTROYS_UNREGISTERED_DEV"
    src = Source(rel, tree.read(rel, what))
    fn = _find(segment(src), "function", "kvm_vm_ioctl_unregister_coalesced_mmio", rel)
    toks = fn.toks
    seen_unreg = False
    for j, t in enumerate(toks):
        if t.text == "kvm_io_bus_unregister_dev" and j + 1 < len(toks) and \
                toks[j + 1].text == "(":
            seen_unreg = True
        if seen_unreg and t.text == "kvm_iodevice_destructor" and \
                "".join(x.text for x in toks[j:j + 7]) == \
                "kvm_iodevice_destructor(&dev->dev)":
            return 1
    if not seen_unreg:
        raise ExtractError("%s: kvm_vm_ioctl_unregister_coalesced_mmio does not "
                           "call kvm_io_bus_unregister_dev" % rel)
    return 0


# What a tree lacks of the optional patterns: the scenario option it turns off, a line each.
NOTES = []


def _fact_vmx_rmb(tree):
    if not tree.exists(VMX):
        return -1
    src = Source(VMX, tree.read(VMX))
    try:
        fn = _find(segment(src), "function", "handle_invalid_guest_state", VMX)
    except ExtractError:
        NOTES.append("%s has no handle_invalid_guest_state(): the emulation loop's scenario is off" % VMX)
        return -1
    texts = [t.text for t in fn.toks]
    for j in range(len(texts) - 3):
        if texts[j:j + 4] == ["smp_rmb", "(", ")", ";"]:
            return 1
    return 0


def _fact_vgic(tree):
    """(acquire, release): how kvm_vgic_map_resources() reads and sets
    dist->ready: 1 with smp_load_acquire()/smp_store_release(), 0 plainly;
    (-1, -1) without arch/arm64/kvm/vgic/vgic-init.c or without that pattern
    (5.10 tests the flag elsewhere): the vGIC scenario is off, and NOTES says why."""
    if not tree.exists(VGIC_INIT):
        return -1, -1
    src = Source(VGIC_INIT, tree.read(VGIC_INIT))
    try:
        fn = _find(segment(src), "function", "kvm_vgic_map_resources", VGIC_INIT)
    except ExtractError:
        NOTES.append("%s has no kvm_vgic_map_resources(): the vGIC scenario is off" % VGIC_INIT)
        return -1, -1
    text = "".join(t.text for t in fn.toks)
    if "dist->ready" not in text and "vgic_ready(kvm)" not in text:
        NOTES.append("%s: kvm_vgic_map_resources() does not test dist->ready: the vGIC scenario is off"
                     % VGIC_INIT)
        return -1, -1
    return (int("smp_load_acquire(&dist->ready)" in text),
            int("smp_store_release(&dist->ready," in text))


def _tree_version(tree):
    if not tree.exists(MAKEFILE):
        return "unknown"
    text = tree.read(MAKEFILE)
    vals = {}
    for key in ("VERSION", "PATCHLEVEL", "SUBLEVEL"):
        m = re.search(r"^%s\s*=\s*(\d+)\s*$" % key, text, re.M)
        if not m:
            return "unknown"
        vals[key] = m.group(1)
    return "%s.%s.%s" % (vals["VERSION"], vals["PATCHLEVEL"], vals["SUBLEVEL"])


def extract(tree_dir, stubs_path):
    """All output files as {relative path: text}."""
    if not os.path.isdir(tree_dir):
        raise ExtractError("%s: no such directory (kernel tree)" % tree_dir)
    tree = Tree(tree_dir)
    stubs = read_stubs(stubs_path)
    for r in ROOTS:
        if r in stubs:
            raise ExtractError("%s: '%s' is a root of the extraction and cannot "
                               "be stubbed" % (stubs_path, r))

    main = Source(KVM_MAIN, tree.read(KVM_MAIN, "kvm_io_bus_write"))
    iodev = Source(IODEV, tree.read(IODEV, "struct kvm_io_device"))

    main_items = segment(main)
    host_items = tree.items(KVM_HOST, "struct kvm_io_bus")
    iodev_items = segment(iodev)

    host_inl = [_find(host_items, k, n, KVM_HOST) for k, n in HOST_INLINES]
    idx = _index(main_items)
    missing = [rel for rel in TREE_HEADERS[1:] + TREE_LIBS if not tree.exists(rel)]
    memslots = not missing and any(it.kind == "function" for it in idx.get(MEMSLOT_SWAP, ()))
    if not memslots:
        why = ("%s has no %s() (memslots are not rb-trees there)" % (KVM_MAIN, MEMSLOT_SWAP)
               if not missing else "the tree has no %s" % missing[0])
        NOTES.append("%s: memslots are off (KVM_SET_USER_MEMORY_REGION is a stub)" % why)
        stubs = dict(stubs)
        for nm in MEMSLOT_STUBS:
            stubs[nm] = "memslots are off: %s" % why
    tree_hdrs = [rel for rel in TREE_HEADERS if memslots and tree.exists(rel)]
    arch_items, arch_vals = _arch_defines(tree) if memslots else ([], {})
    shim, macros = _shim([tree.items(rel, "the memslots") for rel in tree_hdrs], arch_vals)
    # kvm_host.h's inline functions under the shim's configuration: the first
    # variant whose #if holds.
    host_fn = {}
    for it in host_items:
        if it.kind == "function" and it.names and kernel_types.cond_holds(it.cond, macros):
            host_fn.setdefault(it.names[0], it)
    # kvm_host.h's macros: the type closure takes them, but what their bodies
    # call (kvm_for_each_memslot_in_gfn_range()'s iterator) is searched here.
    host_def = {}
    for it in host_items:
        if it.kind == "define" and it.names and kernel_types.cond_holds(it.cond, macros):
            host_def.setdefault(it.names[0], it)
    host_chosen = {id(it): it for it in host_inl}
    host_extra = []
    # x86's internal memslots, when the tree has x86.c and x86 keeps slots for itself.
    x86_items = []
    if memslots and tree.exists(X86) and arch_vals.get("KVM_INTERNAL_MEM_SLOTS", 0) >= 2:
        x86_all = tree.items(X86, "x86's internal memslots")
        for r in X86_ROOTS:
            for it in x86_all:
                if it.kind == "function" and it.names == [r]:
                    x86_items.append(it)
                    break
            else:
                NOTES.append("%s has no %s(): the APIC access page memslot is off" % (X86, r))
                x86_items = []
                break

    for r in ROOTS:
        if not any(it.kind == "function" for it in idx.get(r, ())):
            raise ExtractError("%s: symbol '%s' not found" % (KVM_MAIN, r))

    notes = []
    chosen = {}            # id(item) -> item
    work = []

    def want(name):
        defs = idx.get(name)
        if name in stubs:
            return
        if not defs:
            d = host_def.get(name)
            if d is not None and id(d) not in host_chosen and name not in shim:
                host_chosen[id(d)] = d
                refs = set()
                _refs(pp_tokens(d.src, d.first)[1:], stubs, refs, d.src)
                for nm in sorted(refs):
                    want(nm)
                return
            h = host_fn.get(name)
            if h is not None and name not in shim and id(h) not in host_chosen:
                if h.broken:
                    raise ExtractError("%s:%d: cannot extract '%s': %s" % (
                        KVM_HOST, h.line, name, h.broken))
                host_chosen[id(h)] = h
                host_extra.append(h)
                work.append(h)
            return
        if name in ROOTS:
            defs = [d for d in defs if d.kind == "function"]
        # "static T x;" followed later by "static T x = {...};" is one
        # object declared twice, not two variants: use the initialized one.
        full = [d for d in defs if not d.tentative]
        if full and len(full) < len(defs):
            defs = full
        first = defs[0]
        if id(first) in chosen:
            return
        if first.broken:
            raise ExtractError("%s:%d: cannot extract '%s': %s" % (
                KVM_MAIN, first.line, name, first.broken))
        others = [d for d in defs[1:] if d is not first]
        if others:
            notes.append("'%s' has %d definitions (%s); took the first, at %s" % (
                name, len(defs), ", ".join("%s:%d" % (KVM_MAIN, d.line) for d in defs),
                first.where()))
        chosen[id(first)] = first
        work.append(first)

    for r in ROOTS:
        want(r)
    for r in OPTIONAL_ROOTS if memslots else ():
        if any(it.kind == "function" for it in idx.get(r, ())):
            want(r)
    work.extend(x86_items)
    while work:
        it = work.pop()
        for nm in sorted(references(it, stubs)):
            want(nm)

    picked = sorted(chosen.values(), key=lambda it: it.first.start)
    funcs = [it for it in picked if it.kind == "function"]
    host_inl = sorted(host_inl + host_extra, key=lambda it: it.first.start)
    defined = set()
    for it in picked + host_inl + iodev_items + x86_items + arch_items:
        if it.kind in ("function", "decl", "define"):
            defined.update(it.names)
    caller_heads, caller_items, caller_notes = _extract_callers(tree, stubs, set(defined))
    notes.extend(caller_notes)
    caller_funcs = [it for it in caller_items if it.kind == "function"]
    types = _types(tree, stubs, set(defined),
                   picked + host_inl + caller_heads + caller_items + x86_items, shim, macros)
    host_types = types.items()
    # A uapi type both need is emitted once, with the kernel types (earlier).
    caller_heads = [it for it in caller_heads if id(it) not in types.chosen]
    for it in caller_heads + caller_items + host_types:
        defined.update(it.names)
    defined.update(types.used_ph)

    # stubs the emitted code references, and the calls it makes
    emitted = [(IODEV, iodev_items), (KVM_HOST, host_types + host_inl),
               (KVM_MAIN, picked), (None, caller_heads + caller_items), (X86, x86_items)]
    used_stubs = set()
    calls = []
    for rel, its in emitted:
        for it in its:
            c = []
            r = set()
            _refs(it.toks, stubs, r, it.src, c)
            used_stubs.update(x for x in r if x in stubs)
            local = fnptr_locals(it.toks)
            calls.extend((t, it.src) for t in c if t.text not in local)
    externals = {}
    for t, src in calls:
        nm = t.text
        if nm in C_KEYWORDS or nm in defined or nm in stubs or \
                nm.startswith("__builtin_"):
            continue
        if nm not in externals:
            externals[nm] = "%s:%d" % (src.rel, src.line_of(t.start))
    stub_noncall = []
    for it in picked:
        for j, t in enumerate(it.toks):
            if t.kind == "id" and t.text in stubs and not (
                    j + 1 < len(it.toks) and it.toks[j + 1].text == "(") and not (
                    j > 0 and it.toks[j - 1].text in (".", "->")):
                stub_noncall.append("%s:%d" % (KVM_MAIN, main.line_of(t.start)))
    if stub_noncall:
        notes.append("stubbed names used other than as calls at: " +
                     ", ".join(sorted(set(stub_noncall))))

    facts = {
        "caller_destroys": _fact_caller_destroys(tree),
        "vmx_rmb": _fact_vmx_rmb(tree),
        "vgic": _fact_vgic(tree),
        "version": _tree_version(tree),
    }

    out = {}
    # include/kvm/iodev.h
    out["include/kvm/iodev.h"] = '#line 1 "%s"\n' % IODEV + iodev.text
    out["kvm_host_types.h"] = types.header("BUSFUZZ_GEN_KVM_HOST_TYPES_H")
    out["kvm_host_bus_inlines.h"] = _section(
        host_inl, KVM_HOST, "BUSFUZZ_GEN_KVM_HOST_BUS_INLINES_H",
        "the inline helpers the extracted code calls")
    out["kvm_arch_defs.h"] = _section(
        arch_items, X86_HOST, "BUSFUZZ_GEN_KVM_ARCH_DEFS_H",
        "x86's memslot limits (its internal slots, its address spaces with SMM)").replace(
            "\n#endif /* BUSFUZZ_GEN_KVM_ARCH_DEFS_H */",
            "/* 1: the memslots are the tree's rb-trees, with its headers in include/linux/ */\n"
            "#define BUSFUZZ_TREE_MEMSLOTS %d\n\n#endif /* BUSFUZZ_GEN_KVM_ARCH_DEFS_H */" % memslots)
    for rel in tree_hdrs:
        out[rel] = '#line 1 "%s"\n' % rel + tree.read(rel)
    tree_libs = [rel for rel in TREE_LIBS if memslots]
    for rel in tree_libs:
        out[rel] = '#line 1 "%s"\n' % rel + tree.read(rel)

    # kvm_main_bus.c
    c = ["/* SPDX-License-Identifier: GPL-2.0-only */",
         "/*",
         " * Generated by tools/extract.py from the kernel tree's %s:" % KVM_MAIN,
         " * the I/O bus functions and every top-level item they need, verbatim,",
         " * in file order; then the same for their real callers, ioeventfds",
         " * (%s) and coalesced MMIO (%s), with the uapi" % (EVENTFD, COALESCED),
         " * structures they take (%s).  Do not edit." % UAPI_KVM,
         " */",
         "#include <linux/kvm_host.h>",
         "#include <kvm/iodev.h>",
         '#include "stubs.h"',
         ""]
    tags = sorted({t for it in picked + caller_heads + caller_items for t in it.tags
                   if not t.startswith("enum ")})
    if tags:
        c.append("/* tags defined below, for the prototypes */")
        c.extend("%s;" % t for t in tags)
        c.append("")
    c.append("/* prototypes of the extracted functions */")
    for it in funcs + caller_funcs + x86_items:
        c.append(it.header_text() + ";")
    c.append("")
    if tree_libs:
        c.append("/* the rb-tree and interval tree the memslots are made of, whole; their")
        c.append(" * links are plain stores (kernel-shim/linux/kvm_host.h says why) */")
        c.append("#include <linux/sim_plain_once.h>")
        c.extend('#include "%s"' % rel for rel in tree_libs)
        c.append("#include <linux/sim_plain_once_end.h>")
        c.append("")
    for it in caller_heads + picked + x86_items + caller_items:
        c.append('#line %d "%s"' % (it.line, it.src.rel))
        c.append(it.text())
        c.append("")
    out["kvm_main_bus.c"] = "\n".join(c)

    # stubs.h
    s = ["/* SPDX-License-Identifier: GPL-2.0-only */",
         "/*",
         " * Generated by tools/extract.py from %s: the stubbed names that" %
         os.path.basename(stubs_path),
         " * the extracted code references.  BUSFUZZ_STUB() comes from the shim.",
         " */",
         "#ifndef BUSFUZZ_GEN_STUBS_H",
         "#define BUSFUZZ_GEN_STUBS_H",
         ""]
    for nm in sorted(used_stubs):
        if stubs[nm]:
            s.append("/* %s */" % stubs[nm].replace("*/", "* /"))
        s.append("#define %s(...) BUSFUZZ_STUB(%s)" % (nm, nm))
    s += ["", "#endif /* BUSFUZZ_GEN_STUBS_H */", ""]
    out["stubs.h"] = "\n".join(s)

    # extracted.h
    e = ["/* SPDX-License-Identifier: GPL-2.0-only */",
         "/* Generated by tools/extract.py: what the extracted tree provides. */",
         "#ifndef BUSFUZZ_GEN_EXTRACTED_H",
         "#define BUSFUZZ_GEN_EXTRACTED_H",
         "",
         '#define BUSFUZZ_TREE_VERSION "%s"' % facts["version"],
         "",
         "/* extracted functions (origin in the comment) */"]
    have = []
    for rel, its in ((KVM_MAIN, funcs), (EVENTFD, [i for i in caller_funcs if i.src.rel == EVENTFD]),
                     (COALESCED, [i for i in caller_funcs if i.src.rel == COALESCED]),
                     (KVM_HOST, host_inl), (X86, x86_items),
                     (IODEV, [i for i in iodev_items if i.kind == "function"])):
        for it in its:
            have.append((it.names[0], "%s:%d" % (rel, it.line)))
    for nm, where in sorted(have):
        e.append("#define BUSFUZZ_HAVE_%s 1 /* %s */" % (nm, where))
    e += ["", "/* parameter count of each root */"]
    by_name = {it.names[0]: it for it in funcs}
    for r in ROOTS:
        e.append("#define BUSFUZZ_NPARAMS_%s %d" % (r, by_name[r].nparams()))
    e += ["",
          "/* 1: kvm_vm_ioctl_unregister_coalesced_mmio() destroys the device",
          " * itself after kvm_io_bus_unregister_dev(); 0: the bus code does. */",
          "#define BUSFUZZ_CALLER_DESTROYS_UNREGISTERED_DEV %d" % facts["caller_destroys"],
          "/* 1: handle_invalid_guest_state() has smp_rmb(); 0: it has not;",
          " * -1: not in the tree (no vmx.c or no handle_invalid_guest_state()). */",
          "#define BUSFUZZ_VMX_RMB_IN_EMULATION_LOOP %d" % facts["vmx_rmb"],
          "/* kvm_vgic_map_resources(): 1 if it reads dist->ready with",
          " * smp_load_acquire() / sets it with smp_store_release(); 0 plainly;",
          " * -1: not in the tree (no vgic-init.c, or no dist->ready test there). */",
          "#define BUSFUZZ_VGIC_READY_ACQUIRE %d" % facts["vgic"][0],
          "#define BUSFUZZ_VGIC_READY_RELEASE %d" % facts["vgic"][1],
          "/* 1: x86's APIC access page memslot can be made at the first vCPU",
          " * (x86.c's __x86_set_memory_region(), asm/kvm_host.h's internal slots). */",
          "#define BUSFUZZ_X86_APIC_MEMSLOT %d" % int(bool(x86_items)),
          "", "#endif /* BUSFUZZ_GEN_EXTRACTED_H */", ""]
    out["extracted.h"] = "\n".join(e)

    out["externals.txt"] = "".join(
        "%s %s\n" % (nm, externals[nm]) for nm in sorted(externals))

    hashes = dict(tree.hashes)
    with open(stubs_path, "rb") as f:
        stubs_hash = hashlib.sha256(f.read()).hexdigest()
    manifest = {
        "tree": os.path.abspath(tree_dir),
        "tree_version": facts["version"],
        "inputs": {rel: hashes[rel] for rel in sorted(hashes)},
        "stubs_file": {"path": os.path.abspath(stubs_path), "sha256": stubs_hash},
        "placeholders_file": {"path": os.path.join(SHIM_DIR, "placeholders.def"),
                              "sha256": _sha256(os.path.join(SHIM_DIR, "placeholders.def"))},
        "roots": list(ROOTS),
        "items": [{"names": it.names, "kind": it.kind, "where": it.where(),
                   **({"cond": list(it.cond)} if it.cond else {})}
                  for it in picked],
        "host_items": [{"names": it.names, "kind": it.kind, "where": it.where()}
                       for it in host_types + host_inl],
        "placeholders": sorted(types.used_ph),
        "caller_items": [{"names": it.names, "kind": it.kind, "where": it.where()}
                         for it in caller_heads + caller_items],
        "stubs_used": sorted(used_stubs),
        "stubs_unused": sorted(set(stubs) - used_stubs),
        "facts": {
            "BUSFUZZ_CALLER_DESTROYS_UNREGISTERED_DEV": facts["caller_destroys"],
            "BUSFUZZ_VMX_RMB_IN_EMULATION_LOOP": facts["vmx_rmb"],
            "BUSFUZZ_VGIC_READY_ACQUIRE": facts["vgic"][0],
            "BUSFUZZ_VGIC_READY_RELEASE": facts["vgic"][1],
        },
        "report": notes,
    }
    out["manifest.json"] = json.dumps(manifest, indent=1) + "\n"
    return out


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_outputs(outdir, files):
    """Write each file whose content changed; all are staged first."""
    staged = []
    try:
        for rel, text in sorted(files.items()):
            dst = os.path.join(outdir, rel)
            data = text.encode("utf-8", "surrogateescape")
            try:
                with open(dst, "rb") as f:
                    if f.read() == data:
                        continue
            except OSError:
                pass
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dst),
                                       prefix=".%s." % os.path.basename(dst))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o666 & ~_umask())
            staged.append((tmp, dst))
    except BaseException:
        for tmp, _ in staged:
            os.unlink(tmp)
        raise
    for tmp, dst in staged:
        os.replace(tmp, dst)
    return [dst for _, dst in staged]


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="extract.py",
        description="Extract the KVM I/O bus code from a kernel tree.")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--tree", help="kernel source tree")
    g.add_argument("--kernel", help="kernel version, fetched/cached by tools/kernels.py")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--stubs", required=True, help="stubs.def file")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="list the files rewritten")
    a = ap.parse_args(argv)
    try:
        tree = a.tree
        if tree is None:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            import kernels
            try:
                tree, _label = kernels.resolve(a.kernel, None)
            except kernels.KernelError as e:
                raise ExtractError(str(e).replace("busfuzz: ", "", 1))
        files = extract(tree, a.stubs)
        changed = write_outputs(a.out, files)
    except ExtractError as e:
        print("busfuzz: %s" % e, file=sys.stderr)
        return 2
    for n in NOTES:
        print("busfuzz: note: %s" % n, file=sys.stderr)
    if a.verbose:
        for p in changed:
            print("busfuzz: wrote %s" % p, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
