// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario, compiled in one translation unit with the real bus code of a
 * kernel tree (generated into the build folder at build time).
 *
 * Threads: the ioctl thread creates the VM with the tree's kvm_create_vm(),
 * creates the vCPUs (each holds a VM reference, as a vCPU fd does), registers
 * and unregisters test devices under slots_lock and publishes each completed
 * registration to the guest with a release store (the ioctl returning to
 * userspace, which then tells the guest).  vCPU threads read that flag (a
 * plain marked load, not an acquire: a VM exit is not a barrier), then make a
 * bus access inside an SRCU read section as the exit handlers do.  Whoever
 * drops the last reference runs the tree's kvm_destroy_vm().  An SRCU worker
 * runs call_srcu() callbacks.
 */
#include "kvm_main_bus.c"	/* generated: the tree's code, #line'd to its files */
#include "extracted.h"		/* generated: what the tree has */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct task_struct sim_task0;
struct task_struct *sim_current_task = &sim_task0;

#define NSLOTS 4
#define MAX_IOCTL_OPS 8
#define MAX_VCPU_OPS 4

static const struct sim_site harness_site = { "fuzz/harness.c", 0, "scenario" };

/* ---- the scenario's shape, decoded from the head of the input ------------- */

struct scenario {
	int nvcpus, nioctl, nvops;
	bool failslab;
	bool emul_rmb;		/* smp_rmb() between emulated instructions */
	uint8_t ioctl_op[MAX_IOCTL_OPS];
	uint8_t vcpu_op[KVM_MAX_VCPUS][MAX_VCPU_OPS];
};

static void decode(struct scenario *sc)
{
	uint8_t b0 = sim_input_byte(), b1 = sim_input_byte(), b2 = sim_input_byte();

	memset(sc, 0, sizeof(*sc));
	sc->nvcpus = 1 + (b0 & 3) % 3;
	sc->failslab = (b0 & 0x80) != 0;
	sc->nioctl = 1 + (b1 & 7);
	sc->nvops = 1 + (b2 & 3);
	/* Read from the tree's vmx.c when it has one; a choice otherwise. */
	sc->emul_rmb = BUSFUZZ_VMX_RMB_IN_EMULATION_LOOP >= 0 ? BUSFUZZ_VMX_RMB_IN_EMULATION_LOOP
							      : (b2 & 0x80) != 0;
	for (int i = 0; i < sc->nioctl; i++)
		sc->ioctl_op[i] = sim_input_byte();
	for (int v = 0; v < sc->nvcpus; v++)
		for (int i = 0; i < sc->nvops; i++)
			sc->vcpu_op[v][i] = sim_input_byte();
}

/* ---- test devices ----------------------------------------------------------- */

struct test_dev {
	struct kvm_io_device dev;
	int slot, epoch;
};

static struct {
	struct kvm *kvm;
	struct scenario sc;
	struct kvm_vcpu vcpu[KVM_MAX_VCPUS];
	/* Published to the guest: epoch << 2 | bus << 1 | registered.  Shared memory. */
	unsigned long pub[NSLOTS];
	/* Ghost state of the checker, outside the memory model. */
	struct test_dev *dev[NSLOTS];
	int dev_bus[NSLOTS];		/* kept here: the device itself may be gone */
	int unreg_begun[2];		/* unregisters begun per bus (failslab: any may drop all) */
	int unreg_begun_slot[NSLOTS];	/* epoch whose unregister has begun */
	struct test_dev *reached[SIM_MAX_THREADS];
} h;

static void dev_touch(struct kvm_io_device *this, const char *what)
{
	static const struct sim_site s = { "fuzz/harness.c", __LINE__, "device op" };

	struct test_dev *d = container_of(this, struct test_dev, dev);

	sim_check_live(this, &s, what);
	h.reached[sim_current()] = d;
	sim_trace(&s, 0, "%s: device %d (epoch %d, obj#%d)", what, d->slot, d->epoch, sim_obj_id(d));
}

