// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario, compiled in one translation unit with the real bus code of a
 * kernel tree (generated into the build folder at build time).
 *
 * Threads: the ioctl thread creates the VM with the tree's kvm_create_vm(),
 * starts the vCPU threads, registers
 * and unregisters test devices under slots_lock and publishes each completed
 * registration to the guest with a release store (the ioctl returning to
 * userspace, which then tells the guest).  vCPU threads read that flag (a
 * plain marked load, not an acquire: a VM exit is not a barrier), then make a
 * bus access inside an SRCU read section as the exit handlers do.  Whoever
 * drops the last reference runs the tree's kvm_destroy_vm().  An SRCU worker
 * runs call_srcu() callbacks.
 *
 * Each vCPU thread first creates its vCPU with the tree's
 * kvm_vm_ioctl_create_vcpu() (KVM_CREATE_VCPU from the vCPU's own thread, as
 * QEMU does), so vCPUs come up while devices are registered and while other
 * vCPUs run, in whatever order the schedule gives; it ends by closing the
 * vCPU fd (kvm_vcpu_release(): kvm_put_kvm()), and kvm_destroy_vm() frees the
 * vCPUs through the arch hook, as every arch does.
 *
 * Besides its own test devices, the ioctl thread drives the tree's real
 * callers of the bus through the tree's kvm_vm_ioctl() dispatch:
 * KVM_IOEVENTFD (kvm_ioeventfd(), virt/kvm/eventfd.c) and
 * KVM_[UN]REGISTER_COALESCED_MMIO (virt/kvm/coalesced_mmio.c); vCPU writes
 * then reach the real ioeventfd and coalesced zone devices.  KVM_CREATE_VCPU
 * goes through kvm_vm_ioctl() too.
 *
 * Memslots: an ioctl op may create, move or delete a user memslot with
 * KVM_SET_USER_MEMORY_REGION through kvm_vm_ioctl(), the tree's
 * kvm_set_memory_region() .. kvm_swap_active_memslots() and its
 * synchronize_srcu_expedited(); and when the scenario models x86, the
 * first vCPU's creation makes the APIC access page memslot (below,
 * kvm_arch_vcpu_create()).  So memslot grace periods interleave with bus
 * registrations, vCPU creation and exits.  While the scenario has memslots,
 * each exit first looks the access's gfn up in the memslots inside its read
 * section (kvm_vcpu_gfn_to_memslot(), as x86's page fault path does before
 * it emulates MMIO): a memslot freed too early is a use-after-free there.
 */
/*
 * The kernel code's own globals (vm_list, kvm_lock, ...) go to sections of
 * their own, so that an execution given up halfway (sim_abandon()) can put
 * them back as they were.
 */
#pragma clang section bss="busfuzz_kbss" data="busfuzz_kdata"
#include "kvm_main_bus.c"	/* generated: the tree's code, #line'd to its files */
#pragma clang section bss="" data=""
#include "extracted.h"		/* generated: what the tree has */
#include "harness.h"
#include "input.h"		/* the input's fields */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct task_struct sim_task0;
struct task_struct *sim_current_task = &sim_task0;

#define NSLOTS 4
#define MAX_IOCTL_OPS IN_MAX_IOCTL_OPS
#define MAX_VCPU_OPS IN_MAX_VCPU_OPS

static const struct sim_site harness_site = { "fuzz/harness.c", 0, "scenario" };

/* The tree's memslot updates (7.x, 6.x: kvm_set_memslot() and its rb-trees). */
#if defined(BUSFUZZ_HAVE_kvm_vm_ioctl_set_memory_region) && defined(BUSFUZZ_HAVE_kvm_vcpu_gfn_to_memslot)
#define HAVE_MEMSLOTS 1
#else
#define HAVE_MEMSLOTS 0
#endif
#if HAVE_MEMSLOTS
#define MEMSLOT_GPA(pos) (0x100000ull + 0x1000ull * (pos))	/* two pages: overlaps the next position */
#define MEMSLOT_SIZE 0x2000ull
#define MEMSLOT_HVA(id) (0x7f0000000000ull + 0x100000ull * (id))	/* a fake, page-aligned user address */
#endif
/*
 * x86's APIC access page memslot: its slot id (x86 numbers its internal
 * slots from KVM_USER_MEM_SLOTS; the define is not in the cached trees) and
 * the architectural default APIC base (asm/apicdef.h's APIC_DEFAULT_PHYS_BASE).
 */
#define APIC_ACCESS_MEMSLOT (KVM_USER_MEM_SLOTS + 1)
#define APIC_BASE_GPA 0xfee00000ull

/* ---- the scenario's shape, decoded from the head of the input ------------- */

struct scenario {
	int nvcpus, nioctl, nvops;
	bool failslab;
	bool emul_rmb;		/* smp_rmb() between emulated instructions */
	bool vgic;		/* arm64's vGIC: vCPUs map the distributor at first run */
	bool create_first;	/* the ioctl thread creates every vCPU before starting them */
	bool x86;		/* x86: two address spaces (SMM), the APIC access page memslot */
	bool memslots;		/* some memslot exists at some point: exits look gfns up */
	uint8_t ioctl_op[MAX_IOCTL_OPS];
	uint8_t vcpu_op[KVM_MAX_VCPUS][MAX_VCPU_OPS];
};

static void decode(struct scenario *sc)
{
	uint8_t b0 = sim_input_byte(), b1 = sim_input_byte(), b2 = sim_input_byte();

	memset(sc, 0, sizeof(*sc));
	sc->nvcpus = in_nvcpus(b0);
	sc->failslab = (b0 & IN_B0_FAILSLAB) != 0;
	sc->vgic = (b0 & IN_B0_VGIC) != 0;
	sc->nioctl = in_nioctl(b1);
	sc->create_first = (b1 & IN_B1_CREATE_FIRST) != 0;
	sc->x86 = BUSFUZZ_X86_APIC_MEMSLOT && in_x86(b0);
	sc->nvops = in_nvops(b2);
	/* Read from the tree's vmx.c when it has one; a choice otherwise. */
	sc->emul_rmb = BUSFUZZ_VMX_RMB_IN_EMULATION_LOOP >= 0 ? BUSFUZZ_VMX_RMB_IN_EMULATION_LOOP
							      : (b2 & IN_B2_EMUL_RMB) != 0;
	for (int i = 0; i < sc->nioctl; i++) {
		sc->ioctl_op[i] = sim_input_byte();
		sc->memslots |= HAVE_MEMSLOTS && in_memslot_op(sc->ioctl_op[i]);
	}
	sc->memslots |= sc->x86;
	for (int v = 0; v < sc->nvcpus; v++)
		for (int i = 0; i < sc->nvops; i++)
			sc->vcpu_op[v][i] = sim_input_byte();
}

/* ---- what the ioctl thread registers in a slot ------------------------------ */

