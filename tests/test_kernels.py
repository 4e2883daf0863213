# SPDX-License-Identifier: GPL-2.0-only
"""Offline tests of tools/kernels.py: apt sources parsing, the private apt
config, version resolution against a made-up cache.

    python3 tests/test_kernels.py [-v] [NAME_SUBSTRING ...]

Nothing here uses the network (BUSFUZZ_OFFLINE is set); host names in the
sample sources are reserved ones (.test) and are never contacted.
"""

import pyrunner  # tests/ is the script's own folder
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tools"))

import kernels  # noqa: E402

KERNELS = os.path.join(REPO, "tools", "kernels.py")
TMP = tempfile.mkdtemp(prefix="busfuzz-test-kernels-")
os.environ["BUSFUZZ_OFFLINE"] = "1"

KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

DEB822 = """\
Types: deb
# a comment inside the stanza
URIs: http://security.archive.test/debian-security
Suites: bookworm-security
Components: main
Signed-By: %(k)s

Types: deb deb-src
URIs: http://archive.test/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: %(k)s

Types: deb
URIs: http://disabled.archive.test/debian
Suites: bookworm
Components: main
Enabled: no
Signed-By: %(k)s

Types: deb
URIs: https://thirdparty.test/apt
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/thirdparty.gpg
""" % {"k": KEYRING}

ONE_LINE = """\
# the machine's sources
deb http://oneline.archive.test/debian bookworm main non-free-firmware
deb-src http://oneline.archive.test/debian bookworm main
deb [arch=amd64 signed-by=%s] http://oneline.archive.test/debian bookworm-backports main
deb https://docker.test/linux/debian bookworm stable
""" % KEYRING


def check(cond, msg):
    if not cond:
        print("    " + msg)
    return bool(cond)


def deb_lines(text):
    return [l for l in text.splitlines() if l.startswith("deb ")]


# ------------------------------------------------------------------ tests

def test_deb822_parsing():
    e = kernels.parse_deb822(DEB822, "x.sources")
    uris = [x["uris"][0] for x in e]
    ok = check(len(e) == 3, "want 3 enabled stanzas, got %s" % uris)
    ok &= check("http://disabled.archive.test/debian" not in uris, "Enabled: no kept")
    ok &= check(e[1]["suites"] == ["bookworm", "bookworm-updates"] and
                e[1]["types"] == ["deb", "deb-src"] and
                e[1]["components"] == ["main", "contrib"], "stanza 2: %s" % e[1])
    deb = [x for x in e if kernels.is_debian_entry(x)]
    ok &= check(len(deb) == 2, "third-party key should not count as Debian")
    return ok


def test_one_line_parsing():
    e = kernels.parse_one_line(ONE_LINE, "x.list")
    ok = check(len(e) == 4, "want 4 entries, got %d" % len(e))
    ok &= check(e[2]["signed_by"] == KEYRING and e[2]["arch"] == "amd64" and
                e[2]["suites"] == ["bookworm-backports"], "options: %s" % e[2])
    deb = [x for x in e if kernels.is_debian_entry(x)]
    ok &= check([x["uris"][0] for x in deb] == ["http://oneline.archive.test/debian"] * 2,
                "want the two Debian deb lines, got %s" % deb)
    return ok


def test_unstable_line_reuses_main_mirror_not_security():
    # the security stanza comes first on purpose
    text = kernels.make_sources_list(kernels.parse_deb822(DEB822))
    lines = deb_lines(text)
    unstable = [l for l in lines if l.split()[-2] == "unstable"]
    ok = check(len(unstable) == 1, "want one unstable line, got %s" % unstable)
    ok &= check(unstable and unstable[0] ==
                "deb [signed-by=%s] http://archive.test/debian unstable main" % KEYRING,
                "unstable line: %s" % unstable)
    ok &= check(not any("thirdparty" in l or "disabled" in l for l in lines),
                "non-Debian entries kept: %s" % lines)
    ok &= check(not any(l.startswith("deb-src") for l in text.splitlines()),
                "deb-src kept")
    ok &= check("deb [signed-by=%s] http://archive.test/debian bookworm-updates main contrib"
                % KEYRING in lines, "machine's entries not all kept: %s" % lines)
    return ok


def test_one_line_sources_give_unstable_too():
    text = kernels.make_sources_list(kernels.parse_one_line(ONE_LINE))
    unstable = [l for l in deb_lines(text) if " unstable " in l + " "]
    return check(len(unstable) == 1 and
                 "http://oneline.archive.test/debian unstable main" in unstable[0],
                 "got %s" % unstable)


