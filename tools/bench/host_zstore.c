// SPDX-License-Identifier: GPL-2.0-only
/*
 * Figure 11: the compressed store (ckremm/paging/zstore.c) on real data.
 *
 *   bench_zstore [--runs N] [--mib N] [--block BYTES] [--pool-mib N]
 *                [--pageins N] DIR...
 *
 * Blocks are cut from the files under the DIRs (regular files, symbolic
 * links not followed), as a page cache or a swap device would hold them:
 * every file's bytes in walk order, concatenated, in --block (4096) byte
 * blocks.  When the files hold more than --mib (64) MiB, each file is
 * taken or left by a hash of its path, so that the sample spreads over
 * the whole tree and is the same in every run.  Blocks that are all
 * zeros are left out: the pager never gives them to a store.
 *
 * Each of --runs (7) runs puts every block into a new store (liblz4, the
 * default limit of 7/8) and gets every stored block back, each loop timed
 * whole, and checks that every byte came back.  Printed as CSV rows
 * (figure,series,metric,unit,run,value):
 *
 *   zstore,lz4,ratio            bytes of the blocks stored / what they cost
 *                               the store (its pool's headers included)
 *   zstore,lz4,ratio_all        bytes of all blocks / (cost + bytes of the
 *                               refused blocks, which stay resident)
 *   zstore,lz4,taken            share of the blocks the store took (the
 *                               rest refused with -E2BIG)
 *   zstore,lz4,compress_mbs     MB (10^6 bytes) of blocks put per second
 *   zstore,lz4,decompress_mbs   MB of blocks got back per second
 *   zstore,lz4_alone,...        the same two through liblz4 straight into a
 *                               buffer: what the store adds
 *   zstore,zsmalloc_published,ratio  2.58, zsmalloc's published ratio on
 *                               a kernel build (a constant, the peer)
 *
 * Then, in each run, the same blocks through a table pool of --pool-mib
 * (4) MiB that pages out to such a store (ckremm/paging/store_pager.c):
 * as many blocks as twice the arena holds are allocated and written, the
 * pool paging out to make room; then --pageins (2000) reads of whole
 * blocks that are paged out, each timed (the access pages the block in
 * under the pool lock: one get() from the store); then half the blocks
 * are freed, the pool reordered and its free pages purged.  Every hold of
 * a lock is timed (zstore_lock.h), and the longest of each run's purge
 * steps and page-out steps kept.  Holds and page-ins during which the
 * thread was switched out or took a page fault are left out, and counted
 * in a comment line:
 *
 *   zstore,pool,pagein_p50      ns per KiB of a page-in on access, median
 *   zstore,pool,pagein_p99      the same, 99th percentile
 *   zstore,pool,purge_hold_max  ns, the longest hold of the pool lock in
 *                               a purge step (pg_purge_step())
 *   zstore,pool,pageout_hold_max  ns, the longest in a page-out step
 *                               (pg_out_step(); the store's put runs with
 *                               the lock dropped)
 *   zstore,pool,put_hold_max    ns, the longest hold of the store's own
 *                               lock in a put (one compression), for scale
 *
 * A comment line says which DIRs the blocks came from, and how many.
 */
/* _GNU_SOURCE (nftw()) comes from the Makefile: zstore_lock.h is forced in first. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <time.h>

#include "ckremm_port.h"
#include <ckremm/paging.h>
#include <ckremm/t_pool.h>
#include <ckremm/zstore.h>

#include "t_pool_internal.h"
#include "zstore_lock.h"

/* zsmalloc's compression ratio on a kernel build, as published. */
#define ZSMALLOC_PUBLISHED_RATIO	2.58

static struct {
	size_t block;
	size_t budget;		/* bytes to take at most */
	size_t total;		/* bytes of all regular files (pass 1) */
	u8 *data;
	size_t len, cap;
	unsigned long files;
} D = { .block = 4096, .budget = 64UL << 20 };

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench_zstore: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void row(const char *series, const char *metric, const char *unit,
		unsigned int run, double value)
{
	printf("zstore,%s,%s,%s,%u,%.6g\n", series, metric, unit, run, value);
}

/* What the timed loops read, kept so that the compiler keeps them. */
volatile u64 bench_sink;

