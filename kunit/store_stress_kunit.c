// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit stress of a table pool larger than its arena on every online CPU
 * at once, in ckremm_stress.ko beside the pools' stress
 * (kunit/stress_kunit.c) and the collector's (kunit/gc_stress_kunit.c):
 * the paging module's store pager (ckremm/paging/store_pager.c) with the
 * compressed store (ckremm/paging/zstore.c) and a run-length codec of this
 * file's own, since the kernel the round runs on has no LZ4 built in.
 *
 * One table pool, holding about three times its arena in block bytes, a
 * pager with the store, and:
 *
 *   a worker thread bound to each online CPU, which allocates blocks of
 *     16 bytes to 4 KiB (log-uniform), writes each whole with one of
 *     three patterns (runs, which the codec compresses; noise, which it
 *     does not, so that the store refuses the block with -E2BIG and the
 *     pager keeps it resident; zeros, which the pager marks and never
 *     gives the store), reads it back, pins it (checked in place, then
 *     unpinned), rewrites and frees it, up to its share of the three
 *     arenas' worth.  An access refused with -EAGAIN or -ENOMEM is made
 *     again after ckremm_pager_page_in(), as the store pager's contract
 *     asks of a caller in process context; an allocation that finds no
 *     room pages out and commits ahead first;
 *   an hrtimer per CPU in hard interrupt context, reading blocks of its
 *     own (allocated for it before the round): the store locks itself and
 *     does not sleep, so a read of a paged-out block pages it in under the
 *     pool lock, or is refused with -ENOMEM (no room committed) or
 *     -EAGAIN (the block on its way in), which are counted;
 *   a pager thread, not bound, which ticks the pager, pages out at once,
 *     takes reorder steps, gives pages back (the kernel's arena moves:
 *     pages are then committed ahead again, in process context, by the
 *     ticks, the workers and ckremm_pager_page_in()) and validates the
 *     pool, at random, and samples the pool's figures.
 *
 * Each owner keeps a shadow of its blocks: handle, size and the seed of
 * the pattern; every byte read or pinned is checked against it.  The codec
 * counts its decompressions, those in hard interrupt context apart: the
 * timers' page-ins.  Once every actor has stopped, the pool's figures must
 * agree with the shadows and the store's, every block is read back and
 * freed, and then the pool must validate, hold nothing paged out and
 * the store nothing at all.
 *
 * The round lasts store_seconds and then goes on until each worker and
 * timer has done a floor of work and the pool a floor of page-outs,
 * page-ins (by the workers' accesses and by the timers'), -E2BIG refusals
 * and zero blocks paged out, STS_OVERTIME_S more seconds at most.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/paging.h>
#include <ckremm/t_pool.h>
#include <ckremm/zstore.h>

#include "stress_kunit.h"

static unsigned int store_seconds = 5;
module_param(store_seconds, uint, 0444);
MODULE_PARM_DESC(store_seconds, "length of the store pager's stress round in seconds, 0..100, 0 to skip it (default 5)");

static unsigned int store_pool_kib = 128;
module_param(store_pool_kib, uint, 0444);
MODULE_PARM_DESC(store_pool_kib, "arena of the store pager's pool in KiB, 64..16384 (default 128)");

static unsigned int store_irq_period_us = 1000;
module_param(store_irq_period_us, uint, 0444);
MODULE_PARM_DESC(store_irq_period_us, "period of each CPU's interrupt-context reader in us (default 1000)");

/* Blocks a worker holds at most, and their sizes. */
#define STS_SLOTS		1024
#define STS_MIN_SIZE		16
#define STS_MAX_SIZE		4096
/* Noise only in blocks this small: they stay resident. */
#define STS_NOISE_MAX		512
/* The blocks of a CPU's timer, and their sizes. */
#define STS_IRQ_BLOCKS		32
#define STS_IRQ_MIN		64
#define STS_IRQ_MAX		1024
/* Block bytes the pool holds, in arenas. */
#define STS_ARENAS		3
/* How long an access may be refused before it counts as starved. */
#define STS_STARVE_S		20
/* The floors of a round, and how long it may run past its time. */
#define STS_MIN_ALLOCS		100
#define STS_MIN_IRQ		20
#define STS_MIN_PAGE_OUTS	200
#define STS_MIN_PAGE_INS		100
#define STS_MIN_ACCESS_INS	20
#define STS_MIN_IRQ_INS		5
#define STS_MIN_E2BIG		10
#define STS_MIN_ZERO		2
#define STS_OVERTIME_S		60
#define STS_REPORT_MAX		8

enum sts_counter {
	STS_ALLOC,		/* blocks a worker allocated */
	STS_NOSPACE,		/* allocations that found no room even so */
	STS_WRITE,		/* blocks written whole */
	STS_ZERO,		/* of them with zeros */
	STS_NOISE,		/* of them with noise */
	STS_READ,		/* blocks read back */
	STS_PIN,			/* blocks pinned and checked in place */
	STS_FREE,		/* blocks freed */
	STS_ENOMEM,		/* accesses refused with -ENOMEM */
	STS_EAGAIN,		/* accesses refused with -EAGAIN */
	STS_PAGED_IN,		/* accesses done after the caller's page-in */
	STS_IN_BUSY,		/* page-ins that met another call of the pager */
	STS_BYTES,		/* bytes checked against their pattern */
	STS_TICK,		/* pager: ticks */
	STS_PAGE_OUT,		/* pager: page-out calls */
	STS_REORDER,		/* pager: reorder steps */
	STS_PURGE,		/* pager: purge steps */
	STS_VALIDATE,		/* pager: validations that found the pool sound */
	STS_MISMATCH,		/* bytes found wrong, or a pool that did not validate */
	STS_API,			/* calls that returned what they must not */
	STS_NR
};

