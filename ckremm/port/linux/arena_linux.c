// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Linux port's arenas (see ckremm_target.h).  An arena is an array of
 * pages of the port's own and one view of them, made by vmap(), whose
 * address is the arena's.  Every page of
 * the arena, and the filler page that the view maps where the arena has
 * no page, carries the arena's record in its page_private(), so that the
 * record is found from the view's first page, whichever that is.
 *
 * A move (ckremm_arena_move_prepare(), _install(), _finish()) changes the
 * pages by making a new view beside the old one.  Moves of one arena are
 * made one at a time (the paging module marks the pool while one is
 * under way), so only they change the record, and only install, under
 * the pool lock, changes what the pool sees.
 *
 * Mappings to userspace (ckremm/dev/) fault pages in: the fault finds the
 * page in the record's array under RCU, takes a reference, locks the page
 * and checks that the array still holds it before the page goes into a
 * page table, which the fault does with the page still locked.  A move
 * that takes pages away installs the new array, then locks and unlocks
 * each page it takes (so that every fault that found it in the old array
 * has either put it in a page table or seen it gone), then takes the
 * pages out of the mappings (@unmap), waits for RCU readers of the old
 * array, and only then frees the pages, as shmem's truncation locks each
 * page it takes out of the page cache.
 */

#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ckremm_port.h"

#define CKREMM_ARENA_GFP (GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN | \
			  __GFP_RETRY_MAYFAIL | __GFP_HIGHMEM)

/**
 * struct ckremm_arena - the port's record of an arena
 * @pages: the page of each slot of the view (@filler where the arena has
 *	none)
 * @filler: a zeroed page mapped where the arena has no page, or NULL
 *	until a purge first needs it
 * @count: slots of the view
 * @view: the view, the arena's address
 * @unmap: if set, called when pages leave the arena, to take them out of
 *	the mappings to userspace that ckremm_arena_get_page() fed
 * @unmap_data: @unmap's first argument
 */
struct ckremm_arena {
	struct page **pages;
	struct page *filler;
	unsigned long count;
	void *view;
	void (*unmap)(void *data, size_t offset, size_t len);
	void *unmap_data;
};

static struct ckremm_arena *ckremm_arena_of(void *arena)
{
	return (struct ckremm_arena *)page_private(vmalloc_to_page(arena));
}

static struct page *ckremm_arena_page(struct ckremm_arena *a)
{
	struct page *page = alloc_page(CKREMM_ARENA_GFP);

	if (page)
		set_page_private(page, (unsigned long)a);
	return page;
}

static void ckremm_arena_put_page(struct page *page)
{
	set_page_private(page, 0);
	__free_page(page);
}

/* Free the pages of @pages[@first, @last) that are the arena's own. */
static void ckremm_arena_put_pages(struct ckremm_arena *a, struct page **pages,
				   unsigned long first, unsigned long last)
{
	unsigned long i;

	for (i = first; i < last; i++) {
		if (pages[i] != a->filler)
			ckremm_arena_put_page(pages[i]);
		if (!(i % 1024))
			cond_resched();
	}
}

/*
 * Give every slot of @pages[@first, @last), each mapping the filler (or
 * nothing, before the arena has a filler), a fresh page.  False if memory
 * ran out: the slots then map the filler again.
 */
static bool ckremm_arena_fill(struct ckremm_arena *a, struct page **pages,
			      unsigned long first, unsigned long last)
{
	unsigned long i;

	for (i = first; i < last; i++) {
		pages[i] = ckremm_arena_page(a);
		if (!pages[i])
			goto err;
		if (!(i % 1024))
			cond_resched();
	}
	return true;
err:
	while (i-- > first) {
		ckremm_arena_put_page(pages[i]);
		pages[i] = a->filler;
	}
	return false;
}

void *ckremm_arena_alloc(size_t size)
{
	struct ckremm_arena *a;

	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return NULL;
	a->count = DIV_ROUND_UP(size, PAGE_SIZE);
	a->pages = kvcalloc(a->count, sizeof(*a->pages),
			    GFP_KERNEL_ACCOUNT | __GFP_NOWARN |
			    __GFP_RETRY_MAYFAIL);
	if (!a->pages)
		goto err_free;
	if (!ckremm_arena_fill(a, a->pages, 0, a->count))
		goto err_pages;
	a->view = vmap(a->pages, a->count, VM_MAP, PAGE_KERNEL);
	if (a->view)
		return a->view;
	ckremm_arena_put_pages(a, a->pages, 0, a->count);
err_pages:
	kvfree(a->pages);
err_free:
	kfree(a);
	return NULL;
}

