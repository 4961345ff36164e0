// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/ckremm when memory runs out: CREATE must answer ENOMEM, never wake
 * the OOM killer.
 *
 *	pressure_test [-u USERS] [-b MIB]
 *
 * Run as root inside a small guest with ckremm.ko loaded, /dev/ckremm made
 * mode 0666 and max_pools_per_user high enough that the quota never stops
 * anyone.  A bystander (a root process with nothing to do with ckremm)
 * fills MIB MiB of anonymous memory (default 48) with a pattern and waits.
 * Then USERS unprivileged users (default 4; uids 61001 and up, no
 * capability) each open the device and, all at once, create pools of both
 * kinds, alternating, of 64, 16, 4 and 1 MiB: a user goes down to the next
 * size when CREATE refuses one and stops when it refuses 1 MiB.  Checks:
 *
 *   - every refused CREATE answers ENOMEM (EDQUOT or E2BIG would mean the
 *     test is mis-sized, anything else is a bug), and at least one was
 *     refused, so the run cannot pass without memory running out
 *   - nothing was killed: the bystander is alive and its memory holds what
 *     it wrote while the pools are held, every user exits by itself, the
 *     kernel counted no OOM kill (/proc/vmstat oom_kill) and its log has no
 *     "Out of memory", "oom-kill" or "invoked oom-killer" line
 *   - once the users have closed their files, MemAvailable comes back to
 *     where it was before they started
 *
 * This process sets its own oom_score_adj to -1000 so that it lives to
 * report; its children set theirs back to 0 and are fair game.  Prints
 * TAP, plan first; exit status 0 only if every result passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "libckremm.h"

#define MIB		(1ULL << 20)
#define FIRST_UID	61001
#define MAX_USERS	16
#define MAX_POOLS	512	/* pools one user holds at most */
#define PARAM_DIR	"/sys/module/ckremm/parameters/"
/* How long a phase may take before the run is declared stuck. */
#define PHASE_TIMEOUT_S	180
/* How long MemAvailable may take to come back. */
#define SETTLE_S	10
/* Results besides one per user. */
#define PLAN_FIXED	8

/* Pool sizes, largest first; a refusal moves a user one step down. */
static const __u64 sizes[] = { 64 * MIB, 16 * MIB, 4 * MIB, 1 * MIB };
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NSIZES		ARRAY_SIZE(sizes)

static const char usage[] =
	"usage: pressure_test [-u USERS] [-b MIB]\n"
	"  -u USERS  unprivileged users creating pools, 1..16 (default 4)\n"
	"  -b MIB    MiB the bystander fills and keeps (default 48)\n";

/**
 * struct user_rec - what one user did, in memory shared across fork()
 * @uid: the user's uid
 * @setup_err: 0, or why it could not start: -EPERM if it kept a
 *	capability, else the errno of the switch or of open()
 * @pools: pools created (and held until told to let go)
 * @header: of them, header pools
 * @bytes: their arena bytes, as CREATE reported
 * @enomem: CREATEs refused with ENOMEM
 * @other: CREATEs refused with any other errno
 * @other_err: the first such errno (negative)
 * @other_size: the size that CREATE asked for
 */
struct user_rec {
	unsigned int uid;
	int setup_err;
	unsigned int pools;
	unsigned int header;
	unsigned long long bytes;
	unsigned int enomem;
	unsigned int other;
	int other_err;
	unsigned long long other_size;
};

static struct user_rec *recs;
static unsigned int users = 4;
static unsigned int bystander_mib = 48;

/*
 * The value of the line "@key <n>" of @path (/proc/meminfo, /proc/vmstat);
 * ~0 if there is none.  meminfo's kB stay kB.
 */
