// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremm_test.c - the runner of ckremm_test.h.
 *
 * The parent forks one child per case (at most --jobs at a time).  Before
 * the fork it maps, shared with the child, the case's result (skipped, and
 * why) and its fixture data, so that FIXTURE_TEARDOWN_PARENT sees what the
 * child left there however the child ended.  The child's stdout and stderr
 * go to an unlinked temporary file (in $TMPDIR if it is set) which the
 * parent copies out as "# " lines after the case's result line, so
 * diagnostics, sanitizer reports and leak reports stay next to the case
 * they belong to.
 *
 * In the child, ASSERT_*() and SKIP() end the case: from the case's own
 * thread they jump back to the runner, which runs the fixture's teardown;
 * from another thread they end the process.  A case that passes leaves
 * with exit(), so that LeakSanitizer checks it on the way out; one that
 * failed or skipped leaves with _exit(): what it left behind is no news.
 *
 * Built with CKREMM_TEST_NOFORK (a board, tools/mcu: no processes, no
 * signals, one thread), the cases run one after another in the one
 * process instead: ASSERT_*() and SKIP() still jump back to the runner,
 * what a case prints goes out at once as "# " lines before its result,
 * and there is no --jobs, no timeout and no FIXTURE_TEARDOWN_PARENT
 * after a crash: a crash ends the run, and whoever runs it counts the
 * cases that never reported (tools/tests/host/run-tests.sh does).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strerrorname_np, asprintf */
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifndef CKREMM_TEST_NOFORK
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#endif

#include "ckremm_test.h"

/* Diagnostic lines shown per case; a runaway case's rest is counted. */
#define MAX_DIAG_LINES	400

const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "print_stacktrace=1";
}

/* ---- definitions ------------------------------------------------------ */

static struct test_def **defs;
static size_t n_defs, cap_defs;

void test_define(struct test_def *def)
{
	if (n_defs == cap_defs) {
		cap_defs = cap_defs ? 2 * cap_defs : 64;
		defs = realloc(defs, cap_defs * sizeof(*defs));
		if (!defs) {
			perror("test_define");
			exit(2);
		}
	}
	defs[n_defs++] = def;
}

static void run_param(const struct test_def *def, void *self, const void *v)
{
	(void)self;
	(void)v;
	def->param_fn(def->arg);
}

void test_register(const char *name, void (*fn)(unsigned long arg),
		   unsigned long arg, unsigned int timeout_s)
{
	struct test_def *def = calloc(1, sizeof(*def));

	if (!def || !(def->name = strdup(name))) {
		perror("test_register");
		exit(2);
	}
	def->run = run_param;
	def->param_fn = fn;
	def->arg = arg;
	def->timeout_s = timeout_s;
	test_define(def);
}

void test_add_variant(struct test_fixture *fixture,
		      struct test_variant *variant)
{
	struct test_variant **tail = &fixture->variants;

	while (*tail)
		tail = &(*tail)->next;
	variant->next = NULL;
	*tail = variant;
}

/* ---- the running case (child process) --------------------------------- */

/* What the child tells the parent besides its exit status. */
struct case_result {
	bool skipped;
	char skip_reason[200];
};

static struct test_current current;
static struct case_result *result;
static unsigned long case_failures, case_checks;
static jmp_buf *case_jump;
static int case_ended;	/* a bool; an int for the atomics every target has */

#ifdef CKREMM_TEST_NOFORK
/* Lines a case prints come out before its result: mark them diagnostics. */
#define REPORT_PREFIX	"# "

static bool on_case_thread(void)
{
	return true;
}

/* picolibc's fflush() takes no NULL; nothing but these is written. */
static void flush_all(void)
{
	fflush(stdout);
	fflush(stderr);
}
#else
#define REPORT_PREFIX	""

static pthread_t case_thread;

static bool on_case_thread(void)
{
	return pthread_equal(pthread_self(), case_thread);
}

static void flush_all(void)
{
	fflush(NULL);
}
#endif

const struct test_current *test_current(void)
{
	return &current;
}

void test_checked(void)
{
	__atomic_fetch_add(&case_checks, 1, __ATOMIC_RELAXED);
}

bool test_failed(void)
{
	return __atomic_load_n(&case_failures, __ATOMIC_RELAXED) != 0;
}

