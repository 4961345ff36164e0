// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremmctl: drive ckremm memory pools from the shell.
 *
 *	ckremmctl [--device PATH] [--json] VERB [ARGS] [OPTIONS]
 *
 * Each invocation opens the device, attaches the named pool it is given,
 * does one thing and exits; named pools are what let one command's blocks
 * be seen by the next.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckremmctl.h"

static int verb_help_cmd(struct ctl *ctl, int argc, char **argv);
static int verb_version(struct ctl *ctl, int argc, char **argv);

#define COMMON_HELP \
	"  -j, --json          print JSON instead of text\n" \
	"  -h, --help          show this help\n"

static const struct verb verbs[] = {
	{
		"create", verb_create,
		"create NAME --size SIZE [--kind header|table] [--mode MODE]",
		"make a named pool",
		"Make a pool named NAME that outlives this command: later commands\n"
		"reach it by name until 'ckremmctl destroy NAME' or module unload.\n"
		"Prints the pool's kind and the arena bytes it manages (which may be\n"
		"slightly fewer than SIZE).\n\n"
		"  -s, --size SIZE     arena bytes; suffixes K, M, G, T (powers of 1024)\n"
		"  -k, --kind KIND     header (inline headers, blocks never move; the\n"
		"                      default) or table (handles, blocks move on reorder)\n"
		"  -m, --mode MODE     octal permission bits for other users, as for a\n"
		"                      file (default 0600)\n"
		COMMON_HELP
		"\nNAME: 1 to 31 of A-Z a-z 0-9 . _ -\n"
		"example: ckremmctl create demo --size 1M --mode 0640\n",
	},
	{
		"open", verb_open,
		"open NAME [--read-only]",
		"check that a named pool can be reached",
		"Attach the pool NAME and print its kind, arena size and the mmap()\n"
		"offset it got in this command's open file (an offset is only\n"
		"meaningful to the process that opened the pool).\n\n"
		"  -r, --read-only     attach read-only (needs only read permission)\n"
		COMMON_HELP,
	},
	{
		"alloc", verb_alloc,
		"alloc NAME SIZE [--align ALIGN] [--count N] [--reorder]",
		"allocate blocks, print how to name them",
		"Allocate N blocks of SIZE bytes and print each one's BLOCK, one per\n"
		"line: its arena offset in a header pool, its handle in a table pool.\n"
		"All or nothing: --count above 1 uses batches of at most 64; if any\n"
		"block fails, the ones made are freed again (with --reorder, after one\n"
		"compaction and a second try).\n\n"
		"  -a, --align ALIGN   power of two up to the page size (default: the\n"
		"                      pool's natural alignment; header pools)\n"
		"  -n, --count N       blocks to allocate (default 1)\n"
		"  -r, --reorder       if nothing fits, compact and retry once (table\n"
		"                      pools)\n"
		COMMON_HELP
		"\nexample: ckremmctl alloc demo 4K --count 8\n",
	},
	{
		"free", verb_free,
		"free NAME BLOCK...",
		"free blocks",
		"Free each BLOCK. Several are freed in batches of at most 64, each\n"
		"checked whole: a duplicate, a block that is not live or, in a table\n"
		"pool, a pinned one frees nothing of its batch.\n\n"
		COMMON_HELP,
	},
	{
		"write", verb_write,
		"write NAME BLOCK [--pos POS] (--data STRING | --pattern BYTE --len N | < FILE)",
		"write bytes into a block",
		"Write into BLOCK, starting POS bytes into it: the bytes\n"
		"of STRING, or N copies of BYTE, or else everything on standard input.\n"
		"Nothing is written unless all of it fits inside the block.\n\n"
		"  -p, --pos POS       first byte inside the block (default 0)\n"
		"  -d, --data STRING   the bytes to write\n"
		"  -P, --pattern BYTE  fill with BYTE: 0..255, 0x.., or one character\n"
		"  -l, --len N         how many BYTEs (with --pattern)\n"
		COMMON_HELP,
	},
	{
		"read", verb_read,
		"read NAME BLOCK [--pos POS] [--len N] [--hex]",
		"read bytes from a block",
		"Copy bytes of BLOCK to standard output, raw, or as a\n"
		"hex dump with --hex. Without --len, reads to the end of the block.\n\n"
		"  -p, --pos POS       first byte inside the block (default 0)\n"
		"  -l, --len N         bytes to read (default: the rest of the block)\n"
		"  -x, --hex           hex dump: position, 16 bytes, printable characters\n"
		COMMON_HELP,
	},
	{
		"clean", verb_clean,
		"clean NAME BLOCK",
		"zero a block",
		"Fill BLOCK with zero bytes.\n\n"
		COMMON_HELP,
	},
	{
		"realloc", verb_realloc,
		"realloc NAME BLOCK SIZE",
		"resize a block, print its new offset",
		"Resize BLOCK to SIZE bytes and print its offset now. Contents up to\n"
		"the smaller size and the block's alignment are kept. Header pools\n"
		"only: in a table pool, alloc a new block and copy.\n\n"
		COMMON_HELP,
	},
	{
		"copy", verb_copy,
		"copy NAME DST SRC",
		"copy one table-pool block into another",
		"Copy block SRC into block DST (handles of a table pool). DST must be\n"
		"at least as large as SRC; nothing is copied otherwise.\n\n"
		COMMON_HELP,
	},
	{
		"locate", verb_locate,
		"locate NAME HANDLE",
		"print where a table-pool block is now",
		"Print the arena offset and size of the table-pool block HANDLE. The\n"
		"offset holds until the next reorder moves the block.\n\n"
		COMMON_HELP,
	},
	{
		"reorder", verb_reorder,
		"reorder NAME",
		"defragment a pool",
		"Defragment the pool: a header pool merges adjacent free blocks; a\n"
		"table pool moves unpinned blocks so that free space becomes one\n"
		"block. Prints the bytes and blocks moved and the largest free block\n"
		"after. Compare 'ckremmctl map NAME' before and after.\n\n"
		COMMON_HELP,
	},
	{
		"stats", verb_stats,
		"stats NAME",
		"print a pool's counters",
		"Print a snapshot of the pool's counters, one 'key value' per line.\n\n"
		COMMON_HELP,
	},
	{
		"validate", verb_validate,
		"validate NAME",
		"check a pool's structure",
		"Check the pool's internal structure. Prints 'NAME: ok' and exits 0,\n"
		"or prints the offset and reason of the first inconsistency and\n"
		"exits 1.\n\n"
		COMMON_HELP,
	},
	{
		"list", verb_list,
		"list",
		"list the named pools",
		"List every named pool: name, kind, arena and used bytes, mode,\n"
		"owner uid and gid.\n\n"
		COMMON_HELP,
	},
	{
		"destroy", verb_destroy,
		"destroy NAME...",
		"remove named pools",
		"Remove each named pool's name (its owner or root only). Its memory\n"
		"goes once no process has it open any more.\n\n"
		COMMON_HELP,
	},
	{
		"map", verb_map,
		"map NAME [--width W] [--rows R] [--ascii | --utf8]",
		"draw the arena to scale",
		"Draw the pool's arena as ROWS lines of W cells, each cell an equal\n"
		"span of bytes: '#' all used, '.' all free, '+' both (shaded blocks\n"
		"on a UTF-8 terminal), then a legend with used and free bytes, block\n"
		"counts, the largest free block and the fragmentation.\n\n"
		"  -w, --width W       cells per row (default 64)\n"
		"  -r, --rows R        rows (default 4)\n"
		"  -a, --ascii         plain ASCII even on a UTF-8 terminal\n"
		"  -u, --utf8          shaded block characters even when not a terminal\n"
		COMMON_HELP,
	},
	{
		"gc", verb_gc,
		"gc attach|type|alloc|root|step|collect|stats NAME [ARGS]",
		"drive a table pool's garbage collector",
		"The collector owns every block of a table pool: an object lives\n"
		"while a root slot reaches it. Each subcommand's own help: 'ckremmctl\n"
		"help gc SUBCOMMAND'.\n\n"
		"  gc attach NAME [OPTIONS]    put a collector in charge of the empty pool\n"
		"  gc type NAME MAP            register a type (MAP: 0110, a word a digit)\n"
		"  gc alloc NAME SIZE --slot N allocate an object into a root slot\n"
		"  gc root NAME SLOT [HANDLE]  print a root slot, or set it\n"
		"  gc step NAME                one bounded step of collection\n"
		"  gc collect NAME             free everything dead now, compact\n"
		"  gc stats NAME               the collector's figures\n\n"
		"  -M, --manual        attach: no collection paid by allocations\n"
		"  -R, --roots N       attach: root slots (default 16)\n"
		"  -T, --max-types N   attach: most types (default 16)\n"
		"  -P, --max-pins N    attach: most objects pinned at once (default 64)\n"
		"  --trigger PERCENT   attach: allocation that starts a cycle, in percent\n"
		"                      of the live bytes (default 100)\n"
		"  -b, --budget N      attach, step: work of a step (default 512)\n"
		"  -r, --repeat        type: the map repeats over the object\n"
		"  -s, --slot N        alloc: the root slot that keeps the object\n"
		"  -t, --type TYPE     alloc: the object's type (default 0)\n"
		COMMON_HELP
		"\nexample: ckremmctl gc alloc demo 64 --slot 0\n",
	},
	{
		"pager", verb_pager,
		"pager attach|detach|purge NAME [ARGS]",
		"give a table pool's free pages back to the kernel",
		"A pager gives the free pages at the top of a table pool's arena\n"
		"back to the kernel, and out of its memory cgroup's charge, once\n"
		"they stayed free for a while; 'ckremmctl stats' says what it did and\n"
		"'ckremmctl map' shows the run it gave back. Each subcommand's own\n"
		"help: 'ckremmctl help pager SUBCOMMAND'.\n\n"
		"  pager attach NAME [OPTIONS] give free pages back when they stay free\n"
		"  pager detach NAME           stop the pager\n"
		"  pager purge NAME            give the free pages at the top back now\n\n"
		"  -p, --period MS     attach: milliseconds between two looks (default 100)\n"
		"  -D, --decay N       attach: periods a page stays free before it goes\n"
		"                      back (default 10)\n"
		"  -k, --keep SIZE     attach, purge: free bytes kept above the highest block\n"
		"  -m, --min SIZE      attach: give back nothing less at a time\n"
		"  -s, --step SIZE     attach: most bytes given back per hold of the pool\n"
		"  -r, --reorder[=SIZE]\n"
		"                      attach: also compact the pool when quiet\n"
		"  -S, --store SIZE    attach: page blocks out to a compressed store\n"
		"                      of SIZE bytes (a pool with no block yet)\n"
		"  -F, --free-target SIZE\n"
		"                      attach, with --store: arena bytes kept free\n"
		"  -b, --budget SIZE   purge: most bytes given back (default: all)\n"
		COMMON_HELP
		"\nexample: ckremmctl pager attach demo --period 50 --decay 4\n",
	},
	{
		"help", verb_help_cmd,
		"help [VERB [SUBCOMMAND]]",
		"show help for ckremmctl or a verb",
		"",
	},
	{
		"version", verb_version,
		"version",
		"print the tool's and the module's versions",
		COMMON_HELP,
	},
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < NVERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

void verb_help(const struct verb *verb, FILE *out)
{
	fprintf(out, "usage: ckremmctl %s\n\n%s.\n", verb->usage, verb->summary);
	if (*verb->help)
		fprintf(out, "\n%s", verb->help);
}

static void main_help(FILE *out)
{
	fputs("usage: ckremmctl [--device PATH] [--json] VERB [ARGS] [OPTIONS]\n\n"
	      "Drive ckremm memory pools through /dev/ckremm. Pools are named;\n"
	      "each command attaches the pool by name, does one thing and exits.\n\n"
	      "verbs:\n", out);
	for (size_t i = 0; i < NVERBS; i++)
		fprintf(out, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\noptions:\n"
	      "  -d, --device PATH   the device (default $CKREMM_DEV, else /dev/ckremm)\n"
	      "  -j, --json          print JSON instead of text\n"
	      "  -h, --help          show this help\n"
	      "  -V, --version       print versions\n\n"
	      "BLOCK is what alloc printed: a block's arena offset in a header\n"
	      "pool, its handle in a table pool. Numbers are decimal or 0x hex;\n"
	      "SIZE also takes K, M, G, T (powers of 1024).\n"
	      "Exit status: 0 done, 1 the device or pool refused, 2 bad usage.\n"
	      "See 'ckremmctl help VERB' or 'ckremmctl VERB --help'.\n", out);
}

static int verb_help_cmd(struct ctl *ctl, int argc, char **argv)
{
	const struct verb *verb;

	(void)ctl;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		main_help(stdout);
		return EXIT_OK;
	}
	verb = find_verb(argv[1]);
	if (!verb) {
		fprintf(stderr,
			"ckremmctl help: unknown verb '%s'\ntry: ckremmctl help\n",
			argv[1]);
		return EXIT_USAGE;
	}
	if (argc >= 3 && (verb->run == verb_gc || verb->run == verb_pager)) {
		const char *name = verb->name;

		verb = verb->run == verb_gc ? gc_find_sub(argv[2]) :
					      pager_find_sub(argv[2]);
		if (!verb) {
			fprintf(stderr,
				"ckremmctl help: unknown subcommand '%s %s'\ntry: ckremmctl help %s\n",
				name, argv[2], name);
			return EXIT_USAGE;
		}
	}
	verb_help(verb, stdout);
	return EXIT_OK;
}