static int dev_read(struct kvm_vcpu *vcpu, struct kvm_io_device *this, gpa_t addr, int len, void *val)
{
	(void)vcpu; (void)addr;
	dev_touch(this, "device read");
	memset(val, 0x5a, len);
	return 0;
}

static int dev_write(struct kvm_vcpu *vcpu, struct kvm_io_device *this, gpa_t addr, int len,
		     const void *val)
{
	(void)vcpu; (void)addr; (void)len; (void)val;
	dev_touch(this, "device write");
	return 0;
}

static void dev_destructor(struct kvm_io_device *this)
{
	struct test_dev *d = container_of(this, struct test_dev, dev);

	sim_check_live(this, SIM_SITE("device destructor"), "destructor");
	kfree(d);
}

static const struct kvm_io_device_ops test_ops = {
	.read = dev_read,
	.write = dev_write,
	.destructor = dev_destructor,
};

static gpa_t slot_addr(int slot, int bus)
{
	return bus == KVM_PIO_BUS ? 0x60 + 0x10 * slot : 0xfee00000 + 0x1000 * slot;
}

static int slot_len(int bus)
{
	return bus == KVM_PIO_BUS ? 4 : 8;
}

/* The bus reaches its devices: a reader that loaded a bus may call any of them. */
static bool bus_reaches(const void *loaded, const void *obj)
{
	const struct kvm_io_bus *b = loaded;

	for (int i = 0; i < b->dev_count; i++)
		if (b->range[i].dev == obj)
			return true;
	return false;
}

/* ---- the ioctl thread -------------------------------------------------------- */

static void vcpu_thread(void *arg);

static void forget_bus_devices(int bus)
{
	/* A failed unregister installed a NULL bus and destroyed every device on it. */
	for (int s = 0; s < NSLOTS; s++)
		if (h.dev[s] && h.dev_bus[s] == bus)
			h.dev[s] = NULL;
}

static void do_register(int slot, int bus)
{
	struct kvm *kvm = h.kvm;
	struct test_dev *d;
	int r;

	if (h.dev[slot])
		return;		/* userspace would get -EEXIST from its own bookkeeping */
	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return;
	kvm_iodevice_init(&d->dev, &test_ops);
	d->slot = slot;
	d->epoch = (int)(h.pub[slot] >> 2) + 1;
	sim_obj_label(d, "(test device)");

	mutex_lock(&kvm->slots_lock);
	r = kvm_io_bus_register_dev(kvm, bus, slot_addr(slot, bus), slot_len(bus), &d->dev);
	mutex_unlock(&kvm->slots_lock);
	if (r < 0) {
		kfree(d);
		return;
	}
	h.dev[slot] = d;
	h.dev_bus[slot] = bus;
	smp_store_release(&h.pub[slot], (unsigned long)d->epoch << 2 | (unsigned long)bus << 1 | 1);
}

static void do_unregister(int slot)
{
	struct kvm *kvm = h.kvm;
	struct test_dev *d = h.dev[slot];
	int r, bus, epoch;

	if (!d)
		return;
	/* The bus code may destroy d: read what we need first. */
	bus = h.dev_bus[slot];
	epoch = d->epoch;
	SIM_GHOST_STORE(h.unreg_begun_slot[slot], epoch);
	SIM_GHOST_STORE(h.unreg_begun[bus], h.unreg_begun[bus] + 1);
	mutex_lock(&kvm->slots_lock);
	r = kvm_io_bus_unregister_dev(kvm, bus, &d->dev);
	mutex_unlock(&kvm->slots_lock);
	h.dev[slot] = NULL;
	if (r < 0)
		forget_bus_devices(bus);
	/* Before the bus code took ownership (6.1), the caller destroyed its device. */
	if (BUSFUZZ_CALLER_DESTROYS_UNREGISTERED_DEV)
		d->dev.ops->destructor(&d->dev);
	smp_store_release(&h.pub[slot], (unsigned long)epoch << 2 | (unsigned long)bus << 1);
}

/*
 * The lockdep-only-update invariant on the stores themselves: kvm->buses[]
 * changes only under slots_lock, or on teardown once no user is left (the
 * VM under creation is not published yet, so the watch starts after).
 */