/* One line, written at once: cases may report from several threads. */
static void vreport(const char *prefix, const char *fmt, va_list ap,
		    const char *msg_fmt, va_list *msg_ap)
{
	char line[1024];
	size_t len = 0;

	len = (size_t)snprintf(line, sizeof(line), REPORT_PREFIX "%s", prefix);
	if (len < sizeof(line))
		len += (size_t)vsnprintf(line + len, sizeof(line) - len, fmt,
					 ap);
	/* The message comes as " " and the caller's text, or " " alone. */
	if (msg_fmt && msg_fmt[0] && msg_fmt[1] && len < sizeof(line)) {
		len += (size_t)snprintf(line + len, sizeof(line) - len, ":");
		if (len < sizeof(line))
			len += (size_t)vsnprintf(line + len,
						 sizeof(line) - len, msg_fmt,
						 *msg_ap);
	}
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	line[len] = '\n';
	fwrite(line, 1, len + 1, stdout);
	fflush(stdout);
}

static void report(const char *prefix, const char *msg_fmt, va_list *msg_ap,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(prefix, fmt, ap, msg_fmt, msg_ap);
	va_end(ap);
}

void test_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap, NULL, NULL);
	va_end(ap);
}

#define WHERE_LEN	300

/* Count a failure; @where becomes the start of its line. */
static const char *failed_at(char *where, const char *file, int line)
{
	__atomic_fetch_add(&case_failures, 1, __ATOMIC_RELAXED);
	snprintf(where, WHERE_LEN, "%s:%d: failed: ", file, line);
	return where;
}

void test_fail_at(const char *file, int line, const char *fmt, ...)
{
	char where[WHERE_LEN];
	va_list ap;

	__atomic_fetch_add(&case_failures, 1, __ATOMIC_RELAXED);
	if (line)
		snprintf(where, sizeof(where), "%s:%d: ", file, line);
	else
		snprintf(where, sizeof(where), "%s: ", file);
	va_start(ap, fmt);
	vreport(where, fmt, ap, NULL, NULL);
	va_end(ap);
}

void test_fail_cond(const char *file, int line, const char *what,
		    const char *fmt, ...)
{
	char where[WHERE_LEN];
	va_list ap;

	va_start(ap, fmt);
	report(failed_at(where, file, line), fmt, &ap, "%s", what);
	va_end(ap);
}

void test_fail_cmp(const char *file, int line, const char *a, const char *op,
		   const char *b, long long va, long long vb, const char *fmt,
		   ...)
{
	char where[WHERE_LEN];
	va_list ap;

	va_start(ap, fmt);
	report(failed_at(where, file, line), fmt, &ap, "%s %s %s: %lld (%#llx) vs %lld (%#llx)", a,
	       op, b, va, (unsigned long long)va, vb, (unsigned long long)vb);
	va_end(ap);
}

int test_order(long long a, bool a_signed, long long b, bool b_signed)
{
	unsigned long long ua = (unsigned long long)a;
	unsigned long long ub = (unsigned long long)b;

	if (a_signed && b_signed)
		return (a > b) - (a < b);
	/* A negative signed side is below every unsigned value. */
	if (a_signed && a < 0)
		return -1;
	if (b_signed && b < 0)
		return 1;
	return (ua > ub) - (ua < ub);
}

const char *test_errno_name(int err)
{
	static __thread char buf[24];
	const char *name;

	if (!err)
		return "0";
#ifdef CKREMM_TEST_NOFORK
	name = NULL;	/* glibc's strerrorname_np() only */
#else
	name = strerrorname_np(err < 0 ? -err : err);
#endif
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err < 0 ? -err : err);
	return buf;
}

void test_fail_errno(const char *file, int line, const char *expr, int got,
		     int want, const char *fmt, ...)
{
	char where[WHERE_LEN];
	va_list ap;

	va_start(ap, fmt);
	report(failed_at(where, file, line), fmt, &ap, "%s: got %s%s (%d), want %s%s", expr,
	       got < 0 ? "-" : "", test_errno_name(got), got,
	       want < 0 ? "-" : "", test_errno_name(want));
	va_end(ap);
}

/* Leave the case's body (or its setup or teardown) at once. */
static void __attribute__((noreturn)) end_case(void)
{
	flush_all();
	if (case_jump && on_case_thread())
		longjmp(*case_jump, 1);
	_exit(test_failed() ? 1 : 0);
}

