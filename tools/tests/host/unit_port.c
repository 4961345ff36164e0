// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the port layer as the host builds it: the segregated-fit
 * index of ckremm_segfit.h driven directly (classes, search, the largest
 * run, and the stepped check against an index damaged in each way it can
 * detect), ckremm_permille() on both of its paths, ckremm_locked_pass()
 * restarting and giving up, and the host's
 * diagnostics (counted always, printed only with CKREMM_VERBOSE=1).
 *
 * The pools use the index through their own lists; here a small table of
 * runs stands in for a pool so that every field can be damaged on purpose.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckremm_test.h"
#include "ckremm_segfit.h"

/* ---- a stand-in pool for the index ---------------------------------------- */

#define RUNS 8

struct fake_pool {
	struct ckremm_sf_run run[RUNS];
	bool free[RUNS];
};

static bool fake_get(const void *pool, u32 n, struct ckremm_sf_run *r)
{
	const struct fake_pool *fp = pool;

	if (n >= RUNS || !fp->free[n])
		return false;
	*r = fp->run[n];
	return true;
}

/* File run @n of @units at the head of its class, as the pools do. */
static void fake_file(struct ckremm_segfit *sf, struct fake_pool *fp, u32 n,
		      u32 units)
{
	unsigned int fl, sl;

	ckremm_sf_class(units, &fl, &sl);
	fp->run[n].units = units;
	fp->run[n].prev = CKREMM_SF_NIL;
	fp->run[n].next = sf->heads[fl][sl];
	if (fp->run[n].next != CKREMM_SF_NIL)
		fp->run[fp->run[n].next].prev = n;
	sf->heads[fl][sl] = n;
	fp->free[n] = true;
	ckremm_sf_set(sf, fl, sl, true);
}

/* Take run @n out of its class list, as the pools do. */
static void fake_unfile(struct ckremm_segfit *sf, struct fake_pool *fp, u32 n)
{
	struct ckremm_sf_run *r = &fp->run[n];
	unsigned int fl, sl;

	ckremm_sf_class(r->units, &fl, &sl);
	if (r->prev != CKREMM_SF_NIL)
		fp->run[r->prev].next = r->next;
	else
		sf->heads[fl][sl] = r->next;
	if (r->next != CKREMM_SF_NIL)
		fp->run[r->next].prev = r->prev;
	if (sf->heads[fl][sl] == CKREMM_SF_NIL)
		ckremm_sf_set(sf, fl, sl, false);
	fp->free[n] = false;
}

/*
 * Five runs: two in one class (a list of two), the others alone, over
 * three first levels.
 */
static const u32 sample_units[] = { 3, 40, 41, 1000, 5 };
#define SAMPLE_RUNS (sizeof(sample_units) / sizeof(sample_units[0]))

static void sample(struct ckremm_segfit *sf, struct fake_pool *fp)
{
	unsigned int i;

	memset(fp, 0, sizeof(*fp));
	ckremm_sf_init(sf);
	for (i = 0; i < SAMPLE_RUNS; i++)
		fake_file(sf, fp, i, sample_units[i]);
}

/* Run the stepped check to its end, a few list entries per call. */
static int check_all(const struct ckremm_segfit *sf,
		     const struct fake_pool *fp, size_t runs,
		     const char **why, u32 *where, unsigned int *calls)
{
	struct ckremm_sf_check c;
	unsigned int budget;
	int ret;

	memset(&c, 0, sizeof(c));
	*why = NULL;
	*calls = 0;
	do {
		budget = 7;
		ret = ckremm_sf_check_step(sf, &c, runs, &budget, fake_get, fp,
					   why, where);
		(*calls)++;
		/* A step never spends more than its budget. */
		if (!EXPECT_TRUE(budget <= 7) || *calls > 10000)
			return -1;
	} while (!ret);
	return ret;
}

/* ---- classes and search ----------------------------------------------------- */

TEST(segfit_classes)
{
	static const struct {
		u32 units;
		unsigned int fl, sl;
	} t[] = {
		{ 1, 0, 1 }, { 15, 0, 15 }, { 16, 1, 0 }, { 17, 1, 1 },
		{ 31, 1, 15 }, { 32, 2, 0 }, { 33, 2, 0 }, { 34, 2, 1 },
		{ 63, 2, 15 }, { 64, 3, 0 }, { 1000, 6, 15 }, { 1024, 7, 0 },
		{ 0x80000000U, 28, 0 }, { 0xffffffffU, 28, 15 },
	};
	unsigned int i, fl, sl;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ckremm_sf_class(t[i].units, &fl, &sl);
		EXPECT_TRUE(fl == t[i].fl && sl == t[i].sl,
			    "%u units: class (%u, %u), want (%u, %u)", t[i].units,
			    fl, sl, t[i].fl, t[i].sl);
		EXPECT_TRUE(fl < CKREMM_SF_FL_COUNT && sl < CKREMM_SF_SL_COUNT);
	}
}

