// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* Host arenas, diagnostics and randomness for the ckremm port layer. */
#ifdef CKREMM_HOST_ARENA_MOVES
#define _GNU_SOURCE	/* memfd_create(), fallocate() */
#include <fcntl.h>
#endif
#include <stdarg.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ckremm_port.h"

unsigned long ckremm_host_warnings;
unsigned long ckremm_host_nowait_failures;
void (*ckremm_host_nowait_hook)(void *arg);
void *ckremm_host_nowait_arg;

bool ckremm_host_purge_protect;
unsigned long ckremm_host_commit_failures;
void (*ckremm_host_purge_hook)(void *arg);
void *ckremm_host_purge_arg;
unsigned long ckremm_host_purged_bytes;
unsigned long ckremm_host_committed_bytes;

/* Take one of @counter's failures, if it has any left. */
static bool ckremm_host_fail(unsigned long *counter)
{
	unsigned long left = __atomic_load_n(counter, __ATOMIC_RELAXED);

	while (left) {
		if (__atomic_compare_exchange_n(counter, &left, left - 1, false,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

#ifdef CKREMM_HOST_ARENA_MOVES
unsigned long ckremm_host_view_failures;

/*
 * A moving arena (see ckremm_target.h): a memfd of the arena's size, seen
 * through one shared mapping of it at a time, and more while a move is
 * under way.  The arenas are in a list, found by their present view.
 */
struct ckremm_host_arena {
	struct ckremm_host_arena *next;
	int fd;
	size_t len;		/* bytes of the file and of each view */
	u8 *view;		/* the arena's address now */
	u8 *purged;		/* per page: given back */
};

static struct ckremm_host_arena *ckremm_host_arenas;
static struct ckremm_lock ckremm_host_arenas_lock;

static struct ckremm_host_arena *ckremm_host_arena_of(void *view)
{
	struct ckremm_host_arena *a;
	unsigned long flags = ckremm_lock(&ckremm_host_arenas_lock);

	for (a = ckremm_host_arenas; a->view != view; a = a->next)
		;
	ckremm_unlock(&ckremm_host_arenas_lock, flags);
	return a;
}

/* A new view of @a's file, its purged pages PROT_NONE if protecting. */
static void *ckremm_host_view(struct ckremm_host_arena *a)
{
	size_t p, pages = a->len / CKREMM_PAGE_SIZE;
	u8 *view = MAP_FAILED;

	if (!ckremm_host_fail(&ckremm_host_view_failures))
		view = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			    a->fd, 0);
	if (view == MAP_FAILED)
		return NULL;
	for (p = 0; ckremm_host_purge_protect && p < pages; p++) {
		if (a->purged[p])
			mprotect(view + p * CKREMM_PAGE_SIZE, CKREMM_PAGE_SIZE,
				 PROT_NONE);
	}
	return view;
}

/* Mark @a's pages in [@offset, @offset + @len) as given back, or not. */
static void ckremm_host_mark(struct ckremm_host_arena *a, size_t offset,
			     size_t len, u8 purged)
{
	memset(a->purged + offset / CKREMM_PAGE_SIZE, purged,
	       len / CKREMM_PAGE_SIZE);
}

void *ckremm_arena_alloc(size_t size)
{
	struct ckremm_host_arena *a = calloc(1, sizeof(*a));
	unsigned long flags;

	if (!a)
		return NULL;
	a->len = (size + CKREMM_PAGE_SIZE - 1) & ~(CKREMM_PAGE_SIZE - 1);
	a->purged = calloc(a->len / CKREMM_PAGE_SIZE + 1, 1);
	a->fd = memfd_create("ckremm-arena", 0);
	if (a->purged && a->fd >= 0 && !ftruncate(a->fd, (off_t)a->len))
		a->view = ckremm_host_view(a);
	if (!a->view) {
		if (a->fd >= 0)
			close(a->fd);
		free(a->purged);
		free(a);
		return NULL;
	}
	flags = ckremm_lock(&ckremm_host_arenas_lock);
	a->next = ckremm_host_arenas;
	ckremm_host_arenas = a;
	ckremm_unlock(&ckremm_host_arenas_lock, flags);
	return a->view;
}

void ckremm_arena_free(void *arena)
{
	struct ckremm_host_arena *a, **at;
	unsigned long flags;

	if (!arena)
		return;
	a = ckremm_host_arena_of(arena);
	flags = ckremm_lock(&ckremm_host_arenas_lock);
	for (at = &ckremm_host_arenas; *at != a; at = &(*at)->next)
		;
	*at = a->next;
	ckremm_unlock(&ckremm_host_arenas_lock, flags);
	munmap(a->view, a->len);
	close(a->fd);
	free(a->purged);
	free(a);
}

int ckremm_arena_move_prepare(void *arena, size_t offset, size_t len,
			      bool commit, struct ckremm_arena_move *mv)
{
	struct ckremm_host_arena *a = ckremm_host_arena_of(arena);

	memset(mv, 0, sizeof(*mv));
	if (commit && ckremm_host_fail(&ckremm_host_commit_failures))
		return -ENOMEM;
	if (!commit && ckremm_host_purge_hook)
		ckremm_host_purge_hook(ckremm_host_purge_arg);
	/* Pages to commit are usable in the new view. */
	if (commit)
		ckremm_host_mark(a, offset, len, 0);
	mv->view = ckremm_host_view(a);
	if (!mv->view) {
		if (commit)
			ckremm_host_mark(a, offset, len, 1);
		return -ENOMEM;
	}
	mv->arena = a;
	mv->offset = offset;
	mv->len = len;
	mv->commit = commit;
	return 0;
}

void *ckremm_arena_move_install(struct ckremm_arena_move *mv)
{
	struct ckremm_host_arena *a = mv->arena;
	unsigned long flags = ckremm_lock(&ckremm_host_arenas_lock);

	mv->old_view = a->view;
	a->view = mv->view;
	ckremm_unlock(&ckremm_host_arenas_lock, flags);
	mv->installed = true;
	return mv->view;
}

void ckremm_arena_move_finish(struct ckremm_arena_move *mv)
{
	struct ckremm_host_arena *a = mv->arena;

	if (!mv->installed) {
		/* Given up: what the prepare of a commit unmarked is purged. */
		if (mv->commit)
			ckremm_host_mark(a, mv->offset, mv->len, 1);
		munmap(mv->view, a->len);
		return;
	}
	munmap(mv->old_view, a->len);
	if (mv->commit) {
		__atomic_fetch_add(&ckremm_host_committed_bytes, mv->len,
				   __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&ckremm_host_purged_bytes, mv->len,
			   __ATOMIC_RELAXED);
	fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)mv->offset, (off_t)mv->len);
	ckremm_host_mark(a, mv->offset, mv->len, 1);
	if (ckremm_host_purge_protect)
		mprotect((u8 *)mv->view + mv->offset, mv->len, PROT_NONE);
}
#else
/*
 * The arena and, in the page before it, the mapping's length.  Untouched
 * pages of a private anonymous mapping read as zeros and take no memory.
 */
void *ckremm_arena_alloc(size_t size)
{
	size_t rounded, len;
	u8 *base;

	if (ckremm_add_overflow(size, CKREMM_PAGE_SIZE - 1, &rounded))
		return NULL;
	rounded &= ~(CKREMM_PAGE_SIZE - 1);
	if (ckremm_add_overflow(rounded, CKREMM_PAGE_SIZE, &len))
		return NULL;
	base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	*(size_t *)base = len;
	return base + CKREMM_PAGE_SIZE;
}

void ckremm_arena_free(void *arena)
{
	u8 *base;

	if (!arena)
		return;
	base = (u8 *)arena - CKREMM_PAGE_SIZE;
	munmap(base, *(size_t *)base);
}

void ckremm_arena_purge(void *arena, size_t offset, size_t len)
{
	u8 *at = (u8 *)arena + offset;

	if (!len)
		return;
	if (ckremm_host_purge_hook)
		ckremm_host_purge_hook(ckremm_host_purge_arg);
	__atomic_fetch_add(&ckremm_host_purged_bytes, len, __ATOMIC_RELAXED);
	madvise(at, len, MADV_DONTNEED);
	if (ckremm_host_purge_protect)
		mprotect(at, len, PROT_NONE);
}

int ckremm_arena_commit(void *arena, size_t offset, size_t len)
{
	u8 *at = (u8 *)arena + offset;

	if (!len)
		return 0;
	if (ckremm_host_fail(&ckremm_host_commit_failures))
		return -ENOMEM;
	__atomic_fetch_add(&ckremm_host_committed_bytes, len, __ATOMIC_RELAXED);
	if (ckremm_host_purge_protect &&
	    mprotect(at, len, PROT_READ | PROT_WRITE))
		return -ENOMEM;
	return 0;
}

#endif

void *ckremm_meta_zalloc_nowait(size_t size)
{
	if (ckremm_host_nowait_hook)
		ckremm_host_nowait_hook(ckremm_host_nowait_arg);
	if (ckremm_host_fail(&ckremm_host_nowait_failures))
		return NULL;
	return calloc(1, size);
}

void ckremm_host_warn(const char *fmt, ...)
{
	static int verbose = -1;
	va_list ap;

	__atomic_fetch_add(&ckremm_host_warnings, 1, __ATOMIC_RELAXED);
	if (verbose < 0) {
		const char *v = getenv("CKREMM_VERBOSE");

		verbose = v && *v == '1';
	}
	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* splitmix64 over an atomic counter: no lock, no two callers alike. */
u32 ckremm_random_u32(void)
{
	static u64 counter;
	u64 z, seed = 0;

	if (!__atomic_load_n(&counter, __ATOMIC_RELAXED)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (u64)ts.tv_nsec ^ (u64)ts.tv_sec << 32 ^ (u64)getpid() << 16;
		__atomic_compare_exchange_n(&counter, &(u64){ 0 }, seed | 1, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	z = __atomic_add_fetch(&counter, 0x9e3779b97f4a7c15ULL, __ATOMIC_RELAXED);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)(z ^ (z >> 31));
}
