// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several processes share one named pool of each kind through /dev/ckremm
 * and check that no byte of theirs is ever lost or clobbered.
 *
 *	share_stress [-p PROCS] [-n OPS] [-t SECONDS] [-s SEED]
 *
 * Header pool: PROCS workers, each with a file of its own, attach the same
 * named pool, map its arena read-only and allocate, write a pattern derived
 * from the block (its offset, the worker, a sequence number), read it back
 * through READ and through the mapping, and free.  Blocks of different
 * workers must never overlap: a worker whose bytes change finds out.
 *
 * Table pool: the same workers use handles, pins, COPY and a read-write
 * mapping, while one more process reorders the pool without pause.  A
 * pinned block is checked (and rewritten) through the mapping at the
 * offset PIN gave, so a pin that lets a block move shows; every other
 * check goes through READ, so a move that loses bytes shows.
 *
 * Each worker stops after OPS operations or SECONDS, whichever comes
 * first.  Prints TAP; any mismatch or unexpected errno fails.  Exit status
 * 0 only if every result passed.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "libckremm.h"

#define MAX_PROCS	16
#define LIVE_MAX	32	/* blocks one worker holds at most */
#define BLOCK_MAX	2048	/* largest block a worker asks for */
#define POOL_SIZE	(64U << 10)
#define DIAG_MAX	8	/* mismatches described per worker */
/* Results: 7 for the header pool, 8 for the table pool. */
#define PLAN		15

/* Counters the workers add to, in memory shared across fork(). */
struct shared {
	unsigned long ops;
	unsigned long mismatches;
	unsigned long errors;		/* an errno the ABI does not allow */
	unsigned long full;		/* allocations refused: pool full */
	unsigned long map_checks;	/* blocks compared through the mapping */
	unsigned long pins;
	unsigned long copies;
	unsigned long reorders;
	unsigned long blocks_moved;
	unsigned long bytes_moved;
	int stop;			/* the reorderer stops when set */
};

struct block {
	__u64 name;	/* offset (header pool) or handle (table pool) */
	__u64 key;	/* what the pattern is derived from */
	__u32 len;	/* bytes written */
};

struct worker {
	int id;
	struct ckremm_pool pool;
	unsigned char *view;	/* the arena, mapped */
	struct block live[LIVE_MAX];
	int nlive;
	__u64 rng;
	unsigned long seq;
	unsigned int diags;
	struct shared *sh;
};

static struct run_opts opt = {
	.procs = 4, .count = 2000, .seconds = 20, .seed = 1,
};


