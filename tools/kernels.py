# SPDX-License-Identifier: GPL-2.0-only
"""Fetch and cache kernel sources from Debian's linux-source-X.Y packages.

    python3 tools/kernels.py fetch VERSION     print the cached tree's directory
    python3 tools/kernels.py resolve VERSION   print "DIR<TAB>LABEL"
    python3 tools/kernels.py list              print the available versions

VERSION is MAJOR.MINOR (6.1, 6.12, 7.2, ...), MAJOR (newest MAJOR.x) or
"default" (the newest series available).  Python callers use
resolve(kernel, tree) -> (tree_dir, label); it raises KernelError, whose text
is a one-line message to print and whose .status (2) is the exit status.

Layout under the cache root ${BUSFUZZ_CACHE:-${XDG_CACHE_HOME:-~/.cache}/busfuzz}:
  kernels/<pkgversion>/linux-source-X.Y/     the unpacked parts of the tree
  kernels/<pkgversion>/busfuzz-complete.json marker, renamed into place last
  kernels/series/X.Y -> ../<pkgversion>      index, so a cached series is
                                             found again without apt
  apt/                                       private apt config, lists, cache
A cached tree is used without touching apt or the network.  Set
BUSFUZZ_OFFLINE=1 to make anything that would need the network an error.
"""

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

# Parts of the kernel tree busfuzz reads (directories end in '/').  Some are
# absent in some versions; that is fine.
WANTED = (
    "virt/kvm/", "include/kvm/", "include/linux/kvm_host.h",
    "include/linux/kvm_types.h", "include/uapi/linux/kvm.h",
    "arch/x86/kvm/vmx/vmx.c", "arch/arm64/kvm/vgic/vgic-init.c",
    "tools/memory-model/", "Makefile",
    # Tree SRCU's own code and timing (busfuzz cost), and its headers
    "kernel/rcu/", "include/linux/srcu.h", "include/linux/srcutree.h",
    "include/linux/rcu_segcblist.h",
    # what memslots are made of
    "lib/rbtree.c", "lib/interval_tree.c", "include/linux/rbtree.h",
    "include/linux/rbtree_types.h", "include/linux/rbtree_augmented.h",
    "include/linux/interval_tree.h", "include/linux/interval_tree_generic.h",
    "include/linux/hashtable.h", "include/linux/xarray.h",
    # x86's own memslots (the APIC access page made with the first vCPU)
    "arch/x86/kvm/x86.c", "arch/x86/kvm/vmx/vmx.h", "arch/x86/kvm/lapic.c",
    "arch/x86/include/asm/kvm_host.h",
    # the kernel's litmus tests besides tools/memory-model's
    "Documentation/litmus-tests/",
)
# A cached tree unpacked with another WANTED is fetched again.
WANTED_KEY = hashlib.sha256("\n".join(WANTED).encode()).hexdigest()[:16]

MARKER = "busfuzz-complete.json"
# The suite whose linux-source-5.10 busfuzz fetches (added to the private sources).
OLD_SECURITY_SUITE = "bullseye-security"
DERIVED_MARK = "security suite"
VALID_UNTIL_OFF = "valid-until-off"     # marker in the private apt folder
LISTS_MAX_AGE = 24 * 3600
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

# Debian's codenames and aliases, to recognise entries without Signed-By.
DEBIAN_SUITE_RE = re.compile(
    r"(?:buzz|rex|bo|hamm|slink|potato|woody|sarge|etch|lenny|squeeze|wheezy"
    r"|jessie|stretch|buster|bullseye|bookworm|trixie|forky|duke|sid|stable"
    r"|testing|unstable|oldstable|oldoldstable|experimental|rc-buggy)"
    r"(?:-updates|-security|-backports|-backports-sloppy|-proposed-updates"
    r"|/updates)?$")
DEBIAN_COMPONENTS = {"main", "contrib", "non-free", "non-free-firmware"}


class KernelError(Exception):
    """A one-line user-facing failure; exit with .status."""

    def __init__(self, msg, status=2):
        super().__init__(msg)
        self.status = status