/* What an owner wrote into a block: its pattern is the seed's. */
struct sts_block {
	u64 h;			/* T_POOL_NO_HANDLE: the slot is empty */
	u32 size;
	u32 seed;
};

struct sts_run;

/* What every actor has: its counters and its random state. */
struct sts_actor {
	struct sts_run *run;
	const char *name;
	struct rnd_state rnd;
	u64 cnt[STS_NR];
};

struct sts_irq {
	struct sts_actor a;
	struct sts_block b[STS_IRQ_BLOCKS];
	u8 buf[STS_IRQ_MAX];
	u8 want[STS_IRQ_MAX];
	atomic_t reads;
};

struct sts_worker {
	struct sts_actor a;
	struct sts_block b[STS_SLOTS];
	unsigned int nblocks;
	size_t bytes;		/* of its blocks, the timer's included */
	size_t share;		/* of the STS_ARENAS arenas' worth */
	u8 buf[STS_MAX_SIZE];
	u8 want[STS_MAX_SIZE];
	atomic_t allocs;

	struct sts_irq irq;
	struct hrtimer timer;
	ktime_t period;
	struct task_struct *task;
	struct completion done;
};

struct sts_run {
	struct t_pool *pool;
	struct ckremm_pager *pager;
	struct ckremm_zstore *zs;
	size_t arena;
	unsigned long end;
	unsigned long last;
	atomic_t reports;
	atomic_long_t access_ins;	/* STS_PAGED_IN of every worker */
	atomic_long_t zero_most;	/* most zero blocks out at once seen */
	atomic_long_t used_most;	/* most block bytes seen */
	struct sts_actor pager_actor;
	struct task_struct *pager_task;
	struct completion pager_done;
};

/* ---- the codec ---------------------------------------------------------- */

/*
 * A run-length code of (count, byte) pairs, as a board without LZ4
 * supplies one.  Its decompressions are counted, those made in hard
 * interrupt context apart: a codec has no argument of its own to count in.
 */
static atomic_long_t sts_decompressed;
static atomic_long_t sts_decompressed_irq;
static atomic_long_t sts_undecodable;

static size_t sts_rle_bound(size_t len)
{
	return 2 * len;
}

static int sts_rle_compress(const void *src, size_t len, void *dst, size_t cap,
			    void *scratch)
{
	const u8 *s = src;
	u8 *d = dst;
	size_t i = 0, out = 0, run;

	while (i < len) {
		for (run = 1; i + run < len && run < 255 && s[i + run] == s[i];)
			run++;
		if (out + 2 > cap)
			return -E2BIG;
		d[out++] = run;
		d[out++] = s[i];
		i += run;
	}
	return out;
}

static int sts_rle_decompress(const void *src, size_t clen, void *dst,
			      size_t len)
{
	const u8 *s = src;
	u8 *d = dst;
	size_t i, out = 0;

	for (i = 0; i + 1 < clen; i += 2) {
		if (!s[i] || out + s[i] > len)
			break;
		memset(d + out, s[i + 1], s[i]);
		out += s[i];
	}
	if (i != clen || out != len) {
		atomic_long_inc(&sts_undecodable);
		return -EIO;
	}
	atomic_long_inc(&sts_decompressed);
	if (in_hardirq())
		atomic_long_inc(&sts_decompressed_irq);
	return 0;
}

static const struct ckremm_codec sts_rle = {
	.name = "rle",
	.bound = sts_rle_bound,
	.compress = sts_rle_compress,
	.decompress = sts_rle_decompress,
};

/* ---- patterns ------------------------------------------------------------ */

enum sts_kind { STS_RUNS, STS_NOISE_KIND, STS_ZERO_KIND };

/* One block in eight of zeros, one small one in sixteen of noise. */
static enum sts_kind sts_kind(u32 seed, size_t size)
{
	switch (seed % 16) {
	case 0 ... 1:
		return STS_ZERO_KIND;
	case 2:
		return size <= STS_NOISE_MAX ? STS_NOISE_KIND : STS_RUNS;
	default:
		return STS_RUNS;
	}
}

/* The @len bytes a block of @len bytes written with @seed holds. */
static void sts_pattern(u8 *buf, size_t len, u32 seed)
{
	u32 x = seed | 1;
	size_t i = 0, run;

	switch (sts_kind(seed, len)) {
	case STS_ZERO_KIND:
		memset(buf, 0, len);
		break;
	case STS_NOISE_KIND:
		/* xorshift32: a byte repeats once in 256, so no runs. */
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = x >> 24;
		}
		break;
	case STS_RUNS:
		/* Runs of 1 to 64 bytes: 32 on average, two bytes each. */
		while (i < len) {
			x = x * 1103515245 + 12345;
			run = min_t(size_t, 1 + (x >> 16) % 64, len - i);
			memset(buf + i, x >> 24, run);
			i += run;
		}
		break;
	}
}

/* ---- what every actor does ---------------------------------------------- */

static bool sts_over(const struct sts_run *run)
{
	return time_after_eq(jiffies, run->end);
}