/* The longest hold of a lock per function that took it (zstore_lock.h). */
int bench_lock_on;
unsigned int bench_lock_depth;
const char *bench_lock_fn[BENCH_LOCK_DEPTH];
u64 bench_lock_t0[BENCH_LOCK_DEPTH];
long bench_lock_csw[BENCH_LOCK_DEPTH];
unsigned long bench_lock_switched;
static struct {
	const char *fn;
	u64 max;
} holds[64];

void bench_lock_held(const char *fn, u64 ns)
{
	unsigned int i;

	for (i = 0; i < 64 && holds[i].fn && holds[i].fn != fn; i++)
		;
	if (i == 64)
		return;
	holds[i].fn = fn;
	if (ns > holds[i].max)
		holds[i].max = ns;
}

static u64 hold_max(const char *fn)
{
	unsigned int i;

	for (i = 0; i < 64 && holds[i].fn; i++)
		if (!strcmp(holds[i].fn, fn))
			return holds[i].max;
	return 0;
}

static u64 path_hash(const char *s)
{
	u64 h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (u8)*s++) * 0x100000001b3ULL;
	return h;
}

static int sum_sizes(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type == FTW_F && S_ISREG(st->st_mode))
		D.total += st->st_size;
	return 0;
}

/* Takes a file, or leaves it, so that about D.budget bytes are taken. */
static int take_file(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	ssize_t n;
	int fd;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || !st->st_size)
		return 0;
	if (D.total > D.budget &&
	    path_hash(path) % D.total >= D.budget)
		return 0;
	if (D.len + st->st_size > D.cap)
		return D.len >= D.budget;	/* full: stop at the budget */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, D.data + D.len, st->st_size);
	close(fd);
	if (n > 0) {
		D.len += n;
		D.files++;
	}
	return 0;
}

static bool all_zero(const u8 *p, size_t len)
{
	return p[0] == 0 && !memcmp(p, p + 1, len - 1);
}