def progress(msg):
    print("busfuzz: %s" % msg, file=sys.stderr, flush=True)


def cache_root():
    c = os.environ.get("BUSFUZZ_CACHE")
    if c:
        return os.path.abspath(c)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.abspath(xdg), "busfuzz")


def series_key(s):
    return tuple(int(x) for x in s.split("."))


def upstream_version(pkgversion):
    """6.12.117-1~deb12u1 -> 6.12.117 (no epoch, no Debian revision)."""
    v = pkgversion.split(":", 1)[-1]
    return v.rsplit("-", 1)[0] if "-" in v else v


# ---------------------------------------------------------------- apt sources

def parse_one_line(text, origin=""):
    """Entries of a one-line-format sources.list."""
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"(deb|deb-src)\s+(?:\[([^\]]*)\]\s*)?(\S+)\s+(\S+)\s*(.*)$", line)
        if not m:
            continue
        opts = {}
        for kv in (m.group(2) or "").split():
            if "=" in kv:
                k, v = kv.split("=", 1)
                opts[k.lower()] = v
        out.append({"types": [m.group(1)], "uris": [m.group(3)],
                    "suites": [m.group(4)], "components": m.group(5).split(),
                    "signed_by": opts.get("signed-by", ""),
                    "arch": opts.get("arch", ""), "origin": origin})
    return out


def parse_deb822(text, origin=""):
    """Entries of a deb822 .sources file."""
    out = []
    stanzas, cur, key = [], {}, None
    for raw in text.splitlines() + [""]:
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if cur:
                stanzas.append(cur)
            cur, key = {}, None
            continue
        if raw[0] in " \t" and key:
            cur[key] += "\n" + raw.strip()
            continue
        if ":" in raw:
            key, val = raw.split(":", 1)
            key = key.strip().lower()
            cur[key] = val.strip()
    for st in stanzas:
        if st.get("enabled", "yes").lower() in ("no", "false", "0"):
            continue
        sb = st.get("signed-by", "")
        if "BEGIN PGP" in sb:
            sb = "inline"       # an embedded key: not a keyring path
        out.append({"types": st.get("types", "").split(),
                    "uris": st.get("uris", "").split(),
                    "suites": st.get("suites", "").split(),
                    "components": st.get("components", "").split(),
                    "signed_by": sb.split()[0] if sb else "",
                    "arch": ",".join(st.get("architectures", "").split()),
                    "origin": origin})
    return out