static bool sts_done(const struct sts_run *run, bool quota)
{
	return time_after_eq(jiffies, run->last) || (sts_over(run) && quota);
}

static u32 sts_rand(struct sts_actor *a, u32 n)
{
	return prandom_u32_state(&a->rnd) % n;
}

/* A size from @lo to below @hi, powers of two, log-uniform. */
static size_t sts_size(struct sts_actor *a, size_t lo, size_t hi)
{
	unsigned int bits = ilog2(lo) + sts_rand(a, ilog2(hi) - ilog2(lo));

	return (1UL << bits) + sts_rand(a, 1U << bits);
}

static void sts_report(struct sts_actor *a, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (atomic_inc_return(&a->run->reports) > STS_REPORT_MAX)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("ckremm_store_stress: %s: %pV\n", a->name, &vaf);
	va_end(args);
}

static void sts_api(struct sts_actor *a, const char *call, long ret)
{
	a->cnt[STS_API]++;
	sts_report(a, "%s returned %ld", call, ret);
}

/* The @b->size bytes at @have must be what @b's owner wrote. */
static void sts_check(struct sts_actor *a, const struct sts_block *b,
		      const u8 *have, u8 *want, const char *how)
{
	size_t i;

	sts_pattern(want, b->size, b->seed);
	if (!memcmp(have, want, b->size)) {
		a->cnt[STS_BYTES] += b->size;
		return;
	}
	for (i = 0; i + 1 < b->size && have[i] == want[i]; i++)
		;
	a->cnt[STS_MISMATCH]++;
	sts_report(a, "%s: block %#llx of %u bytes (seed %#x): byte %zu is %#x, not %#x",
		   how, b->h, b->size, b->seed, i, have[i], want[i]);
}

/* Room for @bytes, as a user of a pool with a store makes it. */
static void sts_make_room(struct sts_actor *a, size_t bytes)
{
	struct sts_run *run = a->run;
	int ret;

	ret = ckremm_pager_page_out(run->pager, bytes, NULL);
	if (ret && ret != -EBUSY)
		sts_api(a, "ckremm_pager_page_out", ret);
	/* Busy: a move of the pager's, or a pin or hold of another's. */
	ret = ckremm_paging_commit_t(run->pool, bytes, NULL);
	if (ret && ret != -EBUSY && ret != -ENOMEM)
		sts_api(a, "ckremm_paging_commit_t", ret);
}

/* ---- a worker's accesses ------------------------------------------------ */

enum sts_op { STS_OP_READ, STS_OP_WRITE, STS_OP_PIN };

/*
 * One try of @op on @b: read into w->buf, write w->want, or pin (its
 * address in *@at).
 */
static int sts_try(struct sts_worker *w, const struct sts_block *b,
		   enum sts_op op, u8 **at)
{
	struct t_pool *pool = w->a.run->pool;
	size_t off;
	int ret;

	switch (op) {
	case STS_OP_READ:
		return t_pool_read(pool, b->h, 0, w->buf, b->size);
	case STS_OP_WRITE:
		return t_pool_write(pool, b->h, 0, w->want, b->size);
	case STS_OP_PIN:
		ret = t_pool_pin_locate(pool, b->h, &off, NULL);
		/* The arena does not move while a block is pinned. */
		if (!ret)
			*at = (u8 *)t_pool_arena(pool, NULL) + off;
		return ret;
	}
	return -EINVAL;
}

/*
 * @op on @b; after -EAGAIN or -ENOMEM the block is paged in by the call
 * that may sleep and the access made again, as the store pager's contract
 * asks of a caller in process context, for STS_STARVE_S at most.  A
 * page-in that meets another call of the pager, or finds no room while
 * the others hold the store, is tried again after a pause.
 */
static int sts_access(struct sts_worker *w, const struct sts_block *b,
		      enum sts_op op, u8 **at)
{
	unsigned long give_up = jiffies + STS_STARVE_S * HZ;
	struct sts_run *run = w->a.run;
	unsigned int busy = 0;
	bool paged_in = false;
	int ret, in;

	for (;;) {
		ret = sts_try(w, b, op, at);
		if (ret != -EAGAIN && ret != -ENOMEM)
			break;
		w->a.cnt[ret == -EAGAIN ? STS_EAGAIN : STS_ENOMEM]++;
		if (time_after(jiffies, give_up))
			break;
		in = ckremm_pager_page_in(run->pager, b->h);
		if (!in) {
			paged_in = true;
			continue;
		}
		if (in != -EBUSY && in != -ENOMEM) {
			sts_api(&w->a, "ckremm_pager_page_in", in);
			return in;
		}
		w->a.cnt[STS_IN_BUSY]++;
		/*
		 * A timer_list's sleep, as the collector's round takes:
		 * usleep_range()'s hrtimer sleep has a race of the kernel's
		 * own that KCSAN reports.
		 */
		if (!(++busy % 4))
			schedule_timeout_uninterruptible(1);
		else
			cond_resched();
	}
	if (!ret && paged_in) {
		w->a.cnt[STS_PAGED_IN]++;
		atomic_long_inc(&run->access_ins);
	}
	return ret;
}

static void sts_read(struct sts_worker *w, const struct sts_block *b)
{
	int ret = sts_access(w, b, STS_OP_READ, NULL);

	if (ret) {
		sts_api(&w->a, "t_pool_read", ret);
		return;
	}
	w->a.cnt[STS_READ]++;
	sts_check(&w->a, b, w->buf, w->want, "read back");
}

