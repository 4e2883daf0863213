/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The input's fields, in one place: the harness decodes them (fuzz/harness.c)
 * and the structure-aware mutator edits them (fuzz/mutator.c).
 *
 *   byte 0       scenario: vCPUs, x86's APIC access page memslot, vGIC, failslab
 *   byte 1       ioctl ops - 1, every vCPU created first by the ioctl thread
 *   byte 2       ops per vCPU - 1, smp_rmb() in the emulation loop
 *   nioctl       ioctl ops
 *   nvcpus*nvops vCPU ops, vCPU by vCPU
 *   the rest     the decision stream (sim/sched.c): at each preemption point
 *                whose budget is spent, a choice byte (when more than one
 *                thread can run) and a budget byte; data choices (a stale
 *                load's message, an allocation failure, a grace period's
 *                progress) take one byte each where they happen.  An
 *                exhausted stream means no more preemptions, newest values,
 *                no faults.
 */
#ifndef BUSFUZZ_FUZZ_INPUT_H
#define BUSFUZZ_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#define IN_HEAD 3			/* the fixed scenario bytes */

/* byte 0 */
#define IN_B0_VCPUS 0x03		/* 1 + (b & 3) % 3 vCPUs ... */
#define IN_B0_X86 0x18			/* both: x86, whose first vCPU makes the APIC access page memslot */
#define IN_B0_VCPU4 0x20		/* ... plus one */
#define IN_B0_VGIC 0x40
#define IN_B0_FAILSLAB 0x80
/* byte 1 */
#define IN_B1_NIOCTL 0x07		/* 1 + (b & 7) ioctl ops */
#define IN_B1_CREATE_FIRST 0x08		/* the ioctl thread creates every vCPU before its ops */
/* byte 2 */
#define IN_B2_NVOPS 0x03		/* 1 + (b & 3) ops per vCPU */
#define IN_B2_EMUL_RMB 0x80		/* when the tree does not say */

#define IN_MAX_IOCTL_OPS 8
#define IN_MAX_VCPU_OPS 4
#define IN_MAX_VCPUS 4

static inline int in_nvcpus(uint8_t b0)
{
	return 1 + (b0 & IN_B0_VCPUS) % 3 + !!(b0 & IN_B0_VCPU4);
}

static inline int in_nioctl(uint8_t b1)
{
	return 1 + (b1 & IN_B1_NIOCTL);
}

static inline int in_nvops(uint8_t b2)
{
	return 1 + (b2 & IN_B2_NVOPS);
}


/* An ioctl op. */
#define IN_IOCTL_UNREG 0x01		/* unregister what the slot has */
#define IN_IOCTL_SLOT_SHIFT 1		/* 2 bits */
#define IN_IOCTL_PIO 0x08
#define IN_IOCTL_KIND_SHIFT 4		/* 2 bits: test device, ioeventfd, coalesced zone, ioeventfd without length */
#define IN_IOCTL_DATAMATCH 0x40
#define IN_IOCTL_MEMSLOT 0xc0		/* both, with bit 2 clear: KVM_SET_USER_MEMORY_REGION instead (below) */
#define IN_IOCTL_MEMSLOT_MASK 0xc4

/*
 * Memslot ops and x86 need several bits, so that a random byte picks them
 * an eighth (ops) or a quarter (x86) of the time and the bus ops stay about
 * as frequent as they were; and so that every stored input keeps its
 * meaning (bit 7 was unused, but libFuzzer wrote 0xff ops: they stay bus ops).
 *
 * A memslot op (IN_IOCTL_MEMSLOT under IN_IOCTL_MEMSLOT_MASK): bit 0 deletes the memslot; else it
 * is created, or moved if it exists, at a position (its gfn range overlaps
 * the next position's: -EEXIST between the two memslots).
 */
#define IN_MEMSLOT_DELETE 0x01
#define IN_MEMSLOT_ID_SHIFT 1		/* 1 bit: user memslot 0 or 1 */
#define IN_MEMSLOT_POS_SHIFT 3		/* 2 bits */
#define IN_MAX_MEMSLOTS 2

static inline int in_x86(uint8_t b0)
{
	return (b0 & IN_B0_X86) == IN_B0_X86;
}

static inline int in_memslot_op(uint8_t op)
{
	return (op & IN_IOCTL_MEMSLOT_MASK) == IN_IOCTL_MEMSLOT;
}

/*
 * A malformed op (IN_IOCTL_MALFORMED under IN_IOCTL_MALFORMED_MASK: bit 7
 * and slot 2 or 3, bit 6 clear, so that a random byte is one an eighth of
 * the time): the ioctl with arguments the kernel must refuse, changing
 * nothing.  By kind: 0, an ioeventfd of length 3 (slot 2) or with a flag no
 * kernel defines (slot 3); 1, an ioeventfd whose range wraps; 2, a coalesced
 * zone whose pio is 2 (register, or unregister with IN_IOCTL_UNREG); 3, a
 * length-0 ioeventfd with DATAMATCH: all -EINVAL.  With IN_IOCTL_UNREG
 * (kinds 0, 1, 3): a deassign of the slot's ioeventfd, or of one there,
 * whose length differs: -ENOENT, and the ioeventfd stays.
 */
#define IN_IOCTL_MALFORMED 0x84
#define IN_IOCTL_MALFORMED_MASK 0xc4

static inline int in_malformed_op(uint8_t op)
{
	return (op & IN_IOCTL_MALFORMED_MASK) == IN_IOCTL_MALFORMED;
}

/* A vCPU op. */
#define IN_VCPU_KIND 0x03		/* write, read, write_cookie, get_dev */
#define IN_VCPU_SLOT_SHIFT 2		/* 2 bits */
#define IN_VCPU_PIO 0x10		/* the bus, when nothing was seen in the slot */
#define IN_VCPU_COOKIE_SHIFT 5		/* 2 bits: write_cookie's cookie */
#define IN_VCPU_EMULATED 0x80		/* in the emulation loop's read section */

/* Where the decision stream starts: the whole input when it is all scenario. */
static inline size_t in_stream_start(const uint8_t *data, size_t size)
{
	size_t n;

	if (size < IN_HEAD)
		return size;
	n = IN_HEAD + in_nioctl(data[1]) + (size_t)in_nvcpus(data[0]) * in_nvops(data[2]);
	return n < size ? n : size;
}

#endif /* BUSFUZZ_FUZZ_INPUT_H */
