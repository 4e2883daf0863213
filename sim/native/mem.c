// SPDX-License-Identifier: GPL-2.0-only
/*
 * Native backend, marked accesses: real atomics with the C11 order closest
 * to each kernel primitive.  READ_ONCE/WRITE_ONCE are relaxed, release and
 * acquire are themselves, rcu/srcu_dereference is a consume load (acquire in
 * practice: compilers promote it), fully ordered RMWs are seq_cst RMWs with a
 * full fence on each side (the kernel's smp_mb() before and after), and
 * smp_mb()/smp_rmb()/smp_wmb() are seq_cst/acquire/release fences.  On x86
 * the hardware gives TSO whatever the order says, so what stress can see of
 * weak memory is only the compiler's reordering and store buffering.
 */
#include "native.h"

#include <string.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
void AnnotateBenignRaceSized(const char *file, int line, const volatile void *mem, long size,
			     const char *description);
#define NATIVE_TSAN 1
#endif
#endif

/* The checker's state: its races are the checker's, not the kernel's (only TSan cares). */
void sim_ghost(const void *p, size_t len)
{
#ifdef NATIVE_TSAN
	AnnotateBenignRaceSized(__FILE__, __LINE__, p, (long)len, "the checker's ghost state");
#else
	(void)p;
	(void)len;
#endif
}

static int c11(enum sim_order o)
{
	switch (o) {
	case SIM_ONCE:
		return __ATOMIC_RELAXED;
	case SIM_ACQUIRE:
		return __ATOMIC_ACQUIRE;
	case SIM_RELEASE:
		return __ATOMIC_RELEASE;
	case SIM_DEREF:
		return __ATOMIC_CONSUME;
	case SIM_FULL:
		return __ATOMIC_SEQ_CST;
	case SIM_PLAIN:
		break;
	}
	return -1;
}

uint64_t sim_load(const void *addr, size_t size, enum sim_order o, const struct sim_site *site)
{
	uint64_t v = 0;
	int mo = c11(o);

	sim_preempt(site);
	if (mo < 0) {
		/* rcu_dereference_protected(): a plain load (its lock orders it). */
		memcpy(&v, addr, size);
		return v;
	}
	if (mo == __ATOMIC_RELEASE || mo == __ATOMIC_SEQ_CST)
		sim_fatal("sim_load: %s at %s:%d: a load with order %d", site->what, site->file,
			  site->line, (int)o);
	switch (size) {
	case 1: return __atomic_load_n((const uint8_t *)addr, mo);
	case 2: return __atomic_load_n((const uint16_t *)addr, mo);
	case 4: return __atomic_load_n((const uint32_t *)addr, mo);
	case 8: return __atomic_load_n((const uint64_t *)addr, mo);
	}
	sim_fatal("sim_load: %s at %s:%d: a marked access of %zu bytes", site->what, site->file,
		  site->line, size);
}

void sim_store(void *addr, uint64_t val, size_t size, enum sim_order o, const struct sim_site *site)
{
	int mo = c11(o);

	sim_preempt(site);
	sim_native_check_watch(addr, site);
	if (mo < 0) {
		memcpy(addr, &val, size);
		return;
	}
	if (mo != __ATOMIC_RELAXED && mo != __ATOMIC_RELEASE)
		sim_fatal("sim_store: %s at %s:%d: a store with order %d", site->what, site->file,
			  site->line, (int)o);
	switch (size) {
	case 1: __atomic_store_n((uint8_t *)addr, (uint8_t)val, mo); return;
	case 2: __atomic_store_n((uint16_t *)addr, (uint16_t)val, mo); return;
	case 4: __atomic_store_n((uint32_t *)addr, (uint32_t)val, mo); return;
	case 8: __atomic_store_n((uint64_t *)addr, val, mo); return;
	}
	sim_fatal("sim_store: %s at %s:%d: a marked access of %zu bytes", site->what, site->file,
		  site->line, size);
}

#define RMW(T, p, op, arg, cmp, mo) ({						\
	T __old;								\
	switch (op) {								\
	case SIM_RMW_ADD: __old = __atomic_fetch_add((T *)(p), (T)(arg), mo); break; \
	case SIM_RMW_AND: __old = __atomic_fetch_and((T *)(p), (T)(arg), mo); break; \
	case SIM_RMW_OR: __old = __atomic_fetch_or((T *)(p), (T)(arg), mo); break; \
	case SIM_RMW_XOR: __old = __atomic_fetch_xor((T *)(p), (T)(arg), mo); break; \
	case SIM_RMW_ANDNOT: __old = __atomic_fetch_and((T *)(p), (T)~(T)(arg), mo); break; \
	case SIM_RMW_XCHG: __old = __atomic_exchange_n((T *)(p), (T)(arg), mo); break; \
	default:								\
		__old = (T)(cmp);						\
		/* A failed cmpxchg orders nothing (LKMM): relaxed on failure. */ \
		__atomic_compare_exchange_n((T *)(p), &__old, (T)(arg), false, mo, __ATOMIC_RELAXED); \
		break;								\
	}									\
	(uint64_t)__old; })

uint64_t sim_rmw(void *addr, size_t size, enum sim_rmw_op op, uint64_t arg, uint64_t cmp,
		 enum sim_order o, const struct sim_site *site)
{
	int mo = c11(o);
	uint64_t old;

	sim_preempt(site);
	sim_native_check_watch(addr, site);
	if (mo < 0 || o == SIM_DEREF)
		sim_fatal("sim_rmw: %s at %s:%d: an RMW with order %d", site->what, site->file,
			  site->line, (int)o);
	if (o == SIM_FULL)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	switch (size) {
	case 1: old = RMW(uint8_t, addr, op, arg, cmp, mo); break;
	case 2: old = RMW(uint16_t, addr, op, arg, cmp, mo); break;
	case 4: old = RMW(uint32_t, addr, op, arg, cmp, mo); break;
	case 8: old = RMW(uint64_t, addr, op, arg, cmp, mo); break;
	default:
		sim_fatal("sim_rmw: %s at %s:%d: a marked access of %zu bytes", site->what,
			  site->file, site->line, size);
	}
	if (o == SIM_FULL)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return old;
}

void sim_fence(enum sim_fence f, const struct sim_site *site)
{
	sim_preempt(site);
	switch (f) {
	case SIM_RMB:
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		break;
	case SIM_WMB:
		__atomic_thread_fence(__ATOMIC_RELEASE);
		break;
	default:
		/* smp_mb() and every smp_mb__*(): full fences (the documented ones). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		break;
	}
}