static __u64 rnd(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* The bytes a block keyed @key holds: 8 at a time from a hash. */
static void pattern(unsigned char *buf, __u32 len, __u64 key)
{
	__u64 word = 0;

	for (__u32 i = 0; i < len; i++) {
		if (!(i & 7))
			word = mix64(key + i);
		buf[i] = (unsigned char)(word >> ((i & 7) * 8));
	}
}

static void add(unsigned long *counter, unsigned long n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void mismatch(struct worker *w, const char *how, const struct block *b,
		     const unsigned char *got, const unsigned char *want)
{
	__u32 i = 0;

	add(&w->sh->mismatches, 1);
	if (w->diags++ >= DIAG_MAX)
		return;
	while (i < b->len && got[i] == want[i])
		i++;
	diag("worker %d: %s: block %#llx, byte %u of %u: got %#x, want %#x",
	     w->id, how, (unsigned long long)b->name, i, b->len, got[i],
	     want[i]);
}

static void unexpected(struct worker *w, const char *what, int ret)
{
	add(&w->sh->errors, 1);
	if (w->diags++ < DIAG_MAX)
		diag("worker %d: %s: %s", w->id, what, strerror(-ret));
}

static __u32 pick_size(struct worker *w)
{
	/* Log-uniform over 1..BLOCK_MAX: many small, some large. */
	unsigned int bits = 1 + (unsigned int)(rnd(&w->rng) % 11);

	return 1 + (__u32)(rnd(&w->rng) & ((1U << bits) - 1)) % BLOCK_MAX;
}

static __u64 new_key(struct worker *w, __u64 name)
{
	return mix64(name) ^ ((__u64)w->id << 56) ^ (++w->seq << 20) ^ w->rng;
}

static void forget(struct worker *w, int i)
{
	w->live[i] = w->live[--w->nlive];
}

/* ---- blocks of either kind ------------------------------------------ */

static bool table(const struct worker *w)
{
	return ckremm_pool_by_handle(&w->pool);
}

/*
 * @b holds its pattern through READ and, in a header pool (whose blocks
 * never move), through the mapping at its offset.
 */
static void verify(struct worker *w, const struct block *b)
{
	unsigned char want[BLOCK_MAX], got[BLOCK_MAX];
	int ret;

	pattern(want, b->len, b->key);
	ret = ckremm_read(&w->pool, b->name, 0, got, b->len);
	if (ret)
		unexpected(w, "READ of a live block", ret);
	else if (memcmp(got, want, b->len))
		mismatch(w, "READ", b, got, want);
	if (table(w))
		return;
	if (memcmp(w->view + b->name, want, b->len))
		mismatch(w, "mapping", b, w->view + b->name, want);
	add(&w->sh->map_checks, 1);
}

/* Write @b's pattern under a new key; a new block gets its first. */
static void rewrite(struct worker *w, struct block *b, const char *what)
{
	unsigned char buf[BLOCK_MAX];
	int ret;

	b->key = new_key(w, b->name);
	pattern(buf, b->len, b->key);
	ret = ckremm_write(&w->pool, b->name, 0, buf, b->len);
	if (ret)
		unexpected(w, what, ret);
	verify(w, b);
}

/*
 * A new block of @len bytes, remembered; a table pool may compact to
 * make room.  NULL if the pool is full or refused.
 */
static struct block *new_block(struct worker *w, __u32 len)
{
	__u32 flags = 0;
	struct block *b;
	__u64 name;
	int ret;

	if (table(w) && !(rnd(&w->rng) % 4))
		flags = CKREMM_ALLOC_REORDER;
	ret = ckremm_alloc_ex(&w->pool, len, 0, flags, &name);
	if (ret == -ENOMEM) {
		add(&w->sh->full, 1);
		return NULL;
	}
	if (ret) {
		unexpected(w, "ALLOC", ret);
		return NULL;
	}
	if (!table(w) && name + len > w->pool.arena_size) {
		add(&w->sh->errors, 1);
		diag("worker %d: ALLOC gave %#llx + %u past the arena",
		     w->id, (unsigned long long)name, len);
		return NULL;
	}
	b = &w->live[w->nlive++];
	b->name = name;
	b->len = len;
	return b;
}

static void free_block(struct worker *w, int i)
{
	int ret = ckremm_free(&w->pool, w->live[i].name);

	if (ret)
		unexpected(w, "FREE of a live block", ret);
	forget(w, i);
}

/*
 * Pin @b, compare it through the mapping at the pinned offset, rewrite it
 * there under a new key (the reorderer runs meanwhile), unpin, and check
 * the new bytes through READ.
 */
static void pin_cycle(struct worker *w, struct block *b)
{
	unsigned char want[BLOCK_MAX];
	__u64 off, size;
	int ret;

	ret = ckremm_pin(&w->pool, b->name, &off, &size);
	if (ret) {
		unexpected(w, "PIN of a live block", ret);
		return;
	}
	add(&w->sh->pins, 1);
	if (size < b->len || off + size > w->pool.arena_size) {
		add(&w->sh->errors, 1);
		diag("worker %d: PIN gave %#llx + %llu for a block of %u",
		     w->id, (unsigned long long)off, (unsigned long long)size,
		     b->len);
	} else {
		pattern(want, b->len, b->key);
		if (memcmp(w->view + off, want, b->len))
			mismatch(w, "mapping of a pinned block", b,
				 w->view + off, want);
		add(&w->sh->map_checks, 1);
		b->key = new_key(w, b->name);
		pattern(w->view + off, b->len, b->key);
		/* Still there after a yield to the reorderer? */
		sched_yield();
		pattern(want, b->len, b->key);
		if (memcmp(w->view + off, want, b->len))
			mismatch(w, "pinned block moved", b, w->view + off,
				 want);
	}
	ret = ckremm_unpin(&w->pool, b->name);
	if (ret)
		unexpected(w, "UNPIN", ret);
	verify(w, b);
}

/* A copy of @b of the same size, checked, kept. */
static void copy_block(struct worker *w, const struct block *b)
{
	struct block *c;
	int ret;

	if (w->nlive == LIVE_MAX)
		return;
	c = new_block(w, b->len);
	if (!c)
		return;
	ret = ckremm_copy(&w->pool, c->name, b->name);
	if (ret) {
		unexpected(w, "COPY", ret);
		free_block(w, w->nlive - 1);
		return;
	}
	add(&w->sh->copies, 1);
	c->key = b->key;
	verify(w, c);
}

/*
 * One operation: a new block, or one on a live block: in a header pool
 * a rewrite or a free; in a table pool a pin cycle, a copy or a free.
 */
static void step(struct worker *w)
{
	struct block *b;
	int i;

	if (w->nlive < LIVE_MAX && (!w->nlive || rnd(&w->rng) % 3)) {
		b = new_block(w, pick_size(w));
		if (b)
			rewrite(w, b, "WRITE of a new block");
		return;
	}
	i = (int)(rnd(&w->rng) % (__u64)w->nlive);
	b = &w->live[i];
	verify(w, b);
	switch (rnd(&w->rng) % (table(w) ? 5 : 3)) {
	case 0:
		if (table(w))
			pin_cycle(w, b);
		else
			rewrite(w, b, "WRITE");
		break;
	case 1:
		if (table(w)) {
			copy_block(w, b);
			break;
		}
		/* fall through */
	default:
		free_block(w, i);
		break;
	}
}

/* ---- processes ---------------------------------------------------- */

static int attach(struct worker *w, const char *name, int prot)
{
	int fd = ckremm_dev_open(NULL);
	int ret;

	if (fd < 0) {
		diag("worker %d: open: %s", w->id, strerror(-fd));
		return fd;
	}
	ret = ckremm_pool_open(fd, name, 0, &w->pool);
	if (ret) {
		diag("worker %d: OPEN %s: %s", w->id, name, strerror(-ret));
		return ret;
	}
	w->view = mmap(NULL, w->pool.arena_size, prot, MAP_SHARED, fd,
		       (off_t)w->pool.mmap_offset);
	if (w->view == MAP_FAILED) {
		ret = -errno;
		diag("worker %d: mmap %s: %s", w->id, name, strerror(-ret));
		return ret;
	}
	return 0;
}

/* A worker's life: attach, run, free what it holds.  Exit status 0 if
 * it could attach and finished its run. */
static int work(struct shared *sh, int id, const char *name, bool table)
{
	struct worker w = { .id = id, .sh = sh };
	double end = now() + opt.seconds;
	unsigned long ops;
	int ret;

	w.rng = mix64(opt.seed * 1000003 + (__u64)id * 7919 + table) | 1;
	if (attach(&w, name, table ? PROT_READ | PROT_WRITE : PROT_READ))
		return 1;
	for (ops = 0; ops < opt.count && now() < end; ops++)
		step(&w);
	add(&sh->ops, ops);
	while (w.nlive) {
		struct block *b = &w.live[w.nlive - 1];

		verify(&w, b);
		ret = ckremm_free(&w.pool, b->name);
		if (ret)
			unexpected(&w, "free at the end", ret);
		w.nlive--;
	}
	munmap(w.view, w.pool.arena_size);
	return 0;
}

/* Reorder the table pool until told to stop; validate now and then. */
static int reorderer(struct shared *sh, const char *name)
{
	struct worker w = { .id = -1, .sh = sh };
	double end = now() + opt.seconds + 5;
	unsigned long n = 0;
	int ret;

	if (attach(&w, name, PROT_READ))
		return 1;
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED) && now() < end) {
		struct ckremm_reorder r;
		struct ckremm_validate v;

		ret = ckremm_reorder(&w.pool, &r);
		if (ret) {
			unexpected(&w, "REORDER", ret);
			continue;
		}
		add(&sh->reorders, 1);
		add(&sh->blocks_moved, r.blocks_moved);
		add(&sh->bytes_moved, r.bytes_moved);
		if (++n % 16)
			continue;
		ret = ckremm_validate(&w.pool, &v);
		if (ret && ret != -EBUSY) {
			add(&sh->errors, 1);
			diag("reorderer: VALIDATE: %s at %#llx: %s",
			     strerror(-ret), (unsigned long long)v.offset,
			     v.reason);
		}
	}
	return 0;
}