/* @b written whole with a new pattern. */
static void sts_write(struct sts_worker *w, struct sts_block *b)
{
	int ret;

	b->seed = prandom_u32_state(&w->a.rnd);
	sts_pattern(w->want, b->size, b->seed);
	ret = sts_access(w, b, STS_OP_WRITE, NULL);
	if (ret) {
		sts_api(&w->a, "t_pool_write", ret);
		return;
	}
	w->a.cnt[STS_WRITE]++;
	w->a.cnt[STS_ZERO] += sts_kind(b->seed, b->size) == STS_ZERO_KIND;
	w->a.cnt[STS_NOISE] += sts_kind(b->seed, b->size) == STS_NOISE_KIND;
}

/* @b pinned, checked where it lies, and let go. */
static void sts_pin(struct sts_worker *w, const struct sts_block *b)
{
	u8 *at = NULL;
	int ret;

	ret = sts_access(w, b, STS_OP_PIN, &at);
	if (ret) {
		sts_api(&w->a, "t_pool_pin_locate", ret);
		return;
	}
	w->a.cnt[STS_PIN]++;
	sts_check(&w->a, b, at, w->want, "pinned");
	ret = t_pool_unpin(w->a.run->pool, b->h);
	if (ret)
		sts_api(&w->a, "t_pool_unpin", ret);
}

static void sts_free(struct sts_worker *w, struct sts_block *b)
{
	int ret = t_pool_free(w->a.run->pool, b->h);

	if (ret)
		sts_api(&w->a, "t_pool_free", ret);
	w->a.cnt[STS_FREE]++;
	w->bytes -= b->size;
	w->nblocks--;
	b->h = T_POOL_NO_HANDLE;
}

/*
 * A new block in slot @b, written and read back; where there is no room,
 * room is made (pages out, pages committed ahead) and it is asked again,
 * compacting the pool if the room is there but not in one run.
 */
static void sts_alloc(struct sts_worker *w, struct sts_block *b)
{
	struct sts_run *run = w->a.run;
	size_t size = sts_size(&w->a, STS_MIN_SIZE, STS_MAX_SIZE);
	u64 h = T_POOL_NO_HANDLE;
	int ret;

	ret = t_pool_alloc_block(run->pool, size, 0, &h);
	if (ret == -ENOMEM) {
		sts_make_room(&w->a, size);
		ret = t_pool_alloc_block(run->pool, size,
					 T_POOL_REORDER_ON_FAIL, &h);
	}
	if (ret == -ENOMEM) {
		w->a.cnt[STS_NOSPACE]++;
		return;
	}
	if (ret) {
		sts_api(&w->a, "t_pool_alloc_block", ret);
		return;
	}
	b->h = h;
	b->size = ALIGN(size, T_POOL_ALIGN);
	if (t_pool_size_of(run->pool, h) != b->size)
		sts_api(&w->a, "t_pool_size_of", t_pool_size_of(run->pool, h));
	w->a.cnt[STS_ALLOC]++;
	atomic_inc(&w->allocs);
	w->nblocks++;
	w->bytes += b->size;
	sts_write(w, b);
	sts_read(w, b);
}

/* A random slot that holds a block, or NULL. */
static struct sts_block *sts_pick(struct sts_worker *w)
{
	unsigned int i, start = sts_rand(&w->a, STS_SLOTS);

	for (i = 0; i < STS_SLOTS; i++) {
		struct sts_block *b = &w->b[(start + i) % STS_SLOTS];

		if (b->h != T_POOL_NO_HANDLE)
			return b;
	}
	return NULL;
}

static struct sts_block *sts_empty_slot(struct sts_worker *w)
{
	unsigned int i;

	for (i = 0; i < STS_SLOTS; i++)
		if (w->b[i].h == T_POOL_NO_HANDLE)
			return &w->b[i];
	return NULL;
}

/*
 * Every block the worker owns read back (paged in), and with @timers its
 * timer's, once the timer has stopped.
 */
static void sts_check_all(struct sts_worker *w, bool timers)
{
	unsigned int i;

	for (i = 0; i < STS_SLOTS; i++)
		if (w->b[i].h != T_POOL_NO_HANDLE)
			sts_read(w, &w->b[i]);
	for (i = 0; timers && i < STS_IRQ_BLOCKS; i++)
		sts_read(w, &w->irq.b[i]);
}

/*
 * One operation of a worker.  The worker's blocks grow to its share of
 * STS_ARENAS arenas and stay about there: below it, allocations win over
 * frees; above half of it, frees win over allocations.
 */
static void sts_op(struct sts_worker *w)
{
	struct sts_block *b = sts_pick(w), *slot = sts_empty_slot(w);
	bool may_alloc = slot && w->bytes < w->share;
	int ret;

	switch (sts_rand(&w->a, 100)) {
	case 0 ... 29:
		if (may_alloc)
			sts_alloc(w, slot);
		else if (b)
			sts_free(w, b);
		break;
	case 30 ... 39:
		if (b && (w->bytes > w->share / 2 || !may_alloc))
			sts_free(w, b);
		else if (may_alloc)
			sts_alloc(w, slot);
		break;
	case 40 ... 54:
		if (b)
			sts_write(w, b);
		break;
	case 55 ... 79:
		if (b)
			sts_read(w, b);
		break;
	case 80 ... 94:
		if (b)
			sts_pin(w, b);
		break;
	default:
		/* A page-in ahead of an access, as a user may make one. */
		if (!b)
			break;
		ret = ckremm_pager_page_in(w->a.run->pager, b->h);
		if (ret && ret != -EBUSY && ret != -ENOMEM)
			sts_api(&w->a, "ckremm_pager_page_in", ret);
		break;
	}
}