void test_abort(void)
{
	case_ended = 1;
	end_case();
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result->skip_reason, sizeof(result->skip_reason), fmt, ap);
	va_end(ap);
	result->skipped = true;
	case_ended = 1;
	end_case();
}

/* Run one part of the case; false if it ended early (ASSERT, SKIP). */
static bool run_part(void (*part)(const struct test_def *, void *,
				  const void *),
		     void (*hook)(void *, const void *),
		     const struct test_def *def, void *self,
		     const void *variant)
{
	jmp_buf jump;

	if (setjmp(jump))
		goto ended;
	case_jump = &jump;
	if (part)
		part(def, self, variant);
	else
		hook(self, variant);
ended:
	case_jump = NULL;
	return !__atomic_exchange_n(&case_ended, 0, __ATOMIC_RELAXED);
}

/* Setup, body and teardown; false if one of them ended early. */
static bool run_case(const struct test_def *def, const char *name, void *self,
		     const void *variant)
{
	const struct test_fixture *fx = def->fixture;
	bool whole = true;

	current.name = name;
	current.flags = def->flags;
	if (fx && fx->setup)
		whole = run_part(NULL, fx->setup, def, self, variant);
	if (whole && !test_failed() && !result->skipped) {
		unsigned long before = case_checks;

		whole = run_part(def->run, NULL, def, self, variant);
		if (whole && case_checks == before && !result->skipped &&
		    !test_failed())
			test_fail_at(name, 0, "the case ran without checking anything");
	}
	if (fx && fx->teardown && !run_part(NULL, fx->teardown, def, self,
					    variant))
		whole = false;
	flush_all();
	return whole;
}

#ifndef CKREMM_TEST_NOFORK
static void __attribute__((noreturn))
run_child(const struct test_def *def, const char *name, void *self,
	  const void *variant, unsigned int timeout_s, int out_fd)
{
	bool whole;

	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	close(out_fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(timeout_s);
	case_thread = pthread_self();
	whole = run_case(def, name, self, variant);
	if (!whole || result->skipped)
		_exit(test_failed() ? 1 : 0);
	/* exit(), not _exit(): LeakSanitizer checks the case on the way out. */
	exit(test_failed() ? 1 : 0);
}
#endif

/* ---- the runner (parent process) -------------------------------------- */

struct test_case {
	const struct test_def *def;
	const struct test_variant *variant;
	char *name;
	unsigned int timeout_s;
	bool selected;
	/* while and after it runs */
	struct case_result *result;	/* and the fixture's data after it */
	size_t shared_size;
	FILE *out;
	pid_t pid;
	int status;
	bool done;
	struct timespec started;
	double seconds;
};

struct run {
	struct test_case *cases;
	size_t n;
	unsigned int jobs, timeout_s;
	unsigned long offset;
	bool plan, count_only, list, times;
	const char *suite;
};

/* A case's result and fixture data, seen by the runner and the case. */
static void *shared_alloc(size_t size)
{
#ifdef CKREMM_TEST_NOFORK
	return calloc(1, size);
#else
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
#endif
}

static void shared_free(void *p, size_t size)
{
#ifdef CKREMM_TEST_NOFORK
	(void)size;
	free(p);
#else
	munmap(p, size);
#endif
}

static size_t shared_size(const struct test_def *def)
{
	return (sizeof(struct case_result) + 15) / 16 * 16 +
	       (def->fixture ? def->fixture_size : 0);
}

static void *fixture_data(struct test_case *tc)
{
	return (char *)tc->result + (sizeof(struct case_result) + 15) / 16 * 16;
}

/* A case's result line; returns 0 passed, 1 failed, 2 skipped. */
static int print_result(const struct test_case *tc, unsigned long number,
			bool failed)
{
	int outcome = failed ? 1 : tc->result->skipped ? 2 : 0;

	if (outcome == 2)
		printf("ok %lu - %s # SKIP %s\n", number, tc->name,
		       tc->result->skip_reason);
	else
		printf("%s %lu - %s\n", outcome ? "not ok" : "ok", number,
		       tc->name);
	return outcome;
}

struct tally {
	unsigned int passed, failed, skipped;
};

/* Count an outcome of print_result(): skipped cases count as passed. */
static void tally_add(struct tally *t, int outcome)
{
	t->failed += outcome == 1;
	t->skipped += outcome == 2;
	t->passed += outcome != 1;
}

/* The last lines of a run; @how says how the cases ran. */
static int tally_end(const struct run *r, const struct tally *t,
		     const char *how)
{
	if (t->skipped)
		printf("# %u skipped\n", t->skipped);
	if (r->plan) {
		printf("# %s\n", how);
		printf("%s%s%u passed, %u failed\n", r->suite ? r->suite : "",
		       r->suite ? ": " : "", t->passed, t->failed);
	}
	return t->failed ? 1 : 0;
}

#ifdef CKREMM_TEST_NOFORK
/* ---- the runner, in the one process ----------------------------------- */

static int run_cases(struct run *r)
{
	struct tally t = { 0 };
	size_t c;

	for (c = 0; c < r->n; c++) {
		struct test_case *tc = &r->cases[c];
		const struct test_fixture *fx = tc->def->fixture;
		const void *variant = tc->variant ? tc->variant->data : NULL;

		if (!tc->selected)
			continue;
		tc->shared_size = shared_size(tc->def);
		tc->result = shared_alloc(tc->shared_size);
		if (!tc->result) {
			perror("test: case data");
			return 2;
		}
		result = tc->result;
		case_failures = 0;
		case_checks = 0;
		run_case(tc->def, tc->name, fixture_data(tc), variant);
		if (fx && fx->teardown_parent)
			fx->teardown_parent(fixture_data(tc), variant);
		tally_add(&t, print_result(tc, r->offset + t.passed +
					   t.failed + 1, test_failed()));
		shared_free(tc->result, tc->shared_size);
		fflush(stdout);
	}
	return tally_end(r, &t, "one at a time, in one process");
}
#else
static double elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

/*
 * An unlinked file for a case's output, in $TMPDIR if it is set (a guest
 * whose /tmp is read-only points it at a tmpfs), else where tmpfile()
 * makes one.
 */
static FILE *case_output(void)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	FILE *out;
	int fd;

	if (!dir || !*dir)
		return tmpfile();
	if (asprintf(&path, "%s/ckremm_test.XXXXXX", dir) < 0)
		return NULL;
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	free(path);
	if (fd < 0)
		return NULL;
	out = fdopen(fd, "w+");
	if (!out)
		close(fd);
	return out;
}

