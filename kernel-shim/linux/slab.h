/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
#ifndef BUSFUZZ_SHIM_LINUX_SLAB_H
#define BUSFUZZ_SHIM_LINUX_SLAB_H

#include <linux/compiler.h>
#include <linux/overflow.h>

#define GFP_KERNEL 0x1u
#define GFP_KERNEL_ACCOUNT 0x3u
#define GFP_ATOMIC 0x4u
#define __GFP_ZERO 0x100u
#define __GFP_NOWARN 0x200u

/* A size that saturated (SIZE_MAX) fails, as the kernel's slab does. */
#define __sim_alloc(size, zero, name) ({					\
	size_t __sz = (size);							\
	__sz == SIZE_MAX ? NULL : sim_kmalloc(__sz, zero, SIM_SITE(name)); })

#define kmalloc(size, gfp) __sim_alloc(size, ((gfp) & __GFP_ZERO) != 0, "kmalloc")
#define kzalloc(size, gfp) __sim_alloc(size, true, "kzalloc")
#define kvmalloc(size, gfp) __sim_alloc(size, ((gfp) & __GFP_ZERO) != 0, "kvmalloc")
#define kvzalloc(size, gfp) __sim_alloc(size, true, "kvzalloc")
#define kcalloc(n, size, gfp) __sim_alloc(size_mul(n, size), true, "kcalloc")
#define kmalloc_array(n, size, gfp) __sim_alloc(size_mul(n, size), false, "kmalloc_array")
/* 7.x typed allocators: VAR_OR_TYPE is an object or a type. */
#define kmalloc_obj(v, ...) ((__typeof__(v) *)__sim_alloc(sizeof(__typeof__(v)), false, "kmalloc_obj"))
#define kzalloc_obj(v, ...) ((__typeof__(v) *)__sim_alloc(sizeof(__typeof__(v)), true, "kzalloc_obj"))
#define kmalloc_flex(v, fam, count, ...)					\
	((__typeof__(v) *)__sim_alloc(struct_size_t(__typeof__(v), fam, count), false, "kmalloc_flex"))
#define kzalloc_flex(v, fam, count, ...)					\
	((__typeof__(v) *)__sim_alloc(struct_size_t(__typeof__(v), fam, count), true, "kzalloc_flex"))
#define kfree(p) sim_kfree(p, SIM_SITE("kfree"))
/* A cache is its object size (struct kmem_cache placeholder, placeholders.def). */
#define kmem_cache_zalloc(c, gfp) __sim_alloc((c)->size, true, "kmem_cache_zalloc")
#define kmem_cache_free(c, p) sim_kfree(p, SIM_SITE("kmem_cache_free"))
#define kvfree(p) sim_kfree(p, SIM_SITE("kvfree"))

/* The dirty bitmap's (kvm_destroy_dirty_bitmap()); never allocated here: no slot logs dirty pages. */
#define vfree(p) sim_kfree(p, SIM_SITE("vfree"))

#endif /* BUSFUZZ_SHIM_LINUX_SLAB_H */