TEST(segfit_search_and_top)
{
	struct ckremm_segfit sf;
	struct fake_pool fp;

	ckremm_sf_init(&sf);
	EXPECT_EQ(ckremm_sf_search(&sf, 1), CKREMM_SF_NIL);
	EXPECT_EQ(ckremm_sf_top(&sf), CKREMM_SF_NIL);
	sample(&sf, &fp);
	/* Below 16 units every class is exact. */
	EXPECT_EQ(ckremm_sf_search(&sf, 3), 0);
	EXPECT_EQ(ckremm_sf_search(&sf, 4), 4);
	EXPECT_EQ(ckremm_sf_search(&sf, 5), 4);
	/* 40 and 41 share class (2, 4); the later filed run heads it. */
	EXPECT_EQ(ckremm_sf_search(&sf, 6), 2);
	EXPECT_EQ(ckremm_sf_search(&sf, 40), 2);
	/*
	 * 41 rounds up to the next class boundary, 42: runs of class (2, 4)
	 * may be too small, so the search goes on to the run of 1000.
	 */
	EXPECT_EQ(ckremm_sf_search(&sf, 41), 3);
	/* 1000 rounds up to 1031, above every class that has a run. */
	EXPECT_EQ(ckremm_sf_search(&sf, 1000), CKREMM_SF_NIL);
	EXPECT_EQ(ckremm_sf_search(&sf, 992), 3);
	EXPECT_EQ(ckremm_sf_search(&sf, 0xfffffff0U), CKREMM_SF_NIL);
	EXPECT_EQ(ckremm_sf_top(&sf), 3);
	/* Emptying a class clears its bits; the next class down is the top. */
	fake_unfile(&sf, &fp, 3);
	EXPECT_EQ(ckremm_sf_top(&sf), 2);
	EXPECT_EQ(ckremm_sf_search(&sf, 41), CKREMM_SF_NIL);
	EXPECT_TRUE(!(sf.fl_map & (1U << 6)), "first level 6 still marked");
	fake_unfile(&sf, &fp, 2);
	EXPECT_EQ(ckremm_sf_top(&sf), 1);
	fake_unfile(&sf, &fp, 1);
	EXPECT_EQ(ckremm_sf_top(&sf), 4);
	EXPECT_TRUE(!(sf.fl_map & (1U << 2)), "first level 2 still marked");
}

/* ---- the stepped check ---------------------------------------------------- */

TEST(segfit_check_accepts_a_sound_index)
{
	struct ckremm_segfit sf;
	struct fake_pool fp;
	unsigned int calls;
	const char *why;
	u32 where;

	ckremm_sf_init(&sf);
	memset(&fp, 0, sizeof(fp));
	EXPECT_EQ(check_all(&sf, &fp, 0, &why, &where, &calls), 1);
	sample(&sf, &fp);
	EXPECT_EQ(check_all(&sf, &fp, SAMPLE_RUNS, &why, &where, &calls), 1);
	EXPECT_TRUE(why == NULL, "reason %s", why);
	/* 29 x 16 classes, 7 per call: the check took many steps. */
	EXPECT_TRUE(calls > 60, "%u calls", calls);
	fake_unfile(&sf, &fp, 1);
	EXPECT_EQ(check_all(&sf, &fp, SAMPLE_RUNS - 1, &why, &where, &calls), 1);
}

enum damage {
	FL_BIT_LOST, FL_BIT_EXTRA, SL_BIT_EXTRA, SL_BIT_LOST, WRONG_CLASS,
	BACK_LINK, NOT_FREE, ONE_RUN_MORE, ONE_RUN_LESS,
};

