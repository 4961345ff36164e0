// SPDX-License-Identifier: GPL-2.0-only
/*
 * Figure 7: what the pools spend on bookkeeping.
 *
 * Per pool: the bytes a pool allocates outside its arena, as the C
 * library's allocator counts them (mallinfo2() before and after creation;
 * the host port maps arenas itself, apart from the C library's heap), and
 * for t_pool also the pool's own meta_bytes figure.
 *
 * Per block: the first blocks of the speed trace (its fill phase, all
 * allocations) go into each allocator, and the bytes each block takes
 * beyond what was asked for are averaged:
 *
 *   h_pool   used_bytes - requested: the 16-byte header, rounding to 16
 *            and tails too small to split off (header_bytes separates the
 *            headers)
 *   t_pool   used_bytes - requested (rounding) plus the tables, which
 *            grow with the blocks: meta_bytes per live block
 *   glibc    malloc_usable_size() + 8 (the chunk's size word) - requested
 */
#include <malloc.h>

#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

#include "bench_host.h"

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

int bench_overhead(const struct bench_opts *o)
{
	struct bench_trace trace;
	size_t before, h_meta, t_meta, requested = 0;
	size_t glibc_over = 0;
	u32 blocks, i, cap;
	struct h_pool_stats hs;
	struct t_pool_stats ts;
	struct h_pool *hp;
	struct t_pool *tp;
	void **ptrs;

	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	bench_trace_alloc(&trace, o);
	blocks = o->live;
	cap = trace.slots + 64;
	ptrs = bench_xcalloc(blocks, sizeof(*ptrs));

	before = heap_in_use();
	hp = create_h_pool(o->arena);
	h_meta = heap_in_use() - before;
	before = heap_in_use();
	tp = t_pool_create(o->arena, cap);
	t_meta = heap_in_use() - before;
	if (!hp || !tp)
		bench_die("cannot create the pools");

	for (i = 0; i < blocks; i++) {
		const struct bench_op *op = &trace.ops[i];

		if (!h_pool_alloc(hp, op->size) ||
		    t_pool_alloc_handle(tp, op->size, 0) == T_POOL_NO_HANDLE)
			bench_die("overhead: allocation %u failed", i);
		ptrs[i] = malloc(op->size);
		if (!ptrs[i])
			bench_die("out of memory");
		glibc_over += malloc_usable_size(ptrs[i]) + 8 - op->size;
		requested += op->size;
	}
	h_pool_get_stats(hp, &hs);
	t_pool_get_stats(tp, &ts);

	printf("# overhead: %u blocks of the speed trace (mean request %.1f bytes), arena %zu bytes, t_pool of at most %u blocks\n",
	       blocks, (double)requested / blocks, o->arena, cap);
	bench_row("overhead", "h_pool", "header_bytes_per_block", "bytes", 0,
		  (double)hs.header_bytes / (hs.used_blocks + hs.free_blocks));
	bench_row("overhead", "h_pool", "bytes_per_block", "bytes", 0,
		  (double)(hs.used_bytes - requested) / blocks);
	bench_row("overhead", "h_pool", "meta_bytes_per_pool", "bytes", 0,
		  (double)h_meta);
	bench_row("overhead", "t_pool", "rounding_bytes_per_block", "bytes", 0,
		  (double)(ts.used_bytes - requested) / blocks);
	bench_row("overhead", "t_pool", "table_bytes_per_block", "bytes", 0,
		  (double)ts.meta_bytes / ts.used_blocks);
	bench_row("overhead", "t_pool", "bytes_per_block", "bytes", 0,
		  (double)(ts.used_bytes - requested) / blocks +
		  (double)ts.meta_bytes / ts.used_blocks);
	bench_row("overhead", "t_pool", "meta_bytes_per_pool", "bytes", 0,
		  (double)ts.meta_bytes);
	bench_row("overhead", "t_pool", "meta_bytes_per_pool_malloc", "bytes", 0,
		  (double)t_meta);
	bench_row("overhead", "glibc", "bytes_per_block", "bytes", 0,
		  (double)glibc_over / blocks);

	for (i = 0; i < blocks; i++)
		free(ptrs[i]);
	free(ptrs);
	destroy_h_pool(hp);
	destroy_t_pool(tp);
	bench_trace_free(&trace);
	return 0;
}
