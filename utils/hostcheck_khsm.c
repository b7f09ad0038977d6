// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host-check, khsm's own settings: who is in the khsm group, the modes of
 * the kmdata directory, its files and the world file (khsmctl(8), FILES),
 * /dev/khsm (udev/60-khsm.rules), the world's passphrase policy, whether
 * an audit follower runs, and what the world is bound to.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostcheck.h"

#define KHSM_DEVICE_PATH	"/dev/khsm"
#define GROUP_MANY		10	/* more members than an HSM needs */
#define PP_SHORT		8	/* shortest passphrase not called short */
#define MAX_NAMES		8	/* culprits named in a reason */

/* ---- a list of names for a reason: "a, b, c and 4 more" ---- */

struct names {
	unsigned int n;
	char text[256];
};

static void names_add(struct names *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void names_add(struct names *l, const char *fmt, ...)
{
	size_t len = strlen(l->text);
	va_list ap;

	if (l->n++ >= MAX_NAMES / 2)
		return;
	if (len)
		snprintf(l->text + len, sizeof(l->text) - len, ", ");
	len = strlen(l->text);
	va_start(ap, fmt);
	vsnprintf(l->text + len, sizeof(l->text) - len, fmt, ap);
	va_end(ap);
}

static const char *names_more(const struct names *l, char *buf, size_t size)
{
	if (l->n > MAX_NAMES / 2)
		snprintf(buf, size, " and %u more", l->n - MAX_NAMES / 2);
	else
		buf[0] = '\0';
	return buf;
}

/* ---- the khsm group ---- */

static bool in_group(const char *user, gid_t primary, const char *group)
{
	struct group *gr = getgrnam(group);
	char **m;

	if (!gr)
		return false;
	if (gr->gr_gid == primary)
		return true;
	for (m = gr->gr_mem; *m; m++)
		if (!strcmp(*m, user))
			return true;
	return false;
}

/* uid 0, or able to become it through sudo's usual groups. */
static bool root_equivalent(const char *user)
{
	static const char *const admin[] = { "sudo", "wheel", "admin" };
	struct passwd *pw = getpwnam(user);
	size_t i;

	if (!pw)
		return false;
	if (pw->pw_uid == 0)
		return true;
	for (i = 0; i < ARRAY_SIZE(admin); i++)
		if (in_group(user, pw->pw_gid, admin[i]))
			return true;
	return false;
}

struct members {
	unsigned int n;
	char name[64][33];
	struct names roots;
};

static void member_add(struct members *m, const char *name)
{
	unsigned int i;

	for (i = 0; i < m->n && i < ARRAY_SIZE(m->name); i++)
		if (!strcmp(m->name[i], name))
			return;
	if (m->n < ARRAY_SIZE(m->name))
		snprintf(m->name[m->n], sizeof(m->name[0]), "%s", name);
	m->n++;
}

static enum hc_status check_group(struct hc_ctx *c, char *why, size_t size)
{
	struct members *m;
	struct passwd *pw;
	struct group *gr;
	enum hc_status st;
	char more[32];
	unsigned int i;
	char **mem;

	gr = c->group_known ? getgrgid(c->khsm_gid) : NULL;
	if (!gr)
		return hc_say(HC_WARN, why, size,
			      "no group '%s': only root can use khsm, and kmdata files keep their creator's group",
			      KHSM_KMDATA_GROUP);
	m = calloc(1, sizeof(*m));
	if (!m)
		return hc_say(HC_WARN, why, size, "out of memory");
	for (mem = gr->gr_mem; *mem; mem++)
		member_add(m, *mem);
	setpwent();
	while ((pw = getpwent()))
		if (pw->pw_gid == c->khsm_gid)
			member_add(m, pw->pw_name);
	endpwent();
	/* Looked up once the group and passwd walks are over. */
	for (i = 0; i < m->n && i < ARRAY_SIZE(m->name); i++)
		if (root_equivalent(m->name[i]))
			names_add(&m->roots, "%s", m->name[i]);
	if (m->roots.n)
		st = hc_say(HC_WARN, why, size,
			    "root-equivalent members: %s%s (uid 0, or sudo, wheel, admin): officers need no membership, and one in the operator group joins the two roles; remove them",
			    m->roots.text, names_more(&m->roots, more, sizeof(more)));
	else if (m->n > GROUP_MANY)
		st = hc_say(HC_WARN, why, size,
			    "%u members (more than %d): every one may make keys and load tokens; keep the group to those who need it",
			    m->n, GROUP_MANY);
	else
		st = hc_say(HC_PASS, why, size, "%u members, none root-equivalent",
			    m->n);
	free(m);
	return st;
}

/* ---- kmdata and the world file ---- */

static bool is_card(const char *name)
{
	size_t len = strlen(name);

	return !strncmp(name, "softcard_", 9) ||
	       (len > 5 && !strcmp(name + len - 5, ".card"));
}

struct file_scan {
	struct names bad;	/* fail */
	struct names odd;	/* warn */
};

/* One file of kmdata against its documented mode (khsmctl(8), FILES). */
static void scan_file(const struct hc_ctx *c, const char *name,
		      const struct stat *st, struct file_scan *s)
{
	unsigned int mode = st->st_mode & 07777;

	if (S_ISLNK(st->st_mode)) {
		names_add(&s->odd, "%s is a symbolic link", name);
		return;
	}
	if (!S_ISREG(st->st_mode))
		return;
	if (mode & (S_IWGRP | S_IWOTH))
		names_add(&s->bad, "%s %04o (group or others may write)", name,
			  mode);
	else if (is_card(name) && (mode & S_IROTH))
		names_add(&s->bad, "%s %04o (a card others may read)", name, mode);
	else if (strncmp(name, "key_", 4) && (mode & S_IROTH))
		names_add(&s->odd, "%s %04o (documented 0640)", name, mode);
	else if (c->group_known && st->st_gid != c->khsm_gid)
		names_add(&s->odd, "%s %04o (not group khsm)", name, mode);
}

static void scan_dir(const struct hc_ctx *c, DIR *d, struct file_scan *s)
{
	char world[PATH_MAX];
	struct dirent *e;
	struct stat st;

	snprintf(world, sizeof(world), "%s/%s", c->kmdata, KHSM_WORLD_FILE);
	while ((e = readdir(d))) {
		/* dot files: the atomic writers' temporaries */
		if (e->d_name[0] == '.')
			continue;
		/* the world file has a check of its own */
		if (!strcmp(e->d_name, KHSM_WORLD_FILE) && !strcmp(world, c->world))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		scan_file(c, e->d_name, &st, s);
	}
}

static enum hc_status check_dir_mode(const struct hc_ctx *c,
				     const struct stat *st, char *why,
				     size_t size)
{
	unsigned int mode = st->st_mode & 07777;

	if (mode & S_IWOTH)
		return hc_say(HC_FAIL, why, size,
			      "%s is %04o: anyone may add or replace files; chmod 0755 (or 3775 for operators)",
			      c->kmdata, mode);
	if ((mode & S_IWGRP) && !(mode & S_ISVTX))
		return hc_say(HC_FAIL, why, size,
			      "%s is %04o, group-writable without the sticky bit: an operator may replace the world file or another's key blob; chmod 3775",
			      c->kmdata, mode);
	if (st->st_uid != 0)
		return hc_say(HC_WARN, why, size,
			      "%s is owned by uid %u, not root", c->kmdata,
			      (unsigned int)st->st_uid);
	return HC_PASS;
}

static enum hc_status check_kmdata(struct hc_ctx *c, char *why, size_t size)
{
	struct file_scan s = { 0 };
	enum hc_status st;
	struct stat dst;
	char more[32];
	DIR *d;

	if (lstat(c->kmdata, &dst))
		return hc_say(errno == ENOENT ? HC_SKIP : HC_WARN, why, size,
			      "%s: %s", c->kmdata, strerror(errno));
	if (!S_ISDIR(dst.st_mode))
		return hc_say(HC_FAIL, why, size, "%s is not a directory",
			      c->kmdata);
	st = check_dir_mode(c, &dst, why, size);
	if (st != HC_PASS)
		return st;
	d = opendir(c->kmdata);
	if (!d)
		return hc_say(HC_WARN, why, size, "%s: %s", c->kmdata,
			      strerror(errno));
	scan_dir(c, d, &s);
	closedir(d);
	if (s.bad.n)
		return hc_say(HC_FAIL, why, size, "in %s: %s%s", c->kmdata,
			      s.bad.text, names_more(&s.bad, more, sizeof(more)));
	if (s.odd.n)
		return hc_say(HC_WARN, why, size, "in %s: %s%s", c->kmdata,
			      s.odd.text, names_more(&s.odd, more, sizeof(more)));
	return hc_say(HC_PASS, why, size, "%s %04o and its files as documented",
		      c->kmdata, (unsigned int)(dst.st_mode & 07777));
}

static enum hc_status check_world_file(struct hc_ctx *c, char *why,
				       size_t size)
{
	unsigned int mode;
	struct stat st;

	if (lstat(c->world, &st))
		return hc_say(errno == ENOENT ? HC_SKIP : HC_WARN, why, size,
			      "%s: %s", c->world, strerror(errno));
	mode = st.st_mode & 07777;
	if (!S_ISREG(st.st_mode))
		return hc_say(HC_FAIL, why, size, "%s is not a regular file",
			      c->world);
	if (mode & (S_IWGRP | S_IWOTH))
		return hc_say(HC_FAIL, why, size,
			      "%s is %04o: group or others may write it (world load refuses it); chmod 0640",
			      c->world, mode);
	if (mode & S_IROTH)
		return hc_say(HC_WARN, why, size,
			      "%s is %04o: documented 0640 root:khsm", c->world,
			      mode);
	if (st.st_uid != 0)
		return hc_say(HC_WARN, why, size,
			      "%s is owned by uid %u, not root", c->world,
			      (unsigned int)st.st_uid);
	if (c->group_known && st.st_gid != c->khsm_gid)
		return hc_say(HC_WARN, why, size, "%s is not in group khsm",
			      c->world);
	return hc_say(HC_PASS, why, size, "%s %04o root:khsm", c->world, mode);
}

/* ---- /dev/khsm ---- */

static bool module_loaded(void)
{
	return !access("/sys/module/khsm", F_OK);
}

static enum hc_status check_device(struct hc_ctx *c, char *why, size_t size)
{
	unsigned int mode;
	struct stat st;

	if (stat(KHSM_DEVICE_PATH, &st)) {
		if (errno == ENOENT && !module_loaded())
			return hc_say(HC_SKIP, why, size, "module not loaded");
		return hc_say(HC_FAIL, why, size, "%s: %s", KHSM_DEVICE_PATH,
			      strerror(errno));
	}
	mode = st.st_mode & 07777;
	if (!S_ISCHR(st.st_mode))
		return hc_say(HC_FAIL, why, size, "%s is not a character device",
			      KHSM_DEVICE_PATH);
	if (st.st_uid != 0)
		return hc_say(HC_FAIL, why, size, "%s is owned by uid %u, not root",
			      KHSM_DEVICE_PATH, (unsigned int)st.st_uid);
	if (mode & 0007) {
		/* groups.user makes the module decide, whatever the node says */
		bool gated = c->have_world && c->wi.opts.user_gid;

		return hc_say(gated ? HC_WARN : HC_FAIL, why, size,
			      "%s is %04o: others may open it%s; install udev/60-khsm.rules (root:khsm 0660)",
			      KHSM_DEVICE_PATH, mode,
			      gated ? " (the policy's groups.user still limits who)" : "");
	}
	if (c->group_known && st.st_gid != c->khsm_gid)
		return hc_say(HC_WARN, why, size,
			      "%s is in group %u, not khsm: install udev/60-khsm.rules",
			      KHSM_DEVICE_PATH, (unsigned int)st.st_gid);
	if (mode != 0660)
		return hc_say(HC_WARN, why, size, "%s is %04o, not 0660",
			      KHSM_DEVICE_PATH, mode);
	return hc_say(HC_PASS, why, size, "%s 0660 root:khsm", KHSM_DEVICE_PATH);
}

/* ---- what needs the module ---- */

static enum hc_status need_module(const struct hc_ctx *c, char *why,
				  size_t size)
{
	if (c->open_err == -ENOENT || c->open_err == -ENODEV ||
	    c->open_err == -ENXIO || c->open_err == -EPROTONOSUPPORT)
		return hc_say(HC_SKIP, why, size, "module not loaded");
	return hc_say(HC_SKIP, why, size, "cannot query the module: %s",
		      khsm_strerror(c->open_err));
}

static enum hc_status need_world(const struct hc_ctx *c, char *why,
				 size_t size)
{
	if (!c->h)
		return need_module(c, why, size);
	return hc_say(HC_SKIP, why, size, "no world loaded (world %s)",
		      khsm_world_state_name(c->wi.state));
}

static enum hc_status check_pp_policy(struct hc_ctx *c, char *why, size_t size)
{
	const struct khsm_world_options *o = &c->wi.opts;

	if (!c->have_world ||
	    !(c->wi.present & KHSM_INFO_BIT(KHSM_A_INFO_WORLD_OPTS)))
		return need_world(c, why, size);
	if (!o->pp_min_len)
		return hc_say(HC_FAIL, why, size,
			      "passphrase.min-length is 0: cards without a passphrase are accepted; set it to %d or more with passphrase.short = refuse",
			      PP_SHORT);
	if (!o->pp_short_refuse)
		return hc_say(HC_FAIL, why, size,
			      "passphrase.short = warn: passphrases under %u characters, and none at all, are accepted with a warning; set passphrase.short = refuse",
			      o->pp_min_len);
	if (o->pp_min_len < PP_SHORT)
		return hc_say(HC_WARN, why, size,
			      "passphrase.min-length is %u: shorter than %d characters",
			      o->pp_min_len, PP_SHORT);
	return hc_say(HC_PASS, why, size,
		      "passphrases under %u characters are refused",
		      o->pp_min_len);
}

/* "khsmctl [global options] audit follow ...", from its NUL-separated argv. */
static bool is_follower(const char *argv, size_t len)
{
	const char *p = argv, *end = argv + len, *prev = NULL, *base;

	base = strrchr(argv, '/');
	if (strcmp(base ? base + 1 : argv, PROG_NAME))
		return false;
	for (; p < end; p += strlen(p) + 1) {
		if (prev && !strcmp(prev, "audit") && !strcmp(p, "follow"))
			return true;
		prev = p;
	}
	return false;
}

/* The pid of a running follower, or 0. */
static pid_t find_follower(void)
{
	char path[300], argv[4096];
	struct dirent *e;
	pid_t pid = 0;
	ssize_t len;
	DIR *d;
	int fd;

	d = opendir("/proc");
	if (!d)
		return 0;
	while (!pid && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, argv, sizeof(argv) - 1);
		close(fd);
		if (len <= 0)
			continue;
		argv[len] = '\0';
		if (is_follower(argv, (size_t)len))
			pid = atoi(e->d_name);
	}
	closedir(d);
	return pid;
}

