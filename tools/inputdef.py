# SPDX-License-Identifier: GPL-2.0-only
"""The input's fields as fuzz/input.h defines them, for the tools: the minimizer's cuts,
the OSS-Fuzz dictionary, and what the replay binary says of each byte.

    python3 tools/inputdef.py --dict OUT.dict                  the OSS-Fuzz dictionary
    python3 tools/inputdef.py --describe REPLAY INPUT          REPLAY --describe-input INPUT, summed up

The masks are read from the header, not copied; the three counts restate its
in_nvcpus(), in_nioctl() and in_nvops(), which ctest cli-logic compares with the
C functions over every byte value, and ctest describe-input compares parts()
with the replay binary's --describe-input (the C side's own reading).
"""
import json
import os
import re
import subprocess
import sys

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


def parts(data):
    """[(part, index)] of the scenario bytes of data: ("scenario", 0..2), ("ioctl-op", i), ("vcpu-op", (v, i));
    the decision stream follows them (its bytes' roles only an execution knows: describe())."""
    h = (list(data[:HEAD]) + [0] * HEAD)[:HEAD]
    nv, ni, no = nvcpus(h[0]), nioctl(h[1]), nvops(h[2])
    out = [("scenario", i) for i in range(HEAD)] + [("ioctl-op", i) for i in range(ni)]
    out += [("vcpu-op", (v, i)) for v in range(nv) for i in range(no)]
    return out[:len(data)]


def describe(replay, path, extra=()):
    """The replay binary's --describe-input of path: a dict (size, vcpus, ioctl_ops, vcpu_ops, stream, read,
    finding, bytes: one dict per byte with part and, in the stream, role)."""
    r = subprocess.run([replay] + list(extra) + ["--describe-input", path], capture_output=True, text=True)
    if r.returncode:
        raise ValueError("%s --describe-input %s: exit %d: %s" % (replay, path, r.returncode, r.stderr.strip()))
    return json.loads(r.stdout)


def scenario_cuts(data):
    """Inputs with one part of the scenario header less: an ioctl op, a vCPU with its ops, one op of every vCPU
    (the counts in the header lowered to match); the decision stream is kept as it is."""
    b0, b1, b2 = (list(data[:HEAD]) + [0] * HEAD)[:HEAD]
    nv, ni, no = nvcpus(b0), nioctl(b1), nvops(b2)
    vops = HEAD + ni

    def cut(header, drop):
        # A byte past the end reads as 0: it is neither written nor removed.
        out = bytes(header)[:len(data)] + data[HEAD:]
        for i in sorted((i for i in drop if i < len(data)), reverse=True):
            out = out[:i] + out[i + 1:]
        return out

    cands = []
    for i in reversed(range(ni) if ni > 1 else ()):
        cands.append(cut([b0, fewer_ioctl_ops(b1), b2], [HEAD + i]))
    for v in reversed(range(nv) if nv > 1 else ()):
        cands.append(cut([fewer_vcpus(b0), b1, b2], range(vops + v * no, vops + (v + 1) * no)))
    for j in reversed(range(no) if no > 1 else ()):
        cands.append(cut([b0, b1, fewer_vcpu_ops(b2)], [vops + v * no + j for v in range(nv)]))
    return cands


def dictionary():
    """[(name, bytes)]: libFuzzer dictionary words for the scenario, every field of fuzz/input.h."""
    words = []
    b0s = {"1vcpu": 0, "2vcpus": 1, "3vcpus": 2, "4vcpus": 2 | F["IN_B0_VCPU4"], "x86": F["IN_B0_X86"],
           "vgic": F["IN_B0_VGIC"] | 1, "failslab": F["IN_B0_FAILSLAB"] | 1}
    for name, b0 in b0s.items():
        for b1name, b1 in (("", F["IN_B1_NIOCTL"]), ("_create_first", F["IN_B1_NIOCTL"] | F["IN_B1_CREATE_FIRST"])):
            words.append(("scenario_%s%s" % (name, b1name), bytes([b0, b1, F["IN_B2_NVOPS"]])))
    words.append(("scenario_emul_rmb", bytes([1, F["IN_B1_NIOCTL"], F["IN_B2_NVOPS"] | F["IN_B2_EMUL_RMB"]])))
    for kind in range(4):
        for slot in range(4):
            for pio in (0, F["IN_IOCTL_PIO"]):
                reg = kind << F["IN_IOCTL_KIND_SHIFT"] | slot << F["IN_IOCTL_SLOT_SHIFT"] | pio
                if (reg & F["IN_IOCTL_MEMSLOT_MASK"]) == F["IN_IOCTL_MEMSLOT"]:
                    continue
                words.append(("register_unregister_kind%d_slot%d_%s" % (kind, slot, "pio" if pio else "mmio"),
                              bytes([reg, reg | F["IN_IOCTL_UNREG"]])))
        words.append(("register_datamatch_kind%d" % kind,
                      bytes([(kind << F["IN_IOCTL_KIND_SHIFT"] | F["IN_IOCTL_DATAMATCH"]) & 0x7f])))
    for kind in range(4):
        for slot in (2, 3):
            op = F["IN_IOCTL_MALFORMED"] | kind << F["IN_IOCTL_KIND_SHIFT"] | (slot & 1) << F["IN_IOCTL_SLOT_SHIFT"]
            words.append(("malformed_kind%d_slot%d" % (kind, slot), bytes([op, op | F["IN_IOCTL_UNREG"]])))
    for mid in range(F["IN_MAX_MEMSLOTS"]):
        for pos in range(4):
            op = F["IN_IOCTL_MEMSLOT"] | mid << F["IN_MEMSLOT_ID_SHIFT"] | pos << F["IN_MEMSLOT_POS_SHIFT"]
            words.append(("memslot%d_pos%d_create_delete" % (mid, pos), bytes([op, op | F["IN_MEMSLOT_DELETE"]])))
    for slot in range(4):
        for pio in (0, F["IN_VCPU_PIO"]):
            ops = [k | slot << F["IN_VCPU_SLOT_SHIFT"] | pio for k in range(F["IN_VCPU_KIND"] + 1)]
            words.append(("vcpu_ops_slot%d_%s" % (slot, "pio" if pio else "mmio"), bytes(ops)))
        words.append(("vcpu_emulated_slot%d" % slot, bytes([F["IN_VCPU_EMULATED"] | slot << F["IN_VCPU_SLOT_SHIFT"]])))
    return words


def write_dictionary(path):
    with open(path, "w") as f:
        for name, w in dictionary():
            f.write('%s="%s"\n' % (name, "".join("\\x%02x" % c for c in w)))


def main(argv):
    if len(argv) == 2 and argv[0] == "--dict":
        write_dictionary(argv[1])
        return 0
    if len(argv) == 3 and argv[0] == "--describe":
        try:
            d = describe(argv[1], argv[2])
        except (ValueError, OSError) as e:
            print("busfuzz: %s" % e, file=sys.stderr)
            return 2
        roles = {}
        for b in d["bytes"]:
            k = b.get("role", b["part"])
            k = "%s:%s" % (k, b["kind"]) if "kind" in b else k
            roles[k] = roles.get(k, 0) + 1
        print("%d bytes, %d read, finding %s: %s" % (d["size"], d["read"], d["finding"],
                                                    ", ".join("%s %d" % kv for kv in sorted(roles.items()))))
        return 0
    print("usage: inputdef.py --dict OUT | --describe REPLAY INPUT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
