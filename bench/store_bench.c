/*
 * store_bench.c - the program behind bench/store: what the state store's
 * writer thread sustains, and whether it disturbs the event loop's timers.
 *
 *   1. Throughput.  About 100 VRRP instances registered (STORE_VRRP_INSTANCE),
 *      then STORE_VRRP_STATE records put as fast as the writer takes them
 *      for a few seconds (the queue kept below a bound, so that the figure
 *      is what the writer sustains, not how fast malloc fills memory), then
 *      a flush.  Records/s and transactions/s over the whole window, flush
 *      included, from store_writer_stats().
 *
 *   2. Timer lateness.  A periodic timer in this process's event loop (the
 *      VRRP advert timer's stand-in: 10 ms, on a fixed grid of deadlines),
 *      lateness = the CLOCK_MONOTONIC time at which its callback starts
 *      minus its deadline, in three runs: no writer; a writer that is idle;
 *      a writer committing what the timer callback itself puts (N records
 *      per tick, as the engine would queue them).
 *
 * A benchmark: it prints figures and asserts nothing.  Exit status 0 when it
 * ran, 1 when it could not (a store that cannot be prepared, no memory).
 * Run it through bench/store, which builds it and makes the directories.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "store/store.h"
#include "store/store_writer.h"

struct opts {
	double tp_seconds;       /* throughput window */
	double timer_seconds;    /* each timer run, after the warm-up */
	double warmup_seconds;   /* timer ticks not counted */
	uint64_t period_ns;
	unsigned per_tick;       /* records put per tick in the storm run */
	unsigned instances;
	unsigned backlog;        /* throughput run: most records queued at once */
	bool throughput, timer;
};

struct where {
	const char *label;       /* "tmpfs", "disk", ... */
	const char *dir;
};

static const char *const reasons[] = {
	"higher priority advert", "master down timer", "priority 0 advert", "preempt",
};

static char (*inst_names)[16];

static void die(const char *what)
{
	fprintf(stderr, "store_bench: %s\n", what);
	exit(1);
}

static double ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* ---- records ------------------------------------------------------------ */

static void put_instance(struct store_writer *w, unsigned k)
{
	struct store_rec *r = store_rec_new(STORE_VRRP_INSTANCE);

	if (!r)
		die("out of memory");
	store_rec_str(r, 0, inst_names[k]);
	store_rec_str(r, 1, "inet");
	store_rec_str(r, 2, k % 2 ? "eth1" : "eth0");
	r->i[0] = 1 + k % 255;
	r->i[1] = 3;
	r->i[2] = 100;
	store_writer_put(w, r);
}

/* The n-th state transition: instances in turn, BACKUP -> MASTER and back. */
static struct store_rec *state_rec(uint64_t n, unsigned instances)
{
	struct store_rec *r = store_rec_new(STORE_VRRP_STATE);
	unsigned k = (unsigned)(n % instances);
	bool up = (n / instances) % 2 == 0;
	char master[32];

	if (!r)
		die("out of memory");
	snprintf(master, sizeof(master), "192.0.2.%u", 1 + k % 250);
	store_rec_str(r, 0, inst_names[k]);
	store_rec_str(r, 1, up ? "BACKUP" : "MASTER");
	store_rec_str(r, 2, up ? "MASTER" : "BACKUP");
	store_rec_str(r, 3, reasons[n % (sizeof(reasons) / sizeof(reasons[0]))]);
	store_rec_str(r, 4, master);
	r->i[0] = up ? 150 : 100;
	return r;
}

/* A fresh store in dir/name, the instances registered and committed. */
static struct store_writer *open_writer(const char *dir, const char *name, unsigned instances,
					struct ev_loop *loop)
{
	struct store_retention keep = {
		.max_age_ms = (int64_t)STORE_KEEP_DAYS_DEFAULT * 24 * 3600 * 1000,
		.max_rows = STORE_KEEP_ROWS_DEFAULT,
	};
	char path[512], moved[512], err[STORE_ERRLEN];
	struct store_writer *w;