static enum hc_status check_audit(struct hc_ctx *c, char *why, size_t size)
{
	struct khsm_audit_status st;
	pid_t pid;
	int ret;

	if (!c->h)
		return need_module(c, why, size);
	ret = khsm_audit_status(c->h, &st);
	if (ret)
		return hc_say(HC_SKIP, why, size, "audit status: %s",
			      khsm_strerror(ret));
	pid = find_follower();
	if (pid)
		return hc_say(HC_PASS, why, size,
			      "khsmctl audit follow runs (pid %d)", (int)pid);
	if (st.forced && st.blocked)
		return hc_say(HC_FAIL, why, size,
			      "forced audit is refusing work: the ring is full and no khsmctl audit follow acknowledges it");
	return hc_say(HC_WARN, why, size,
		      "no khsmctl audit follow runs: records %llu..%llu are only in the module's ring of %u (acknowledged up to %llu); run one from boot",
		      (unsigned long long)st.first,
		      (unsigned long long)(st.next - 1), st.ring,
		      (unsigned long long)st.acked);
}

/* A trusted key's description in /proc/keys (the caller's view), or "". */
static void find_trusted_key(char *desc, size_t size)
{
	char line[512], type[32], d[256];
	FILE *f = fopen("/proc/keys", "re");

	desc[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*x %*s %*s %*s %*x %*d %*d %31s %255[^:]",
			   type, d) == 2 && !strcmp(type, "trusted")) {
			snprintf(desc, size, "%s", d);
			break;
		}
	}
	fclose(f);
}

