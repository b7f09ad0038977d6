// SPDX-License-Identifier: GPL-2.0
/*
 * khsm-bench: khsm's data path side by side with AF_ALG, SoftHSM2 and
 * OpenSSL. See Documentation/performance.md.
 *
 *   khsm-bench [--quick] [--reps N] [--time SEC] [--threads 1,2]
 *              [--workloads a,b] [--backends a,b] [--csv FILE]
 *              [--label TEXT] [--tcrypt FILE] [--no-targets]
 *   khsm-bench --targets-from CSV [--label TEXT] [--tcrypt FILE]
 *   khsm-bench --smoke
 *
 * Each cell (workload, back end, threads) runs --reps repetitions of
 * --time seconds each (9 of 0.2 s; --quick 5 of 0.05 s), the back ends of
 * a workload taking turns. The table shows the median, min and max of the
 * operations per second, the MB/s and microseconds per operation of the
 * median, and the median's ratio to khsm's single-op rate; then the
 * issue's targets, judged on best repetitions (--targets-from judges
 * them again from a CSV, e.g. after tcrypt ran once more). --smoke runs
 * a few operations of each and checks that the back ends agree (KTAP).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static const struct workload workloads[] = {
	{ "hmac-sha256/64", WL_HMAC, 64 },
	{ "hmac-sha256/4k", WL_HMAC, 4096 },
	{ "aes256-gcm/64", WL_GCM, 64 },
	{ "aes256-gcm/4k", WL_GCM, 4096 },
	{ "aes256-gcm/64k", WL_GCM, 65536 },
	{ "ecdsa-p256-sign", WL_SIGN, DIGEST_LEN },
	{ "ecdsa-p256-verify", WL_VERIFY, DIGEST_LEN },
	{ "ioctl-roundtrip", WL_NULL, 0 },
};
#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

static struct backend *const backends[] = {
	&be_khsm, &be_khsm_b8, &be_khsm_b64, &be_khsm_b256, &be_khsm_civ,
	&be_afalg, &be_softhsm, &be_openssl, &be_syscall,
};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))
#define NBACKENDS_MAX 16

static struct {
	int reps;
	double time;
	int threads[MAX_THREADS];
	int nthreads;
	const char *workloads;
	const char *backends;
	const char *csv;
	const char *label;
	const char *tcrypt;
	const char *targets_from;
	bool no_targets;
	bool quick;
	bool smoke;
} opt = { .reps = 9, .time = 0.2 };

struct result {
	const struct workload *w;
	const struct backend *b;
	int threads;
	double med, min, max;	/* operations per second */
	bool ok;
};

static struct result results[NWORKLOADS * NBACKENDS * MAX_THREADS];
static int nresults;
static bool backend_ok[NBACKENDS];

void bench_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("khsm-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *bench_alloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len ? len : 1)) {
		bench_warn("out of memory");
		exit(2);
	}
	memset(p, 0, len ? len : 1);
	return p;
}

