# SPDX-License-Identifier: GPL-2.0-only
"""The input's fields as fuzz/input.h defines them, for the tools (the minimizer's cuts).

The masks are read from the header, not copied; the three counts restate its
in_nvcpus(), in_nioctl() and in_nvops(), which ctest cli-logic compares with the
C functions over every byte value.
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(ROOT, "fuzz", "input.h")


def _defines(path=HEADER):
    out = {}
    for m in re.finditer(r"^#define (IN_\w+) (0x[0-9a-fA-F]+|\d+)\b", open(path).read(), re.M):
        out[m.group(1)] = int(m.group(2), 0)
    return out


F = _defines()
HEAD = F["IN_HEAD"]


def nvcpus(b0):
    return 1 + (b0 & F["IN_B0_VCPUS"]) % 3 + (1 if b0 & F["IN_B0_VCPU4"] else 0)


def nioctl(b1):
    return 1 + (b1 & F["IN_B1_NIOCTL"])


def nvops(b2):
    return 1 + (b2 & F["IN_B2_NVOPS"])


def fewer_vcpus(b0):
    """Byte 0 with one vCPU less (the caller checks there are two or more)."""
    if b0 & F["IN_B0_VCPU4"]:
        return b0 & ~F["IN_B0_VCPU4"]
    return (b0 & ~F["IN_B0_VCPUS"]) | ((b0 & F["IN_B0_VCPUS"]) % 3 - 1)


def fewer_ioctl_ops(b1):
    return (b1 & ~F["IN_B1_NIOCTL"]) | (nioctl(b1) - 2)


def fewer_vcpu_ops(b2):
    return (b2 & ~F["IN_B2_NVOPS"]) | (nvops(b2) - 2)
