// SPDX-License-Identifier: GPL-2.0-only
/*
 * Requests that conflict on one block of a shared pool.  Each block
 * behaves as if guarded by a reader-writer lock that requests only try,
 * never wait: READ and the source of COPY share it; WRITE, CLEAN, the
 * destination of COPY, FREE, FREE_BATCH and REALLOC (the old block, and
 * the new one while it is copied into) take it alone, for as long as they
 * run.  A request that cannot
 * get its hold answers EBUSY and changes nothing.
 *
 *	conflict_test [-p PROCS] [-n OVERLAPS] [-t SECONDS] [-s SEED]
 *
 * Run as root inside a guest with ckremm.ko loaded (max_pool_size at
 * least 64 MiB, the default), on two CPUs or more.
 *
 * Races: two processes, each with a file of its own attached to one named
 * pool of 64 MiB, blocks of 16 MiB whose copies run for milliseconds.
 *   1. REALLOC moves a block while the other process finds the new block
 *	(WALK), frees it and allocates blocks of its own where the copy
 *	lands: VALIDATE stays clean and the other's blocks keep their bytes.
 *   2. REALLOC moves a block while the other frees the old one and
 *	allocates as much: not both answer 0, and the new block survives.
 *   3. COPY while the other frees its source: the destination ends
 *	either as it was or as a whole copy of the source.
 *   4. CLEAN while the other shrinks the block with REALLOC: a CLEAN
 *	that fails leaves every byte as it was.
 * Each race runs again until it overlapped OVERLAPS times (default 3),
 * SECONDS passed (default 10) or an outcome broke the rule.  The second
 * request is sent once the first is seen at work (its new block in WALK,
 * or its first bytes changed in a mapping of the arena).  The two surely
 * overlapped if either answered EBUSY, or if the outcome broke the rule,
 * which only requests running at once can do; a request answered while
 * the other's process had not yet seen its answer proves nothing, as that
 * process may just not have run since.  A race that never overlapped
 * fails: it proved nothing.  On a single online CPU two requests run at
 * once only if the kernel yields midway, which these do not: there the
 * races run for 3 seconds with their outcomes checked, but no overlap is
 * asked for and none is planned; the SMP stages (dev-qemu, smp-qemu,
 * kcsan-qemu, rt-qemu) require it.
 *
 * A reader waiting for a page: a READ, on either kind of pool, through a
 * read-only attachment whose buffer is a userfaultfd page nobody fills
 * must not keep the owner from writing the block, and must then return
 * the written bytes (where userfaultfd works; planned only there).
 *
 * Stress: PROCS processes (default 3) of two threads each, every thread
 * with a file of its own, share a named pool of each kind in rounds of a
 * few seconds (SECONDS per kind in all).  They aim reads, writes, cleans,
 * copies, frees, batch frees, reallocs, allocs, pins, unpins, locates,
 * reorders, validates and stats, and closes and reopens of their
 * attachment and of their file, at the same four blocks of 256 KiB to
 * 3 MiB; one thread destroys the pool midway through the last round.
 * Every write fills the block with a pattern that names itself (a key
 * unique to the thread and the request, and its length), and every
 * request's times and answer go to a log in shared memory.  After each
 * round, with every thread idle, the log and the pool must show:
 *   - VALIDATE clean
 *   - every answer in the set the ABI allows for that request
 *   - every completed READ saw one whole pattern or zeros, never a mix,
 *     never the pattern of a refused write
 *   - every live block holds one whole pattern of a completed write, or
 *     zeros after a completed clean; a block whose last completed request
 *     certainly came after all others on it holds what that one says: the
 *     write's pattern, zeros, the copy's source, or no block at all after
 *     a free or a move
 *   - with two CPUs or more, some requests met a hold (EBUSY)
 * Also: ALLOC and ALLOC_BATCH refuse an impossible size alike (ENOMEM).
 * And the judgement of reads itself, on a made-up log of a header pool,
 * whose names are offsets that outlive their blocks: a write sent before
 * an ALLOC that got a freed block's offset again was answered may have
 * reached the old block, so it does not make the new one written.
 *
 * Prints TAP; exit status 0 only if every result passed.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "libckremm.h"

#define KIB		(1ULL << 10)
#define MIB		(1ULL << 20)

#define MAX_PROCS	8
#define THREADS		2		/* stress threads per process */
#define MAX_ACTORS	(MAX_PROCS * THREADS)
/*
 * 8 results for the races (4 on one CPU, see the top), 1 for sizes, 1
 * for the judgement of reads, 6 per pool kind of stress.
 */
#define PLAN		22
#define RACES		4

static long cpus;	/* online */
static bool have_uffd;	/* userfaultfd(2) works here */

/* Results planned: a single CPU cannot overlap the races' requests. */
static unsigned int plan(void)
{
	return (cpus == 1 ? PLAN - RACES : PLAN) + (have_uffd ? 2 : 0);
}

static struct run_opts opt = {
	.procs = 3, .count = 3, .seconds = 10, .seed = 1,
};


/* ---- common pieces ------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static __u64 rnd(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Word @i of the pattern keyed @key. */
static __u64 pat_word(__u64 key, __u64 i)
{
	return mix64(key ^ (i * 0x9e3779b97f4a7c15ULL));
}

/* @len bytes (a multiple of 8) of @key's pattern from byte @pos on. */
static void fill(void *buf, __u64 len, __u64 key, __u64 pos)
{
	__u64 *w = buf;

	for (__u64 i = 0; i < len / 8; i++)
		w[i] = pat_word(key, pos / 8 + i);
}

