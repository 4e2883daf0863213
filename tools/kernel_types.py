# SPDX-License-Identifier: GPL-2.0-only
"""The kernel types the extracted code needs, taken from the tree's headers.

tools/extract.py calls closure() with the items it extracted: every struct,
union, enum, typedef and macro they use that the tree's KVM headers define is
taken verbatim (with #line), and so on for what those use, except:
  - what the shim provides (kernel-shim/**/*.h: locks, lists, atomics...);
  - what kernel-shim/placeholders.def names: arch state and kernel internals
    the shim cannot provide become named placeholders, each with its reason.
A member whose type is found nowhere is an error naming it, not a guess.

#if conditions are evaluated against the macros the shim defines (its
CONFIG_ options are in kernel-shim/linux/kconfig.h), both to choose among a
header's variants of a name and to skip the members of a disabled branch.
"""

import os
import re

# The headers searched, in the order their items are emitted (each of the
# later ones includes the earlier ones in the kernel).  Only these are in the
# cached trees (tools/kernels.py's WANTED).
TYPE_HEADERS = (
    "include/linux/kvm_types.h",
    "include/uapi/linux/kvm.h",
    "include/linux/kvm_host.h",
)

TAG_WORDS = ("struct", "union", "enum")


class TypeError_(Exception):
    """Raised with a one-line message; extract.py turns it into ExtractError."""


# ---------------------------------------------------------------- #if logic

_DEFINED_RE = re.compile(r"\bdefined\s*\(\s*(\w+)\s*\)|\bdefined\s+(\w+)")
_ENABLED_RE = re.compile(r"\b(IS_ENABLED|IS_BUILTIN|IS_REACHABLE|IS_MODULE)\s*\(\s*(\w+)\s*\)")


def eval_pp(line, macros):
    """True/False for one #if/#ifdef/#ifndef/#elif/#else line; None if unknown."""
    line = re.sub(r"/\*.*?\*/|//.*", " ", line.split("\n")[0]).strip()
    m = re.match(r"#\s*(\w+)\s*(.*)", line)
    if not m:
        return None
    kw, rest = m.group(1), m.group(2).strip()
    if kw == "else":
        return True
    if kw in ("ifdef", "elifdef"):
        return rest.split()[0] in macros if rest else None
    if kw in ("ifndef", "elifndef"):
        return rest.split()[0] not in macros if rest else None
    if kw not in ("if", "elif"):
        return None
    e = _DEFINED_RE.sub(lambda x: " 1 " if (x.group(1) or x.group(2)) in macros else " 0 ", rest)
    e = _ENABLED_RE.sub(lambda x: " 1 " if x.group(1) != "IS_MODULE" and x.group(2) in macros
                        else " 0 ", e)
    e = re.sub(r"\b[A-Za-z_]\w*\b", lambda x: " %d " % macros.get(x.group(), 0)
               if isinstance(macros.get(x.group()), int) else " 0 ", e)
    e = e.replace("&&", " and ").replace("||", " or ")
    e = re.sub(r"!(?!=)", " not ", e)
    e = re.sub(r"(\d+)[uUlL]+\b", r"\1", e)
    try:
        return bool(eval(e, {"__builtins__": {}}, {}))
    except Exception:
        return None


def cond_holds(cond, macros):
    """Whether an item's enclosing top-level #if chain (Item.cond) is taken."""
    for c in cond:
        parts = c.split(" / ")
        if any(eval_pp(p, macros) for p in parts[:-1]):
            return False
        if eval_pp(parts[-1], macros) is False:
            return False
    return True


def active_tokens(toks, macros):
    """The tokens of an item outside the #if branches that are not taken."""
    out, stack = [], []        # stack of [taken now, some branch taken]
    live = True
    for t in toks:
        if t.kind == "pp":
            name = re.match(r"#\s*(\w*)", t.text).group(1)
            if name in ("if", "ifdef", "ifndef"):
                v = eval_pp(t.text, macros)
                v = True if v is None else v
                stack.append([v, v, live])
            elif name in ("elif", "else", "elifdef", "elifndef") and stack:
                top = stack[-1]
                v = eval_pp(t.text, macros)
                v = (not top[1]) and (True if v is None else v)
                top[0] = v
                top[1] = top[1] or v
            elif name == "endif" and stack:
                stack.pop()
            live = all(s[0] for s in stack)
            continue
        if live:
            out.append(t)
    return out


