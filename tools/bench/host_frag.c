// SPDX-License-Identifier: GPL-2.0-only
/*
 * Figure 4: how full a pool is when an allocation first fails.
 *
 * A random trace allocates with probability 2/3 and otherwise frees a
 * random live block, so the pool fills up while blocks die in random
 * order all along.  At the first allocation that fails, occupancy is the
 * bytes the live blocks asked for divided by the arena size: everything
 * else (headers, rounding, free space too scattered to use) is the cost of
 * the allocator.  Each series replays the same stream for a seed until its
 * own first failure:
 *
 *   h_pool             h_pool_alloc()
 *   t_pool_reorder     t_pool_alloc_handle(T_POOL_REORDER_ON_FAIL): a
 *                      failure that compaction can cure compacts and retries
 *   t_pool             t_pool_alloc_handle() without it, for reference
 *
 * The table pool gets a table slot for every smallest block the arena can
 * hold, so that its table never fills before its arena does.  Besides the
 * occupancy of requested bytes, the occupancy of the bytes the pool
 * counts as used (rounded sizes, and h_pool's headers) is reported: it
 * shows how much of the loss is rounding rather than scattered free space.
 */
#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

#include "bench_host.h"

struct frag_range {
	const char *name;
	u32 lo;
	unsigned int k;		/* sizes below lo << k */
};

static const struct frag_range ranges[] = {
	{ "16-64", 16, 2 },
	{ "16-512", 16, 5 },
	{ "16-4096", 16, 8 },
	{ "256-16384", 256, 6 },
};

enum frag_series { FS_H_POOL, FS_H_POOL_CACHE, FS_T_POOL_REORDER, FS_T_POOL,
		   FS_COUNT };

static const char *const series_names[FS_COUNT] = {
	[FS_H_POOL] = "h_pool",
	[FS_H_POOL_CACHE] = "h_pool_cache",
	[FS_T_POOL_REORDER] = "t_pool_reorder",
	[FS_T_POOL] = "t_pool",
};

struct frag_block {
	union {
		void *ptr;
		u64 handle;
	};
	u32 size;
};

struct frag_pool {
	enum frag_series series;
	struct h_pool *hp;
	struct t_pool *tp;
};

static bool frag_alloc(struct frag_pool *p, struct frag_block *b)
{
	if (p->hp) {
		b->ptr = h_pool_alloc(p->hp, b->size);
		return b->ptr;
	}
	b->handle = t_pool_alloc_handle(p->tp, b->size,
					p->series == FS_T_POOL_REORDER ?
					T_POOL_REORDER_ON_FAIL : 0);
	return b->handle != T_POOL_NO_HANDLE;
}

static void frag_free(struct frag_pool *p, struct frag_block *b)
{
	if (p->hp)
		h_pool_dealloc(p->hp, b->ptr);
	else
		t_pool_free(p->tp, b->handle);
}

struct frag_result {
	double occupancy;	/* live requested bytes / arena */
	double used;		/* bytes the pool counts as used / arena */
	size_t reorders;
};

/* Run one series on one seed until its first failed allocation. */
static void frag_run(enum frag_series s, const struct frag_range *r,
		     size_t arena, u64 seed, struct frag_block *live,
		     size_t max_live, struct frag_result *res)
{
	struct frag_pool p = { .series = s };
	struct bench_rng rng;
	size_t nlive = 0;
	u64 live_bytes = 0;

	if (s == FS_H_POOL)
		p.hp = create_h_pool(arena);
	else if (s == FS_H_POOL_CACHE)
		p.hp = h_pool_create(arena, H_POOL_CACHE);
	else
		p.tp = t_pool_create(arena, (unsigned int)(arena / r->lo) + 64);
	if (!p.hp && !p.tp)
		bench_die("cannot create a %zu-byte pool", arena);
	bench_rng_seed(&rng, seed);

	for (;;) {
		if (nlive && bench_rng_below(&rng, 3) == 0) {
			u32 pick = bench_rng_below(&rng, (u32)nlive);

			frag_free(&p, &live[pick]);
			live_bytes -= live[pick].size;
			live[pick] = live[--nlive];
			continue;
		}
		if (nlive == max_live)
			bench_die("fragmentation: more than %zu live blocks", max_live);
		live[nlive].size = bench_log_uniform(&rng, r->lo, r->k);
		if (!frag_alloc(&p, &live[nlive]))
			break;
		live_bytes += live[nlive].size;
		nlive++;
	}
	res->occupancy = (double)live_bytes / (double)arena;

	if (p.hp) {
		struct h_pool_stats st;

		h_pool_get_stats(p.hp, &st);
		res->used = (double)st.used_bytes / (double)st.arena_size;
		res->reorders = 0;
		destroy_h_pool(p.hp);
	} else {
		struct t_pool_stats st;

		t_pool_get_stats(p.tp, &st);
		res->used = (double)st.used_bytes / (double)st.arena_size;
		res->reorders = st.reorders;
		destroy_t_pool(p.tp);
	}
}

int bench_frag(const struct bench_opts *o)
{
	size_t max_live = o->frag_arena / 16;
	struct frag_block *live = bench_xcalloc(max_live, sizeof(*live));
	size_t ri;

	printf("# frag: arena %zu bytes, %u seeds per range, occupancy = live requested bytes / arena at the first failed allocation\n",
	       o->frag_arena, o->seeds);
	for (ri = 0; ri < BENCH_ARRAY_SIZE(ranges); ri++) {
		const struct frag_range *r = &ranges[ri];
		int s;

		for (s = 0; s < FS_COUNT; s++) {
			double sum = 0, used = 0;
			size_t reorders = 0;
			unsigned int seed;
			char series[64];

			snprintf(series, sizeof(series), "%s@%s",
				 series_names[s], r->name);
			for (seed = 0; seed < o->seeds; seed++) {
				struct frag_result res;

				frag_run((enum frag_series)s, r, o->frag_arena,
					 o->seed + seed, live, max_live, &res);
				bench_row("frag", series, "occupancy", "fraction",
					  seed, res.occupancy);
				bench_row("frag", series, "used", "fraction",
					  seed, res.used);
				sum += res.occupancy;
				used += res.used;
				reorders += res.reorders;
			}
			printf("# frag %s: mean occupancy %.4f (used %.4f), %.1f reorders per seed\n",
			       series, sum / o->seeds, used / o->seeds,
			       (double)reorders / o->seeds);
		}
	}
	free(live);
	return 0;
}