/* Deterministic bytes: every back end sees the same inputs. */
void bench_fill(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Is @name in the comma-separated @list (NULL: everything is)? */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

/* --- timing --- */

struct worker {
	const struct backend *b;
	void *ctx;
	pthread_t tid;
	pthread_barrier_t *start;
	double rate;
	int err;
};

static void *work(void *arg)
{
	struct worker *wk = arg;
	unsigned int chunk = wk->b->batch;
	unsigned long ops = 0;
	double t0, t1, t;

	pthread_barrier_wait(wk->start);
	t0 = t = now();
	do {
		wk->err = wk->b->run(wk->ctx, chunk);
		if (wk->err)
			return NULL;
		ops += chunk;
		t1 = now();
		/* Grow chunks to about a millisecond: the clock stays cheap. */
		if (t1 - t < 1e-3 && chunk < (1U << 20))
			chunk *= 2;
		t = t1;
	} while (t - t0 < opt.time);
	wk->rate = ops / (t - t0);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * One cell: a back end on a workload with some threads. The cells of one
 * workload and thread count take their repetitions in turns (rep 1 of
 * every back end, then rep 2, ...), so that a burst of load from elsewhere
 * on a shared host lands on all of them alike and the ratios hold.
 */
struct cell {
	const struct backend *b;
	struct worker wk[MAX_THREADS];
	pthread_barrier_t start;
	double rates[64];
	int err;
};

static int cell_setup(struct cell *c, const struct workload *w, int threads)
{
	for (int i = 0; i < threads && !c->err; i++) {
		c->wk[i].b = c->b;
		c->wk[i].start = &c->start;
		c->err = c->b->ctx_new(w, &c->wk[i].ctx);
		/* Warm up: first-use costs stay out of the numbers. */
		if (!c->err)
			c->err = c->b->run(c->wk[i].ctx, c->b->batch);
	}
	return c->err;
}

static void cell_rep(struct cell *c, int threads, int rep)
{
	int i;

	if (c->err)
		return;
	pthread_barrier_init(&c->start, NULL, threads);
	for (i = 0; i < threads; i++)
		pthread_create(&c->wk[i].tid, NULL, work, &c->wk[i]);
	c->rates[rep] = 0;
	for (i = 0; i < threads; i++) {
		pthread_join(c->wk[i].tid, NULL);
		if (c->wk[i].err)
			c->err = c->wk[i].err;
		c->rates[rep] += c->wk[i].rate;
	}
	pthread_barrier_destroy(&c->start);
}

static int cell_finish(struct cell *c, const struct workload *w, int threads,
		       struct result *r)
{
	for (int i = 0; i < threads; i++)
		if (c->wk[i].ctx)
			c->b->ctx_free(c->wk[i].ctx);
	if (c->err) {
		bench_warn("%s %s x%d: %s", w->name, c->b->name, threads,
			   strerror(c->err < 0 ? -c->err : c->err));
		return c->err;
	}
	qsort(c->rates, opt.reps, sizeof(*c->rates), cmp_double);
	r->med = opt.reps % 2 ? c->rates[opt.reps / 2] :
		 (c->rates[opt.reps / 2 - 1] + c->rates[opt.reps / 2]) / 2;
	r->min = c->rates[0];
	r->max = c->rates[opt.reps - 1];
	r->ok = true;
	return 0;
}

/* Every back end that runs @w with @threads threads; 0 or 1 (a failure). */
static int measure_all(const struct workload *w, int threads)
{
	static struct cell cells[NBACKENDS_MAX];
	struct result *first = &results[nresults];
	int n = 0, ret = 0;

	for (size_t j = 0; j < NBACKENDS; j++) {
		if (!backend_ok[j] || !backends[j]->supports(w))
			continue;
		memset(&cells[n], 0, sizeof(cells[n]));
		cells[n].b = backends[j];
		cell_setup(&cells[n++], w, threads);
	}
	for (int rep = 0; rep < opt.reps; rep++)
		for (int i = 0; i < n; i++)
			cell_rep(&cells[i], threads, rep);
	for (int i = 0; i < n; i++) {
		struct result *r = &first[i];

		r->w = w;
		r->b = cells[i].b;
		r->threads = threads;
		if (cell_finish(&cells[i], w, threads, r))
			ret = 1;
	}
	nresults += n;
	return ret;
}

/* --- reporting --- */

static char cpu_model[128] = "unknown";
static char cpu_flags[64] = "";
static struct utsname uts;

static void probe_machine(void)
{
	char line[4096];
	FILE *f;

	uname(&uts);
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		v += 2;
		v[strcspn(v, "\n")] = 0;
		if (!strncmp(line, "model name", 10))
			snprintf(cpu_model, sizeof(cpu_model), "%s", v);
		if (!strncmp(line, "flags", 5)) {
			snprintf(cpu_flags, sizeof(cpu_flags), "%s%s%s%s",
				 strstr(v, " aes") ? "aes-ni " : "no-aes-ni ",
				 strstr(v, " sha_ni") ? "sha-ni " : "",
				 strstr(v, " avx2") ? "avx2 " : "",
				 strstr(v, " pclmulqdq") ? "pclmul" : "");
			break;
		}
	}
	fclose(f);
}

static const struct result *find(const struct workload *w, const char *b,
				 int threads)
{
	for (int i = 0; i < nresults; i++)
		if (results[i].w == w && !strcmp(results[i].b->name, b) &&
		    results[i].threads == threads && results[i].ok)
			return &results[i];
	return NULL;
}

static const struct workload *wl(const char *name)
{
	for (size_t i = 0; i < NWORKLOADS; i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	return NULL;
}

static void print_header(FILE *f)
{
	fprintf(f, "khsm-bench: %s\n", opt.label ? opt.label : "");
	fprintf(f, "guest: Linux %s %s; cpu \"%s\" (%s); %ld cpus\n",
		uts.release, uts.machine, cpu_model, cpu_flags,
		sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f, "each cell: median of %d runs of %.2f s (min..max); "
		"ratio = back end / khsm single-op, same workload and threads\n",
		opt.reps, opt.time);
}

static void print_table(void)
{
	const struct workload *last = NULL;

	printf("\n%-18s %3s %-10s %11s %11s %11s %9s %9s %8s\n", "workload",
	       "thr", "backend", "ops/s", "min", "max", "MB/s", "us/op",
	       "vs khsm");
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i], *k;

		if (!r->ok)
			continue;
		if (last && last != r->w)
			putchar('\n');
		last = r->w;
		k = find(r->w, "khsm", r->threads);
		printf("%-18s %3d %-10s %11.0f %11.0f %11.0f %9.2f %9.2f",
		       r->w->name, r->threads, r->b->name, r->med, r->min,
		       r->max, r->med * r->w->len / 1e6, 1e6 / r->med);
		if (k)
			printf(" %7.2fx", r->med / k->med);
		putchar('\n');
	}
}

