// SPDX-License-Identifier: GPL-2.0-only
/*
 * A seeded fuzzer of the /dev/ckremm ioctls that also checks the answers.
 *
 *	ioctl_fuzz [-p PROCS] [-n REQUESTS] [-t SECONDS] [-s SEED]
 *
 * PROCS processes (default 3) send up to REQUESTS requests each (default
 * 4000; at most SECONDS, default 30): every field of every struct in
 * include/uapi/linux/ckremm.h at its boundaries (0, 1, max - 1, max, 2^31,
 * 2^32, ~0), reserved and out fields set, unknown flags, kinds and
 * commands, the request numbers of ABI version 1, each request on the
 * kind of pool that does not take it, struct sizes other than the ABI's,
 * stale and forged handles, offsets inside, between and past blocks,
 * names with odd bytes or no terminator, NULL, unmapped, read-only and
 * kernel pointers; and races:
 * one pool id closed and reattached by one thread while another uses it,
 * a mapping used as a copy buffer while it is unmapped, a file closed
 * under a request, named pools destroyed and recreated while other
 * processes use them, and one open file shared by every process.
 *
 * Each process keeps a model of its own two unnamed pools, one of each
 * kind (live blocks, usable sizes, blocks freed, pins and where they hold
 * their blocks), and sends each block request to either as it allows, so
 * most requests have one right answer, the one the ABI documents; those
 * that race with other processes must at least answer success or an
 * errno the ABI lists for that request.  A third unnamed pool, a table
 * pool with a collector, takes the GC requests: the model knows its root
 * slots, its pins and the objects let go, which must be gone after a
 * GC_COLLECT while every rooted one reads.  A pager comes and goes on the
 * private table pool (never one that reorders): the model knows whether
 * it has one, with which period and decay, and what a purge may give
 * back.  Any other answer is a mismatch.
 * Prints how many requests of each kind were sent and their mismatches as
 * TAP; a kind never sent fails too.  The kernel log is checked by the
 * caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "libckremm.h"

#define MAX_PROCS	8
#define HMAX		48	/* live blocks modelled per private pool */
#define STALE_MAX	32	/* freed offsets and handles remembered */
#define RING		256	/* blocks published for other processes */
#define POOL_SIZE	(64U << 10)
#define SHARED_SIZE	(32U << 10)
#define BUF_SIZE	(16U << 10)
#define WALK_ROOM	4096
#define DIAG_MAX	20
#define PARAM_DIR	"/sys/module/ckremm/parameters/"

/* Answers, as bits: which results a request may get. */
enum {
	A_OK = 1ULL << 0, A_INVAL = 1ULL << 1, A_NOENT = 1ULL << 2,
	A_FAULT = 1ULL << 3, A_NOMEM = 1ULL << 4, A_NOTTY = 1ULL << 5,
	A_BADF = 1ULL << 6, A_NOTSUP = 1ULL << 7, A_2BIG = 1ULL << 8,
	A_DQUOT = 1ULL << 9, A_EXIST = 1ULL << 10, A_ACCES = 1ULL << 11,
	A_MFILE = 1ULL << 12, A_PERM = 1ULL << 13, A_INTR = 1ULL << 14,
	A_UCLEAN = 1ULL << 15, A_BUSY = 1ULL << 16, A_NOSPC = 1ULL << 17,
	A_OVERFLOW = 1ULL << 18, A_PROTO = 1ULL << 19, A_NODEV = 1ULL << 20,
};

static const int answer_errno[] = {
	0, EINVAL, ENOENT, EFAULT, ENOMEM, ENOTTY, EBADF, EOPNOTSUPP, E2BIG,
	EDQUOT, EEXIST, EACCES, EMFILE, EPERM, EINTR, EUCLEAN, EBUSY, ENOSPC,
	EOVERFLOW, EPROTO, ENODEV,
};

/* Errors every pool request may give (include/uapi/linux/ckremm.h). */
#define A_COMMON	(A_OK | A_INVAL | A_NOENT | A_FAULT | A_NOMEM)

/* What the requests are counted by. */
enum kind {
	K_VERSION, K_CREATE, K_OPEN, K_CLOSE, K_DESTROY, K_ALLOC, K_FREE,
	K_CLEAN, K_REALLOC, K_ALLOC_BATCH, K_FREE_BATCH, K_READ, K_WRITE,
	K_PIN, K_UNPIN, K_LOCATE, K_COPY, K_REORDER, K_STATS, K_VALIDATE,
	K_LIST, K_WALK, K_GC_ATTACH, K_GC_TYPE, K_GC_ALLOC, K_GC_ROOT_SET,
	K_GC_ROOT_GET, K_GC_STEP, K_GC_COLLECT, K_GC_STATS, K_PAGER_ATTACH,
	K_PAGER_DETACH, K_PAGER_PURGE, K_PAGER_STATS, K_RETIRED, K_BAD_COMMAND, K_BAD_SIZE, K_BAD_POINTER,
	K_MMAP, K_SHARED, K_RACE, NKINDS
};

/* Per kind: name, command (if one), and every answer the ABI allows. */
static const struct {
	const char *name;
	unsigned long cmd;
	unsigned long long sane;
} kinds[NKINDS] = {
	[K_VERSION] = { "VERSION", CKREMM_IOC_VERSION, A_OK | A_FAULT },
	[K_CREATE] = { "CREATE", CKREMM_IOC_CREATE,
		       A_COMMON | A_2BIG | A_DQUOT | A_EXIST | A_MFILE },
	[K_OPEN] = { "OPEN", CKREMM_IOC_OPEN, A_COMMON | A_ACCES | A_MFILE },
	[K_CLOSE] = { "CLOSE", CKREMM_IOC_CLOSE, A_COMMON },
	[K_DESTROY] = { "DESTROY", CKREMM_IOC_DESTROY, A_COMMON | A_PERM },
	[K_ALLOC] = { "ALLOC", CKREMM_IOC_ALLOC, A_COMMON | A_BADF | A_NOTSUP },
	[K_FREE] = { "FREE", CKREMM_IOC_FREE, A_COMMON | A_BADF | A_BUSY },
	[K_CLEAN] = { "CLEAN", CKREMM_IOC_CLEAN, A_COMMON | A_BADF | A_BUSY },
	[K_REALLOC] = { "REALLOC", CKREMM_IOC_REALLOC,
			A_COMMON | A_BADF | A_NOTSUP | A_BUSY },
	[K_ALLOC_BATCH] = { "ALLOC_BATCH", CKREMM_IOC_ALLOC_BATCH,
			    A_COMMON | A_BADF | A_NOTSUP },
	[K_FREE_BATCH] = { "FREE_BATCH", CKREMM_IOC_FREE_BATCH,
			   A_COMMON | A_BADF | A_BUSY },
	[K_READ] = { "READ", CKREMM_IOC_READ, A_COMMON | A_INTR | A_BUSY },
	[K_WRITE] = { "WRITE", CKREMM_IOC_WRITE,
		      A_COMMON | A_BADF | A_INTR | A_BUSY },
	[K_PIN] = { "PIN", CKREMM_IOC_PIN,
		    A_COMMON | A_BADF | A_NOTSUP | A_OVERFLOW },
	[K_UNPIN] = { "UNPIN", CKREMM_IOC_UNPIN,
		      A_COMMON | A_BADF | A_NOTSUP },
	[K_LOCATE] = { "LOCATE", CKREMM_IOC_LOCATE, A_COMMON | A_NOTSUP },
	[K_COPY] = { "COPY", CKREMM_IOC_COPY,
		     A_COMMON | A_BADF | A_NOTSUP | A_NOSPC | A_BUSY },
	[K_REORDER] = { "REORDER", CKREMM_IOC_REORDER,
			A_COMMON | A_BADF | A_UCLEAN },
	[K_STATS] = { "STATS", CKREMM_IOC_STATS, A_COMMON },
	[K_VALIDATE] = { "VALIDATE", CKREMM_IOC_VALIDATE, A_COMMON },
	[K_LIST] = { "LIST", CKREMM_IOC_LIST, A_COMMON },
	[K_WALK] = { "WALK", CKREMM_IOC_WALK, A_COMMON },
	[K_GC_ATTACH] = { "GC_ATTACH", CKREMM_IOC_GC_ATTACH,
			  A_COMMON | A_BADF | A_NOTSUP | A_EXIST | A_BUSY },
	[K_GC_TYPE] = { "GC_TYPE", CKREMM_IOC_GC_TYPE,
			A_COMMON | A_BADF | A_NOTSUP | A_NODEV | A_NOSPC },
	[K_GC_ALLOC] = { "GC_ALLOC", CKREMM_IOC_GC_ALLOC,
			 A_COMMON | A_BADF | A_NOTSUP | A_NODEV | A_NOSPC },
	[K_GC_ROOT_SET] = { "GC_ROOT_SET", CKREMM_IOC_GC_ROOT_SET,
			    A_COMMON | A_BADF | A_NOTSUP | A_NODEV },
	[K_GC_ROOT_GET] = { "GC_ROOT_GET", CKREMM_IOC_GC_ROOT_GET,
			    A_COMMON | A_NOTSUP | A_NODEV },
	[K_GC_STEP] = { "GC_STEP", CKREMM_IOC_GC_STEP,
			A_COMMON | A_BADF | A_NOTSUP | A_NODEV },
	[K_GC_COLLECT] = { "GC_COLLECT", CKREMM_IOC_GC_COLLECT,
			   A_COMMON | A_BADF | A_NOTSUP | A_NODEV | A_INTR },
	[K_GC_STATS] = { "GC_STATS", CKREMM_IOC_GC_STATS,
			 A_COMMON | A_NOTSUP | A_NODEV },
	[K_PAGER_ATTACH] = { "PAGER_ATTACH", CKREMM_IOC_PAGER_ATTACH,
			     A_COMMON | A_BADF | A_NOTSUP | A_EXIST },
	[K_PAGER_DETACH] = { "PAGER_DETACH", CKREMM_IOC_PAGER_DETACH,
			     A_COMMON | A_BADF | A_NOTSUP | A_NODEV },
	[K_PAGER_PURGE] = { "PAGER_PURGE", CKREMM_IOC_PAGER_PURGE,
			    A_COMMON | A_BADF | A_NOTSUP | A_NODEV | A_BUSY |
			    A_INTR },
	[K_PAGER_STATS] = { "PAGER_STATS", CKREMM_IOC_PAGER_STATS,
			    A_COMMON | A_NOTSUP | A_NODEV },
	[K_RETIRED] = { "version 1 request", 0, A_PROTO },
	[K_BAD_COMMAND] = { "unknown command", 0, A_NOTTY },
	[K_BAD_SIZE] = { "wrong struct size", 0, A_INVAL },
	[K_BAD_POINTER] = { "bad struct pointer", 0, A_FAULT },
	[K_MMAP] = { "mmap", 0, A_OK | A_INVAL | A_ACCES },
	[K_SHARED] = { "shared pools", 0, ~0ULL },
	[K_RACE] = { "races", 0, ~0ULL },
};

/* Request kinds K_VERSION..K_PAGER_STATS have a command in kinds[]. */
#define NCMDS	(K_PAGER_STATS + 1)

/* What every process adds to, shared across fork(). */
struct shared {
	unsigned long sent[NKINDS];
	unsigned long bad[NKINDS];
	__u64 ring_h[RING];	/* offsets in the shared header pool */
	__u64 ring_t[RING];	/* handles in the shared table pool */
	unsigned int ring_pos;
};

/* A live block of a private pool, as the model knows it. */
struct mblock {
	__u64 block;	/* offset (header pool) or handle (table pool) */
	__u64 size;	/* asked for */
	__u64 usable;	/* as WALK (header) or LOCATE (table) reports it */
	__u64 pin_off;	/* where the pins hold it */
	unsigned int pins;
};

/* One private unnamed pool and what its process knows of it. */
struct model {
	struct ckremm_pool pool;
	struct mblock b[HMAX];
	int n;
	__u64 stale[STALE_MAX];	/* blocks freed */
	unsigned int nstale;
};

#define GC_SLOTS	8	/* root slots of the collected pool */
#define GC_PINS		8	/* its pin set */
#define GC_TYPES	16	/* its most types (the default) */

/*
 * The collected pool of a process and what it knows of it: objects are
 * alive while a slot holds them or this process pins them; those it let
 * go may still be there until a GC_COLLECT, and are refused after it.
 */
struct gmodel {
	struct ckremm_pool pool;
	__u64 slot[GC_SLOTS];
	__u64 pin[GC_PINS];
	unsigned int npins;
	__u64 dead[STALE_MAX];		/* let go, not collected yet */
	unsigned int ndead;
	__u64 gone[STALE_MAX];		/* collected */
	unsigned int ngone;
	unsigned int ntypes;
};

/* One fuzzing process. */
struct fz {
	int id;
	int fd;			/* this process's own file */
	int common_fd;		/* one file shared by every process */
	__u64 rng;
	struct model hm, tm;	/* private unnamed pools in @fd, by kind */
	struct gmodel gm;	/* a private collected table pool in @fd */
	bool paged;		/* @tm has a pager, of this period and decay: */
	__u32 pager_period;
	__u32 pager_decay;
	__u32 sh_h, sh_t;	/* ids of the shared pools in @fd, or 0 */
	unsigned char *buf;	/* BUF_SIZE scratch */
	unsigned char *ro;	/* a read-only page */
	unsigned char *none;	/* an inaccessible page */
	struct ckremm_extent *walk;	/* WALK_ROOM entries */
	unsigned long named;	/* names made so far */
	unsigned int diags;
	struct shared *sh;
};

static struct run_opts opt = {
	.procs = 3, .count = 4000, .seconds = 30, .seed = 1,
};
static __u64 max_pool_size;
static char prefix[16];
static char shared_h[CKREMM_NAME_LEN], shared_t[CKREMM_NAME_LEN];
static size_t page;

/* ---- randomness and boundaries ------------------------------------ */

