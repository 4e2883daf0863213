# SPDX-License-Identifier: GPL-2.0-only
"""Tests of tools/extract.py on the cached kernel trees.

    python3 tests/test_extract.py [-v] [NAME_SUBSTRING ...]

Trees come from tools/kernels.py (fetched once, then cached; a cached tree
needs no network).  Test trees with defects are copies of a cached tree in a
temporary folder, edited with Python: no kernel code lives in this repo.
"""

import pyrunner  # tests/ is the script's own folder
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tools"))

import extract  # noqa: E402
import kernels  # noqa: E402

EXTRACT = os.path.join(REPO, "tools", "extract.py")
STUBS = os.path.join(REPO, "kernel-shim", "stubs.def")
OUTPUTS = ("include/kvm/iodev.h", "kvm_host_types.h", "kvm_host_bus_inlines.h",
           "kvm_main_bus.c", "stubs.h", "extracted.h", "externals.txt",
           "manifest.json")

_trees = {}
_outs = {}
TMP = tempfile.mkdtemp(prefix="busfuzz-test-extract-")


def tree(version):
    if version not in _trees:
        _trees[version] = kernels.resolve(version)[0]
    return _trees[version]


def run(tree_dir, out, stubs=STUBS):
    p = subprocess.run([sys.executable, EXTRACT, "--tree", tree_dir, "--out", out,
                        "--stubs", stubs], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stderr


def extracted(version):
    """Output folder of a clean extraction of a cached version (memoized)."""
    if version not in _outs:
        out = os.path.join(TMP, "out-" + version)
        rc, err = run(tree(version), out)
        if rc != 0:
            raise AssertionError("extraction of %s failed: %s" % (version, err))
        _outs[version] = out
    return _outs[version]


def read(out, rel):
    with open(os.path.join(out, rel)) as f:
        return f.read()


def have(out):
    return set(re.findall(r"#define BUSFUZZ_HAVE_(\w+) 1", read(out, "extracted.h")))


def define(out, name):
    m = re.search(r"#define %s (\S+)" % name, read(out, "extracted.h"))
    return m.group(1) if m else None


def item_text(out, name):
    """The text emitted for function NAME in kvm_main_bus.c."""
    text = read(out, "kvm_main_bus.c")
    for chunk in re.split(r"(?m)^#line \d+ \"virt/kvm/kvm_main.c\"\n", text)[1:]:
        if re.match(r"[^(;{]*\b%s\(" % re.escape(name), chunk):
            return chunk
    return None


def copy_tree(version, name, parts=None):
    """A copy of a cached tree (or only some of its parts) to edit."""
    src = tree(version)
    dst = os.path.join(TMP, name)
    if parts is None:
        shutil.copytree(src, dst)
    else:
        for rel in parts:
            s = os.path.join(src, rel)
            d = os.path.join(dst, rel)
            os.makedirs(os.path.dirname(d), exist_ok=True)
            (shutil.copytree if os.path.isdir(s) else shutil.copy2)(s, d)
    return dst


def edit(path, pattern, repl, count=1):
    with open(path) as f:
        text = f.read()
    new, n = re.subn(pattern, repl, text, count=count, flags=re.M)
    assert n > 0, "pattern %r not found in %s" % (pattern, path)
    with open(path, "w") as f:
        f.write(new)


def check(cond, msg):
    if not cond:
        print("    " + msg)
    return bool(cond)


ROOTS = set(extract.ROOTS)
NEW_7X = {"kvm_get_bus_srcu", "kvm_get_bus_for_destruction", "__free_bus"}


# ------------------------------------------------------------------ tests

def test_7x_has_new_helpers():
    h = have(extracted("7"))
    return check(NEW_7X <= h, "missing in 7.x: %s" % (NEW_7X - h)) and \
        check(ROOTS <= h, "roots missing: %s" % (ROOTS - h))


def test_6_12_function_set():
    out = extracted("6.12")
    h = have(out)
    ok = check(not (NEW_7X & h), "6.12 has 7.x helpers: %s" % (NEW_7X & h))
    ok &= check(ROOTS <= h, "roots missing: %s" % (ROOTS - h))
    reg = item_text(out, "kvm_io_bus_register_dev") or ""
    ok &= check("synchronize_srcu_expedited(&kvm->srcu);" in reg,
                "6.12 kvm_io_bus_register_dev lacks synchronize_srcu_expedited")
    ok &= check("kvm_iodevice_destructor" in h,
                "6.12 kvm_iodevice_destructor (static in kvm_main.c) not extracted")
    return ok


def test_line_directives_point_at_the_tree():
    ok = True
    for v in ("6.1", "6.12", "7"):
        out, t = extracted(v), tree(v)
        n = 0
        for rel in ("kvm_main_bus.c", "kvm_host_types.h",
                    "kvm_host_bus_inlines.h", "include/kvm/iodev.h"):
            lines = read(out, rel).split("\n")
            marks = [i for i, l in enumerate(lines) if l.startswith("#line ")]
            for k, i in enumerate(marks):
                m = re.match(r'#line (\d+) "([^"]+)"$', lines[i])
                seg = lines[i + 1:marks[k + 1] if k + 1 < len(marks) else len(lines)]
                while seg and (seg[-1] == "" or seg[-1].startswith("#endif /* BUSFUZZ_GEN")):
                    seg.pop()
                with open(os.path.join(t, m.group(2))) as f:
                    real = f.read().split("\n")
                first = int(m.group(1)) - 1
                n += 1
                ok &= check(seg and real[first] == seg[0],
                            "%s %s: %s: first line %r != tree's %r" % (
                                v, rel, lines[i], seg[:1], real[first]))
                ok &= check(real[first:first + len(seg)] == seg,
                            "%s %s: %s: item text differs from the tree" % (v, rel, lines[i]))
        ok &= check(n >= 20, "%s: only %d #line directives" % (v, n))
    return ok


MEMSLOTS = {"kvm_vm_ioctl_set_memory_region", "kvm_set_memslot", "kvm_swap_active_memslots",
            "kvm_vcpu_gfn_to_memslot", "__x86_set_memory_region", "id_to_memslot"}
MEMSLOT_PARTS = ["lib/rbtree.c", "lib/interval_tree.c", "include/linux/rbtree_types.h", "include/linux/rbtree.h",
                 "include/linux/rbtree_augmented.h", "include/linux/interval_tree.h",
                 "include/linux/interval_tree_generic.h", "include/linux/hashtable.h",
                 "arch/x86/kvm/x86.c", "arch/x86/include/asm/kvm_host.h"]


def test_sparse_tree_works():
    parts = ["virt/kvm", "include/kvm", "include/linux/kvm_host.h", "include/uapi/linux/kvm.h",
             "arch/x86/kvm/vmx/vmx.c", "tools/memory-model"] + MEMSLOT_PARTS
    t = copy_tree("6.12", "sparse", parts)
    out = os.path.join(TMP, "out-sparse")
    rc, err = run(t, out)
    ok = check(rc == 0, "sparse tree failed: %s" % err)
    if rc == 0:
        ok &= check(define(out, "BUSFUZZ_TREE_VERSION") == '"unknown"',
                    "no Makefile should give version \"unknown\"")
        ok &= check(define(out, "BUSFUZZ_VMX_RMB_IN_EMULATION_LOOP") in ("0", "1"),
                    "vmx.c present: fact should be 0 or 1")
        ok &= check(have(out) == have(extracted("6.12")), "function set differs")
    shutil.rmtree(os.path.join(t, "arch"))
    rc, err = run(t, out)
    ok &= check(rc == 0, "tree without arch/ failed: %s" % err)
    ok &= check(define(out, "BUSFUZZ_VMX_RMB_IN_EMULATION_LOOP") == "-1",
                "no vmx.c should give -1")
    return ok


def test_memslots_off_without_the_rbtree_code():
    """A tree without lib/rbtree.c builds with memslots off, and says so: no memslot code, the ioctl a stub."""
    parts = ["virt/kvm", "include/kvm", "include/linux/kvm_host.h", "include/linux/kvm_types.h",
             "include/uapi/linux/kvm.h"] + [p for p in MEMSLOT_PARTS if p != "lib/rbtree.c"]
    t = copy_tree("7", "no-rbtree", parts)
    out = os.path.join(TMP, "out-no-rbtree")
    rc, err = run(t, out)
    ok = check(rc == 0, "tree without lib/rbtree.c failed: %s" % err)
    ok &= check("lib/rbtree.c: memslots are off" in err, "no note on memslots: %r" % err)
    if rc == 0:
        h = have(out)
        ok &= check(not (MEMSLOTS & h), "memslot code extracted anyway: %s" % (MEMSLOTS & h))
        ok &= check("#define kvm_vm_ioctl_set_memory_region(...)" in read(out, "stubs.h"), "the ioctl is no stub")
        ok &= check(not os.path.exists(os.path.join(out, "include/linux/rbtree.h")), "rb-tree headers copied")
    return ok


def test_missing_kvm_main_is_an_error():
    t = copy_tree("6.12", "no-kvm-main", ["virt/kvm", "include"])
    os.unlink(os.path.join(t, "virt/kvm/kvm_main.c"))
    out = os.path.join(TMP, "out-no-kvm-main")
    rc, err = run(t, out)
    return check(rc == 2, "exit %d, want 2" % rc) and \
        check("virt/kvm/kvm_main.c" in err and err.count("\n") == 1,
              "want one line naming the file, got %r" % err) and \
        check(not os.path.exists(out), "output written despite the error")


def test_missing_tree_is_an_error():
    rc, err = run(os.path.join(TMP, "no-such-tree"), os.path.join(TMP, "out-none"))
    return check(rc == 2 and "no-such-tree" in err, "got %d %r" % (rc, err))


def test_renamed_root_is_an_error():
    t = copy_tree("6.12", "renamed", ["virt/kvm", "include"])
    edit(os.path.join(t, "virt/kvm/kvm_main.c"),
         r"^int kvm_io_bus_write\(", "int kvm_io_bus_write_renamed(")
    out = extracted("6.12")
    before = {r: os.stat(os.path.join(out, r)).st_mtime_ns for r in OUTPUTS}
    rc, err = run(t, out)
    after = {r: os.stat(os.path.join(out, r)).st_mtime_ns for r in OUTPUTS}
    return check(rc == 2, "exit %d, want 2" % rc) and \
        check("virt/kvm/kvm_main.c" in err and "'kvm_io_bus_write'" in err and
              "not found" in err and err.count("\n") == 1, "got %r" % err) and \
        check(before == after, "outputs touched by a failing run")


def test_no_way_to_free_vcpus_is_an_error():
    """5.10 without kvm_vcpu_destroy() has neither optional root the vCPU teardown needs: exit 2, both named."""
    t = copy_tree("5.10", "no-vcpu-destroy", ["virt/kvm", "include", "Makefile"])
    edit(os.path.join(t, "virt/kvm/kvm_main.c"), r"^void kvm_vcpu_destroy\(", "void kvm_vcpu_destroy_renamed(")
    rc, err = run(t, os.path.join(TMP, "out-no-vcpu-destroy"))
    return check(rc == 2 and err.count("\n") == 1 and "virt/kvm/kvm_main.c" in err and
                 "'kvm_destroy_vcpus'" in err and "'kvm_vcpu_destroy'" in err, "got %d %r" % (rc, err))


def test_missing_host_item_is_an_error():
    t = copy_tree("7", "no-bus-struct", ["virt/kvm", "include"])
    edit(os.path.join(t, "include/linux/kvm_host.h"),
         r"^struct kvm_io_bus \{", "struct kvm_io_bus_renamed {")
    rc, err = run(t, os.path.join(TMP, "out-no-bus-struct"))
    return check(rc == 2 and "include/linux/kvm_host.h" in err and
                 "struct kvm_io_bus" in err, "got %d %r" % (rc, err))


def test_unbalanced_braces_name_file_and_line():
    t = copy_tree("7", "unbalanced", ["virt/kvm", "include"])
    p = os.path.join(t, "virt/kvm/kvm_main.c")
    with open(p) as f:
        n = f.read().count("\n")
    with open(p, "a") as f:
        f.write("static int busfuzz_test_unclosed(void)\n{\n")
    rc, err = run(t, os.path.join(TMP, "out-unbalanced"))
    return check(rc == 2 and "virt/kvm/kvm_main.c:%d:" % (n + 2) in err,
                 "got %d %r" % (rc, err))


def test_braces_in_comments_strings_and_directives():
    # Synthetic C, written for this test.
    code = "\n".join([
        "/* a { in a comment */",
        "#define OPEN { \\",
        "    /* } */",
        "#define QUOTE \"}\"",
        "static const char *s = \"{\\\"}\"; // {",
        "static char c = '{';",
        "int __weak f(int a)",
        "{",
        "#ifdef X",
        "\tif (a) {",
        "#else",
        "\tif (!a) {",
        "#endif",
        "\t\treturn '}';",
        "\t}",
        "\treturn 0; /* } */",
        "}",
        "static DEFINE_MUTEX(m);",
        "struct t { int x; } v;",
        "enum e { E1, E2 = 3 };",
        "typedef int (*fn_t)(int);",
        "int g(void);",
        ""])
    src = extract.Source("t.c", code)
    items = extract.segment(src)
    got = [(it.kind, it.names, it.line) for it in items]
    want = [("define", ["OPEN"], 2), ("define", ["QUOTE"], 4),
            ("decl", ["s"], 5), ("decl", ["c"], 6), ("function", ["f"], 7),
            ("decl", ["m"], 18), ("decl", ["t", "v"], 19),
            ("decl", ["e", "E1", "E2"], 20), ("decl", ["fn_t"], 21),
            ("proto", [], 22)]
    return check(got == want, "got %s" % got)


def test_ifdef_variants_take_the_first_and_report():
    t = copy_tree("7", "variants", ["virt/kvm", "include"])
    p = os.path.join(t, "virt/kvm/kvm_main.c")
    with open(p) as f:
        text = f.read()
    head = "static struct kvm_io_bus *kvm_get_bus_srcu("
    i = text.index(head)
    j = text.index("\n}\n", i) + 3
    variant = ("#ifdef BUSFUZZ_TEST_VARIANT\n%sstruct kvm *kvm, enum kvm_bus idx)\n"
               "{\n\treturn NULL; /* variant */\n}\n#else\n" % head)
    text = text[:i] + variant + text[i:j] + "#endif\n" + text[j:]
    with open(p, "w") as f:
        f.write(text)
    want_line = text[:i].count("\n") + 2
    out = os.path.join(TMP, "out-variants")
    rc, err = run(t, out)
    if not check(rc == 0, err):
        return False
    body = item_text(out, "kvm_get_bus_srcu") or ""
    man = json.loads(read(out, "manifest.json"))
    c = read(out, "kvm_main_bus.c")
    return check("/* variant */" in body, "first variant not taken") and \
        check(any("kvm_get_bus_srcu" in r and "2 definitions" in r
                  for r in man["report"]), "not reported: %s" % man["report"]) and \
        check('#line %d "virt/kvm/kvm_main.c"\n%s' % (want_line, head) in c,
              "wrong #line for the variant") and \
        check("BUSFUZZ_TEST_VARIANT" not in c, "#ifdef lines around an item copied")


def test_stubbed_names_are_not_extracted():
    stubs = os.path.join(TMP, "stubs-extra.def")
    with open(STUBS) as f:
        base = f.read()
    with open(stubs, "w") as f:
        f.write(base + "\nkvm_io_bus_get_first_dev   stubbed by the test\n")
    out = os.path.join(TMP, "out-stubbed")
    rc, err = run(tree("7"), out, stubs)
    if not check(rc == 0, err):
        return False
    h = have(out)
    stubs_h = read(out, "stubs.h")
    ok = check("kvm_io_bus_get_first_dev" not in h, "stubbed function extracted")
    ok &= check("#define kvm_io_bus_get_first_dev(...) "
                "BUSFUZZ_STUB(kvm_io_bus_get_first_dev)" in stubs_h, "stub missing")
    # with the real stubs file: no stubbed name among the items, and every
    # stubbed name the code uses becomes a stub macro
    for v in ("6.1", "6.12", "7"):
        out = extracted(v)
        man = json.loads(read(out, "manifest.json"))
        names = {n for it in man["items"] for n in it["names"]}
        ok &= check(not (names & set(extract.read_stubs(STUBS))),
                    "%s: stubbed names among the items" % v)
        stubs_h = read(out, "stubs.h")
        ok &= check(all("#define %s(...) BUSFUZZ_STUB(%s)" % (n, n) in stubs_h
                        for n in man["stubs_used"]), "%s: stub macro missing" % v)
    return ok


CALLERS = {"kvm_ioeventfd", "kvm_assign_ioeventfd_idx", "kvm_deassign_ioeventfd_idx",
           "ioeventfd_check_collision", "ioeventfd_write", "ioeventfd_destructor",
           "ioeventfd_release", "kvm_eventfd_init", "kvm_coalesced_mmio_init",
           "kvm_coalesced_mmio_free", "kvm_vm_ioctl_register_coalesced_mmio",
           "kvm_vm_ioctl_unregister_coalesced_mmio", "coalesced_mmio_write",
           "coalesced_mmio_destructor"}


def test_callers_are_extracted():
    ok = True
    for v in ("6.1", "6.12", "7"):
        out = extracted(v)
        h = have(out)
        ok &= check(CALLERS <= h, "%s: callers missing: %s" % (v, CALLERS - h))
        c = read(out, "kvm_main_bus.c") + read(out, "kvm_host_types.h")
        for rel in ("virt/kvm/eventfd.c", "virt/kvm/coalesced_mmio.c",
                    "virt/kvm/coalesced_mmio.h", "include/uapi/linux/kvm.h"):
            ok &= check('"%s"' % rel in c, "%s: nothing from %s" % (v, rel))
        ok &= check("struct kvm_ioeventfd {" in c and "struct _ioeventfd {" in c,
                    "%s: ioeventfd structures missing" % v)
        stubs_h = read(out, "stubs.h")
        ok &= check("kvm_coalesced_mmio_free" not in stubs_h and "kvm_eventfd_init" not in stubs_h,
                    "%s: callers still stubbed" % v)
        # the irqfd half of eventfd.c is not on the bus: never pulled in
        ok &= check("irqfd_wakeup" not in h and "kvm_irqfd" not in h, "%s: irqfd code extracted" % v)
    ok &= check("coalesced_mmio_has_room" in have(extracted("6.1")), "6.1's helper missing")
    return ok


def test_vcpus_and_vm_ioctls_are_extracted():
    """KVM_CREATE_VCPU and the VM ioctl dispatch are the tree's, on every generation."""
    ok = True
    want = {"kvm_vm_ioctl", "kvm_vm_ioctl_create_vcpu", "kvm_vcpu_init", "kvm_destroy_vcpus",
            "kvm_get_vcpu", "kvm_get_vcpu_by_id"}
    for v in ("6.1", "6.12", "7"):
        out = extracted(v)
        h = have(out)
        ok &= check(want <= h, "%s: missing %s" % (v, want - h))
        stubs_h = read(out, "stubs.h")
        ok &= check("#define kvm_arch_prepare_memory_region(...)" in stubs_h and
                    "#define kvm_vm_ioctl_set_memory_region(...)" not in stubs_h and
                    "#define kvm_arch_vcpu_create(...)" not in stubs_h,
                    "%s: the memslot ioctl or the vCPU hook's stand-in is a stub, or an arch memslot hook is not" % v)
        ok &= check(MEMSLOTS <= h, "%s: memslot code missing: %s" % (v, MEMSLOTS - h))
        types = read(out, "kvm_host_types.h")
        ok &= check("#define KVM_CREATE_VCPU" in types and "struct file { void *private_data; };" in types,
                    "%s: ioctl numbers or the struct file placeholder missing" % v)
    return ok


def test_missing_uapi_header_is_an_error():
    t = copy_tree("6.12", "no-uapi", ["virt/kvm", "include/kvm", "include/linux/kvm_host.h"])
    rc, err = run(t, os.path.join(TMP, "out-no-uapi"))
    return check(rc == 2 and "include/uapi/linux/kvm.h" in err and "no such file" in err,
                 "rc=%s err=%r" % (rc, err))


def test_caller_destroys_fact():
    want = {"6.1": "1", "6.12": "0", "7": "0"}
    got = {v: define(extracted(v), "BUSFUZZ_CALLER_DESTROYS_UNREGISTERED_DEV")
           for v in want}
    return check(got == want, "got %s" % got)


def test_facts_and_arity():
    ok = True
    for v in ("6.1", "6.12", "7"):
        out = extracted(v)
        ver = define(out, "BUSFUZZ_TREE_VERSION").strip('"')
        ok &= check(ver.startswith(kernels.resolve(v)[1].rsplit(".", 1)[0]),
                    "%s: version %s" % (v, ver))
        ok &= check(define(out, "BUSFUZZ_NPARAMS_kvm_create_vm") == "2", v)
        ok &= check(define(out, "BUSFUZZ_NPARAMS_kvm_io_bus_write") == "5", v)
        ok &= check(define(out, "BUSFUZZ_NPARAMS_kvm_io_bus_write_cookie") == "6", v)
        ok &= check(define(out, "BUSFUZZ_VMX_RMB_IN_EMULATION_LOOP") in ("0", "1"), v)
    return ok


def test_externals_list():
    ok = True
    stubs = set(extract.read_stubs(STUBS))
    for v in ("6.12", "7"):
        out = extracted(v)
        rows = [l.split() for l in read(out, "externals.txt").splitlines()]
        names = {r[0] for r in rows}
        ok &= check(all(len(r) == 2 and re.match(r"[\w/.-]+:\d+$", r[1]) for r in rows),
                    "bad externals.txt line")
        ok &= check({"synchronize_srcu_expedited", "kfree", "mutex_lock"} <= names,
                    "%s: expected externals missing" % v)
        ok &= check(not (names & stubs), "%s: stubs listed: %s" % (v, names & stubs))
        ok &= check(not (names & have(out)), "%s: extracted functions listed" % v)
        ok &= check(not (names & extract.C_KEYWORDS), "%s: keywords listed" % v)
    ok &= check("call_srcu" in read(extracted("7"), "externals.txt"), "7.x call_srcu")
    return ok


SHIM = os.path.join(REPO, "kernel-shim")
_DEF_RE = re.compile(r"\b(struct|union|enum)\s+(\w+)\s*\{")


# Sources fetched for what the shim models, not for types to take from the tree:
# SRCU (kernel/rcu/ for busfuzz cost's timing rules; the shim's srcu_struct is the
# simulator's SRCU) and the xarray (a placeholder, kernel-shim/placeholders.def).
MODELLED = ("kernel/rcu/", "include/linux/srcu.h", "include/linux/srcutree.h",
            "include/linux/rcu_segcblist.h", "include/linux/xarray.h")


def tree_tags(tree_dir):
    """struct/union/enum tags the tree's cached sources define (but MODELLED)."""
    tags = set()
    for root, _dirs, files in os.walk(tree_dir):
        rel = os.path.relpath(root, tree_dir) + "/"
        for fn in files:
            if (rel + fn).lstrip("./").startswith(MODELLED) or rel.lstrip("./").startswith(MODELLED):
                continue
            if fn.endswith((".h", ".c")):
                with open(os.path.join(root, fn), errors="replace") as f:
                    tags.update(m.group(2) for m in _DEF_RE.finditer(f.read()))
    return tags


def handwritten_kernel_structs(shim_dir, tags):
    """'file: struct NAME' of each definition in shim_dir of a tag in tags."""
    out = []
    for root, _dirs, files in os.walk(shim_dir):
        for fn in sorted(files):
            path = os.path.join(root, fn)
            with open(path, errors="replace") as f:
                text = f.read()
            out += ["%s: %s %s" % (os.path.relpath(path, shim_dir), m.group(1), m.group(2))
                    for m in _DEF_RE.finditer(text) if m.group(2) in tags]
    return out


def test_no_kernel_struct_is_handwritten_in_the_shim():
    tags = set()
    for v in ("6.1", "6.12", "7"):
        tags |= tree_tags(tree(v))
    ok = check({"kvm", "kvm_vcpu", "kvm_io_bus"} <= tags, "tree scan found too little")
    ok &= check(not handwritten_kernel_structs(SHIM, tags),
                "kernel structs written by hand in kernel-shim/: %s" %
                handwritten_kernel_structs(SHIM, tags))
    # the scan itself finds one (so that the check above can fail)
    fake = os.path.join(TMP, "fake-shim", "linux")
    os.makedirs(fake)
    with open(os.path.join(fake, "kvm_host.h"), "w") as f:
        f.write("struct kvm {\n\tint users;\n};\n")
    ok &= check(handwritten_kernel_structs(os.path.dirname(fake), tags) ==
                ["linux/kvm_host.h: struct kvm"], "the scan misses a hand-written struct kvm")
    return ok


def test_kernel_types_come_from_the_tree():
    ok = True
    for v in ("6.1", "6.12", "7"):
        t = read(extracted(v), "kvm_host_types.h")
        for tag in ("struct kvm {", "struct kvm_vcpu {", "struct kvm_io_bus {", "enum kvm_bus {"):
            ok &= check(tag in t, "%s: %s not taken from the tree" % (v, tag))
        ok &= check("struct kvm_arch { char busfuzz_placeholder; };" in t and
                    "placeholder: the VM's arch state" in t, "%s: struct kvm_arch placeholder" % v)
    return ok


def syntax_check(out):
    """The harness compiled (syntax only) against an extraction."""
    cc = os.environ.get("CC") or shutil.which("clang-14") or shutil.which("clang") or "cc"
    p = subprocess.run([cc, "-fsyntax-only", "-w", "-I", out, "-I", os.path.join(out, "include"),
                        "-I", SHIM, "-I", os.path.join(REPO, "fuzz"), "-I", os.path.join(REPO, "sim"),
                        os.path.join(REPO, "fuzz", "harness.c")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def test_a_new_struct_kvm_field_builds():
    """A patch adding a member to struct kvm and using it in the bus code
    builds with no change to busfuzz (7.x: register waits while no vCPU exists)."""
    t = copy_tree("7", "new-field", ["virt/kvm", "include", "Makefile"])
    edit(os.path.join(t, "include/linux/kvm_host.h"), r"^(\tint created_vcpus;)$",
         "\\1\n\tint busfuzz_test_field;")
    edit(os.path.join(t, "virt/kvm/kvm_main.c"),
         r"^(\tcall_srcu\(&kvm->srcu, &bus->rcu, __free_bus\);)$",
         "\tkvm->busfuzz_test_field++;\n"
         "\tif (!READ_ONCE(kvm->created_vcpus)) {\n"
         "\t\tsynchronize_srcu_expedited(&kvm->srcu);\n\t\tkfree(bus);\n"
         "\t} else {\n\t\\1\n\t}")
    out = os.path.join(TMP, "out-new-field")
    rc, err = run(t, out)
    if not check(rc == 0, "extraction failed: %s" % err):
        return False
    ok = check("int busfuzz_test_field;" in read(out, "kvm_host_types.h"), "new member missing")
    rc, msg = syntax_check(out)
    ok &= check(rc == 0, "does not build: %s" % msg[-1500:])
    # an embedded member of a type found nowhere is one clear line
    edit(os.path.join(t, "include/linux/kvm_host.h"), r"^(\tint busfuzz_test_field;)$",
         "\tstruct busfuzz_nowhere nowhere;")
    rc, err = run(t, out)
    ok &= check(rc == 2 and err.count("\n") == 1 and "'struct kvm' embeds" in err and
                "'struct busfuzz_nowhere'" in err and "placeholders.def" in err and
                "include/linux/kvm_host.h:" in err, "got %d %r" % (rc, err))
    return ok


def test_5_10_builds_without_what_it_lacks():
    """5.10 (Debian's linux-source-5.10): no kvm_destroy_vcpus(), vCPUs in kvm->vcpus[] (no xarray),
    KVM_USER_MEM_SLOTS left to the arch, the coalesced ring set up by KVM_CREATE_VM: it extracts,
    says what is off, and the harness compiles against it; 7.x keeps the other side of each."""
    out, err = os.path.join(TMP, "out-5.10"), ""
    rc, err = run(tree("5.10"), out)
    if not check(rc == 0, "5.10 extraction failed: %s" % err):
        return False
    ok = check("has no kvm_destroy_vcpus()" in err and "the vGIC scenario is off" in err,
               "5.10: what is off not said: %r" % err)
    types, stubs_h = read(out, "kvm_host_types.h"), read(out, "stubs.h")
    ok &= check(define(out, "BUSFUZZ_HAS_KVM_DESTROY_VCPUS") == "0" and
                define(out, "BUSFUZZ_HAS_KVM_VCPU_DESTROY") == "1" and
                define(out, "BUSFUZZ_CREATE_VM_INITS_COALESCED") == "0" and
                define(out, "BUSFUZZ_VGIC_READY_ACQUIRE") == "-1", "5.10 facts")
    ok &= check("#define KVM_USER_MEM_SLOTS " in types and "BUSFUZZ_PLACEHOLDER_xarray" not in types,
                "5.10: arch memslot constant or no-xarray")
    ok &= check("kvm_free_memslots" in have(out) and "(BUSFUZZ_STUB(try_module_get), 1L)" in stubs_h,
                "5.10: kvm_free_memslots() not extracted or try_module_get() not a stub returning 1")
    rc, msg = syntax_check(out)
    ok &= check(rc == 0, "the harness does not build on 5.10: %s" % msg[-1500:])
    out7 = extracted("7")
    types7 = read(out7, "kvm_host_types.h")
    ok &= check(define(out7, "BUSFUZZ_HAS_KVM_DESTROY_VCPUS") == "1" and
                define(out7, "BUSFUZZ_CREATE_VM_INITS_COALESCED") == "1", "7.x facts")
    ok &= check("#define BUSFUZZ_PLACEHOLDER_xarray 1" in types7 and
                "placeholder: the simulated arch's user memslots" not in types7,
                "7.x: the xarray or the tree's own KVM_USER_MEM_SLOTS")
    ok &= check("kvm_free_memslots" in have(out7), "7.x: kvm_free_memslots() not extracted (memslots are on there)")
    return ok


def test_release_candidate_version():
    """A release candidate's -rcN is part of the version (provenance tells it from the release)."""
    t = os.path.join(TMP, "rc-makefile")
    os.makedirs(t)
    with open(os.path.join(t, "Makefile"), "w") as f:
        f.write("# SPDX-License-Identifier: GPL-2.0\nVERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 0\n"
                "EXTRAVERSION = -rc7\nNAME = test\n")
    ok = check(extract._tree_version(extract.Tree(t)) == "7.3.0-rc7",
               "got %s" % extract._tree_version(extract.Tree(t)))
    ok &= check(extract._tree_version(extract.Tree(tree("6.12"))) == kernels.resolve("6.12")[1],
                "a release has no suffix")
    return ok


def test_rerun_keeps_mtimes():
    out = os.path.join(TMP, "out-rerun")
    rc, err = run(tree("6.12"), out)
    if not check(rc == 0, err):
        return False
    before = {r: os.stat(os.path.join(out, r)).st_mtime_ns for r in OUTPUTS}
    time.sleep(0.02)
    rc, err = run(tree("6.12"), out)
    after = {r: os.stat(os.path.join(out, r)).st_mtime_ns for r in OUTPUTS}
    return check(rc == 0 and before == after, "outputs rewritten on an unchanged run")


# ------------------------------------------------------------------ runner

def main(argv):
    return pyrunner.run(globals(), argv, TMP)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
