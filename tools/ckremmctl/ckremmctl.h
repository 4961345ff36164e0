/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremmctl: shared declarations of the command-line tool.
 *
 * main.c     global options, the verb table, help and dispatch
 * util.c     argument parsing, error messages that name the fix, JSON
 * verbs.c    one function per verb
 * map.c      the map verb: the arena drawn to scale
 * gc.c       the gc verb: a table pool's collector, one subcommand per
 *            request
 * pager.c    the pager verb: a table pool's pager, likewise
 *
 * A verb first reads its options and words; a usage error there ends the
 * command at once with exit status 2, before the device is opened.  After
 * that, a refusal is reported by ctl_fail() or pool_fail(), whose exit
 * status 1 the verb returns.
 */
#ifndef CKREMMCTL_H
#define CKREMMCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "libckremm.h"

/* The tree's VERSION, as the module and the packages carry it. */
#define CKREMMCTL_VERSION	CKREMM_VERSION

/* Exit statuses. */
#define EXIT_OK		0	/* the verb did what was asked */
#define EXIT_FAILED	1	/* the device or the pool refused */
#define EXIT_USAGE	2	/* the command line was wrong */

struct verb;

/**
 * struct ctl - one invocation of ckremmctl
 * @device: --device PATH, or NULL for $CKREMM_DEV or /dev/ckremm
 * @json: print machine-readable JSON instead of text
 * @verb: the verb being run
 * @fd: the open device, or -1
 */
struct ctl {
	const char *device;
	bool json;
	const struct verb *verb;
	int fd;
};

/**
 * struct verb - one verb of the command line
 * @name: what the user types
 * @run: does the work; returns an exit status
 * @usage: the synopsis after "ckremmctl "
 * @summary: one line for the verb list
 * @help: the rest of "ckremmctl help VERB"
 */
struct verb {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *usage;
	const char *summary;
	const char *help;
};

/**
 * struct errno_hint - what to suggest when a request fails with @err
 * @err: a positive errno; 0 ends a table
 * @text: the suggestion, a printf format: each "%1$s" in it stands for
 *	the pool's name (and a percent sign is written "%%")
 */
struct errno_hint {
	int err;
	const char *text;
};

/* main.c */
void verb_help(const struct verb *verb, FILE *out);

/* util.c: verbs with subcommands, each a struct verb named "VERB SUB" */
const struct verb *find_sub(const struct verb *subs, size_t n,
			    const char *name);
int run_sub(struct ctl *ctl, int argc, char **argv, const struct verb *subs,
	    size_t n);

/* util.c: options and words; a usage error exits with EXIT_USAGE */
int ctl_getopt(struct ctl *ctl, int argc, char **argv,
	       const struct option *opts);
void ctl_no_options(struct ctl *ctl, int argc, char **argv);
void ctl_usage(struct ctl *ctl, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
void want_args(struct ctl *ctl, int argc, char **argv, const char *what);
__u64 arg_number(struct ctl *ctl, const char *what, const char *s);
__u64 arg_range(struct ctl *ctl, const char *what, const char *s,
		__u64 min, __u64 max);
__u64 arg_size(struct ctl *ctl, const char *what, const char *s);
void check_pool_name(struct ctl *ctl, const char *name);
bool parse_mode(const char *s, unsigned int *out);
bool parse_byte(const char *s, unsigned char *out);

/* util.c: refusals (exit status 1), the device and pools */
void ctl_exit(int status) __attribute__((noreturn));
int ctl_open_device(struct ctl *ctl);
int ctl_open_pool(struct ctl *ctl, const char *name, bool rdonly,
		  struct ckremm_pool *pool);
int ctl_open_pool_arg(struct ctl *ctl, int argc, char **argv, bool rdonly,
		      struct ckremm_pool *pool);
/* A verb without options whose words are @usage: "NAME" then numbers,
 * e.g. "NAME BLOCK SIZE"; each number goes to @numbers in order (SIZE
 * takes a size suffix), then NAME is attached. */
int ctl_open_pool_words(struct ctl *ctl, int argc, char **argv,
			const char *usage, bool rdonly,
			struct ckremm_pool *pool, __u64 *numbers);
int ctl_fail(int err, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int pool_fail(const struct ckremm_pool *pool, int err, const char *hint,
	      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *find_hint(const struct errno_hint *table, int err,
		      const char *pool);
const char *hint_for_block(int err, const char *pool);
const char *hint_for_space(int err, const char *pool);
const char *fmt_bytes(unsigned long long bytes, char *buf, size_t size);

/**
 * struct json_u64_field - one number of a JSON object
 * @key: its key; NULL ends a list
 * @value: the number
 */
struct json_u64_field {
	const char *key;
	__u64 value;
};

/* util.c: JSON on stdout, one document per invocation */
void json_begin(void);
void json_end(void);
void json_object_begin(const char *key);
void json_object_end(void);
void json_array_begin(const char *key);
void json_array_end(void);
void json_u64(const char *key, unsigned long long value);
void json_u64s(const struct json_u64_field *fields);
void json_bool(const char *key, bool value);
void json_str(const char *key, const char *value);
void json_strn(const char *key, const char *value, size_t len);
void json_hex(const char *key, const unsigned char *data, size_t len);
void json_null(const char *key);

/* verbs.c and map.c */
int verb_create(struct ctl *ctl, int argc, char **argv);
int verb_open(struct ctl *ctl, int argc, char **argv);
int verb_alloc(struct ctl *ctl, int argc, char **argv);
int verb_free(struct ctl *ctl, int argc, char **argv);
int verb_write(struct ctl *ctl, int argc, char **argv);
int verb_read(struct ctl *ctl, int argc, char **argv);
int verb_clean(struct ctl *ctl, int argc, char **argv);
int verb_realloc(struct ctl *ctl, int argc, char **argv);
int verb_reorder(struct ctl *ctl, int argc, char **argv);
int verb_stats(struct ctl *ctl, int argc, char **argv);
int verb_validate(struct ctl *ctl, int argc, char **argv);
int verb_list(struct ctl *ctl, int argc, char **argv);
int verb_destroy(struct ctl *ctl, int argc, char **argv);
int verb_map(struct ctl *ctl, int argc, char **argv);
int verb_locate(struct ctl *ctl, int argc, char **argv);
int verb_copy(struct ctl *ctl, int argc, char **argv);

/* gc.c: the gc verb and its subcommands, each a struct verb of its own */
int verb_gc(struct ctl *ctl, int argc, char **argv);
const struct verb *gc_find_sub(const char *name);

/* pager.c: the pager verb and its subcommands, likewise */
int verb_pager(struct ctl *ctl, int argc, char **argv);
const struct verb *pager_find_sub(const char *name);

#endif /* CKREMMCTL_H */