static void write_csv(void)
{
	char label[256];
	bool fresh;
	FILE *f;

	f = fopen(opt.csv, "a");
	if (!f) {
		bench_warn("%s: %s", opt.csv, strerror(errno));
		return;
	}
	fresh = ftell(f) == 0;
	snprintf(label, sizeof(label), "%s", opt.label ? opt.label : "");
	if (fresh)
		fprintf(f, "label,kernel,cpu,workload,bytes,threads,backend,batch,"
			"reps,ops_median,ops_min,ops_max,mb_s,us_per_op,ratio_to_khsm\n");
	/* Fields stay free of commas: plain awk -F, reads the file. */
	for (char *p = label; *p; p++)
		if (*p == ',')
			*p = ';';
	for (char *p = cpu_model; *p; p++)
		if (*p == ',')
			*p = ';';
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i], *k;

		if (!r->ok)
			continue;
		k = find(r->w, "khsm", r->threads);
		fprintf(f, "%s,%s,%s,%s,%zu,%d,%s,%u,%d,%.1f,%.1f,%.1f,"
			"%.3f,%.3f,", label, uts.release,
			cpu_model, r->w->name, r->w->len, r->threads, r->b->name,
			r->b->batch, opt.reps, r->med, r->min, r->max,
			r->med * r->w->len / 1e6, 1e6 / r->med);
		if (k)
			fprintf(f, "%.4f", r->med / k->med);
		fputc('\n', f);
	}
	fclose(f);
}

/* "NAME US" lines: the kernel's own time per operation (tcrypt). */
static double tcrypt_us(const char *name)
{
	char line[256], n[128];
	double us, found = 0;
	FILE *f;

	if (!opt.tcrypt)
		return 0;
	f = fopen(opt.tcrypt, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lf", n, &us) == 2 && !strcmp(n, name) &&
		    (!found || us < found))
			found = us;	/* several runs: the fastest */
	fclose(f);
	return found;
}