static const struct {
	enum damage d;
	const char *why;
	bool has_where;
	u32 where;
} damages[] = {
	{ FL_BIT_LOST, "bitmap levels disagree", false, 0 },
	{ FL_BIT_EXTRA, "bitmap levels disagree", false, 0 },
	{ SL_BIT_EXTRA, "bitmap disagrees with a free list", false, 0 },
	{ SL_BIT_LOST, "bitmap disagrees with a free list", false, 0 },
	{ WRONG_CLASS, "free run in a wrong class", true, 3 },
	{ BACK_LINK, "free list back link broken", true, 1 },
	{ NOT_FREE, "free list leads to a run that is not free", true, 4 },
	{ ONE_RUN_MORE, "free run missing from the free index", false, 0 },
	{ ONE_RUN_LESS, "free list leads to a run that is not free", true, 3 },
};

TEST(segfit_check_finds_damage)
{
	struct ckremm_segfit sf;
	struct fake_pool fp;
	unsigned int i, calls;
	size_t runs;
	const char *why;
	u32 where;
	int ret;

	for (i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
		sample(&sf, &fp);
		runs = SAMPLE_RUNS;
		switch (damages[i].d) {
		case FL_BIT_LOST:	/* runs 1, 2, 3 are in first level 2 */
			sf.fl_map &= ~(1U << 2);
			break;
		case FL_BIT_EXTRA:
			sf.fl_map |= 1U << 9;
			break;
		case SL_BIT_EXTRA:	/* (2, 5) is empty; (2, 4) keeps 2 */
			sf.sl_map[2] |= 1U << 5;
			break;
		case SL_BIT_LOST:	/* (0, 3) has run 0 */
			sf.sl_map[0] &= ~(1U << 3);
			break;
		case WRONG_CLASS:	/* the run of 1000 claims 2000 units */
			fp.run[3].units = 2000;
			break;
		case BACK_LINK:		/* second of the list in (2, 4) */
			fp.run[1].prev = 4;
			break;
		case NOT_FREE:		/* the pool calls run 4 used */
			fp.free[4] = false;
			break;
		case ONE_RUN_MORE:
			runs = SAMPLE_RUNS + 1;
			break;
		case ONE_RUN_LESS:	/* run 3 is listed last */
			runs = SAMPLE_RUNS - 1;
			break;
		}
		ret = check_all(&sf, &fp, runs, &why, &where, &calls);
		EXPECT_EQ(ret, -EUCLEAN);
		EXPECT_TRUE(why && !strcmp(why, damages[i].why),
			    "damage %u: reason '%s', want '%s'", i, why ? why : "(none)",
			    damages[i].why);
		if (damages[i].has_where)
			EXPECT_TRUE(where == damages[i].where,
				    "damage %u: at run %u, want %u", i, where,
				    damages[i].where);
		else
			EXPECT_TRUE(where == CKREMM_SF_NIL, "damage %u: at run %u", i,
				    where);
	}
}

/* ---- ckremm_permille ------------------------------------------------------ */

TEST(permille_both_paths)
{
	static const struct {
		size_t part, whole;
	} t[] = {
		{ 0, 5 }, { 1, 3 }, { 2, 3 }, { 5, 5 }, { 999, 1000 },
		/* the largest whole multiplied out, and the first divided */
		{ SIZE_MAX / 1000, SIZE_MAX / 1000 },
		{ SIZE_MAX / 1000 / 3, SIZE_MAX / 1000 },
		{ SIZE_MAX / 1000 + 1, SIZE_MAX / 1000 + 1 },
		{ (SIZE_MAX / 1000 + 1) / 4, SIZE_MAX / 1000 + 1 },
		{ SIZE_MAX / 2, SIZE_MAX }, { SIZE_MAX, SIZE_MAX },
		{ 0, SIZE_MAX }, { SIZE_MAX / 1000, SIZE_MAX },
	};
	unsigned int i, got;
#if SIZE_MAX > UINT32_MAX
	unsigned __int128 exact;
#else
	u64 exact;	/* a 32-bit board: no __int128, none needed */
#endif

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = ckremm_permille(t[i].part, t[i].whole);
		exact = (__typeof__(exact))t[i].part * 1000 / t[i].whole;
		/* Dividing by whole / 1000 may round up by one, never more. */
		EXPECT_TRUE(got >= exact && got <= exact + 1 && got <= 1000,
			    "%zu / %zu: %u permille, exactly %u", t[i].part,
			    t[i].whole, got, (unsigned int)exact);
		if (t[i].whole <= SIZE_MAX / 1000)
			EXPECT_TRUE(got == exact, "%zu / %zu: %u, want %u", t[i].part,
				    t[i].whole, got, (unsigned int)exact);
		if (t[i].part == t[i].whole)
			EXPECT_EQ(got, 1000);
	}
}

