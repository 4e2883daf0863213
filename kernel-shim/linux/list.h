/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/*
 * Lists of objects only their owner touches, under its lock (no list here is
 * shared unlocked), so links are plain C.  CONFIG_DEBUG_LIST's checks are
 * findings of class "list" (an entry deleted twice, a walk reaching a
 * poisoned link, neighbours that do not point back), and a link inside a
 * freed object is a use-after-free: both show on the plain replay build.
 */
#ifndef BUSFUZZ_SHIM_LINUX_LIST_H
#define BUSFUZZ_SHIM_LINUX_LIST_H

#include <linux/kernel.h>
#include <linux/compiler.h>

#define LIST_POISON1 ((struct list_head *)0x100)
#define LIST_POISON2 ((struct list_head *)0x122)

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
#define INIT_HLIST_HEAD(h) ((h)->first = NULL)
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l->prev = l; }

static inline bool sim_list_poisoned(const struct list_head *p)
{
	return p == LIST_POISON1 || p == LIST_POISON2;
}

static inline void sim_list_add_check(struct list_head *n, struct list_head *prev, struct list_head *next,
				      const struct sim_site *site)
{
	sim_check_live_within(prev, site, "list_add (prev)");
	sim_check_live_within(next, site, "list_add (next)");
	if (sim_list_poisoned(prev) || sim_list_poisoned(next) || next->prev != prev || prev->next != next)
		sim_finding(SIM_F_LIST, site, "list_add corruption: prev->next and next->prev do not point at each other");
	if (n == prev || n == next)
		sim_finding(SIM_F_LIST, site, "list_add double add: the new entry is already on the list");
}

static inline void sim_list_del_check(struct list_head *e, const struct sim_site *site)
{
	sim_check_live_within(e, site, "list_del");
	if (e->next == LIST_POISON1 || e->prev == LIST_POISON2)
		sim_finding(SIM_F_LIST, site, "list_del corruption: the entry was already deleted (LIST_POISON)");
	sim_check_live_within(e->next, site, "list_del (next)");
	sim_check_live_within(e->prev, site, "list_del (prev)");
	if (e->next->prev != e || e->prev->next != e)
		sim_finding(SIM_F_LIST, site, "list_del corruption: the neighbours do not point at the entry");
}

/* The next link of an entry being walked: the entry must be alive and linked. */
static inline struct list_head *sim_list_next(struct list_head *e, const struct sim_site *site)
{
	sim_check_live_within(e, site, "list walk");
	if (sim_list_poisoned(e->next))
		sim_finding(SIM_F_LIST, site, "list walk reached an entry already deleted (LIST_POISON)");
	return e->next;
}

static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}
#define list_add(n, h) ({ struct list_head *__h = (h);					\
	sim_list_add_check(n, __h, __h->next, SIM_SITE("list_add")); __list_add(n, __h, __h->next); })
#define list_add_tail(n, h) ({ struct list_head *__h = (h);				\
	sim_list_add_check(n, __h->prev, __h, SIM_SITE("list_add_tail")); __list_add(n, __h->prev, __h); })
static inline void __list_del_entry(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = LIST_POISON1;
	e->prev = LIST_POISON2;
}
#define list_del(e) ({ struct list_head *__e = (e);						\
	sim_list_del_check(__e, SIM_SITE("list_del")); __list_del_entry(__e); })
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry(sim_list_next(ptr, SIM_SITE("list_first_entry")), type, member)
#define list_next_entry(pos, member)							\
	list_entry(sim_list_next(&(pos)->member, SIM_SITE("list_next_entry")), __typeof__(*(pos)), member)
#define list_for_each_entry(pos, head, member)					\
	for (pos = list_first_entry(head, __typeof__(*pos), member);		\
	     &pos->member != (head); pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)				\
	for (pos = list_first_entry(head, __typeof__(*pos), member),		\
	     n = list_next_entry(pos, member);					\
	     &pos->member != (head); pos = n, n = list_next_entry(n, member))

/*
 * hlists, for the memslots' id hash table (the tree's linux/hashtable.h):
 * plain links, changed only under slots_lock on the inactive memslots.
 */
#define HLIST_HEAD_INIT { .first = NULL }
static inline void INIT_HLIST_NODE(struct hlist_node *h) { h->next = NULL; h->pprev = NULL; }
static inline int hlist_unhashed(const struct hlist_node *h) { return !h->pprev; }
static inline int hlist_empty(const struct hlist_head *h) { return !h->first; }
static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	sim_check_live_within(h, SIM_SITE("hlist_add_head"), "hlist_add_head (head)");
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}
static inline void __hlist_del(struct hlist_node *n)
{
	sim_check_live_within(n, SIM_SITE("hlist_del"), "hlist_del");
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
}
static inline void hlist_del_init(struct hlist_node *n)
{
	if (!hlist_unhashed(n)) {
		__hlist_del(n);
		INIT_HLIST_NODE(n);
	}
}
#define hlist_entry(ptr, type, member) container_of(ptr, type, member)
#define hlist_entry_safe(ptr, type, member) ({ __typeof__(ptr) ____ptr = (ptr);			____ptr ? hlist_entry(____ptr, type, member) : NULL; })
#define hlist_for_each_entry(pos, head, member)							for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); pos;		     pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))
#define hlist_for_each_entry_safe(pos, n, head, member)						for (pos = hlist_entry_safe((head)->first, __typeof__(*pos), member);			     pos && ({ n = pos->member.next; 1; });						     pos = hlist_entry_safe(n, __typeof__(*pos), member))

#endif /* BUSFUZZ_SHIM_LINUX_LIST_H */
