// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsm-fuzz - a policy-aware fuzzer of the khsm module's control channel
 * and /dev/khsm, for the QEMU guest (make fuzz; a short pass in make
 * check). Run as root with the module loaded; it changes the module's
 * state freely (worlds come and go), so never on a host that matters.
 *
 *   khsm-fuzz [--seed N] [--nl N] [--ioctl N] [--threads N]
 *             [--max-seconds N] [--no-fork] [--no-chaos]
 *             [--save-seeds DIR] [--crash-dir DIR] [--policy] [-v]
 *             [--no-avoid] [--poweroff-on-hang] [--list-known]
 *
 * It learns the family from the kernel (CTRL_CMD_GETFAMILY and
 * CTRL_CMD_GETPOLICY), then N worker threads send netlink requests and
 * make ioctls until both counts are reached: stateful chains (a world, its
 * ACS cards, card sets, tokens, keys, loaded handles, operations, then
 * unload, clear, destroy, close) built from what the module handed back,
 * and mutated (fz_nl.c, fz_ioctl.c). Mixed in: shared fds closed and
 * duplicated under the other threads, private sockets and device fds
 * closed with cards and handles on them, forked children (some as an
 * unprivileged user, some in a user namespace) working on inherited fds,
 * and a thread rewriting a page that some ioctl arguments live in.
 *
 * Bugs it found that the module still has are steered around (fz_nl.c,
 * known_bugs); --list-known prints their reproducers, --no-avoid walks
 * into them.
 *
 * Seeded and bounded by count: one seed gives the same choices (thread
 * timing aside). Exit status 0 when both counts were reached, the kernel
 * did not get tainted (a WARN, BUG, oops, KASAN or KFENCE report taints
 * it) and the module still answers with its self-test passed; else 1 (and
 * the last messages of every thread go to --crash-dir); 2 if it could not
 * start.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fz.h"

struct fz_opts opt = {
	.seed = 1,
	.nl_target = 100000,
	.ioc_target = 100000,
	.threads = 2,
	.max_seconds = 0,
};

struct counters *cnt;
static uint64_t start_ms;
static volatile int flipper_stop;

static void usage(void)
{
	fprintf(stderr,
		"usage: khsm-fuzz [--seed N] [--nl N] [--ioctl N] [--threads N]\n"
		"                 [--max-seconds N] [--no-fork] [--no-chaos]\n"
		"                 [--save-seeds DIR] [--crash-dir DIR] [--policy] [-v]\n"
		"                 [--no-avoid] [--poweroff-on-hang] [--list-known]\n");
	exit(2);
}

static uint64_t num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (*end == 'k' || *end == 'K')
		v *= 1000, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1000000, end++;
	if (*end || !*s)
		usage();
	return v;
}

static bool done(void)
{
	if (__atomic_load_n(&cnt->stop, __ATOMIC_RELAXED))
		return true;
	if (opt.max_seconds && now_ms() - start_ms > opt.max_seconds * 1000ULL)
		return true;
	return __atomic_load_n(&cnt->nl_msgs, __ATOMIC_RELAXED) >= opt.nl_target &&
	       __atomic_load_n(&cnt->ioctls, __ATOMIC_RELAXED) >= opt.ioc_target;
}

/* Netlink or ioctl, in proportion to what each still has to do. */
static bool want_nl(struct worker *w)
{
	uint64_t nl = __atomic_load_n(&cnt->nl_msgs, __ATOMIC_RELAXED);
	uint64_t io = __atomic_load_n(&cnt->ioctls, __ATOMIC_RELAXED);
	uint64_t nl_left = nl < opt.nl_target ? opt.nl_target - nl : 0;
	uint64_t io_left = io < opt.ioc_target ? opt.ioc_target - io : 0;

	if (!nl_left && !io_left)
		return one_in(&w->r, 2);
	return rnd64(&w->r) % (nl_left + io_left) < nl_left;
}

static void check_taint(struct worker *w)
{
	if (!kernel_tainted())
		return;
	if (!__atomic_exchange_n(&cnt->stop, 1, __ATOMIC_RELAXED)) {
		char why[64];

		snprintf(why, sizeof(why), "kernel tainted (thread %d)", w->id);
		trail_dump(why);
	}
}

/*
 * As someone else: an operator (khsm group), an outsider, or root in a
 * new user namespace, who the module must refuse.
 */
