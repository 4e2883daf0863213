# SPDX-License-Identifier: GPL-2.0-only
"""The runner of the Python tests: test_<behaviour>() functions returning True,
and the closing line `N tests run, N passed, N failed`."""
import shutil
import time
import traceback


def run(namespace, argv, tmp=None):
    verbose = "-v" in argv
    pats = [a for a in argv if not a.startswith("-")]
    tests = [(n, f) for n, f in namespace.items()
             if n.startswith("test_") and callable(f) and
             (not pats or any(p in n for p in pats))]
    passed = failed = 0
    try:
        for name, fn in tests:
            t1 = time.time()
            try:
                ok = fn() is True
            except Exception:
                traceback.print_exc()
                ok = False
            passed += ok
            failed += not ok
            if verbose or not ok:
                print("%s %s (%.2f s)" % ("PASS" if ok else "FAIL", name, time.time() - t1))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d tests run, %d passed, %d failed" % (passed + failed, passed, failed))
    return 1 if failed else 0


# Check-style tests (test_primitives.py, test_findings.py, test_cli_logic.py): each
# assertion printed with what it checks, the exit status 1 if any failed.
_failed = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        _failed.append(what)
    return cond


def exit_status():
    return 1 if _failed else 0