	snprintf(path, sizeof(path), "%s/%s/vigil.db", dir, name);
	if (store_prepare(path, moved, sizeof(moved), err, sizeof(err)) < 0) {
		fprintf(stderr, "store_bench: %s: %s\n", path, err);
		exit(1);
	}
	w = store_writer_new(path, loop, &keep, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "store_bench: %s: %s\n", path, err);
		exit(1);
	}
	store_writer_hold(w);
	store_writer_put(w, store_rec_new(STORE_VRRP_ABSENT));
	for (unsigned k = 0; k < instances; k++)
		put_instance(w, k);
	store_writer_release(w);
	if (store_writer_flush(w) < 0)
		die("registering the instances failed");
	return w;
}

/* ---- CPU time of the writer thread ---------------------------------------- */

/* The writer is the only thread of this process besides the main one
 * (SQLite starts none): its tid, or 0. */
static pid_t writer_tid(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	pid_t self = getpid(), tid = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		long t = strtol(e->d_name, NULL, 10);

		if (t > 0 && t != self)
			tid = (pid_t)t;
	}
	closedir(d);
	return tid;
}

/* Nanoseconds the thread ran on a CPU (schedstat), 0 when unknown. */
static uint64_t thread_cpu_ns(pid_t tid)
{
	char path[64];
	unsigned long long run = 0;
	FILE *f;

	if (!tid)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &run) != 1)
		run = 0;
	fclose(f);
	return run;
}

static uint64_t self_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * EV_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static const char *fs_name(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return "?";
	switch ((unsigned long)sf.f_type) {
	case 0x01021994UL: return "tmpfs";
	case 0xEF53UL: return "ext4";
	case 0x58465342UL: return "xfs";
	case 0x9123683EUL: return "btrfs";
	case 0x794c7630UL: return "overlay";
	case 0x2fc12fc1UL: return "zfs";
	case 0x6969UL: return "nfs";
	default: return "other";
	}
}

/* ---- 1. throughput -------------------------------------------------------- */

static void throughput(const struct opts *o, const struct where *wh)
{
	struct store_writer_stats s0, s1, s;
	struct store_writer *w;
	uint64_t t0, t_stop, t_end, put = 0, peak = 0, done0, cpu0, cpu1, main0, main1;
	pid_t tid;

	w = open_writer(wh->dir, "throughput", o->instances, NULL);
	tid = writer_tid();
	store_writer_stats(w, &s0);
	done0 = s0.records + s0.failed;
	cpu0 = thread_cpu_ns(tid);
	main0 = self_cpu_ns();
	t0 = ev_monotonic_ns();
	t_stop = t0 + (uint64_t)(o->tp_seconds * 1e9);
	while (ev_monotonic_ns() < t_stop) {
		uint64_t queued;

		for (int k = 0; k < 100; k++)
			store_writer_put(w, state_rec(put++, o->instances));
		store_writer_stats(w, &s);
		queued = put - (s.records + s.failed - done0);
		if (queued > peak)
			peak = queued;
		while (queued >= o->backlog && ev_monotonic_ns() < t_stop) {
			struct timespec nap = { 0, 200 * 1000 };

			nanosleep(&nap, NULL);
			store_writer_stats(w, &s);
			queued = put - (s.records + s.failed - done0);
		}
	}
	t_stop = ev_monotonic_ns();
	store_writer_flush(w);
	t_end = ev_monotonic_ns();
	cpu1 = thread_cpu_ns(tid);
	main1 = self_cpu_ns();
	store_writer_stats(w, &s1);
	store_writer_free(w);

	double secs = ns_to_s(t_end - t0);
	uint64_t recs = s1.records - s0.records, txns = s1.transactions - s0.transactions;

	printf("%-6s %-6s %9" PRIu64 " %7.2f %11.0f %9.0f %9.1f %7.1f %7.0f %7.0f %7" PRIu64 " %6" PRIu64 "\n",
	       wh->label, fs_name(wh->dir), recs, secs, (double)recs / secs, (double)txns / secs,
	       txns ? (double)recs / (double)txns : 0.0, ns_to_s(t_end - t_stop) * 1e3,
	       tid ? 100.0 * (double)(cpu1 - cpu0) / (double)(t_end - t0) : -1.0,
	       100.0 * (double)(main1 - main0) / (double)(t_end - t0), peak,
	       s1.failed - s0.failed);
	fflush(stdout);
}

/* ---- 2. timer lateness ---------------------------------------------------- */

enum mode { NO_WRITER, IDLE_WRITER, STORM };

