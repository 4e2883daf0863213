/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/*
 * atomic_t, xchg() and cmpxchg(), following tools/memory-model/linux-kernel.def:
 * read/set are marked accesses, void RMWs are relaxed, value-returning ones
 * are fully ordered, and the _relaxed/_acquire/_release variants are what
 * they say.  Every one is an RMW of the memory model (sim_rmw).
 */
#ifndef BUSFUZZ_SHIM_LINUX_ATOMIC_H
#define BUSFUZZ_SHIM_LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <asm/barrier.h>

/* One RMW on lvalue x: returns the old value in x's type. */
#define __sim_rmw(x, op, arg, cmp, order, name) ({				\
	union { __typeof__(x) __v; uint64_t __u; } __o, __a = { .__u = 0 }, __c = { .__u = 0 }; \
	__a.__v = (arg);							\
	__c.__v = (cmp);							\
	__o.__u = sim_rmw((void *)&(x), sizeof(x), op, __a.__u, __c.__u, order, SIM_SITE(name)); \
	__o.__v; })

#define xchg(p, v) __sim_rmw(*(p), SIM_RMW_XCHG, v, 0, SIM_FULL, "xchg")
#define xchg_relaxed(p, v) __sim_rmw(*(p), SIM_RMW_XCHG, v, 0, SIM_ONCE, "xchg_relaxed")
#define xchg_acquire(p, v) __sim_rmw(*(p), SIM_RMW_XCHG, v, 0, SIM_ACQUIRE, "xchg_acquire")
#define xchg_release(p, v) __sim_rmw(*(p), SIM_RMW_XCHG, v, 0, SIM_RELEASE, "xchg_release")
#define cmpxchg(p, o, n) __sim_rmw(*(p), SIM_RMW_CMPXCHG, n, o, SIM_FULL, "cmpxchg")
#define cmpxchg_relaxed(p, o, n) __sim_rmw(*(p), SIM_RMW_CMPXCHG, n, o, SIM_ONCE, "cmpxchg_relaxed")
#define cmpxchg_acquire(p, o, n) __sim_rmw(*(p), SIM_RMW_CMPXCHG, n, o, SIM_ACQUIRE, "cmpxchg_acquire")
#define cmpxchg_release(p, o, n) __sim_rmw(*(p), SIM_RMW_CMPXCHG, n, o, SIM_RELEASE, "cmpxchg_release")

#define atomic_read(v) READ_ONCE((v)->counter)
#define atomic_set(v, i) WRITE_ONCE((v)->counter, (i))
#define atomic_read_acquire(v) smp_load_acquire(&(v)->counter)
#define atomic_set_release(v, i) smp_store_release(&(v)->counter, (i))
#define atomic_long_read(v) READ_ONCE((v)->counter)
#define atomic_long_set(v, i) WRITE_ONCE((v)->counter, (i))

#define __sim_aop(v, op, i, order, name) __sim_rmw((v)->counter, op, i, 0, order, name)

/* void operations: relaxed */
#define atomic_add(i, v) ((void)__sim_aop(v, SIM_RMW_ADD, (i), SIM_ONCE, "atomic_add"))
#define atomic_sub(i, v) ((void)__sim_aop(v, SIM_RMW_ADD, -(i), SIM_ONCE, "atomic_sub"))
#define atomic_and(i, v) ((void)__sim_aop(v, SIM_RMW_AND, (i), SIM_ONCE, "atomic_and"))
#define atomic_or(i, v) ((void)__sim_aop(v, SIM_RMW_OR, (i), SIM_ONCE, "atomic_or"))
#define atomic_xor(i, v) ((void)__sim_aop(v, SIM_RMW_XOR, (i), SIM_ONCE, "atomic_xor"))
#define atomic_andnot(i, v) ((void)__sim_aop(v, SIM_RMW_ANDNOT, (i), SIM_ONCE, "atomic_andnot"))
#define atomic_inc(v) atomic_add(1, v)
#define atomic_dec(v) atomic_sub(1, v)