static unsigned long long proc_field(const char *path, const char *key)
{
	unsigned long long v = ~0ULL;
	size_t len = strlen(key);
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) &&
		    (line[len] == ' ' || line[len] == ':')) {
			v = strtoull(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static unsigned long long mem_available(void)
{
	return proc_field("/proc/meminfo", "MemAvailable") * 1024;
}

static unsigned long long oom_kills(void)
{
	return proc_field("/proc/vmstat", "oom_kill");
}

/*
 * Read one byte from @fd, waiting at most @seconds.  Returns 1 with the
 * byte in *@c, 0 at end of file (every writer gone), -ETIMEDOUT, or -errno.
 */
static int read_byte(int fd, char *c, int seconds)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int ret;

	do {
		ret = poll(&p, 1, seconds * 1000);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	n = read(fd, c, 1);
	return n < 0 ? -errno : (int)n;
}

/* Block until every holder of @fd's write end has closed it. */
static void wait_eof(int fd)
{
	ssize_t n;
	char c;

	do {
		n = read(fd, &c, 1);
	} while (n > 0 || (n < 0 && errno == EINTR));
}

/* ---- the bystander -------------------------------------------------- */

/* The byte the bystander writes at @i: varies within and across pages. */
static unsigned char fill_byte(size_t i)
{
	return (unsigned char)((i >> 12) * 31 + (i & 0xfff) * 7 + 1);
}

/*
 * Fill @bytes of anonymous memory, say 'r' on @out; on 'c' from @in, check
 * every byte and say 'y' or 'n'; exit when @in reaches end of file.
 */
static void bystander(size_t bytes, int in, int out)
{
	unsigned char *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char c;

	if (m == MAP_FAILED)
		_exit(3);
	for (size_t i = 0; i < bytes; i++)
		m[i] = fill_byte(i);
	if (write(out, "r", 1) != 1)
		_exit(4);
	while (read(in, &c, 1) == 1) {
		size_t i = 0;

		while (i < bytes && m[i] == fill_byte(i))
			i++;
		if (write(out, i == bytes ? "y" : "n", 1) != 1)
			_exit(4);
	}
	_exit(0);
}

/* ---- the users ------------------------------------------------------ */

/*
 * As @r->uid, with no capability: create pools until refused at the
 * smallest size.  Says 'd' on @done once finished, then holds the pools
 * until @release reaches end of file.
 */
static void user(struct user_rec *r, unsigned int index, int start,
		 int done, int release)
{
	static struct ckremm_pool pools[MAX_POOLS];
	__u32 kind = index & 1 ? CKREMM_KIND_TABLE : CKREMM_KIND_HEADER;
	unsigned int step = 0;
	int fd = -1, ret;

	if (setgroups(0, NULL) || setresgid(r->uid, r->uid, r->uid) ||
	    setresuid(r->uid, r->uid, r->uid) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		r->setup_err = -errno;
	else if (geteuid() != r->uid || cap_eff() != 0)
		r->setup_err = -EPERM;
	else
		fd = ckremm_dev_open(NULL);
	if (!r->setup_err && fd < 0)
		r->setup_err = fd;
	/* All users start together, to race each other for the memory. */
	wait_eof(start);
	while (!r->setup_err && r->pools < MAX_POOLS && step < NSIZES) {
		ret = ckremm_pool_create(fd, kind, sizes[step], NULL, 0,
					 &pools[r->pools]);
		if (!ret) {
			r->header += kind == CKREMM_KIND_HEADER;
			r->bytes += pools[r->pools].arena_size;
			r->pools++;
			kind = kind == CKREMM_KIND_HEADER ? CKREMM_KIND_TABLE :
							     CKREMM_KIND_HEADER;
		} else if (ret == -ENOMEM) {
			r->enomem++;
			step++;
		} else {
			/* Sizing gone wrong or a bug: either way, stop. */
			r->other++;
			r->other_err = ret;
			r->other_size = sizes[step];
			break;
		}
	}
	/* Closed, so that the parent sees end of file once all are done. */
	if (write(done, "d", 1) != 1 || close(done))
		_exit(4);
	wait_eof(release);
	if (fd >= 0 && ckremm_dev_close(fd))
		_exit(5);
	_exit(0);
}

/* ---- the kernel's log ---------------------------------------------- */

/*
 * How many lines of the kernel's log tell of the OOM killer, the first of
 * them into @first; -errno if the log cannot be read.
 */
static int oom_log_lines(char *first, size_t first_len)
{
	static const char *const marks[] = {
		"Out of memory", "oom-kill", "invoked oom-killer",
	};
	int len = klogctl(10, NULL, 0), n, found = 0;
	char *buf, *line, *save;

	if (len <= 0)
		return len < 0 ? -errno : 0;
	buf = malloc((size_t)len + 1);
	if (!buf)
		return -ENOMEM;
	n = klogctl(3, buf, len);
	if (n < 0) {
		free(buf);
		return -errno;
	}
	buf[n] = '\0';
	first[0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		for (size_t i = 0; i < ARRAY_SIZE(marks); i++)
			if (strstr(line, marks[i])) {
				if (!found++)
					snprintf(first, first_len, "%s", line);
				break;
			}
	free(buf);
	return found;
}

/* ---- the run -------------------------------------------------------- */

static bool parse_args(int argc, char **argv, int *status)
{
	unsigned long v;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "u:b:h")) != -1) {
		switch (opt) {
		case 'u':
		case 'b':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || !v ||
			    (opt == 'u' && v > MAX_USERS) ||
			    (opt == 'b' && v > 65536))
				goto bad;
			if (opt == 'u')
				users = (unsigned int)v;
			else
				bystander_mib = (unsigned int)v;
			break;
		case 'h':
			fputs(usage, stdout);
			*status = 0;
			return false;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return true;
bad:
	fputs(usage, stderr);
	*status = 2;
	return false;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void kill_all(pid_t *pids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
}

/* Describe how a child ended into @buf; true if it exited with 0. */
static bool ended_well(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status %#x", status);
	return WIFEXITED(status) && !WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	unsigned long long max_size = 0, max_pools = 0, kills0, kills1;
	unsigned long long avail0, avail1, avail_full, avail_back = 0, tol;
	unsigned int enomem = 0, other = 0, pools = 0, ready_users;
	int by_cmd[2], by_ans[2], start[2], done[2], release[2];
	unsigned long long pool_bytes = 0;
	int first_other = 0;
	pid_t pids[MAX_USERS], by_pid;
	char c = 0, how[64], line[256];
	int status, ret, plan, lines;
	struct stat st;
	bool intact = false, stuck, ok;
	double t0 = now();

	if (!parse_args(argc, argv, &status))
		return status;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A child that died leaves pipes with no reader: say so, not die. */
	signal(SIGPIPE, SIG_IGN);
	plan = PLAN_FIXED + (int)users;
	printf("TAP version 13\n1..%d\n", plan);
	diag("pressure_test: %u users, a bystander of %u MiB", users,
	     bystander_mib);
	recs = mmap(NULL, sizeof(*recs) * MAX_USERS, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (recs == MAP_FAILED || pipe(by_cmd) || pipe(by_ans))
		return 1;

	/* Sized so that memory, not a parameter, is what stops the users. */
	ok = !geteuid() && !stat(CKREMM_DEFAULT_DEV, &st) &&
	     (st.st_mode & 0777) == 0666 &&
	     read_ull(PARAM_DIR "max_pool_size", &max_size) &&
	     read_ull(PARAM_DIR "max_pools_per_user", &max_pools) &&
	     max_size >= sizes[0] && max_pools >= MAX_POOLS &&
	     !write_str("/proc/self/oom_score_adj", "-1000\n");
	tap(ok, "root, node mode 0666, max_pool_size %llu MiB >= %llu, max_pools_per_user %llu >= %u",
	    max_size / MIB, sizes[0] / MIB, max_pools, MAX_POOLS);
	if (!ok)
		goto out;
	kills0 = oom_kills();
	avail0 = mem_available();
	diag("MemTotal %llu MiB, MemAvailable %llu MiB, oom_kill %llu",
	     proc_field("/proc/meminfo", "MemTotal") / 1024, avail0 / MIB,
	     kills0);

	/* The bystander: root, and no business with ckremm. */
	fflush(stdout);
	by_pid = fork();
	if (!by_pid) {
		close(by_cmd[1]);
		close(by_ans[0]);
		write_str("/proc/self/oom_score_adj", "0\n");
		bystander((size_t)bystander_mib * MIB, by_cmd[0], by_ans[1]);
	}
	close(by_cmd[0]);
	close(by_ans[1]);
	ret = by_pid < 0 ? -errno : read_byte(by_ans[0], &c, PHASE_TIMEOUT_S);
	avail1 = mem_available();
	tap(ret == 1 && c == 'r',
	    "bystander (root) fills %u MiB and waits: MemAvailable %llu -> %llu MiB",
	    bystander_mib, avail0 / MIB, avail1 / MIB);
	if (ret != 1) {
		kill_all(&by_pid, 1);
		goto out;
	}

	/* The users, held at the start line until all are forked. */
	if (pipe(start) || pipe(done) || pipe(release)) {
		kill_all(&by_pid, 1);
		goto out;
	}
	for (unsigned int i = 0; i < users; i++) {
		recs[i].uid = FIRST_UID + i;
		fflush(stdout);
		pids[i] = fork();
		if (!pids[i]) {
			close(by_cmd[1]);
			close(by_ans[0]);
			close(start[1]);
			close(done[0]);
			close(release[1]);
			write_str("/proc/self/oom_score_adj", "0\n");
			user(&recs[i], i, start[0], done[1], release[0]);
		}
	}
	close(start[0]);
	close(done[1]);
	close(release[0]);
	close(start[1]);
	/* Each says 'd', or dies: end of file once all have done either. */
	for (ready_users = 0; ready_users < users; ready_users++) {
		ret = read_byte(done[0], &c, PHASE_TIMEOUT_S);
		if (ret != 1)
			break;
	}
	stuck = ret < 0;
	avail_full = mem_available();
	for (unsigned int i = 0; i < users; i++) {
		pools += recs[i].pools;
		pool_bytes += recs[i].bytes;
		enomem += recs[i].enomem;
		other += recs[i].other;
		if (!first_other)
			first_other = recs[i].other_err;
	}
	diag("%u of %u users done after %.1f s: %u pools, %llu MiB; MemAvailable %llu MiB",
	     ready_users, users, now() - t0, pools, pool_bytes / MIB,
	     avail_full / MIB);

	/* With the pools held, the bystander's memory must be as it was. */
	ret = write(by_cmd[1], "c", 1) == 1 ?
	      read_byte(by_ans[0], &c, PHASE_TIMEOUT_S) : 0;
	intact = ret == 1 && c == 'y';
	if (stuck) {
		diag("users stuck after %d s: killed", PHASE_TIMEOUT_S);
		kill_all(pids, users);
	}
	close(release[1]);
	for (unsigned int i = 0; i < users; i++) {
		struct user_rec *r = &recs[i];

		snprintf(how, sizeof(how), "not waited for");
		ok = waitpid(pids[i], &status, 0) == pids[i] &&
		     ended_well(status, how, sizeof(how));
		tap(ok && !r->setup_err,
		    "user %u (no capability, own file): %u pools (%u header, %u table, %llu MiB), %u ENOMEM, %u other; %s%s%s",
		    r->uid, r->pools, r->header, r->pools - r->header,
		    r->bytes / MIB, r->enomem, r->other, how,
		    r->setup_err ? ", could not start: " : "",
		    r->setup_err ? errno_name(r->setup_err) : "");
	}
	tap(!other, "every refused CREATE answered ENOMEM: %u ENOMEM, %u other%s%s",
	    enomem, other, other ? ", e.g. " : "",
	    other ? errno_name(first_other) : "");
	for (unsigned int i = 0; i < users; i++)
		if (recs[i].other)
			diag("user %u: CREATE of %llu MiB refused with %s",
			     recs[i].uid, recs[i].other_size / MIB,
			     errno_name(recs[i].other_err));
	tap(enomem > 0, "memory ran out: %u CREATEs refused for lack of it",
	    enomem);

	/* Files closed, pools gone: the memory comes back. */
	tol = avail1 / 32 > 4 * MIB ? avail1 / 32 : 4 * MIB;
	for (int i = 0; i < SETTLE_S * 10; i++) {
		avail_back = mem_available();
		if (avail_back + tol >= avail1)
			break;
		usleep(100000);
	}
	tap(avail_back + tol >= avail1,
	    "MemAvailable back after the users closed their files: %llu MiB with the pools, %llu MiB after, %llu MiB before (tolerance %llu MiB)",
	    avail_full / MIB, avail_back / MIB, avail1 / MIB, tol / MIB);

	close(by_cmd[1]);
	snprintf(how, sizeof(how), "not waited for");
	ok = waitpid(by_pid, &status, 0) == by_pid &&
	     ended_well(status, how, sizeof(how));
	tap(intact && ok,
	    "bystander alive with its %u MiB intact while the pools were held (%s), then %s",
	    bystander_mib, ret == 1 ? (intact ? "checked" : "changed") :
	    ret ? errno_name(ret) : "gone", how);

	kills1 = oom_kills();
	tap(kills1 == kills0, "/proc/vmstat oom_kill unchanged: %llu -> %llu",
	    kills0, kills1);
	lines = oom_log_lines(line, sizeof(line));
	tap(!lines, "kernel log: no OOM killer line (%d%s%s)", lines,
	    lines > 0 ? ", first: " : lines < 0 ? ", unreadable: " : "",
	    lines > 0 ? line : lines < 0 ? errno_name(lines) : "");
	diag("done in %.1f s", now() - t0);
out:
	return tap_status((unsigned int)plan);
}
