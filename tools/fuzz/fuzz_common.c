// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_common.c - what both pool fuzzers share outside the header: the
 * operation counter and name, the trace switch, libFuzzer's set-up and the
 * loop that reads operations out of an input.
 */
#include "fuzz_common.h"

unsigned long fuzz_op;
const char *fuzz_op_name;
bool fuzz_trace;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("FUZZ_TRACE");

	(void)argc;
	(void)argv;
	fuzz_trace = t && *t == '1';
	return 0;
}

void fuzz_run_ops(struct fuzz_in *in, const struct fuzz_op_kind *kinds,
		  unsigned int nkinds, unsigned long max_ops, fuzz_step_fn step)
{
	const struct fuzz_op_kind *kind;

	while (in_more(in) && fuzz_op < max_ops) {
		fuzz_op++;
		kind = &kinds[in_u8(in) % nkinds];
		fuzz_op_name = kind->name;
		TRACE("op %lu: %s\n", fuzz_op, fuzz_op_name);
		step(kind, in);
	}
}