static bool start_case(struct test_case *tc)
{
	const void *variant = tc->variant ? tc->variant->data : NULL;

	tc->out = case_output();
	tc->shared_size = shared_size(tc->def);
	tc->result = shared_alloc(tc->shared_size);
	if (!tc->out || !tc->result) {
		perror("test: case output");
		return false;
	}
	flush_all();
	clock_gettime(CLOCK_MONOTONIC, &tc->started);
	tc->pid = fork();
	if (tc->pid < 0) {
		perror("test: fork");
		return false;
	}
	if (!tc->pid) {
		result = tc->result;
		run_child(tc->def, tc->name, fixture_data(tc), variant,
			  tc->timeout_s, fileno(tc->out));
	}
	return true;
}

static void print_output(FILE *out)
{
	char line[1024];
	unsigned int shown = 0, hidden = 0;
	bool at_line_start = true;

	rewind(out);
	while (fgets(line, sizeof(line), out)) {
		bool whole = strchr(line, '\n') != NULL;

		if (shown >= MAX_DIAG_LINES) {
			hidden += whole;
			continue;
		}
		/* Lines that are diagnostics already stay as they are. */
		if (at_line_start && strncmp(line, "# ", 2))
			fputs("# ", stdout);
		fputs(line, stdout);
		at_line_start = whole;
		shown += whole;
	}
	if (!at_line_start)
		putchar('\n');
	if (hidden)
		printf("# (%u more lines)\n", hidden);
}

/* Print one finished case; returns 0 passed, 1 failed, 2 skipped. */
static int report_case(struct test_case *tc, unsigned long number, bool times)
{
	int st = tc->status;
	bool exited_ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	int outcome = print_result(tc, number, !exited_ok);

	print_output(tc->out);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		printf("# timed out after %u s\n", tc->timeout_s);
	else if (WIFSIGNALED(st))
		printf("# killed by signal %d (%s)\n", WTERMSIG(st),
		       strsignal(WTERMSIG(st)));
	else if (!exited_ok && WEXITSTATUS(st) != 1)
		printf("# exit status %d (a sanitizer report?)\n",
		       WEXITSTATUS(st));
	if (times)
		printf("# %.2f s\n", tc->seconds);
	fclose(tc->out);
	shared_free(tc->result, tc->shared_size);
	fflush(stdout);
	return outcome;
}