struct trun {
	const struct opts *o;
	enum mode mode;
	struct ev_loop *loop;
	struct ev_timer t;
	struct store_writer *w;
	uint64_t deadline;
	uint64_t ticks, warmup, total;   /* ticks so far, not counted, in all */
	uint64_t missed;                 /* deadlines skipped: a tick over a period late */
	int64_t *late;                   /* ns, one per counted tick */
	size_t n_late;
	uint64_t *feed;                  /* ns: create + put of a tick's records (even ticks) */
	size_t n_feed;
	uint64_t put_max;                /* ns: the longest single store_writer_put (odd ticks) */
	uint64_t put;                    /* records put */
};

static void on_tick(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct trun *r = arg;
	uint64_t now = ev_monotonic_ns();
	bool counted = r->ticks >= r->warmup;

	if (counted)
		r->late[r->n_late++] = (int64_t)(now - r->deadline);
	if (r->mode == STORM) {
		/* Even ticks: the cost of feeding the store, as the engine
		 * would.  Odd ticks: each put timed alone (a lock wait). */
		if (r->ticks % 2 == 0) {
			uint64_t a = ev_monotonic_ns();

			for (unsigned k = 0; k < r->o->per_tick; k++)
				store_writer_put(r->w, state_rec(r->put++, r->o->instances));
			if (counted)
				r->feed[r->n_feed++] = ev_monotonic_ns() - a;
		} else {
			for (unsigned k = 0; k < r->o->per_tick; k++) {
				struct store_rec *rec = state_rec(r->put++, r->o->instances);
				uint64_t a = ev_monotonic_ns(), d;

				store_writer_put(r->w, rec);
				d = ev_monotonic_ns() - a;
				if (counted && d > r->put_max)
					r->put_max = d;
			}
		}
	}
	if (++r->ticks >= r->total) {
		ev_break(loop);
		return;
	}
	r->deadline += r->o->period_ns;
	now = ev_monotonic_ns();
	while (r->deadline + r->o->period_ns <= now) {
		r->deadline += r->o->period_ns;
		r->missed++;
	}
	ev_timer_start_at(loop, t, r->deadline);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p of them at or below. */
static size_t rank(size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999);

	return k ? k - 1 : 0;
}

static double us(int64_t ns)
{
	return (double)ns / 1e3;
}

static void timer_run(const struct opts *o, enum mode mode, const struct where *wh)
{
	static const char *const names[] = { "a: no writer", "b: writer idle", "c: storm" };
	struct trun r = { .o = o, .mode = mode };
	struct store_writer_stats s0 = { 0 }, s1 = { 0 };
	uint64_t t0, t1, flush_ns = 0, cpu0 = 0, cpu1 = 0, backlog = 0;
	pid_t tid = 0;
	char label[48];

	r.loop = ev_loop_new();
	if (!r.loop)
		die("cannot make an event loop");
	r.warmup = (uint64_t)(o->warmup_seconds * 1e9) / o->period_ns;
	r.total = r.warmup + (uint64_t)(o->timer_seconds * 1e9) / o->period_ns;
	r.late = calloc(r.total, sizeof(*r.late));
	r.feed = calloc(r.total, sizeof(*r.feed));
	if (!r.late || !r.feed)
		die("out of memory");
	if (mode != NO_WRITER) {
		r.w = open_writer(wh->dir, mode == STORM ? "storm" : "idle", o->instances, r.loop);
		tid = writer_tid();
		store_writer_stats(r.w, &s0);
		cpu0 = thread_cpu_ns(tid);
	}
	ev_timer_init(&r.t, on_tick, &r);
	t0 = ev_monotonic_ns();
	r.deadline = t0 + o->period_ns;
	ev_timer_start_at(r.loop, &r.t, r.deadline);
	if (ev_run(r.loop) < 0)
		die("the event loop failed");
	t1 = ev_monotonic_ns();
	if (r.w) {
		store_writer_stats(r.w, &s1);
		cpu1 = thread_cpu_ns(tid);
		backlog = r.put - (s1.records + s1.failed - s0.records - s0.failed);
		store_writer_flush(r.w);
		flush_ns = ev_monotonic_ns() - t1;
		store_writer_stats(r.w, &s1);
		store_writer_free(r.w);
	}

	qsort(r.late, r.n_late, sizeof(*r.late), cmp_i64);
	qsort(r.feed, r.n_feed, sizeof(*r.feed), cmp_u64);
	snprintf(label, sizeof(label), "%s%s%s", names[mode], mode == STORM ? " " : "",
		 mode == STORM ? wh->label : "");
	printf("%-15s %6zu %7.1f %7.1f %7.1f %7.1f %8.1f %5" PRIu64,
	       label, r.n_late, us(r.late[0]), us(r.late[rank(r.n_late, 0.50)]),
	       us(r.late[rank(r.n_late, 0.99)]), us(r.late[rank(r.n_late, 0.999)]),
	       us(r.late[r.n_late - 1]), r.missed);
	if (mode == STORM && r.n_feed) {
		printf(" %7.0f %7.0f %7.1f %8" PRIu64 " %6.1f %8" PRIu64 " %7.0f",
		       us((int64_t)r.feed[rank(r.n_feed, 0.50)]), us((int64_t)r.feed[r.n_feed - 1]),
		       us((int64_t)r.put_max), (s1.records - s0.records),
		       (double)(s1.records - s0.records) / (double)(s1.transactions - s0.transactions ? s1.transactions - s0.transactions : 1),
		       backlog, ns_to_s(flush_ns) * 1e3);
		printf(" %5.1f", tid ? 100.0 * (double)(cpu1 - cpu0) / (double)(t1 - t0) : -1.0);
	} else if (mode == IDLE_WRITER) {
		printf("%*s %5.1f", 7 + 1 + 7 + 1 + 7 + 1 + 8 + 1 + 6 + 1 + 8 + 1 + 7, "",
		       tid ? 100.0 * (double)(cpu1 - cpu0) / (double)(t1 - t0) : -1.0);
	}
	printf("\n");
	fflush(stdout);
	free(r.late);
	free(r.feed);
	ev_loop_free(r.loop);
}

