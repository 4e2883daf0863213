/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/*
 * Pages as the coalesced MMIO ring uses them: a page is a PAGE_SIZE slab
 * object (accounted, may fail under fault injection, leak-checked), and its
 * struct page is its address.
 */
#ifndef BUSFUZZ_SHIM_LINUX_MM_H
#define BUSFUZZ_SHIM_LINUX_MM_H

#include <linux/slab.h>

#ifndef PAGE_SIZE
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#endif

struct page;

#define alloc_page(gfp) ((struct page *)__sim_alloc(PAGE_SIZE, ((gfp) & __GFP_ZERO) != 0, "alloc_page"))
#define page_address(page) ((void *)(page))
#define virt_to_page(addr) ((struct page *)(addr))
/* free_page(0) does nothing, as in the kernel (sim_kfree(NULL) too). */
#define free_page(addr) sim_kfree((void *)(addr), SIM_SITE("free_page"))

#endif /* BUSFUZZ_SHIM_LINUX_MM_H */