/*
 * Bits 4-5 of an ioctl op: what the slot gets.  0 keeps the test devices of
 * the first scenarios (registered with kvm_io_bus_register_dev() directly);
 * the others go through the tree's real callers, as the ioctls do after
 * copy_from_user(): KVM_IOEVENTFD (kvm_ioeventfd()) and
 * KVM_[UN]REGISTER_COALESCED_MMIO.  Bit 6: an ioeventfd with DATAMATCH.
 */
enum { KIND_DEV, KIND_IOEVENTFD, KIND_COALESCED, KIND_IOEVENTFD_NOLEN };
static const char *const kind_name[] = { "test device", "ioeventfd", "coalesced zone",
					 "ioeventfd without length" };

#define VAL_MATCH 0x1234	/* what vCPUs write, and an ioeventfd's datamatch */

/* arm64's vGIC distributor (below, vgic_map_resources()): slot 3 of vCPU ops when on. */
#define VGIC_SLOT 3
#define VGIC_EPOCH 1000
#define VGIC_DIST_BASE 0x08000000
#define VGIC_DIST_SIZE 0x10000
#define VGIC_ACQUIRE (BUSFUZZ_VGIC_READY_ACQUIRE != 0)	/* -1 (no vgic-init.c): as 7.x does */
#define VGIC_RELEASE (BUSFUZZ_VGIC_READY_RELEASE != 0)

struct test_dev {
	struct kvm_io_device dev;
	int slot, epoch;
};

/* What one bus access reached: a device, an ioeventfd's eventfd, by slot and epoch. */
struct reach {
	int kind, slot, epoch;	/* kind -1: nothing */
};

#define MAX_EVENTFDS (MAX_IOCTL_OPS + 1)

int sim_memslot_as_ids = 1;

static struct {
	struct kvm *kvm;
	bool apic_access_memslot_enabled;	/* kvm->arch's (placeholder): under slots_lock */
	struct file vm_file;	/* the VM fd: private_data is the VM */
	struct kvm_vcpu *created[KVM_MAX_VCPUS];	/* by the ioctl thread (create_first) */
	struct scenario sc;
	/* Published to the guest: epoch << 4 | kind << 2 | bus << 1 | registered.  Shared memory. */
	unsigned long pub[NSLOTS];
	unsigned long vgic_ready;	/* dist->ready: shared memory */
	/* Ghost state of the checker, outside the memory model (from here to the end). */
	int kind[NSLOTS];		/* what userspace has in the slot, -1: nothing */
	int epoch[NSLOTS];		/* of what is in the slot (or was, last) */
	struct test_dev *dev[NSLOTS];
	int dev_bus[NSLOTS];		/* kept here: the device itself may be gone */
	int efd[NSLOTS];		/* the ioeventfd's eventfd, as userspace holds it */
	bool datamatch[NSLOTS];		/* the ioeventfd matches VAL_MATCH only */
	struct { struct kvm_coalesced_mmio_dev *dev; int slot, epoch; } zone[MAX_IOCTL_OPS];
	int nzone;
	struct { int slot, epoch; } efd_of[MAX_EVENTFDS];	/* by eventfd serial */
	int nefd;
	bool wiped[KVM_NR_BUSES];	/* a failed unregister installed a NULL bus */
	int unreg_begun[KVM_NR_BUSES];	/* ops begun that may unregister (failslab: any may drop all) */
	int unreg_begun_slot[NSLOTS];	/* epoch whose removal has begun */
	struct reach reached[SIM_MAX_THREADS];
	int ms_pos[IN_MAX_MEMSLOTS];	/* a user memslot's position, -1: none */
	/* Coalesced writes seen in the ring: each must stay (nothing drains it, it never fills). */
	struct { gpa_t addr; u64 val; int len, n, tid; } landed[IN_MAX_VCPUS * MAX_VCPU_OPS];
	int nlanded;
} h;

/* ---- test devices ----------------------------------------------------------- */

static void dev_touch(struct kvm_io_device *this, const char *what)
{
	static const struct sim_site s = { "fuzz/harness.c", __LINE__, "device op" };

	struct test_dev *d = container_of(this, struct test_dev, dev);

	sim_check_live(this, &s, what);
	h.reached[sim_current()] = (struct reach){ KIND_DEV, d->slot, d->epoch };
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

/*
 * The bus reaches its devices: a reader that loaded a bus may call any of
 * them.  A device is often embedded in a larger object (a coalesced zone's
 * struct kvm_coalesced_mmio_dev, an ioeventfd): the bus reaches that object.
 */
SIM_GHOST_CODE static bool bus_reaches(const void *loaded, const void *obj)
{
	const struct kvm_io_bus *b = loaded;

	int id = sim_obj_id(obj);

	for (int i = 0; i < b->dev_count; i++)
		if (b->range[i].dev == obj || (id && sim_obj_id(b->range[i].dev) == id))
			return true;
	return false;
}

/* ---- the ioctl thread -------------------------------------------------------- */

/* A VM ioctl through the tree's kvm_vm_ioctl(); arg points at the scenario's own buffer (copy_from_user()). */
static int vm_ioctl(unsigned int ioctl, unsigned long arg)
{
	return (int)kvm_vm_ioctl(&h.vm_file, ioctl, arg);
}

static void vcpu_thread(void *arg);

static void publish(int slot, int kind, int bus, bool registered)
{
	smp_store_release(&h.pub[slot], (unsigned long)h.epoch[slot] << 4 | (unsigned long)kind << 2 |
					(unsigned long)bus << 1 | registered);
}

/*
 * A failed unregister installed a NULL bus and destroyed every device on it
 * (kvm->buses[] read as memory holds it: the ioctl thread is the updater).
 * Test devices are gone; userspace still believes in its ioeventfds and zones.
 */
static void sync_wiped(void)
{
	for (int b = 0; b < KVM_NR_BUSES; b++) {
		if (h.wiped[b] || SIM_GHOST_LOAD(h.kvm->buses[b]))
			continue;
		h.wiped[b] = true;
		for (int s = 0; s < NSLOTS; s++)
			if (h.dev[s] && h.dev_bus[s] == b) {
				h.dev[s] = NULL;
				h.kind[s] = -1;
			}
	}
}

/* What an ioctl may return to userspace here: anything else is a finding. */
enum { MAY_0 = 1, MAY_EEXIST = 2, MAY_ENOENT = 4, MAY_ENOMEM = 8, MAY_EINVAL = 16, MAY_NOMATCH = 32 };

static void check_errno(const char *ioctl, int slot, int r, unsigned may)
{
	static const struct { unsigned bit; int r; const char *why; } ok[] = {
		{ MAY_0, 0, "0" }, { MAY_EEXIST, -EEXIST, "-EEXIST (a collision)" },
		{ MAY_ENOENT, -ENOENT, "-ENOENT (a failed unregister dropped its bus)" },
		{ MAY_ENOMEM, -ENOMEM, "-ENOMEM (an allocation failed)" },
		{ MAY_EINVAL, -EINVAL, "-EINVAL (invalid arguments, or no such memslot)" },
		{ MAY_NOMATCH, -ENOENT, "-ENOENT (no ioeventfd matches)" },
	};
	char want[160] = "";

	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++) {
		if (!(may & ok[i].bit))
			continue;
		if (r == ok[i].r)
			return;
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s", *want ? " or " : "", ok[i].why);
	}
	sim_finding(SIM_F_ERRNO, sim_last_site(), "%s on slot %d returned %d to userspace, expected %s", ioctl, slot,
		    r, want);
}