static __u64 rnd(struct fz *z)
{
	z->rng ^= z->rng >> 12;
	z->rng ^= z->rng << 25;
	z->rng ^= z->rng >> 27;
	return z->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int below(struct fz *z, unsigned int n)
{
	return (unsigned int)(rnd(z) % n);
}

static const __u64 edges64[] = {
	1, 2, 15, 16, 4095, 4096, 0x7fffffff, 0x80000000, 0xfffffffe,
	0xffffffff, 0x100000000ULL, 0x100000001ULL, 1ULL << 63,
	~0ULL - 1, ~0ULL,
};

static const __u32 edges32[] = {
	1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
};

/* A non-zero 64-bit boundary value. */
static __u64 edge64(struct fz *z)
{
	return edges64[below(z, sizeof(edges64) / sizeof(edges64[0]))];
}

/* A non-zero 32-bit boundary value. */
static __u32 edge32(struct fz *z)
{
	return edges32[below(z, sizeof(edges32) / sizeof(edges32[0]))];
}

/* A non-zero value with a bit outside @mask. */
static __u32 bad_flags(struct fz *z, __u32 mask)
{
	__u32 f;

	do {
		f = below(z, 2) ? edge32(z) : 1U << below(z, 32);
	} while (!(f & ~mask));
	return f;
}

/* A user pointer no request may use. */
static __u64 bad_pointer(struct fz *z)
{
	switch (below(z, 7)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return (__u64)(uintptr_t)z->none;
	case 3:
		return (__u64)(uintptr_t)z->none + page - 8;
	case 4:
		return 0xffff888000000000ULL;	/* kernel direct map */
	case 5:
		return 1ULL << 63;		/* not canonical */
	default:
		return ~0ULL - 7;
	}
}

static __u64 uptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

/* ---- checking answers --------------------------------------------- */

static void add(unsigned long *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static unsigned long long answer_bit(int ret)
{
	for (unsigned int i = 0; i < sizeof(answer_errno) / sizeof(int); i++)
		if (answer_errno[i] == -ret)
			return 1ULL << i;
	return 1ULL << 63;
}

static void describe(unsigned long long allowed, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < sizeof(answer_errno) / sizeof(int); i++)
		if (allowed & (1ULL << i))
			n += (size_t)snprintf(out + n, len - n, "%s%s",
					      n ? "|" : "",
					      errno_name(-answer_errno[i]));
}

static void mismatch(struct fz *z, enum kind k, const char *fmt, ...)
{
	va_list ap;

	add(&z->sh->bad[k]);
	if (z->diags++ >= DIAG_MAX)
		return;
	printf("# proc %d: %s: ", z->id, kinds[k].name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/*
 * Count one request of kind @k whose answer was @ret; it must be one of
 * @allowed and one the ABI lists for its kind.  Returns whether it was.
 */
static bool expect(struct fz *z, enum kind k, int ret,
		   unsigned long long allowed, const char *what)
{
	char want[256];

	add(&z->sh->sent[k]);
	if (answer_bit(ret) & allowed & kinds[k].sane)
		return true;
	describe(allowed & kinds[k].sane, want, sizeof(want));
	mismatch(z, k, "%s: got %s, want %s", what, errno_name(ret), want);
	return false;
}

/* A fact about an answer that must hold. */
static bool require(struct fz *z, enum kind k, bool cond, const char *what)
{
	if (!cond)
		mismatch(z, k, "%s", what);
	return cond;
}

static int ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* ---- the model of the private pools ------------------------------- */

static bool by_handle(const struct model *m)
{
	return ckremm_pool_by_handle(&m->pool);
}

/* One of the private pools, either kind. */
static struct model *any_model(struct fz *z)
{
	return below(z, 2) ? &z->tm : &z->hm;
}

static int m_find(const struct model *m, __u64 block)
{
	for (int i = 0; i < m->n; i++)
		if (m->b[i].block == block)
			return i;
	return -1;
}

static void m_forget(struct model *m, int i)
{
	m->stale[m->nstale++ % STALE_MAX] = m->b[i].block;
	m->b[i] = m->b[--m->n];
}

/* The usable bytes of @block, from WALK or LOCATE (0 if not found). */
static __u64 m_usable(struct model *m, __u64 block)
{
	__u64 size = 0;

	if (ckremm_block_size(&m->pool, block, &size))
		return 0;
	return size;
}

/*
 * A new block must be a new name: a handle neither 0 nor live, an offset
 * whose @size bytes lie in the arena and overlap no live block but the
 * one at @skip.
 */
static bool m_fits(struct fz *z, struct model *m, enum kind k, __u64 block,
		   __u64 size, int skip)
{
	__u64 arena = m->pool.arena_size;

	if (by_handle(m))
		return require(z, k, block && m_find(m, block) < 0,
			       "a new block got 0 or a live handle");
	if (block >= arena || size > arena - block) {
		mismatch(z, k, "block %#llx + %llu outside the arena",
			 (unsigned long long)block, (unsigned long long)size);
		return false;
	}
	for (int i = 0; i < m->n; i++) {
		const struct mblock *b = &m->b[i];

		if (i == skip)
			continue;
		if (block < b->block + b->usable && b->block < block + size) {
			mismatch(z, k, "block %#llx + %llu overlaps live %#llx + %llu",
				 (unsigned long long)block,
				 (unsigned long long)size,
				 (unsigned long long)b->block,
				 (unsigned long long)b->usable);
			return false;
		}
	}
	return true;
}

static void m_remember(struct fz *z, struct model *m, enum kind k,
		       __u64 block, __u64 size)
{
	struct mblock *b;

	if (!m_fits(z, m, k, block, size, -1) || m->n == HMAX) {
		ckremm_free(&m->pool, block);
		return;
	}
	b = &m->b[m->n++];
	*b = (struct mblock){ .block = block, .size = size };
	b->usable = m_usable(m, block);
	require(z, k, b->usable >= size, "usable size below the size asked");
}

/* A block freed earlier, or @otherwise if none was. */
static __u64 m_stale(struct fz *z, const struct model *m, __u64 otherwise)
{
	if (!m->nstale)
		return otherwise;
	return m->stale[below(z, m->nstale < STALE_MAX ? m->nstale : STALE_MAX)];
}

/* An offset that is not a live block of the header pool, or a live one. */
static __u64 any_offset(struct fz *z, const struct model *m)
{
	__u64 base = m->n ? m->b[below(z, (unsigned int)m->n)].block : 64;

	switch (below(z, 9)) {
	case 0:
		return 0;
	case 1:
		return base + 1 + below(z, 15);
	case 2:
		return base + 16;
	case 3:
		return base >= 16 ? base - 16 : 0;
	case 4:
		return m->pool.arena_size - below(z, 2);
	case 5:
		return m->pool.arena_size + below(z, 2);
	case 6:
		return edge64(z);
	case 7:
		return m_stale(z, m, 0);
	default:
		return base;
	}
}

/* A handle that is not a live block of the table pool, or a live one. */
static __u64 any_handle(struct fz *z, const struct model *m)
{
	__u64 h = m->n ? m->b[below(z, (unsigned int)m->n)].block : 1;

	switch (below(z, 7)) {
	case 0:
		return 0;
	case 1:
		return h ^ (1ULL << below(z, 64));	/* forged */
	case 2:
		return edge64(z);
	case 3:
		return rnd(z);
	case 4:
		return m_stale(z, m, h + 1);
	default:
		return h;
	}
}

/* A live block of @m, or one of the names that are not. */
static __u64 any_block(struct fz *z, const struct model *m)
{
	return by_handle(m) ? any_handle(z, m) : any_offset(z, m);
}

static unsigned int pinned_count(const struct model *m)
{
	unsigned int n = 0;

	for (int i = 0; i < m->n; i++)
		n += !!m->b[i].pins;
	return n;
}

static __u64 used_blocks(struct fz *z, struct model *m, enum kind k)
{
	struct ckremm_stats s;

	if (ckremm_stats(&m->pool, &s)) {
		mismatch(z, k, "STATS of the private pool failed");
		return ~0ULL;
	}
	return s.used_blocks;
}

static void fill(struct fz *z, unsigned char *p, size_t len)
{
	__u64 x = rnd(z);

	for (size_t i = 0; i < len; i++) {
		if (!(i & 7))
			x = rnd(z);
		p[i] = (unsigned char)(x >> ((i & 7) * 8));
	}
}

/*
 * Spoils shared by every request on a pool: returns true if it sent the
 * request spoilt one way (a pool id not attached, a pool of a kind that
 * does not take the request, a struct nobody can read).  @req is a valid
 * request of @size bytes whose first field is the pool id; @wrong is the
 * private pool whose kind does not take it, or NULL if both kinds do.
 */
static bool spoil_common(struct fz *z, enum kind k, void *req, size_t size,
			 const struct model *wrong)
{
	unsigned char copy[256];
	__u32 *pool = (__u32 *)copy;
	int ret;

	memcpy(copy, req, size);
	switch (below(z, 12)) {
	case 0:
		/* This process never holds more than a few ids at once. */
		switch (below(z, 3)) {
		case 0:
			*pool = 0;
			break;
		case 1:
			*pool = 1000 + below(z, 100000);
			break;
		default:
			*pool = edge32(z) | 0x10000;
			break;
		}
		ret = ioc(z->fd, kinds[k].cmd, copy);
		expect(z, k, ret, A_NOENT, "pool id not attached");
		return true;
	case 1:
		if (!wrong)
			return false;
		*pool = wrong->pool.id;
		ret = ioc(z->fd, kinds[k].cmd, copy);
		expect(z, k, ret, A_NOTSUP, "a kind of pool that does not take it");
		return true;
	case 2:
		ret = ioc(z->fd, kinds[k].cmd, (void *)(uintptr_t)bad_pointer(z));
		expect(z, k, ret, A_FAULT, "struct at a bad pointer");
		return true;
	default:
		return false;
	}
}

/* Spoil the __u64 or __u32 at byte @at of a copy of @req; expect EINVAL. */
static void spoil_field(struct fz *z, enum kind k, const void *req,
			size_t size, size_t at, size_t width, const char *what)
{
	unsigned char copy[256];
	int ret;

	memcpy(copy, req, size);
	if (width == 8) {
		__u64 v = edge64(z);

		memcpy(copy + at, &v, 8);
	} else {
		__u32 v = edge32(z);

		memcpy(copy + at, &v, 4);
	}
	ret = ioc(z->fd, kinds[k].cmd, copy);
	expect(z, k, ret, A_INVAL, what);
}

#define SPOIL(z, k, req, field, what)					\
	spoil_field(z, k, &(req), sizeof(req), offsetof(__typeof__(req), field), \
		    sizeof((req).field), what)

/* A field of a request that must be zero: reserved, pad, out, flags. */
struct zero_field {
	size_t at;
	size_t width;
	const char *what;
};

#define ZERO_FIELD(type, field, what)					\
	{ offsetof(type, field), sizeof(((type *)0)->field), what }

/*
 * With a chance of @n in @out_of, spoil one of @fields[@n] in a copy of
 * @req (@size bytes) and expect EINVAL.  Returns whether it did.
 */
static bool spoil_zero_field(struct fz *z, enum kind k, const void *req,
			     size_t size, const struct zero_field *fields,
			     unsigned int n, unsigned int out_of)
{
	unsigned int i = below(z, out_of);

	if (i >= n)
		return false;
	spoil_field(z, k, req, size, fields[i].at, fields[i].width,
		    fields[i].what);
	return true;
}

#define SPOIL_ZERO_FIELD(z, k, req, fields, out_of)			\
	spoil_zero_field(z, k, &(req), sizeof(req), fields,		\
			 sizeof(fields) / sizeof((fields)[0]), out_of)

static const struct zero_field alloc_fields[] = {
	ZERO_FIELD(struct ckremm_alloc, block, "out field block set"),
	ZERO_FIELD(struct ckremm_alloc, reserved, "reserved set"),
};

static const struct zero_field block_fields[] = {
	ZERO_FIELD(struct ckremm_block, flags, "flags set"),
	ZERO_FIELD(struct ckremm_block, offset, "out field offset set"),
	ZERO_FIELD(struct ckremm_block, size, "out field size set"),
	ZERO_FIELD(struct ckremm_block, reserved, "reserved set"),
};

static const struct zero_field realloc_fields[] = {
	ZERO_FIELD(struct ckremm_realloc, flags, "flags set"),
	ZERO_FIELD(struct ckremm_realloc, new_block, "out field new_block set"),
	ZERO_FIELD(struct ckremm_realloc, reserved, "reserved set"),
};

static const struct zero_field alloc_batch_fields[] = {
	ZERO_FIELD(struct ckremm_batch, flags, "flags set"),
	ZERO_FIELD(struct ckremm_batch, reserved0, "reserved0 set"),
	ZERO_FIELD(struct ckremm_batch, reserved, "reserved set"),
};

static const struct zero_field free_batch_fields[] = {
	ZERO_FIELD(struct ckremm_batch, flags, "flags set"),
	ZERO_FIELD(struct ckremm_batch, size, "size set"),
	ZERO_FIELD(struct ckremm_batch, align, "align set"),
	ZERO_FIELD(struct ckremm_batch, reserved0, "reserved0 set"),
};

static const struct zero_field rw_fields[] = {
	ZERO_FIELD(struct ckremm_rw, flags, "flags set"),
	ZERO_FIELD(struct ckremm_rw, reserved, "reserved set"),
};

static const struct zero_field copy_fields[] = {
	ZERO_FIELD(struct ckremm_copy, flags, "flags set"),
	ZERO_FIELD(struct ckremm_copy, reserved, "reserved set"),
};

static const struct zero_field reorder_fields[] = {
	ZERO_FIELD(struct ckremm_reorder, flags, "flags set"),
	ZERO_FIELD(struct ckremm_reorder, bytes_moved, "out field set"),
	ZERO_FIELD(struct ckremm_reorder, reserved[1], "reserved set"),
};

static const struct zero_field stats_fields[] = {
	ZERO_FIELD(struct ckremm_stats, kind, "out field kind set"),
	ZERO_FIELD(struct ckremm_stats, pad, "pad set"),
	ZERO_FIELD(struct ckremm_stats, commit_failures, "out field commit_failures set"),
};

static const struct zero_field validate_fields[] = {
	ZERO_FIELD(struct ckremm_validate, flags, "flags set"),
	ZERO_FIELD(struct ckremm_validate, status, "out field status set"),
	ZERO_FIELD(struct ckremm_validate, reserved, "reserved set"),
};

static const struct zero_field list_fields[] = {
	ZERO_FIELD(struct ckremm_list, flags, "flags set"),
	ZERO_FIELD(struct ckremm_list, reserved, "reserved set"),
};

static const struct zero_field create_fields[] = {
	ZERO_FIELD(struct ckremm_create, reserved[1], "reserved set"),
	ZERO_FIELD(struct ckremm_create, pool, "out field pool set"),
	ZERO_FIELD(struct ckremm_create, mmap_offset,
		   "out field mmap_offset set"),
	ZERO_FIELD(struct ckremm_create, arena_size,
		   "out field arena_size set"),
};

static const struct zero_field open_fields[] = {
	ZERO_FIELD(struct ckremm_open, pool, "out field pool set"),
	ZERO_FIELD(struct ckremm_open, kind, "out field kind set"),
	ZERO_FIELD(struct ckremm_open, pad, "pad set"),
	ZERO_FIELD(struct ckremm_open, arena_size, "out field arena_size set"),
	ZERO_FIELD(struct ckremm_open, reserved[1], "reserved set"),
};

static const struct zero_field ref_fields[] = {
	ZERO_FIELD(struct ckremm_pool_ref, flags, "flags set"),
	ZERO_FIELD(struct ckremm_pool_ref, reserved, "reserved set"),
};

/* ---- requests on blocks of the private pools ---------------------- */

/* An alignment that is not a power of two up to the page size. */
static __u64 bad_align(struct fz *z)
{
	__u64 align;

	do {
		align = edge64(z) | (below(z, 2) ? 3 : 0);
	} while (align && !(align & (align - 1)) && align <= page);
	if (!(align & (align - 1)))
		align = page << 1;
	return align;
}

static void f_alloc(struct fz *z)
{
	struct model *m = any_model(z);
	bool table = by_handle(m);
	struct ckremm_alloc a = { .pool = m->pool.id };
	unsigned long long want;
	int ret;

	a.size = 1 + below(z, 2048);
	if (!table && below(z, 3) == 0)
		a.align = 1ULL << below(z, 13);
	if (table && below(z, 4) == 0)
		a.flags = CKREMM_ALLOC_REORDER;
	if (spoil_common(z, K_ALLOC, &a, sizeof(a), NULL) ||
	    SPOIL_ZERO_FIELD(z, K_ALLOC, a, alloc_fields, 11))
		return;
	switch (below(z, 9)) {
	case 0:
		a.flags = bad_flags(z, CKREMM_ALLOC_FLAGS);
		/* A header pool may see CKREMM_ALLOC_REORDER among them. */
		want = A_INVAL | (!table && (a.flags & CKREMM_ALLOC_REORDER) ?
				  A_NOTSUP : 0);
		expect(z, K_ALLOC, ioc(z->fd, CKREMM_IOC_ALLOC, &a), want,
		       "unknown flags");
		return;
	case 1:
		a.size = 0;
		expect(z, K_ALLOC, ioc(z->fd, CKREMM_IOC_ALLOC, &a), A_INVAL,
		       "size 0");
		return;
	case 2:
		/* What only the other kind of pool takes. */
		a.flags = table ? 0 : CKREMM_ALLOC_REORDER;
		a.align = table ? 1ULL << below(z, 13) : 0;
		expect(z, K_ALLOC, ioc(z->fd, CKREMM_IOC_ALLOC, &a), A_NOTSUP,
		       table ? "align on a table pool" :
		       "CKREMM_ALLOC_REORDER on a header pool");
		return;
	case 3:
		if (table)
			break;
		a.align = bad_align(z);
		expect(z, K_ALLOC, ioc(z->fd, CKREMM_IOC_ALLOC, &a), A_INVAL,
		       "align not a power of two up to the page size");
		return;
	case 4:
		a.size = m->pool.arena_size + (below(z, 2) ? 1 : edge64(z));
		if (a.size <= m->pool.arena_size)
			a.size = ~0ULL;
		/* Valid but no arena holds it; EINVAL as a bad size too. */
		expect(z, K_ALLOC, ioc(z->fd, CKREMM_IOC_ALLOC, &a),
		       A_NOMEM | A_INVAL, "size beyond the arena");
		return;
	default:
		break;
	}
	ret = ioc(z->fd, CKREMM_IOC_ALLOC, &a);
	if (!expect(z, K_ALLOC, ret, A_OK | A_NOMEM, "valid") || ret)
		return;
	if (a.align)
		require(z, K_ALLOC, !(a.block & (a.align - 1)),
			"block not aligned as asked");
	m_remember(z, m, K_ALLOC, a.block, a.size);
}

/* CLEAN, PIN and LOCATE: @b's offset and size are @m's block @i's. */
static void check_place(struct fz *z, enum kind k, struct model *m, int i,
			const struct ckremm_block *b)
{
	const struct mblock *mb = &m->b[i];

	require(z, k, b->size == mb->usable &&
		b->offset + b->size <= m->pool.arena_size,
		"offset or size off the block");
	if (!by_handle(m))
		require(z, k, b->offset == b->block,
			"a header pool's block is not at its offset");
	if (mb->pins)
		require(z, k, b->offset == mb->pin_off, "a pinned block moved");
}

/* The block @i of @m reads as zeros. */
static void check_zero(struct fz *z, enum kind k, struct model *m, int i)
{
	if (ckremm_read(&m->pool, m->b[i].block, 0, z->buf, m->b[i].usable))
		return;
	for (__u64 j = 0; j < m->b[i].usable; j++)
		if (z->buf[j]) {
			mismatch(z, k, "byte %llu not zero after CLEAN",
				 (unsigned long long)j);
			break;
		}
}

/* FREE and CLEAN on either kind; PIN, UNPIN and LOCATE on a table pool. */
static void f_block(struct fz *z, enum kind k)
{
	bool table_only = k == K_PIN || k == K_UNPIN || k == K_LOCATE;
	struct model *m = table_only ? &z->tm : any_model(z);
	struct ckremm_block b = { .pool = m->pool.id };
	unsigned long long want;
	int i, ret;

	b.block = any_block(z, m);
	if (spoil_common(z, k, &b, sizeof(b), table_only ? &z->hm : NULL) ||
	    SPOIL_ZERO_FIELD(z, k, b, block_fields, 8))
		return;
	i = m_find(m, b.block);
	if (i < 0)
		want = A_INVAL;
	else if (k == K_FREE && m->b[i].pins)
		want = A_BUSY;
	else if (k == K_UNPIN && !m->b[i].pins)
		want = A_INVAL;
	else
		want = A_OK;
	ret = ioc(z->fd, kinds[k].cmd, &b);
	if (!expect(z, k, ret, want, i < 0 ? "not a live block" :
		    want == A_BUSY ? "pinned" : want == A_INVAL ?
		    "not pinned" : "a live block") || ret)
		return;
	switch (k) {
	case K_FREE:
		require(z, k, !b.offset && !b.size, "FREE wrote back");
		m_forget(m, i);
		break;
	case K_CLEAN:
		check_place(z, k, m, i, &b);
		check_zero(z, k, m, i);
		break;
	case K_PIN:
		if (m->b[i].pins++)
			require(z, k, b.offset == m->b[i].pin_off,
				"a second pin gave another offset");
		m->b[i].pin_off = b.offset;
		check_place(z, k, m, i, &b);
		break;
	case K_LOCATE:
		check_place(z, k, m, i, &b);
		break;
	case K_UNPIN:
		require(z, k, !b.offset && !b.size, "UNPIN wrote back");
		m->b[i].pins--;
		break;
	default:
		break;
	}
}

static void f_realloc(struct fz *z)
{
	struct model *m = &z->hm;
	struct ckremm_realloc r = { .pool = m->pool.id };
	int i, ret;

	r.block = any_offset(z, m);
	r.size = 1 + below(z, 2048);
	if (spoil_common(z, K_REALLOC, &r, sizeof(r), &z->tm) ||
	    SPOIL_ZERO_FIELD(z, K_REALLOC, r, realloc_fields, 9))
		return;
	if (below(z, 6) == 0 && m_find(m, r.block) >= 0) {
		r.size = 0;
		expect(z, K_REALLOC, ioc(z->fd, CKREMM_IOC_REALLOC, &r),
		       A_INVAL, "size 0");
		return;
	}
	i = m_find(m, r.block);
	ret = ioc(z->fd, CKREMM_IOC_REALLOC, &r);
	if (!expect(z, K_REALLOC, ret, i >= 0 ? A_OK | A_NOMEM : A_INVAL,
		    i >= 0 ? "a live block" : "not a live block") || ret)
		return;
	if (!m_fits(z, m, K_REALLOC, r.new_block, r.size, i)) {
		m_forget(m, i);
		return;
	}
	m->b[i].block = r.new_block;
	m->b[i].size = r.size;
	m->b[i].usable = m_usable(m, r.new_block);
	require(z, K_REALLOC, m->b[i].usable >= r.size,
		"usable size below the size asked");
}

static void f_alloc_batch(struct fz *z)
{
	struct model *m = any_model(z);
	struct ckremm_batch b = { .pool = m->pool.id };
	__u64 blocks[CKREMM_BATCH_MAX + 1], before;
	int ret;

	b.count = 1 + below(z, 8);
	b.size = 1 + below(z, 256);
	b.blocks = uptr(blocks);
	if (spoil_common(z, K_ALLOC_BATCH, &b, sizeof(b), NULL) ||
	    SPOIL_ZERO_FIELD(z, K_ALLOC_BATCH, b, alloc_batch_fields, 11))
		return;
	switch (below(z, 8)) {
	case 0:
		b.count = (const __u32[]){ 0, CKREMM_BATCH_MAX + 1, 0x80000000,
					   0xffffffff }[below(z, 4)];
		expect(z, K_ALLOC_BATCH, ioc(z->fd, CKREMM_IOC_ALLOC_BATCH, &b),
		       A_INVAL, "count 0 or above CKREMM_BATCH_MAX");
		return;
	case 1:
	case 2:
		before = used_blocks(z, m, K_ALLOC_BATCH);
		b.blocks = below(z, 2) ? uptr(z->ro) : bad_pointer(z);
		expect(z, K_ALLOC_BATCH, ioc(z->fd, CKREMM_IOC_ALLOC_BATCH, &b),
		       A_FAULT, "blocks not writable");
		require(z, K_ALLOC_BATCH,
			used_blocks(z, m, K_ALLOC_BATCH) == before,
			"a refused ALLOC_BATCH left blocks behind");
		return;
	case 3:
		b.size = 0;
		expect(z, K_ALLOC_BATCH, ioc(z->fd, CKREMM_IOC_ALLOC_BATCH, &b),
		       A_INVAL, "size 0");
		return;
	case 4:
		if (!by_handle(m))
			break;
		b.align = 1ULL << below(z, 13);
		expect(z, K_ALLOC_BATCH, ioc(z->fd, CKREMM_IOC_ALLOC_BATCH, &b),
		       A_NOTSUP, "align on a table pool");
		return;
	default:
		break;
	}
	ret = ioc(z->fd, CKREMM_IOC_ALLOC_BATCH, &b);
	if (!expect(z, K_ALLOC_BATCH, ret, A_OK | A_NOMEM, "valid") || ret)
		return;
	for (unsigned int i = 0; i < b.count; i++)
		m_remember(z, m, K_ALLOC_BATCH, blocks[i], b.size);
}

static void f_free_batch(struct fz *z)
{
	struct model *m = any_model(z);
	struct ckremm_batch b = { .pool = m->pool.id };
	__u64 blocks[CKREMM_BATCH_MAX];
	bool all_live = true, pinned = false;
	unsigned long long want;
	unsigned int n;
	__u64 before;
	int ret;

	n = m->n ? 1 + below(z, (unsigned int)(m->n < 8 ? m->n : 8)) : 1;
	for (unsigned int i = 0; i < n; i++)
		blocks[i] = m->n > (int)i ? m->b[i].block : any_block(z, m);
	b.count = n;
	b.blocks = uptr(blocks);
	if (spoil_common(z, K_FREE_BATCH, &b, sizeof(b), NULL) ||
	    SPOIL_ZERO_FIELD(z, K_FREE_BATCH, b, free_batch_fields, 10))
		return;
	switch (below(z, 6)) {
	case 0:
		b.count = below(z, 2) ? 0 : CKREMM_BATCH_MAX + 1;
		expect(z, K_FREE_BATCH, ioc(z->fd, CKREMM_IOC_FREE_BATCH, &b),
		       A_INVAL, "count 0 or above CKREMM_BATCH_MAX");
		return;
	case 1:
		b.blocks = bad_pointer(z);
		before = used_blocks(z, m, K_FREE_BATCH);
		expect(z, K_FREE_BATCH, ioc(z->fd, CKREMM_IOC_FREE_BATCH, &b),
		       A_FAULT, "blocks not readable");
		require(z, K_FREE_BATCH,
			used_blocks(z, m, K_FREE_BATCH) == before,
			"a refused FREE_BATCH freed blocks");
		return;
	case 2:
		/* A duplicate, or one block not live: nothing may go. */
		if (n < CKREMM_BATCH_MAX)
			blocks[n] = below(z, 2) ? blocks[0] : any_block(z, m);
		b.count = n + 1;
		break;
	default:
		break;
	}
	for (unsigned int i = 0; i < b.count; i++) {
		int at = m_find(m, blocks[i]);

		if (at < 0)
			all_live = false;
		else if (m->b[at].pins)
			pinned = true;
		for (unsigned int j = 0; j < i; j++)
			if (blocks[j] == blocks[i])
				all_live = false;
	}
	/* Which refusal comes first is the module's choice. */
	want = (all_live ? 0 : A_INVAL) | (pinned ? A_BUSY : 0);
	if (!want)
		want = A_OK;
	before = used_blocks(z, m, K_FREE_BATCH);
	ret = ioc(z->fd, CKREMM_IOC_FREE_BATCH, &b);
	if (!expect(z, K_FREE_BATCH, ret, want,
		    want == A_OK ? "live blocks" :
		    "a duplicate, a dead or a pinned block"))
		return;
	if (ret) {
		require(z, K_FREE_BATCH,
			used_blocks(z, m, K_FREE_BATCH) == before,
			"a refused FREE_BATCH freed blocks");
		return;
	}
	for (unsigned int i = 0; i < b.count; i++)
		m_forget(m, m_find(m, blocks[i]));
}

/* READ or WRITE (@k) of a block of either kind. */
static void f_rw(struct fz *z, enum kind k)
{
	bool is_write = k == K_WRITE;
	struct model *m = any_model(z);
	struct ckremm_rw r = { .pool = m->pool.id };
	unsigned long long want;
	const char *what;
	__u64 usable;
	int i, ret;

	r.block = any_block(z, m);
	i = m_find(m, r.block);
	usable = i >= 0 ? m->b[i].usable : 0;
	r.pos = usable ? below(z, (unsigned int)usable + 1) : 0;
	r.len = usable - r.pos ? below(z, (unsigned int)(usable - r.pos) + 1) : 0;
	r.buf = uptr(z->buf);
	if (spoil_common(z, k, &r, sizeof(r), NULL) ||
	    SPOIL_ZERO_FIELD(z, k, r, rw_fields, 12))
		return;
	want = usable ? A_OK : A_INVAL;
	what = usable ? "in range" : "not a live block";
	switch (below(z, 10)) {
	case 0:
		r.pos = below(z, 2) ? usable + 1 : edge64(z);
		if (r.pos <= usable)
			r.pos = usable + 1;
		r.len = below(z, 2);
		want = A_INVAL;
		what = "pos past the block";
		break;
	case 1:
		r.len = usable - r.pos + (below(z, 2) ? 1 : edge64(z));
		if (r.len <= usable - r.pos)
			r.len = usable - r.pos + 1;
		want = A_INVAL;
		what = "pos + len past the block";
		break;
	case 2:
		if (!usable || r.len == 0)
			break;
		r.buf = is_write ? bad_pointer(z) :
			(below(z, 2) ? uptr(z->ro) : bad_pointer(z));
		want = A_FAULT;
		what = is_write ? "buffer not readable" : "buffer not writable";
		break;
	case 3:
		r.pos = usable;
		r.len = 0;
		r.buf = below(z, 2) ? 0 : bad_pointer(z);
		what = "len 0 at the end, any buffer";
		break;
	default:
		break;
	}
	if (is_write && want == A_OK)
		fill(z, z->buf, r.len);
	ret = ioc(z->fd, kinds[k].cmd, &r);
	/* A fault may come after a prefix was copied: still EFAULT. */
	if (!expect(z, k, ret, want, what) || ret || !is_write || !r.len)
		return;
	/* Read back what was written. */
	memcpy(z->buf + BUF_SIZE / 2, z->buf, r.len);
	r.buf = uptr(z->buf);
	ret = ioc(z->fd, CKREMM_IOC_READ, &r);
	if (require(z, k, !ret, "reading back a write failed"))
		require(z, k, !memcmp(z->buf, z->buf + BUF_SIZE / 2, r.len),
			"read back other bytes than written");
}

static void f_copy(struct fz *z)
{
	struct model *m = &z->tm;
	struct ckremm_copy c = { .pool = m->pool.id };
	unsigned long long want;
	int d, s, ret;

	c.dst = any_handle(z, m);
	c.src = any_handle(z, m);
	if (spoil_common(z, K_COPY, &c, sizeof(c), &z->hm) ||
	    SPOIL_ZERO_FIELD(z, K_COPY, c, copy_fields, 6))
		return;
	d = m_find(m, c.dst);
	s = m_find(m, c.src);
	if (d < 0 || s < 0)
		want = A_INVAL;
	else if (m->b[d].usable < m->b[s].usable)
		want = A_NOSPC;
	else
		want = A_OK;
	ret = ioc(z->fd, CKREMM_IOC_COPY, &c);
	if (!expect(z, K_COPY, ret, want, d < 0 || s < 0 ?
		    "not a live handle" : want == A_NOSPC ?
		    "into a smaller block" : "live blocks") || ret || d == s)
		return;
	/* The bytes arrived. */
	if (!ckremm_read(&m->pool, c.src, 0, z->buf, m->b[s].usable) &&
	    !ckremm_read(&m->pool, c.dst, 0, z->buf + BUF_SIZE / 2,
			 m->b[s].usable))
		require(z, K_COPY,
			!memcmp(z->buf, z->buf + BUF_SIZE / 2, m->b[s].usable),
			"destination differs from source after COPY");
}

/* A request number version 1 used for a block request. */
static void f_retired(struct fz *z)
{
	const struct v1_request *v = &v1_requests[below(z, v1_request_count)];
	struct model *m = v->name[0] == 'T' ? &z->tm : &z->hm;
	__u64 before = used_blocks(z, m, K_RETIRED);
	/* pool, flags, then a block or a size, as version 1 had */
	__u64 req[8] = { m->pool.id, any_block(z, m), 1 + below(z, 256) };

	expect(z, K_RETIRED, ioc(z->fd, v->cmd, req), A_PROTO, v->name);
	require(z, K_RETIRED, used_blocks(z, m, K_RETIRED) == before,
		"a version 1 request changed the pool");
}

/* ---- whole-pool requests ------------------------------------------ */

static void f_reorder(struct fz *z)
{
	struct model *m = any_model(z);
	bool table = by_handle(m);
	struct ckremm_reorder r = { .pool = m->pool.id };
	int ret;

	if (spoil_common(z, K_REORDER, &r, sizeof(r), NULL) ||
	    SPOIL_ZERO_FIELD(z, K_REORDER, r, reorder_fields, 5))
		return;
	ret = ioc(z->fd, CKREMM_IOC_REORDER, &r);
	if (!expect(z, K_REORDER, ret, A_OK, "valid") || ret)
		return;
	if (!table) {
		require(z, K_REORDER, !r.bytes_moved && !r.blocks_moved,
			"a header pool moved blocks");
		return;
	}
	/* Pinned blocks stayed where they were. */
	for (int i = 0; i < m->n; i++) {
		__u64 off, size;

		if (!m->b[i].pins)
			continue;
		if (!ckremm_locate(&m->pool, m->b[i].block, &off, &size))
			require(z, K_REORDER, off == m->b[i].pin_off,
				"REORDER moved a pinned block");
	}
}

static void f_stats(struct fz *z)
{
	struct model *m = any_model(z);
	bool table = by_handle(m);
	struct ckremm_stats s = { .pool = m->pool.id };
	int ret;

	if (spoil_common(z, K_STATS, &s, sizeof(s), NULL) ||
	    SPOIL_ZERO_FIELD(z, K_STATS, s, stats_fields, 5))
		return;
	ret = ioc(z->fd, CKREMM_IOC_STATS, &s);
	if (!expect(z, K_STATS, ret, A_OK, "valid") || ret)
		return;
	require(z, K_STATS, s.kind == (table ? CKREMM_KIND_TABLE :
				       CKREMM_KIND_HEADER), "wrong kind");
	require(z, K_STATS, s.used_bytes + s.free_bytes == s.arena_size,
		"used + free != arena");
	require(z, K_STATS, s.used_blocks == (__u64)m->n,
		"used_blocks differs from the blocks alive");
	if (table)
		require(z, K_STATS, s.pinned_blocks == pinned_count(m),
			"pinned_blocks differs from the blocks pinned");
}

static void f_validate(struct fz *z)
{
	struct model *m = any_model(z);
	bool table = by_handle(m);
	struct ckremm_validate v = { .pool = m->pool.id };
	int ret;

	if (spoil_common(z, K_VALIDATE, &v, sizeof(v), NULL) ||
	    SPOIL_ZERO_FIELD(z, K_VALIDATE, v, validate_fields, 5))
		return;
	ret = ioc(z->fd, CKREMM_IOC_VALIDATE, &v);
	if (expect(z, K_VALIDATE, ret, A_OK, "valid") && !ret &&
	    !require(z, K_VALIDATE, v.status == 0,
		     "a pool only this process uses is inconsistent"))
		diag("proc %d: %s pool: %.64s at %#llx", z->id,
		     table ? "table" : "header", v.reason,
		     (unsigned long long)v.offset);
}

static void f_list(struct fz *z)
{
	struct ckremm_list_entry e[8];
	struct ckremm_list l = { .count = 8, .entries = uptr(e) };
	int ret;

	if (SPOIL_ZERO_FIELD(z, K_LIST, l, list_fields, 7))
		return;
	switch (below(z, 5)) {
	case 0:
		ret = ioc(z->fd, CKREMM_IOC_LIST, (void *)(uintptr_t)bad_pointer(z));
		expect(z, K_LIST, ret, A_FAULT, "struct at a bad pointer");
		return;
	case 1:
		/* Faults if any pool is named; this process keeps two. */
		l.count = below(z, 2) ? 1 : edge32(z);
		l.entries = bad_pointer(z);
		ret = ioc(z->fd, CKREMM_IOC_LIST, &l);
		/* Unless no pool is named at that moment. */
		expect(z, K_LIST, ret, A_FAULT | A_OK | A_NOMEM,
		       "entries not writable");
		return;
	case 2:
		l.count = 0;
		l.entries = bad_pointer(z);
		break;
	default:
		break;
	}
	ret = ioc(z->fd, CKREMM_IOC_LIST, &l);
	if (!expect(z, K_LIST, ret, A_OK, "valid") || ret || !l.entries)
		return;
	for (__u32 i = 0; i < l.count && i < 8 && uptr(e) == l.entries; i++)
		require(z, K_LIST, memchr(e[i].name, 0, CKREMM_NAME_LEN) &&
			e[i].name[0] && e[i].mode <= 0777 &&
			(e[i].kind == CKREMM_KIND_HEADER ||
			 e[i].kind == CKREMM_KIND_TABLE),
			"an entry with a bad name, mode or kind");
}

static void f_walk(struct fz *z)
{
	struct model *m = any_model(z);
	struct ckremm_pool *p = &m->pool;
	struct ckremm_walk w = { .pool = p->id, .count = WALK_ROOM };
	__u64 end = 0;
	int ret;

	w.entries = uptr(z->walk);
	if (spoil_common(z, K_WALK, &w, sizeof(w), NULL))
		return;
	switch (below(z, 9)) {
	case 0:
		SPOIL(z, K_WALK, w, reserved, "reserved set");
		return;
	case 1:
		w.count = below(z, 2) ? 0 : WALK_ROOM + 1 + below(z, 3);
		if (below(z, 3) == 0)
			w.count = edge32(z) | 0x80000000;
		expect(z, K_WALK, ioc(z->fd, CKREMM_IOC_WALK, &w), A_INVAL,
		       "count 0 or above 4096");
		return;
	case 2:
		w.cursor = p->arena_size + 1 + below(z, 4096);
		if (below(z, 2))
			w.cursor = edge64(z) | (1ULL << 40);
		if (w.cursor == CKREMM_WALK_END)
			w.cursor--;
		expect(z, K_WALK, ioc(z->fd, CKREMM_IOC_WALK, &w), A_INVAL,
		       "cursor past the arena");
		return;
	case 3:
		w.entries = below(z, 2) ? uptr(z->ro) : bad_pointer(z);
		expect(z, K_WALK, ioc(z->fd, CKREMM_IOC_WALK, &w), A_FAULT,
		       "entries not writable");
		return;
	case 4:
		w.cursor = CKREMM_WALK_END;
		ret = ioc(z->fd, CKREMM_IOC_WALK, &w);
		if (expect(z, K_WALK, ret, A_OK, "cursor at the end") && !ret)
			require(z, K_WALK, !w.count &&
				w.cursor == CKREMM_WALK_END,
				"a walk from the end found extents");
		return;
	default:
		break;
	}
	ret = ioc(z->fd, CKREMM_IOC_WALK, &w);
	if (!expect(z, K_WALK, ret, A_OK, "valid") || ret)
		return;
	/* Small pools: one call covers the arena, runs back to back. */
	for (__u32 i = 0; i < w.count; i++) {
		if (!require(z, K_WALK, z->walk[i].offset == end &&
			     z->walk[i].size,
			     "extents not back to back from 0"))
			return;
		end += z->walk[i].size;
	}
	require(z, K_WALK, end == p->arena_size &&
		w.cursor == CKREMM_WALK_END,
		"extents do not end at the arena's end");
}

/* ---- create, open, close, destroy --------------------------------- */

/* A name no pool has, or one of the bad ones. */
static void odd_name(struct fz *z, char name[CKREMM_NAME_LEN])
{
	static const char ok[] = "abcXYZ019._-";
	unsigned char c;

	memset(name, 0, CKREMM_NAME_LEN);
	switch (below(z, 8)) {
	case 0:
		return;				/* empty */
	case 1:
		memset(name, 'a', CKREMM_NAME_LEN);	/* no terminator */
		return;
	case 2:
		strcpy(name, below(z, 2) ? "a/b" : "a b");
		return;
	case 3:
		strcpy(name, "ok");		/* bytes after the NUL */
		name[3 + below(z, CKREMM_NAME_LEN - 3)] = 'x';
		return;
	default:
		for (unsigned int i = 0; i < 1 + below(z, 8); i++)
			name[i] = ok[below(z, sizeof(ok) - 1)];
		do {
			c = (unsigned char)rnd(z);
		} while (!c || strchr(ok, c) || (c >= 'a' && c <= 'z') ||
			 (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
		name[below(z, (unsigned int)strlen(name) + 1)] = (char)c;
		return;
	}
}

static int close_id(int fd, __u32 id)
{
	struct ckremm_pool_ref r = { .pool = id };

	return ioc(fd, CKREMM_IOC_CLOSE, &r);
}

static int destroy_id(int fd, __u32 id)
{
	struct ckremm_pool_ref r = { .pool = id };

	return ioc(fd, CKREMM_IOC_DESTROY, &r);
}

static struct ckremm_create good_create(struct fz *z)
{
	struct ckremm_create c = {
		.kind = below(z, 2) ? CKREMM_KIND_HEADER : CKREMM_KIND_TABLE,
		.size = CKREMM_POOL_MIN_SIZE << below(z, 3),
	};

	return c;
}

static void f_create(struct fz *z)
{
	struct ckremm_create c = good_create(z);
	__u32 first;
	int ret;

	switch (below(z, 16)) {
	case 0:
		c.kind = below(z, 2) ? 0 : 3 + edge32(z) % 100;
		if (below(z, 2))
			c.kind = edge32(z);
		if (c.kind == CKREMM_KIND_HEADER || c.kind == CKREMM_KIND_TABLE)
			c.kind = 0;
		expect(z, K_CREATE, ioc(z->fd, CKREMM_IOC_CREATE, &c), A_INVAL,
		       "unknown kind");
		return;
	case 1:
		c.flags = bad_flags(z, CKREMM_CREATE_FLAGS);
		expect(z, K_CREATE, ioc(z->fd, CKREMM_IOC_CREATE, &c), A_INVAL,
		       "unknown flags");
		return;
	case 2:
		c.size = below(z, CKREMM_POOL_MIN_SIZE);
		expect(z, K_CREATE, ioc(z->fd, CKREMM_IOC_CREATE, &c), A_INVAL,
		       "size below CKREMM_POOL_MIN_SIZE");
		return;
	case 3:
		c.size = max_pool_size + (below(z, 2) ? 1 : edge64(z));
		if (c.size <= max_pool_size)
			c.size = ~0ULL;
		expect(z, K_CREATE, ioc(z->fd, CKREMM_IOC_CREATE, &c), A_2BIG,
		       "size above max_pool_size");
		return;
	case 4:
	case 5:
		SPOIL_ZERO_FIELD(z, K_CREATE, c, create_fields, 4);
		return;
	case 6:
		if (below(z, 2))
			c.mode = 1 + below(z, 0777);
		else
			c.name[below(z, CKREMM_NAME_LEN)] = 'a';
		expect(z, K_CREATE, ioc(z->fd, CKREMM_IOC_CREATE, &c), A_INVAL,
		       "unnamed with a name or a mode");
		return;
	case 7:
		c.flags = CKREMM_CREATE_NAMED;
		odd_name(z, c.name);
		if (ckremm_name_valid(c.name))
			c.name[0] = '/';
		expect(z, K_CREATE, ioc(z->fd, CKREMM_IOC_CREATE, &c), A_INVAL,
		       "bad name");
		return;
	case 8:
		c.flags = CKREMM_CREATE_NAMED;
		snprintf(c.name, sizeof(c.name), "%sm%d", prefix, z->id);
		c.mode = 01000 | edge32(z);
		expect(z, K_CREATE, ioc(z->fd, CKREMM_IOC_CREATE, &c), A_INVAL,
		       "mode above 0777");
		return;
	case 9:
		/* A struct that cannot be written back changes nothing. */
		ret = ioc(z->fd, CKREMM_IOC_CREATE, &c);
		if (!expect(z, K_CREATE, ret, A_OK | A_DQUOT, "valid") || ret)
			return;
		first = c.pool;
		close_id(z->fd, first);
		/* z->ro holds a valid request, placed there at the start. */
		ret = ioc(z->fd, CKREMM_IOC_CREATE, z->ro);
		expect(z, K_CREATE, ret, A_FAULT, "struct in a read-only page");
		c = good_create(z);
		ret = ioc(z->fd, CKREMM_IOC_CREATE, &c);
		if (!expect(z, K_CREATE, ret, A_OK | A_DQUOT, "valid") || ret)
			return;
		require(z, K_CREATE, c.pool == first,
			"a refused CREATE took a pool id");
		close_id(z->fd, c.pool);
		return;
	case 10:
		c.flags = CKREMM_CREATE_NAMED;
		c.kind = below(z, 2) ? CKREMM_KIND_HEADER : CKREMM_KIND_TABLE;
		memcpy(c.name, c.kind == CKREMM_KIND_HEADER ? shared_h :
		       shared_t, CKREMM_NAME_LEN);
		ret = ioc(z->fd, CKREMM_IOC_CREATE, &c);
		/* Another process may have destroyed it just now. */
		expect(z, K_CREATE, ret, A_EXIST | A_OK | A_DQUOT,
		       "a name that exists");
		if (!ret)
			close_id(z->fd, c.pool);
		return;
	case 11:
		c.flags = CKREMM_CREATE_NAMED;
		c.mode = below(z, 0777 + 1);
		snprintf(c.name, sizeof(c.name), "%sn%d.%lu", prefix, z->id,
			 z->named++);
		ret = ioc(z->fd, CKREMM_IOC_CREATE, &c);
		if (!expect(z, K_CREATE, ret, A_OK | A_DQUOT | A_NOMEM,
			    "valid named") || ret)
			return;
		expect(z, K_DESTROY, destroy_id(z->fd, c.pool), A_OK,
		       "by its owner");
		return;
	default:
		ret = ioc(z->fd, CKREMM_IOC_CREATE, &c);
		if (!expect(z, K_CREATE, ret, A_OK | A_DQUOT | A_NOMEM,
			    "valid") || ret)
			return;
		require(z, K_CREATE, c.pool >= 1 &&
			c.mmap_offset == (__u64)c.pool << CKREMM_MMAP_SHIFT &&
			c.arena_size <= c.size && c.arena_size >= c.size / 2,
			"out fields off");
		expect(z, K_CLOSE, close_id(z->fd, c.pool), A_OK,
		       "a pool just made");
		return;
	}
}

static void f_open(struct fz *z)
{
	struct ckremm_open o = { 0 };
	int ret;

	memcpy(o.name, below(z, 2) ? shared_h : shared_t, CKREMM_NAME_LEN);
	if (below(z, 3) == 0)
		o.flags = CKREMM_OPEN_RDONLY;
	switch (below(z, 12)) {
	case 0:
		o.flags = bad_flags(z, CKREMM_OPEN_FLAGS);
		expect(z, K_OPEN, ioc(z->fd, CKREMM_IOC_OPEN, &o), A_INVAL,
		       "unknown flags");
		return;
	case 1:
		odd_name(z, o.name);
		if (ckremm_name_valid(o.name))
			o.name[0] = ' ';
		expect(z, K_OPEN, ioc(z->fd, CKREMM_IOC_OPEN, &o), A_INVAL,
		       "bad name");
		return;
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
		SPOIL_ZERO_FIELD(z, K_OPEN, o, open_fields, 5);
		return;
	case 7:
		snprintf(o.name, sizeof(o.name), "%snone%d", prefix, z->id);
		expect(z, K_OPEN, ioc(z->fd, CKREMM_IOC_OPEN, &o), A_NOENT,
		       "no pool of that name");
		return;
	case 8:
		ret = ioc(z->fd, CKREMM_IOC_OPEN, (void *)(uintptr_t)bad_pointer(z));
		expect(z, K_OPEN, ret, A_FAULT, "struct at a bad pointer");
		return;
	default:
		ret = ioc(z->fd, CKREMM_IOC_OPEN, &o);
		/* Another process may be destroying and recreating it. */
		if (!expect(z, K_OPEN, ret, A_OK | A_NOENT, "a shared pool") ||
		    ret)
			return;
		require(z, K_OPEN, o.kind == (o.name[strlen(prefix)] == 't' ?
					      CKREMM_KIND_TABLE :
					      CKREMM_KIND_HEADER) &&
			o.mmap_offset == (__u64)o.pool << CKREMM_MMAP_SHIFT &&
			o.arena_size, "out fields off");
		expect(z, K_CLOSE, close_id(z->fd, o.pool), A_OK,
		       "a pool just attached");
		return;
	}
}

/* CLOSE or DESTROY (@k). */
static void f_close_destroy(struct fz *z, enum kind k)
{
	struct ckremm_pool_ref r = { .pool = z->hm.pool.id };
	__u32 ids[] = { z->hm.pool.id, z->tm.pool.id };
	int ret;

	switch (below(z, 4)) {
	case 0:
	case 1:
		r.pool = ids[below(z, 2)];
		SPOIL_ZERO_FIELD(z, k, r, ref_fields, 2);
		break;
	case 2:
		ret = ioc(z->fd, kinds[k].cmd, (void *)(uintptr_t)bad_pointer(z));
		expect(z, k, ret, A_FAULT, "struct at a bad pointer");
		return;
	default:
		r.pool = below(z, 2) ? 0 : 1000 + below(z, 1000);
		if (below(z, 2))
			r.pool = edge32(z) | 0x10000;
		expect(z, k, ioc(z->fd, kinds[k].cmd, &r), A_NOENT,
		       "pool id not attached");
		return;
	}
	/* The refused request left both private pools attached. */
	require(z, k, !ckremm_stats(&z->hm.pool, &(struct ckremm_stats){ 0 }) &&
		!ckremm_stats(&z->tm.pool, &(struct ckremm_stats){ 0 }),
		"a refused request detached a pool");
}

static void f_version(struct fz *z)
{
	struct ckremm_version v = { .abi = (__u32)rnd(z),
				    .reserved = (__u32)rnd(z) };
	int ret;

	if (below(z, 4) == 0) {
		ret = ioc(z->fd, CKREMM_IOC_VERSION,
			  (void *)(uintptr_t)(below(z, 2) ? uptr(z->ro) :
					      bad_pointer(z)));
		expect(z, K_VERSION, ret, A_FAULT, "struct not writable");
		return;
	}
	ret = ioc(z->fd, CKREMM_IOC_VERSION, &v);
	if (expect(z, K_VERSION, ret, A_OK, "valid") && !ret)
		require(z, K_VERSION, v.abi == CKREMM_ABI_VERSION &&
			!v.reserved, "abi or reserved off");
}

/* ---- the collector of a private table pool ------------------------ */

/* Whether @h is held by a slot or a pin of @g. */
static bool g_rooted(const struct gmodel *g, __u64 h)
{
	for (unsigned int i = 0; i < GC_SLOTS; i++)
		if (g->slot[i] == h)
			return true;
	for (unsigned int i = 0; i < g->npins; i++)
		if (g->pin[i] == h)
			return true;
	return false;
}

/* @h lost a root: remember it as dead if nothing else holds it. */
static void g_let_go(struct gmodel *g, __u64 h)
{
	if (!h || g_rooted(g, h))
		return;
	if (g->ndead == STALE_MAX) {
		/* Forget the oldest: it may be collected or not. */
		memmove(g->dead, g->dead + 1, sizeof(g->dead) - sizeof(g->dead[0]));
		g->ndead--;
	}
	g->dead[g->ndead++] = h;
}

/* Objects alive, each once. */
static unsigned int g_live(const struct gmodel *g)
{
	unsigned int n = g->npins;

	for (unsigned int i = 0; i < GC_SLOTS; i++) {
		bool pinned = false;

		for (unsigned int j = 0; j < g->npins; j++)
			pinned |= g->pin[j] == g->slot[i];
		for (unsigned int j = 0; j < i; j++)
			pinned |= g->slot[j] == g->slot[i];
		n += g->slot[i] && !pinned;
	}
	return n;
}

/* A live object of @g, or 0 if none. */
static __u64 g_any_live(struct fz *z, const struct gmodel *g)
{
	unsigned int i = below(z, GC_SLOTS + GC_PINS);

	if (i >= GC_SLOTS)
		return g->npins ? g->pin[(i - GC_SLOTS) % g->npins] : 0;
	return g->slot[i];
}

/*
 * A handle no live object of @g has: a collected one, or a forged one.
 * (Another pool's handle may be one of @g's: both count from the start.)
 */
static __u64 g_not_live(struct fz *z, const struct gmodel *g)
{
	if (g->ngone && below(z, 2))
		return g->gone[below(z, g->ngone)];
	return edge64(z) | 1ULL << 62;
}

/* A root slot past the collector's: at its end, or at a boundary past it. */
static __u32 g_bad_slot(struct fz *z)
{
	__u32 slot = below(z, 2) ? GC_SLOTS + below(z, 8) : edge32(z);

	return slot < GC_SLOTS ? ~0U : slot;
}

/* Whether READ of @h's first word answers @want (0 or -EINVAL). */
static bool g_reads(struct gmodel *g, __u64 h, int want)
{
	__u64 word;

	return ckremm_read(&g->pool, h, 0, &word, sizeof(word)) == want;
}

static void f_gc_attach(struct fz *z)
{
	struct gmodel *g = &z->gm;
	struct ckremm_gc_setup a = { .pool = g->pool.id };

	if (spoil_common(z, K_GC_ATTACH, &a, sizeof(a), &z->hm))
		return;
	switch (below(z, 6)) {
	case 0:
		a.flags = bad_flags(z, CKREMM_GC_ATTACH_FLAGS);
		break;
	case 1:
		a.reserved[below(z, 2)] = edge64(z);
		break;
	case 2:
		a.max_types = below(z, 2) ? below(z, 2) + 1 :
			      CKREMM_GC_TYPES_MAX + 1 + below(z, 1000);
		break;
	case 3:
		a.step_budget = CKREMM_GC_BUDGET_MAX + 1 + below(z, 1000);
		break;
	case 4:
		/* A pool with blocks takes no collector. */
		if (!z->tm.n)
			return;
		a.pool = z->tm.pool.id;
		expect(z, K_GC_ATTACH, ioc(z->fd, CKREMM_IOC_GC_ATTACH, &a),
		       A_BUSY, "a pool with blocks");
		return;
	default:
		expect(z, K_GC_ATTACH, ioc(z->fd, CKREMM_IOC_GC_ATTACH, &a),
		       A_EXIST, "a pool with a collector");
		return;
	}
	expect(z, K_GC_ATTACH, ioc(z->fd, CKREMM_IOC_GC_ATTACH, &a), A_INVAL,
	       "a field out of range");
}

static void f_gc_type(struct fz *z)
{
	struct gmodel *g = &z->gm;
	__u64 map[4] = { rnd(z), rnd(z), rnd(z), rnd(z) };
	struct ckremm_gc_layout l = {
		.pool = g->pool.id, .words = 1 + below(z, 256), .map = uptr(map),
		.flags = below(z, 2) ? CKREMM_GC_LAYOUT_REPEAT : 0,
	};
	int ret;

	if (spoil_common(z, K_GC_TYPE, &l, sizeof(l), &z->hm))
		return;
	switch (below(z, 8)) {
	case 0:
		l.words = below(z, 2) ? 0 : CKREMM_GC_MAP_WORDS_MAX + 1 +
					     below(z, 1000);
		break;
	case 1:
		l.flags = bad_flags(z, CKREMM_GC_LAYOUT_FLAGS);
		break;
	case 2:
		l.type = 1 + below(z, 1000);
		break;
	case 3:
		l.reserved = edge64(z);
		break;
	case 4:
		l.map = bad_pointer(z);
		expect(z, K_GC_TYPE, ioc(z->fd, CKREMM_IOC_GC_TYPE, &l),
		       A_FAULT, "map at a bad pointer");
		return;
	case 5:
		l.pool = z->tm.pool.id;
		expect(z, K_GC_TYPE, ioc(z->fd, CKREMM_IOC_GC_TYPE, &l),
		       A_NODEV, "a pool without a collector");
		return;
	default:
		ret = ioc(z->fd, CKREMM_IOC_GC_TYPE, &l);
		if (g->ntypes == GC_TYPES) {
			expect(z, K_GC_TYPE, ret, A_NOSPC, "the most types");
		} else if (expect(z, K_GC_TYPE, ret, A_OK, "valid") && !ret) {
			require(z, K_GC_TYPE, l.type == g->ntypes,
				"type ids not handed out in order");
			g->ntypes++;
		}
		return;
	}
	expect(z, K_GC_TYPE, ioc(z->fd, CKREMM_IOC_GC_TYPE, &l), A_INVAL,
	       "a field out of range");
}

static const struct zero_field gc_alloc_fields[] = {
	ZERO_FIELD(struct ckremm_gc_object, handle, "out field handle set"),
	ZERO_FIELD(struct ckremm_gc_object, reserved, "reserved set"),
};

static void f_gc_alloc(struct fz *z)
{
	struct gmodel *g = &z->gm;
	struct ckremm_gc_object o = {
		.pool = g->pool.id, .size = 1 + below(z, 512),
		.type = below(z, g->ntypes), .flags = 1 + below(z, 3),
	};
	bool root, pin;
	__u64 old;
	int ret;

	if (o.flags & CKREMM_GC_ALLOC_ROOT)
		o.slot = below(z, GC_SLOTS);
	if (spoil_common(z, K_GC_ALLOC, &o, sizeof(o), &z->hm) ||
	    SPOIL_ZERO_FIELD(z, K_GC_ALLOC, o, gc_alloc_fields, 12))
		return;
	switch (below(z, 12)) {
	case 0:
		o.flags = below(z, 2) ? 0 : bad_flags(z, CKREMM_GC_ALLOC_FLAGS);
		break;
	case 1:
		o.size = 0;
		break;
	case 2:
		o.flags = CKREMM_GC_ALLOC_ROOT;
		o.slot = g_bad_slot(z);
		break;
	case 3:
		o.flags = CKREMM_GC_ALLOC_PIN;
		o.slot = 1 + below(z, GC_SLOTS);
		break;
	case 4:
		o.type = g->ntypes + below(z, 10000);
		break;
	case 5:
		o.size = POOL_SIZE + 1 + below(z, 2) * edge64(z);
		if (o.size <= POOL_SIZE)
			o.size = ~0ULL;
		expect(z, K_GC_ALLOC, ioc(z->fd, CKREMM_IOC_GC_ALLOC, &o),
		       A_NOMEM, "larger than the arena");
		return;
	default:
		root = o.flags & CKREMM_GC_ALLOC_ROOT;
		pin = o.flags & CKREMM_GC_ALLOC_PIN;
		ret = ioc(z->fd, CKREMM_IOC_GC_ALLOC, &o);
		if (g->npins == GC_PINS) {
			expect(z, K_GC_ALLOC, ret, A_NOSPC, "the pin set is full");
			return;
		}
		if (!expect(z, K_GC_ALLOC, ret, A_OK | A_NOMEM, "valid") || ret)
			return;
		require(z, K_GC_ALLOC, g_reads(g, o.handle, 0) &&
			!g_rooted(g, o.handle), "a new object not new");
		if (pin)
			g->pin[g->npins++] = o.handle;
		if (root) {
			old = g->slot[o.slot];
			g->slot[o.slot] = o.handle;
			g_let_go(g, old);
		}
		return;
	}
	expect(z, K_GC_ALLOC, ioc(z->fd, CKREMM_IOC_GC_ALLOC, &o), A_INVAL,
	       "a field out of range");
}

static const struct zero_field gc_slot_fields[] = {
	ZERO_FIELD(struct ckremm_gc_slot, flags, "flags set"),
	ZERO_FIELD(struct ckremm_gc_slot, pad, "pad set"),
	ZERO_FIELD(struct ckremm_gc_slot, reserved, "reserved set"),
};

static void f_gc_root(struct fz *z)
{
	struct gmodel *g = &z->gm;
	bool set = below(z, 2);
	enum kind k = set ? K_GC_ROOT_SET : K_GC_ROOT_GET;
	struct ckremm_gc_slot r = { .pool = g->pool.id,
				    .slot = below(z, GC_SLOTS) };
	__u64 old;
	int ret;

	if (spoil_common(z, k, &r, sizeof(r), &z->hm) ||
	    SPOIL_ZERO_FIELD(z, k, r, gc_slot_fields, 8))
		return;
	if (below(z, 8) == 0) {
		r.slot = g_bad_slot(z);
		expect(z, k, ioc(z->fd, kinds[k].cmd, &r), A_INVAL,
		       "a slot the collector does not have");
		return;
	}
	if (!set) {
		if (below(z, 8) == 0) {
			r.handle = edge64(z);
			expect(z, k, ioc(z->fd, kinds[k].cmd, &r), A_INVAL,
			       "out field handle set");
			return;
		}
		ret = ioc(z->fd, CKREMM_IOC_GC_ROOT_GET, &r);
		if (expect(z, k, ret, A_OK, "valid") && !ret)
			require(z, k, r.handle == g->slot[r.slot],
				"the slot holds another handle");
		return;
	}
	if (below(z, 4) == 0) {
		r.handle = g_not_live(z, g);
		expect(z, k, ioc(z->fd, CKREMM_IOC_GC_ROOT_SET, &r), A_INVAL,
		       "a handle of no live object");
		return;
	}
	r.handle = below(z, 3) ? g_any_live(z, g) : 0;
	ret = ioc(z->fd, CKREMM_IOC_GC_ROOT_SET, &r);
	if (expect(z, k, ret, A_OK, "valid") && !ret) {
		old = g->slot[r.slot];
		g->slot[r.slot] = r.handle;
		g_let_go(g, old);
	}
}

static const struct zero_field gc_work_fields[] = {
	ZERO_FIELD(struct ckremm_gc_work, flags, "flags set"),
	ZERO_FIELD(struct ckremm_gc_work, phase, "out field phase set"),
	ZERO_FIELD(struct ckremm_gc_work, cycles_done, "out field cycles_done set"),
	ZERO_FIELD(struct ckremm_gc_work, work, "out field work set"),
	ZERO_FIELD(struct ckremm_gc_work, freed_objects, "out field freed_objects set"),
	ZERO_FIELD(struct ckremm_gc_work, freed_bytes, "out field freed_bytes set"),
	ZERO_FIELD(struct ckremm_gc_work, reserved, "reserved set"),
};

/* After a collection: the dead are refused, the live read. */
static void g_collected(struct fz *z, struct gmodel *g)
{
	for (unsigned int i = 0; i < g->ndead; i++) {
		require(z, K_GC_COLLECT, g_reads(g, g->dead[i], -EINVAL),
			"an object let go survived GC_COLLECT");
		if (g->ngone < STALE_MAX)
			g->gone[g->ngone++] = g->dead[i];
	}
	g->ndead = 0;
	for (unsigned int i = 0; i < GC_SLOTS + GC_PINS; i++) {
		__u64 h = i < GC_SLOTS ? g->slot[i] :
			  i - GC_SLOTS < g->npins ? g->pin[i - GC_SLOTS] : 0;

		if (h)
			require(z, K_GC_COLLECT, g_reads(g, h, 0),
				"a rooted object died");
	}
}

static void f_gc_work(struct fz *z)
{
	struct gmodel *g = &z->gm;
	bool collect = below(z, 3) == 0;
	enum kind k = collect ? K_GC_COLLECT : K_GC_STEP;
	struct ckremm_gc_work w = { .pool = g->pool.id };
	struct ckremm_gc_figures f;
	int ret;

	if (!collect)
		w.budget = below(z, 2) ? below(z, 64) : below(z, 4096);
	if (spoil_common(z, k, &w, sizeof(w), &z->hm) ||
	    SPOIL_ZERO_FIELD(z, k, w, gc_work_fields, 16))
		return;
	switch (below(z, 10)) {
	case 0:
		/*
		 * Past the bound without wrapping round into it: an edge of
		 * 2^64 - 1 added to the bound used to come back as the bound.
		 */
		w.budget = collect ? 1 + below(z, 1000) :
			   CKREMM_GC_BUDGET_MAX + 1 +
			   below(z, 2) * (edge64(z) >> 1);
		expect(z, k, ioc(z->fd, kinds[k].cmd, &w), A_INVAL,
		       "budget out of range");
		return;
	case 1:
		w.pool = z->tm.pool.id;
		expect(z, k, ioc(z->fd, kinds[k].cmd, &w), A_NODEV,
		       "a pool without a collector");
		return;
	case 2:
		/* Let go of a pin first: UNPIN undoes GC_ALLOC's pin. */
		if (g->npins) {
			unsigned int i = below(z, g->npins);
			__u64 h = g->pin[i];

			if (expect(z, K_UNPIN, ckremm_unpin(&g->pool, h), A_OK,
				   "a pin of GC_ALLOC")) {
				g->pin[i] = g->pin[--g->npins];
				g_let_go(g, h);
			}
		}
		break;
	}
	ret = ioc(z->fd, kinds[k].cmd, &w);
	if (!expect(z, k, ret, A_OK, "valid") || ret)
		return;
	require(z, k, w.phase <= CKREMM_GC_PHASE_COMPACT, "phase unknown");
	if (!collect)
		return;
	require(z, k, w.phase == CKREMM_GC_PHASE_IDLE && w.cycles_done >= 1,
		"GC_COLLECT ended mid-cycle");
	g_collected(z, g);
	if (!ckremm_gc_stats(&g->pool, &f))
		require(z, k, f.objects == g_live(g) && f.pinned == g->npins,
			"objects or pins after GC_COLLECT differ from the model");
}

static void f_gc_stats(struct fz *z)
{
	struct gmodel *g = &z->gm;
	struct ckremm_gc_figures f = { .pool = g->pool.id };
	int ret;

	if (spoil_common(z, K_GC_STATS, &f, sizeof(f), &z->hm))
		return;
	switch (below(z, 6)) {
	case 0:
		SPOIL(z, K_GC_STATS, f, phase, "out field phase set");
		return;
	case 1:
		SPOIL(z, K_GC_STATS, f, reserved[below(z, 4)], "reserved set");
		return;
	case 2:
		f.pool = z->tm.pool.id;
		expect(z, K_GC_STATS, ioc(z->fd, CKREMM_IOC_GC_STATS, &f),
		       A_NODEV, "a pool without a collector");
		return;
	}
	ret = ioc(z->fd, CKREMM_IOC_GC_STATS, &f);
	if (expect(z, K_GC_STATS, ret, A_OK, "valid") && !ret)
		require(z, K_GC_STATS, f.pinned == g->npins &&
			f.objects >= g_live(g) &&
			f.objects <= g_live(g) + g->ndead + STALE_MAX,
			"pins or objects differ from the model");
}

/* ---- the pager of the private table pool -------------------------- */

/*
 * The pager goes on and off the private table pool @z->tm: the model
 * knows whether it has one and with which period and decay.  A valid
 * attach never asks for CKREMM_PAGER_REORDER, which would move blocks
 * behind the model's back.
 */
static const struct zero_field pager_purge_fields[] = {
	ZERO_FIELD(struct ckremm_pager_purge, flags, "flags set"),
	ZERO_FIELD(struct ckremm_pager_purge, purged_bytes,
		   "out field purged_bytes set"),
	ZERO_FIELD(struct ckremm_pager_purge, reserved, "reserved set"),
};

static const struct zero_field pager_stats_fields[] = {
	ZERO_FIELD(struct ckremm_pager_figures, flags, "out field flags set"),
	ZERO_FIELD(struct ckremm_pager_figures, ticks, "out field ticks set"),
	ZERO_FIELD(struct ckremm_pager_figures, shrink_moved_bytes,
		   "out field shrink_moved_bytes set"),
	ZERO_FIELD(struct ckremm_pager_figures, reserved[2], "reserved set"),
};

/* What a request on a pager gets when the pool has none. */
static unsigned long long pager_absent(const struct fz *z,
				       unsigned long long present)
{
	return z->paged ? present : A_NODEV;
}

static void f_pager_attach(struct fz *z)
{
	struct ckremm_pager_setup s = {
		.pool = z->tm.pool.id, .period_ms = 1 + below(z, 20),
		.decay_ticks = 1 + below(z, 4), .keep_bytes = below(z, 3) * page,
		.step_bytes = below(z, 2) * page * (1 + below(z, 8)),
	};
	int ret;

	if (spoil_common(z, K_PAGER_ATTACH, &s, sizeof(s), &z->hm))
		return;
	switch (below(z, 8)) {
	case 0:
		s.flags = bad_flags(z, CKREMM_PAGER_FLAGS);
		break;
	case 1:
		s.reserved[below(z, 2)] = edge64(z) | 1;
		break;
	case 2:
		s.period_ms = CKREMM_PAGER_PERIOD_MAX + 1 + below(z, 1000);
		break;
	case 3:
		s.decay_ticks = CKREMM_PAGER_DECAY_MAX + 1 + edge32(z) % 1000;
		break;
	case 4:
		/* A reorder's budget without the reorder. */
		s.reorder_bytes = edge64(z) | 1;
		break;
	default:
		ret = ioc(z->fd, CKREMM_IOC_PAGER_ATTACH, &s);
		if (expect(z, K_PAGER_ATTACH, ret, z->paged ? A_EXIST : A_OK,
			   z->paged ? "a pool with a pager" : "valid") &&
		    !ret) {
			z->paged = true;
			z->pager_period = s.period_ms;
			z->pager_decay = s.decay_ticks;
		}
		return;
	}
	expect(z, K_PAGER_ATTACH, ioc(z->fd, CKREMM_IOC_PAGER_ATTACH, &s),
	       A_INVAL, "a field out of range");
}

static void f_pager_detach(struct fz *z)
{
	struct ckremm_pool_ref r = { .pool = z->tm.pool.id };
	int ret;

	if (spoil_common(z, K_PAGER_DETACH, &r, sizeof(r), &z->hm))
		return;
	switch (below(z, 4)) {
	case 0:
		SPOIL(z, K_PAGER_DETACH, r, flags, "flags set");
		return;
	case 1:
		SPOIL(z, K_PAGER_DETACH, r, reserved, "reserved set");
		return;
	}
	ret = ioc(z->fd, CKREMM_IOC_PAGER_DETACH, &r);
	if (expect(z, K_PAGER_DETACH, ret, pager_absent(z, A_OK), "valid") &&
	    !ret)
		z->paged = false;
}

static void f_pager_purge(struct fz *z)
{
	struct ckremm_pager_purge p = {
		.pool = z->tm.pool.id, .keep_bytes = below(z, 3) * page,
		.budget = below(z, 2) ? 0 : edge64(z),
	};
	struct ckremm_stats before, after;
	int ret;

	if (spoil_common(z, K_PAGER_PURGE, &p, sizeof(p), &z->hm) ||
	    SPOIL_ZERO_FIELD(z, K_PAGER_PURGE, p, pager_purge_fields, 8))
		return;
	if (ckremm_stats(&z->tm.pool, &before))
		return;
	/* A pin keeps the arena in place: a purge may be refused. */
	ret = ioc(z->fd, CKREMM_IOC_PAGER_PURGE, &p);
	if (!expect(z, K_PAGER_PURGE, ret,
		    pager_absent(z, A_OK | A_BUSY | A_NOMEM), "valid") || ret)
		return;
	require(z, K_PAGER_PURGE, !p.budget || p.purged_bytes <= p.budget,
		"PAGER_PURGE gave back more than its budget");
	require(z, K_PAGER_PURGE, p.purged_bytes % page == 0,
		"PAGER_PURGE gave back part of a page");
	if (!ckremm_stats(&z->tm.pool, &after))
		require(z, K_PAGER_PURGE,
			after.purged_bytes >= before.purged_bytes + p.purged_bytes &&
			after.committed_bytes >= after.used_bytes,
			"STATS after PAGER_PURGE: purged or committed bytes");
}

static void f_pager_stats(struct fz *z)
{
	struct ckremm_pager_figures f = { .pool = z->tm.pool.id };
	int ret;

	if (spoil_common(z, K_PAGER_STATS, &f, sizeof(f), &z->hm) ||
	    SPOIL_ZERO_FIELD(z, K_PAGER_STATS, f, pager_stats_fields, 8))
		return;
	ret = ioc(z->fd, CKREMM_IOC_PAGER_STATS, &f);
	if (expect(z, K_PAGER_STATS, ret, pager_absent(z, A_OK), "valid") &&
	    !ret)
		require(z, K_PAGER_STATS, f.period_ms == z->pager_period &&
			f.decay_ticks == z->pager_decay && !f.flags &&
			!f.reserved[0] && !f.reserved[1] && !f.reserved[2],
			"the pager's period, decay or flags differ from its attach");
}

/* ---- command numbers, sizes, pointers ----------------------------- */

static void f_bad_command(struct fz *z)
{
	static const unsigned char vfs_types[] = {
		0x00, 0x15, 'T', 'X', 'f', 0x94, CKREMM_IOC_MAGIC,
	};
	unsigned int dir, type, nr, size;
	unsigned long cmd;

	type = CKREMM_IOC_MAGIC;
	dir = below(z, 4);
	size = below(z, 2) ? below(z, 256) : below(z, 1U << 14);
	switch (below(z, 3)) {
	case 0:		/* a number the ABI does not define */
		do {
			nr = below(z, 256);
		} while (nr <= 0x11 || (nr >= 0x20 && nr <= 0x28) ||
			 (nr >= 0x40 && nr <= 0x4b) ||
			 (nr >= 0x50 && nr <= 0x57) ||
			 (nr >= 0x60 && nr <= 0x63));
		break;
	case 1:		/* a defined number, the wrong direction */
		nr = below(z, NCMDS);
		dir = (_IOC_DIR(kinds[nr].cmd) + 1 + below(z, 3)) % 4;
		nr = _IOC_NR(kinds[nr].cmd);
		break;
	default:	/* another driver's type (none the VFS answers) */
		do {
			type = below(z, 256);
		} while (memchr(vfs_types, (int)type, sizeof(vfs_types)));
		nr = below(z, 256);
		break;
	}
	cmd = _IOC(dir, type, nr, size);
	memset(z->buf, 0, 1U << 14);
	expect(z, K_BAD_COMMAND, ioc(z->fd, cmd, z->buf), A_NOTTY,
	       "not a ckremm command");
}

static void f_bad_size(struct fz *z)
{
	unsigned long cmd = kinds[below(z, NCMDS)].cmd;
	unsigned int size = _IOC_SIZE(cmd), bad;

	do {
		switch (below(z, 4)) {
		case 0:
			bad = 0;
			break;
		case 1:
			bad = size + (below(z, 2) ? 1 : 8) * (below(z, 2) ? 1 : -1U);
			break;
		case 2:
			bad = (1U << 14) - 1;
			break;
		default:
			bad = below(z, 1U << 14);
			break;
		}
		bad &= (1U << 14) - 1;
	} while (bad == size);
	memset(z->buf, 0, 1U << 14);
	expect(z, K_BAD_SIZE,
	       ioc(z->fd, _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), bad),
		   z->buf), A_INVAL, "size not the struct's");
}

static void f_bad_pointer(struct fz *z)
{
	unsigned long cmd = kinds[below(z, NCMDS)].cmd;
	void *arg = (void *)(uintptr_t)bad_pointer(z);

	/* Or a struct whose last byte runs into an inaccessible page. */
	if (below(z, 3) == 0)
		arg = z->none - _IOC_SIZE(cmd) + 1 + below(z, _IOC_SIZE(cmd));
	expect(z, K_BAD_POINTER, ioc(z->fd, cmd, arg), A_FAULT,
	       "struct not accessible");
}

/* ---- mmap --------------------------------------------------------- */

static void f_mmap(struct fz *z)
{
	struct model *md = any_model(z);
	bool table = by_handle(md);
	struct ckremm_pool *p = &md->pool;
	size_t len = (p->arena_size + page - 1) & ~(page - 1);
	off_t off = (off_t)p->mmap_offset;
	int prot = PROT_READ, flags = MAP_SHARED;
	unsigned long long want = A_OK;
	const char *what = "the arena";
	void *m;
	int ret;

	switch (below(z, 8)) {
	case 0:
		off += (off_t)(len + page * below(z, 4));
		len = page;
		want = A_INVAL;
		what = "past the arena";
		break;
	case 1:
		len += page;
		want = A_INVAL;
		what = "longer than the arena";
		break;
	case 2:
		off = (off_t)((__u64)(below(z, 2) ? 0 : 1000 + below(z, 100))
			      << CKREMM_MMAP_SHIFT);
		want = A_INVAL;
		what = "pool id not attached";
		break;
	case 3:
		off += 1 + below(z, (unsigned int)page - 1);
		want = A_INVAL;
		what = "offset not page aligned";
		break;
	case 4:
		prot |= PROT_WRITE;
		if (below(z, 2))
			flags = MAP_PRIVATE;
		want = table ? A_OK : A_ACCES;
		what = table ? "writable, table pool" : "writable, header pool";
		break;
	default:
		break;
	}
	m = mmap(NULL, len, prot, flags, z->fd, off);
	ret = m == MAP_FAILED ? -errno : 0;
	if (!expect(z, K_MMAP, ret, want, what) || ret)
		return;
	if (!table) {
		/* Read-only for good, and showing what READ shows. */
		require(z, K_MMAP, mprotect(m, len, PROT_READ | PROT_WRITE) &&
			errno == EACCES, "mprotect made a header pool writable");
		if (md->n) {
			struct mblock *b = &md->b[below(z, (unsigned int)md->n)];

			if (!ckremm_read(p, b->block, 0, z->buf, b->size))
				require(z, K_MMAP, !memcmp(z->buf,
							   (char *)m + b->block,
							   b->size),
					"mapping differs from READ");
		}
	} else if (md->n && flags == MAP_PRIVATE && (prot & PROT_WRITE)) {
		/* Writes to a private mapping stay private. */
		struct mblock *b = &md->b[below(z, (unsigned int)md->n)];
		__u64 boff, bsize;

		if (!ckremm_locate(p, b->block, &boff, &bsize) &&
		    !ckremm_read(p, b->block, 0, z->buf, bsize)) {
			memset((char *)m + boff, 0xa5, bsize);
			if (!ckremm_read(p, b->block, 0,
					   z->buf + BUF_SIZE / 2, bsize))
				require(z, K_MMAP, !memcmp(z->buf,
							   z->buf + BUF_SIZE / 2,
							   bsize),
					"a private mapping wrote into the pool");
		}
	}
	munmap(m, len);
}

/* ---- shared pools and races --------------------------------------- */

static void publish(struct fz *z, bool table, __u64 block)
{
	unsigned int i = __atomic_fetch_add(&z->sh->ring_pos, 1,
					    __ATOMIC_RELAXED) % RING;

	(table ? z->sh->ring_t : z->sh->ring_h)[i] = block;
}

static __u64 published(struct fz *z, bool table)
{
	return (table ? z->sh->ring_t : z->sh->ring_h)[below(z, RING)];
}

/* Attach (or make) the shared pool of the kind; 0 if neither worked. */
static __u32 reattach(struct fz *z, int fd, bool table,
		      unsigned long long extra)
{
	struct ckremm_open o = { 0 };
	struct ckremm_create c = {
		.kind = table ? CKREMM_KIND_TABLE : CKREMM_KIND_HEADER,
		.flags = CKREMM_CREATE_NAMED, .size = SHARED_SIZE,
	};
	int ret;

	memcpy(o.name, table ? shared_t : shared_h, CKREMM_NAME_LEN);
	ret = ioc(fd, CKREMM_IOC_OPEN, &o);
	if (expect(z, K_SHARED, ret, A_OK | A_NOENT | A_MFILE | extra, "OPEN") &&
	    !ret)
		return o.pool;
	memcpy(c.name, o.name, CKREMM_NAME_LEN);
	ret = ioc(fd, CKREMM_IOC_CREATE, &c);
	expect(z, K_SHARED, ret, A_OK | A_EXIST | A_DQUOT | A_NOMEM | A_MFILE |
	       extra, "CREATE of a destroyed shared name");
	return ret ? 0 : c.pool;
}

/*
 * Use the shared pools through this process's attachments: blocks any
 * process published, random offsets, destroy and recreate.  Results are
 * only checked against what the ABI allows; VALIDATE must never find them
 * inconsistent.
 */
static void f_shared(struct fz *z)
{
	bool table = below(z, 2);
	__u32 *id = table ? &z->sh_t : &z->sh_h;
	unsigned long long all = kinds[K_ALLOC].sane | kinds[K_FREE].sane |
				 kinds[K_PIN].sane | kinds[K_COPY].sane;
	struct ckremm_pool p = { .fd = z->fd, .id = *id };
	__u64 block, a, b;
	int ret;

	if (!*id) {
		*id = reattach(z, z->fd, table, 0);
		return;
	}
	block = published(z, table);
	switch (below(z, 12)) {
	case 0:	/* destroy the name; the pool lives on while attached */
		ret = destroy_id(z->fd, *id);
		expect(z, K_SHARED, ret, A_OK, "DESTROY by the owner");
		*id = reattach(z, z->fd, table, 0);
		return;
	case 1:	/* follow the name to whatever pool has it now */
		expect(z, K_SHARED, close_id(z->fd, *id), A_OK, "CLOSE");
		*id = reattach(z, z->fd, table, 0);
		return;
	case 2:
		ret = ckremm_validate(&p, &(struct ckremm_validate){ 0 });
		expect(z, K_SHARED, ret, A_OK | A_BUSY, "VALIDATE");
		return;
	case 3:
		ret = ckremm_reorder(&p, NULL);
		expect(z, K_SHARED, ret, A_OK, "REORDER");
		return;
	default:
		break;
	}
	if (!table) {
		switch (below(z, 4)) {
		case 0:
			ret = ckremm_alloc(&p, 1 + below(z, 512), &a);
			expect(z, K_SHARED, ret, A_OK | A_NOMEM, "ALLOC");
			if (!ret)
				publish(z, false, a);
			return;
		case 1:
			ret = ckremm_free(&p, block);
			break;
		case 2:
			ret = ckremm_read(&p, block, 0, z->buf, 1 + below(z, 64));
			break;
		default:
			ret = ckremm_free(&p, below(z, SHARED_SIZE));
			break;
		}
		/* Another process's request may hold the block: EBUSY. */
		expect(z, K_SHARED, ret, A_OK | A_INVAL | A_BUSY,
		       "a block of any process");
		return;
	}
	switch (below(z, 6)) {
	case 0:
		ret = ckremm_alloc_ex(&p, 1 + below(z, 512), 0,
				      below(z, 2) ? CKREMM_ALLOC_REORDER : 0, &a);
		expect(z, K_SHARED, ret, A_OK | A_NOMEM, "ALLOC");
		if (!ret)
			publish(z, true, a);
		return;
	case 1:
		ret = ckremm_free(&p, block);
		break;
	case 2:
		ret = ckremm_pin(&p, block, &a, &b);
		if (!ret)
			expect(z, K_SHARED, ckremm_unpin(&p, block), A_OK,
			       "UNPIN of a block pinned just now");
		break;
	case 3:
		ret = ckremm_copy(&p, block, published(z, true));
		break;
	case 4:
		ret = ckremm_write(&p, block, 0, z->buf, 1 + below(z, 16));
		break;
	default:
		ret = ckremm_read(&p, block, 0, z->buf, 1 + below(z, 16));
		break;
	}
	expect(z, K_SHARED, ret, all, "a block of any process");
}

struct racer {
	struct fz *z;
	int fd;
	volatile __u32 id;	/* the id both threads use */
	unsigned char *map;	/* a mapping the other thread takes away */
	size_t map_len;
	off_t map_off;
	int rounds;
	volatile int done;
};

/* Close and reattach @r->id, unmap and remap @r->map, while the main
 * thread uses both. */
static void *race_thread(void *arg)
{
	struct racer *r = arg;
	struct fz *z = r->z;

	for (int i = 0; i < r->rounds; i++) {
		__u32 id = r->id;

		if (id)
			close_id(r->fd, id);
		/* The main thread may close a file under this one. */
		r->id = reattach(z, r->fd, true, A_BADF);
		if (r->map) {
			munmap(r->map, r->map_len);
			sched_yield();
			if (mmap(r->map, r->map_len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, z->fd, r->map_off) ==
			    MAP_FAILED)
				r->map = NULL;
		}
		sched_yield();
	}
	r->done = 1;
	return NULL;
}

static void f_race(struct fz *z)
{
	unsigned long long all = A_COMMON | A_BADF | A_NOTSUP | A_BUSY |
				 A_NOSPC | A_OVERFLOW | A_INTR;
	struct racer r = { .z = z, .rounds = 4 + (int)below(z, 8) };
	bool own_file = false;
	pthread_t t;
	int ret, fd2 = -1;

	switch (below(z, 3)) {
	case 0:		/* one file shared by every process */
		r.fd = z->common_fd;
		break;
	case 1:		/* a file closed under a request */
		fd2 = ckremm_dev_open(NULL);
		if (!require(z, K_RACE, fd2 >= 0, "open of the device failed"))
			return;
		r.fd = fd2;
		own_file = true;
		break;
	default:	/* this process's file, and a mapping taken away */
		r.fd = z->fd;
		r.map_len = (z->tm.pool.arena_size + page - 1) & ~(page - 1);
		r.map_off = (off_t)z->tm.pool.mmap_offset;
		r.map = mmap(NULL, r.map_len, PROT_READ | PROT_WRITE,
			     MAP_SHARED, z->fd, r.map_off);
		if (!require(z, K_RACE, r.map != MAP_FAILED,
			     "mmap of the private table pool failed"))
			return;
		break;
	}
	r.id = reattach(z, r.fd, true, 0);
	if (pthread_create(&t, NULL, race_thread, &r)) {
		require(z, K_RACE, false, "pthread_create failed");
		return;
	}
	while (!r.done) {
		struct ckremm_pool p = { .fd = r.fd, .id = r.id };
		__u64 h = published(z, true), a;
		unsigned char *buf = r.map ? r.map + below(z, 4096) : z->buf;

		switch (below(z, 6)) {
		case 0:
			ret = ckremm_alloc(&p, 1 + below(z, 256), &a);
			if (!ret)
				publish(z, true, a);
			break;
		case 1:
			ret = ckremm_pin(&p, h, &a, &a);
			break;
		case 2:
			ret = ckremm_unpin(&p, h);
			break;
		case 3:
			ret = ckremm_write(&p, h, 0, buf, 16);
			break;
		case 4:
			/* Into a private block, from a mapping going away. */
			if (z->hm.n) {
				struct mblock *b = &z->hm.b[0];

				ret = ckremm_read(&z->hm.pool, b->block, 0, buf,
						  b->size < 64 ? b->size : 64);
				break;
			}
			/* fall through */
		default:
			ret = ckremm_read(&p, h, 0, buf, 16);
			break;
		}
		if (fd2 >= 0 && below(z, 8) == 0) {
			/* close() while a request of this process may run */
			close(fd2);
			fd2 = -1;
		}
		expect(z, K_RACE, ret, all, "while the pool id is taken away");
	}
	pthread_join(t, NULL);
	if (r.map && r.map != MAP_FAILED)
		munmap(r.map, r.map_len);
	if (fd2 >= 0)
		close(fd2);
	else if (!own_file && r.id)
		close_id(r.fd, r.id);
}

/* ---- a process's life --------------------------------------------- */

/*
 * What a process sends, and how often (each weight out of their sum): a
 * request of each kind through the generator that knows it, either one
 * that takes the kind it counts under or one that counts under its own.
 */
static const struct {
	void (*send)(struct fz *z);
	void (*send_kind)(struct fz *z, enum kind k);
	enum kind k;
	unsigned int weight;
} mix[] = {
	{ f_version, NULL, K_VERSION, 4 },
	{ f_create, NULL, K_CREATE, 4 },
	{ f_open, NULL, K_OPEN, 4 },
	{ NULL, f_close_destroy, K_CLOSE, 4 },
	{ NULL, f_close_destroy, K_DESTROY, 4 },
	{ f_alloc, NULL, K_ALLOC, 16 },
	{ NULL, f_block, K_FREE, 8 },
	{ NULL, f_block, K_CLEAN, 4 },
	{ f_realloc, NULL, K_REALLOC, 4 },
	{ f_alloc_batch, NULL, K_ALLOC_BATCH, 4 },
	{ f_free_batch, NULL, K_FREE_BATCH, 4 },
	{ NULL, f_rw, K_READ, 8 },
	{ NULL, f_rw, K_WRITE, 8 },
	{ NULL, f_block, K_PIN, 4 },
	{ NULL, f_block, K_UNPIN, 4 },
	{ NULL, f_block, K_LOCATE, 4 },
	{ f_copy, NULL, K_COPY, 4 },
	{ f_reorder, NULL, K_REORDER, 4 },
	{ f_stats, NULL, K_STATS, 4 },
	{ f_validate, NULL, K_VALIDATE, 4 },
	{ f_list, NULL, K_LIST, 4 },
	{ f_walk, NULL, K_WALK, 4 },
	{ f_gc_attach, NULL, K_GC_ATTACH, 2 },
	{ f_gc_type, NULL, K_GC_TYPE, 2 },
	{ f_gc_alloc, NULL, K_GC_ALLOC, 8 },
	{ f_gc_root, NULL, K_GC_ROOT_SET, 6 },
	{ f_gc_work, NULL, K_GC_STEP, 4 },
	{ f_gc_stats, NULL, K_GC_STATS, 2 },
	{ f_pager_attach, NULL, K_PAGER_ATTACH, 2 },
	{ f_pager_detach, NULL, K_PAGER_DETACH, 1 },
	{ f_pager_purge, NULL, K_PAGER_PURGE, 2 },
	{ f_pager_stats, NULL, K_PAGER_STATS, 1 },
	{ f_retired, NULL, K_RETIRED, 4 },
	{ f_bad_command, NULL, K_BAD_COMMAND, 4 },
	{ f_bad_size, NULL, K_BAD_SIZE, 4 },
	{ f_bad_pointer, NULL, K_BAD_POINTER, 4 },
	{ f_mmap, NULL, K_MMAP, 4 },
	{ f_race, NULL, K_RACE, 1 },
	{ f_shared, NULL, K_SHARED, 27 },
};

static void fuzz_one(struct fz *z)
{
	unsigned int total = 0, pick;
	size_t i;

	for (i = 0; i < sizeof(mix) / sizeof(mix[0]); i++)
		total += mix[i].weight;
	pick = below(z, total);
	for (i = 0; pick >= mix[i].weight; i++)
		pick -= mix[i].weight;
	if (mix[i].send)
		mix[i].send(z);
	else
		mix[i].send_kind(z, mix[i].k);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fuzz_process(struct fz *z)
{
	double end = now() + opt.seconds;
	struct ckremm_create *ro_create;
	unsigned long n;

	z->buf = malloc(BUF_SIZE);
	z->walk = calloc(WALK_ROOM, sizeof(*z->walk));
	z->ro = mmap(NULL, page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	z->none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (!z->buf || !z->walk || z->ro == MAP_FAILED || z->none == MAP_FAILED)
		return 1;
	/* The read-only page holds a valid CREATE request. */
	ro_create = (void *)z->ro;
	ro_create->kind = CKREMM_KIND_HEADER;
	ro_create->size = CKREMM_POOL_MIN_SIZE;
	if (mprotect(z->ro, page, PROT_READ))
		return 1;
	z->sh_h = reattach(z, z->fd, false, 0);
	z->sh_t = reattach(z, z->fd, true, 0);

	for (n = 0; n < opt.count && now() < end; n++)
		fuzz_one(z);

	/* Leave the private pools as the model says, then let them go. */
	f_stats(z);
	for (int t = 0; t < 2; t++) {
		struct model *m = t ? &z->tm : &z->hm;
		struct ckremm_stats s;

		while (m->n) {
			while (m->b[0].pins) {
				ckremm_unpin(&m->pool, m->b[0].block);
				m->b[0].pins--;
			}
			expect(z, K_FREE, ckremm_free(&m->pool, m->b[0].block),
			       A_OK, "a live block at the end");
			m_forget(m, 0);
		}
		if (!ckremm_stats(&m->pool, &s))
			require(z, K_STATS, !s.used_blocks && !s.pinned_blocks &&
				s.used_bytes + s.free_bytes == s.arena_size,
				"a private pool not empty after freeing every block");
	}
	printf("# proc %d: %lu requests\n", z->id, n);
	return 0;
}

/* How many 4 KiB pools this user can still make (stops at 512). */
static int pools_that_fit(void)
{
	int fd = ckremm_dev_open(NULL), n = 0;
	struct ckremm_pool p;

	if (fd < 0)
		return -1;
	while (n < 512 && !ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096,
					      NULL, 0, &p))
		n++;
	close(fd);
	return n;
}

static bool read_param(const char *name, __u64 *value)
{
	unsigned long long v;
	char path[128];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	if (!read_ull(path, &v))
		return false;
	*value = v;
	return true;
}

static const char usage[] =
	"usage: ioctl_fuzz [-p PROCS] [-n REQUESTS] [-t SECONDS] [-s SEED]\n\n"
	"PROCS processes (default 3, at most 8) send up to REQUESTS requests\n"
	"each (default 4000) for at most SECONDS (default 30) to /dev/ckremm,\n"
	"and check every answer against include/uapi/linux/ckremm.h; prints TAP.\n";

int main(int argc, char **argv)
{
	struct ckremm_pool shp, stp;
	pid_t pids[MAX_PROCS];
	struct fz zs[MAX_PROCS];
	struct shared *sh;
	int fd, common, fit_before, fit_after, ret;
	bool all_ran = true;
	unsigned long total = 0;

	ret = run_opts_parse(&opt, MAX_PROCS, argc, argv, usage);
	if (ret >= 0)
		return ret;
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = (size_t)sysconf(_SC_PAGESIZE);
	printf("TAP version 13\n1..%u\n", NKINDS + 4);
	diag("ioctl_fuzz: %u processes, %lu requests or %u s each, seed %llu",
	     opt.procs, opt.count, opt.seconds, opt.seed);

	snprintf(prefix, sizeof(prefix), "fz%d-", (int)getpid());
	snprintf(shared_h, sizeof(shared_h), "%sh", prefix);
	snprintf(shared_t, sizeof(shared_t), "%st", prefix);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fd = ckremm_dev_open(NULL);
	if (sh == MAP_FAILED || fd < 0 ||
	    !read_param("max_pool_size", &max_pool_size)) {
		diag("setup failed: device %s", fd < 0 ? strerror(-fd) : "open");
		return 1;
	}
	fit_before = pools_that_fit();

	/* The shared pools, attached to one file every process inherits. */
	common = ckremm_dev_open(NULL);
	ret = common < 0 ? common :
	      ckremm_pool_create(common, CKREMM_KIND_HEADER, SHARED_SIZE,
				 shared_h, 0600, &shp) ?:
	      ckremm_pool_create(common, CKREMM_KIND_TABLE, SHARED_SIZE,
				 shared_t, 0600, &stp);
	/* Each process's private pools, made before any process fuzzes. */
	for (unsigned int i = 0; i < opt.procs && !ret; i++) {
		memset(&zs[i], 0, sizeof(zs[i]));
		zs[i].id = (int)i;
		zs[i].sh = sh;
		zs[i].common_fd = common;
		zs[i].rng = (opt.seed * 0x9E3779B97F4A7C15ULL) ^ (i + 1) * 0x632BE5ABULL;
		zs[i].rng |= 1;
		zs[i].fd = ckremm_dev_open(NULL);
		ret = zs[i].fd < 0 ? zs[i].fd :
		      ckremm_pool_create(zs[i].fd, CKREMM_KIND_HEADER, POOL_SIZE,
					 NULL, 0, &zs[i].hm.pool) ?:
		      ckremm_pool_create(zs[i].fd, CKREMM_KIND_TABLE, POOL_SIZE,
					 NULL, 0, &zs[i].tm.pool) ?:
		      ckremm_pool_create(zs[i].fd, CKREMM_KIND_TABLE, POOL_SIZE,
					 NULL, 0, &zs[i].gm.pool) ?:
		      ckremm_gc_attach(&zs[i].gm.pool,
				       &(struct ckremm_gc_setup){
						.roots = GC_SLOTS,
						.max_pins = GC_PINS });
		zs[i].gm.ntypes = CKREMM_GC_TYPE_LEAF + 1;
	}
	if (ret) {
		diag("setup failed: %s", strerror(-ret));
		return 1;
	}

	for (unsigned int i = 0; i < opt.procs; i++) {
		fflush(stdout);
		pids[i] = fork();
		if (!pids[i]) {
			for (unsigned int j = 0; j < opt.procs; j++)
				if (j != i)
					close(zs[j].fd);
			close(fd);
			_exit(fuzz_process(&zs[i]));
		}
	}
	for (unsigned int i = 0; i < opt.procs; i++) {
		int status;

		close(zs[i].fd);
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			diag("process %u: status %#x", i, pids[i] < 0 ? -1 : status);
			all_ran = false;
		}
	}
	close(common);

	tap(all_ran, "every process ran to its end");
	for (int k = 0; k < NKINDS; k++) {
		total += sh->sent[k];
		tap(sh->sent[k] > 0 && !sh->bad[k],
		    "%s: %lu requests, %lu answers against the ABI",
		    kinds[k].name, sh->sent[k], sh->bad[k]);
	}
	diag("%lu requests checked in all", total);
	ret = destroy_named_pools(fd, prefix);
	tap(ret >= 0 && ret <= 2,
	    "only the two shared named pools outlived the run (%d named pools)",
	    ret);
	close(fd);
	fit_after = pools_that_fit();
	tap(fit_before > 0 && fit_after == fit_before,
	    "every pool's charge was returned: %d pools fit before, %d after",
	    fit_before, fit_after);
	fd = ckremm_dev_open(NULL);
	ret = fd < 0 ? -1 : destroy_named_pools(fd, prefix);
	tap(ret == 0, "no named pool of this run left (%d)", ret);
	if (fd >= 0)
		close(fd);
	return tap_status(NKINDS + 4);
}