static int verb_version(struct ctl *ctl, int argc, char **argv)
{
	__u32 abi = 0;
	int fd, ret;

	ctl_no_options(ctl, argc, argv);
	want_args(ctl, argc, argv, "");

	/* The tool's version is worth printing even without the module. */
	fd = ckremm_dev_open(ctl->device);
	ret = fd < 0 ? fd : ckremm_check_version(fd, &abi);
	if (fd >= 0)
		ckremm_dev_close(fd);
	if (ctl->json) {
		json_begin();
		json_str("ckremmctl", CKREMMCTL_VERSION);
		json_u64("abi", CKREMM_ABI_VERSION);
		if (!ret || ret == -EPROTO)
			json_u64("module_abi", abi);
		else
			json_null("module_abi");
		json_end();
	} else {
		printf("ckremmctl %s, ABI %u\n", CKREMMCTL_VERSION,
		       CKREMM_ABI_VERSION);
		if (!ret || ret == -EPROTO)
			printf("module ABI %u%s\n", abi,
			       ret ? " (differs: rebuild ckremmctl)" : "");
		else
			printf("module: %s: %s\n", ckremm_dev_path(ctl->device),
			       strerror(-ret));
	}
	return ret == -EPROTO ? EXIT_FAILED : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctl ctl = { .fd = -1 };
	const struct verb *verb;
	int i, status;

	/* Global options come before the verb. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			ctl.json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			main_help(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			argv[i] = "version";
			break;
		} else if (!strncmp(a, "--device=", 9)) {
			ctl.device = a + 9;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--device")) {
			if (i + 1 >= argc) {
				fprintf(stderr,
					"ckremmctl: option '%s' needs a PATH\ntry: ckremmctl --help\n",
					a);
				return EXIT_USAGE;
			}
			ctl.device = argv[++i];
		} else {
			fprintf(stderr,
				"ckremmctl: unknown option '%s'\ntry: ckremmctl --help\n",
				a);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	verb = find_verb(argv[i]);
	if (!verb) {
		fprintf(stderr,
			"ckremmctl: unknown verb '%s'\ntry: ckremmctl help\n",
			argv[i]);
		return EXIT_USAGE;
	}
	ctl.verb = verb;
	optind = 0;	/* a fresh getopt scan over the verb's arguments */
	status = verb->run(&ctl, argc - i, argv + i);
	if (ctl.fd >= 0)
		ckremm_dev_close(ctl.fd);
	ctl_exit(status);
}