/* KVM_CREATE_VCPU; the vCPU it made (NULL if it failed), as the new fd's private_data. */
static struct kvm_vcpu *create_vcpu(struct kvm *kvm, int id)
{
	struct kvm_vcpu *vcpu;
	int r = vm_ioctl(KVM_CREATE_VCPU, id);

	/*
	 * x86's __x86_set_memory_region() does not undo the address spaces it
	 * set before an allocation failed: the APIC access page memslot stays
	 * half made, and every later vCPU's creation finds it and returns
	 * -EEXIST (the kernel's own behaviour, only under fault injection).
	 */
	check_errno("KVM_CREATE_VCPU", id, r < 0 ? r : 0, MAY_0 | (sim_cfg.failslab ? MAY_ENOMEM : 0) |
		    (sim_cfg.failslab && h.sc.x86 ? MAY_EEXIST : 0));
	vcpu = r < 0 ? NULL : kvm_get_vcpu_by_id(kvm, id);
	if (r >= 0 && !vcpu)
		sim_finding(SIM_F_VCPU, &harness_site, "KVM_CREATE_VCPU %d returned %d, but the vCPU is not online", id, r);
	return vcpu;
}

static void do_register(int slot, int bus)
{
	struct kvm *kvm = h.kvm;
	struct test_dev *d;
	int r;

	if (h.kind[slot] >= 0)
		return;		/* userspace would get -EEXIST from its own bookkeeping */
	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return;
	kvm_iodevice_init(&d->dev, &test_ops);
	d->slot = slot;
	d->epoch = h.epoch[slot] + 1;
	sim_obj_label(d, "(test device)");

	mutex_lock(&kvm->slots_lock);
	r = kvm_io_bus_register_dev(kvm, bus, slot_addr(slot, bus), slot_len(bus), &d->dev);
	mutex_unlock(&kvm->slots_lock);
	if (r < 0) {
		kfree(d);
		return;
	}
	h.epoch[slot] = d->epoch;
	h.kind[slot] = KIND_DEV;
	h.dev[slot] = d;
	h.dev_bus[slot] = bus;
	publish(slot, KIND_DEV, bus, true);
}

static void do_unregister_dev(int slot)
{
	struct kvm *kvm = h.kvm;
	struct test_dev *d = h.dev[slot];
	int r, bus = h.dev_bus[slot];

	SIM_GHOST_STORE(h.unreg_begun_slot[slot], h.epoch[slot]);
	SIM_GHOST_STORE(h.unreg_begun[bus], h.unreg_begun[bus] + 1);
	mutex_lock(&kvm->slots_lock);
	r = kvm_io_bus_unregister_dev(kvm, bus, &d->dev);
	mutex_unlock(&kvm->slots_lock);
	h.dev[slot] = NULL;
	h.kind[slot] = -1;
	sync_wiped();
	(void)r;
	/* Before the bus code took ownership (6.1), the caller destroyed its device. */
	if (BUSFUZZ_CALLER_DESTROYS_UNREGISTERED_DEV)
		d->dev.ops->destructor(&d->dev);
	publish(slot, KIND_DEV, bus, false);
}

/* The struct kvm_ioeventfd userspace passes for the ioeventfd of a slot. */
static struct kvm_ioeventfd ioeventfd_args(int slot, int kind, int bus, int fd, bool datamatch, bool deassign)
{
	struct kvm_ioeventfd a;

	memset(&a, 0, sizeof(a));
	a.addr = slot_addr(slot, bus);
	a.len = kind == KIND_IOEVENTFD_NOLEN ? 0 : slot_len(bus);
	a.fd = fd;
	a.flags = (bus == KVM_PIO_BUS ? KVM_IOEVENTFD_FLAG_PIO : 0) |
		  (datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) | (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0);
	a.datamatch = VAL_MATCH;
	return a;
}

/* The buses an ioeventfd lives on: a length-0 MMIO one is also on the fast-MMIO bus. */
static void ioeventfd_may_unregister(int kind, int bus)
{
	SIM_GHOST_STORE(h.unreg_begun[bus], h.unreg_begun[bus] + 1);
	if (kind == KIND_IOEVENTFD_NOLEN && bus == KVM_MMIO_BUS)
		SIM_GHOST_STORE(h.unreg_begun[KVM_FAST_MMIO_BUS], h.unreg_begun[KVM_FAST_MMIO_BUS] + 1);
}

static void do_assign_ioeventfd(int slot, int kind, int bus, bool datamatch)
{
	struct kvm_ioeventfd a;
	bool collide = false;
	int r, fd;

	if (kind == KIND_IOEVENTFD_NOLEN)
		datamatch = false;	/* -EINVAL: no length cannot match data */
	if ((h.kind[slot] == KIND_IOEVENTFD || h.kind[slot] == KIND_IOEVENTFD_NOLEN) && h.dev_bus[slot] == bus)
		collide = true;		/* the same address again: the collision check must refuse it */
	else if (h.kind[slot] >= 0)
		return;
	fd = sim_eventfd_open();
	if (fd < 0)
		return;		/* eventfd(2) failed (fault injection) */
	a = ioeventfd_args(slot, kind, bus, fd, datamatch, false);
	if (kind == KIND_IOEVENTFD_NOLEN && bus == KVM_MMIO_BUS)
		ioeventfd_may_unregister(kind, bus);	/* its fast-MMIO failure path deassigns */
	/* A vCPU may reach it before the ioctl returns: name it first (a failed try burns an epoch). */
	if (!collide)
		h.epoch[slot]++;
	h.efd_of[h.nefd].slot = slot;
	h.efd_of[h.nefd].epoch = h.epoch[slot];
	sim_eventfd_set_serial(fd, h.nefd++);
	r = vm_ioctl(KVM_IOEVENTFD, (unsigned long)&a);
	sync_wiped();
	/* A dropped bus stays NULL: registering on it fails with -ENOMEM (only after failslab). */
	check_errno("KVM_IOEVENTFD", slot, r, (collide ? MAY_EEXIST : MAY_0) |
		    (sim_cfg.failslab || h.wiped[bus] ? MAY_ENOMEM : 0));
	if (r || collide) {
		sim_eventfd_close(fd);
		return;
	}
	h.efd[slot] = fd;
	h.kind[slot] = kind;
	h.dev_bus[slot] = bus;
	h.datamatch[slot] = datamatch;
	publish(slot, kind, bus, true);
}