static bool wait_all(pid_t *pids, unsigned int n)
{
	bool ok = true;
	int status;

	for (unsigned int i = 0; i < n; i++) {
		if (pids[i] <= 0) {
			ok = false;
			continue;
		}
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			diag("process %u ended with status %#x", i, status);
			ok = false;
		}
	}
	return ok;
}

/* The pool is empty and consistent once every worker is gone. */
static void check_after(int fd, const char *name, const char *label)
{
	struct ckremm_pool p;
	struct ckremm_stats s;
	struct ckremm_validate v;
	int ret;

	ret = ckremm_pool_open(fd, name, 0, &p);
	if (ret) {
		tap(0, "%s: pool reachable after the run (%s)", label,
		    strerror(-ret));
		return;
	}
	ret = ckremm_stats(&p, &s);
	tap(!ret && !s.used_blocks && !s.pinned_blocks &&
	    s.used_bytes + s.free_bytes == s.arena_size,
	    "%s: empty after the run (%llu blocks, %llu pinned, used %llu + free %llu of %llu)",
	    label, (unsigned long long)s.used_blocks,
	    (unsigned long long)s.pinned_blocks,
	    (unsigned long long)s.used_bytes, (unsigned long long)s.free_bytes,
	    (unsigned long long)s.arena_size);
	ret = ckremm_validate(&p, &v);
	tap(!ret, "%s: validates after the run%s%s", label, ret ? ": " : "",
	    ret ? v.reason : "");
	ret = ckremm_pool_destroy(&p);
	tap(!ret, "%s: destroyed by its owner", label);
}

