// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host-check's parsers (utils/hostcheck_parse.c): sshd's configuration read
 * as sshd reads it (first value wins, Include in place and in lexical
 * order, Match blocks not global), and lines of /proc/net/tcp and tcp6.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostcheck.h"
#include "unit.h"

static char dir[] = "/tmp/khsm-unit-sshd.XXXXXX";

static const char *path_of(const char *name)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "w");

	if (!f) {
		unit_fail(__FILE__, __LINE__, "cannot write %s", name);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static bool setup(void)
{
	static bool made;

	if (!made && mkdtemp(dir)) {
		made = true;
		atexit(cleanup);
		mkdir(path_of("d"), 0700);
	}
	if (!made)
		unit_fail(__FILE__, __LINE__, "mkdtemp");
	return made;
}

enum { ROOT, PASSWORD, EMPTY, NOPT };

static void opts_init(struct sshd_opt *o)
{
	memset(o, 0, sizeof(*o) * NOPT);
	o[ROOT].key = "PermitRootLogin";
	o[PASSWORD].key = "PasswordAuthentication";
	o[EMPTY].key = "PermitEmptyPasswords";
}

static int read_cfg(const char *name, struct sshd_opt *o)
{
	opts_init(o);
	return sshd_config_read(path_of(name), dir, o, NOPT);
}

static void first_value_wins(void)
{
	struct sshd_opt o[NOPT];

	if (!setup())
		return;
	put("first", "# comment\nPermitRootLogin no\nPermitRootLogin yes\n");
	CHECK_INT(read_cfg("first", o), 0);
	CHECK(o[ROOT].set);
	CHECK_STR(o[ROOT].value, "no");
	CHECK(strstr(o[ROOT].where, "first:2") != NULL);
	CHECK(!o[PASSWORD].set);
}

static void keyword_forms(void)
{
	struct sshd_opt o[NOPT];

	if (!setup())
		return;
	put("forms", "  permitrootlogin=Yes\n"
		     "PASSWORDAUTHENTICATION = \"No\"  # trailing\n"
		     "\tPermitEmptyPasswords\tYES\n");
	CHECK_INT(read_cfg("forms", o), 0);
	CHECK_STR(o[ROOT].value, "yes");
	CHECK_STR(o[PASSWORD].value, "no");
	CHECK_STR(o[EMPTY].value, "yes");
}

/* Debian's layout: Include first, so a drop-in beats the main file. */
static void include_in_place(void)
{
	struct sshd_opt o[NOPT];

	if (!setup())
		return;
	put("d/20-b.conf", "PasswordAuthentication yes\nPermitRootLogin yes\n");
	put("d/10-a.conf", "PasswordAuthentication no\n");
	put("d/ignored.txt", "PermitEmptyPasswords yes\n");
	put("inc", "Include d/*.conf\nPasswordAuthentication yes\n"
		   "PermitRootLogin no\n");
	CHECK_INT(read_cfg("inc", o), 0);
	CHECK_STR(o[PASSWORD].value, "no");
	CHECK(strstr(o[PASSWORD].where, "10-a.conf:1") != NULL);
	CHECK_STR(o[ROOT].value, "yes");
	CHECK(strstr(o[ROOT].where, "20-b.conf:2") != NULL);
	CHECK(!o[EMPTY].set);
}

static void include_after(void)
{
	struct sshd_opt o[NOPT];

	if (!setup())
		return;
	put("late", "PasswordAuthentication yes\nInclude d/*.conf\n");
	CHECK_INT(read_cfg("late", o), 0);
	CHECK_STR(o[PASSWORD].value, "yes");
	CHECK(strstr(o[PASSWORD].where, "late:1") != NULL);
}

static void include_missing_and_loop(void)
{
	struct sshd_opt o[NOPT];

	if (!setup())
		return;
	put("nomatch", "Include nowhere/*.conf\nPermitRootLogin no\n");
	CHECK_INT(read_cfg("nomatch", o), 0);
	CHECK_STR(o[ROOT].value, "no");
	put("loop", "Include loop\nPermitRootLogin no\n");
	CHECK_INT(read_cfg("loop", o), 0);
	CHECK_STR(o[ROOT].value, "no");
	CHECK_INT(read_cfg("no-such-file", o), -ENOENT);
}

static void match_blocks(void)
{
	struct sshd_opt o[NOPT];

	if (!setup())
		return;
	put("match", "Match User backup\n  PermitRootLogin yes\n"
		     "  PasswordAuthentication yes\n"
		     "Match all\nPermitRootLogin no\n"
		     "Match Address 10.0.0.0/8\nPermitEmptyPasswords yes\n");
	CHECK_INT(read_cfg("match", o), 0);
	CHECK_STR(o[ROOT].value, "no");
	CHECK(!o[PASSWORD].set);
	CHECK(!o[EMPTY].set);
}

static void sshd_t_output(void)
{
	struct sshd_opt o[NOPT];
	char text[] = "port 22\npermitrootlogin without-password\n"
		      "passwordauthentication no\npermitemptypasswords no\n";
	FILE *f = fmemopen(text, strlen(text), "r");

	if (!f) {
		unit_fail(__FILE__, __LINE__, "fmemopen");
		return;
	}
	opts_init(o);
	sshd_t_parse(f, o, NOPT);
	fclose(f);
	CHECK_STR(o[ROOT].value, "without-password");
	CHECK_STR(o[ROOT].where, "sshd -T");
	CHECK_STR(o[PASSWORD].value, "no");
	CHECK_STR(o[EMPTY].value, "no");
}

/* Lines as the kernel prints them (net/ipv4/tcp_ipv4.c, ipv6/tcp_ipv6.c). */
static void tcp_lines(void)
{
	struct tcp_listener l;

	CHECK_INT(proc_net_tcp_line("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
				    false, &l), 0);
	CHECK_INT(proc_net_tcp_line("   0: 00000000:0017 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n",
				    false, &l), 1);
	CHECK_INT(l.port, 23);
	CHECK_STR(l.addr, "0.0.0.0");
	CHECK(!l.loopback);
	CHECK_INT(proc_net_tcp_line("   1: 0100007F:0015 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1235 1 0000000000000000 100 0 0 10 0\n",
				    false, &l), 1);
	CHECK_INT(l.port, 21);
	CHECK_STR(l.addr, "127.0.0.1");
	CHECK(l.loopback);
	CHECK_INT(proc_net_tcp_line("   2: 0F02000A:0016 0202000A:C350 01 00000000:00000000 00:00000000 00000000     0        0 1236 1 0000000000000000 20 4 30 10 -1\n",
				    false, &l), 0);
	CHECK_STR(l.addr, "10.0.2.15");
	CHECK_INT(l.port, 22);
	CHECK_INT(proc_net_tcp_line("garbage\n", false, &l), -EINVAL);
	CHECK_INT(proc_net_tcp_line("   0: 0000000000000000:0017 00000000:0000 0A\n",
				    false, &l), -EINVAL);
	CHECK_INT(proc_net_tcp_line("   0: 00000000:10017 00000000:0000 0A\n",
				    false, &l), -EINVAL);
}

static void tcp6_lines(void)
{
	struct tcp_listener l;

	CHECK_INT(proc_net_tcp_line("   0: 00000000000000000000000000000000:0201 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0000000000000000 100 0 0 10 0\n",
				    true, &l), 1);
	CHECK_INT(l.port, 513);
	CHECK_STR(l.addr, "::");
	CHECK(!l.loopback);
	CHECK_INT(proc_net_tcp_line("   1: 00000000000000000000000001000000:0202 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 98 1 0000000000000000 100 0 0 10 0\n",
				    true, &l), 1);
	CHECK_STR(l.addr, "::1");
	CHECK(l.loopback);
	CHECK_INT(proc_net_tcp_line("   2: 0000000000000000FFFF00000100007F:0017 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 97 1 0000000000000000 100 0 0 10 0\n",
				    true, &l), 1);
	CHECK_STR(l.addr, "::ffff:127.0.0.1");
	CHECK(l.loopback);
	CHECK_INT(proc_net_tcp_line("   0: 00000000:0017 00000000:0000 0A\n",
				    true, &l), -EINVAL);
}

/* The host's own tables parse, whatever is in them. */
static void host_tables(void)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	struct tcp_listener l;
	char line[512];
	size_t i;

	for (i = 0; i < UNIT_ARRAY_SIZE(files); i++) {
		FILE *f = fopen(files[i], "r");

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			CHECK(proc_net_tcp_line(line, i == 1, &l) >= 0);
		fclose(f);
	}
}

static const struct unit_test tests[] = {
	{ "sshd: the first value wins", first_value_wins },
	{ "sshd: keyword=value, any case, quotes, comments", keyword_forms },
	{ "sshd: Include in place, lexical order, *.conf only", include_in_place },
	{ "sshd: an Include after a setting does not override it", include_after },
	{ "sshd: Include of nothing, Include loop, missing file", include_missing_and_loop },
	{ "sshd: Match blocks are not global settings", match_blocks },
	{ "sshd -T output", sshd_t_output },
	{ "/proc/net/tcp lines", tcp_lines },
	{ "/proc/net/tcp6 lines", tcp6_lines },
	{ "this host's tcp tables parse", host_tables },
};

UNIT_SUITE(hostcheck, tests);