/* ---- a timer's reads ----------------------------------------------------- */

static void sts_irq_read(struct sts_irq *q)
{
	const struct sts_block *b = &q->b[sts_rand(&q->a, STS_IRQ_BLOCKS)];
	int ret = t_pool_read(q->a.run->pool, b->h, 0, q->buf, b->size);

	switch (ret) {
	case 0:
		q->a.cnt[STS_READ]++;
		atomic_inc(&q->reads);
		sts_check(&q->a, b, q->buf, q->want, "read in a hard irq");
		break;
	case -ENOMEM:
		q->a.cnt[STS_ENOMEM]++;
		break;
	case -EAGAIN:
		q->a.cnt[STS_EAGAIN]++;
		break;
	default:
		sts_api(&q->a, "t_pool_read in a hard irq", ret);
		break;
	}
}

/* ---- the actors ---------------------------------------------------------- */

static enum hrtimer_restart sts_timer_fn(struct hrtimer *timer)
{
	struct sts_worker *w = container_of(timer, struct sts_worker, timer);

	sts_irq_read(&w->irq);
	hrtimer_forward_now(timer, w->period);
	return HRTIMER_RESTART;
}

/* Whether the pool and the store have done their least. */
static bool sts_run_quota(struct sts_run *run)
{
	struct ckremm_zstore_stats zst;
	struct t_pool_stats ps;

	t_pool_get_stats(run->pool, &ps);
	ckremm_zstore_get_stats(run->zs, &zst);
	return ps.page_outs >= STS_MIN_PAGE_OUTS &&
	       ps.page_ins >= STS_MIN_PAGE_INS &&
	       zst.incompressible >= STS_MIN_E2BIG &&
	       atomic_long_read(&run->zero_most) >= STS_MIN_ZERO &&
	       atomic_long_read(&run->access_ins) >= STS_MIN_ACCESS_INS &&
	       atomic_long_read(&sts_decompressed_irq) >= STS_MIN_IRQ_INS;
}

static bool sts_worker_quota(struct sts_worker *w)
{
	return atomic_read(&w->allocs) >= STS_MIN_ALLOCS &&
	       atomic_read(&w->irq.reads) >= STS_MIN_IRQ;
}

/* A worker goes on until the pool has met its floors too. */
static bool sts_worker_done(struct sts_worker *w)
{
	struct sts_run *run = w->a.run;

	if (time_after_eq(jiffies, run->last))
		return true;
	return sts_over(run) && sts_worker_quota(w) && sts_run_quota(run);
}

static int sts_worker_fn(void *data)
{
	struct sts_worker *w = data;
	unsigned int ops = 0;

	hrtimer_start(&w->timer, w->period, HRTIMER_MODE_REL_PINNED_HARD);
	while (!sts_worker_done(w)) {
		sts_op(w);
		if (!(++ops % 512))
			sts_check_all(w, false);
		cond_resched();
	}
	hrtimer_cancel(&w->timer);
	sts_check_all(w, true);
	complete(&w->done);
	stress_park();
	return 0;
}

static void sts_atomic_max(atomic_long_t *most, long v)
{
	if (v > atomic_long_read(most))
		atomic_long_set(most, v);
}

/* The pool's figures, sampled by the pager thread, its only writer. */
static void sts_sample(struct sts_actor *a)
{
	struct sts_run *run = a->run;
	struct t_pool_stats ps;

	t_pool_get_stats(run->pool, &ps);
	sts_atomic_max(&run->zero_most, ps.zero_blocks);
	sts_atomic_max(&run->used_most, ps.used_bytes);
}

static void sts_validate(struct sts_actor *a)
{
	struct t_pool_fault fault = { 0 };
	int ret = t_pool_validate(a->run->pool, &fault);

	if (!ret) {
		a->cnt[STS_VALIDATE]++;
	} else if (ret != -EBUSY) {
		a->cnt[STS_MISMATCH]++;
		sts_report(a, "t_pool_validate: %d at %zu: %s", ret,
			   fault.offset, fault.reason ? fault.reason : "?");
	}
}

static int sts_pager_fn(void *data)
{
	struct sts_actor *a = data;
	struct sts_run *run = a->run;
	unsigned int n = 0;
	int ret;

	while (!sts_done(run, sts_run_quota(run))) {
		switch (sts_rand(a, 16)) {
		case 0 ... 5:
			ret = ckremm_pager_tick(run->pager, NULL);
			if (ret)
				sts_api(a, "ckremm_pager_tick", ret);
			a->cnt[STS_TICK]++;
			break;
		case 6 ... 11:
			ret = ckremm_pager_page_out(run->pager,
						    sts_size(a, 256, 64 * 1024),
						    NULL);
			if (ret && ret != -EBUSY)
				sts_api(a, "ckremm_pager_page_out", ret);
			a->cnt[STS_PAGE_OUT]++;
			break;
		case 12 ... 13:
			ret = t_pool_reorder_step(run->pool,
						  sts_size(a, 256, 64 * 1024),
						  NULL);
			if (ret < 0)
				sts_api(a, "t_pool_reorder_step", ret);
			a->cnt[STS_REORDER]++;
			break;
		case 14:
			/*
			 * Pages at the top given back (a move of the arena),
			 * so that allocations and page-ins find them missing
			 * and commit them again.  Busy: a pin or a hold.
			 */
			ret = ckremm_paging_purge_t(run->pool,
						    sts_rand(a, 32 * 1024), 0,
						    NULL);
			if (ret < 0 && ret != -EBUSY && ret != -ENOMEM)
				sts_api(a, "ckremm_paging_purge_t", ret);
			a->cnt[STS_PURGE]++;
			break;
		default:
			sts_validate(a);
			break;
		}
		sts_sample(a);
		/* A tick's pause now and then, as a pager's clock has. */
		if (!(++n % 8))
			schedule_timeout_uninterruptible(1);
		else
			cond_resched();
	}
	sts_validate(a);
	complete(&run->pager_done);
	stress_park();
	return 0;
}

