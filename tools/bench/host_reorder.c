// SPDX-License-Identifier: GPL-2.0-only
/*
 * Figure 5: bytes per second moved by a t_pool compaction, against
 * memmove() moving the same bytes in the same run.
 *
 * A pool is filled to 90% with blocks of 16..4096 bytes (log-uniform) and
 * a random half of them is freed, leaving holes everywhere.  Before the
 * pool is compacted, its used blocks are listed (t_pool_walk()); the peer
 * then compacts a plain buffer of the same size with the same layout by
 * memmove() alone, block by block, which is the least any compactor must
 * do.  Both run on memory that was just written but is not in cache.
 *
 * Series: t_pool_reorder, with the pool's default step (the lock is
 * dropped every CKREMM_STEP_BYTES), t_pool_reorder_1m with 1 MiB steps,
 * and memmove.
 */
#include <ckremm/t_pool.h>

#include "bench_host.h"
#include "bench_fixture.h"

struct reorder_layout {
	struct t_pool_extent *used;
	size_t count;
	size_t room;
};

static struct t_pool *fragmented_pool(size_t arena, u64 seed)
{
	u32 room = (u32)(arena / 512);
	struct t_pool *pool = t_pool_create(arena, room);
	u64 *handles;

	if (!pool)
		bench_die("t_pool_create(%zu) failed", arena);
	handles = bench_xcalloc(room, sizeof(*handles));
	bench_fragment_t_pool(pool, arena, handles, room, seed);
	free(handles);
	return pool;
}

static void list_used(struct t_pool *pool, struct reorder_layout *l)
{
	struct t_pool_extent batch[256];
	size_t cursor = 0, arena;
	unsigned int got, i;

	t_pool_arena(pool, &arena);
	l->count = 0;
	while (cursor < arena) {
		got = t_pool_walk(pool, &cursor, batch, BENCH_ARRAY_SIZE(batch));
		if (!got)
			break;
		for (i = 0; i < got; i++) {
			if (batch[i].handle == T_POOL_NO_HANDLE)
				continue;
			if (l->count == l->room) {
				l->room = l->room ? 2 * l->room : 4096;
				l->used = realloc(l->used, l->room * sizeof(*l->used));
				if (!l->used)
					bench_die("out of memory");
			}
			l->used[l->count++] = batch[i];
		}
	}
}

/* Compact @buf as the pool would be compacted; returns bytes moved. */
static size_t memmove_compact(u8 *buf, const struct reorder_layout *l)
{
	size_t dst = 0, moved = 0, i;

	for (i = 0; i < l->count; i++) {
		const struct t_pool_extent *e = &l->used[i];

		if (e->offset != dst) {
			memmove(buf + dst, buf + e->offset, e->size);
			moved += e->size;
		}
		dst += e->size;
	}
	return moved;
}

static void evict(u8 *junk, size_t size)
{
	size_t i;

	for (i = 0; i < size; i += 64)
		junk[i]++;
}

/*
 * Write every page of @p, keeping its bytes.  On this kind of machine a
 * page not written for a while can cost a fault in the hypervisor at the
 * next write; both sides are written just before they are timed, so that
 * neither pays that and the other not.
 */
static void touch_pages(u8 *p, size_t size)
{
	volatile u8 *v = p;
	size_t i;

	for (i = 0; i < size; i += CKREMM_PAGE_SIZE)
		v[i] = v[i];
}

int bench_reorder(const struct bench_opts *o)
{
	size_t arena = o->arena, junk_size = 32UL << 20;
	struct reorder_layout layout = { 0 };
	u8 *buf = bench_xcalloc(1, arena);
	u8 *junk = bench_xcalloc(1, junk_size);
	unsigned int run;

	memset(buf, 0x5a, arena);
	printf("# reorder: arena %zu bytes filled to 90%%, half the blocks freed at random; MB/s = bytes moved / time\n",
	       arena);
	for (run = 0; run < o->runs; run++) {
		static const struct {
			const char *series;
			size_t step;
		} kinds[] = {
			{ "t_pool_reorder", 0 },
			{ "t_pool_reorder_1m", 1UL << 20 },
		};
		size_t k;

		for (k = 0; k < BENCH_ARRAY_SIZE(kinds); k++) {
			struct t_pool *pool = fragmented_pool(arena, o->seed + run);
			struct t_pool_reorder_result res;
			size_t peer_bytes;
			u64 t0, t1;

			t_pool_set_step(pool, kinds[k].step);
			list_used(pool, &layout);

			touch_pages(t_pool_arena(pool, NULL), arena);
			evict(junk, junk_size);
			t0 = bench_now_ns();
			if (t_pool_reorder(pool, &res))
				bench_die("t_pool_reorder failed");
			t1 = bench_now_ns();
			bench_row("host_reorder", kinds[k].series, "mb_per_s", "MB/s",
				  run, res.bytes_moved * 1e3 / (double)(t1 - t0));
			bench_row("host_reorder", kinds[k].series, "bytes_moved",
				  "bytes", run, (double)res.bytes_moved);
			destroy_t_pool(pool);

			if (k)
				continue;
			touch_pages(buf, arena);
			evict(junk, junk_size);
			t0 = bench_now_ns();
			peer_bytes = memmove_compact(buf, &layout);
			t1 = bench_now_ns();
			bench_row("host_reorder", "memmove", "mb_per_s", "MB/s", run,
				  peer_bytes * 1e3 / (double)(t1 - t0));
			if (peer_bytes != res.bytes_moved)
				printf("# reorder: run %u: pool moved %zu bytes, memmove compaction %zu\n",
				       run, res.bytes_moved, peer_bytes);
		}
	}
	free(layout.used);
	free(junk);
	free(buf);
	return 0;
}
