/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimum mutator utilisation, shared by the host's bench_gc and the
 * kernel module: the collector's time as a timeline of @n intervals, each
 * @gap ticks after the end of the one before and @dur ticks long.  The
 * window of @w ticks with the most collector time in it ends where an
 * interval ends (moving it right from anywhere else loses nothing), so
 * only those windows are summed; windows that would begin before the
 * timeline does are left out.
 *
 * Returns the most collector ticks in a window of @w ticks.
 */
#ifndef BENCH_MMU_H
#define BENCH_MMU_H

static inline u64 bench_mmu_worst(const u32 *gap, const u32 *dur, size_t n,
				  u64 w)
{
	u64 end = 0, first_at = n ? gap[0] : 0, sum = 0, worst = 0, lo, in;
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		end += gap[i];
		end += dur[i];
		sum += dur[i];
		if (end < w)
			continue;
		lo = end - w;
		/* Drop the intervals that end at or before the window. */
		while (j <= i && first_at + dur[j] <= lo) {
			sum -= dur[j];
			first_at += dur[j];
			if (++j <= i)
				first_at += gap[j];
		}
		in = sum;
		if (j <= i && first_at < lo)
			in -= lo - first_at;
		if (in > worst)
			worst = in;
	}
	return worst;
}

#endif /* BENCH_MMU_H */
