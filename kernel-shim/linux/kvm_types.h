/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/*
 * The tree's include/linux/kvm_types.h items that the code needs (gpa_t...)
 * are generated into kvm_host_types.h with the other kernel types.
 */
#ifndef BUSFUZZ_SHIM_LINUX_KVM_TYPES_H
#define BUSFUZZ_SHIM_LINUX_KVM_TYPES_H

#include <linux/kvm_host.h>

#endif /* BUSFUZZ_SHIM_LINUX_KVM_TYPES_H */
