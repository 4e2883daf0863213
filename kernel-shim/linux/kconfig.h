/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
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

/*
 * IS_ENABLED(CONFIG_FOO): 1 if the option is defined to 1 above, else 0
 * (the preprocessor cannot test definedness inside an expression; the
 * placeholder argument shifts a 1 into the second position).
 */
#define __sim_arg_placeholder_1 0,
#define __sim_second(ignored, val, ...) val
#define __sim_is_defined3(junk) __sim_second(junk 1, 0, 0)
#define __sim_is_defined2(val) __sim_is_defined3(__sim_arg_placeholder_##val)
#define IS_ENABLED(option) __sim_is_defined2(option)

#endif /* BUSFUZZ_SHIM_LINUX_KCONFIG_H */