def read_system_sources(etc="/etc/apt"):
    """Entries of the machine's sources.list and sources.list.d/*.list and
    *.sources (other files, e.g. *.disabled-by-farm, are not apt's)."""
    entries = []
    main = os.path.join(etc, "sources.list")
    if os.path.isfile(main):
        with open(main, encoding="utf-8", errors="replace") as f:
            entries += parse_one_line(f.read(), main)
    for p in sorted(glob.glob(os.path.join(etc, "sources.list.d", "*"))):
        if not os.path.isfile(p):
            continue
        with open(p, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if p.endswith(".list"):
            entries += parse_one_line(text, p)
        elif p.endswith(".sources"):
            entries += parse_deb822(text, p)
    return entries


def is_debian_entry(e):
    """Debian archive entries only: signed by Debian's archive keyring, or,
    with no Signed-By, Debian suites and components."""
    if "deb" not in e["types"] or not e["uris"] or not e["suites"]:
        return False
    sb = e["signed_by"]
    if sb:
        return os.path.basename(sb).startswith("debian-archive-")
    return all(DEBIAN_SUITE_RE.match(s) for s in e["suites"]) and \
        set(e["components"]) <= DEBIAN_COMPONENTS


def make_sources_list(entries):
    """The private sources.list: the machine's Debian entries plus an
    'unstable' line on the main (non-security) entry's mirror."""
    deb = [e for e in entries if is_debian_entry(e)]
    if not deb:
        raise KernelError("busfuzz: no Debian entry in the machine's apt sources "
                          "(/etc/apt/sources.list, /etc/apt/sources.list.d)")
    main = None
    for e in deb:
        if any(not re.search(r"(-security|/updates)$", s) for s in e["suites"]):
            main = e
            break
    if main is None:
        raise KernelError("busfuzz: no non-security Debian entry in the machine's "
                          "apt sources to take the mirror for 'unstable' from")
    lines = ["# Generated by busfuzz tools/kernels.py from the machine's apt sources."]
    have_unstable = False

    def opts(e):
        o = []
        if e["arch"]:
            o.append("arch=%s" % e["arch"])
        if e["signed_by"] and e["signed_by"] != "inline":
            o.append("signed-by=%s" % e["signed_by"])
        return "[%s] " % " ".join(o) if o else ""

    for e in deb:
        for uri in e["uris"]:
            for s in e["suites"]:
                if s in ("unstable", "sid"):
                    have_unstable = True
                comps = "" if s.endswith("/") else " " + " ".join(e["components"])
                lines.append("deb %s%s %s%s" % (opts(e), uri, s, comps))
    # linux-source-5.10, the stable tree the historic bus fixes went to: bullseye's
    # security suite, on the machine's own security mirror.  A machine without a
    # security entry (debootstrap writes none) gets one derived from its main
    # mirror ("<mirror>-security", as Debian's own mirrors lay it out): the stable
    # release's security suite is where its newer kernels (6.12 on bookworm) are.
    sec = next((e for e in deb if any(re.search(r"-security$", x) for x in e["suites"])), None)
    have = {x for e in deb for x in e["suites"]}
    derived = sec is None
    if derived:
        codename = next((x for x in main["suites"] if re.fullmatch(r"[a-z]+", x)
                         and x not in ("stable", "testing", "unstable", "sid")), None)
        sec = dict(main, uris=[main["uris"][0].rstrip("/") + "-security"],
                   suites=[codename + "-security"] if codename else [])
        for x in sec["suites"]:
            lines.append("# %s (derived: the machine has no security entry)" % DERIVED_MARK)
            lines.append("deb %s%s %s main" % (opts(sec), sec["uris"][0], x))
            have.add(x)
    if OLD_SECURITY_SUITE not in have:
        lines.append("# linux-source of the oldest supported kernel%s" % (
            " (%s derived: the machine has no security entry)" % DERIVED_MARK if derived else ""))
        lines.append("deb %s%s %s main" % (opts(sec), sec["uris"][0], OLD_SECURITY_SUITE))
    u = dict(main)
    if not u["signed_by"] or u["signed_by"] == "inline":
        u["signed_by"] = DEBIAN_KEYRING if os.path.exists(DEBIAN_KEYRING) else ""
    if not have_unstable:
        lines.append("# linux-source of the newest kernels")
        lines.append("deb %s%s unstable main" % (opts(u), main["uris"][0]))
    if not have.intersection(("experimental", "rc-buggy")):
        # release candidates (7.3~rc): apt's priority 1 for experimental
        # keeps unstable's version of every series that has one
        lines.append("# linux-source of release candidates")
        lines.append("deb %s%s experimental main" % (opts(u), main["uris"][0]))
    return "\n".join(lines) + "\n"


def derived_uris(sources):
    """The mirrors make_sources_list() derived rather than read (the line after its mark)."""
    out, lines = [], sources.splitlines()
    for i, l in enumerate(lines[:-1]):
        if l.startswith("#") and DERIVED_MARK in l:
            m = re.match(r"deb (?:\[[^\]]*\] )?(\S+)", lines[i + 1])
            if m and m.group(1) not in out:
                out.append(m.group(1))
    return out


def make_apt_conf(aptdir):
    """A private apt config: own sources, lists, cache; no system pinning."""
    d = aptdir
    return "\n".join([
        "// Generated by busfuzz tools/kernels.py: a private apt to fetch",
        "// linux-source packages without touching the system's apt state.",
        'Dir::Etc::SourceList "%s/sources.list";' % d,
        'Dir::Etc::SourceParts "%s/sources.list.d";' % d,
        'Dir::Etc::Preferences "%s/preferences";' % d,
        'Dir::Etc::PreferencesParts "%s/preferences.d";' % d,
        'Dir::State::Lists "%s/lists";' % d,
        'Dir::State::status "/var/lib/dpkg/status";',
        'Dir::Cache "%s/cache";' % d,
        'Dir::Cache::archives "%s/cache/archives";' % d,
        'Acquire::Languages "none";',
        # Set once a mirror's Release files were found past their Valid-Until date (Cache._update).
        'Acquire::Check-Valid-Until "false";' if os.path.exists(os.path.join(d, VALID_UNTIL_OFF)) else "",
        ""])


# ---------------------------------------------------------------- the cache

def _write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path),
                               prefix=".%s." % os.path.basename(path))
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