/**
 * ckremm_arena_record() - the port's record of an arena, for the device
 * @arena: the arena's address now (its pool may not move it meanwhile)
 *
 * The record stays the same for the arena's life, whichever view the
 * arena is seen through.
 *
 * Context: Any context.
 * Return: the record.
 */
struct ckremm_arena *ckremm_arena_record(void *arena)
{
	return ckremm_arena_of(arena);
}

/**
 * ckremm_arena_set_unmap() - be told of pages that leave an arena
 * @a: the record
 * @unmap: called with @data, the arena offset and the length of the pages
 *	that leave, after the move that took them is installed and before
 *	they are freed, in process context
 * @data: @unmap's first argument
 *
 * Set once, before the first page of the arena is mapped to userspace.
 *
 * Context: Any context.
 */
void ckremm_arena_set_unmap(struct ckremm_arena *a,
			    void (*unmap)(void *data, size_t offset, size_t len),
			    void *data)
{
	WRITE_ONCE(a->unmap_data, data);
	WRITE_ONCE(a->unmap, unmap);
	/* Pairs with ckremm_arena_move_finish()'s: see there. */
	smp_mb();
}

/**
 * ckremm_arena_get_page() - the page at an arena offset, for a fault
 * @a: the record
 * @index: the page's index in the arena
 *
 * Context: Any context.
 * Return: the page with a reference taken, or NULL if the arena has none
 * there (given back, or beyond the arena).  Before the page goes into a
 * page table, lock it and check ckremm_arena_has_page().
 */
struct page *ckremm_arena_get_page(struct ckremm_arena *a, unsigned long index)
{
	struct page *page = NULL;
	struct page **pages;

	if (index >= a->count)
		return NULL;
	rcu_read_lock();
	/* Pairs with ckremm_arena_move_install(): the slots come with it. */
	pages = smp_load_acquire(&a->pages);
	if (pages[index] != READ_ONCE(a->filler)) {
		page = pages[index];
		get_page(page);
	}
	rcu_read_unlock();
	return page;
}

/**
 * ckremm_arena_has_page() - whether a page is still the arena's
 * @a: the record
 * @index: the page's index in the arena
 * @page: the page ckremm_arena_get_page() gave, locked by the caller
 *
 * Context: Any context.
 * Return: true if @page is at @index: no move took it before the caller
 * locked it, and none will free it before the caller unlocks it.
 */
bool ckremm_arena_has_page(struct ckremm_arena *a, unsigned long index,
			   struct page *page)
{
	bool has;

	rcu_read_lock();
	has = READ_ONCE(a->pages)[index] == page;
	rcu_read_unlock();
	return has;
}

void ckremm_arena_free(void *arena)
{
	struct ckremm_arena *a = ckremm_arena_of(arena);

	vunmap(a->view);
	ckremm_arena_put_pages(a, a->pages, 0, a->count);
	if (a->filler)
		ckremm_arena_put_page(a->filler);
	kvfree(a->pages);
	kfree(a);
}

/**
 * ckremm_arena_move_prepare() - make the view an arena's pages will have
 * @arena: the arena, as the pool sees it now
 * @offset: first byte of the pages to change, page-aligned
 * @len: bytes of them, page-aligned
 * @commit: give the slots, which hold no page of the arena, fresh zeroed
 *	pages; or take their pages away
 * @mv: the move, for ckremm_arena_move_install() or _finish()
 *
 * The new view shares every other page with the arena's present one, so
 * what is written through either is seen through both until the install.
 * Fresh pages are charged to the memory cgroup of the caller (or the one
 * set_active_memcg() names).
 *
 * Context: Process context, the pool lock dropped; may sleep.
 * Return: 0; -ENOMEM, or -EINVAL for pages outside the arena (@mv is
 * then empty and needs no finish).
 */
