/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/*
 * RCU lists as linux/hashtable.h's inline helpers name them.  No memslot
 * hash table is walked under RCU (lookups are under slots_lock or on the
 * active memslots, which are not changed in place), so the unlinking is
 * the plain one.
 */
#ifndef BUSFUZZ_SHIM_LINUX_RCULIST_H
#define BUSFUZZ_SHIM_LINUX_RCULIST_H

#include <linux/list.h>

#define hlist_del_init_rcu(n) hlist_del_init(n)

#endif /* BUSFUZZ_SHIM_LINUX_RCULIST_H */