def test_old_kernel_suite_on_the_security_mirror():
    # linux-source-5.10 comes from bullseye-security, on the machine's own security mirror
    lines = deb_lines(kernels.make_sources_list(kernels.parse_deb822(DEB822)))
    old = [l for l in lines if l.split()[-2] == kernels.OLD_SECURITY_SUITE]
    ok = check(old == ["deb [signed-by=%s] http://security.archive.test/debian-security %s main"
                       % (KEYRING, kernels.OLD_SECURITY_SUITE)], "got %s" % old)
    # no security entry (debootstrap writes none): one derived from the main mirror, for the
    # release's own security suite (bookworm's 6.12) and for 5.10; a failure to fetch it is no failure
    text = kernels.make_sources_list(kernels.parse_one_line("deb http://archive.test/debian bookworm main\n"))
    lines = deb_lines(text)
    ok &= check("deb http://archive.test/debian-security bookworm-security main" in lines and
                "deb http://archive.test/debian-security %s main" % kernels.OLD_SECURITY_SUITE in lines,
                "got %s" % lines)
    ok &= check(kernels.derived_uris(text) == ["http://archive.test/debian-security"],
                "derived: %s" % kernels.derived_uris(text))
    ok &= check(kernels.derived_uris(kernels.make_sources_list(kernels.parse_deb822(DEB822))) == [],
                "nothing is derived when the machine has a security entry")
    return ok


def test_existing_unstable_not_duplicated():
    src = "deb http://archive.test/debian sid main\n"
    lines = deb_lines(kernels.make_sources_list(kernels.parse_one_line(src)))
    own = [l for l in lines if "-security" not in l and " experimental " not in l]  # added suites aside
    return check(own == ["deb http://archive.test/debian sid main"], "got %s" % lines)


def test_only_list_and_sources_files_are_read():
    etc = os.path.join(TMP, "etc-apt")
    os.makedirs(os.path.join(etc, "sources.list.d"))
    with open(os.path.join(etc, "sources.list.d", "debian.sources"), "w") as f:
        f.write(DEB822)
    with open(os.path.join(etc, "sources.list.d", "gc.list.disabled-by-farm"), "w") as f:
        f.write("deb http://disabled-file.archive.test/debian bookworm main\n")
    with open(os.path.join(etc, "sources.list.d", "old.list"), "w") as f:
        f.write("deb http://old.archive.test/debian bullseye main\n")
    e = kernels.read_system_sources(etc)
    uris = {x["uris"][0] for x in e}
    return check("http://disabled-file.archive.test/debian" not in uris and
                 "http://old.archive.test/debian" in uris and
                 "http://archive.test/debian" in uris, "got %s" % uris)


def test_apt_conf_is_private():
    d = os.path.join(TMP, "cache", "apt")
    conf = kernels.make_apt_conf(d)
    vals = dict(re.findall(r'^(\S+) "([^"]*)";$', conf, re.M))
    ok = check("/etc/apt" not in conf, "config points at /etc/apt:\n" + conf)
    for key in ("Dir::State::Lists", "Dir::Etc::SourceList", "Dir::Etc::SourceParts",
                "Dir::Cache", "Dir::Cache::archives", "Dir::Etc::PreferencesParts"):
        ok &= check(vals.get(key, "").startswith(d + "/"), "%s = %r" % (key, vals.get(key)))
    ok &= check(vals.get("Acquire::Languages") == "none", "Acquire::Languages")
    return ok


def test_upstream_version_label():
    cases = {"6.12.117-1~deb12u1": "6.12.117", "6.1.192-2": "6.1.192",
             "7.2.13-1": "7.2.13", "1:2.3-4": "2.3", "5.10": "5.10"}
    got = {k: kernels.upstream_version(k) for k in cases}
    return check(got == cases, "got %s" % got)


def test_pick_series():
    s = {x: x + ".1-1" for x in ("6.1", "6.12", "7.2", "7.10", "6.9")}
    got = [kernels._pick(x, s) for x in ("default", "7", "6", "6.12", "7.3", "8")]
    return check(got == ["7.10", "7.10", "6.12", "6.12", None, None], "got %s" % got)


def test_release_candidate_only_by_name():
    s = {"7.2": "7.2.13-1", "7.3": "7.3~rc7-1~exp1", "6.12": "6.12.117-1~deb12u1"}
    got = [kernels._pick(x, s) for x in ("default", "7", "7.3", "6")]
    ok = check(got == ["7.2", "7.2", "7.3", "6.12"], "got %s" % got)
    only = {"8.0": "8.0~rc1-1~exp1"}
    ok &= check(kernels._pick("default", only) == "8.0", "a lone rc not picked")
    return ok