static enum hc_status check_bind(struct hc_ctx *c, char *why, size_t size)
{
	char desc[256];

	if (!c->have_world)
		return need_world(c, why, size);
	if (!c->wi.bound)
		return hc_say(HC_PASS, why, size,
			      "the world has no host binding key: only the ACS load-world quorum loads it");
	if (!strcmp(c->wi.bind_key_type, "trusted"))
		return hc_say(HC_PASS, why, size,
			      "bound to a trusted (TPM-sealed) key");
	if (c->wi.bind_key_type[0])
		return hc_say(HC_WARN, why, size,
			      "bound to a %s key: its secret sits on this host; bind to a trusted (TPM-sealed) key",
			      c->wi.bind_key_type);
	/* Loaded with the ACS: the module cannot say which key: look for one. */
	find_trusted_key(desc, sizeof(desc));
	if (desc[0])
		return hc_say(HC_PASS, why, size,
			      "bound to a host key; trusted (TPM-sealed) key '%s' is in the keyrings",
			      desc);
	return hc_say(HC_WARN, why, size,
		      "bound to a host key, and no trusted (TPM-sealed) key is in the keyrings: a logon, user or encrypted key's secret sits on this host; bind to a trusted key");
}

const struct hc_check hc_khsm_checks[] = {
	{ "khsm-group", check_group },
	{ "kmdata", check_kmdata },
	{ "world-file", check_world_file },
	{ "device", check_device },
	{ "passphrase-policy", check_pp_policy },
	{ "audit-follower", check_audit },
	{ "bind-key", check_bind },
};
const size_t hc_khsm_nchecks = ARRAY_SIZE(hc_khsm_checks);
