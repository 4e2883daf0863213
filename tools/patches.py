# SPDX-License-Identifier: GPL-2.0-only
"""Patches as maintainers receive them: parse and apply without git.

A PATCH file is a plain unified diff, one mail of `git format-patch`, an mbox
of several (a series, applied in order), or a patch quoted in a reply ("> "
before each line, the reviewer's own lines between them): parse() finds the
diff in each mail, undoes one level of quoting and skips what is not part of
a hunk, using the hunk header's line counts.  apply() patches files of a tree
copy in place, `patch`-style: each hunk where its context matches exactly,
at the stated line or the nearest offset.  Any failure is a PatchError whose
text names the file and hunk.
"""
import os
import re

HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
QUOTED_DIFF_RE = re.compile(r"^(>[ >]*)diff --git ", re.M)
MAX_FUZZ = 2            # as GNU patch's default
ANCHOR = 3              # context lines a one-sided hunk must match (_anchored)


class PatchError(Exception):
    """A one-line reason; the caller exits 2."""


class Hunk:
    def __init__(self, old_start, new_start, header):
        self.old_start, self.new_start, self.header = old_start, new_start, header
        self.lines = []         # (" "|"-"|"+", text)

    def old(self):
        return [t for k, t in self.lines if k != "+"]

    def new(self):
        return [t for k, t in self.lines if k != "-"]

    def trimmed(self, fuzz):
        """The hunk without up to fuzz lines of context at each end (GNU patch's fuzz)."""
        lead = 0
        while lead < fuzz and lead < len(self.lines) and self.lines[lead][0] == " ":
            lead += 1
        trail = 0
        while trail < fuzz and trail < len(self.lines) - lead and self.lines[-1 - trail][0] == " ":
            trail += 1
        h = Hunk(self.old_start + lead, self.new_start + lead, self.header)
        h.lines = self.lines[lead:len(self.lines) - trail]
        return h

    def new_changed_lines(self, at):
        """Line numbers in the new file that the hunk adds or next to which it removes, given that
        its first line lands at line `at`."""
        out, n = [], at
        for k, _ in self.lines:
            if k == "+":
                out.append(n)
            elif k == "-":
                out.append(n)       # a removal shows where it was
                continue
            n += 1
        return out


class FilePatch:
    def __init__(self, old, new):
        self.old, self.new = old, new   # paths in the tree; None for /dev/null
        self.hunks = []

    @property
    def path(self):
        return self.new or self.old


class Patch:
    def __init__(self, subject):
        self.subject = subject
        self.files = []


def _strip(path):
    if path == "/dev/null":
        return None
    path = path.split("\t")[0].strip()
    return path[2:] if path[:2] in ("a/", "b/") else path


def _split_mails(text):
    """The mails of an mbox ("From " lines), else the whole text as one."""
    parts = re.split(r"(?m)^From [^\n]*\n", text)
    mails = [p for p in parts if p.strip()]
    return mails or [text]


def _subject(mail):
    m = re.search(r"(?m)^Subject:\s*(.+(?:\n[ \t].+)*)", mail)
    if m:
        return re.sub(r"\s+", " ", m.group(1)).strip()
    m = re.search(r"(?m)^\[PATCH[^\]]*\].*$", mail)
    return m.group(0).strip() if m else "(no subject)"


def _unquote(mail):
    """The mail's lines with one level of quoting undone when its diff is quoted; lines outside the
    quote (the reviewer's) become None so that parsing skips them."""
    m = QUOTED_DIFF_RE.search(mail)
    lines = mail.split("\n")
    if not m:
        return lines
    prefix = m.group(1)
    bare = prefix.rstrip()
    out = []
    for l in lines:
        if l.startswith(prefix):
            out.append(l[len(prefix):])
        elif l.rstrip() == bare:
            out.append("")          # a quoted empty line: an empty context line lost its space
        else:
            out.append(None)
    return out


def _parse_mail(mail):
    p = Patch(_subject(mail))
    lines = _unquote(mail)
    i, cur = 0, None
    while i < len(lines):
        l = lines[i]
        if l is None:
            i += 1
            continue
        if l.startswith("--- ") and i + 1 < len(lines) and (lines[i + 1] or "").startswith("+++ "):
            cur = FilePatch(_strip(l[4:]), _strip(lines[i + 1][4:]))
            p.files.append(cur)
            i += 2
            continue
        m = HUNK_RE.match(l)
        if m and cur is not None:
            old_n = int(m.group(2)) if m.group(2) is not None else 1
            new_n = int(m.group(4)) if m.group(4) is not None else 1
            h = Hunk(int(m.group(1)), int(m.group(3)), l)
            i += 1
            while (old_n > 0 or new_n > 0) and i < len(lines):
                t = lines[i]
                i += 1
                if t is None or t.startswith("\\"):     # a reviewer's line; "\ No newline"
                    continue
                k, body = (t[0], t[1:]) if t else (" ", "")
                if k not in " -+":
                    raise PatchError("%s: %s: a hunk line starts with %r (a mangled patch?)"
                                     % (cur.path, h.header.split("@@")[1].strip(), k))
                h.lines.append((k, body))
                old_n -= k != "+"
                new_n -= k != "-"
            if old_n > 0 or new_n > 0:
                raise PatchError("%s: hunk %s ends early (a truncated patch?)" % (cur.path, h.header))
            cur.hunks.append(h)
            continue
        i += 1
    return p