static void do_deassign_ioeventfd(int slot)
{
	int kind = h.kind[slot], bus = h.dev_bus[slot], r;
	struct kvm_ioeventfd a = ioeventfd_args(slot, kind, bus, h.efd[slot], h.datamatch[slot], true);

	SIM_GHOST_STORE(h.unreg_begun_slot[slot], h.epoch[slot]);
	ioeventfd_may_unregister(kind, bus);
	r = vm_ioctl(KVM_IOEVENTFD, (unsigned long)&a);
	/* Found on the list means success, even if its bus was dropped meanwhile. */
	check_errno("KVM_IOEVENTFD (deassign)", slot, r, MAY_0 | (h.wiped[bus] ? MAY_ENOENT : 0));
	sync_wiped();
	sim_eventfd_close(h.efd[slot]);
	h.kind[slot] = -1;
	publish(slot, kind, bus, false);
}

static void do_register_zone(int slot, int bus)
{
	struct kvm_coalesced_mmio_zone z;
	int r;

	if (h.kind[slot] >= 0)
		return;
	memset(&z, 0, sizeof(z));
	z.addr = slot_addr(slot, bus);
	z.size = slot_len(bus);
	z.pio = bus == KVM_PIO_BUS;
	r = vm_ioctl(KVM_REGISTER_COALESCED_MMIO, (unsigned long)&z);
	check_errno("KVM_REGISTER_COALESCED_MMIO", slot, r, MAY_0 | (sim_cfg.failslab || h.wiped[bus] ? MAY_ENOMEM : 0));
	if (r)
		return;
	h.epoch[slot]++;
	h.kind[slot] = KIND_COALESCED;
	h.dev_bus[slot] = bus;
	/* The newest zone is the list's last (list_add_tail under slots_lock). */
	if (h.nzone < MAX_IOCTL_OPS)
		h.zone[h.nzone++] = (typeof(h.zone[0])){
			container_of(h.kvm->coalesced_zones.prev, struct kvm_coalesced_mmio_dev, list),
			slot, h.epoch[slot] };
	publish(slot, KIND_COALESCED, bus, true);
}

static void do_unregister_zone(int slot)
{
	struct kvm_coalesced_mmio_zone z;
	int bus = h.dev_bus[slot], r;

	memset(&z, 0, sizeof(z));
	z.addr = slot_addr(slot, bus);
	z.size = slot_len(bus);
	z.pio = bus == KVM_PIO_BUS;
	SIM_GHOST_STORE(h.unreg_begun_slot[slot], h.epoch[slot]);
	SIM_GHOST_STORE(h.unreg_begun[bus], h.unreg_begun[bus] + 1);
	r = vm_ioctl(KVM_UNREGISTER_COALESCED_MMIO, (unsigned long)&z);
	/* "from userspace's perspective, the coalesced MMIO is most definitely unregistered" */
	check_errno("KVM_UNREGISTER_COALESCED_MMIO", slot, r, MAY_0);
	sync_wiped();
	h.kind[slot] = -1;
	publish(slot, KIND_COALESCED, bus, false);
}

/*
 * KVM_SET_USER_MEMORY_REGION on user memslot id: delete it, or create it at
 * a position, or move it there.  What the ioctl may return follows from
 * what userspace has: -EEXIST when the range overlaps the other memslot's.
 */
static void do_memslot(uint8_t op)
{
#if HAVE_MEMSLOTS
	int id = (op >> IN_MEMSLOT_ID_SHIFT) & 1, pos = (op >> IN_MEMSLOT_POS_SHIFT) & 3, other = h.ms_pos[!id];
	struct kvm_userspace_memory_region m;
	unsigned may;
	int r;

	memset(&m, 0, sizeof(m));
	m.slot = id;
	m.userspace_addr = MEMSLOT_HVA(id);
	if (op & IN_MEMSLOT_DELETE) {
		m.guest_phys_addr = h.ms_pos[id] < 0 ? 0 : MEMSLOT_GPA(h.ms_pos[id]);
		m.memory_size = 0;
		may = h.ms_pos[id] < 0 ? MAY_EINVAL : MAY_0 | (sim_cfg.failslab ? MAY_ENOMEM : 0);
	} else {
		m.guest_phys_addr = MEMSLOT_GPA(pos);
		m.memory_size = MEMSLOT_SIZE;
		if (h.ms_pos[id] == pos)
			may = MAY_0;		/* nothing to change */
		else if (other >= 0 && (other == pos || other == pos + 1 || other + 1 == pos))
			may = MAY_EEXIST;
		else
			may = MAY_0 | (sim_cfg.failslab ? MAY_ENOMEM : 0);
	}
	r = vm_ioctl(KVM_SET_USER_MEMORY_REGION, (unsigned long)&m);
	check_errno(op & IN_MEMSLOT_DELETE ? "KVM_SET_USER_MEMORY_REGION (delete)" : "KVM_SET_USER_MEMORY_REGION",
		    id, r, may);
	if (r == 0)
		h.ms_pos[id] = op & IN_MEMSLOT_DELETE ? -1 : pos;
#else
	(void)op;
#endif
}

/* A malformed KVM_IOEVENTFD or coalesced zone (fuzz/input.h): refused, and nothing changes. */
static void do_malformed(uint8_t op)
{
	int slot = (op >> IN_IOCTL_SLOT_SHIFT) & 3, kind = (op >> IN_IOCTL_KIND_SHIFT) & 3;
	int bus = op & IN_IOCTL_PIO ? KVM_PIO_BUS : KVM_MMIO_BUS, r, fd;
	struct kvm_coalesced_mmio_zone z;
	struct kvm_ioeventfd a;

	if (kind == KIND_COALESCED) {
		memset(&z, 0, sizeof(z));
		z.addr = slot_addr(slot, bus);
		z.size = slot_len(bus);
		z.pio = 2;
		r = vm_ioctl(op & IN_IOCTL_UNREG ? KVM_UNREGISTER_COALESCED_MMIO : KVM_REGISTER_COALESCED_MMIO,
			     (unsigned long)&z);
		check_errno(op & IN_IOCTL_UNREG ? "KVM_UNREGISTER_COALESCED_MMIO (pio 2)" :
			    "KVM_REGISTER_COALESCED_MMIO (pio 2)", slot, r, MAY_EINVAL);
		return;
	}
	if (op & IN_IOCTL_UNREG && (h.kind[slot] == KIND_IOEVENTFD || h.kind[slot] == KIND_IOEVENTFD_NOLEN)) {
		/* The slot's own ioeventfd, by its own eventfd, but another length. */
		a = ioeventfd_args(slot, h.kind[slot], h.dev_bus[slot], h.efd[slot], h.datamatch[slot], true);
		a.len = a.len == 4 ? 8 : 4;
		r = vm_ioctl(KVM_IOEVENTFD, (unsigned long)&a);
		check_errno("KVM_IOEVENTFD (deassign, another length)", slot, r, MAY_NOMATCH);
		return;
	}
	fd = sim_eventfd_open();
	if (fd < 0)
		return;		/* eventfd(2) failed (fault injection) */
	a = ioeventfd_args(slot, kind == KIND_IOEVENTFD_NOLEN ? kind : KIND_IOEVENTFD, bus, fd, false,
			   op & IN_IOCTL_UNREG);
	if (op & IN_IOCTL_UNREG) {	/* nothing registered at the slot: nothing to find */
		r = vm_ioctl(KVM_IOEVENTFD, (unsigned long)&a);
		check_errno("KVM_IOEVENTFD (deassign, none there)", slot, r, MAY_NOMATCH);
	} else {
		if (kind == KIND_DEV && slot == 2)
			a.len = 3;
		else if (kind == KIND_DEV)
			a.flags |= 1u << 31;
		else if (kind == KIND_IOEVENTFD)
			a.addr = ~0ull - 1;
		else
			a.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
		r = vm_ioctl(KVM_IOEVENTFD, (unsigned long)&a);
		check_errno(kind == KIND_DEV && slot == 2 ? "KVM_IOEVENTFD (length 3)" :
			    kind == KIND_DEV ? "KVM_IOEVENTFD (unknown flag)" :
			    kind == KIND_IOEVENTFD ? "KVM_IOEVENTFD (range wraps)" : "KVM_IOEVENTFD (no length, DATAMATCH)",
			    slot, r, MAY_EINVAL);
	}
	sim_eventfd_close(fd);
}