/* value-returning: one family per ordering suffix */
#define atomic_add_return(i, v) (__sim_aop(v, SIM_RMW_ADD, (i), SIM_FULL, "atomic_add_return") + (i))
#define atomic_add_return_relaxed(i, v) (__sim_aop(v, SIM_RMW_ADD, (i), SIM_ONCE, "atomic_add_return_relaxed") + (i))
#define atomic_add_return_acquire(i, v) (__sim_aop(v, SIM_RMW_ADD, (i), SIM_ACQUIRE, "atomic_add_return_acquire") + (i))
#define atomic_add_return_release(i, v) (__sim_aop(v, SIM_RMW_ADD, (i), SIM_RELEASE, "atomic_add_return_release") + (i))
#define atomic_sub_return(i, v) (__sim_aop(v, SIM_RMW_ADD, -(i), SIM_FULL, "atomic_sub_return") - (i))
#define atomic_sub_return_relaxed(i, v) (__sim_aop(v, SIM_RMW_ADD, -(i), SIM_ONCE, "atomic_sub_return_relaxed") - (i))
#define atomic_sub_return_acquire(i, v) (__sim_aop(v, SIM_RMW_ADD, -(i), SIM_ACQUIRE, "atomic_sub_return_acquire") - (i))
#define atomic_sub_return_release(i, v) (__sim_aop(v, SIM_RMW_ADD, -(i), SIM_RELEASE, "atomic_sub_return_release") - (i))
#define atomic_inc_return(v) atomic_add_return(1, v)
#define atomic_inc_return_relaxed(v) atomic_add_return_relaxed(1, v)
#define atomic_inc_return_acquire(v) atomic_add_return_acquire(1, v)
#define atomic_inc_return_release(v) atomic_add_return_release(1, v)
#define atomic_dec_return(v) atomic_sub_return(1, v)
#define atomic_dec_return_relaxed(v) atomic_sub_return_relaxed(1, v)
#define atomic_dec_return_acquire(v) atomic_sub_return_acquire(1, v)
#define atomic_dec_return_release(v) atomic_sub_return_release(1, v)

#define atomic_fetch_add(i, v) __sim_aop(v, SIM_RMW_ADD, (i), SIM_FULL, "atomic_fetch_add")
#define atomic_fetch_add_relaxed(i, v) __sim_aop(v, SIM_RMW_ADD, (i), SIM_ONCE, "atomic_fetch_add_relaxed")
#define atomic_fetch_add_acquire(i, v) __sim_aop(v, SIM_RMW_ADD, (i), SIM_ACQUIRE, "atomic_fetch_add_acquire")
#define atomic_fetch_add_release(i, v) __sim_aop(v, SIM_RMW_ADD, (i), SIM_RELEASE, "atomic_fetch_add_release")
#define atomic_fetch_sub(i, v) __sim_aop(v, SIM_RMW_ADD, -(i), SIM_FULL, "atomic_fetch_sub")
#define atomic_fetch_sub_relaxed(i, v) __sim_aop(v, SIM_RMW_ADD, -(i), SIM_ONCE, "atomic_fetch_sub_relaxed")
#define atomic_fetch_sub_acquire(i, v) __sim_aop(v, SIM_RMW_ADD, -(i), SIM_ACQUIRE, "atomic_fetch_sub_acquire")
#define atomic_fetch_sub_release(i, v) __sim_aop(v, SIM_RMW_ADD, -(i), SIM_RELEASE, "atomic_fetch_sub_release")
#define atomic_fetch_inc(v) atomic_fetch_add(1, v)
#define atomic_fetch_inc_relaxed(v) atomic_fetch_add_relaxed(1, v)
#define atomic_fetch_inc_acquire(v) atomic_fetch_add_acquire(1, v)
#define atomic_fetch_inc_release(v) atomic_fetch_add_release(1, v)
#define atomic_fetch_dec(v) atomic_fetch_sub(1, v)
#define atomic_fetch_dec_relaxed(v) atomic_fetch_sub_relaxed(1, v)
#define atomic_fetch_dec_acquire(v) atomic_fetch_sub_acquire(1, v)
#define atomic_fetch_dec_release(v) atomic_fetch_sub_release(1, v)
#define atomic_fetch_and(i, v) __sim_aop(v, SIM_RMW_AND, (i), SIM_FULL, "atomic_fetch_and")
#define atomic_fetch_and_relaxed(i, v) __sim_aop(v, SIM_RMW_AND, (i), SIM_ONCE, "atomic_fetch_and_relaxed")
#define atomic_fetch_and_acquire(i, v) __sim_aop(v, SIM_RMW_AND, (i), SIM_ACQUIRE, "atomic_fetch_and_acquire")
#define atomic_fetch_and_release(i, v) __sim_aop(v, SIM_RMW_AND, (i), SIM_RELEASE, "atomic_fetch_and_release")
#define atomic_fetch_or(i, v) __sim_aop(v, SIM_RMW_OR, (i), SIM_FULL, "atomic_fetch_or")
#define atomic_fetch_or_relaxed(i, v) __sim_aop(v, SIM_RMW_OR, (i), SIM_ONCE, "atomic_fetch_or_relaxed")
#define atomic_fetch_or_acquire(i, v) __sim_aop(v, SIM_RMW_OR, (i), SIM_ACQUIRE, "atomic_fetch_or_acquire")
#define atomic_fetch_or_release(i, v) __sim_aop(v, SIM_RMW_OR, (i), SIM_RELEASE, "atomic_fetch_or_release")
#define atomic_fetch_xor(i, v) __sim_aop(v, SIM_RMW_XOR, (i), SIM_FULL, "atomic_fetch_xor")
#define atomic_fetch_xor_relaxed(i, v) __sim_aop(v, SIM_RMW_XOR, (i), SIM_ONCE, "atomic_fetch_xor_relaxed")
#define atomic_fetch_xor_acquire(i, v) __sim_aop(v, SIM_RMW_XOR, (i), SIM_ACQUIRE, "atomic_fetch_xor_acquire")
#define atomic_fetch_xor_release(i, v) __sim_aop(v, SIM_RMW_XOR, (i), SIM_RELEASE, "atomic_fetch_xor_release")
#define atomic_fetch_andnot(i, v) __sim_aop(v, SIM_RMW_ANDNOT, (i), SIM_FULL, "atomic_fetch_andnot")
#define atomic_fetch_andnot_relaxed(i, v) __sim_aop(v, SIM_RMW_ANDNOT, (i), SIM_ONCE, "atomic_fetch_andnot_relaxed")
#define atomic_fetch_andnot_acquire(i, v) __sim_aop(v, SIM_RMW_ANDNOT, (i), SIM_ACQUIRE, "atomic_fetch_andnot_acquire")
#define atomic_fetch_andnot_release(i, v) __sim_aop(v, SIM_RMW_ANDNOT, (i), SIM_RELEASE, "atomic_fetch_andnot_release")

