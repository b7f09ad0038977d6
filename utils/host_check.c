// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl host-check: the running host against the hardening guide, one
 * line per check (pass, warn, fail or skip, and why). It only reads: it
 * changes nothing on the host, and a check that needs the module or a
 * world it cannot see says "skip" rather than guess. The checks live in
 * hostcheck_kernel.c and hostcheck_khsm.c; khsmctl(8) and the admin guide
 * ("Checking the host") say what each wants.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostcheck.h"
#include "json.h"

#define HC_MAX_CHECKS	32
#define HC_WHY_MAX	512

struct hc_result {
	const char *id;
	enum hc_status status;
	char why[HC_WHY_MAX];
};

const char *hc_status_name(enum hc_status s)
{
	static const char *const names[] = { "pass", "warn", "fail", "skip" };

	return (unsigned int)s < ARRAY_SIZE(names) ? names[s] : "?";
}

enum hc_status hc_say(enum hc_status st, char *why, size_t size,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return st;
}

int hc_read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		ret = ferror(f) ? -EIO : -ENODATA;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s host-check [--json] [--kmdata DIR] [--world FILE]\n"
		"\n"
		"Check the running host against the hardening guide: kernel lockdown\n"
		"and module signatures, SELinux/AppArmor, plain-text remote shells,\n"
		"sshd, the khsm group, kmdata and world file modes, /dev/khsm, the\n"
		"passphrase policy, the audit follower, the world's binding key,\n"
		"core dumps and swap. One line per check: pass, warn, fail or skip.\n"
		"Exits %d if any check failed (warnings do not count).\n"
		"\n"
		"  --json          print a JSON array of {id, status, reason}\n"
		"  --kmdata DIR    the key management data directory to check\n"
		"  --world FILE    the world file to check (default: DIR/world)\n",
		PROG_NAME, KHSMCTL_EXIT_CHECK_FAILED);
}

enum { OPT_HC_JSON = 256, OPT_HC_KMDATA, OPT_HC_WORLD };

static const struct option hc_options[] = {
	{ "json", no_argument, NULL, OPT_HC_JSON },
	{ "kmdata", required_argument, NULL, OPT_HC_KMDATA },
	{ "world", required_argument, NULL, OPT_HC_WORLD },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* -1: run; else the exit status. */
static int parse_args(int argc, char *argv[], struct hc_ctx *c, bool *json)
{
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", hc_options, NULL)) != -1) {
		switch (opt) {
		case OPT_HC_JSON:
			*json = true;
			break;
		case OPT_HC_KMDATA:
			c->kmdata = optarg;
			break;
		case OPT_HC_WORLD:
			c->world = optarg;
			break;
		case 'h':
			usage(stdout);
			return KHSMCTL_EXIT_OK;
		default:
			fail("host-check", "unrecognised option or missing value: %s",
			     argv[optind - 1]);
			usage(stderr);
			return KHSMCTL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fail("host-check", "unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	return -1;
}

/*
 * The module is asked once. Failing to reach it is not an error of the
 * command: the checks that need it say why they were skipped.
 */
static void open_module(struct hc_ctx *c)
{
	c->open_err = khsm_open(&c->h, KHSM_OPEN_CONTROL);
	if (c->open_err) {
		khsm_close(c->h);
		c->h = NULL;
		return;
	}
	/* Opening needs no privilege; the first query does. */
	c->open_err = khsm_world_info(c->h, &c->wi);
	if (c->open_err) {
		khsm_close(c->h);
		c->h = NULL;
		return;
	}
	c->have_world = c->wi.state == KHSM_WORLD_OPERATIONAL;
}

/*
 * Test-only: KHSM_HOST_CHECK_SYSFS stands in for /sys in the lockdown,
 * module signature and MAC checks, whose real settings cannot be undone
 * (lockdown) or changed at all (the LSMs) on a running kernel. Ignored in
 * secure-execution mode.
 */
static void init_ctx(struct hc_ctx *c, char *world_buf, size_t size)
{
	const char *sysfs = secure_getenv("KHSM_HOST_CHECK_SYSFS");

	c->sysfs = sysfs && *sysfs ? sysfs : "/sys";
	if (!c->world) {
		snprintf(world_buf, size, "%s/%s", c->kmdata, KHSM_WORLD_FILE);
		c->world = world_buf;
	}
	c->group_known = !khsm_kmdata_gid(&c->khsm_gid);
	open_module(c);
}

static size_t run_table(struct hc_ctx *c, const struct hc_check *t, size_t n,
			struct hc_result *res, size_t at)
{
	size_t i;

	for (i = 0; i < n && at < HC_MAX_CHECKS; i++, at++) {
		res[at].id = t[i].id;
		res[at].why[0] = '\0';
		res[at].status = t[i].fn(c, res[at].why, sizeof(res[at].why));
	}
	return at;
}

static void print_text(const struct hc_result *res, size_t n)
{
	unsigned int count[4] = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		printf("%-5s %-20s %s\n", hc_status_name(res[i].status),
		       res[i].id, res[i].why);
		count[res[i].status]++;
	}
	printf("%u pass, %u warn, %u fail, %u skip\n", count[HC_PASS],
	       count[HC_WARN], count[HC_FAIL], count[HC_SKIP]);
}

static void print_json(const struct hc_result *res, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		bool first = true;

		fputs(i ? ",\n {" : "{", stdout);
		json_key(stdout, &first, "id");
		json_string(stdout, res[i].id);
		json_key(stdout, &first, "status");
		json_string(stdout, hc_status_name(res[i].status));
		json_key(stdout, &first, "reason");
		json_string(stdout, res[i].why);
		putchar('}');
	}
	fputs("]\n", stdout);
}

int host_check_main(int argc, char *argv[])
{
	struct hc_ctx c = { .kmdata = kmdata_dir };
	static struct hc_result res[HC_MAX_CHECKS];
	char world[4096];
	bool json = false;
	size_t n, i;
	int ret;

	ret = parse_args(argc, argv, &c, &json);
	if (ret >= 0)
		return ret;
	init_ctx(&c, world, sizeof(world));
	n = run_table(&c, hc_kernel_checks, hc_kernel_nchecks, res, 0);
	n = run_table(&c, hc_khsm_checks, hc_khsm_nchecks, res, n);
	khsm_close(c.h);
	if (json)
		print_json(res, n);
	else
		print_text(res, n);
	for (i = 0; i < n; i++)
		if (res[i].status == HC_FAIL)
			return KHSMCTL_EXIT_CHECK_FAILED;
	return KHSMCTL_EXIT_OK;
}
