// SPDX-License-Identifier: GPL-2.0-only
/*
 * Figure 10: memory held after a burst, per live byte (the paging module).
 *
 *   bench_paging [--arena BYTES] [--seed N] [--ticks N]
 *
 * The same burst goes into each allocator, each in a child process of its
 * own so that one's memory does not count against another: blocks of 16
 * to 4096 bytes (log-uniform), each written in full, until 7/8 of the
 * arena is requested; then 90% of them, chosen at random, are freed, and
 * the allocator goes quiet.  What it holds then is divided by the bytes
 * still live (requested):
 *
 *   t_pool   a pager (ckremm/paging/: decay of 8 ticks, 64 KiB kept and
 *            at least 64 KiB per purge, compaction of a quiet pool) ticked
 *            --ticks times; held = the arena's resident pages (mincore()),
 *            and also with the pool's tables (meta_bytes) added
 *   h_pool   a pager (the same decay; every whole page inside a free
 *            block) ticked --ticks times after reorder_h_mem(); held =
 *            the arena's resident pages
 *   glibc    malloc_trim(0); held = the process's resident set (statm)
 *            less what it was before the burst
 *
 * Prints the figures as CSV rows (figure,series,metric,unit,run,value).
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ckremm/h_pool.h>
#include <ckremm/paging.h>
#include <ckremm/t_pool.h>

#include "ckremm_port.h"

struct burst {
	size_t arena;
	unsigned long long seed;
	unsigned int ticks;
	size_t *size;		/* per block: bytes requested */
	bool *live;		/* per block: still live after the frees */
	size_t blocks;
	size_t live_bytes;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench_paging: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static u64 rng(unsigned long long *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The blocks, and which survive: the same for every allocator. */
static void plan(struct burst *b)
{
	size_t cap = b->arena / 16, total = 0, i;
	unsigned long long s = b->seed;

	b->size = calloc(cap, sizeof(*b->size));
	b->live = calloc(cap, sizeof(*b->live));
	if (!b->size || !b->live)
		die("out of memory");
	while (b->blocks < cap) {
		/* 2^4 to 2^12, log-uniform */
		size_t size = (size_t)1 << (4 + rng(&s) % 8);

		size += rng(&s) % size;
		if (size > 4096)
			size = 4096;
		if (total + size > b->arena / 8 * 7)
			break;
		b->size[b->blocks++] = size;
		total += size;
	}
	for (i = 0; i < b->blocks; i++) {
		b->live[i] = rng(&s) % 10 == 0;
		if (b->live[i])
			b->live_bytes += b->size[i];
	}
}

static size_t resident(const void *at, size_t len)
{
	size_t pages = len / CKREMM_PAGE_SIZE, i, n = 0;
	unsigned char *vec = malloc(pages);

	if (!vec || mincore((void *)at, len, vec))
		die("mincore: %s", strerror(errno));
	for (i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	return n * CKREMM_PAGE_SIZE;
}

static size_t rss(void)
{
	unsigned long size, res;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%lu %lu", &size, &res) != 2)
		die("cannot read /proc/self/statm");
	fclose(f);
	return res * (size_t)sysconf(_SC_PAGESIZE);
}

static void row(const char *series, const char *metric, const char *unit,
		double v)
{
	printf("paging,%s,%s,%s,0,%.4f\n", series, metric, unit, v);
}

static void run_t_pool(const struct burst *b)
{
	const struct ckremm_paging_params params = {
		.decay_ticks = 8, .keep_bytes = 64 << 10, .min_bytes = 64 << 10,
		.flags = CKREMM_PAGING_REORDER,
	};
	struct ckremm_paging_result res = { 0 };
	struct t_pool *pool = t_pool_create(b->arena, 0);
	struct ckremm_pager pager;
	struct t_pool_stats st;
	u64 *h = calloc(b->blocks, sizeof(*h));
	unsigned int t, settled = 0;
	size_t i, arena_size, held;
	u8 *arena;

	if (!pool || !h || ckremm_pager_init(&pager, pool, &params))
		die("cannot make a paged table pool");
	arena = t_pool_arena(pool, &arena_size);
	for (i = 0; i < b->blocks; i++) {
		void *p;

		h[i] = t_pool_alloc_handle(pool, b->size[i], 0);
		p = t_pool_pin(pool, h[i]);
		if (!p)
			die("t_pool: block %zu of %zu failed", i, b->blocks);
		memset(p, 0xa5, b->size[i]);
		t_pool_unpin(pool, h[i]);
	}
	for (i = 0; i < b->blocks; i++)
		if (!b->live[i] && t_pool_free(pool, h[i]))
			die("t_pool: free failed");
	for (t = 1; t <= b->ticks; t++) {
		size_t before = res.purged + res.moved;

		ckremm_pager_tick(&pager, &res);
		if (res.purged + res.moved != before)
			settled = t;
	}
	t_pool_get_stats(pool, &st);
	held = resident(arena, arena_size);
	printf("# t_pool: %zu live bytes in %zu blocks, %zu committed, %zu resident, %zu purged, %zu moved, last change at tick %u\n",
	       b->live_bytes, st.used_blocks, st.committed_bytes, held,
	       res.purged, res.moved, settled);
	row("t_pool", "held_per_live", "ratio", (double)held / b->live_bytes);
	row("t_pool", "held_with_tables_per_live", "ratio",
	    (double)(held + st.meta_bytes) / b->live_bytes);
	row("t_pool", "ticks_to_settle", "ticks", settled);
	ckremm_pager_exit(&pager);
	destroy_t_pool(pool);
	free(h);
}

static void run_h_pool(const struct burst *b)
{
	const struct ckremm_paging_params params = { .decay_ticks = 8 };
	struct h_pool *pool = create_h_pool(b->arena + b->arena / 4);
	struct ckremm_paging_result res = { 0 };
	void **p = calloc(b->blocks, sizeof(*p));
	size_t i, held, arena_size;
	struct ckremm_pager pager;
	struct h_pool_stats st;
	unsigned int t;
	u8 *arena;

	if (!pool || !p || ckremm_pager_init_h(&pager, pool, &params))
		die("cannot make a paged header pool");
	for (i = 0; i < b->blocks; i++) {
		p[i] = h_pool_alloc(pool, b->size[i]);
		if (!p[i])
			die("h_pool: block %zu of %zu failed", i, b->blocks);
		memset(p[i], 0xa5, b->size[i]);
	}
	for (i = 0; i < b->blocks; i++)
		if (!b->live[i] && !h_pool_dealloc(pool, p[i]))
			die("h_pool: free failed");
	reorder_h_mem(pool);
	for (t = 1; t <= b->ticks; t++)
		ckremm_pager_tick(&pager, &res);
	h_pool_get_stats(pool, &st);
	arena = h_pool_arena(pool, &arena_size);
	held = resident(arena, arena_size & ~(CKREMM_PAGE_SIZE - 1));
	printf("# h_pool: %zu resident, %zu committed, %zu purged, %zu free blocks\n",
	       held, st.committed_bytes, res.purged, st.free_blocks);
	row("h_pool", "held_per_live", "ratio", (double)held / b->live_bytes);
	ckremm_pager_exit(&pager);
	destroy_h_pool(pool);
	free(p);
}

static void run_glibc(const struct burst *b)
{
	void **p = calloc(b->blocks, sizeof(*p));
	size_t i, base, held;

	if (!p)
		die("out of memory");
	base = rss();
	for (i = 0; i < b->blocks; i++) {
		p[i] = malloc(b->size[i]);
		if (!p[i])
			die("malloc failed");
		memset(p[i], 0xa5, b->size[i]);
	}
	for (i = 0; i < b->blocks; i++)
		if (!b->live[i])
			free(p[i]);
	malloc_trim(0);
	held = rss() - base;
	printf("# glibc: %zu resident after malloc_trim(0)\n", held);
	row("glibc", "held_per_live", "ratio", (double)held / b->live_bytes);
}

/* Each allocator in a child of its own, so that each starts from the same. */
static void in_child(void (*fn)(const struct burst *), const struct burst *b)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		fn(b);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("a child failed");
}

int main(int argc, char **argv)
{
	struct burst b = { .arena = 64UL << 20, .seed = 1, .ticks = 64 };
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		unsigned long long v = strtoull(argv[i + 1], NULL, 0);

		if (!strcmp(argv[i], "--arena"))
			b.arena = v & ~(CKREMM_PAGE_SIZE - 1);
		else if (!strcmp(argv[i], "--seed"))
			b.seed = v;
		else if (!strcmp(argv[i], "--ticks"))
			b.ticks = v;
		else
			die("unknown option %s", argv[i]);
	}
	if (i != argc)
		die("usage: bench_paging [--arena BYTES] [--seed N] [--ticks N]");
	plan(&b);
	printf("# paging: %zu blocks of 16 to 4096 bytes, %zu bytes live after freeing 90%% at random, arena %zu bytes\n",
	       b.blocks, b.live_bytes, b.arena);
	in_child(run_t_pool, &b);
	in_child(run_h_pool, &b);
	in_child(run_glibc, &b);
	return 0;
}