static void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int load(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void store(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* VALIDATE, again while it answers that the pool kept changing. */
static int validate(struct ckremm_pool *p, struct ckremm_validate *v)
{
	int ret = -EBUSY;

	for (int i = 0; i < 50 && ret == -EBUSY; i++) {
		if (i)
			usleep(2000);
		ret = ckremm_validate(p, v);
	}
	return ret;
}

/* What went wrong in one test, the first case described. */
struct faults {
	unsigned int n;
	char first[320];
};

static void fault(struct faults *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fault(struct faults *f, const char *fmt, ...)
{
	char text[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!f->n)
		snprintf(f->first, sizeof(f->first), "%s", text);
	if (f->n++ < 10)
		diag("  %s", text);
}

/* ---- races on one block ------------------------------------------- */

#define RACE_POOL	(64 * MIB)
#define RACE_BLOCK	(16 * MIB)	/* the block raced for */
#define RACE_GROW	(24 * MIB)	/* REALLOC to this moves it */
#define RACE_BLOCKER	(4 * KIB)	/* stops x growing in place */
/* Race 1: the other's block, so that its batch lands under the copy. */
#define RACE_LANDING	(15 * MIB)
#define RACE_SMALL	(4 * KIB)	/* race 1: the batch's blocks */
#define RACE_PROBE	(64 * KIB)	/* written at a big block's ends */
#define RACE_SHRINK	(1 * MIB)
#define RACE_TRIES	200

/*
 * One race between process A (the long request) and process B (the
 * conflicting one), in memory shared across fork().  The parent sets up
 * the blocks and judges the outcome once both have exited.
 */
struct race {
	char name[CKREMM_NAME_LEN];
	__u64 x;		/* the block (offset or handle) */
	__u64 blocker;		/* header races: x's neighbour */
	__u64 src;		/* race 3: the copy's source */
	__u64 key, key2;	/* patterns of x (dst in race 3) and src */
	__u64 b_key;		/* patterns of B's own blocks */
	/* Outcome, zeroed before each race. */
	struct race_out {
		int ready;	/* processes at the start line */
		int gone;	/* a process gave up before the start */
		int a_started;	/* A is about to send its request */
		int a_busy;	/* ...and it has not returned yet */
		int a_ret;
		__u64 a_out;
		int b_saw;	/* B saw A's request at work */
		int b_sent;	/* B sent its conflicting request */
		int b_ret;
		int b_before;	/* A was in flight just before B sent */
		int b_after;	/* ...and still just after B's answer */
		__u64 b_out;
		int b_made;	/* B allocated blocks of its own */
		int b_alloc_ret, b_batch_ret, b_write_ret;
		__u64 b_big, b_big_size;
		int b_nbatch;	/* blocks in b_batch */
		__u64 b_batch[CKREMM_BATCH_MAX];
		char why[160];	/* why a process gave up */
	} o;
};

typedef void (*race_fn)(struct race *r, struct ckremm_pool *p);
typedef bool (*race_prep)(struct race *r, struct ckremm_pool *p);

/*
 * A process of a race: attach the pool, get ready with @prep (if any),
 * meet the other, run @fn.
 */
static int race_process(struct race *r, race_prep prep, race_fn fn)
{
	struct ckremm_pool p;
	double give_up = now() + 30;
	int fd, ret;

	fd = ckremm_dev_open(NULL);
	ret = fd < 0 ? fd : ckremm_pool_open(fd, r->name, 0, &p);
	if (ret) {
		snprintf(r->o.why, sizeof(r->o.why), "OPEN %s: %s", r->name,
			 errno_name(ret));
		store(&r->o.gone, 1);
		return 1;
	}
	if (prep && !prep(r, &p)) {
		snprintf(r->o.why, sizeof(r->o.why), "getting ready failed");
		store(&r->o.gone, 1);
		return 1;
	}
	__atomic_add_fetch(&r->o.ready, 1, __ATOMIC_SEQ_CST);
	while (load(&r->o.ready) < 2) {
		if (load(&r->o.gone) || now() > give_up)
			return 1;
		sched_yield();
	}
	fn(r, &p);
	ckremm_dev_close(fd);
	return 0;
}

/* Run A and B once; false if either could not run. */
static bool race_once(struct race *r, race_fn a, race_prep b_prep, race_fn b)
{
	pid_t pid[2];
	bool ok = true;
	int status;

	memset(&r->o, 0, sizeof(r->o));
	fflush(stdout);
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (!pid[i])
			_exit(race_process(r, i ? b_prep : NULL, i ? b : a));
	}
	for (int i = 0; i < 2; i++) {
		if (pid[i] < 0 || waitpid(pid[i], &status, 0) != pid[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			ok = false;
	}
	return ok;
}

/* A: time the request between a_started/a_busy and its answer. */
static void a_begin(struct race *r)
{
	store(&r->o.a_started, 1);
	store(&r->o.a_busy, 1);
}

static void a_end(struct race *r, int ret)
{
	r->o.a_ret = ret;
	store(&r->o.a_busy, 0);
}

static void a_realloc(struct race *r, struct ckremm_pool *p)
{
	__u64 out = 0;
	int ret;

	a_begin(r);
	ret = ckremm_realloc(p, r->x, RACE_GROW, &out);
	r->o.a_out = out;
	a_end(r, ret);
}

static void a_copy(struct race *r, struct ckremm_pool *p)
{
	int ret;

	a_begin(r);
	ret = ckremm_copy(p, r->x, r->src);
	a_end(r, ret);
}

static void a_clean(struct race *r, struct ckremm_pool *p)
{
	int ret;

	a_begin(r);
	ret = ckremm_clean(p, r->x, NULL, NULL);
	a_end(r, ret);
}

/* B: wait for A to start; false if it never did. */
static bool b_wait_start(struct race *r)
{
	double give_up = now() + 30;

	while (!load(&r->o.a_started)) {
		if (now() > give_up)
			return false;
		sched_yield();
	}
	return true;
}

static void b_before(struct race *r)
{
	r->o.b_before = load(&r->o.a_busy);
}

static void b_after(struct race *r, int ret)
{
	r->o.b_after = load(&r->o.a_busy);
	r->o.b_ret = ret;
	r->o.b_sent = 1;
}

/*
 * Poll WALK while A's REALLOC runs for a used block that is neither x
 * nor its neighbour: the new block, there once REALLOC has allocated it
 * and begun to copy into it.
 */
static bool b_find_new_block(struct race *r, struct ckremm_pool *p, __u64 *n)
{
	struct ckremm_extent e[16];

	if (!b_wait_start(r))
		return false;
	while (load(&r->o.a_busy)) {
		struct ckremm_walk w = {
			.pool = p->id, .count = 16,
			.entries = (__u64)(uintptr_t)e,
		};

		if (ckremm_ioc_walk(p->fd, &w))
			continue;
		for (__u32 i = 0; i < w.count; i++) {
			__u64 off = e[i].offset + e[i].meta;

			if ((e[i].flags & CKREMM_EXTENT_USED) &&
			    off != r->x && off != r->blocker) {
				*n = off;
				r->o.b_saw = 1;
				return true;
			}
		}
	}
	return false;
}

/*
 * B's own blocks: one of @big bytes written at both ends, and with
 * @batch a batch of small ones right behind it, written whole.  The
 * parent reads them all back.
 */
static void b_own_blocks(struct race *r, struct ckremm_pool *p, __u64 big,
			 bool batch)
{
	static __u64 buf[RACE_PROBE / 8];
	int ret = 0;

	r->o.b_made = 1;
	r->o.b_big_size = big;
	r->o.b_alloc_ret = ckremm_alloc(p, big, &r->o.b_big);
	if (r->o.b_alloc_ret)
		return;
	if (batch) {
		r->o.b_batch_ret = ckremm_alloc_batch(p, RACE_SMALL, 0,
						      r->o.b_batch,
						      CKREMM_BATCH_MAX);
		if (!r->o.b_batch_ret)
			r->o.b_nbatch = CKREMM_BATCH_MAX;
		for (int i = 0; i < r->o.b_nbatch && !ret; i++) {
			fill(buf, RACE_SMALL, r->b_key + 1 + i, 0);
			ret = ckremm_write(p, r->o.b_batch[i], 0, buf,
					   RACE_SMALL);
		}
	}
	fill(buf, RACE_PROBE, r->b_key, big - RACE_PROBE);
	if (!ret)
		ret = ckremm_write(p, r->o.b_big, big - RACE_PROBE, buf,
				   RACE_PROBE);
	fill(buf, RACE_PROBE, r->b_key, 0);
	if (!ret)
		ret = ckremm_write(p, r->o.b_big, 0, buf, RACE_PROBE);
	r->o.b_write_ret = ret;
}

/* Race 1's B: free REALLOC's new block, then allocate where it was. */
static void b_free_new(struct race *r, struct ckremm_pool *p)
{
	__u64 n;
	int ret;

	if (!b_find_new_block(r, p, &n))
		return;
	b_before(r);
	ret = ckremm_free(p, n);
	b_after(r, ret);
	r->o.b_out = n;
	b_own_blocks(r, p, RACE_LANDING, true);
}

/* Race 2's B: free the block REALLOC is moving, and take its place. */
static void b_free_old(struct race *r, struct ckremm_pool *p)
{
	__u64 n;
	int ret;

	if (!b_find_new_block(r, p, &n))
		return;
	b_before(r);
	ret = ckremm_free(p, r->x);
	b_after(r, ret);
	if (!ret)
		b_own_blocks(r, p, RACE_BLOCK, false);
}

/* B's view of the word the long request writes first, and its value. */
static const __u64 *watch_word;
static __u64 watch_was;

static bool watch_prep(struct ckremm_pool *p, __u64 off, __u64 was)
{
	const void *view;

	/* Left mapped until the process exits. */
	if (ckremm_map_arena(p, &view))
		return false;
	watch_word = (const __u64 *)((const char *)view + off);
	watch_was = was;
	return true;
}

/* Wait until the watched word changes while A runs: A is at work. */
static bool b_watch(struct race *r)
{
	if (!b_wait_start(r))
		return false;
	while (load(&r->o.a_busy)) {
		if (__atomic_load_n(watch_word, __ATOMIC_RELAXED) !=
		    watch_was) {
			r->o.b_saw = 1;
			return true;
		}
	}
	return false;
}

/* Race 3: B watches the destination's first word. */
static bool prep_copy(struct race *r, struct ckremm_pool *p)
{
	__u64 off, size;

	return !ckremm_locate(p, r->x, &off, &size) &&
	       watch_prep(p, off, pat_word(r->key, 0));
}

/* Race 4: B watches the block's first word. */
static bool prep_clean(struct race *r, struct ckremm_pool *p)
{
	return watch_prep(p, r->x, pat_word(r->key, 0));
}

/* Race 3's B: free the source once the copy has begun. */
static void b_free_src(struct race *r, struct ckremm_pool *p)
{
	int ret;

	if (!b_watch(r))
		return;
	b_before(r);
	ret = ckremm_free(p, r->src);
	b_after(r, ret);
}

/* Race 4's B: shrink the block once the clean has begun. */
static void b_shrink(struct race *r, struct ckremm_pool *p)
{
	__u64 out = 0;
	int ret;

	if (!b_watch(r))
		return;
	b_before(r);
	ret = ckremm_realloc(p, r->x, RACE_SHRINK, &out);
	b_after(r, ret);
	r->o.b_out = out;
}

/* Buffers of the parent: a block's bytes to write, and read back. */
static __u64 *race_wbuf, *race_rbuf;

static int race_write(struct ckremm_pool *p, __u64 block, __u64 len,
		      __u64 key)
{
	fill(race_wbuf, len, key, 0);
	return ckremm_write(p, block, 0, race_wbuf, len);
}

/* Bytes [@pos, @pos + @len) of @block must be @key's pattern (0: zeros). */
static void expect(struct faults *f, struct ckremm_pool *p, __u64 block,
		   __u64 pos, __u64 len, __u64 key, const char *what)
{
	unsigned char *got = (unsigned char *)race_rbuf;
	unsigned char *want = (unsigned char *)race_wbuf;
	__u64 first = len, differ = 0;
	int ret;

	ret = ckremm_read(p, block, pos, got, len);
	if (ret) {
		fault(f, "%s: READ of %llu bytes at %#llx answered %s", what,
		      (unsigned long long)len, (unsigned long long)block,
		      errno_name(ret));
		return;
	}
	if (key)
		fill(want, len, key, pos);
	else
		memset(want, 0, len);
	for (__u64 i = 0; i < len; i++) {
		if (got[i] != want[i]) {
			if (first == len)
				first = i;
			differ++;
		}
	}
	if (differ)
		fault(f, "%s: %llu of %llu bytes differ from %s, the first at byte %llu",
		      what, (unsigned long long)differ,
		      (unsigned long long)len, key ? "its pattern" : "zeros",
		      (unsigned long long)(pos + first));
}

static void expect_valid(struct faults *f, struct ckremm_pool *p)
{
	struct ckremm_validate v;
	int ret = validate(p, &v);

	if (ret)
		fault(f, "VALIDATE answered %s at offset %#llx: %s",
		      errno_name(ret), (unsigned long long)v.offset,
		      ret == -EUCLEAN ? v.reason : "");
}

static bool one_of(int ret, int a, int b, int c)
{
	return ret == a || ret == b || ret == c;
}

/* The parent reads back what B wrote into its own blocks. */
static void expect_b_blocks(struct faults *f, struct race *r,
			    struct ckremm_pool *p)
{
	if (!r->o.b_made)
		return;
	if (r->o.b_alloc_ret || r->o.b_batch_ret || r->o.b_write_ret) {
		fault(f, "the other process's own blocks: ALLOC %s, ALLOC_BATCH %s, WRITE %s (want 0)",
		      errno_name(r->o.b_alloc_ret),
		      errno_name(r->o.b_batch_ret),
		      errno_name(r->o.b_write_ret));
		if (r->o.b_alloc_ret)
			return;
	}
	expect(f, p, r->o.b_big, 0, RACE_PROBE, r->b_key,
	       "the other process's new block, its start");
	expect(f, p, r->o.b_big, r->o.b_big_size - RACE_PROBE, RACE_PROBE,
	       r->b_key, "the other process's new block, its end");
	for (int i = 0; i < r->o.b_nbatch; i++)
		expect(f, p, r->o.b_batch[i], 0, RACE_SMALL,
		       r->b_key + 1 + i, "a block of the other's batch");
}

static int setup_moving(struct race *r, struct ckremm_pool *p)
{
	return ckremm_alloc(p, RACE_BLOCK, &r->x) ?:
	       ckremm_alloc(p, RACE_BLOCKER, &r->blocker) ?:
	       race_write(p, r->x, RACE_BLOCK, r->key);
}

static int setup_copy(struct race *r, struct ckremm_pool *p)
{
	return ckremm_alloc(p, RACE_BLOCK, &r->x) ?:
	       ckremm_alloc(p, RACE_BLOCK, &r->src) ?:
	       race_write(p, r->x, RACE_BLOCK, r->key) ?:
	       race_write(p, r->src, RACE_BLOCK, r->key2);
}

static int setup_clean(struct race *r, struct ckremm_pool *p)
{
	return ckremm_alloc(p, RACE_BLOCK, &r->x) ?:
	       race_write(p, r->x, RACE_BLOCK, r->key);
}

static void judge_free_new(struct faults *f, struct race *r,
			   struct ckremm_pool *p)
{
	struct race_out *o = &r->o;

	if (o->a_ret)
		fault(f, "REALLOC of the block answered %s (want 0)",
		      errno_name(o->a_ret));
	if (o->b_sent && o->b_ret && o->b_ret != -EBUSY)
		fault(f, "FREE of REALLOC's new block answered %s (want 0 or EBUSY)",
		      errno_name(o->b_ret));
	if (o->b_sent && !o->b_ret && o->b_before && o->b_after)
		diag("  FREE of REALLOC's new block %#llx answered 0 while REALLOC ran",
		     (unsigned long long)o->b_out);
	expect_valid(f, p);
	expect_b_blocks(f, r, p);
	if (!o->a_ret && !(o->b_sent && !o->b_ret))
		expect(f, p, o->a_out, 0, RACE_BLOCK, r->key,
		       "the block REALLOC moved");
}

static void judge_free_old(struct faults *f, struct race *r,
			   struct ckremm_pool *p)
{
	struct race_out *o = &r->o;

	if (!one_of(o->a_ret, 0, -EBUSY, -EINVAL))
		fault(f, "REALLOC answered %s", errno_name(o->a_ret));
	if (o->b_sent && !one_of(o->b_ret, 0, -EBUSY, -EINVAL))
		fault(f, "FREE answered %s", errno_name(o->b_ret));
	if (o->b_sent && !o->a_ret && !o->b_ret)
		fault(f, "REALLOC and FREE of the same block both answered 0 (REALLOC's block at %#llx, FREE %s)",
		      (unsigned long long)o->a_out,
		      o->b_before && o->b_after ? "while REALLOC ran" :
		      "around REALLOC");
	expect_valid(f, p);
	expect_b_blocks(f, r, p);
	if (!o->a_ret && !(o->b_sent && !o->b_ret))
		expect(f, p, o->a_out, 0, RACE_BLOCK, r->key,
		       "the block REALLOC moved");
}

static void judge_copy(struct faults *f, struct race *r, struct ckremm_pool *p)
{
	struct race_out *o = &r->o;

	if (!one_of(o->a_ret, 0, -EBUSY, -EINVAL))
		fault(f, "COPY answered %s", errno_name(o->a_ret));
	if (o->b_sent && !one_of(o->b_ret, 0, -EBUSY, -EINVAL))
		fault(f, "FREE of the source answered %s",
		      errno_name(o->b_ret));
	if (o->a_ret)
		expect(f, p, r->x, 0, RACE_BLOCK, r->key,
		       "the destination of a COPY that failed");
	else
		expect(f, p, r->x, 0, RACE_BLOCK, r->key2,
		       "the destination of a COPY that completed");
	if (f->n)
		diag("  COPY answered %s; FREE of its source %s%s",
		     errno_name(o->a_ret),
		     o->b_sent ? errno_name(o->b_ret) : "not sent",
		     o->b_sent && o->b_before && o->b_after ?
		     ", sent and answered while COPY ran" : "");
	expect_valid(f, p);
}

static void judge_clean(struct faults *f, struct race *r, struct ckremm_pool *p)
{
	struct race_out *o = &r->o;
	bool shrunk = o->b_sent && !o->b_ret;

	if (!one_of(o->a_ret, 0, -EBUSY, -EINVAL))
		fault(f, "CLEAN answered %s", errno_name(o->a_ret));
	if (o->b_sent && !one_of(o->b_ret, 0, -EBUSY, -EINVAL))
		fault(f, "REALLOC answered %s", errno_name(o->b_ret));
	expect(f, p, shrunk ? o->b_out : r->x, 0,
	       shrunk ? RACE_SHRINK : RACE_BLOCK, o->a_ret ? r->key : 0,
	       o->a_ret ? "the block of a CLEAN that failed" :
	       "the block of a CLEAN that completed");
	if (f->n)
		diag("  CLEAN answered %s; REALLOC to %llu bytes %s%s",
		     errno_name(o->a_ret), RACE_SHRINK,
		     o->b_sent ? errno_name(o->b_ret) : "not sent",
		     o->b_sent && o->b_before && o->b_after ?
		     ", sent and answered while CLEAN ran" : "");
	expect_valid(f, p);
}

/* Free every used block of a header pool. */
static void free_all(struct ckremm_pool *p)
{
	struct ckremm_extent *e;
	size_t n;

	if (ckremm_walk_all(p, &e, &n))
		return;
	for (size_t i = 0; i < n; i++)
		if (e[i].flags & CKREMM_EXTENT_USED)
			ckremm_free(p, e[i].offset + e[i].meta);
	free(e);
}

static void reset_copy(struct race *r, struct ckremm_pool *p)
{
	ckremm_free(p, r->x);
	ckremm_free(p, r->src);
}

static void reset_header(struct race *r, struct ckremm_pool *p)
{
	(void)r;
	free_all(p);
}

struct race_case {
	const char *title;
	const char *rule;	/* what every outcome must keep */
	__u32 kind;
	int (*setup)(struct race *r, struct ckremm_pool *p);
	race_fn a;
	race_prep b_prep;
	race_fn b;
	void (*judge)(struct faults *f, struct race *r, struct ckremm_pool *p);
	void (*reset)(struct race *r, struct ckremm_pool *p);
};

static const struct race_case race_cases[] = {
	{
		.title = "race 1: REALLOC moves 16 MiB while another process frees the new block and allocates under the copy",
		.rule = "VALIDATE clean, the other's 65 blocks keep their bytes, the moved block its contents",
		.kind = CKREMM_KIND_HEADER, .setup = setup_moving,
		.a = a_realloc, .b = b_free_new, .judge = judge_free_new,
		.reset = reset_header,
	},
	{
		.title = "race 2: REALLOC moves 16 MiB while another process frees the block and allocates 16 MiB",
		.rule = "not both answer 0; the other's new block survives; VALIDATE clean",
		.kind = CKREMM_KIND_HEADER, .setup = setup_moving,
		.a = a_realloc, .b = b_free_old, .judge = judge_free_old,
		.reset = reset_header,
	},
	{
		.title = "race 3: COPY of 16 MiB while another process frees the source",
		.rule = "the destination is all as it was, or all the source",
		.kind = CKREMM_KIND_TABLE, .setup = setup_copy,
		.a = a_copy, .b_prep = prep_copy, .b = b_free_src,
		.judge = judge_copy,
		.reset = reset_copy,
	},
	{
		.title = "race 4: CLEAN of 16 MiB while another process shrinks the block to 1 MiB",
		.rule = "a failed CLEAN leaves every byte, a completed one zeros",
		.kind = CKREMM_KIND_HEADER, .setup = setup_clean,
		.a = a_clean, .b_prep = prep_clean, .b = b_shrink,
		.judge = judge_clean,
		.reset = reset_header,
	},
};

/* Whether A's or B's request met the other's hold. */
static bool met_hold(const struct race_out *o)
{
	return o->b_sent && (o->b_ret == -EBUSY || o->a_ret == -EBUSY);
}

static void run_race(const struct race_case *c, int index, struct race *r,
		     int fd)
{
	unsigned int tries = 0, overlaps = 0, busy = 0, broke = 0, unseen = 0;
	double start = now();
	double end = start + (cpus > 1 || opt.seconds < 3 ? opt.seconds : 3);
	struct faults f = { 0 };
	struct ckremm_pool p;
	int ret;

	diag("%s", c->title);
	snprintf(r->name, sizeof(r->name), "cf%d-r%d", (int)getpid(), index);
	ret = ckremm_pool_create(fd, c->kind, RACE_POOL, r->name, 0600, &p);
	if (!ret && p.arena_size < RACE_BLOCK + RACE_GROW + RACE_LANDING)
		ret = -E2BIG;
	if (ret) {
		fault(&f, "CREATE of a named pool of %llu bytes: %s (max_pool_size too low?)",
		      RACE_POOL, errno_name(ret));
		goto report;
	}
	while (!f.n && overlaps < opt.count && tries < RACE_TRIES &&
	       now() < end) {
		struct race_out *o = &r->o;
		unsigned int faults_before = f.n;

		tries++;
		r->key = mix64(opt.seed * 7919 + (__u64)index * 104729 +
			     tries) | 1;
		r->key2 = mix64(r->key) | 1;
		r->b_key = mix64(r->key2) | 1;
		ret = c->setup(r, &p);
		if (ret) {
			fault(&f, "setting up the blocks: %s", errno_name(ret));
			break;
		}
		if (!race_once(r, c->a, c->b_prep, c->b)) {
			fault(&f, "a process of the race failed%s%s",
			      o->why[0] ? ": " : "", o->why);
			break;
		}
		c->judge(&f, r, &p);
		if (met_hold(o))
			busy++;
		else if (f.n > faults_before)
			broke++;
		if (met_hold(o) || f.n > faults_before)
			overlaps++;
		if (!o->b_sent)
			unseen++;
		if (f.n)
			diag("  in race %u: first answer %s, second %s (the first seen at work %d; in flight just before the second was sent %d, just after it was answered %d)",
			     tries, errno_name(o->a_ret),
			     o->b_sent ? errno_name(o->b_ret) : "not sent",
			     o->b_saw, o->b_before, o->b_after);
		c->reset(r, &p);
	}
	ckremm_pool_destroy(&p);
report:
	diag("race %d: %u races in %.1f s: %u overlapped (%u met a hold, %u broke the rule); in %u the second request was never sent",
	     index, tries, now() - start, overlaps, busy, broke, unseen);
	tap(!f.n, "%s: %s (%u races)%s%s", c->title, c->rule, tries,
	    f.n ? ": " : "", f.first);
	if (cpus == 1)
		diag("race %d: one CPU online: %u of %u races overlapped; not required here",
		     index, overlaps, tries);
	else
		tap(overlaps > 0, "race %d: the requests overlapped in %u of %u races (%u met a hold, %u broke the rule)",
		    index, overlaps, tries, busy, broke);
}

static void run_races(int fd)
{
	struct race *r = shared_alloc(sizeof(*r));

	race_wbuf = malloc(RACE_BLOCK);
	race_rbuf = malloc(RACE_BLOCK);
	if (!r || !race_wbuf || !race_rbuf) {
		diag("races: out of memory");
		return;
	}
	for (size_t i = 0; i < sizeof(race_cases) / sizeof(*race_cases); i++)
		run_race(&race_cases[i], (int)i + 1, r, fd);
	free(race_wbuf);
	free(race_rbuf);
	munmap(r, sizeof(*r));
}

/* ---- an impossible size ------------------------------------------- */

static void impossible_size(int fd)
{
	__u64 off = 0, offs[1];
	struct ckremm_pool p;
	int a, b, ret;

	ret = ckremm_pool_create(fd, CKREMM_KIND_HEADER, 64 * KIB, NULL, 0, &p);
	if (ret) {
		tap(false, "ALLOC and ALLOC_BATCH of 2^63 bytes: CREATE %s",
		    errno_name(ret));
		return;
	}
	a = ckremm_alloc(&p, 1ULL << 63, &off);
	b = ckremm_alloc_batch(&p, 1ULL << 63, 0, offs, 1);
	tap(a == -ENOMEM && b == -ENOMEM,
	    "ALLOC and ALLOC_BATCH of 2^63 bytes both answer ENOMEM (ALLOC %s, ALLOC_BATCH %s)",
	    errno_name(a), errno_name(b));
	ckremm_pool_close(&p);
}

/* ---- a reader waiting for a page ---------------------------------- */

/*
 * A READ whose buffer is a page the kernel must wait for (a page of a
 * userfaultfd range, which nothing fills until this program says so, as
 * a file's server may never answer) must not keep its block held
 * meanwhile: the owner's WRITE of the block succeeds while the reader
 * waits, and the reader then returns the written bytes, whole.  The
 * reader attaches the pool read-only: it has no right to hold the owner
 * up.  Needs userfaultfd(2) with kernel faults (root, CONFIG_USERFAULTFD);
 * planned only where it works.
 */
#define WAIT_BLOCK	(64 * KIB)

struct waiting_read {
	struct ckremm_pool pool;	/* the read-only attachment */
	__u64 block;
	unsigned char *buf;		/* in the userfaultfd range */
	int ret;
};

static void *waiting_read_main(void *arg)
{
	struct waiting_read *w = arg;

	if (w->pool.kind == CKREMM_KIND_TABLE)
		w->ret = ckremm_read(&w->pool, w->block, 0, w->buf, WAIT_BLOCK);
	else
		w->ret = ckremm_read(&w->pool, w->block, 0, w->buf, WAIT_BLOCK);
	return NULL;
}

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Whether userfaultfd(2) works here; 0 or the -errno that says why not. */
static int uffd_probe(void)
{
	int fd = uffd_open();

	have_uffd = fd >= 0;
	if (!have_uffd)
		return fd;
	close(fd);
	return 0;
}

static void waiting_reader(int fd, __u32 kind)
{
	const char *what = kind == CKREMM_KIND_TABLE ? "table" : "header";
	struct waiting_read w = { .ret = 1, .buf = MAP_FAILED };
	unsigned char *src = malloc(WAIT_BLOCK);
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_copy copy = { .len = WAIT_BLOCK };
	struct pollfd pfd = { .events = POLLIN };
	struct ckremm_pool owner;
	char name[CKREMM_NAME_LEN];
	int rfd = -1, uffd = -1, wrote = 1, ret;
	bool stuck = false, same = false, attached = false;
	pthread_t t;
	size_t i;

	snprintf(name, sizeof(name), "cf%d-w%s", (int)getpid(), what);
	ret = ckremm_pool_create(fd, kind, 1 * MIB, name, 0644, &owner);
	if (ret || !src) {
		tap(false, "%s pool: a reader waiting for a page: CREATE %s",
		    what, errno_name(ret));
		free(src);
		return;
	}
	rfd = ckremm_dev_open(NULL);
	uffd = uffd_open();
	w.buf = mmap(NULL, WAIT_BLOCK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (kind == CKREMM_KIND_TABLE)
		ret = ckremm_alloc(&owner, WAIT_BLOCK, &w.block);
	else
		ret = ckremm_alloc(&owner, WAIT_BLOCK, &w.block);
	reg.range.start = (unsigned long)w.buf;
	reg.range.len = WAIT_BLOCK;
	if (!ret && rfd >= 0)
		attached = !ckremm_pool_open(rfd, name, CKREMM_OPEN_RDONLY,
					     &w.pool);
	if (ret || !attached || uffd < 0 || w.buf == MAP_FAILED ||
	    ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    pthread_create(&t, NULL, waiting_read_main, &w)) {
		tap(false, "%s pool: a reader waiting for a page: setup failed (%s)",
		    what, errno_name(ret ? ret : -errno));
		goto out;
	}

	/* The reader's first touch of its buffer waits on the userfaultfd. */
	pfd.fd = uffd;
	stuck = poll(&pfd, 1, 10000) == 1;
	for (i = 0; i < WAIT_BLOCK; i++)
		src[i] = (unsigned char)mix64(i ^ 0x5eed);
	if (stuck) {
		if (kind == CKREMM_KIND_TABLE)
			wrote = ckremm_write(&owner, w.block, 0, src, WAIT_BLOCK);
		else
			wrote = ckremm_write(&owner, w.block, 0, src, WAIT_BLOCK);
	}
	/* Let the reader go on: its buffer's pages appear, zeroed. */
	copy.dst = (unsigned long)w.buf;
	copy.src = (unsigned long)calloc(1, WAIT_BLOCK);
	if (!copy.src || ioctl(uffd, UFFDIO_COPY, &copy))
		diag("%s pool: UFFDIO_COPY: %s", what, errno_name(-errno));
	pthread_join(t, NULL);
	free((void *)(unsigned long)copy.src);
	same = !w.ret && !memcmp(w.buf, src, WAIT_BLOCK);
	tap(stuck && !wrote && same,
	    "%s pool: while a read-only READ waits for a user page, the owner's WRITE of the block answers %s (want 0) and the READ then answers %s with %s",
	    what, stuck ? errno_name(wrote) : "nothing: the reader never waited",
	    errno_name(w.ret), same ? "the written bytes" : "other bytes");
out:
	if (attached)
		ckremm_pool_close(&w.pool);
	if (w.buf != MAP_FAILED)
		munmap(w.buf, WAIT_BLOCK);
	if (uffd >= 0)
		close(uffd);
	if (rfd >= 0)
		ckremm_dev_close(rfd);
	ckremm_pool_destroy(&owner);
	free(src);
}

/* ---- the stress --------------------------------------------------- */

#define STRESS_POOL	(32 * MIB)
#define SLOTS		4
#define SIZE_STEP	(64 * KIB)
#define NEW_MIN		(256 * KIB)
#define NEW_MAX		(2 * MIB)	/* new blocks */
#define GROW_MAX	(3 * MIB)	/* REALLOC */
#define LOG_MAX		4096	/* logged per thread and round */
#define LOG_RESERVE	64	/* room kept for one step's requests */
#define PINS_MAX	8
#define INIT_TRIES	32	/* writes of a new block refused EBUSY */
#define EMPTY		(~0ULL)
#define KEY_TAG		(0xc7ULL << 56)
#define PARENT		0xff	/* the actor number of the parent */

enum op {
	OP_READ, OP_WRITE, OP_CLEAN, OP_COPY, OP_FREE, OP_FREE_BATCH,
	OP_REALLOC, OP_ALLOC, OP_PIN, OP_UNPIN, OP_LOCATE, OP_REORDER,
	OP_VALIDATE, OP_STATS, OP_WALK, OP_CLOSE, OP_OPEN, OP_CLOSE_FILE,
	OP_DESTROY, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"READ", "WRITE", "CLEAN", "COPY", "FREE", "FREE_BATCH", "REALLOC",
	"ALLOC", "PIN", "UNPIN", "LOCATE", "REORDER", "VALIDATE", "STATS",
	"WALK", "CLOSE", "OPEN", "close()", "DESTROY",
};

/* What a completed READ saw. */
enum seen { SEEN_WHOLE = 1, SEEN_ZERO, SEEN_TORN };

/* One request as a thread sent it; 48 bytes. */
struct entry {
	__u8 op;
	__u8 seen;	/* READ: enum seen */
	__s16 err;	/* 0 or -errno */
	__u32 len;	/* bytes read or written, a new block's size */
	__u64 name;	/* the block (COPY: destination) */
	/* COPY: source; FREE_BATCH: second block; ALLOC, REALLOC: the
	 * new block; READ: first bad byte.
	 */
	__u64 aux;
	__u64 key;	/* WRITE: the pattern; READ: the one seen */
	double t0, t1;	/* sent, answered */
};

struct stress {
	int phase;		/* 2 r + 1 while round r runs */
	int done;		/* threads leave at the next phase */
	int finished;		/* threads done with the round */
	int table;
	int destroyer;		/* thread that destroys the pool, or -1 */
	double start, deadline;
	__u64 tsize;		/* table pools: every block's size */
	char name[CKREMM_NAME_LEN];
	__u64 slot[SLOTS];	/* the blocks aimed at, or EMPTY */
	__u64 slot_size[SLOTS];	/* their sizes as last set */
	unsigned int nlog[MAX_ACTORS];
	int lost[MAX_ACTORS];	/* things a thread could not do */
	struct entry log[MAX_ACTORS][LOG_MAX];
};

struct actor {
	int id;
	int fd;
	bool table;
	bool attached;
	struct ckremm_pool pool;
	struct stress *st;
	__u64 rng;
	__u64 seq;
	int round;
	__u64 *wbuf, *rbuf;
	__u64 pins[PINS_MAX];
	int npins;
};

static __u64 make_key(int round, int actor, __u64 seq)
{
	return KEY_TAG | ((__u64)(round & 0xff) << 48) |
	       ((__u64)(actor & 0xff) << 40) | (seq & 0xffffffffffULL);
}

/* A pattern that names itself: its key, its length, then @key's words. */
static void stamp(__u64 *w, __u64 len, __u64 key)
{
	fill(w, len, key, 0);
	w[0] = key;
	if (len >= 16)
		w[1] = len;
}

/*
 * What @len bytes read from a block's start hold: one whole pattern (up
 * to its length or @len), zeros, or neither; the key and the first bad
 * byte go to @key and @bad.
 */
static enum seen judge(const __u64 *w, __u64 len, __u64 *key, __u64 *bad)
{
	__u64 n = len / 8, lim;

	*key = 0;
	*bad = 0;
	if (!n)
		return SEEN_ZERO;
	if (!w[0]) {
		for (__u64 i = 1; i < n; i++) {
			if (w[i]) {
				*bad = i * 8;
				return SEEN_TORN;
			}
		}
		return SEEN_ZERO;
	}
	*key = w[0];
	if ((w[0] >> 56) != (KEY_TAG >> 56))
		return SEEN_TORN;
	if (n < 2)
		return SEEN_WHOLE;
	if (w[1] < 16 || w[1] % 8 || w[1] > GROW_MAX) {
		*bad = 8;
		return SEEN_TORN;
	}
	lim = w[1] / 8 < n ? w[1] / 8 : n;
	for (__u64 i = 2; i < lim; i++) {
		if (w[i] != pat_word(w[0], i)) {
			*bad = i * 8;
			return SEEN_TORN;
		}
	}
	return SEEN_WHOLE;
}

static __u64 pick_size(struct actor *a, __u64 max)
{
	__u64 steps = (max - NEW_MIN) / SIZE_STEP + 1;

	return NEW_MIN + rnd(&a->rng) % steps * SIZE_STEP;
}

static struct entry *log_begin(struct actor *a, enum op op, __u64 name)
{
	struct entry *e = &a->st->log[a->id][a->st->nlog[a->id]];

	memset(e, 0, sizeof(*e));
	e->op = op;
	e->name = name;
	e->t0 = now();
	return e;
}

/* Keep @e, answered @ret at e->t1. */
static int log_keep(struct actor *a, struct entry *e, int ret)
{
	e->err = (__s16)ret;
	if (a->st->nlog[a->id] < LOG_MAX - 1)
		a->st->nlog[a->id]++;
	else
		a->st->lost[a->id]++;
	return ret;
}

static int log_end(struct actor *a, struct entry *e, int ret)
{
	e->t1 = now();
	return log_keep(a, e, ret);
}

static bool slot_cas(struct stress *st, int s, __u64 from, __u64 to)
{
	return __atomic_compare_exchange_n(&st->slot[s], &from, to, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static int do_write(struct actor *a, __u64 name, __u64 len)
{
	struct entry *e = log_begin(a, OP_WRITE, name);

	e->key = make_key(a->round, a->id, ++a->seq);
	e->len = (__u32)len;
	stamp(a->wbuf, len, e->key);
	return log_end(a, e, ckremm_write(&a->pool, name, 0, a->wbuf,
						len));
}

static void do_read(struct actor *a, __u64 name, __u64 len)
{
	struct entry *e = log_begin(a, OP_READ, name);
	int ret;

	e->len = (__u32)len;
	ret = ckremm_read(&a->pool, name, 0, a->rbuf, len);
	e->t1 = now();
	if (!ret)
		e->seen = (__u8)judge(a->rbuf, len, &e->key, &e->aux);
	log_keep(a, e, ret);
}

static int do_free(struct actor *a, __u64 name)
{
	struct entry *e = log_begin(a, OP_FREE, name);

	return log_end(a, e, ckremm_free(&a->pool, name));
}

/* Write a block this thread just made until the write is not refused. */
static int write_new(struct actor *a, __u64 name, __u64 len)
{
	int ret = -EBUSY;

	for (int i = 0; i < INIT_TRIES && ret == -EBUSY; i++) {
		if (i)
			usleep(1000 * (i < 20 ? i : 20));
		ret = do_write(a, name, len);
	}
	if (ret == -EBUSY)
		a->st->lost[a->id]++;
	return ret;
}

/*
 * Put a new block into slot @s, written first; free it if the slot was
 * taken meanwhile.
 */
static void publish(struct actor *a, int s, __u64 from, __u64 name,
		    __u64 size)
{
	if (write_new(a, name, size)) {
		/* Gone already: a stale name freed it. */
		if (from != EMPTY && from != name)
			slot_cas(a->st, s, from, EMPTY);
		return;
	}
	a->st->slot_size[s] = size;
	if (!slot_cas(a->st, s, from, name))
		do_free(a, name);
}

static void do_alloc(struct actor *a, int s)
{
	__u64 size = a->table ? a->st->tsize : pick_size(a, NEW_MAX);
	struct entry *e = log_begin(a, OP_ALLOC, 0);
	__u64 name = 0;
	__u32 flags = 0;
	int ret;

	e->len = (__u32)size;
	/* A table pool may compact to make room; a header pool may not. */
	if (a->table && !(rnd(&a->rng) % 4))
		flags = CKREMM_ALLOC_REORDER;
	ret = ckremm_alloc_ex(&a->pool, size, 0, flags, &name);
	e->aux = name;
	if (log_end(a, e, ret))
		return;
	publish(a, s, EMPTY, name, size);
}

static void do_realloc(struct actor *a, int s, __u64 name, __u64 size)
{
	__u64 want = pick_size(a, GROW_MAX), moved = 0;
	struct entry *e;
	int ret;

	if (want == size)
		want = want == GROW_MAX ? NEW_MIN : want + SIZE_STEP;
	e = log_begin(a, OP_REALLOC, name);
	e->len = (__u32)want;
	ret = ckremm_realloc(&a->pool, name, want, &moved);
	e->aux = moved;
	/* The new bytes are whatever the arena held: write them. */
	if (!log_end(a, e, ret))
		publish(a, s, name, moved, want);
}

static void do_free_batch(struct actor *a, int s, __u64 name)
{
	int s2 = (s + 1 + (int)(rnd(&a->rng) % (SLOTS - 1))) % SLOTS;
	__u64 two[2] = { name, __atomic_load_n(&a->st->slot[s2],
					       __ATOMIC_SEQ_CST) };
	struct entry *e;

	if (two[1] == EMPTY) {
		if (!do_free(a, name))
			slot_cas(a->st, s, name, EMPTY);
		return;
	}
	e = log_begin(a, OP_FREE_BATCH, name);
	e->aux = two[1];
	if (!log_end(a, e, ckremm_free_batch(&a->pool, two, 2))) {
		slot_cas(a->st, s, name, EMPTY);
		slot_cas(a->st, s2, two[1], EMPTY);
	}
}

static void do_copy(struct actor *a, int s, __u64 dst)
{
	int s2 = (s + 1 + (int)(rnd(&a->rng) % (SLOTS - 1))) % SLOTS;
	__u64 src = __atomic_load_n(&a->st->slot[s2], __ATOMIC_SEQ_CST);
	struct entry *e;

	if (src == EMPTY || src == dst)
		return;
	e = log_begin(a, OP_COPY, dst);
	e->aux = src;
	log_end(a, e, ckremm_copy(&a->pool, dst, src));
}

static void do_pin(struct actor *a, __u64 name)
{
	struct entry *e = log_begin(a, OP_PIN, name);

	if (log_end(a, e, ckremm_pin(&a->pool, name, NULL, NULL)))
		return;
	if (a->npins < PINS_MAX) {
		a->pins[a->npins++] = name;
		return;
	}
	e = log_begin(a, OP_UNPIN, name);
	log_end(a, e, ckremm_unpin(&a->pool, name));
}

static void do_unpin(struct actor *a)
{
	__u64 name = a->pins[--a->npins];
	struct entry *e = log_begin(a, OP_UNPIN, name);

	log_end(a, e, ckremm_unpin(&a->pool, name));
}

static int do_simple(struct actor *a, enum op op, __u64 name)
{
	struct entry *e = log_begin(a, op, name);
	struct ckremm_extent *ext;
	struct ckremm_validate v;
	struct ckremm_stats s;
	size_t n;
	int ret;

	switch (op) {
	case OP_CLEAN:
		ret = ckremm_clean(&a->pool, name, NULL, NULL);
		break;
	case OP_LOCATE:
		ret = ckremm_locate(&a->pool, name, NULL, NULL);
		break;
	case OP_REORDER:
		ret = ckremm_reorder(&a->pool, NULL);
		break;
	case OP_VALIDATE:
		ret = ckremm_validate(&a->pool, &v);
		break;
	case OP_STATS:
		ret = ckremm_stats(&a->pool, &s);
		break;
	default:
		ret = ckremm_walk_all(&a->pool, &ext, &n);
		if (!ret)
			free(ext);
		break;
	}
	return log_end(a, e, ret);
}

static void attach(struct actor *a)
{
	struct entry *e = log_begin(a, OP_OPEN, 0);

	a->attached = !log_end(a, e, ckremm_pool_open(a->fd, a->st->name, 0,
						      &a->pool));
	a->npins = 0;
}

/*
 * Close the attachment (its pins go with it), or the whole file, and
 * attach again.
 */
static void reattach(struct actor *a, bool whole_file)
{
	struct entry *e;

	if (whole_file) {
		e = log_begin(a, OP_CLOSE_FILE, 0);
		log_end(a, e, ckremm_dev_close(a->fd));
		a->fd = ckremm_dev_open(NULL);
	} else {
		e = log_begin(a, OP_CLOSE, 0);
		log_end(a, e, ckremm_pool_close(&a->pool));
	}
	attach(a);
}

static void destroy(struct actor *a)
{
	struct entry *e = log_begin(a, OP_DESTROY, 0);

	log_end(a, e, ckremm_pool_destroy(&a->pool));
	a->attached = false;
	a->npins = 0;
}

/* One request, or a few that belong together, at a random block. */
static void step(struct actor *a)
{
	struct stress *st = a->st;
	unsigned int roll = (unsigned int)(rnd(&a->rng) % 100);
	int s = (int)(rnd(&a->rng) % SLOTS);
	__u64 name = __atomic_load_n(&st->slot[s], __ATOMIC_SEQ_CST);
	__u64 size = a->table ? st->tsize : st->slot_size[s];
	int ret;

	if (name == EMPTY) {
		do_alloc(a, s);
		return;
	}
	if (roll < 22) {
		do_read(a, name, size);
	} else if (roll < 44) {
		do_write(a, name, size);
	} else if (roll < 51) {
		/* A name CLEAN or FREE refuses as no block is dead. */
		if (do_simple(a, OP_CLEAN, name) == -EINVAL)
			slot_cas(st, s, name, EMPTY);
	} else if (roll < 57) {
		ret = do_free(a, name);
		if (!ret || ret == -EINVAL)
			slot_cas(st, s, name, EMPTY);
	} else if (roll < 67) {
		if (a->table)
			do_copy(a, s, name);
		else
			do_realloc(a, s, name, size);
	} else if (roll < 71) {
		if (a->table)
			do_pin(a, name);
		else
			do_free_batch(a, s, name);
	} else if (roll < 75) {
		if (a->table && a->npins)
			do_unpin(a);
		else if (a->table)
			do_simple(a, OP_LOCATE, name);
		else
			do_read(a, name, size);
	} else if (roll < 79) {
		do_simple(a, OP_REORDER, 0);
	} else if (roll < 83) {
		do_simple(a, OP_VALIDATE + roll % 3, 0);
	} else if (roll < 86) {
		reattach(a, false);
	} else if (roll < 88) {
		reattach(a, true);
	} else {
		do_read(a, name, size);
	}
}

static void run_round(struct actor *a)
{
	struct stress *st = a->st;
	double half = st->start + (st->deadline - st->start) / 2;

	st->nlog[a->id] = 0;
	attach(a);
	while (a->attached && now() < st->deadline &&
	       st->nlog[a->id] < LOG_MAX - LOG_RESERVE) {
		step(a);
		if (st->destroyer == a->id && a->attached && now() > half)
			destroy(a);
	}
	while (a->attached && a->npins)
		do_unpin(a);
	if (a->attached) {
		struct entry *e = log_begin(a, OP_CLOSE, 0);

		log_end(a, e, ckremm_pool_close(&a->pool));
	}
}

static void *actor_thread(void *arg)
{
	struct actor *a = arg;
	struct stress *st = a->st;
	int seen = 0;

	/* Without a file, every OPEN fails and the check says so. */
	a->fd = ckremm_dev_open(NULL);
	for (;;) {
		double give_up = now() + 600;
		int phase;

		while ((phase = load(&st->phase)) == seen) {
			if (now() > give_up)
				return NULL;
			usleep(2000);
		}
		seen = phase;
		if (load(&st->done))
			break;
		a->round = phase / 2;
		run_round(a);
		__atomic_add_fetch(&st->finished, 1, __ATOMIC_SEQ_CST);
	}
	if (a->fd >= 0)
		ckremm_dev_close(a->fd);
	return NULL;
}

/* A stress process: THREADS actors.  Exit status 0 if all could start. */
static int actor_process(struct stress *st, int proc, bool table)
{
	struct actor a[THREADS];
	pthread_t tid[THREADS];
	int status = 0;

	for (int t = 0; t < THREADS; t++) {
		memset(&a[t], 0, sizeof(a[t]));
		a[t].id = proc * THREADS + t;
		a[t].st = st;
		a[t].table = table;
		a[t].rng = mix64(opt.seed * 1000003 + (__u64)a[t].id * 7919 +
			       table) | 1;
		a[t].wbuf = malloc(GROW_MAX);
		a[t].rbuf = malloc(GROW_MAX);
		if (!a[t].wbuf || !a[t].rbuf ||
		    pthread_create(&tid[t], NULL, actor_thread, &a[t]))
			return 1;
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(tid[t], NULL);
	return status;
}

/* ---- checking a round ---------------------------------------------- */

/* What a completed request did to one block. */
enum effect { FX_WRITE, FX_CLEAN, FX_COPY, FX_GONE, FX_BORN, FX_RESIZE };

struct rec {
	__u64 name;
	__u64 key;	/* FX_WRITE: the pattern; FX_COPY: the source */
	double t0, t1;
	int what;
	int actor;
};

/* A live block's bytes at the end of a round. */
struct live {
	__u64 name;	/* offset, or handle (EMPTY if none known) */
	__u64 offset;
	enum seen seen;
	__u64 key;
	__u64 bad;
	__u64 size;
};

struct tally {
	unsigned long requests, busy, unexpected, lost;
	unsigned long reads, bad_reads, blocks, bad_blocks, lasts;
	unsigned int rounds, invalid;
	unsigned long by_op[OP_COUNT][3];	/* sent, 0, EBUSY */
	struct faults answers, reads_f, blocks_f, valid_f;
};

/* Everything a round's check needs, in the parent. */
struct check {
	struct rec *recs;
	size_t nrecs;
	__u64 *good;		/* keys of completed writes, sorted */
	size_t ngood;
	__u64 *refused;		/* keys of writes that were not */
	size_t nrefused;
	struct live *live;	/* sorted by name */
	size_t nlive;
	bool cleaned;		/* some clean completed */
	double destroyed_at;	/* when a DESTROY was sent, or 0 */
};

static int cmp_u64(const void *x, const void *y)
{
	__u64 a = *(const __u64 *)x, b = *(const __u64 *)y;

	return a < b ? -1 : a > b;
}

static int cmp_rec(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;

	if (a->name != b->name)
		return a->name < b->name ? -1 : 1;
	return a->t0 < b->t0 ? -1 : a->t0 > b->t0;
}

static int cmp_live(const void *x, const void *y)
{
	const struct live *a = x, *b = y;

	return a->name < b->name ? -1 : a->name > b->name;
}

static bool has_key(const __u64 *set, size_t n, __u64 key)
{
	return bsearch(&key, set, n, sizeof(*set), cmp_u64) != NULL;
}

static struct live *find_live(struct check *c, __u64 name)
{
	struct live key = { .name = name };

	return bsearch(&key, c->live, c->nlive, sizeof(key), cmp_live);
}

/* The records of @name: [*first, *first + return). */
static size_t group(struct check *c, __u64 name, size_t *first)
{
	size_t lo = 0, hi = c->nrecs, n = 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->recs[mid].name < name)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < c->nrecs && c->recs[lo + n].name == name)
		n++;
	return n;
}

/*
 * Whether a read of @name in [@t0, @t1] may have met the bytes a block
 * had before its maker's first write: the name was given to a new block
 * before the read ended, and no write, clean or copy on it completed
 * before the read began.  Only a request sent once the new block's maker
 * was answered is certainly on the new block.  A header pool names a
 * block by its offset, which outlives it: a write sent while an ALLOC or
 * REALLOC was on its way may have reached the block that held the offset
 * before, which a FREE then freed, so that the ALLOC got the offset again
 * with whatever bytes the free left there (the free list's links, say).
 */
static bool unwritten_then(struct check *c, __u64 name, double t0, double t1)
{
	size_t first, n = group(c, name, &first);

	for (size_t i = 0; i < n; i++) {
		const struct rec *b = &c->recs[first + i];
		bool covered = false;

		if (b->what != FX_BORN && b->what != FX_RESIZE)
			continue;
		if (b->t0 >= t1)
			continue;
		for (size_t j = 0; j < n; j++) {
			const struct rec *w = &c->recs[first + j];

			if (w->what <= FX_COPY && w->t0 >= b->t1 &&
			    w->t1 < t0)
				covered = true;
		}
		if (!covered)
			return true;
	}
	return false;
}

/*
 * The contents of @name when the request [@t0, @t1] ran, if certain: the
 * one write or clean that ended before it began, with every other
 * request on the block ended before that one began or begun after
 * [@t0, @t1].  Returns SEEN_WHOLE (key in @key), SEEN_ZERO, or 0.
 */
static int contents_during(struct check *c, __u64 name, double t0, double t1,
			   __u64 *key)
{
	size_t first, n = group(c, name, &first);
	const struct rec *z = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct rec *r = &c->recs[first + i];

		if (r->t1 < t0 && (!z || r->t1 > z->t1))
			z = r;
	}
	if (!z || (z->what != FX_WRITE && z->what != FX_CLEAN))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct rec *r = &c->recs[first + i];

		if (r != z && r->t1 > z->t0 && r->t0 < t1)
			return 0;
	}
	*key = z->key;
	return z->what == FX_WRITE ? SEEN_WHOLE : SEEN_ZERO;
}

static void add_rec(struct check *c, __u64 name, int what, __u64 key,
		    const struct entry *e, int actor)
{
	struct rec *r = &c->recs[c->nrecs++];

	r->name = name;
	r->what = what;
	r->key = key;
	r->t0 = e->t0;
	r->t1 = e->t1;
	r->actor = actor;
}

static bool allowed(const struct entry *e, const struct check *c)
{
	int err = e->err;

	switch (e->op) {
	case OP_READ:
	case OP_WRITE:
	case OP_CLEAN:
	case OP_COPY:
	case OP_FREE:
	case OP_FREE_BATCH:
		return !err || err == -EBUSY || err == -EINVAL;
	case OP_REALLOC:
		return !err || err == -EBUSY || err == -EINVAL ||
		       err == -ENOMEM;
	case OP_ALLOC:
		return !err || err == -ENOMEM;
	case OP_PIN:
	case OP_LOCATE:
		return !err || err == -EINVAL;
	case OP_VALIDATE:
		return !err || err == -EBUSY;
	case OP_OPEN:
		/* Only once the name is gone. */
		return !err || (err == -ENOENT && c->destroyed_at &&
				c->destroyed_at < e->t1);
	default:
		return !err;
	}
}

/* The log of every thread and of the parent's setup, as records. */
static bool gather(struct check *c, struct stress *st, unsigned int nactors,
		   const struct entry *setup, unsigned int nsetup,
		   struct tally *t)
{
	size_t total = nsetup;

	for (unsigned int i = 0; i < nactors; i++)
		total += st->nlog[i];
	c->recs = calloc(2 * total + 1, sizeof(*c->recs));
	c->good = calloc(total + 1, sizeof(*c->good));
	c->refused = calloc(total + 1, sizeof(*c->refused));
	if (!c->recs || !c->good || !c->refused)
		return false;
	for (unsigned int i = 0; i < nactors; i++)
		for (unsigned int j = 0; j < st->nlog[i]; j++)
			if (st->log[i][j].op == OP_DESTROY && !c->destroyed_at)
				c->destroyed_at = st->log[i][j].t0;
	for (unsigned int i = 0; i <= nactors; i++) {
		const struct entry *log = i < nactors ? st->log[i] : setup;
		unsigned int n = i < nactors ? st->nlog[i] : nsetup;
		int actor = i < nactors ? (int)i : PARENT;

		for (unsigned int j = 0; j < n; j++) {
			const struct entry *e = &log[j];

			if (actor != PARENT) {
				t->requests++;
				t->by_op[e->op][0]++;
				if (!e->err)
					t->by_op[e->op][1]++;
				if (e->err == -EBUSY)
					t->by_op[e->op][2]++;
				/*
				 * Not holds: a pool that kept changing
				 * under VALIDATE, a pinned block.
				 */
				if (e->err == -EBUSY && e->op != OP_VALIDATE &&
				    !(st->table && e->op == OP_FREE))
					t->busy++;
				if (!allowed(e, c)) {
					t->unexpected++;
					fault(&t->answers, "thread %d: %s of %#llx answered %s",
					      actor,
					      op_names[e->op],
					      (unsigned long long)e->name,
					      errno_name(e->err));
				}
			}
			if (e->op == OP_WRITE) {
				if (e->err)
					c->refused[c->nrefused++] = e->key;
				else
					c->good[c->ngood++] = e->key;
			}
			if (e->err)
				continue;
			switch (e->op) {
			case OP_WRITE:
				add_rec(c, e->name, FX_WRITE, e->key, e, actor);
				break;
			case OP_CLEAN:
				c->cleaned = true;
				add_rec(c, e->name, FX_CLEAN, 0, e, actor);
				break;
			case OP_COPY:
				add_rec(c, e->name, FX_COPY, e->aux, e, actor);
				break;
			case OP_FREE:
				add_rec(c, e->name, FX_GONE, 0, e, actor);
				break;
			case OP_FREE_BATCH:
				add_rec(c, e->name, FX_GONE, 0, e, actor);
				add_rec(c, e->aux, FX_GONE, 0, e, actor);
				break;
			case OP_REALLOC:
				if (e->aux == e->name) {
					add_rec(c, e->name, FX_RESIZE, 0, e,
						actor);
					break;
				}
				add_rec(c, e->name, FX_GONE, 0, e, actor);
				add_rec(c, e->aux, FX_BORN, 0, e, actor);
				break;
			case OP_ALLOC:
				add_rec(c, e->aux, FX_BORN, 0, e, actor);
				break;
			default:
				break;
			}
		}
	}
	qsort(c->recs, c->nrecs, sizeof(*c->recs), cmp_rec);
	qsort(c->good, c->ngood, sizeof(*c->good), cmp_u64);
	qsort(c->refused, c->nrefused, sizeof(*c->refused), cmp_u64);
	return true;
}

static bool refused_pattern(const struct check *c, enum seen seen, __u64 key)
{
	return seen == SEEN_WHOLE && has_key(c->refused, c->nrefused, key);
}

/*
 * What is wrong with bytes that were seen as @seen with @key: NULL if
 * they are one whole pattern of a completed write, or zeros after a clean.
 */
static const char *content_fault(const struct check *c, enum seen seen,
				 __u64 key)
{
	if (refused_pattern(c, seen, key))
		return "the pattern of a refused write";
	if (seen == SEEN_TORN)
		return "a mix";
	if (seen == SEEN_WHOLE && !has_key(c->good, c->ngood, key))
		return "a pattern no completed write made";
	if (seen == SEEN_ZERO && !c->cleaned)
		return "zeros, though nothing was cleaned";
	return NULL;
}

/* What is wrong with what completed READ @e saw: NULL if nothing. */
static const char *read_fault(struct check *c, const struct entry *e)
{
	/* A block nobody had written may hold anything, but never a
	 * refused write's pattern. */
	if (!refused_pattern(c, e->seen, e->key) &&
	    unwritten_then(c, e->name, e->t0, e->t1))
		return NULL;
	return content_fault(c, e->seen, e->key);
}

/*
 * Every completed READ saw one whole pattern of a completed write, or
 * zeros after a clean.
 */
static void check_reads(struct check *c, struct stress *st,
			unsigned int nactors, struct tally *t)
{
	for (unsigned int i = 0; i < nactors; i++) {
		for (unsigned int j = 0; j < st->nlog[i]; j++) {
			const struct entry *e = &st->log[i][j];
			const char *wrong = NULL;

			if (e->op != OP_READ || e->err)
				continue;
			t->reads++;
			wrong = read_fault(c, e);
			if (!wrong)
				continue;
			t->bad_reads++;
			fault(&t->reads_f, "thread %u: %s of %#llx (%u bytes) saw %s (key %#llx, byte %llu)",
			      i, op_names[OP_READ],
			      (unsigned long long)e->name, e->len, wrong,
			      (unsigned long long)e->key,
			      (unsigned long long)e->aux);
		}
	}
}

static int cmp_offset(const void *x, const void *y)
{
	const struct live *a = x, *b = y;

	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/*
 * The live blocks at the end of a round, their bytes judged through a
 * mapping; a table pool's blocks named by the handles of the log that
 * LOCATE finds.
 */
static bool collect_live(struct check *c, struct ckremm_pool *p, bool table)
{
	struct ckremm_extent *e;
	const void *view;
	size_t n;

	if (ckremm_walk_all(p, &e, &n))
		return false;
	if (ckremm_map_arena(p, &view)) {
		free(e);
		return false;
	}
	c->live = calloc(n + 1, sizeof(*c->live));
	for (size_t i = 0; c->live && i < n; i++) {
		struct live *l;

		if (!(e[i].flags & CKREMM_EXTENT_USED))
			continue;
		l = &c->live[c->nlive++];
		l->offset = e[i].offset + e[i].meta;
		l->name = table ? EMPTY : l->offset;
		l->size = e[i].size - e[i].meta;
		l->seen = judge((const __u64 *)((const char *)view + l->offset),
				l->size, &l->key, &l->bad);
	}
	ckremm_unmap_arena(p, view);
	free(e);
	if (!c->live)
		return false;
	qsort(c->live, c->nlive, sizeof(*c->live), cmp_offset);
	for (size_t i = 0; table && i < c->nrecs; i++) {
		struct live key, *l;

		if (i && c->recs[i].name == c->recs[i - 1].name)
			continue;
		if (ckremm_locate(p, c->recs[i].name, &key.offset, NULL))
			continue;
		l = bsearch(&key, c->live, c->nlive, sizeof(key), cmp_offset);
		if (l)
			l->name = c->recs[i].name;
	}
	qsort(c->live, c->nlive, sizeof(*c->live), cmp_live);
	return true;
}

static const char *effect_name(int what, bool table)
{
	static const char *const names[2][6] = {
		{ "WRITE", "CLEAN", "-", "FREE", "ALLOC or REALLOC", "REALLOC" },
		{ "WRITE", "CLEAN", "COPY", "FREE", "ALLOC", "-" },
	};

	return names[table][what];
}

static void describe(char *buf, size_t size, const struct live *l)
{
	if (!l)
		snprintf(buf, size, "is no live block");
	else if (l->seen == SEEN_ZERO)
		snprintf(buf, size, "holds zeros");
	else if (l->seen == SEEN_WHOLE)
		snprintf(buf, size, "holds the pattern %#llx",
			 (unsigned long long)l->key);
	else
		snprintf(buf, size, "holds a mix (from %#llx, bad at byte %llu)",
			 (unsigned long long)l->key,
			 (unsigned long long)l->bad);
}

/*
 * Every live block holds one whole pattern of a completed write, or
 * zeros after a completed clean; and a block whose last completed request
 * certainly came after every other on it holds what that request left.
 */
static void check_blocks(struct check *c, bool table, struct tally *t)
{
	char now_holds[96];

	for (size_t i = 0; i < c->nlive; i++) {
		const struct live *l = &c->live[i];
		const char *wrong = NULL;

		t->blocks++;
		wrong = content_fault(c, l->seen, l->key);
		if (!wrong)
			continue;
		t->bad_blocks++;
		fault(&t->blocks_f, "block at %#llx (%llu bytes) holds %s (key %#llx, byte %llu)",
		      (unsigned long long)l->offset,
		      (unsigned long long)l->size, wrong,
		      (unsigned long long)l->key, (unsigned long long)l->bad);
	}
	for (size_t first = 0; first < c->nrecs;) {
		size_t n = group(c, c->recs[first].name, &first);
		const struct rec *last = &c->recs[first + n - 1];
		const struct live *l = find_live(c, last->name);
		bool ok = true;
		__u64 key = 0;
		int was;

		for (size_t i = 0; i + 1 < n; i++)
			if (c->recs[first + i].t1 >= last->t0)
				ok = false;
		first += n;
		if (!ok)
			continue;	/* not certainly the last */
		t->lasts++;
		switch (last->what) {
		case FX_WRITE:
			ok = l && l->seen == SEEN_WHOLE && l->key == last->key;
			break;
		case FX_CLEAN:
			ok = l && l->seen == SEEN_ZERO;
			break;
		case FX_COPY:
			was = contents_during(c, last->key, last->t0, last->t1,
					      &key);
			ok = l && (!was || l->seen == (enum seen)was) &&
			     (was != SEEN_WHOLE || l->key == key);
			break;
		case FX_GONE:
			ok = !l;
			break;
		default:
			ok = l != NULL;
			break;
		}
		if (ok)
			continue;
		t->bad_blocks++;
		describe(now_holds, sizeof(now_holds), l);
		fault(&t->blocks_f, "%#llx: its last request, a %s by %s %d (key %#llx), completed, yet the block %s",
		      (unsigned long long)last->name,
		      effect_name(last->what, table),
		      last->actor == PARENT ? "setup" : "thread",
		      last->actor == PARENT ? 0 : last->actor,
		      (unsigned long long)last->key, now_holds);
	}
}

static void check_free(struct check *c)
{
	free(c->recs);
	free(c->good);
	free(c->refused);
	free(c->live);
}

/*
 * Wait until every thread is done with the round; false if a process
 * died or the round overran by far.
 */
static bool wait_round(struct stress *st, unsigned int nactors)
{
	double give_up = st->deadline + 120;

	while ((unsigned int)load(&st->finished) < nactors) {
		int status;

		if (now() > give_up || waitpid(-1, &status, WNOHANG) > 0)
			return false;
		usleep(5000);
	}
	return true;
}

/* Round @round of the stress on a fresh pool; false to stop. */
static bool stress_round(int fd, struct stress *st, int round, bool last,
			 double seconds, unsigned int nactors, __u64 *buf,
			 struct tally *t)
{
	__u32 kind = st->table ? CKREMM_KIND_TABLE : CKREMM_KIND_HEADER;
	__u64 rng = mix64(opt.seed * 31337 + (__u64)round * 131 + st->table) | 1;
	struct entry setup[2 * SLOTS];
	struct check c = { 0 };
	struct ckremm_validate v;
	struct ckremm_pool p;
	unsigned int nsetup = 0;
	int ret;

	snprintf(st->name, sizeof(st->name), "cf%d-%c%d", (int)getpid(),
		 st->table ? 't' : 'h', round);
	ret = ckremm_pool_create(fd, kind, STRESS_POOL, st->name, 0600, &p);
	if (ret) {
		t->invalid++;
		fault(&t->valid_f, "round %d: CREATE: %s", round,
		      errno_name(ret));
		return false;
	}
	st->tsize = NEW_MIN + rnd(&rng) % ((NEW_MAX - NEW_MIN) /
					    SIZE_STEP + 1) * SIZE_STEP;
	for (int s = 0; s < SLOTS; s++) {
		__u64 size = st->table ? st->tsize : NEW_MIN + rnd(&rng) %
			     ((NEW_MAX - NEW_MIN) / SIZE_STEP + 1) * SIZE_STEP;
		struct entry *e = &setup[nsetup++];
		__u64 name = 0;

		memset(e, 0, sizeof(*e));
		e->op = OP_ALLOC;
		e->t0 = now();
		ret = ckremm_alloc(&p, size, &name);
		e->t1 = now();
		e->aux = name;
		e->err = (__s16)ret;
		st->slot[s] = ret ? EMPTY : name;
		st->slot_size[s] = size;
		if (ret)
			continue;
		e = &setup[nsetup++];
		memset(e, 0, sizeof(*e));
		e->op = OP_WRITE;
		e->name = name;
		e->len = (__u32)size;
		e->key = make_key(round, PARENT, (__u64)s + 1);
		stamp(buf, size, e->key);
		e->t0 = now();
		e->err = (__s16)ckremm_write(&p, name, 0, buf, size);
		e->t1 = now();
	}
	memset(st->nlog, 0, sizeof(st->nlog));
	store(&st->finished, 0);
	st->destroyer = last ? 0 : -1;
	st->start = now();
	st->deadline = st->start + seconds;
	store(&st->phase, 2 * round + 1);
	if (!wait_round(st, nactors)) {
		t->lost++;
		diag("round %d: the threads did not all finish", round);
		ckremm_pool_destroy(&p);
		return false;
	}

	t->rounds++;
	ret = validate(&p, &v);
	if (ret) {
		t->invalid++;
		fault(&t->valid_f, "round %d: VALIDATE answered %s at offset %#llx: %s",
		      round, errno_name(ret), (unsigned long long)v.offset,
		      ret == -EUCLEAN ? v.reason : "");
	}
	for (unsigned int i = 0; i < nactors; i++)
		t->lost += (unsigned long)st->lost[i];
	if (!gather(&c, st, nactors, setup, nsetup, t) ||
	    !collect_live(&c, &p, st->table)) {
		t->lost++;
		diag("round %d: could not gather the log or the blocks", round);
	} else {
		check_reads(&c, st, nactors, t);
		check_blocks(&c, st->table, t);
	}
	check_free(&c);
	ckremm_pool_destroy(&p);
	return true;
}

/* ---- the judgement of reads, on a made-up log ---------------------- */

/* Log one request of @actor, sent at @t0 and answered @err at @t1. */
static struct entry *made_up(struct stress *st, int actor, enum op op,
			     __u64 name, __u64 aux, __u64 key, int err,
			     double t0, double t1)
{
	struct entry *e = &st->log[actor][st->nlog[actor]++];

	memset(e, 0, sizeof(*e));
	e->op = op;
	e->name = name;
	e->aux = aux;
	e->key = key;
	e->err = (__s16)err;
	e->len = NEW_MIN;
	e->t0 = t0;
	e->t1 = t1;
	return e;
}

/*
 * How check_reads() judges the READ of a header pool's block 0x10 in a
 * made-up round: 0x10 is made and written; an ALLOC is sent and answered
 * 0x10 only after another thread wrote 0x10 (at @write_t0) and a third
 * freed it; then a READ sees @seen with @key.  Returns read_fault().
 */
static const char *judge_made_up(struct stress *st, double write_t0,
				 enum seen seen, __u64 key)
{
	const __u64 x = 0x10, stale = make_key(0, 2, 2);
	const char *wrong = "no judgement";
	struct check c = { 0 };
	struct tally t = { 0 };
	struct entry *r;

	memset(st->nlog, 0, sizeof(st->nlog));
	st->table = 0;
	made_up(st, 0, OP_ALLOC, 0, x, 0, 0, 0.0, 0.1);
	made_up(st, 0, OP_WRITE, x, 0, make_key(0, 0, 1), 0, 0.2, 0.3);
	made_up(st, 1, OP_ALLOC, 0, x, 0, 0, 1.0, 1.6);
	made_up(st, 2, OP_WRITE, x, 0, stale, 0, write_t0, write_t0 + 0.05);
	made_up(st, 3, OP_FREE, x, 0, 0, 0, 1.3, 1.4);
	made_up(st, 4, OP_WRITE, x, 0, make_key(0, 4, 3), -EBUSY, 1.75, 1.76);
	r = made_up(st, 5, OP_READ, x, 0, key, 0, 1.8, 1.9);
	r->seen = (__u8)seen;
	if (gather(&c, st, 6, NULL, 0, &t))
		wrong = read_fault(&c, r);
	check_free(&c);
	return wrong;
}

/*
 * A header pool names a block by its offset, so a write to that name
 * sent while an ALLOC was on its way may have reached the block freed
 * just before the ALLOC took its place: a READ of the new block before
 * anything is written to it may see any bytes.  A write sent once the
 * ALLOC was answered is certainly on the new block, and after it a mix
 * is a torn read.  The pattern of a refused write is wrong either way.
 */
static void judge_reads(void)
{
	const __u64 links = 0x0000c0de00001234ULL, refused = make_key(0, 4, 3);
	struct stress *st = calloc(1, sizeof(*st));
	const char *before = "no memory", *after = "no memory";
	const char *never = "no memory";

	if (st) {
		before = judge_made_up(st, 1.1, SEEN_TORN, links);
		after = judge_made_up(st, 1.65, SEEN_TORN, links);
		never = judge_made_up(st, 1.1, SEEN_WHOLE, refused);
	}
	tap(!before && after && !strcmp(after, "a mix") && never &&
	    !strcmp(never, "the pattern of a refused write"),
	    "stress judgement: a READ of an offset given again to a new block: a mix is no fault while the last write was sent before the ALLOC's answer (%s), a torn read once one was sent after it (%s); a refused write's pattern is a fault either way (%s)",
	    before ? before : "no fault", after ? after : "no fault",
	    never ? never : "no fault");
	free(st);
}

static void run_stress(int fd, bool table)
{
	const char *label = table ? "stress, table pool" : "stress, header pool";
	unsigned int nactors = opt.procs * THREADS;
	unsigned int rounds = opt.seconds / 3 < 2 ? 2 : opt.seconds / 3;
	double seconds = (double)opt.seconds / rounds, start = now();
	struct stress *st = shared_alloc(sizeof(*st));
	__u64 *buf = malloc(NEW_MAX);
	pid_t pids[MAX_PROCS];
	struct tally t = { 0 };
	bool ok = st && buf;
	int status;

	for (unsigned int i = 0; ok && i < opt.procs; i++) {
		st->table = table;
		fflush(stdout);
		pids[i] = fork();
		if (!pids[i])
			_exit(actor_process(st, (int)i, table));
		if (pids[i] < 0)
			ok = false;
	}
	for (unsigned int r = 0; ok && r < rounds; r++)
		ok = stress_round(fd, st, (int)r, r + 1 == rounds, seconds,
				  nactors, buf, &t);
	if (st) {
		store(&st->done, 1);
		store(&st->phase, -1);
	}
	for (unsigned int i = 0; st && buf && i < opt.procs; i++) {
		if (pids[i] <= 0)
			continue;
		if (!ok)
			kill(pids[i], SIGKILL);
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			ok = false;
	}
	diag("%s: %u rounds of %.1f s in %.1f s; %lu requests, %lu EBUSY",
	     label, t.rounds, seconds, now() - start, t.requests, t.busy);
	for (int op = 0; op < OP_COUNT; op++)
		if (t.by_op[op][0])
			diag("  %-10s %6lu sent, %6lu answered 0, %6lu EBUSY",
			     op_names[op], t.by_op[op][0],
			     t.by_op[op][1], t.by_op[op][2]);
	tap(ok && !t.lost && t.rounds == rounds,
	    "%s: %u threads in %u processes ran %u of %u rounds (%lu requests, %lu things left undone)",
	    label, nactors, opt.procs, t.rounds, rounds, t.requests, t.lost);
	tap(!t.invalid, "%s: VALIDATE clean after every round%s%s", label,
	    t.invalid ? ": " : "", t.valid_f.first);
	tap(!t.unexpected, "%s: every answer is one the ABI allows (%lu requests, %lu others)%s%s",
	    label, t.requests, t.unexpected, t.unexpected ? ": " : "",
	    t.answers.first);
	tap(t.reads && !t.bad_reads,
	    "%s: every completed READ saw one whole pattern or zeros (%lu reads, %lu wrong)%s%s",
	    label, t.reads, t.bad_reads, t.bad_reads ? ": " : "",
	    t.reads_f.first);
	tap(t.blocks && !t.bad_blocks,
	    "%s: every block holds what completed requests left, never a refused one's bytes (%lu blocks, %lu last requests, %lu wrong)%s%s",
	    label, t.blocks, t.lasts, t.bad_blocks, t.bad_blocks ? ": " : "",
	    t.blocks_f.first);
	tap(t.busy > 0, "%s: requests met a hold: %lu answered EBUSY",
	    label, t.busy);
	free(buf);
	if (st)
		munmap(st, sizeof(*st));
}

static const char usage[] =
	"usage: conflict_test [-p PROCS] [-n OVERLAPS] [-t SECONDS] [-s SEED]\n\n"
	"Races two processes on one block of 16 MiB in four ways, each until\n"
	"it overlapped OVERLAPS times (default 3) or for SECONDS (default 10);\n"
	"then PROCS processes (default 3, at most 8) of two threads aim every\n"
	"kind of request at the same few blocks of a pool of each kind for\n"
	"SECONDS each.  Needs ckremm.ko loaded; prints TAP.\n";

int main(int argc, char **argv)
{
	int fd, ret;

	ret = run_opts_parse(&opt, MAX_PROCS, argc, argv, usage);
	if (ret >= 0)
		return ret;
	setvbuf(stdout, NULL, _IOLBF, 0);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	ret = uffd_probe();
	printf("TAP version 13\n1..%u\n", plan());
	diag("conflict_test: %ld CPUs online; races until %lu overlaps or %u s; stress of %u processes of %d threads, %u s per pool kind; seed %llu",
	     cpus, opt.count, opt.seconds, opt.procs, THREADS, opt.seconds,
	     opt.seed);
	if (!have_uffd)
		diag("userfaultfd: %s: the waiting-reader checks are not planned here",
		     errno_name(ret));
	fd = ckremm_dev_open(NULL);
	if (fd < 0) {
		diag("open %s: %s", ckremm_dev_path(NULL), errno_name(fd));
		return 1;
	}
	run_races(fd);
	impossible_size(fd);
	judge_reads();
	if (have_uffd) {
		waiting_reader(fd, CKREMM_KIND_HEADER);
		waiting_reader(fd, CKREMM_KIND_TABLE);
	}
	run_stress(fd, false);
	run_stress(fd, true);
	ckremm_dev_close(fd);
	return tap_status(plan());
}