static void run_kind(int fd, bool table, const char *name, struct shared *sh)
{
	const char *label = table ? "table pool" : "header pool";
	unsigned int nproc = opt.procs + table;
	pid_t pids[MAX_PROCS + 1];
	struct ckremm_pool p;
	double start;
	bool ok;
	int ret;

	memset(sh, 0, sizeof(*sh));
	ret = ckremm_pool_create(fd, table ? CKREMM_KIND_TABLE :
				 CKREMM_KIND_HEADER, POOL_SIZE, name, 0600, &p);
	tap(!ret, "%s: create named pool %s (%s)", label, name,
	    ret ? strerror(-ret) : "ok");
	if (ret)
		return;
	/* Only the workers' attachments keep it busy. */
	ckremm_pool_close(&p);

	start = now();
	fflush(stdout);
	for (unsigned int i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			if (table && i == opt.procs)
				_exit(reorderer(sh, name));
			_exit(work(sh, (int)i, name, table));
		}
	}
	ok = wait_all(pids, opt.procs);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	if (table)
		ok &= wait_all(pids + opt.procs, 1);
	diag("%s: %lu ops in %.1f s by %u workers; %lu refused as full; %lu mapping checks; %lu pins; %lu copies",
	     label, sh->ops, now() - start, opt.procs, sh->full,
	     sh->map_checks, sh->pins, sh->copies);
	tap(ok, "%s: %u workers attached, mapped and finished", label,
	    nproc);
	tap(sh->ops > 0 && !sh->mismatches,
	    "%s: %lu ops, %lu mismatches (READ and mapping)", label, sh->ops,
	    sh->mismatches);
	tap(!sh->errors, "%s: %lu answers the ABI does not allow", label,
	    sh->errors);
	if (table) {
		diag("table pool: %lu reorders moved %lu blocks, %lu bytes",
		     sh->reorders, sh->blocks_moved, sh->bytes_moved);
		tap(sh->blocks_moved > 0 && sh->pins > 0,
		    "table pool: reorders moved %lu blocks while in use, around %lu pins",
		    sh->blocks_moved, sh->pins);
	}
	check_after(fd, name, label);
}

static const char usage[] =
	"usage: share_stress [-p PROCS] [-n OPS] [-t SECONDS] [-s SEED]\n\n"
	"PROCS processes (default 4, at most 16) share a named header pool and a\n"
	"named table pool; each runs up to OPS operations (default 2000) or\n"
	"SECONDS (default 20) per pool; prints TAP.\n";

int main(int argc, char **argv)
{
	char hname[CKREMM_NAME_LEN], tname[CKREMM_NAME_LEN];
	struct shared *sh;
	int fd, ret;

	ret = run_opts_parse(&opt, MAX_PROCS, argc, argv, usage);
	if (ret >= 0)
		return ret;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%u\n", PLAN);
	diag("share_stress: %u processes, %lu ops or %u s each, seed %llu",
	     opt.procs, opt.count, opt.seconds, opt.seed);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fd = ckremm_dev_open(NULL);
	if (sh == MAP_FAILED || fd < 0) {
		diag("setup: %s", fd < 0 ? strerror(-fd) : "mmap failed");
		return 1;
	}
	snprintf(hname, sizeof(hname), "ss%d-h", (int)getpid());
	snprintf(tname, sizeof(tname), "ss%d-t", (int)getpid());
	run_kind(fd, false, hname, sh);
	run_kind(fd, true, tname, sh);
	ckremm_dev_close(fd);
	return tap_status(PLAN);
}
