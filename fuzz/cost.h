/* SPDX-License-Identifier: GPL-2.0-only */
/* busfuzz cost: the VMM sequence's steps (fuzz/cost_vmm.c, driven by fuzz/cost.c). */
#ifndef BUSFUZZ_FUZZ_COST_H
#define BUSFUZZ_FUZZ_COST_H

#include "sim.h"

enum cost_op {
	COST_IOEVENTFD,		/* KVM_IOEVENTFD (assign) */
	COST_DEASSIGN,		/* KVM_IOEVENTFD with KVM_IOEVENTFD_FLAG_DEASSIGN, of the latest assigned */
	COST_COALESCED,		/* KVM_REGISTER_COALESCED_MMIO */
	COST_VCPU,		/* KVM_CREATE_VCPU */
	COST_MEMSLOT,		/* KVM_SET_USER_MEMORY_REGION */
	COST_RUN,		/* every vCPU writes to every device once */
	COST_WAIT,		/* userspace sleeps count ms */
	COST_NOPS
};

struct cost_step {
	enum cost_op op;
	int count;
};

int busfuzz_cost_run(const struct cost_step *steps, int nsteps, const struct sim_cost_params *p);

#endif /* BUSFUZZ_FUZZ_COST_H */
