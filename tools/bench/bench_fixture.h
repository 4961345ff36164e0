/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pools the benchmarks start from, built the same way on the host and in
 * the kernel module.  Include after bench_trace.h and <ckremm/t_pool.h>.
 */
#ifndef CKREMM_BENCH_FIXTURE_H
#define CKREMM_BENCH_FIXTURE_H

/**
 * bench_fragment_t_pool() - fill a table pool to 90%, then free half of it
 * @pool: an empty table pool of @arena bytes
 * @arena: its arena size
 * @handles: room for @room handles
 * @room: most blocks to allocate
 * @seed: seed of the sizes (log-uniform, 16 B..4 KiB) and of the frees
 *
 * Every block is freed with probability one half, so the free space is
 * scattered over the whole arena: the layout the compaction figures
 * start from.
 *
 * Return: the number of blocks allocated, @handles holding them (the freed
 * ones included).
 */
static inline u32 bench_fragment_t_pool(struct t_pool *pool, size_t arena,
					u64 *handles, u32 room, u64 seed)
{
	struct bench_rng rng;
	size_t used = 0;
	u32 n = 0, i;

	bench_rng_seed(&rng, seed);
	while (n < room && used < arena / 10 * 9) {
		u32 size = bench_log_uniform(&rng, 16, 8);
		u64 h = t_pool_alloc_handle(pool, size, 0);

		if (h == T_POOL_NO_HANDLE)
			break;
		handles[n++] = h;
		used += (size + T_POOL_ALIGN - 1) & ~(size_t)(T_POOL_ALIGN - 1);
	}
	for (i = 0; i < n; i++)
		if (bench_rng_below(&rng, 2))
			t_pool_free(pool, handles[i]);
	return n;
}

#endif /* CKREMM_BENCH_FIXTURE_H */
