# SPDX-License-Identifier: GPL-2.0-only
"""Setting up the machine: the build tools from Debian's packages when they are missing."""
import glob
import os
import shutil
import subprocess

from common import Fail, say


APT_PACKAGES = ["clang-14", "libclang-rt-14-dev", "cmake", "ninja-build", "python3", "xz-utils"]


# ---- machine set-up -----------------------------------------------------------

def have_libfuzzer(cc):
    try:
        out = subprocess.run([cc, "-print-resource-dir"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return False
    return bool(glob.glob(os.path.join(out, "lib", "linux", "libclang_rt.fuzzer-x86_64.a")))


def find_clang():
    for cc in ("clang", "clang-14"):
        if shutil.which(cc):
            return cc
    return None


def ensure_tools():
    """Installs what busfuzz needs from Debian's packages when it is missing."""
    cc = find_clang()
    missing = [t for t in ("cmake", "ninja", "xz") if not shutil.which(t)]
    if cc is None or missing or not have_libfuzzer(cc):
        say("installing build tools: " + " ".join(APT_PACKAGES))
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for argv in (sudo + ["apt-get", "update", "-qq"],
                     sudo + ["apt-get", "install", "-y", "-qq"] + APT_PACKAGES):
            r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                raise Fail("could not install %s: %s" % (" ".join(APT_PACKAGES), r.stderr.strip().splitlines()[-1:]))
        cc = find_clang()
    if cc is None or not have_libfuzzer(cc):
        raise Fail("clang with libFuzzer (libclang-rt-14-dev) is not available")
    return cc