static void buses_store_check(const void *addr, const struct sim_site *site)
{
	struct kvm *kvm = h.kvm;
	int idx = (int)(((const char *)addr - (const char *)kvm->buses) / sizeof(kvm->buses[0]));
	int users = SIM_GHOST_LOAD(kvm->users_count.refs.counter);	/* the newest value: no model event */

	if (sim_lock_held(&kvm->slots_lock.l) || users == 0)
		return;
	sim_finding("lockdep", site, "kvm->buses[%d] stored without slots_lock held, with %d user(s) of the VM",
		    idx, users);
}

static struct kvm *create_vm(void)
{
#if BUSFUZZ_NPARAMS_kvm_create_vm == 2
	return kvm_create_vm(0, "busfuzz");
#else
	return kvm_create_vm(0);
#endif
}

static void ioctl_thread(void *arg)
{
	struct kvm *kvm;

	(void)arg;
	kvm = create_vm();
	if (IS_ERR(kvm))
		return;
	h.kvm = kvm;
	sim_watch_stores(kvm->buses, sizeof(kvm->buses), buses_store_check);
	for (int v = 0; v < h.sc.nvcpus; v++) {
		static const char *names[] = { "vcpu0", "vcpu1", "vcpu2", "vcpu3" };

		kvm_get_kvm(kvm);
		h.vcpu[v].kvm = kvm;
		h.vcpu[v].vcpu_id = v;
		sim_thread_create(names[v], vcpu_thread, &h.vcpu[v], false);
	}
	for (int i = 0; i < h.sc.nioctl; i++) {
		uint8_t op = h.sc.ioctl_op[i];
		int slot = (op >> 1) & 3;

		if (op & 1)
			do_unregister(slot);
		else
			do_register(slot, (op >> 3) & 1 ? KVM_PIO_BUS : KVM_MMIO_BUS);
	}
	kvm_put_kvm(kvm);
}

/* ---- vCPUs -------------------------------------------------------------------- */

enum { OP_WRITE, OP_READ, OP_WRITE_COOKIE, OP_GET_DEV };

static void check_ordering(int slot, unsigned long seen, struct test_dev *got, int bus, int r)
{
	int epoch = (int)(seen >> 2);
	int tid = sim_current();

	if (seen & 1) {
		/* Observed registered: must reach it unless its removal has begun. */
		bool removal = SIM_GHOST_LOAD(h.unreg_begun_slot[slot]) >= epoch ||
			       (h.sc.failslab && SIM_GHOST_LOAD(h.unreg_begun[bus]));

		if (!removal && !(got && got->slot == slot && got->epoch == epoch))
			sim_finding("ordering", sim_last_site(),
				    "%s observed the registration of device %d (epoch %d) on bus %d, "
				    "but its bus access missed it (r=%d)", sim_thread_name(tid), slot,
				    epoch, bus, r);
	} else if (epoch && got && got->slot == slot && got->epoch <= epoch) {
		sim_finding("ordering", sim_last_site(),
			    "%s observed that device %d (epoch %d) was unregistered, but its bus access reached it",
			    sim_thread_name(tid), slot, epoch);
	}
}

/* The MMIO or PIO access of one guest instruction, inside the exit's read section. */
static void vcpu_access(struct kvm_vcpu *vcpu, uint8_t op, unsigned long seen)
{
	struct kvm *kvm = vcpu->kvm;
	int kind = op & 3, slot = (op >> 2) & 3, tid = sim_current();
	int bus, r = 0;
	gpa_t addr;
	u64 val = 0x1234;

	bus = (seen >> 1) & 1 ? KVM_PIO_BUS : KVM_MMIO_BUS;
	if (!seen && (op & 0x10))
		bus = KVM_PIO_BUS;
	addr = slot_addr(slot, bus);
	h.reached[tid] = NULL;
	switch (kind) {
	case OP_WRITE:
		r = kvm_io_bus_write(vcpu, bus, addr, slot_len(bus), &val);
		break;
	case OP_READ:
		r = kvm_io_bus_read(vcpu, bus, addr, slot_len(bus), &val);
		break;
	case OP_WRITE_COOKIE:
		r = kvm_io_bus_write_cookie(vcpu, bus, addr, slot_len(bus), &val, (op >> 5) & 3);
		break;
	case OP_GET_DEV: {
		struct kvm_io_device *d = kvm_io_bus_get_dev(kvm, bus, addr);

		if (d) {
			sim_check_live(d, &harness_site, "kvm_io_bus_get_dev() result");
			h.reached[tid] = container_of(d, struct test_dev, dev);
		}
		break;
	}
	}
	check_ordering(slot, seen, h.reached[tid], bus, r);
}