static void verdict(const char *what, bool known, bool met, const char *fmt,
		    ...)
{
	va_list ap;

	printf("  %-7s %s: ", !known ? "n/a" : met ? "MET" : "MISSED", what);
	if (!known && strstr(fmt, " us - tcrypt "))
		printf("(tcrypt's sample was disturbed) ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/*
 * The targets, from the single-thread cells of this run, each on
 * the best repetition of its cells: on a host shared with other guests,
 * load only ever slows a repetition down, and the repetitions of the back
 * ends alternate, so the best ones are the least disturbed comparison.
 */
static void print_targets(void)
{
	const struct workload *h64 = wl("hmac-sha256/64"), *g64 = wl("aes256-gcm/64"),
			      *g64k = wl("aes256-gcm/64k"), *sign = wl("ecdsa-p256-sign"),
			      *io = wl("ioctl-roundtrip");
	const struct result *kh = find(h64, "khsm", 1), *af = find(h64, "af_alg", 1),
			    *sh = find(h64, "softhsm2", 1), *os = find(h64, "openssl", 1),
			    *b64 = find(h64, "khsm-b64", 1), *info = find(io, "khsm", 1),
			    *sys = find(io, "getppid", 1);
	const struct result *kg = find(g64k, "khsm", 1), *ag = find(g64k, "af_alg", 1);
	const struct result *ks = find(sign, "khsm", 1), *ss = find(sign, "softhsm2", 1),
			    *ossl_s = find(sign, "openssl", 1);
	double t_h = tcrypt_us("hmac-sha256/64"), t_g = tcrypt_us("aes256-gcm/64");

	printf("\ntargets (1 thread, ratios within this run, best of %d repetitions):\n",
	       opt.reps);
	verdict("khsm HMAC-SHA-256/64 >= 1.3x AF_ALG", kh && af,
		kh && af && kh->max >= 1.3 * af->max, "%.2fx",
		kh && af ? kh->max / af->max : 0);
	verdict("khsm HMAC-SHA-256/64 >= SoftHSM2", kh && sh,
		kh && sh && kh->max >= sh->max, "%.2fx",
		kh && sh ? kh->max / sh->max : 0);
	/*
	 * Overheads compare single numbers taken at different moments (tcrypt
	 * runs before and after the bench): the best repetition of each, as
	 * other load on the host only ever makes a run slower.
	 */
	if (kh && info && t_h <= 0)
		verdict("khsm per-op overhead over tcrypt <= 2x ioctl round trip",
			false, false, "no tcrypt times (full mode runs tcrypt): "
			"khsm %.2f us, KHSM_IOC_INFO %.2f us", 1e6 / kh->max,
			1e6 / info->max);
	else if (kh && info) {
		double over = 1e6 / kh->max - t_h, rt = 1e6 / info->max;

		/* A tcrypt sample slower than khsm's whole operation was disturbed. */
		verdict("khsm per-op overhead over tcrypt <= 2x ioctl round trip (HMAC-SHA-256/64, best runs)",
			over >= 0, over >= 0 && over <= 2 * rt,
			"khsm %.2f us - tcrypt %.2f us = %.2f us = %.2fx KHSM_IOC_INFO "
			"(%.2f us; getppid %.2f us)", 1e6 / kh->max, t_h, over,
			over / rt, rt, sys ? 1e6 / sys->max : 0);
		if (b64)
			printf("          in OP_BATCH(64): %.2f us - %.2f us = %.2f us per operation\n",
			       1e6 / b64->max, t_h, 1e6 / b64->max - t_h);
	}
	if (info && t_g > 0) {
		const struct result *kg64 = find(g64, "khsm", 1),
				    *kc = find(g64, "khsm-civ", 1);
		double rt = 1e6 / info->max;

		if (kg64)
			verdict("same, AES-256-GCM/64 with the module's IV",
				1e6 / kg64->max >= t_g,
				1e6 / kg64->max - t_g <= 2 * rt,
				"khsm %.2f us - tcrypt %.2f us = %.2f us = %.2fx",
				1e6 / kg64->max, t_g, 1e6 / kg64->max - t_g,
				(1e6 / kg64->max - t_g) / rt);
		if (kc)
			verdict("same, AES-256-GCM/64 with the caller's IV",
				1e6 / kc->max >= t_g,
				1e6 / kc->max - t_g <= 2 * rt,
				"khsm-civ %.2f us - tcrypt %.2f us = %.2f us = %.2fx",
				1e6 / kc->max, t_g, 1e6 / kc->max - t_g,
				(1e6 / kc->max - t_g) / rt);
	}
	verdict("khsm OP_BATCH(64) HMAC-SHA-256/64 >= 90% of OpenSSL", b64 && os,
		b64 && os && b64->max >= 0.9 * os->max, "%.0f%%",
		b64 && os ? 100 * b64->max / os->max : 0);
	verdict("khsm AES-256-GCM/64k >= 95% of AF_ALG", kg && ag,
		kg && ag && kg->max >= 0.95 * ag->max, "%.0f%%",
		kg && ag ? 100 * kg->max / ag->max : 0);
	if (ks)
		printf("  %-7s ECDSA P-256 sign: khsm %.0f/s, SoftHSM2 %.0f/s "
		       "(%.2fx khsm), OpenSSL %.0f/s (%.2fx khsm)\n", "report",
		       ks->max, ss ? ss->max : 0, ss ? ss->max / ks->max : 0,
		       ossl_s ? ossl_s->max : 0,
		       ossl_s ? ossl_s->max / ks->max : 0);
}

/*
 * The rows of an earlier run (this --label's, or every row without one)
 * back into results[], so the targets can be judged after the fact: once
 * tcrypt has been run again, or on the host from a CSV.
 */
static int load_csv(const char *path)
{
	char line[1024], label[256];
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		bench_warn("%s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(label, sizeof(label), "%s", opt.label ? opt.label : "");
	for (char *p = label; *p; p++)
		if (*p == ',')
			*p = ';';
	while (fgets(line, sizeof(line), f) &&
	       nresults < (int)(sizeof(results) / sizeof(*results))) {
		char *field[16], *save = NULL, *p;
		struct result *r = &results[nresults];
		int n = 0;

		/* Empty fields (the ratio of a workload without khsm) end it. */
		for (p = strtok_r(line, ",\n", &save); p && n < 16;
		     p = strtok_r(NULL, ",\n", &save))
			field[n++] = p;
		if (n < 14 || !strcmp(field[0], "label"))
			continue;
		if (opt.label && strcmp(field[0], label))
			continue;
		r->w = wl(field[3]);
		r->b = NULL;
		for (size_t j = 0; j < NBACKENDS; j++)
			if (!strcmp(backends[j]->name, field[6]))
				r->b = backends[j];
		if (!r->w || !r->b)
			continue;
		r->threads = atoi(field[5]);
		opt.reps = atoi(field[8]);
		r->med = atof(field[9]);
		r->min = atof(field[10]);
		r->max = atof(field[11]);
		r->ok = r->med > 0;
		nresults++;
	}
	fclose(f);
	return nresults ? 0 : -ENOENT;
}

/* --- smoke mode (KTAP) --- */

static int ktap_n, ktap_fail;

static void ktap(bool ok, const char *fmt, ...)
{
	va_list ap;

	ktap_n++;
	if (!ok)
		ktap_fail++;
	printf("%sok %d ", ok ? "" : "not ", ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void ktap_skip(const char *fmt, ...)
{
	va_list ap;

	ktap_n++;
	printf("ok %d # SKIP ", ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* OpenSSL's answers are the reference; the others must agree with them. */
static void smoke_one(const struct workload *w, const struct backend *b,
		      void *ref, void *ctx)
{
	uint8_t in[4096], iv[GCM_IV_LEN], want[4096 + GCM_TAG_LEN],
		got[4096 + GCM_TAG_LEN], sig[SIG_DER_MAX], rsig[SIG_DER_MAX];
	size_t len = w->len, sl, rsl = 0;
	void *sctx = NULL;
	int err;

	bench_fill(in, len, 7);
	bench_fill(iv, sizeof(iv), 8);
	switch (w->kind) {
	case WL_HMAC:
		err = be_openssl.mac(ref, in, len, want) ?: b->mac(ctx, in, len, got);
		ktap(!err && !memcmp(want, got, MAC_LEN), "%s %s: same MAC as OpenSSL",
		     w->name, b->name);
		break;
	case WL_GCM:
		err = be_openssl.encrypt(ref, iv, NULL, in, len, want) ?:
		      b->encrypt(ctx, iv, NULL, in, len, got);
		ktap(!err && !memcmp(want, got, len + GCM_TAG_LEN),
		     "%s %s: same ciphertext and tag as OpenSSL (caller IV)",
		     w->name, b->name);
		if (strcmp(b->name, "khsm"))
			break;
		err = b->encrypt(ctx, NULL, iv, in, len, got) ?:
		      ossl_gcm_decrypt(iv, got, len, want);
		ktap(!err && !memcmp(want, in, len),
		     "%s %s: module-IV ciphertext decrypts with OpenSSL", w->name,
		     b->name);
		break;
	case WL_SIGN:
		err = b->sign(ctx, in, sig, &sl);
		ktap(!err && !ossl_verify_der(in, sig, sl),
		     "%s %s: signature verifies with OpenSSL", w->name, b->name);
		break;
	case WL_VERIFY:
		/* @ref verifies: sign with a context of the sign workload. */
		err = be_openssl.ctx_new(wl("ecdsa-p256-sign"), &sctx) ?:
		      be_openssl.sign(sctx, in, rsig, &rsl);
		if (sctx)
			be_openssl.ctx_free(sctx);
		ktap(!err && b->verify(ctx, in, rsig, rsl) == 0,
		     "%s %s: accepts OpenSSL's signature", w->name, b->name);
		if (rsl)
			rsig[rsl - 1] ^= 1;
		ktap(!err && b->verify(ctx, in, rsig, rsl) == 1,
		     "%s %s: refuses a damaged signature", w->name, b->name);
		break;
	default:
		break;
	}
}

/* Each output of a batch (khsm) checked on its own. */
static void smoke_outputs(const struct workload *w, const struct backend *b,
			  void *ref, void *ctx)
{
	uint8_t in[4096], want[4096 + GCM_TAG_LEN];
	const uint8_t *out, *iv;
	unsigned int i, bad = 0;
	size_t len;

	bench_fill(in, w->len, 1);	/* what ctx_new() gave the context */
	if (w->kind == WL_HMAC && be_openssl.mac(ref, in, w->len, want))
		bad++;
	for (i = 0; !bad && (out = b->output(ctx, i, &len, &iv)); i++) {
		switch (w->kind) {
		case WL_HMAC:
			bad += len != MAC_LEN || memcmp(out, want, MAC_LEN);
			break;
		case WL_GCM:
			bad += len != w->len + GCM_TAG_LEN ||
			       ossl_gcm_decrypt(iv, out, w->len, want) ||
			       memcmp(want, in, w->len);
			break;
		case WL_SIGN:
			bad += ossl_verify_der(in, out, len) != 0;
			break;
		default:
			break;
		}
	}
	ktap(!bad && i == b->batch, "%s %s: all %u outputs of a run are right",
	     w->name, b->name, b->batch);
}

static int smoke(void)
{
	static const char *const names[] = {
		"hmac-sha256/64", "hmac-sha256/4k", "aes256-gcm/64",
		"aes256-gcm/4k", "ecdsa-p256-sign", "ecdsa-p256-verify",
	};

	printf("TAP version 13\n");
	for (size_t n = 0; n < sizeof(names) / sizeof(*names); n++) {
		const struct workload *w = wl(names[n]);
		void *ref;

		if (be_openssl.ctx_new(w, &ref)) {
			ktap(false, "%s openssl: context", w->name);
			continue;
		}
		for (size_t j = 0; j < NBACKENDS; j++) {
			const struct backend *b = backends[j];
			void *ctx;
			int err;

			if (b == &be_syscall || !b->supports(w))
				continue;
			/* Only SoftHSM2 may be missing (a package not installed). */
			if (!backend_ok[j] && b != &be_softhsm) {
				ktap(false, "%s %s: %s", w->name, b->name,
				     b->why ? b->why : "not available");
				continue;
			}
			if (!backend_ok[j]) {
				ktap_skip("%s %s: %s", w->name, b->name,
					  b->why ? b->why : "not available");
				continue;
			}
			err = b->ctx_new(w, &ctx);
			if (err) {
				ktap(false, "%s %s: context: %s", w->name,
				     b->name, strerror(-err));
				continue;
			}
			err = b->run(ctx, b->batch);
			ktap(!err, "%s %s: %u operations run", w->name, b->name,
			     b->batch);
			if (!err && b->output && w->kind != WL_VERIFY)
				smoke_outputs(w, b, ref, ctx);
			if (b->batch == 1 && b != &be_khsm_civ)
				smoke_one(w, b, ref, ctx);
			b->ctx_free(ctx);
		}
		be_openssl.ctx_free(ref);
	}
	printf("1..%d\n", ktap_n);
	printf("# %d passed, %d failed\n", ktap_n - ktap_fail, ktap_fail);
	return ktap_fail ? 1 : 0;
}

/* --- main --- */

static void usage(void)
{
	fprintf(stderr,
		"usage: khsm-bench [--quick] [--reps N] [--time SEC] [--threads 1,2]\n"
		"                  [--workloads LIST] [--backends LIST] [--csv FILE]\n"
		"                  [--label TEXT] [--tcrypt FILE] [--no-targets]\n"
		"       khsm-bench --targets-from CSV [--label TEXT] [--tcrypt FILE]\n"
		"       khsm-bench --smoke\n");
	exit(2);
}

static void parse_threads(const char *s)
{
	char *end;

	opt.nthreads = 0;
	while (*s && opt.nthreads < MAX_THREADS) {
		long t = strtol(s, &end, 10);

		if (end == s || t < 1 || t > MAX_THREADS)
			usage();
		opt.threads[opt.nthreads++] = t;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			usage();
	}
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "smoke", no_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'T' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "backends", required_argument, NULL, 'b' },
		{ "csv", required_argument, NULL, 'c' },
		{ "label", required_argument, NULL, 'l' },
		{ "tcrypt", required_argument, NULL, 'k' },
		{ "no-targets", no_argument, NULL, 'N' },
		{ "targets-from", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool time_set = false, reps_set = false;
	int c;

	opt.threads[0] = 1;
	opt.threads[1] = 2;
	opt.nthreads = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'q': opt.quick = true; break;
		case 's': opt.smoke = true; break;
		case 'r': opt.reps = atoi(optarg); reps_set = true; break;
		case 't': opt.time = atof(optarg); time_set = true; break;
		case 'T': parse_threads(optarg); break;
		case 'w': opt.workloads = optarg; break;
		case 'b': opt.backends = optarg; break;
		case 'c': opt.csv = optarg; break;
		case 'l': opt.label = optarg; break;
		case 'k': opt.tcrypt = optarg; break;
		case 'N': opt.no_targets = true; break;
		case 'F': opt.targets_from = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || opt.reps < 1 || opt.reps > 64 || opt.time <= 0)
		usage();
	if (opt.quick && !time_set)
		opt.time = 0.05;
	if (opt.quick && !reps_set)
		opt.reps = 5;
}

int main(int argc, char **argv)
{
	struct bench_keys keys;
	int ret = 0;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	probe_machine();
	if (opt.targets_from) {
		if (load_csv(opt.targets_from))
			return 1;
		print_targets();
		return 0;
	}
	if (bench_keys_make(&keys)) {
		bench_warn("cannot make keys (libcrypto)");
		return 2;
	}
	for (size_t j = 0; j < NBACKENDS; j++) {
		struct backend *b = backends[j];

		if (!opt.smoke && !listed(opt.backends, b->name))
			continue;
		backend_ok[j] = !b->init || !b->init(&keys);
		if (!backend_ok[j])
			bench_warn("%s: not run: %s", b->name,
				   b->why ? b->why : "init failed");
	}
	if (!backend_ok[NBACKENDS - 2] && opt.smoke) {
		bench_warn("openssl back end failed: nothing to compare with");
		return 1;
	}
	if (opt.smoke) {
		ret = smoke();
		goto out;
	}
	print_header(stdout);
	for (size_t i = 0; i < NWORKLOADS; i++) {
		const struct workload *w = &workloads[i];

		if (!listed(opt.workloads, w->name))
			continue;
		for (int t = 0; t < opt.nthreads; t++)
			if (measure_all(w, opt.threads[t]))
				ret = 1;
	}
	print_table();
	if (!opt.no_targets)
		print_targets();
	if (opt.csv)
		write_csv();
out:
	for (size_t j = 0; j < NBACKENDS; j++)
		if (backend_ok[j] && backends[j]->fini)
			backends[j]->fini();
	return ret;
}