/* ---- main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: store_bench [OPTION]... LABEL=DIR...\n"
		"The state store's writer: records/s it sustains, and the lateness of a\n"
		"periodic timer in the same event loop with no writer, an idle one, and one\n"
		"committing what the timer puts.  One fresh database per run under each DIR\n"
		"(LABEL names it in the tables: tmpfs, disk).\n\n"
		"  --seconds S        throughput window (default 5)\n"
		"  --timer-seconds S  each timer run, after a 0.5 s warm-up (default 20)\n"
		"  --period-ms MS     the timer's period (default 10)\n"
		"  --per-tick N       records the timer puts per tick in the storm run (default 1000)\n"
		"  --instances N      VRRP instances registered (default 100)\n"
		"  --backlog N        throughput run: most records queued at once (default 50000)\n"
		"  --only WHAT        throughput or timer\n");
}

static double num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "store_bench: %s: '%s' is not a number in [%g, %g]\n", opt, s, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "timer-seconds", required_argument, NULL, 't' },
		{ "period-ms", required_argument, NULL, 'p' },
		{ "per-tick", required_argument, NULL, 'n' },
		{ "instances", required_argument, NULL, 'i' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.tp_seconds = 5, .timer_seconds = 20, .warmup_seconds = 0.5,
		.period_ns = 10 * EV_NSEC_PER_MSEC, .per_tick = 1000, .instances = 100,
		.backlog = 50000, .throughput = true, .timer = true,
	};
	struct where *wh;
	size_t n_wh = 0;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.tp_seconds = num("--seconds", optarg, 0.1, 3600); break;
		case 't': o.timer_seconds = num("--timer-seconds", optarg, 0.1, 3600); break;
		case 'p': o.period_ns = (uint64_t)(num("--period-ms", optarg, 0.1, 10000) * 1e6); break;
		case 'n': o.per_tick = (unsigned)num("--per-tick", optarg, 1, 1e6); break;
		case 'i': o.instances = (unsigned)num("--instances", optarg, 1, 1e5); break;
		case 'b': o.backlog = (unsigned)num("--backlog", optarg, 100, 1e8); break;
		case 'o':
			o.throughput = strcmp(optarg, "throughput") == 0;
			o.timer = strcmp(optarg, "timer") == 0;
			if (!o.throughput && !o.timer) {
				fprintf(stderr, "store_bench: --only: throughput or timer, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	wh = calloc((size_t)(argc - optind), sizeof(*wh));
	inst_names = calloc(o.instances, sizeof(*inst_names));
	if (!wh || !inst_names)
		die("out of memory");
	for (int k = optind; k < argc; k++) {
		char *eq = strchr(argv[k], '=');
		struct stat sb;

		if (!eq || eq == argv[k] || !eq[1]) {
			fprintf(stderr, "store_bench: '%s': LABEL=DIR expected\n", argv[k]);
			return 2;
		}
		*eq = '\0';
		wh[n_wh].label = argv[k];
		wh[n_wh].dir = eq + 1;
		if (stat(wh[n_wh].dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "store_bench: %s: not a directory\n", wh[n_wh].dir);
			return 1;
		}
		n_wh++;
	}
	for (unsigned k = 0; k < o.instances; k++)
		snprintf(inst_names[k], sizeof(inst_names[k]), "VI_%u", k + 1);

	log_init("store_bench", LOG_F_CONSOLE, LOG_DAEMON);
	/* As the vrrp process does (vrrp_main.c): timers fire as close to
	 * their deadline as the kernel can, not up to 50 us after it.  Set
	 * before the writer starts, which inherits it. */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) < 0)
		fprintf(stderr, "store_bench: cannot lower the timer slack: %s\n", strerror(errno));

	printf("sqlite %s; timer slack %d ns; %u VRRP instances registered\n",
	       sqlite3_libversion(), prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), o.instances);
	for (size_t k = 0; k < n_wh; k++)
		printf("database %-6s %s (%s)\n", wh[k].label, wh[k].dir, fs_name(wh[k].dir));

	if (o.throughput) {
		printf("\n1. throughput: STORE_VRRP_STATE records put from the main thread as fast as\n"
		       "   the writer takes them for %.1f s (at most %u queued), then a flush;\n"
		       "   per second of the whole window, flush included\n\n",
		       o.tp_seconds, o.backlog);
		printf("%-6s %-6s %9s %7s %11s %9s %9s %7s %7s %7s %7s %6s\n",
		       "where", "fs", "records", "s", "records/s", "txn/s", "rec/txn",
		       "flushms", "wcpu%", "pcpu%", "maxq", "failed");
		for (size_t k = 0; k < n_wh; k++)
			throughput(&o, &wh[k]);
		printf("\n(wcpu%%: the writer thread's CPU time, %% of one core; pcpu%%: the\n"
		       " producing thread's; maxq: most records queued at once; flushms: the\n"
		       " flush at the end, ms)\n");
	}
	if (o.timer) {
		printf("\n2. timer lateness: one timer every %.1f ms on a fixed grid of deadlines,\n"
		       "   %.0f s (%" PRIu64 " ticks) per run after a %.1f s warm-up;\n"
		       "   lateness = CLOCK_MONOTONIC at the callback's start - deadline, us;\n"
		       "   storm: the callback puts %u STORE_VRRP_STATE records per tick (%.0f/s)\n\n",
		       (double)o.period_ns / 1e6, o.timer_seconds,
		       (uint64_t)(o.timer_seconds * 1e9) / o.period_ns, o.warmup_seconds,
		       o.per_tick, (double)o.per_tick * 1e9 / (double)o.period_ns);
		printf("%-15s %6s %7s %7s %7s %7s %8s %5s %7s %7s %7s %8s %6s %8s %7s %5s\n",
		       "run", "ticks", "min", "p50", "p99", "p99.9", "max", "miss",
		       "feed50", "feedmx", "putmx", "commit", "r/txn", "backlog", "flushms", "wcpu%");
		timer_run(&o, NO_WRITER, NULL);
		timer_run(&o, IDLE_WRITER, &wh[0]);
		for (size_t k = 0; k < n_wh; k++)
			timer_run(&o, STORM, &wh[k]);
		printf("\n(min..max: lateness, us; miss: deadlines skipped, a tick over one period\n"
		       " late; storm only: feed50/feedmx: us the callback spent making and putting\n"
		       " its records, p50 and max (even ticks); putmx: the longest single\n"
		       " store_writer_put, us (odd ticks, each put timed alone); commit: records\n"
		       " committed during the run; r/txn: records per transaction; backlog: still\n"
		       " queued at the end; flushms: committing that backlog; wcpu%%: the writer\n"
		       " thread's CPU time, %% of one core)\n");
	}
	free(wh);
	free(inst_names);
	return 0;
}
