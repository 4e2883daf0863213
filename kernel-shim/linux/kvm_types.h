/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BUSFUZZ_SHIM_LINUX_KVM_TYPES_H
#define BUSFUZZ_SHIM_LINUX_KVM_TYPES_H

#include <linux/types.h>

struct kvm;
struct kvm_vcpu;
struct kvm_io_device;
typedef u64 gpa_t;
typedef u64 gfn_t;
typedef u64 hpa_t;
typedef unsigned long hva_t;

#endif /* BUSFUZZ_SHIM_LINUX_KVM_TYPES_H */