/* ---- the case ------------------------------------------------------------ */

KUNIT_DEFINE_ACTION_WRAPPER(sts_destroy_pool, destroy_t_pool, struct t_pool *);
KUNIT_DEFINE_ACTION_WRAPPER(sts_exit_pager, ckremm_pager_exit,
			    struct ckremm_pager *);
KUNIT_DEFINE_ACTION_WRAPPER(sts_destroy_zstore, ckremm_zstore_destroy,
			    struct ckremm_zstore *);

static void sts_actor_init(struct sts_actor *a, struct sts_run *run,
			   const char *name)
{
	a->run = run;
	a->name = name;
	prandom_seed_state(&a->rnd, get_random_u64());
}

/*
 * The pool with its pager and store, as kunit/store_kunit.c makes them,
 * released by KUnit in the reverse order: the pager, the pool (which
 * drops its copies), the store.  A pager moves the arena where the kernel
 * gives pages back (CKREMM_ARENA_MOVES), which it may do only in a pool
 * of its own arena: t_pool_create().
 */
static struct sts_run *sts_run_new(struct kunit *test, unsigned int cpus)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 4, .keep_bytes = 16 * 1024,
		.flags = CKREMM_PAGING_REORDER,
		.free_target = 16 * 1024, .write_budget = 64 * 1024,
	};
	size_t arena = (size_t)clamp(store_pool_kib, 64U, 16384U) * 1024;
	struct ckremm_zstore_params zp = {
		/* Runs compress to a tenth: room for all of them. */
		.arena_size = arena, .max_block = STS_MAX_SIZE,
	};
	struct sts_run *run;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	run->arena = arena;
	run->zs = ckremm_zstore_create(&sts_rle, &zp);
	KUNIT_ASSERT_NOT_NULL(test, run->zs);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, sts_destroy_zstore,
							run->zs), 0);
	run->pool = t_pool_create(arena, cpus * (STS_SLOTS + STS_IRQ_BLOCKS) * 2);
	KUNIT_ASSERT_NOT_NULL(test, run->pool);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, sts_destroy_pool,
							run->pool), 0);
	run->pager = kunit_kzalloc(test, sizeof(*run->pager), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run->pager);
	KUNIT_ASSERT_EQ(test, ckremm_pager_init(run->pager, run->pool, &p), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, sts_exit_pager,
							run->pager), 0);
	KUNIT_ASSERT_EQ(test, ckremm_pager_set_store(run->pager,
						     ckremm_zstore_store(run->zs)),
			0);
	atomic_set(&run->reports, 0);
	atomic_long_set(&run->access_ins, 0);
	atomic_long_set(&run->zero_most, 0);
	atomic_long_set(&run->used_most, 0);
	atomic_long_set(&sts_decompressed, 0);
	atomic_long_set(&sts_decompressed_irq, 0);
	atomic_long_set(&sts_undecodable, 0);
	return run;
}

/*
 * A worker, and its timer's blocks, allocated and written before the round
 * in process context: a timer only reads.
 */
static void sts_worker_init(struct kunit *test, struct sts_worker *w,
			    struct sts_run *run, unsigned int cpus)
{
	unsigned int i;