static void ioctl_op(uint8_t op)
{
	int slot = (op >> IN_IOCTL_SLOT_SHIFT) & 3, kind = (op >> IN_IOCTL_KIND_SHIFT) & 3;
	int bus = op & IN_IOCTL_PIO ? KVM_PIO_BUS : KVM_MMIO_BUS;

	if (in_memslot_op(op)) {
		do_memslot(op);
		return;
	}
	if (in_malformed_op(op)) {
		do_malformed(op);
		return;
	}
	if (op & IN_IOCTL_UNREG) {
		/* Unregister whatever userspace has there, by the matching ioctl. */
		switch (h.kind[slot]) {
		case KIND_DEV:
			do_unregister_dev(slot);
			break;
		case KIND_IOEVENTFD:
		case KIND_IOEVENTFD_NOLEN:
			do_deassign_ioeventfd(slot);
			break;
		case KIND_COALESCED:
			do_unregister_zone(slot);
			break;
		}
		return;
	}
	switch (kind) {
	case KIND_DEV:
		do_register(slot, bus);
		break;
	case KIND_IOEVENTFD:
	case KIND_IOEVENTFD_NOLEN:
		do_assign_ioeventfd(slot, kind, bus, (op & IN_IOCTL_DATAMATCH) != 0);
		break;
	case KIND_COALESCED:
		do_register_zone(slot, bus);
		break;
	}
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
	sim_finding(SIM_F_LOCKDEP, site, "kvm->buses[%d] stored without slots_lock held, with %d user(s) of the VM",
		    idx, users);
}

/*
 * The arch hook, labelled: every arch's kvm_arch_destroy_vm() frees the vCPUs
 * with the tree's kvm_destroy_vcpus(); the rest of it is arch state, whose
 * irqchip teardown unregisters bus devices on x86 and arm64: not modelled yet
 * (README, "What busfuzz does not cover").  x86's first deletes its internal
 * memslots under slots_lock with the tree's __x86_set_memory_region(..., 0, 0)
 * when the VM's own process closes it (current->mm == kvm->mm: here always):
 * on the modelled x86, the APIC access page's, with a swap and its grace
 * period per address space.  Before kvm_destroy_vcpus() (5.10) the arch code
 * freed the vCPUs itself: x86's kvm_free_vcpus() calls the tree's
 * kvm_vcpu_destroy() on each vCPU, then empties kvm->vcpus[] and online_vcpus
 * under kvm->lock; this stand-in does that (the MMU unpinning before it is
 * arch state).
 */
void kvm_arch_destroy_vm(struct kvm *kvm)
{
#if BUSFUZZ_HAS_KVM_DESTROY_VCPUS
	sim_stub_hit("kvm_arch_destroy_vm (arch state; its kvm_destroy_vcpus() runs)", __FILE__, __LINE__);
#if BUSFUZZ_X86_APIC_MEMSLOT
	if (h.sc.x86) {
		mutex_lock(&kvm->slots_lock);
		(void)__x86_set_memory_region(kvm, APIC_ACCESS_MEMSLOT, 0, 0);
		mutex_unlock(&kvm->slots_lock);
	}
#endif
	kvm_destroy_vcpus(kvm);
#else
	struct kvm_vcpu *vcpu;
	int i;

	sim_stub_hit("kvm_arch_destroy_vm (arch state; x86's kvm_free_vcpus(): kvm_vcpu_destroy() each vCPU)",
		     __FILE__, __LINE__);
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++)
		if ((vcpu = kvm_get_vcpu(kvm, i)))
			kvm_vcpu_destroy(vcpu);
	mutex_lock(&kvm->lock);
	for (i = 0; i < atomic_read(&kvm->online_vcpus); i++)
		kvm->vcpus[i] = NULL;
	atomic_set(&kvm->online_vcpus, 0);
	mutex_unlock(&kvm->lock);
#endif
}

/*
 * The arch hook, labelled: a stand-in for x86's.  vmx_vcpu_create() calls
 * kvm_alloc_apic_access_page() (7.x lapic.c; alloc_apic_access_page() in
 * older vmx.c) for every vCPU: under slots_lock, unless already done, it
 * makes the APIC access page's internal memslot with the tree's own
 * __x86_set_memory_region() (x86.c), which sets it in every address space
 * (x86 with SMM: two), each update waiting in kvm_swap_active_memslots()'s
 * synchronize_srcu_expedited().  h.apic_access_memslot_enabled stands for
 * kvm->arch.apic_access_memslot_enabled (struct kvm_arch is a placeholder).
 * Off (the arches without it: arm64...), the hook is arch state only.
 */
int kvm_arch_vcpu_create(struct kvm_vcpu *vcpu)
{
	int r = 0;

	sim_stub_hit("kvm_arch_vcpu_create", __FILE__, __LINE__);
#if BUSFUZZ_X86_APIC_MEMSLOT
	if (h.sc.x86) {
		struct kvm *kvm = vcpu->kvm;

		mutex_lock(&kvm->slots_lock);
		if (!h.apic_access_memslot_enabled) {
			void __user *hva = __x86_set_memory_region(kvm, APIC_ACCESS_MEMSLOT, APIC_BASE_GPA, PAGE_SIZE);

			if (IS_ERR(hva))
				r = (int)PTR_ERR(hva);
			else
				h.apic_access_memslot_enabled = true;
		}
		mutex_unlock(&kvm->slots_lock);
	}
#else
	(void)vcpu;
#endif
	return r;
}