static void case_over(struct test_case *tc, int status)
{
	const struct test_fixture *fx = tc->def->fixture;

	tc->status = status;
	tc->seconds = elapsed(&tc->started);
	tc->done = true;
	if (fx && fx->teardown_parent)
		fx->teardown_parent(fixture_data(tc),
				    tc->variant ? tc->variant->data : NULL);
}

static int run_cases(struct run *r)
{
	size_t next = 0, shown = 0, i;
	unsigned int running = 0;
	struct tally t = { 0 };
	struct timespec t0;
	char how[64];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (shown < r->n) {
		while (next < r->n && running < r->jobs) {
			if (r->cases[next].selected) {
				if (!start_case(&r->cases[next]))
					return 2;
				running++;
			} else {
				r->cases[next].done = true;
			}
			next++;
		}
		if (running) {
			int st;
			pid_t pid = waitpid(-1, &st, 0);

			if (pid < 0 && errno == EINTR)
				continue;
			if (pid < 0) {
				perror("test: waitpid");
				return 2;
			}
			for (i = 0; i < next; i++) {
				if (r->cases[i].pid == pid && !r->cases[i].done) {
					case_over(&r->cases[i], st);
					running--;
					break;
				}
			}
		}
		for (; shown < r->n && r->cases[shown].done; shown++) {
			if (!r->cases[shown].selected)
				continue;
			tally_add(&t, report_case(&r->cases[shown], r->offset +
						  t.passed + t.failed + 1,
						  r->times));
		}
	}
	snprintf(how, sizeof(how), "%u at a time, %.1f s", r->jobs,
		 elapsed(&t0));
	return tally_end(r, &t, how);
}
#endif

/* Every case: each definition once per variant of its fixture. */
static bool expand_cases(struct run *r, const struct test_config *config)
{
	const char *prefix = config->prefix ? config->prefix : "";
	size_t n = 0, d;

	for (d = 0; d < n_defs; d++) {
		const struct test_variant *v = defs[d]->fixture ?
					       defs[d]->fixture->variants : NULL;

		do {
			n++;
		} while (v && (v = v->next));
	}
	r->cases = calloc(n ? n : 1, sizeof(*r->cases));
	if (!r->cases)
		return false;
	for (d = 0; d < n_defs; d++) {
		const struct test_def *def = defs[d];
		const struct test_variant *v = def->fixture ?
					       def->fixture->variants : NULL;

		do {
			struct test_case *tc = &r->cases[r->n++];
			int len;

			tc->def = def;
			tc->variant = v;
			if (!def->fixture)
				len = asprintf(&tc->name, "%s%s", prefix,
					       def->name);
			else if (!v)
				len = asprintf(&tc->name, "%s%s.%s", prefix,
					       def->fixture->name, def->name);
			else
				len = asprintf(&tc->name, "%s%s.%s.%s", prefix,
					       def->fixture->name, v->name,
					       def->name);
			if (len < 0)
				return false;
		} while (v && (v = v->next));
	}
	return true;
}

static const char *fixture_name(const struct test_case *tc)
{
	return tc->def->fixture ? tc->def->fixture->name : "global";
}

enum filter { BY_SUBSTRING, BY_NAME, BY_FIXTURE };

static bool matches(const struct test_case *tc, enum filter kind,
		    const char *arg)
{
	switch (kind) {
	case BY_NAME:
		return !strcmp(tc->name, arg);
	case BY_FIXTURE:
		return !strcmp(fixture_name(tc), arg);
	default:
		return strstr(tc->name, arg) != NULL;
	}
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [-l|--list] [--count] [--offset=K] [--jobs=N]\n"
		"       [--timeout=SEC] [--times] [-t NAME]... [-f FIXTURE]... [NAME...]\n"
		"Runs the cases (those whose name contains a NAME, is a -t NAME, or\n"
		"whose fixture is a -f FIXTURE: \"global\" for plain TESTs) and prints TAP.\n",
		prog);
}

