// SPDX-License-Identifier: GPL-2.0-only
/*
 * busfuzz cost: a VMM's start-up and shutdown through the tree's ioctls, one
 * ioctl after another on one thread with no preemption, while
 * sim/srcu_timing.c keeps Tree SRCU's clock.  Included at the end of
 * fuzz/harness.c: it uses the scenario's VM file and ioctl helpers.
 *
 * For each ioctl it prints one line (tools/cost.py turns them into the
 * report):  IOCTL step ioctl nth t0 t1 nwaits  then per wait
 *   WAIT kind site-file:line behind-file:line|- behind-what|- gps t0 t1 rules
 */
#include "cost.h"

#include <inttypes.h>

static struct {
	int nvcpu, nefd, nzone, nslot;
	struct kvm_vcpu *vcpu[KVM_MAX_VCPUS];
	int efd[SIM_EVENTFD_FILES];
	int step;
	unsigned hz;
	const struct cost_step *steps;
	int nsteps;
} vmm;

static int nth_of[COST_NOPS];

static void cost_report(const char *ioctl, int op, unsigned long t0)
{
	struct sim_cost_wait w[16];
	int n = sim_cost_take_waits(w, 16);

	printf("IOCTL %d %s %d %lu %lu %d\n", ++vmm.step, ioctl, op >= 0 ? ++nth_of[op] : 1, t0,
	       sim_cost_jiffies(), n);
	for (int i = 0; i < n; i++)
		printf("WAIT %s %s:%d %s%s%.0d %s %d %lu %lu %u\n", w[i].kind, w[i].site->file, w[i].site->line,
		       w[i].behind ? w[i].behind->file : "-", w[i].behind ? ":" : "",
		       w[i].behind ? w[i].behind->line : 0, w[i].behind ? w[i].behind->what : "-", w[i].gps,
		       w[i].t0, w[i].t1, w[i].rules);
}

/* Addresses apart from each other and from the harness's slots. */
static gpa_t cost_addr(int i)
{
	return 0xd0000000ull + 0x1000ull * i;
}

static void cost_ioeventfd(bool deassign)
{
	struct kvm_ioeventfd a;
	unsigned long t0 = sim_cost_jiffies();
	int fd, r, i;

	if (deassign) {
		i = --vmm.nefd;
		fd = vmm.efd[i];
	} else {
		fd = sim_eventfd_open();
		if (fd < 0)
			sim_fatal("cost: eventfd(2) failed");
		i = vmm.nefd;
		vmm.efd[vmm.nefd++] = fd;
		sim_eventfd_set_serial(fd, -1);
	}
	memset(&a, 0, sizeof(a));
	a.addr = cost_addr(i);
	a.len = 4;
	a.fd = fd;
	a.flags = deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0;
	r = vm_ioctl(KVM_IOEVENTFD, (unsigned long)&a);
	if (r)
		sim_fatal("cost: KVM_IOEVENTFD%s returned %d", deassign ? " (deassign)" : "", r);
	cost_report(deassign ? "KVM_IOEVENTFD(deassign)" : "KVM_IOEVENTFD", deassign ? COST_DEASSIGN : COST_IOEVENTFD, t0);
	if (deassign)
		sim_eventfd_close(fd);
}

static void cost_zone(void)
{
	struct kvm_coalesced_mmio_zone z;
	unsigned long t0 = sim_cost_jiffies();
	int r;

	memset(&z, 0, sizeof(z));
	z.addr = cost_addr(SIM_EVENTFD_FILES + vmm.nzone++);
	z.size = 8;
	r = vm_ioctl(KVM_REGISTER_COALESCED_MMIO, (unsigned long)&z);
	if (r)
		sim_fatal("cost: KVM_REGISTER_COALESCED_MMIO returned %d", r);
	cost_report("KVM_REGISTER_COALESCED_MMIO", COST_COALESCED, t0);
}

static void cost_vcpu(void)
{
	unsigned long t0 = sim_cost_jiffies();
	struct kvm_vcpu *v = create_vcpu(h.kvm, vmm.nvcpu);

	if (!v)
		sim_fatal("cost: KVM_CREATE_VCPU %d failed", vmm.nvcpu);
	vmm.vcpu[vmm.nvcpu++] = v;
	cost_report("KVM_CREATE_VCPU", COST_VCPU, t0);
}

