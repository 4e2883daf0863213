# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz litmus: the command; the litmus runtime is tools/litmus.py."""
import glob
import os
import sys

import litmus
from common import Fail
from build import resolve_tree
from install import ensure_tools


# ---- litmus tests ----------------------------------------------------------------

def litmus_cmd(args):
    """C litmus tests (herd7 format) explored exhaustively on the simulator (tools/litmus.py)."""
    try:
        litmus.check_options(args)
        files = args.files
        if files and (args.tree or args.kernel) and not args.oracle:
            raise Fail("give FILE... or --tree/--kernel, not both (with --oracle, they name herd7's LKMM)")
        if args.oracle:     # herd7 runs the LKMM of this tree (default: the 7.x one)
            args.oracle_tree = resolve_tree(args)[0]
        if not files:
            tree, label, _ = resolve_tree(args)
            files = sorted(glob.glob(os.path.join(tree, "tools", "memory-model", "litmus-tests", "*.litmus")))
            if not files:
                raise Fail("%s: no tools/memory-model/litmus-tests/*.litmus in this tree" % tree)
        for f in files:         # bad input first, before any set-up
            litmus.load(f)
        ensure_tools()
        return litmus.run(files, args)
    except litmus.LitmusError as e:
        raise Fail(str(e))
    except BrokenPipeError:     # `busfuzz litmus | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