# ---------------------------------------------------------------- the shim

def shim_names(shim_dir, segment_file):
    """(names, macros): what kernel-shim/**/*.h defines, and its macros with
    their integer values when they have one (1 for CONFIG_ options)."""
    names, macros = set(), {}
    for root, _dirs, files in sorted(os.walk(shim_dir)):
        for fn in sorted(files):
            if not fn.endswith(".h"):
                continue
            for it in segment_file(os.path.join(root, fn)):
                names.update(it.names)
                names.update(t.split()[1] for t in it.tags)
                if it.kind == "define":
                    m = re.match(r"#\s*define\s+(\w+)(\()?\s*(.*)", it.first.text)
                    if m:
                        v = m.group(3).strip()
                        macros[m.group(1)] = int(v, 0) if not m.group(2) and \
                            re.fullmatch(r"0x[0-9a-fA-F]+|\d+", v) else True
    return names, macros


# ---------------------------------------------------------------- placeholders

_PH_RE = re.compile(r"(struct|union|typedef)\s+(\w+)\s*(\{[^}]*\})?\s*(.*)")


def table_lines(path):
    """(line number, text) of each line of a .def table, comments removed."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        raise TypeError_("%s: %s" % (path, e.strerror or e))
    for no, line in enumerate(lines, 1):
        s = line.split("#", 1)[0].strip()
        if s:
            yield no, s


def read_placeholders(path):
    """name -> (kind, body or None, reason) from kernel-shim/placeholders.def."""
    out = {}
    for no, s in table_lines(path):
        m = _PH_RE.fullmatch(s)
        if not m or not m.group(4):
            raise TypeError_("%s:%d: expected 'struct|union|typedef NAME [{ members }] reason'"
                             % (path, no))
        out[m.group(2)] = (m.group(1), m.group(3), m.group(4))
    return out


def render_placeholder(name, kind, body, reason):
    members = body[1:-1].strip() if body else "char busfuzz_placeholder;"
    text = "%s { %s }" % ("struct" if kind == "typedef" else kind, members)
    decl = "typedef %s %s;" % (text, name) if kind == "typedef" else \
        "%s %s { %s };" % (kind, name, members)
    return "/* placeholder: %s */\n%s" % (reason.replace("*/", "* /"), decl)


# ---------------------------------------------------------------- closure

def tag_refs(toks):
    """(word, tag, embedded) of each 'struct|union|enum NAME' not followed by a body:
    embedded unless a '*' follows (a pointer needs no definition)."""
    out = []
    for j, t in enumerate(toks[:-1]):
        if t.kind != "id" or t.text not in TAG_WORDS or toks[j + 1].kind != "id":
            continue
        k = j + 2
        while k < len(toks) and toks[k].kind == "id" and toks[k].text in (
                "__rcu", "const", "volatile", "__user", "__iomem", "__percpu"):
            k += 1
        nxt = toks[k].text if k < len(toks) else ""
        if nxt == "{":
            continue
        out.append((t.text, toks[j + 1].text, nxt != "*"))
    return out


def id_refs(toks):
    """Identifiers used, except member names (after '.' or '->') and tags
    (tag_refs() says which of those need a definition)."""
    out, prev = set(), None
    for t in toks:
        if t.kind == "id" and not (prev is not None and (
                prev.text in (".", "->") or prev.text in TAG_WORDS)):
            out.add(t.text)
        prev = t
    return out


class Closure:
    """The type items of TYPE_HEADERS that given code needs."""

    def __init__(self, header_items, shim, macros, placeholders, skip, stubs, pp_tokens):
        self.macros = macros
        self.shim = shim
        self.ph = placeholders
        self.skip = skip            # names the extracted code already defines
        self.stubs = stubs          # functions, never tags (struct kvm_irqfd vs kvm_irqfd())
        self.pp_tokens = pp_tokens
        self.order = {rel: i for i, rel in enumerate(TYPE_HEADERS)}
        self.idx = {}               # name -> [items], header order
        for rel in TYPE_HEADERS:
            for it in header_items.get(rel, ()):
                if it.kind == "function" or not cond_holds(it.cond, macros):
                    continue
                if it.kind == "decl" and not (it.tags or it.toks[0].text in TAG_WORDS + ("typedef",)):
                    continue
                if it.kind not in ("decl", "define"):
                    continue
                for nm in it.names:
                    self.idx.setdefault(nm, []).append(it)
        self.fn_only = set()        # skip names that are functions only, never tags (kvm_memslots())
        self.chosen = {}
        self.used_ph = set()
        self.forward = set()

    def want(self, name, why=None, tag=False):
        """why: (item, 'struct x') when a member embeds the type."""
        if (name in self.skip and not (tag and name in self.fn_only)) or name in self.shim or \
                (name in self.stubs and not tag):
            return None
        if name in self.ph:
            self.used_ph.add(name)
            return None
        defs = self.idx.get(name)
        if not defs:
            if why is not None:
                user, what = why
                raise TypeError_(
                    "%s:%d: '%s' embeds '%s', which is neither in the tree's KVM headers, "
                    "the shim, nor kernel-shim/placeholders.def" % (
                        user.src.rel, user.line, (user.tags or user.names)[0], what))
            return None
        it = defs[0]
        if id(it) not in self.chosen:
            if it.broken:
                raise TypeError_("%s:%d: cannot extract '%s': %s" % (
                    it.src.rel, it.line, name, it.broken))
            self.chosen[id(it)] = it
            self.walk(it)
        return it

    def walk(self, it):
        toks = it.toks
        if it.kind == "define":
            toks = self.pp_tokens(it.src, it.first)[1:]
        else:
            toks = active_tokens(toks, self.macros)
        for word, tag, embedded in tag_refs(toks):
            self.forward.add((word, tag))
            if embedded or tag in self.ph:
                self.want(tag, (it, "%s %s" % (word, tag))
                          if embedded and it.kind != "define" else None, True)
        for nm in sorted(id_refs(toks)):
            self.want(nm)

    def roots(self, code_items, names):
        """names: (kind, name) the harness needs whatever the code uses."""
        for kind, nm in names:
            if self.want(nm, tag=kind != "define") is None and \
                    nm not in self.skip | self.shim | set(self.ph):
                raise TypeError_("%s: symbol '%s' not found" % (
                    TYPE_HEADERS[-1], nm if kind == "define" else "%s %s" % (kind, nm)))
        for it in code_items:
            toks = self.pp_tokens(it.src, it.first)[1:] if it.kind == "define" else it.toks
            for _word, tag, embedded in tag_refs(toks):
                if embedded or tag in self.ph:
                    self.want(tag, tag=True)
            for nm in sorted(id_refs(toks)):
                self.want(nm)

    def items(self):
        return sorted(self.chosen.values(),
                      key=lambda it: (self.order[it.src.rel], it.first.start))

    def header(self, guard):
        """The generated header: forward tags, placeholders, then the items."""
        out = ["/* SPDX-License-Identifier: GPL-2.0-only */",
               "/*",
               " * Generated by tools/extract.py: the kernel types the extracted code",
               " * needs, verbatim from the tree's headers (%s)," % ", ".join(
                   os.path.basename(h) for h in TYPE_HEADERS),
               " * and the placeholders of kernel-shim/placeholders.def.  Do not edit.",
               " */",
               "#ifndef %s" % guard, "#define %s" % guard, ""]
        kinds = {nm: k for nm, (k, _b, _r) in self.ph.items()}
        out += ["%s %s;" % wt for wt in sorted(self.forward)
                if wt[0] != "enum" and kinds.get(wt[1]) != "typedef"]
        out.append("")
        for nm in sorted(self.used_ph):
            k, body, reason = self.ph[nm]
            out.append(render_placeholder(nm, k, body, reason))
        out.append("")
        for it in self.items():
            out.append('#line %d "%s"' % (it.line, it.src.rel))
            out.append(it.text())
            out.append("")
        out.append("#endif /* %s */" % guard)
        return "\n".join(out) + "\n"