@contextlib.contextmanager
def locked(path):
    """An exclusive flock on path for the with-block (also used by litmus.py)."""
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class Cache:
    def __init__(self, root=None, etc="/etc/apt"):
        self.root = root or cache_root()
        self.etc = etc
        self.kernels = os.path.join(self.root, "kernels")
        self.apt = os.path.join(self.root, "apt")

    # -- cached trees

    def _tree_of(self, verdir):
        """(tree_dir, label) of a completed version dir, else None."""
        try:
            with open(os.path.join(verdir, MARKER)) as f:
                meta = json.load(f)
        except (OSError, ValueError):
            return None
        tree = os.path.join(verdir, meta["tree"])
        if not os.path.isdir(tree) or meta.get("wanted") != WANTED_KEY:
            return None
        return tree, meta["upstream"]

    def cached(self, series):
        link = os.path.join(self.kernels, "series", series)
        if os.path.isdir(link):
            hit = self._tree_of(os.path.realpath(link))
            if hit:
                return hit
        # no index entry: look at the markers themselves
        best = None
        for meta in self._markers():
            if meta["series"] == series and (best is None or meta["_mtime"] > best["_mtime"]):
                best = meta
        return self._tree_of(best["_dir"]) if best else None

    def _markers(self):
        out = []
        for m in glob.glob(os.path.join(self.kernels, "*", MARKER)):
            try:
                with open(m) as f:
                    meta = json.load(f)
                meta["_dir"] = os.path.dirname(m)
                meta["_mtime"] = os.path.getmtime(m)
                out.append(meta)
            except (OSError, ValueError):
                continue
        return out

    def cached_series(self):
        return sorted({m["series"] for m in self._markers()}, key=series_key)

    def cached_versions(self):
        """{series: pkgversion} of the cached trees (newest unpack wins)."""
        out = {}
        for m in sorted(self._markers(), key=lambda m: m["_mtime"]):
            out[m["series"]] = m["version"]
        return out

    # -- apt

    def _apt_env(self):
        env = dict(os.environ)
        env["APT_CONFIG"] = os.path.join(self.apt, "apt.conf")
        env["LC_ALL"] = "C"
        return env

    def _setup_apt(self):
        """Write the private config; return the sources.list text."""
        for d in ("sources.list.d", "preferences.d", "lists/partial",
                  "cache/archives/partial"):
            os.makedirs(os.path.join(self.apt, d), exist_ok=True)
        sources = make_sources_list(read_system_sources(self.etc))
        for name, text in (("sources.list", sources),
                           ("apt.conf", make_apt_conf(self.apt))):
            p = os.path.join(self.apt, name)
            try:
                with open(p) as f:
                    if f.read() == text:
                        continue
            except OSError:
                pass
            _write_atomic(p, text)
        return sources

    def _stamp(self):
        try:
            with open(os.path.join(self.apt, "available.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def available(self, refresh=True):
        """{series: pkgversion} from the private lists.  With refresh, run
        apt-get update first if the lists are missing, older than a day or
        made from other sources; without it, None if never updated."""
        st = self._stamp()
        if not refresh:
            return st["series"] if st else None
        os.makedirs(self.apt, exist_ok=True)
        with locked(os.path.join(self.apt, ".lock")):
            sources = self._setup_apt()
            st = self._stamp()
            fresh = st is not None and st.get("sources") == sources and \
                time.time() - st.get("updated", 0) < LISTS_MAX_AGE
            if not fresh:
                failed = self._update()
                series = self._query_series()
                # A security mirror derived from the main one may not exist: not a failure.
                failed = [f for f in failed if not any(u in f for u in derived_uris(sources))]
                if failed and not series:
                    raise KernelError("busfuzz: apt-get update failed: %s" % failed[0])
                if failed:
                    progress("warning: some package lists failed to download "
                             "(%s); will retry next time" % failed[0])
                # a partly failed update is not fresh: retry when next needed
                st = {"sources": sources, "updated": 0 if failed else time.time(),
                      "series": series}
                _write_atomic(os.path.join(self.apt, "available.json"),
                              json.dumps(st, indent=1, sort_keys=True) + "\n")
        return st["series"]

    def _run(self, argv, what, cwd=None, both=False):
        if os.environ.get("BUSFUZZ_OFFLINE"):
            raise KernelError("busfuzz: %s needs the network, but BUSFUZZ_OFFLINE "
                              "is set" % what)
        try:
            p = subprocess.run(argv, cwd=cwd, env=self._apt_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        except FileNotFoundError:
            raise KernelError("busfuzz: %s: %s not found (kernels come from Debian's "
                              "linux-source packages)" % (what, argv[0]))
        if p.returncode != 0:
            errs = [l for l in (p.stderr + p.stdout).splitlines()
                    if l.startswith(("E:", "Err:"))] or \
                (p.stderr + p.stdout).strip().splitlines() or ["exit %d" % p.returncode]
            raise KernelError("busfuzz: %s failed: %s" % (what, errs[-1].strip()))
        return (p.stdout, p.stderr) if both else p.stdout

    def _update(self):
        """apt-get update; returns the failures apt only warns about.  A mirror whose Release files
        are past their Valid-Until date (a frozen snapshot, as some machines are given) is read
        anyway, with a warning: the signatures are still checked."""
        progress("updating package lists (private apt in %s) ..." % self.apt)
        argv = ["apt-get", "-q", "update", "-o", "Acquire::Languages=none"]
        try:
            out, err = self._run(argv, "apt-get update", both=True)
        except KernelError as e:
            if "is expired" not in str(e):
                raise
            progress("warning: the mirror's Release files are past their Valid-Until date (a frozen "
                     "mirror?); reading them anyway, their signatures still checked")
            open(os.path.join(self.apt, VALID_UNTIL_OFF), "w").close()
            self._setup_apt()       # apt.conf now says so, for apt-cache and apt-get download too
            out, err = self._run(argv, "apt-get update", both=True)
        return [re.sub(r"\s+", " ", l[len("W: Failed to fetch "):]).strip()
                for l in err.splitlines() if l.startswith("W: Failed to fetch ")]

    def _query_series(self):
        names = self._run(["apt-cache", "pkgnames", "linux-source-"],
                          "apt-cache pkgnames").split()
        names = sorted(n for n in names if re.fullmatch(r"linux-source-\d+\.\d+", n))
        if not names:
            return {}
        out = {}
        cur = None
        for line in self._run(["apt-cache", "policy"] + names,
                              "apt-cache policy").splitlines():
            m = re.match(r"(linux-source-(\d+\.\d+)):$", line)
            if m:
                cur = m.group(2)
                continue
            m = re.match(r"\s+Candidate:\s+(\S+)", line)
            if m and cur and m.group(1) != "(none)":
                out[cur] = m.group(1)
        return out

    # -- fetching

    def fetch(self, series, pkgversion):
        """Download linux-source-SERIES=PKGVERSION and unpack what busfuzz
        reads; return (tree_dir, label)."""
        if os.environ.get("BUSFUZZ_OFFLINE"):
            raise KernelError("busfuzz: linux-source-%s is not cached and "
                              "BUSFUZZ_OFFLINE is set" % series)
        os.makedirs(self.kernels, exist_ok=True)
        with locked(os.path.join(self.kernels, ".lock")):
            final = os.path.join(self.kernels, pkgversion)
            hit = self._tree_of(final)
            if hit is None:
                if os.path.exists(final):
                    shutil.rmtree(final)     # left by an interrupted run
                self._fetch_into(series, pkgversion, final)
                hit = self._tree_of(final)
            self._index(series, pkgversion)
        return hit

    def _index(self, series, pkgversion):
        d = os.path.join(self.kernels, "series")
        os.makedirs(d, exist_ok=True)
        link = os.path.join(d, series)
        target = os.path.join("..", pkgversion)
        if os.path.islink(link) and os.readlink(link) == target:
            return
        tmp = "%s.tmp%d" % (link, os.getpid())
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        os.symlink(target, tmp)
        os.replace(tmp, link)

    def _fetch_into(self, series, pkgversion, final):
        pkg = "linux-source-%s" % series
        top = pkg                       # the tarball's top directory
        dl = tempfile.mkdtemp(dir=self.kernels, prefix=".dl-")
        stage = tempfile.mkdtemp(dir=self.kernels, prefix=".stage-")
        try:
            progress("fetching %s (%s) ..." % (pkg, pkgversion))
            self._run(["apt-get", "-q", "download", "%s=%s" % (pkg, pkgversion)],
                      "apt-get download %s" % pkg, cwd=dl)
            debs = glob.glob(os.path.join(dl, "%s_*.deb" % pkg))
            if len(debs) != 1:
                raise KernelError("busfuzz: apt-get download %s left no .deb" % pkg)
            member = "usr/src/%s.tar.xz" % pkg
            progress("unpacking %s ..." % pkg)
            r = subprocess.run(
                ["sh", "-c", 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" '
                 '--wildcards "*$3"', "sh", debs[0], dl, member],
                stderr=subprocess.PIPE, text=True)
            txz = os.path.join(dl, member)
            if r.returncode != 0 or not os.path.isfile(txz):
                raise KernelError("busfuzz: %s: no %s in the package (%s)" % (
                    os.path.basename(debs[0]), member,
                    (r.stderr.strip().splitlines() or ["?"])[-1]))
            os.unlink(debs[0])
            n = _unpack_wanted(txz, os.path.join(stage, top), top)
            os.unlink(txz)
            if not os.path.isfile(os.path.join(stage, top, "virt/kvm/kvm_main.c")):
                raise KernelError("busfuzz: %s has no virt/kvm/kvm_main.c" % pkg)
            meta = {"package": pkg, "version": pkgversion, "series": series,
                    "upstream": upstream_version(pkgversion), "tree": top,
                    "files": n, "wanted": WANTED_KEY}
            _write_atomic(os.path.join(stage, MARKER),
                          json.dumps(meta, indent=1, sort_keys=True) + "\n")
            os.chmod(stage, 0o755)
            os.rename(stage, final)
            progress("cached %s in %s" % (meta["upstream"], os.path.join(final, top)))
        finally:
            shutil.rmtree(dl, ignore_errors=True)
            shutil.rmtree(stage, ignore_errors=True)


def _wanted(rel):
    return any(rel == w or (w.endswith("/") and rel.startswith(w)) for w in WANTED)


def _unpack_wanted(txz, dest, top):
    """Unpack the WANTED parts of linux-source-X.Y.tar.xz (streamed; xz
    decompresses in parallel) into dest; return the number of files."""
    p = subprocess.Popen(["xz", "-dc", "-T0", txz], stdout=subprocess.PIPE,
                         bufsize=1 << 20)
    n = 0
    try:
        with tarfile.open(fileobj=p.stdout, mode="r|") as tf:
            for m in tf:
                name = m.name[2:] if m.name.startswith("./") else m.name
                parts = name.split("/", 1)
                if len(parts) != 2 or parts[0] != top:
                    continue
                rel = parts[1]
                if not (_wanted(rel) or (m.isdir() and _wanted(rel + "/"))):
                    continue
                if rel.startswith("/") or ".." in rel.split("/"):
                    continue
                out = os.path.join(dest, rel)
                if m.isdir():
                    os.makedirs(out, exist_ok=True)
                elif m.isfile():
                    os.makedirs(os.path.dirname(out), exist_ok=True)
                    src = tf.extractfile(m)
                    with open(out, "wb") as f:
                        shutil.copyfileobj(src, f, 1 << 20)
                    os.chmod(out, 0o644)
                    os.utime(out, (m.mtime, m.mtime))
                    n += 1
                # symlinks and devices are not needed and not unpacked
    finally:
        p.stdout.close()
        rc = p.wait()
    if rc != 0:
        raise KernelError("busfuzz: %s: xz failed (exit %d)" % (txz, rc))
    return n


# ---------------------------------------------------------------- resolve

def _unknown(spec, series):
    avail = ", ".join(sorted(set(series), key=series_key)) or "none known"
    return KernelError("busfuzz: unknown kernel version '%s' (available: %s)" % (
        spec, avail))


def is_rc(pkgversion):
    return "~rc" in (pkgversion or "")


def _pick(spec, series):
    """The series a spec names among those given ({series: pkgversion}),
    or None.  default and MAJOR skip release candidates while a release
    exists: they are asked for by name (--kernel 7.3)."""
    if "." in spec:
        return spec if spec in series else None
    rel = [s for s in series if not is_rc(series[s])]
    series = sorted(rel or series, key=series_key)
    if spec == "default":
        return series[-1] if series else None
    match = [s for s in series if s.split(".")[0] == spec]
    return match[-1] if match else None


def resolve(kernel=None, tree=None, cache=None):
    """(tree_dir, label) for --kernel/--tree.  label: "6.12.117" or
    "tree:/abs/path".  Uses a cached tree without apt or network."""
    if tree is not None:
        if kernel not in (None, "", "default"):
            raise KernelError("busfuzz: give --kernel or --tree, not both")
        if not os.path.isdir(tree):
            raise KernelError("busfuzz: %s: no such directory (kernel tree)" % tree)
        t = os.path.abspath(tree)
        return t, "tree:" + t
    spec = (kernel or "default").strip()
    c = cache or Cache()
    if spec != "default" and not re.fullmatch(r"\d+(?:\.\d+)?", spec):
        raise _unknown(spec, set(c.cached_series()) | set(c.available(False) or ()))
    if "." in spec:
        hit = c.cached(spec)
        if hit:
            return hit
    else:
        # MAJOR or default: the newest series the last apt-get update knew
        # of (no network), else the newest cached one.
        known = c.available(False)
        s = _pick(spec, known if known is not None else c.cached_versions())
        hit = c.cached(s) if s else None
        if hit:
            return hit
    avail = c.available(True)
    s = _pick(spec, avail)
    if s is None:
        raise _unknown(spec, set(avail) | set(c.cached_series()))
    return c.cached(s) or c.fetch(s, avail[s])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    usage = ("usage: kernels.py fetch VERSION | resolve VERSION | list\n"
             "  VERSION: MAJOR.MINOR (e.g. 6.12), MAJOR (e.g. 7) or default")
    if not argv or argv[0] in ("-h", "--help"):
        print(usage)
        return 0 if argv else 2
    cmd, args = argv[0], argv[1:]
    try:
        if cmd in ("fetch", "resolve") and len(args) == 1:
            tree, label = resolve(args[0])
            print(tree if cmd == "fetch" else "%s\t%s" % (tree, label))
            return 0
        if cmd == "list" and not args:
            c = Cache()
            avail = c.available(True)
            cached = set(c.cached_series())
            for s in sorted(set(avail) | cached, key=series_key):
                hit = c.cached(s)
                print("%-6s %-24s %s" % (s, avail.get(s, "-"),
                                         "cached %s" % hit[1] if hit else ""))
            return 0
    except KernelError as e:
        print(str(e), file=sys.stderr)
        return e.status
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
