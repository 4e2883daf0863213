/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel configuration busfuzz builds the tree's code with.  Only what
 * the I/O bus and its callers need: coalesced MMIO and ioeventfds.  Every
 * other option is off, so #ifdef'd members of the tree's structs and the
 * code that uses them drop out together (tools/kernel_types.py evaluates
 * the same #if lines when it takes the types).
 */
#ifndef BUSFUZZ_SHIM_LINUX_KCONFIG_H
#define BUSFUZZ_SHIM_LINUX_KCONFIG_H

#define CONFIG_KVM_MMIO 1		/* coalesced MMIO (virt/kvm/coalesced_mmio.c) */
#define CONFIG_HAVE_KVM_EVENTFD 1	/* ioeventfds (6.1 guards kvm->ioeventfds with it) */

#endif /* BUSFUZZ_SHIM_LINUX_KCONFIG_H */