static u64 rng_next(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static bool is_out(struct t_pool *pool, u64 h)
{
	u32 n = tp_find(pool, h);

	if (n == TP_NIL)
		die("handle %#llx lost", (unsigned long long)h);
	return tp_is_out(tp_seg(pool, n));
}

static struct {
	size_t arena;
	unsigned int pageins;
} Q = { .arena = 4UL << 20, .pageins = 2000 };

static size_t arena_free(struct t_pool *pool)
{
	struct t_pool_stats st;

	t_pool_get_stats(pool, &st);
	return st.free_bytes;
}

/*
 * Pages out until @bytes of the arena are free: a call sweeps CLOCK's hand
 * over a bounded number of blocks, clearing their marks, and may find no
 * victim in a pool whose blocks were all used lately; the next finds one.
 */
static void make_room(struct t_pool *pool, struct ckremm_pager *pager,
		      size_t bytes)
{
	unsigned int calls;

	for (calls = 0; arena_free(pool) < bytes && calls < 256; calls++)
		ckremm_pager_page_out(pager, bytes, NULL);
}

/* Page-ins on access and the longest holds, through a paged table pool. */
static void pool_run(u8 **blocks, size_t nblocks, unsigned int run)
{
	struct ckremm_paging_params pp = { .decay_ticks = 1 };
	size_t n = 2 * Q.arena / D.block, i, got = 0, purged = 0;
	struct ckremm_zstore_params zp = { .max_block = D.block };
	struct ckremm_zstore *zs;
	struct ckremm_pager pager;
	struct t_pool *pool;
	u64 *h, *ns, seed = run + 1, t0, t1;
	unsigned long pagein_switched = 0;
	unsigned int tries;
	bool switched;
	long csw;
	u8 *back;
	int ret;

	if (n > nblocks)
		n = nblocks;
	zp.arena_size = n * D.block;
	pool = t_pool_create(Q.arena, 0);
	zs = ckremm_zstore_create(&ckremm_codec_lz4, &zp);
	if (!pool || !zs || ckremm_pager_init(&pager, pool, &pp) ||
	    ckremm_pager_set_store(&pager, ckremm_zstore_store(zs)))
		die("no paged pool of %zu bytes", Q.arena);
	h = xcalloc(n, sizeof(*h));
	ns = xcalloc(Q.pageins, sizeof(*ns));
	back = xcalloc(D.block, 1);
	memset(holds, 0, sizeof(holds));
	bench_lock_switched = 0;
	bench_lock_on = 1;
	for (i = 0; i < n; i++) {
		ret = t_pool_alloc_block(pool, D.block, 0, &h[i]);
		if (ret == -ENOMEM) {
			make_room(pool, &pager, 16 * D.block);
			ret = t_pool_alloc_block(pool, D.block, 0, &h[i]);
		}
		if (ret || t_pool_write(pool, h[i], 0, blocks[i], D.block))
			die("block %zu not placed: %d", i, ret);
	}
	for (tries = 0; got < Q.pageins && tries < 100 * Q.pageins; tries++) {
		i = rng_next(&seed) % n;
		if (!is_out(pool, h[i]))
			continue;
		/* Room for it, made beforehand: only the page-in is timed. */
		if (arena_free(pool) < 2 * D.block)
			make_room(pool, &pager, 16 * D.block);
		/*
		 * Untimed locks, and a page-in the thread was switched out
		 * of or took a fault in left out, as the holds' are.
		 */
		bench_lock_on = 0;
		csw = bench_lock_switches();
		t0 = now_ns();
		ret = t_pool_read(pool, h[i], 0, back, D.block);
		t1 = now_ns();
		switched = bench_lock_switches() != csw;
		bench_lock_on = 1;
		if (ret == -ENOMEM)
			continue;
		if (ret || memcmp(back, blocks[i], D.block))
			die("block %zu did not come back: %d", i, ret);
		if (switched)
			pagein_switched++;
		else
			ns[got++] = (t1 - t0) * 1024 / D.block;
	}
	if (!got)
		die("no block was paged out");
	qsort(ns, got, sizeof(*ns), cmp_u64);
	for (i = 0; i < n; i += 2)
		t_pool_free(pool, h[i]);
	ckremm_pager_tick(&pager, NULL);
	t_pool_reorder(pool, NULL);
	while (ckremm_paging_purge_t(pool, 0, 0, &purged) > 0)
		;
	bench_lock_on = 0;
	row("pool", "pagein_p50", "ns", run, ns[got / 2]);
	row("pool", "pagein_p99", "ns", run, ns[got * 99 / 100]);
	row("pool", "purge_hold_max", "ns", run, hold_max("pg_purge_step"));
	row("pool", "pageout_hold_max", "ns", run, hold_max("pg_out_step"));
	row("pool", "put_hold_max", "ns", run, hold_max("zs_put"));
	printf("# run %u: %zu page-ins timed (%lu left out: switched out or faulted), %zu bytes purged, %lu holds left out (the same)\n",
	       run, got, pagein_switched, purged, bench_lock_switched);
	ckremm_pager_exit(&pager);
	destroy_t_pool(pool);
	ckremm_zstore_destroy(zs);
	free(back);
	free(ns);
	free(h);
}

int main(int argc, char **argv)
{
	unsigned int runs = 7, run;
	size_t nblocks = 0, i, zero = 0;
	u8 **blocks, *back, *lz;
	size_t *lz_off, *lz_len;
	u64 *keys;
	int a;

	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "--runs") && a + 1 < argc)
			runs = strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--mib") && a + 1 < argc)
			D.budget = strtoul(argv[++a], NULL, 0) << 20;
		else if (!strcmp(argv[a], "--block") && a + 1 < argc)
			D.block = strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--pool-mib") && a + 1 < argc)
			Q.arena = strtoul(argv[++a], NULL, 0) << 20;
		else if (!strcmp(argv[a], "--pageins") && a + 1 < argc)
			Q.pageins = strtoul(argv[++a], NULL, 0);
		else
			die("usage: bench_zstore [--runs N] [--mib N] [--block BYTES] [--pool-mib N] [--pageins N] DIR...");
	}
	if (a == argc || !runs || D.block < 64 || D.block > (1 << 20) ||
	    Q.arena < 4 * D.block || !Q.pageins)
		die("usage: bench_zstore [--runs N] [--mib N] [--block BYTES] [--pool-mib N] [--pageins N] DIR...");

	for (int d = a; d < argc; d++)
		if (nftw(argv[d], sum_sizes, 64, FTW_PHYS))
			die("cannot walk %s: %s", argv[d], strerror(errno));
	D.cap = D.budget + D.budget / 4;
	D.data = xcalloc(D.cap, 1);
	for (int d = a; d < argc; d++)
		nftw(argv[d], take_file, 64, FTW_PHYS);

	blocks = xcalloc(D.len / D.block + 1, sizeof(*blocks));
	for (i = 0; i + D.block <= D.len; i += D.block) {
		if (all_zero(D.data + i, D.block))
			zero++;
		else
			blocks[nblocks++] = D.data + i;
	}
	if (!nblocks)
		die("no block of data under the directories given");
	printf("# blocks from:");
	for (int d = a; d < argc; d++)
		printf(" %s", argv[d]);
	printf("\n# %lu files of %.1f MiB (of %.1f MiB there), %zu blocks of %zu bytes, %zu all zeros left out\n",
	       D.files, D.len / 1048576.0, D.total / 1048576.0, nblocks,
	       D.block, zero);

	keys = xcalloc(nblocks, sizeof(*keys));
	back = xcalloc(D.block, 1);
	lz = xcalloc(nblocks, LZ4_COMPRESSBOUND(D.block));
	lz_off = xcalloc(nblocks, sizeof(*lz_off));
	lz_len = xcalloc(nblocks, sizeof(*lz_len));
	row("zsmalloc_published", "ratio", "x", 0, ZSMALLOC_PUBLISHED_RATIO);
	for (run = 0; run < runs; run++) {
		struct ckremm_zstore_params p = {
			.arena_size = nblocks * D.block + (1 << 20),
			.max_block = D.block,
		};
		struct ckremm_zstore *zs = ckremm_zstore_create(&ckremm_codec_lz4, &p);
		struct ckremm_store *s = ckremm_zstore_store(zs);
		struct ckremm_zstore_stats st;
		size_t stored_n = 0, refused = 0, cost;
		u64 t0, t_put, t_get, t_lz, t_unlz, sink = 0;
		bool *in = xcalloc(nblocks, sizeof(*in));
		size_t at = 0;

		if (!zs)
			die("no store of %zu bytes", p.arena_size);
		t0 = now_ns();
		for (i = 0; i < nblocks; i++) {
			int ret = s->ops->put(s, blocks[i], D.block, &keys[i],
					      &cost);

			if (!ret)
				in[i] = true;
			else if (ret != -E2BIG)
				die("put: %d", ret);
		}
		t_put = now_ns() - t0;
		t0 = now_ns();
		for (i = 0; i < nblocks; i++) {
			if (!in[i])
				continue;
			if (s->ops->get(s, keys[i], back, D.block))
				die("get of block %zu failed", i);
			sink += back[i % D.block];
		}
		t_get = now_ns() - t0;
		for (i = 0; i < nblocks; i++) {
			if (!in[i]) {
				refused++;
				continue;
			}
			stored_n++;
			if (s->ops->get(s, keys[i], back, D.block) ||
			    memcmp(back, blocks[i], D.block))
				die("block %zu did not come back", i);
		}
		ckremm_zstore_get_stats(zs, &st);
		/* liblz4 alone: the same blocks, one after another in a buffer. */
		t0 = now_ns();
		for (i = 0; i < nblocks; i++) {
			lz_off[i] = at;
			lz_len[i] = LZ4_compress_default((char *)blocks[i],
							 (char *)lz + at, D.block,
							 LZ4_COMPRESSBOUND(D.block));
			at += lz_len[i];
		}
		t_lz = now_ns() - t0;
		t0 = now_ns();
		for (i = 0; i < nblocks; i++)
			sink += LZ4_decompress_safe((char *)lz + lz_off[i],
						    (char *)back, lz_len[i],
						    D.block);
		t_unlz = now_ns() - t0;
		bench_sink = sink;
		row("lz4", "ratio", "x", run,
		    (double)st.orig_bytes / st.stored_bytes);
		row("lz4", "ratio_all", "x", run,
		    (double)nblocks * D.block /
		    (st.stored_bytes + (double)refused * D.block));
		row("lz4", "taken", "%", run,
		    (double)stored_n / nblocks);
		row("lz4", "compress_mbs", "MB/s", run,
		    nblocks * D.block * 1e3 / t_put);
		row("lz4", "decompress_mbs", "MB/s", run,
		    stored_n * D.block * 1e3 / t_get);
		row("lz4_alone", "compress_mbs", "MB/s", run,
		    nblocks * D.block * 1e3 / t_lz);
		row("lz4_alone", "decompress_mbs", "MB/s", run,
		    nblocks * D.block * 1e3 / t_unlz);
		for (i = 0; i < nblocks; i++)
			if (in[i])
				s->ops->drop(s, keys[i]);
		ckremm_zstore_get_stats(zs, &st);
		if (st.pool_used)
			die("%zu bytes left in the store's pool", st.pool_used);
		ckremm_zstore_destroy(zs);
		free(in);
		pool_run(blocks, nblocks, run);
	}
	return 0;
}