int ckremm_arena_move_prepare(void *arena, size_t offset, size_t len,
			      bool commit, struct ckremm_arena_move *mv)
{
	struct ckremm_arena *a = ckremm_arena_of(arena);
	unsigned long first = offset >> PAGE_SHIFT;
	unsigned long last = first + (len >> PAGE_SHIFT);
	unsigned long i;

	memset(mv, 0, sizeof(*mv));
	if (WARN_ON_ONCE(last > a->count || last < first))
		return -EINVAL;
	if (!a->filler) {
		struct page *filler = ckremm_arena_page(a);

		if (!filler)
			return -ENOMEM;
		/* Faults read it: see ckremm_arena_get_page(). */
		WRITE_ONCE(a->filler, filler);
	}
	mv->pages = kvmalloc_array(a->count, sizeof(*mv->pages),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!mv->pages)
		return -ENOMEM;
	memcpy(mv->pages, a->pages, a->count * sizeof(*mv->pages));
	if (commit) {
		if (!ckremm_arena_fill(a, mv->pages, first, last))
			goto err_free;
	} else {
		for (i = first; i < last; i++)
			mv->pages[i] = a->filler;
	}
	mv->view = vmap(mv->pages, a->count, VM_MAP, PAGE_KERNEL);
	if (!mv->view)
		goto err_pages;
	mv->arena = a;
	mv->offset = offset;
	mv->len = len;
	mv->commit = commit;
	return 0;

err_pages:
	if (commit)
		ckremm_arena_put_pages(a, mv->pages, first, last);
err_free:
	kvfree(mv->pages);
	mv->pages = NULL;
	return -ENOMEM;
}

/**
 * ckremm_arena_move_install() - make a prepared view the arena's
 * @mv: the move
 *
 * Context: Any context, under the pool lock; constant time.
 * Return: the arena's new address.
 */
void *ckremm_arena_move_install(struct ckremm_arena_move *mv)
{
	struct ckremm_arena *a = mv->arena;

	mv->old_pages = a->pages;
	mv->old_view = a->view;
	/* The new array's slots are written: publish them with it. */
	smp_store_release(&a->pages, mv->pages);
	a->view = mv->view;
	mv->installed = true;
	return a->view;
}

/*
 * Pages @gone[@first, @last) have left the arena, whose mappings to
 * userspace @unmap serves: wait for the faults that found them to end,
 * and take them out of the mappings.
 */
static void ckremm_arena_unmap(struct ckremm_arena *a,
			       void (*unmap)(void *data, size_t offset,
					     size_t len),
			       struct page **gone, unsigned long first,
			       unsigned long last)
{
	unsigned long i;

	for (i = first; i < last; i++) {
		lock_page(gone[i]);
		unlock_page(gone[i]);
	}
	unmap(READ_ONCE(a->unmap_data), first << PAGE_SHIFT,
	      (last - first) << PAGE_SHIFT);
}

/**
 * ckremm_arena_move_finish() - release what a move left over
 * @mv: the move, installed or not
 *
 * Installed: unmaps the old view and frees the pages given back (their
 * charge leaves the memory cgroup).  Not installed: unmaps the new view
 * and frees the pages it committed; the arena is as it was.
 *
 * Context: Process context, the pool lock dropped; may sleep.
 */
void ckremm_arena_move_finish(struct ckremm_arena_move *mv)
{
	struct ckremm_arena *a = mv->arena;
	unsigned long first = mv->offset >> PAGE_SHIFT;
	unsigned long last = first + (mv->len >> PAGE_SHIFT);
	void (*unmap)(void *data, size_t offset, size_t len);
	struct page **gone;

	if (!a)
		return;
	if (!mv->installed) {
		vunmap(mv->view);
		if (mv->commit)
			ckremm_arena_put_pages(a, mv->pages, first, last);
		kvfree(mv->pages);
		memset(mv, 0, sizeof(*mv));
		return;
	}
	vunmap(mv->old_view);
	gone = mv->old_pages;
	/*
	 * A fault reads the array after the mapping's ckremm_arena_set_unmap():
	 * either it read the new array, or @unmap is seen here.
	 */
	smp_mb();
	unmap = READ_ONCE(a->unmap);
	if (unmap) {
		if (!mv->commit)
			ckremm_arena_unmap(a, unmap, gone, first, last);
		/* Faults may still read the old array. */
		synchronize_rcu();
	}
	if (!mv->commit)
		ckremm_arena_put_pages(a, gone, first, last);
	kvfree(gone);
	memset(mv, 0, sizeof(*mv));
}
