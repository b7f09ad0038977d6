// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The text host-check reads: sshd's configuration and /proc/net/tcp. No
 * output, no global state: the unit tests feed them prepared files.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostcheck.h"

/* sshd's own limit on nested Include (servconf.c: SERVCONF_MAX_DEPTH). */
#define SSHD_MAX_DEPTH	16

struct sshd_reader {
	const char *base_dir;
	struct sshd_opt *opts;
	size_t n;
};

static char *skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The next word of *@s ("quoted" allowed), NUL-terminated; NULL at end. */
static char *next_word(char **s)
{
	char *p = skip_space(*s), *w;

	if (!*p || *p == '\n' || *p == '\r')
		return NULL;
	if (*p == '"') {
		w = ++p;
		while (*p && *p != '"')
			p++;
	} else {
		w = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	if (*p)
		*p++ = '\0';
	*s = p;
	return w;
}

/* "Keyword value", "Keyword=value" and "Keyword = value". */
static char *split_keyword(char **s)
{
	char *p = skip_space(*s), *k = p;

	while (*p && !isspace((unsigned char)*p) && *p != '=')
		p++;
	if (p == k)
		return NULL;
	if (*p && *p != '=') {
		*p++ = '\0';
		p = skip_space(p);
		if (*p == '=')
			p++;
	} else if (*p == '=') {
		*p++ = '\0';
	}
	*s = p;
	return k;
}

static void set_opt(struct sshd_opt *o, const char *value, const char *where)
{
	size_t i;

	o->set = true;
	for (i = 0; value[i] && i + 1 < sizeof(o->value); i++)
		o->value[i] = (char)tolower((unsigned char)value[i]);
	o->value[i] = '\0';
	snprintf(o->where, sizeof(o->where), "%s", where);
}

static void first_match(struct sshd_reader *r, const char *key,
			const char *value, const char *where)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!r->opts[i].set && !strcasecmp(r->opts[i].key, key))
			set_opt(&r->opts[i], value, where);
}

static int read_file(struct sshd_reader *r, const char *path, int depth);

/* Each pattern's files in lexical order (glob's), read in place. */
static void include(struct sshd_reader *r, char *rest, int depth)
{
	char *pat, full[4096];
	glob_t g;
	size_t i;

	while ((pat = next_word(&rest))) {
		if (pat[0] == '/' || pat[0] == '~')
			snprintf(full, sizeof(full), "%s", pat);
		else
			snprintf(full, sizeof(full), "%s/%s", r->base_dir, pat);
		if (glob(full, 0, NULL, &g))
			continue;
		for (i = 0; i < g.gl_pathc; i++)
			read_file(r, g.gl_pathv[i], depth + 1);
		globfree(&g);
	}
}

/* Match blocks hold settings for some connections only: not global ones. */
static bool match_line(char *rest)
{
	char *w = next_word(&rest);

	return !(w && !strcasecmp(w, "all") && !next_word(&rest));
}

static int read_file(struct sshd_reader *r, const char *path, int depth)
{
	char line[4096], where[320], *s, *key, *val;
	bool in_match = false;
	unsigned int lineno = 0;
	FILE *f;

	if (depth > SSHD_MAX_DEPTH)
		return -ELOOP;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		s = line;
		key = split_keyword(&s);
		if (!key || key[0] == '#')
			continue;
		if (!strcasecmp(key, "match")) {
			in_match = match_line(s);
			continue;
		}
		if (in_match)
			continue;
		if (!strcasecmp(key, "include")) {
			include(r, s, depth);
			continue;
		}
		val = next_word(&s);
		if (!val)
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		first_match(r, key, val, where);
	}
	fclose(f);
	return 0;
}

int sshd_config_read(const char *path, const char *base_dir,
		     struct sshd_opt *opts, size_t n)
{
	struct sshd_reader r = { base_dir, opts, n };

	return read_file(&r, path, 0);
}

void sshd_t_parse(FILE *f, struct sshd_opt *opts, size_t n)
{
	struct sshd_reader r = { "", opts, n };
	char line[4096], *s, *key, *val;

	while (fgets(line, sizeof(line), f)) {
		s = line;
		key = split_keyword(&s);
		val = key ? next_word(&s) : NULL;
		if (val)
			first_match(&r, key, val, "sshd -T");
	}
}

/* /proc/net/tcp: the address as the kernel printed its raw __be32 words. */
static int parse_addr(const char *hex, bool v6, struct tcp_listener *out)
{
	size_t words = v6 ? 4 : 1, i;
	uint32_t w[4];
	char part[9];

	if (strlen(hex) != words * 8)
		return -EINVAL;
	for (i = 0; i < words; i++) {
		memcpy(part, hex + i * 8, 8);
		part[8] = '\0';
		w[i] = (uint32_t)strtoul(part, NULL, 16);
	}
	if (!v6) {
		struct in_addr a;

		memcpy(&a, w, sizeof(a));
		out->loopback = (ntohl(a.s_addr) >> 24) == 127;
		inet_ntop(AF_INET, &a, out->addr, sizeof(out->addr));
	} else {
		struct in6_addr a;

		memcpy(&a, w, sizeof(a));
		out->loopback = IN6_IS_ADDR_LOOPBACK(&a) ||
				(IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
		inet_ntop(AF_INET6, &a, out->addr, sizeof(out->addr));
	}
	return 0;
}

#define TCP_LISTEN	0x0a	/* include/net/tcp_states.h */

int proc_net_tcp_line(const char *line, bool v6, struct tcp_listener *out)
{
	char local[40], remote[40];
	unsigned int port, rport, state;
	int slot;

	if (strstr(line, "local_address"))
		return 0;
	if (sscanf(line, " %d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x", &slot,
		   local, &port, remote, &rport, &state) != 6 ||
	    port > 0xffff || state > 0xff)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (parse_addr(local, v6, out))
		return -EINVAL;
	out->port = (uint16_t)port;
	return state == TCP_LISTEN;
}