/* ---- ckremm_locked_pass ---------------------------------------------------- */

/*
 * A pass of @steps steps over a "pool" whose change count the steps bump
 * @changes times in all (one per step, from the first), or that fails
 * with @err at step @fail_at.
 */
struct pass_walk {
	struct ckremm_lock lock;
	u32 seq;
	unsigned int steps, done, restarts, changes, fail_at;
	int err;
};

static int pass_step(void *arg, bool restart)
{
	struct pass_walk *w = arg;

	if (restart) {
		w->done = 0;
		w->restarts++;
	}
	if (w->changes) {
		w->changes--;
		w->seq++;
	}
	if (++w->done == w->fail_at)
		return w->err;
	return w->done == w->steps;
}

TEST(locked_pass_restarts_and_gives_up)
{
	struct pass_walk w = { .steps = 4 };
	const char *why = NULL;

	ckremm_lock_init(&w.lock);
	/* A quiet pool: one pass, started once. */
	EXPECT_EQ(ckremm_locked_pass(&w.lock, &w.seq, 3, &why, pass_step, &w), 0);
	EXPECT_EQ(w.restarts, 1);
	EXPECT_EQ(w.done, 4);
	EXPECT_NULL(why);

	/* Two changes: the pass starts over twice and then completes. */
	w.restarts = 0;
	w.changes = 2;
	EXPECT_EQ(ckremm_locked_pass(&w.lock, &w.seq, 3, &why, pass_step, &w), 0);
	EXPECT_EQ(w.restarts, 3);
	EXPECT_NULL(why);

	/* A pool that changes under every pass: -EBUSY after max_tries. */
	w.restarts = 0;
	w.changes = 1000;
	EXPECT_EQ(ckremm_locked_pass(&w.lock, &w.seq, 3, &why, pass_step, &w),
		  -EBUSY);
	EXPECT_EQ(w.restarts, 3);
	EXPECT_NONNULL(why);

	/* A step's error ends the pass with it; no reason is needed. */
	w.restarts = 0;
	w.changes = 0;
	w.fail_at = 2;
	w.err = -EUCLEAN;
	EXPECT_EQ(ckremm_locked_pass(&w.lock, &w.seq, 3, NULL, pass_step, &w),
		  -EUCLEAN);
	EXPECT_EQ(w.restarts, 1);
}

/* ---- host diagnostics ------------------------------------------------------ */

/*
 * The hosted port's own: what it prints on stderr and when.  A board
 * (tools/mcu) has its own port, no stderr to catch and one process for
 * every case.
 */
#ifndef CKREMM_TEST_BOARD

/* Call ckremm_warn() with stderr caught; returns what it printed. */
static char *warn_caught(void)
{
	static char text[256];
	FILE *f = tmpfile();
	int saved;
	size_t n;

	ASSERT_TRUE(f != NULL);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	ASSERT_TRUE(saved >= 0);
	ASSERT_TRUE(dup2(fileno(f), STDERR_FILENO) >= 0);
	ckremm_warn("h_pool: test warning %d of %s\n", 42, "two");
	fflush(stderr);
	ASSERT_TRUE(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* Each case runs in a process of its own: the setting is read once. */
TEST(host_warn_quiet_by_default)
{
	unsigned long w0 = ckremm_host_warnings;
	char *text;

	ASSERT_TRUE(unsetenv("CKREMM_VERBOSE") == 0);
	text = warn_caught();
	EXPECT_TRUE(!*text, "printed '%s'", text);
	EXPECT_EQ(ckremm_host_warnings, w0 + 1);
	/* The setting is read once: setting it later changes nothing. */
	ASSERT_TRUE(setenv("CKREMM_VERBOSE", "1", 1) == 0);
	text = warn_caught();
	EXPECT_TRUE(!*text, "printed '%s'", text);
	EXPECT_EQ(ckremm_host_warnings, w0 + 2);
}

TEST(host_warn_verbose_prints)
{
	unsigned long w0 = ckremm_host_warnings;
	char *text;

	ASSERT_TRUE(setenv("CKREMM_VERBOSE", "1", 1) == 0);
	text = warn_caught();
	EXPECT_TRUE(!strcmp(text, "ckremm: h_pool: test warning 42 of two\n"),
		    "printed '%s'", text);
	EXPECT_EQ(ckremm_host_warnings, w0 + 1);
}
#endif

TEST_HARNESS_MAIN("host")