static struct kvm *create_vm(void)
{
	struct kvm *kvm;

#if BUSFUZZ_NPARAMS_kvm_create_vm == 2
	kvm = kvm_create_vm(0, "busfuzz");
#else
	kvm = kvm_create_vm(0);
#endif
#if !BUSFUZZ_CREATE_VM_INITS_COALESCED
	/* 5.10's KVM_CREATE_VM (kvm_dev_ioctl_create_vm()) sets up the ring after kvm_create_vm(). */
	if (!IS_ERR(kvm)) {
		int r = kvm_coalesced_mmio_init(kvm);

		if (r < 0) {
			kvm_put_kvm(kvm);
			kvm = ERR_PTR(r);
		}
	}
#endif
	return kvm;
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HARNESS_TSAN 1
void AnnotateBenignRaceSized(const char *file, int line, const volatile void *mem, unsigned long size,
			     const char *desc);
#endif
#endif

/*
 * A data race KVM has by design, not reported by the TSan builds: exits read
 * the active memslots' generation unmarked (kvm_vcpu_gfn_to_memslot()) while
 * kvm_swap_active_memslots() writes it, unmarked, after its grace period.  The
 * value only tags the vCPU's last-used-slot cache.  Only those 8 bytes of each
 * memslots set are exempt: any other race on the memslots is still a finding
 * (README, "Sanitizers").
 */
static void memslot_generation_races(struct kvm *kvm)
{
#if HAVE_MEMSLOTS && defined(HARNESS_TSAN)
	for (size_t i = 0; i < ARRAY_SIZE(kvm->__memslots); i++)
		for (size_t j = 0; j < 2; j++)
			AnnotateBenignRaceSized(__FILE__, __LINE__, &kvm->__memslots[i][j].generation,
						sizeof(kvm->__memslots[i][j].generation),
						"memslot generation: unmarked by design");
#else
	(void)kvm;
#endif
}

static void ioctl_thread(void *arg)
{
	struct kvm *kvm;

	(void)arg;
	kvm = create_vm();
	if (IS_ERR(kvm))
		return;
	memslot_generation_races(kvm);
	h.kvm = kvm;
	h.vm_file.private_data = kvm;
	sim_watch_stores(kvm->buses, sizeof(kvm->buses), buses_store_check);
	/* kvmtool, crosvm and Firecracker create every vCPU first; QEMU in each vCPU's thread. */
	for (int v = 0; v < h.sc.nvcpus && h.sc.create_first; v++)
		h.created[v] = create_vcpu(kvm, v);
	for (long v = 0; v < h.sc.nvcpus; v++) {
		static const char *names[] = { "vcpu0", "vcpu1", "vcpu2", "vcpu3" };

		if (h.sc.create_first && !h.created[v])
			continue;	/* -ENOMEM: userspace does not start it */
		/* The VM fd the thread's KVM_CREATE_VCPU goes through stays open until it returns. */
		if (!h.sc.create_first)
			kvm_get_kvm(kvm);
		sim_thread_create(names[v], vcpu_thread, (void *)v, false);
	}
	for (int i = 0; i < h.sc.nioctl; i++)
		ioctl_op(h.sc.ioctl_op[i]);
	/* Userspace closes its eventfds: the kernel's references keep what it still uses. */
	for (int s = 0; s < NSLOTS; s++)
		if (h.kind[s] == KIND_IOEVENTFD || h.kind[s] == KIND_IOEVENTFD_NOLEN)
			sim_eventfd_close(h.efd[s]);
	kvm_put_kvm(kvm);
}

/* ---- vCPUs -------------------------------------------------------------------- */

enum { OP_WRITE, OP_READ, OP_WRITE_COOKIE, OP_GET_DEV };

/* What kvm_io_bus_get_dev() returned, identified by its ops (all in this unit). */
static struct reach reach_of_dev(struct kvm_io_device *d)
{
	if (d->ops == &test_ops) {
		struct test_dev *t = container_of(d, struct test_dev, dev);

		return (struct reach){ KIND_DEV, t->slot, t->epoch };
	}
	if (d->ops == &ioeventfd_ops) {
		int serial = to_ioeventfd(d)->eventfd->serial;

		return (struct reach){ KIND_IOEVENTFD, h.efd_of[serial].slot, h.efd_of[serial].epoch };
	}
	for (int i = 0; i < h.nzone; i++)
		if (h.zone[i].dev == container_of(d, struct kvm_coalesced_mmio_dev, dev))
			return (struct reach){ KIND_COALESCED, h.zone[i].slot, h.zone[i].epoch };
	return (struct reach){ -1, 0, 0 };
}

/* Entries of the coalesced ring holding this write (the ring page is plain memory). */
SIM_GHOST_CODE static int ring_count(gpa_t addr, int len, u64 val)
{
	struct kvm_coalesced_mmio_ring *ring = h.kvm->coalesced_mmio_ring;
	int n = 0;

	/* Byte by byte: memcmp() is intercepted, and would be seen by TSan on native threads. */
	for (unsigned i = 0; i < KVM_COALESCED_MMIO_MAX; i++) {
		const u8 *d = ring->coalesced_mmio[i].data, *v = (const u8 *)&val;
		int k = 0;

		if (ring->coalesced_mmio[i].phys_addr != addr)
			continue;
		while (k < len && d[k] == v[k])
			k++;
		n += k == len;
	}
	return n;
}

/*
 * A write seen in the ring must stay there: the ring never fills in one
 * execution and nothing consumes it, so only another write into its entry
 * (two writers that picked the same ring->last) removes it.  Checked after
 * every vCPU access, so that the write that overwrote it is the one that
 * reports; the write's own check above sees only an overwrite before it.
 */
#ifndef BUSFUZZ_NATIVE
SIM_GHOST_CODE static void ring_landed(gpa_t addr, int len, u64 val, int n)
{
	for (int i = 0; i < h.nlanded; i++)
		if (h.landed[i].addr == addr && h.landed[i].val == val) {
			h.landed[i].n = n;
			return;
		}
	if (h.nlanded < (int)(sizeof(h.landed) / sizeof(h.landed[0])))
		h.landed[h.nlanded++] = (typeof(h.landed[0])){ addr, val, len, n, sim_current() };
}

SIM_GHOST_CODE static void ring_check_kept(void)
{
	for (int i = 0; i < h.nlanded; i++)
		if (ring_count(h.landed[i].addr, h.landed[i].len, h.landed[i].val) < h.landed[i].n)
			sim_finding(SIM_F_ORDERING, sim_last_site(),
				    "the write of %s at 0x%llx was in the coalesced ring and is no more: another "
				    "write took its entry", sim_thread_name(h.landed[i].tid),
				    (unsigned long long)h.landed[i].addr);
}
#endif

static void check_ordering(int slot, unsigned long seen, int op, int bus, int r, bool ring_hit)
{
	int epoch = (int)(seen >> 4), kind = (int)(seen >> 2 & 3), tid = sim_current();
	struct reach got = h.reached[tid];
	bool hit = got.kind >= 0 && got.slot == slot;	/* epochs of a slot are unique */
	bool write = (op & IN_VCPU_KIND) == OP_WRITE || (op & IN_VCPU_KIND) == OP_WRITE_COOKIE;

	if (seen & 1) {
		/* Observed registered: must reach it unless its removal has begun. */
		bool removal = SIM_GHOST_LOAD(h.unreg_begun_slot[slot]) >= epoch ||
			       (h.sc.failslab && (SIM_GHOST_LOAD(h.unreg_begun[bus]) ||
						  (kind == KIND_IOEVENTFD_NOLEN &&
						   SIM_GHOST_LOAD(h.unreg_begun[KVM_FAST_MMIO_BUS]))));

		if (removal)
			return;
		if (kind == KIND_COALESCED && write) {
			if (!ring_hit)
				sim_finding(SIM_F_ORDERING, sim_last_site(),
					    "%s observed the registration of coalesced zone %d (epoch %d) on bus %d, "
					    "but its write is not in the ring (r=%d)", sim_thread_name(tid), slot,
					    epoch, bus, r);
			return;
		}
		if (kind != KIND_DEV && (op & IN_VCPU_KIND) == OP_READ)
			return;		/* ioeventfds and zones have no read */
		if (!(hit && got.epoch == epoch))
			sim_finding(SIM_F_ORDERING, sim_last_site(),
				    "%s observed the registration of %s %d (epoch %d) on bus %d, "
				    "but its bus access missed it (r=%d)", sim_thread_name(tid), kind_name[kind],
				    slot, epoch, bus, r);
	} else if (epoch && hit && got.epoch <= epoch) {
		sim_finding(SIM_F_ORDERING, sim_last_site(),
			    "%s observed that %s %d (epoch %d) was unregistered, but its bus access reached it",
			    sim_thread_name(tid), kind_name[kind], slot, epoch);
	}
}

/* The MMIO or PIO access of one guest instruction, inside the exit's read section. */
static void vcpu_access(struct kvm_vcpu *vcpu, uint8_t op, unsigned long seen, int nth)
{
	struct kvm *kvm = vcpu->kvm;
	int kind = op & IN_VCPU_KIND, slot = (op >> IN_VCPU_SLOT_SHIFT) & 3, tid = sim_current();
	int bus, r = 0, in_ring = 0, now_in_ring = 0;
	bool zone = (seen & 1) && (seen >> 2 & 3) == KIND_COALESCED;
	struct kvm_memory_slot *ms = NULL;
	gpa_t addr;
	u64 val = VAL_MATCH;

	bus = (seen >> 1) & 1 ? KVM_PIO_BUS : KVM_MMIO_BUS;
	if (!seen && (op & IN_VCPU_PIO))
		bus = KVM_PIO_BUS;
	addr = slot_addr(slot, bus);
	if (h.sc.vgic && slot == VGIC_SLOT) {
		/* The distributor, seen ready at this vCPU's first run. */
		seen = (unsigned long)VGIC_EPOCH << 4 | KIND_DEV << 2 | 1;
		zone = false;
		bus = KVM_MMIO_BUS;
		addr = VGIC_DIST_BASE + 0x100;
	}
	if (zone) {
		val = 0xc0a1e5ced0000000ull | (u64)tid << 8 | (u64)nth;	/* this write's own value */
		in_ring = ring_count(addr, slot_len(bus), val);
	}
#if HAVE_MEMSLOTS
	/*
	 * The exit's page fault path looks the gfn up first: no memslot there
	 * means MMIO.  The gfn is the op's slot's memslot position, so lookups
	 * find the user memslots, or miss them, as they come and go.
	 */
	if (h.sc.memslots)
		ms = kvm_vcpu_gfn_to_memslot(vcpu, MEMSLOT_GPA(slot) >> PAGE_SHIFT);
#endif
	h.reached[tid] = (struct reach){ -1, 0, 0 };
	sim_eventfd_clear_signal(tid);
	switch (kind) {
	case OP_WRITE:
		/*
		 * x86's EPT-misconfig exit tries the fast-MMIO bus first, with no
		 * length and no data; done when the guest saw a length-0 ioeventfd.
		 */
		r = -1;
		if ((seen >> 2 & 3) == KIND_IOEVENTFD_NOLEN && bus == KVM_MMIO_BUS)
			r = kvm_io_bus_write(vcpu, KVM_FAST_MMIO_BUS, addr, 0, NULL);
		if (r)
			r = kvm_io_bus_write(vcpu, bus, addr, slot_len(bus), &val);
		break;
	case OP_READ:
		r = kvm_io_bus_read(vcpu, bus, addr, slot_len(bus), &val);
		break;
	case OP_WRITE_COOKIE:
		r = kvm_io_bus_write_cookie(vcpu, bus, addr, slot_len(bus), &val, (op >> IN_VCPU_COOKIE_SHIFT) & 3);
		break;
	case OP_GET_DEV: {
		struct kvm_io_device *d = kvm_io_bus_get_dev(kvm, bus, addr);

		if (d) {
			sim_check_live(d, &harness_site, "kvm_io_bus_get_dev() result");
			h.reached[tid] = reach_of_dev(d);
		}
		break;
	}
	}
	if (sim_eventfd_signalled_by(tid) >= 0 && sim_eventfd_signalled_by(tid) < h.nefd) {
		int serial = sim_eventfd_signalled_by(tid);

		h.reached[tid] = (struct reach){ KIND_IOEVENTFD, h.efd_of[serial].slot, h.efd_of[serial].epoch };
	}
	/*
	 * A memslot found stays usable to the end of the read section: the
	 * exit handler reads guest memory through it (its hva), as the
	 * emulator does after the access.
	 */
	if (ms) {
		static const struct sim_site s = { "fuzz/harness.c", __LINE__, "memslot use" };

		sim_check_live(ms, &s, "memslot found by kvm_vcpu_gfn_to_memslot() in this read section");
	}
	if (zone)
		now_in_ring = ring_count(addr, slot_len(bus), val);
	check_ordering(slot, seen, op, bus, r, zone && now_in_ring > in_ring);
#ifndef BUSFUZZ_NATIVE	/* on native threads the list would be shared unlocked */
	if (zone && now_in_ring > in_ring)
		ring_landed(addr, slot_len(bus), val, now_in_ring);
	if (h.nlanded)
		ring_check_kept();
#endif
}

/*
 * arm64's vGIC (kvm_vgic_map_resources(), modelled: the tree's function is
 * arch code busfuzz does not build): at its first run a vCPU checks
 * dist->ready; if unset, it takes slots_lock, registers the distributor's
 * MMIO device and sets ready.  How ready is read and set comes from the
 * tree's vgic-init.c: smp_load_acquire()/smp_store_release() (7.x), or plain
 * accesses (6.x, modelled as READ_ONCE()/WRITE_ONCE(): marked, no ordering)
 * that relied on register's synchronize_srcu().  A vCPU past this point has
 * seen ready, so its accesses to the distributor (slot 3 of its ops) must
 * reach it.
 */

static int vgic_map_resources(struct kvm *kvm)
{
	struct test_dev *d;
	int r = 0;

	if (VGIC_ACQUIRE ? smp_load_acquire(&h.vgic_ready) : READ_ONCE(h.vgic_ready))
		return 0;
	mutex_lock(&kvm->slots_lock);
	if (h.vgic_ready)	/* under slots_lock: the newest value */
		goto out;
	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d) {
		r = -ENOMEM;
		goto out;
	}
	kvm_iodevice_init(&d->dev, &test_ops);
	d->slot = VGIC_SLOT;
	d->epoch = VGIC_EPOCH;
	sim_obj_label(d, "(vGIC distributor)");
	r = kvm_io_bus_register_dev(kvm, KVM_MMIO_BUS, VGIC_DIST_BASE, VGIC_DIST_SIZE, &d->dev);
	if (r < 0) {
		kfree(d);
		goto out;
	}
	if (VGIC_RELEASE)
		smp_store_release(&h.vgic_ready, 1);
	else
		WRITE_ONCE(h.vgic_ready, 1);
out:
	mutex_unlock(&kvm->slots_lock);
	return r;	/* an error: the kernel marks the VM dead, the vCPU does not run */
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
	int id = (int)(long)arg;
	struct kvm *kvm = h.kvm;
	struct kvm_vcpu *vcpu;
	bool in_section = false;
	int idx = 0;

