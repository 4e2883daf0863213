/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/*
 * From here to <linux/sim_plain_once_end.h>, WRITE_ONCE() is a plain store
 * (the rb-tree code the memslots are made of: kernel-shim/linux/kvm_host.h
 * says why).  No include guard: it is included once per region.
 */
#pragma push_macro("WRITE_ONCE")
#undef WRITE_ONCE
#define WRITE_ONCE(x, val) ((void)((x) = (val)))