def test_experimental_line_for_release_candidates():
    text = "deb [signed-by=%s] http://archive.test/debian bookworm main\n" % KEYRING
    lines = [l for l in kernels.make_sources_list(kernels.parse_one_line(text)).splitlines()
             if l.startswith("deb ")]
    exp = [l for l in lines if l.split()[-2] == "experimental"]
    return check(len(exp) == 1 and "http://archive.test/debian experimental main" in exp[0],
                 "got %s" % exp)


def test_tree_unpacked_with_other_wanted_is_fetched_again():
    root = _fake_cache("c-wanted", AVAIL, ["6.12"])
    m = os.path.join(root, "kernels", AVAIL["6.12"], kernels.MARKER)
    with open(m) as f:
        meta = json.load(f)
    meta["wanted"] = "0" * 16
    with open(m, "w") as f:
        json.dump(meta, f)
    return check(kernels.Cache(root).cached("6.12") is None, "stale tree used")


def _fake_cache(name, series_avail, cached):
    """A cache whose lists look fresh and which holds fake (empty) trees."""
    root = os.path.join(TMP, name)
    apt = os.path.join(root, "apt")
    os.makedirs(apt)
    st = {"sources": kernels.make_sources_list(kernels.read_system_sources()),
          "updated": time.time(), "series": series_avail}
    with open(os.path.join(apt, "available.json"), "w") as f:
        json.dump(st, f)
    for series in cached:
        ver = series_avail.get(series, series + ".1-1")
        top = "linux-source-" + series
        vdir = os.path.join(root, "kernels", ver)
        os.makedirs(os.path.join(vdir, top))
        with open(os.path.join(vdir, kernels.MARKER), "w") as f:
            json.dump({"series": series, "version": ver, "tree": top,
                       "upstream": kernels.upstream_version(ver),
                       "wanted": kernels.WANTED_KEY}, f)
        os.makedirs(os.path.join(root, "kernels", "series"), exist_ok=True)
        os.symlink(os.path.join("..", ver), os.path.join(root, "kernels", "series", series))
    return root


AVAIL = {"6.1": "6.1.192-2", "6.12": "6.12.117-1~deb12u1", "7.2": "7.2.13-1"}


def test_unknown_version_exits_2():
    root = _fake_cache("c-unknown", AVAIL, [])
    env = dict(os.environ, BUSFUZZ_CACHE=root)
    ok = True
    for v in ("9.99", "foo"):
        p = subprocess.run([sys.executable, KERNELS, "fetch", v], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        want = "busfuzz: unknown kernel version '%s' (available: 6.1, 6.12, 7.2)\n" % v
        ok &= check(p.returncode == 2 and p.stderr == want and p.stdout == "",
                    "%s: exit %d, %r" % (v, p.returncode, p.stderr))
    return ok


def test_cached_tree_resolves_offline():
    root = _fake_cache("c-cached", AVAIL, ["6.12", "7.2"])
    c = kernels.Cache(root)
    ok = True
    for spec, series, label in (("6.12", "6.12", "6.12.117"), ("7", "7.2", "7.2.13"),
                                ("default", "7.2", "7.2.13"), (None, "7.2", "7.2.13")):
        t, lab = kernels.resolve(spec, cache=c)
        ok &= check(t.endswith("/linux-source-" + series) and lab == label,
                    "%s -> %s %s" % (spec, t, lab))
    # 6.1 is available but not cached: fetching it needs the network
    try:
        kernels.resolve("6.1", cache=c)
        ok &= check(False, "6.1 resolved without fetching")
    except kernels.KernelError as e:
        ok &= check("BUSFUZZ_OFFLINE" in str(e), "got %s" % e)
    return ok


def test_half_unpacked_tree_is_not_used():
    root = _fake_cache("c-half", AVAIL, ["6.12"])
    os.unlink(os.path.join(root, "kernels", AVAIL["6.12"], kernels.MARKER))
    return check(kernels.Cache(root).cached("6.12") is None, "tree without marker used")


def test_tree_option():
    t, lab = kernels.resolve(None, TMP)
    ok = check(t == os.path.abspath(TMP) and lab == "tree:" + t, "got %s %s" % (t, lab))
    try:
        kernels.resolve(None, os.path.join(TMP, "nope"))
        ok &= check(False, "missing tree accepted")
    except kernels.KernelError as e:
        ok &= check(e.status == 2 and "nope" in str(e), str(e))
    return ok


# ------------------------------------------------------------------ runner

def main(argv):
    return pyrunner.run(globals(), argv, TMP)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