	/* KVM_CREATE_VCPU: the new vCPU's fd holds its own VM reference. */
	if (h.sc.create_first) {
		vcpu = h.created[id];
	} else {
		vcpu = create_vcpu(kvm, id);
		kvm_put_kvm(kvm);	/* the VM fd's use by the ioctl ends */
	}
	if (!vcpu)
		return;		/* -ENOMEM (failslab): userspace gives up on this vCPU */
	if (h.sc.vgic && vgic_map_resources(kvm) < 0) {
		kvm_put_kvm(kvm);
		return;
	}
	for (int i = 0; i < h.sc.nvops; i++) {
		uint8_t op = h.sc.vcpu_op[vcpu->vcpu_id][i];
		int slot = (op >> IN_VCPU_SLOT_SHIFT) & 3;
		unsigned long seen;

		if ((op & IN_VCPU_EMULATED) && in_section) {
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
		vcpu_access(vcpu, op, seen, i);
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

/* ---- the kernel's globals, after an execution given up ---- */

extern char __start_busfuzz_kdata[] __attribute__((weak)), __stop_busfuzz_kdata[] __attribute__((weak));
extern char __start_busfuzz_kbss[] __attribute__((weak)), __stop_busfuzz_kbss[] __attribute__((weak));
static char *kdata_pristine, *kbss_pristine;

/* The sections hold ASan's redzones between the globals: copied whole, unchecked. */
__attribute__((no_sanitize("address", "thread")))
static void copy_section(volatile char *dst, const volatile char *src, size_t n)
{
	while (n--)
		*dst++ = *src++;
}

static char *snapshot(char *start, char *stop)
{
	char *copy = start ? malloc(stop - start + 1) : NULL;

	if (start && !copy)
		sim_fatal("cannot snapshot the kernel's globals");
	if (copy)
		copy_section(copy, start, stop - start);
	return copy;
}

static void kernel_globals_snapshot(void)
{
	kdata_pristine = snapshot(__start_busfuzz_kdata, __stop_busfuzz_kdata);
	kbss_pristine = snapshot(__start_busfuzz_kbss, __stop_busfuzz_kbss);
}

/* The previous execution stopped halfway: the kernel's globals are as it left them. */
static void kernel_globals_restore(void)
{
	if (kdata_pristine)
		copy_section(__start_busfuzz_kdata, kdata_pristine, __stop_busfuzz_kdata - __start_busfuzz_kdata);
	if (kbss_pristine)
		copy_section(__start_busfuzz_kbss, kbss_pristine, __stop_busfuzz_kbss - __start_busfuzz_kbss);
}

static struct kmem_cache vcpu_cache = { sizeof(struct kvm_vcpu), "kvm_vcpu" };

int busfuzz_run_one(const uint8_t *data, size_t size, const struct busfuzz_opts *o)
{
	struct sim_config cfg = {
		.trace = o->trace,
		.abort_on_finding = o->abort_on_finding,
		.abandon_dropped = o->abandon_dropped,
		.model = o->model,
		.srcu = o->srcu,
		.strategy = o->strategy,
		.seed = o->seed,
		.pct_depth = o->pct_depth,
		.pct_steps = o->pct_steps,
		.preempt_bounded = o->preempt_bounded,
		.preempt_bound = o->preempt_bound,
	};

	static bool snapped;

	if (!snapped) {
		kernel_globals_snapshot();
		snapped = true;
	} else if (sim_abandoned()) {
		kernel_globals_restore();
	}
	sim_begin(&cfg, data, size);
	memset(&h, 0, sizeof(h));
	/* kvm_init()'s kmem_cache_create_usercopy(): the simulated arch adds nothing to struct kvm_vcpu. */
	kvm_vcpu_cache = &vcpu_cache;
	for (int s = 0; s < NSLOTS; s++)
		h.kind[s] = -1;
	for (int i = 0; i < IN_MAX_MEMSLOTS; i++)
		h.ms_pos[i] = -1;
	sim_eventfd_reset();
	sim_ghost(h.kind, (size_t)((char *)(&h + 1) - (char *)h.kind));	/* the checker's state, to its end */
	decode(&h.sc);
	sim_cfg.failslab = h.sc.failslab;
	/* x86 with SMM: two memslot address spaces (at most what the tree's struct kvm holds). */
#ifdef KVM_MAX_NR_ADDRESS_SPACES
	sim_memslot_as_ids = h.sc.x86 ? KVM_MAX_NR_ADDRESS_SPACES : 1;
#else
	sim_memslot_as_ids = 1;
#endif
	sim_set_reach_fn(bus_reaches);
	sim_srcu_start_worker();
	sim_thread_create("ioctl", ioctl_thread, NULL, false);
	if (o->trace)
		printf("scenario: %d vCPU(s), %d ioctl op(s), %d op(s) per vCPU, failslab %s, "
		       "smp_rmb() in the emulation loop %s, vGIC %s, vCPUs created %s, x86 APIC access page memslot %s, "
		       "kernel %s, model %s, srcu %s\n",
		       h.sc.nvcpus, h.sc.nioctl, h.sc.nvops, h.sc.failslab ? "on" : "off",
		       h.sc.emul_rmb ? "yes" : "no",
		       !h.sc.vgic ? "off" : VGIC_ACQUIRE && VGIC_RELEASE ? "on (acquire/release)" :
		       VGIC_ACQUIRE ? "on (acquire, WRITE_ONCE)" : VGIC_RELEASE ? "on (READ_ONCE, release)" :
		       "on (plain ready)",
		       h.sc.create_first ? "first, by the ioctl thread" : "by their own threads",
		       h.sc.x86 ? "on" : "off", BUSFUZZ_TREE_VERSION,
		       sim_model_name[cfg.model], sim_srcu_mode_name[cfg.srcu]);
	sim_run();
	sim_end();
	if (o->trace)
		sim_trace_print();
	return 0;
}

/* busfuzz cost: the VMM sequence, in this unit for the helpers above (not on native threads: no clock there). */
#ifndef BUSFUZZ_NATIVE
#include "cost_vmm.c"
#endif