static void cost_memslot(void)
{
#if HAVE_MEMSLOTS
	struct kvm_userspace_memory_region m;
	unsigned long t0 = sim_cost_jiffies();
	int r;

	memset(&m, 0, sizeof(m));
	m.slot = vmm.nslot;
	m.guest_phys_addr = 0x100000000ull * (vmm.nslot + 1);
	m.memory_size = 0x200000;
	m.userspace_addr = 0x7f0000000000ull + 0x10000000ull * vmm.nslot;
	vmm.nslot++;
	r = vm_ioctl(KVM_SET_USER_MEMORY_REGION, (unsigned long)&m);
	if (r)
		sim_fatal("cost: KVM_SET_USER_MEMORY_REGION returned %d", r);
	cost_report("KVM_SET_USER_MEMORY_REGION", COST_MEMSLOT, t0);
#else
	fprintf(stderr, "busfuzz: cost: this build does not run KVM_SET_USER_MEMORY_REGION through the tree\n");
	exit(2);
#endif
}

/* Each vCPU writes to each ioeventfd and zone once, in its exit handler's read section. */
static void cost_run(void)
{
	unsigned long t0 = sim_cost_jiffies();
	u64 val = 1;

	for (int v = 0; v < vmm.nvcpu; v++) {
		for (int i = 0; i < vmm.nefd + vmm.nzone; i++) {
			int idx = srcu_read_lock(&h.kvm->srcu);

			(void)kvm_io_bus_write(vmm.vcpu[v], KVM_MMIO_BUS,
					       cost_addr(i < vmm.nefd ? i : SIM_EVENTFD_FILES + i - vmm.nefd),
					       i < vmm.nefd ? 4 : 8, &val);
			srcu_read_unlock(&h.kvm->srcu, idx);
		}
	}
	cost_report("KVM_RUN", -1, t0);
}

static void cost_thread(void *arg)
{
	unsigned long t0 = sim_cost_jiffies();
	struct kvm *kvm;

	(void)arg;
	kvm = create_vm();
	if (IS_ERR(kvm))
		sim_fatal("cost: kvm_create_vm() failed");
	h.kvm = kvm;
	h.vm_file.private_data = kvm;
	cost_report("KVM_CREATE_VM", -1, t0);
	for (int s = 0; s < vmm.nsteps; s++) {
		const struct cost_step *st = &vmm.steps[s];

		if (st->op == COST_WAIT) {	/* userspace sleeps count ms: msecs_to_jiffies() rounds up */
			sim_cost_sleep(((unsigned long)st->count * vmm.hz + 999) / 1000);
			continue;
		}
		for (int i = 0; i < st->count; i++) {
			switch (st->op) {
			case COST_IOEVENTFD:
				cost_ioeventfd(false);
				break;
			case COST_DEASSIGN:
				cost_ioeventfd(true);
				break;
			case COST_COALESCED:
				cost_zone();
				break;
			case COST_VCPU:
				cost_vcpu();
				break;
			case COST_MEMSLOT:
				cost_memslot();
				break;
			case COST_RUN:
				cost_run();
				break;
			}
		}
	}
	/* Shutdown: the vCPU fds close, then userspace's eventfds, then the VM fd: kvm_destroy_vm(). */
	t0 = sim_cost_jiffies();
	for (int v = 0; v < vmm.nvcpu; v++)
		kvm_put_kvm(kvm);
	for (int i = 0; i < vmm.nefd; i++)
		sim_eventfd_close(vmm.efd[i]);
	kvm_put_kvm(kvm);
	cost_report("close(VM)", -1, t0);
}

int busfuzz_cost_run(const struct cost_step *steps, int nsteps, const struct sim_cost_params *p)
{
	struct sim_config cfg = { .model = SIM_MODEL_SC, .srcu = SIM_SRCU_IMPL };

	/* Counts a tree cannot take are the driver's to refuse; here they are bugs. */
	sim_cost_start(p);
	sim_begin(&cfg, NULL, 0);
	memset(&h, 0, sizeof(h));
	memset(&vmm, 0, sizeof(vmm));
	memset(nth_of, 0, sizeof(nth_of));
	vmm.steps = steps;
	vmm.nsteps = nsteps;
	vmm.hz = p->hz;
	kvm_vcpu_cache = &vcpu_cache;
	for (int s = 0; s < NSLOTS; s++)
		h.kind[s] = -1;
	for (int i = 0; i < IN_MAX_MEMSLOTS; i++)
		h.ms_pos[i] = -1;
	/* x86 with SMM, as QEMU's default machines: the first vCPU makes the APIC access page memslot
	 * in both address spaces (kvm_arch_vcpu_create() above). */
	h.sc.x86 = BUSFUZZ_X86_APIC_MEMSLOT;
#ifdef KVM_MAX_NR_ADDRESS_SPACES
	sim_memslot_as_ids = h.sc.x86 ? KVM_MAX_NR_ADDRESS_SPACES : 1;
#else
	sim_memslot_as_ids = 1;
#endif
	sim_eventfd_reset();
	sim_srcu_start_worker();
	sim_thread_create("vmm", cost_thread, NULL, false);
	sim_run();
	sim_end();
	return 0;
}