static void become_someone(struct worker *w)
{
	gid_t g = opt.khsm_gid;

	switch (rnd(&w->r, 3)) {
	case 0:
		if (g && setgroups(1, &g))
			_exit(0);
		if (setgid(100) || setuid(65534))
			_exit(0);
		break;
	case 1:
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(0);
		break;
	default:
		if (unshare(CLONE_NEWUSER))
			_exit(0);
		w->userns = true;
		break;
	}
}

static void worker_actions(struct worker *w, uint64_t limit);

/* A child on the inherited fds (shared with the parent's threads). */
static void fork_child(struct worker *w)
{
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return;
	cnt_add(&cnt->forks, 1);
	if (pid == 0) {
		w->forked = true;
		rng_seed(&w->r, opt.seed, rnd64(&w->r));
		/* Its own private fds: the parent's are the parent's. */
		w->nl = -1;
		w->dev = -1;
		if (one_in(&w->r, 3))
			become_someone(w);
		worker_actions(w, 50 + rnd(&w->r, 300));
		if (kernel_tainted())
			trail_dump("kernel tainted (forked child)");
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static void worker_actions(struct worker *w, uint64_t limit)
{
	uint64_t i;

	for (i = 0; !limit || i < limit; i++) {
		if (!w->forked && done())
			break;
		if (!(i & 255))
			check_taint(w);
		if (!opt.no_chaos && one_in(&w->r, 300))
			fd_chaos(&w->r);
		if (!opt.no_fork && !w->forked && one_in(&w->r, 4000))
			fork_child(w);
		if (want_nl(w))
			nl_action(w);
		else
			ioc_action(w);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	cnt_add(&cnt->threads_started, 1);
	worker_actions(w, 0);
	return NULL;
}

/* Rewrites the shared page while ioctls read their arguments from it. */
static void *flipper_main(void *arg)
{
	struct rng r;
	unsigned int i = 0;

	(void)arg;
	rng_seed(&r, opt.seed, 0xf1f1);
	while (!flipper_stop) {
		shared_scratch[rnd(&r, SHARED_SCRATCH)] = (uint8_t)rnd64(&r);
		if (!(++i & 4095)) {
			struct timespec ts = { 0, 200000 };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static uint8_t *shared_map(void)
{
	uint8_t *p = mmap(NULL, SHARED_SCRATCH + 2 * 4096,
			  PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	mprotect(p, 4096, PROT_NONE);
	mprotect(p + 4096 + SHARED_SCRATCH, 4096, PROT_NONE);
	return p + 4096;
}

/*
 * A thread that oopses dies holding whatever lock it held, and the others
 * then wait on it for ever, too stuck to check the taint. So this thread
 * watches the counts: when they stop moving, the trail is written from
 * here. Stuck with a tainted kernel, or for two minutes (a deadlock is a
 * bug too), it gives up: exit, or with --poweroff-on-hang in the guest
 * power off at once rather than wait for the guest's timeout (exiting
 * would wait for the same lock when the fds close).
 */
static void watchdog(void)
{
	static uint64_t last_count, since;
	static bool dumped;
	uint64_t c = cnt->nl_msgs + cnt->ioctls, t = now_ms();
	bool tainted;

	if (c != last_count || !since) {
		last_count = c;
		since = t;
		return;
	}
	if (t - since < 20000)
		return;
	tainted = kernel_tainted();
	if (!dumped) {
		dumped = true;
		trail_dump(tainted ? "kernel tainted and the threads stuck" :
			   "no progress for 20 s");
	}
	if (!tainted && t - since < 120000)
		return;
	fz_log("FAIL: %s; %llu netlink messages, %llu ioctls so far",
	       tainted ? "the kernel got tainted and the threads are stuck" :
	       "no progress for 120 s: a thread is stuck in the kernel",
	       (unsigned long long)cnt->nl_msgs,
	       (unsigned long long)cnt->ioctls);
	fflush(NULL);
	sync();
	if (opt.poweroff && getenv("KHSM_GUEST"))
		reboot(RB_POWER_OFF);
	_exit(1);
}

static void progress(void)
{
	uint64_t ms = now_ms() - start_ms;

	fprintf(stderr, "khsm-fuzz: %llus: %llu netlink messages, %llu ioctls, %llu forks; pools: %u worlds %u cards %u blobs, %u handles\n",
		(unsigned long long)ms / 1000,
		(unsigned long long)cnt->nl_msgs,
		(unsigned long long)cnt->ioctls,
		(unsigned long long)cnt->forks, pools[P_WORLD].n,
		pools[P_CARD].n, pools[P_BLOB].n, ids.nhandles);
}

/* The top errnos of one row of the histogram. */
static void print_row(const char *name, const uint64_t *row, uint64_t us)
{
	uint64_t total = 0;
	int e;
	char line[512];
	size_t off;

	for (e = 0; e < FZ_ERRNO_MAX; e++)
		total += row[e];
	if (!total)
		return;
	off = (size_t)snprintf(line, sizeof(line), "  %-16s %8llu %7.1fs:",
			       name, (unsigned long long)total, us / 1e6);
	for (e = 0; e < FZ_ERRNO_MAX && off < sizeof(line) - 32; e++) {
		if (!row[e])
			continue;
		off += (size_t)snprintf(line + off, sizeof(line) - off, " %s %llu",
					e ? strerrorname_np(e) ?: "?" : "ok",
					(unsigned long long)row[e]);
	}
	fprintf(stderr, "%s\n", line);
}

static void report(void)
{
	static const char *const ioc_names[8] = {
		"IOC_INFO", "IOC_RANDOM", "IOC_LOAD", "IOC_DESTROY", "IOC_OP",
		"IOC_OP_BATCH", "IOC_PUBKEY", "IOC_other",
	};
	unsigned int c, p;

	fprintf(stderr, "khsm-fuzz: results by request: count, time in the kernel, errno count...\n");
	for (c = 0; c <= KHSM_CMD_MAX + 1; c++)
		print_row(cmd_name(c), cnt->nl_err[c], cnt->nl_us[c]);
	for (c = 0; c < 8; c++)
		print_row(ioc_names[c], cnt->ioc_err[c], cnt->ioc_us[c]);
	fprintf(stderr, "khsm-fuzz: harvested:");
	for (p = 0; p < P__COUNT; p++)
		fprintf(stderr, " %s %llu", pools[p].name,
			(unsigned long long)cnt->harvested[p]);
	fprintf(stderr, ", tokens %llu, handles %llu\n",
		(unsigned long long)cnt->tokens,
		(unsigned long long)cnt->handles);
	fprintf(stderr, "khsm-fuzz: chaos: %llu closes, %llu dups, %llu opens, %llu forks\n",
		(unsigned long long)cnt->closes, (unsigned long long)cnt->dups,
		(unsigned long long)cnt->opens, (unsigned long long)cnt->forks);
}

/* The module still works: GET_INFO answers, the self-test passed. */
static int health(void)
{
	struct khsm_ioc_info info = { .size = sizeof(info) };
	int fd, err;

	err = nl_health();
	if (err) {
		fz_log("GET_INFO after the run: %s", strerror(err > 0 ? err : -err));
		return -1;
	}
	fd = open("/dev/khsm", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, KHSM_IOC_INFO, &info)) {
		fz_log("KHSM_IOC_INFO after the run: %m");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (info.out_selftest_state != KHSM_SELFTEST_PASSED ||
	    info.out_world_state == KHSM_WORLD_ERROR) {
		fz_log("module state after the run: self-test %u, world %u",
		       info.out_selftest_state, info.out_world_state);
		return -1;
	}
	return 0;
}

/* The module's slots parameter (8 unless it was loaded with another). */
static unsigned int read_slots(void)
{
	FILE *f = fopen("/sys/module/khsm/parameters/slots", "re");
	unsigned int n = 8;

	if (f) {
		if (fscanf(f, "%u", &n) != 1 || !n || n > KHSM_MAX_CARDS)
			n = 8;
		fclose(f);
	}
	return n;
}

static void parse_args(int argc, char **argv, bool *policy_only)
{
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "nl", required_argument, NULL, 'n' },
		{ "ioctl", required_argument, NULL, 'i' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "no-fork", no_argument, NULL, 'F' },
		{ "no-chaos", no_argument, NULL, 'C' },
		{ "save-seeds", required_argument, NULL, 'S' },
		{ "crash-dir", required_argument, NULL, 'c' },
		{ "policy", no_argument, NULL, 'p' },
		{ "poweroff-on-hang", no_argument, NULL, 'P' },
		{ "no-avoid", no_argument, NULL, 'A' },
		{ "list-known", no_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 's': opt.seed = num(optarg); break;
		case 'n': opt.nl_target = num(optarg); break;
		case 'i': opt.ioc_target = num(optarg); break;
		case 't': opt.threads = (unsigned int)num(optarg); break;
		case 'm': opt.max_seconds = (unsigned int)num(optarg); break;
		case 'F': opt.no_fork = true; break;
		case 'C': opt.no_chaos = true; break;
		case 'S': opt.save_seeds = optarg; break;
		case 'c': opt.crash_dir = optarg; break;
		case 'p': *policy_only = true; break;
		case 'P': opt.poweroff = true; break;
		case 'A': opt.no_avoid = true; break;
		case 'L': nl_list_known(); exit(0);
		case 'v': opt.verbose++; break;
		default: usage();
		}
	}
	if (optind != argc || !opt.threads || opt.threads > 32)
		usage();
}

int main(int argc, char **argv)
{
	pthread_t th[32], flipper;
	struct worker *w;
	bool policy_only = false, ok;
	uint64_t last = 0;
	struct group *gr;
	unsigned int i;
	int err;

	parse_args(argc, argv, &policy_only);
	signal(SIGPIPE, SIG_IGN);
	cnt = mmap(NULL, sizeof(*cnt), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cnt == MAP_FAILED) {
		fz_log("mmap: %m");
		return 2;
	}
	gr = getgrnam("khsm");
	opt.khsm_gid = gr ? gr->gr_gid : 0;
	opt.slots = read_slots();
	pools_init();
	fds_init();
	err = fz_learn();
	if (err) {
		fz_log("cannot learn the \"%s\" family: %s (is the module loaded?)",
		       KHSM_GENL_NAME, strerror(-err));
		return 2;
	}
	fz_print_family();
	if (policy_only)
		return 0;
	if (opt.save_seeds && mkdir(opt.save_seeds, 0755) && errno != EEXIST) {
		fz_log("%s: %m", opt.save_seeds);
		return 2;
	}
	nl_setup();
	nl_print_known();
	taint_baseline();
	pthread_atfork(fz_atfork_prepare, fz_atfork_parent, fz_atfork_child);
	fz_log("seed %llu, %u threads, targets %llu netlink messages and %llu ioctls%s%s",
	       (unsigned long long)opt.seed, opt.threads,
	       (unsigned long long)opt.nl_target,
	       (unsigned long long)opt.ioc_target,
	       opt.no_fork ? ", no fork" : "", opt.no_chaos ? ", no chaos" : "");

	start_ms = now_ms();
	if (!opt.no_chaos) {
		shared_scratch = shared_map();
		if (shared_scratch &&
		    pthread_create(&flipper, NULL, flipper_main, NULL))
			shared_scratch = NULL;
	}
	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		return 2;
	for (i = 0; i < opt.threads; i++) {
		w[i].id = (int)i;
		w[i].nl = w[i].dev = -1;
		w[i].seq = (uint32_t)i << 24;
		w[i].msg_cap = 80 * 1024;
		w[i].msg = malloc(w[i].msg_cap);
		if (!w[i].msg)
			return 2;
		rng_seed(&w[i].r, opt.seed, i + 1);
		if (pthread_create(&th[i], NULL, worker_main, &w[i])) {
			fz_log("pthread_create: %m");
			return 2;
		}
	}
	while (!done()) {
		struct timespec ts = { 0, 200 * 1000000 };

		nanosleep(&ts, NULL);
		if (now_ms() - last >= 30000) {
			last = now_ms();
			progress();
		}
		watchdog();
	}
	for (i = 0; i < opt.threads; i++)
		pthread_join(th[i], NULL);
	if (shared_scratch) {
		flipper_stop = 1;
		pthread_join(flipper, NULL);
	}
	for (i = 0; i < opt.threads; i++) {
		if (w[i].nl >= 0)
			close(w[i].nl);
		if (w[i].dev >= 0)
			close(w[i].dev);
		free(w[i].msg);
	}
	free(w);
	fds_close_all();
	progress();
	report();

	ok = true;
	if (cnt->nl_msgs < opt.nl_target || cnt->ioctls < opt.ioc_target) {
		fz_log("FAIL: stopped before the targets (%s)",
		       cnt->stop ? "a thread saw a problem" : "time limit");
		ok = false;
	}
	if (kernel_tainted()) {
		fz_log("FAIL: the kernel got tainted");
		ok = false;
	}
	if (health()) {
		trail_dump("the module does not answer as it should");
		ok = false;
	}
	if (cnt->enoent_nl)
		fz_log("note: %llu requests answered ENOENT, which the ABI says the control channel never uses",
		       (unsigned long long)cnt->enoent_nl);
	fz_log("%s: %llu netlink messages (%llu datagrams), %llu ioctls in %.1f s",
	       ok ? "PASS" : "FAIL", (unsigned long long)cnt->nl_msgs,
	       (unsigned long long)cnt->nl_sends,
	       (unsigned long long)cnt->ioctls,
	       (double)(now_ms() - start_ms) / 1000.0);
	return ok ? 0 : 1;
}
