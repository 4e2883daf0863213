# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz test: the test suite through ctest."""
import os
import subprocess

import kernels
from common import Fail, ROOT, say
from install import ensure_tools
from build import build_trees, parse_trees


TEST_KERNELS = [("v6_1", "6.1"), ("v6_12", "6.12"), ("v7", "7")]
# The ends of the range, built for replay and the explorer only, with a short clean search each:
# left out (with a line) when they cannot be fetched.
EDGE_KERNELS = [("v5_10", "5.10"), ("v7_3", "7.3")]


# ---- the test suite ------------------------------------------------------------

def test(args):
    cc = ensure_tools()
    trees = []
    for lab, ver in TEST_KERNELS:
        try:
            tree, label = kernels.resolve(ver, None)
        except kernels.KernelError as e:
            raise Fail(str(e).removeprefix("busfuzz: "), e.status)
        trees.append("%s=%s" % (lab, tree))
        say("kernel %s: %s" % (ver, label))
    edge = []
    for lab, ver in EDGE_KERNELS:
        try:
            tree, label = kernels.resolve(ver, None)
        except kernels.KernelError as e:
            say("kernel %s: left out, its tests too (%s)" % (ver, str(e).removeprefix("busfuzz: ")))
            continue
        trees.append("%s=%s" % (lab, tree))
        edge.append(lab)
        say("kernel %s: %s (replay and explorer only)" % (ver, label))
    bdir = os.path.join(ROOT, "build", "test")
    # Every tree, every test: CMake each time (it lists mutants/ then), all of the folder built.
    build_trees(bdir, parse_trees(";".join(trees)), cc=cc, echo=True, exact=True, reconfigure=True,
                options=("-DBUSFUZZ_TEST_TREES=" + ";".join(l for l, _ in TEST_KERNELS),
                         "-DBUSFUZZ_EDGE_TREES=" + ";".join(edge)))
    # No test is timed: the timeout only ends a hang, so it is generous.  A filter
    # that selects nothing is an error, not a pass.  The long label (timed or
    # luck-dependent runs) only with --long.
    argv = ["ctest", "--test-dir", bdir, "--output-on-failure", "-j", str(args.jobs or os.cpu_count() or 2),
            "--timeout", "3600", "--no-tests=error"]
    if args.regex:
        argv += ["-R", args.regex]
    if not args.long:
        argv += ["-LE", "long"]
    return subprocess.run(argv).returncode and 1