/*
 * A vCPU runs guest instructions.  Each op is a guest load of the flag
 * userspace set after its ioctl returned (the observation), then an MMIO/PIO
 * instruction on that slot.  Normally the load runs in guest mode and the
 * access after a VM exit, in a new SRCU read section (a VM exit is not a
 * barrier).  Bit 7: x86's emulation loop (handle_invalid_guest_state())
 * emulates both in the read section already open, with the tree's smp_rmb()
 * between emulated instructions if it has one.
 */
static void vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct kvm *kvm = vcpu->kvm;
	bool in_section = false;
	int idx = 0;

	for (int i = 0; i < h.sc.nvops; i++) {
		uint8_t op = h.sc.vcpu_op[vcpu->vcpu_id][i];
		int slot = (op >> 2) & 3;
		unsigned long seen;

		if ((op & 0x80) && in_section) {
			seen = READ_ONCE(h.pub[slot]);	/* emulated: the emulator reads guest memory */
			if (h.sc.emul_rmb)
				smp_rmb();		/* before the next emulated instruction */
		} else {
			if (in_section)
				srcu_read_unlock(&kvm->srcu, idx);	/* VM entry */
			seen = READ_ONCE(h.pub[slot]);	/* guest mode */
			idx = srcu_read_lock(&kvm->srcu);	/* VM exit: the handler's read section */
			in_section = true;
		}
		vcpu_access(vcpu, op, seen);
	}
	if (in_section)
		srcu_read_unlock(&kvm->srcu, idx);
	kvm_put_kvm(vcpu->kvm);
}

/* ---- one execution --------------------------------------------------------- */

void busfuzz_parse_mode(struct busfuzz_opts *o, const char *model, const char *srcu)
{
	if (model && *model) {
		o->model = sim_model_parse(model);
		if (o->model < 0) {
			fprintf(stderr, "busfuzz: unknown memory model '%s' (lkmm, tso or sc)\n", model);
			exit(2);
		}
	}
	if (srcu && *srcu) {
		o->srcu = sim_srcu_mode_parse(srcu);
		if (o->srcu < 0) {
			fprintf(stderr, "busfuzz: unknown srcu mode '%s' (doc or impl)\n", srcu);
			exit(2);
		}
	}
}

int busfuzz_run_one(const uint8_t *data, size_t size, const struct busfuzz_opts *o)
{
	struct sim_config cfg = {
		.trace = o->trace,
		.abort_on_finding = o->abort_on_finding,
		.model = o->model,
		.srcu = o->srcu,
	};

	sim_begin(&cfg, data, size);
	memset(&h, 0, sizeof(h));
	decode(&h.sc);
	sim_cfg.failslab = h.sc.failslab;
	sim_set_reach_fn(bus_reaches);
	sim_srcu_start_worker();
	sim_thread_create("ioctl", ioctl_thread, NULL, false);
	if (o->trace)
		printf("scenario: %d vCPU(s), %d ioctl op(s), %d op(s) per vCPU, failslab %s, "
		       "smp_rmb() in the emulation loop %s, kernel %s, model %s, srcu %s\n",
		       h.sc.nvcpus, h.sc.nioctl, h.sc.nvops, h.sc.failslab ? "on" : "off",
		       h.sc.emul_rmb ? "yes" : "no", BUSFUZZ_TREE_VERSION,
		       sim_model_name[cfg.model], sim_srcu_mode_name[cfg.srcu]);
	sim_run();
	sim_end();
	if (o->trace)
		sim_trace_print();
	return 0;
}