#define atomic_xchg(v, i) xchg(&(v)->counter, (i))
#define atomic_xchg_relaxed(v, i) xchg_relaxed(&(v)->counter, (i))
#define atomic_xchg_acquire(v, i) xchg_acquire(&(v)->counter, (i))
#define atomic_xchg_release(v, i) xchg_release(&(v)->counter, (i))
#define atomic_cmpxchg(v, o, n) cmpxchg(&(v)->counter, (o), (n))
#define atomic_cmpxchg_relaxed(v, o, n) cmpxchg_relaxed(&(v)->counter, (o), (n))
#define atomic_cmpxchg_acquire(v, o, n) cmpxchg_acquire(&(v)->counter, (o), (n))
#define atomic_cmpxchg_release(v, o, n) cmpxchg_release(&(v)->counter, (o), (n))

#define atomic_sub_and_test(i, v) (atomic_sub_return(i, v) == 0)
#define atomic_dec_and_test(v) (atomic_dec_return(v) == 0)
#define atomic_inc_and_test(v) (atomic_inc_return(v) == 0)
#define atomic_add_negative(i, v) (atomic_add_return(i, v) < 0)
#define atomic_add_negative_relaxed(i, v) (atomic_add_return_relaxed(i, v) < 0)
#define atomic_add_negative_acquire(i, v) (atomic_add_return_acquire(i, v) < 0)
#define atomic_add_negative_release(i, v) (atomic_add_return_release(i, v) < 0)
/* Fully ordered when it adds; a plain marked load when it does not (one cmpxchg loop turn). */
#define atomic_add_unless(v, a, u) ({						\
	int __au_c = atomic_read(v), __au_ok = 0;				\
	while (__au_c != (u)) {							\
		int __au_o = atomic_cmpxchg(v, __au_c, __au_c + (a));		\
		if (__au_o == __au_c) { __au_ok = 1; break; }			\
		__au_c = __au_o;						\
	}									\
	__au_ok; })

#endif /* BUSFUZZ_SHIM_LINUX_ATOMIC_H */