	sts_actor_init(&w->a, run, "worker");
	sts_actor_init(&w->irq.a, run, "irq");
	for (i = 0; i < STS_IRQ_BLOCKS; i++) {
		struct sts_block *b = &w->irq.b[i];
		size_t size = sts_size(&w->a, STS_IRQ_MIN, STS_IRQ_MAX);

		KUNIT_ASSERT_EQ(test, ckremm_paging_commit_t(run->pool, size,
							     NULL), 0);
		KUNIT_ASSERT_EQ(test, t_pool_alloc_block(run->pool, size, 0,
							 &b->h), 0);
		b->size = ALIGN(size, T_POOL_ALIGN);
		b->seed = prandom_u32_state(&w->a.rnd);
		sts_pattern(w->want, b->size, b->seed);
		KUNIT_ASSERT_EQ(test, t_pool_write(run->pool, b->h, 0, w->want,
						   b->size), 0);
		w->bytes += b->size;
	}
	w->share = STS_ARENAS * run->arena / cpus;
	init_completion(&w->done);
	hrtimer_init(&w->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	w->timer.function = sts_timer_fn;
	w->period = ns_to_ktime((u64)clamp(store_irq_period_us, 50U, 100000U) *
				NSEC_PER_USEC);
}

/*
 * Once every actor has stopped: the pool's figures against the shadows
 * and the store's, with the copies of the blocks freed during the round
 * dropped by ticks first.
 */
static void sts_figures(struct kunit *test, struct sts_run *run,
			struct sts_worker **w, unsigned int n)
{
	struct ckremm_zstore_stats zst;
	struct t_pool_stats ps;
	size_t blocks = 0, bytes = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, ckremm_pager_tick(run->pager, NULL), 0);
	for (i = 0; i < n; i++) {
		blocks += w[i]->nblocks + STS_IRQ_BLOCKS;
		bytes += w[i]->bytes;
	}
	t_pool_get_stats(run->pool, &ps);
	ckremm_zstore_get_stats(run->zs, &zst);
	KUNIT_EXPECT_EQ(test, ps.used_blocks, blocks);
	KUNIT_EXPECT_EQ(test, ps.resident_bytes + ps.paged_out_bytes, bytes);
	KUNIT_EXPECT_EQ(test, ps.resident_blocks + ps.paged_out_blocks, blocks);
	KUNIT_EXPECT_EQ(test, ps.paged_out_blocks - ps.zero_blocks, zst.blocks);
	KUNIT_EXPECT_EQ(test, (u64)ps.stored_bytes, zst.stored_bytes);
	KUNIT_EXPECT_LE(test, zst.orig_bytes, (u64)ps.paged_out_bytes);
	KUNIT_EXPECT_EQ(test, zst.pool_used, (size_t)zst.stored_bytes);
	KUNIT_EXPECT_EQ(test, t_pool_validate(run->pool, NULL), 0);
}

/*
 * Every block read back once more and freed; then the pool holds nothing,
 * in the arena or out of it, and the store nothing at all.
 */
static void sts_release(struct kunit *test, struct sts_run *run,
			struct sts_worker **w, unsigned int n)
{
	struct ckremm_zstore_stats zst;
	struct t_pool_stats ps;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		sts_check_all(w[i], true);
		for (j = 0; j < STS_SLOTS; j++)
			if (w[i]->b[j].h != T_POOL_NO_HANDLE)
				sts_free(w[i], &w[i]->b[j]);
		for (j = 0; j < STS_IRQ_BLOCKS; j++)
			KUNIT_EXPECT_EQ(test, t_pool_free(run->pool,
							  w[i]->irq.b[j].h), 0);
	}
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, ckremm_pager_tick(run->pager, NULL), 0);
	t_pool_get_stats(run->pool, &ps);
	ckremm_zstore_get_stats(run->zs, &zst);
	KUNIT_EXPECT_EQ(test, ps.used_blocks, 0);
	KUNIT_EXPECT_EQ(test, ps.used_bytes, 0);
	KUNIT_EXPECT_EQ(test, ps.paged_out_blocks, 0);
	KUNIT_EXPECT_EQ(test, ps.stored_bytes, 0);
	KUNIT_EXPECT_EQ(test, ps.free_blocks, 1);
	KUNIT_EXPECT_EQ(test, ps.refused_calls, 0);
	KUNIT_EXPECT_EQ(test, zst.blocks, 0);
	KUNIT_EXPECT_EQ(test, zst.orig_bytes, 0);
	KUNIT_EXPECT_EQ(test, zst.stored_bytes, 0);
	KUNIT_EXPECT_EQ(test, zst.pool_used, 0);
	KUNIT_EXPECT_EQ(test, zst.failures, 0);
	/* Every get the store counted was one decompression, and sound. */
	KUNIT_EXPECT_EQ(test, zst.gets, (u64)atomic_long_read(&sts_decompressed));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&sts_undecodable), 0);
	KUNIT_EXPECT_EQ(test, t_pool_validate(run->pool, NULL), 0);
}