def parse(path):
    """The patches of a file, in order; PatchError for what is not one."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise PatchError("%s: %s" % (path, e.strerror))
    if not raw.strip():
        raise PatchError("%s: an empty file, not a patch" % path)
    if b"\0" in raw:
        raise PatchError("%s: a binary file, not a patch" % path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = text.replace("\r\n", "\n")
    out = [p for p in (_parse_mail(m) for m in _split_mails(text)) if p.files]
    for p in out:
        if p.subject == "(no subject)":
            p.subject = "%s (a diff of %s)" % (os.path.basename(path), ", ".join(f.path for f in p.files))
    if not out:
        raise PatchError("%s: no diff in it (a unified diff, a git format-patch mail or a quoted one)" % path)
    return out


def _find(lines, want, near):
    """The index where want matches lines exactly, nearest to near; None if nowhere."""
    if not want:
        return min(max(near, 0), len(lines))
    for d in range(len(lines) + 1):
        for at in ((near - d, near + d) if d else (near,)):
            if 0 <= at <= len(lines) - len(want) and lines[at:at + len(want)] == want:
                return at
    return None


def _anchored(h, lines, offset):
    """A hunk that GNU patch's fuzz cannot place, anchored by all of its context on one side (at
    least ANCHOR lines, matching exactly) with the other side's context dropped: what a maintainer
    does by hand when a later kernel removed or added a line next to the change (a comment above
    the next function, say).  (hunk as applied, where, which side was dropped) or (None,)*3."""
    lead = next((i for i, (k, _) in enumerate(h.lines) if k != " "), len(h.lines))
    trail = next((i for i, (k, _) in enumerate(reversed(h.lines)) if k != " "), len(h.lines))
    for keep_lead, side in ((True, "trailing"), (False, "leading")):
        if (lead if keep_lead else trail) < ANCHOR or lead + trail >= len(h.lines):
            continue
        t = Hunk(h.old_start + (0 if keep_lead else lead), h.new_start + (0 if keep_lead else lead), h.header)
        t.lines = h.lines[:len(h.lines) - trail] if keep_lead else h.lines[lead:]
        at = _find(lines, t.old(), t.old_start - 1 + offset)
        if at is not None:
            return t, at, side
    return None, None, None


def apply(patches, tree, notes=None, skip_missing=False):
    """Applies patches to the files of tree (a copy); returns, per file path, the new line numbers
    each patch changed there.  A hunk that matches nowhere, even with up to MAX_FUZZ lines of its
    context ignored at each end as GNU patch does, is a PatchError naming file and hunk.  notes:
    a list that gets a line for each hunk applied elsewhere than it says or with fuzz; skip_missing:
    a file the tree does not have is skipped (a note), not an error (a sparse cached tree)."""
    changed = {}
    notes = [] if notes is None else notes
    for p in patches:
        for fp in p.files:
            if fp.old is None:
                lines = []
            else:
                full = os.path.join(tree, fp.old)
                if not os.path.isfile(full):
                    if not skip_missing:
                        raise PatchError("%s: not in the tree (%s)" % (fp.old, p.subject))
                    notes.append("%s: not in this tree (busfuzz keeps only the parts it reads): skipped" % fp.old)
                    continue
                with open(full, encoding="utf-8", errors="surrogateescape") as f:
                    lines = f.read().split("\n")
            offset = 0
            for n, h in enumerate(fp.hunks, 1):
                for fuzz in range(MAX_FUZZ + 1):
                    t = h.trimmed(fuzz)
                    at = _find(lines, t.old(), t.old_start - 1 + offset)
                    if at is not None:
                        break
                else:
                    t, at, side = _anchored(h, lines, offset)
                    if t is None:
                        raise PatchError("%s: hunk %d of %d does not apply (not even with fuzz %d): %s (%s)" % (
                            fp.path, n, len(fp.hunks), MAX_FUZZ, h.header, p.subject))
                    fuzz = "its %s context ignored: it differs in this tree" % side
                lines[at:at + len(t.old())] = t.new()
                offset = at - (t.old_start - 1) + len(t.new()) - len(t.old())
                changed.setdefault(fp.path, set()).update(t.new_changed_lines(at + 1))
                if fuzz or at != t.old_start - 1:
                    notes.append("%s: hunk %d applied at line %d (offset %+d%s)" % (
                        fp.path, n, at + 1, at - (t.old_start - 1),
                        "" if not fuzz else ", fuzz %d" % fuzz if isinstance(fuzz, int) else ", " + fuzz))
            if fp.new is None:
                os.remove(os.path.join(tree, fp.old))
                continue
            dest = os.path.join(tree, fp.new)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write("\n".join(lines))
            if fp.old and fp.old != fp.new:
                os.remove(os.path.join(tree, fp.old))
    return changed