/* A value of "--opt=V" or "--opt V" / "-o V"; NULL if @argv[*i] is not @opt. */
static const char *option(int argc, char **argv, int *i, const char *opt)
{
	size_t len = strlen(opt);

	if (strncmp(argv[*i], opt, len))
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (!argv[*i][len] && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* Parse the command line into @r and select the cases; -1 to go on. */
static int parse(struct run *r, int argc, char **argv)
{
	enum filter *kinds = calloc((size_t)argc, sizeof(*kinds));
	const char **args = calloc((size_t)argc, sizeof(*args));
	int nargs = 0, i, a, status = -1;
	const char *v;
	size_t c;

	if (!kinds || !args)
		return 2;
	for (i = 1; i < argc && status < 0; i++) {
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--list")) {
			r->list = true;
		} else if (!strcmp(argv[i], "--count")) {
			r->count_only = true;
		} else if (!strcmp(argv[i], "--times")) {
			r->times = true;
		} else if ((v = option(argc, argv, &i, "--offset"))) {
			r->offset = strtoul(v, NULL, 10);
			r->plan = false;
		} else if ((v = option(argc, argv, &i, "--jobs"))) {
			r->jobs = (unsigned int)strtoul(v, NULL, 10);
		} else if ((v = option(argc, argv, &i, "--timeout"))) {
			r->timeout_s = (unsigned int)strtoul(v, NULL, 10);
		} else if ((v = option(argc, argv, &i, "-t"))) {
			kinds[nargs] = BY_NAME;
			args[nargs++] = v;
		} else if ((v = option(argc, argv, &i, "-f"))) {
			kinds[nargs] = BY_FIXTURE;
			args[nargs++] = v;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout, argv[0]);
			status = 0;
		} else if (argv[i][0] == '-') {
			usage(stderr, argv[0]);
			status = 2;
		} else {
			kinds[nargs] = BY_SUBSTRING;
			args[nargs++] = argv[i];
		}
	}
	for (c = 0; c < r->n; c++) {
		struct test_case *tc = &r->cases[c];

		tc->selected = !nargs;
		for (a = 0; a < nargs && !tc->selected; a++)
			tc->selected = matches(tc, kinds[a], args[a]);
	}
	/* A misspelt name must not pass as a run of nothing. */
	for (a = 0; a < nargs && status < 0; a++) {
		for (c = 0; c < r->n; c++)
			if (matches(&r->cases[c], kinds[a], args[a]))
				break;
		if (c == r->n) {
			fprintf(stderr, "%s: no case matches '%s'\n", argv[0],
				args[a]);
			status = 2;
		}
	}
	free(kinds);
	free(args);
	return status;
}

static void free_cases(struct run *r)
{
	size_t c;

	for (c = 0; c < r->n; c++)
		free(r->cases[c].name);
	free(r->cases);
}

static int run_program(struct run *r, int argc, char **argv,
		       const struct test_config *config);

/* Global, so that LeakSanitizer in a case's process sees it in use. */
static struct run the_run = { .plan = true };

int test_main(int argc, char **argv, const struct test_config *config)
{
	int status = run_program(&the_run, argc, argv, config);

	free_cases(&the_run);
	return status;
}

static int run_program(struct run *r, int argc, char **argv,
		       const struct test_config *config)
{
	const char *env_jobs = getenv("TEST_JOBS");
	const char *env_times = getenv("TEST_TIMES");
	unsigned int selected = 0;
	int status;
	size_t c;

	r->suite = config->suite;
	r->timeout_s = config->timeout_s ?: TEST_TIMEOUT_DEFAULT;
	r->jobs = config->jobs;
	r->times = env_times && *env_times == '1';
	if (env_jobs)
		r->jobs = (unsigned int)strtoul(env_jobs, NULL, 10);
#ifndef CKREMM_TEST_NOFORK
	if (!r->jobs)
		r->jobs = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
#endif
	if (!expand_cases(r, config)) {
		perror("test");
		return 2;
	}
	status = parse(r, argc, argv);
	if (status >= 0)
		return status;
	if (!r->jobs)
		r->jobs = 1;
	for (c = 0; c < r->n; c++) {
		r->cases[c].timeout_s = r->cases[c].def->timeout_s ?: r->timeout_s;
		selected += r->cases[c].selected;
		if (r->list && r->cases[c].selected)
			puts(r->cases[c].name);
	}
	if (r->list)
		return 0;
	if (r->count_only) {
		printf("%u\n", selected);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (r->plan)
		printf("TAP version 13\n1..%u\n", selected);
	if (config->started)
		config->started();
	return run_cases(r);
}