static void store_stress(struct kunit *test)
{
	unsigned int nr_cpus = num_online_cpus(), n = 0, short_workers = 0;
	unsigned int secs = min(store_seconds, 100U), i, cpu;
	u64 wk[STS_NR] = { 0 }, irq[STS_NR] = { 0 }, *pg;
	struct ckremm_zstore_stats zst;
	struct t_pool_stats ps;
	struct sts_worker **w;
	struct sts_run *run;
	unsigned long ended;

	if (!secs)
		kunit_skip(test, "store_seconds=0");
	run = sts_run_new(test, nr_cpus);
	w = kunit_kcalloc(test, nr_cpus, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < nr_cpus; i++) {
		w[i] = kunit_kzalloc(test, sizeof(*w[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, w[i]);
		sts_worker_init(test, w[i], run, nr_cpus);
	}

	for_each_online_cpu(cpu) {
		if (n == nr_cpus)
			break;
		w[n]->task = kthread_create_on_cpu(sts_worker_fn, w[n], cpu,
						   "ckremm_store_stress/%u");
		if (IS_ERR(w[n]->task))
			break;
		n++;
	}
	sts_actor_init(&run->pager_actor, run, "pager");
	init_completion(&run->pager_done);
	run->pager_task = kthread_create(sts_pager_fn, &run->pager_actor,
					 "ckremm_store_pager");
	if (n < nr_cpus || IS_ERR(run->pager_task)) {
		for (i = 0; i < n; i++)
			kthread_stop(w[i]->task);
		if (!IS_ERR(run->pager_task))
			kthread_stop(run->pager_task);
		KUNIT_FAIL(test, "made %u of %u workers and %s pager thread", n,
			   nr_cpus, IS_ERR(run->pager_task) ? "no" : "a");
		return;
	}

	run->end = jiffies + secs * HZ;
	run->last = run->end + STS_OVERTIME_S * HZ;
	for (i = 0; i < n; i++)
		wake_up_process(w[i]->task);
	wake_up_process(run->pager_task);

	for (i = 0; i < n; i++)
		stress_wait(test, &w[i]->done, secs, STS_OVERTIME_S, "a worker");
	stress_wait(test, &run->pager_done, secs, STS_OVERTIME_S,
		    "the pager thread");
	ended = jiffies;
	for (i = 0; i < n; i++) {
		kthread_stop(w[i]->task);
		if (!sts_worker_quota(w[i]))
			short_workers++;
	}
	kthread_stop(run->pager_task);

	sts_figures(test, run, w, n);
	t_pool_get_stats(run->pool, &ps);
	ckremm_zstore_get_stats(run->zs, &zst);
	sts_release(test, run, w, n);
	for (i = 0; i < n; i++) {
		stress_sum(wk, w[i]->a.cnt, STS_NR);
		stress_sum(irq, w[i]->irq.a.cnt, STS_NR);
	}
	pg = run->pager_actor.cnt;

	kunit_info(test, "%u CPUs, %u s asked, %u ms run, arena of %zu KiB holding at most %ld KiB of blocks, %u workers short of their least\n",
		   n, secs, jiffies_to_msecs(ended - run->end) + secs * 1000,
		   run->arena / 1024, atomic_long_read(&run->used_most) / 1024,
		   short_workers);
	kunit_info(test, "workers: %llu blocks, %llu writes (%llu of zeros, %llu of noise), %llu reads, %llu pins, %llu frees; refused -ENOMEM %llu, -EAGAIN %llu, done after a page-in %llu; no room %llu\n",
		   wk[STS_ALLOC], wk[STS_WRITE], wk[STS_ZERO], wk[STS_NOISE],
		   wk[STS_READ], wk[STS_PIN], wk[STS_FREE], wk[STS_ENOMEM],
		   wk[STS_EAGAIN], wk[STS_PAGED_IN], wk[STS_NOSPACE]);
	kunit_info(test, "hard irq: %llu reads, %ld paged in from the store, refused -ENOMEM %llu, -EAGAIN %llu; pager: %llu ticks, %llu page-outs asked, %llu reorder steps, %llu purges, %llu validations\n",
		   irq[STS_READ], atomic_long_read(&sts_decompressed_irq),
		   irq[STS_ENOMEM], irq[STS_EAGAIN], pg[STS_TICK], pg[STS_PAGE_OUT],
		   pg[STS_REORDER], pg[STS_PURGE], pg[STS_VALIDATE]);
	kunit_info(test, "pool: %zu page-outs, %zu page-ins, %ld zero blocks out at most, %zu arena moves (%zu bytes given back, %zu allocations short of committed pages); store: %llu puts, %llu gets, %llu refused -E2BIG, %llu -ENOSPC\n",
		   ps.page_outs, ps.page_ins, atomic_long_read(&run->zero_most),
		   ps.arena_moves, ps.purged_bytes, ps.commit_failures,
		   zst.puts, zst.gets, zst.incompressible, zst.nospc);
	kunit_info(test, "bytes checked: %llu; mismatches: %llu; wrong results: %llu\n",
		   wk[STS_BYTES] + irq[STS_BYTES],
		   wk[STS_MISMATCH] + irq[STS_MISMATCH] + pg[STS_MISMATCH],
		   wk[STS_API] + irq[STS_API] + pg[STS_API]);

	/* Zero mismatches mean something only if bytes were read back. */
	KUNIT_EXPECT_GT(test, wk[STS_BYTES], 0);
	KUNIT_EXPECT_GT(test, irq[STS_BYTES], 0);
	KUNIT_EXPECT_EQ(test, wk[STS_MISMATCH] + irq[STS_MISMATCH] +
			pg[STS_MISMATCH], 0);
	KUNIT_EXPECT_EQ(test, wk[STS_API] + irq[STS_API] + pg[STS_API], 0);
	KUNIT_EXPECT_EQ(test, short_workers, 0);
	/* The pool held more than its arena, and paged both ways. */
	KUNIT_EXPECT_GT(test, atomic_long_read(&run->used_most),
			(long)(2 * run->arena));
	KUNIT_EXPECT_GE(test, ps.page_outs, (size_t)STS_MIN_PAGE_OUTS);
	KUNIT_EXPECT_GE(test, ps.page_ins, (size_t)STS_MIN_PAGE_INS);
	KUNIT_EXPECT_GE(test, wk[STS_PAGED_IN], (u64)STS_MIN_ACCESS_INS);
	KUNIT_EXPECT_GE(test, atomic_long_read(&sts_decompressed_irq),
			(long)STS_MIN_IRQ_INS);
	KUNIT_EXPECT_GE(test, zst.incompressible, (u64)STS_MIN_E2BIG);
	KUNIT_EXPECT_GE(test, atomic_long_read(&run->zero_most),
			(long)STS_MIN_ZERO);
	KUNIT_EXPECT_GT(test, wk[STS_PIN], 0);
	KUNIT_EXPECT_GT(test, pg[STS_VALIDATE], 0);
}

static struct kunit_case store_stress_cases[] = {
	KUNIT_CASE_SLOW(store_stress),
	{}
};

static struct kunit_suite store_stress_suite = {
	.name = "ckremm_store_stress",
	.test_cases = store_stress_cases,
};

kunit_test_suites(&store_stress_suite);
