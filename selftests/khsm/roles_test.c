// SPDX-License-Identifier: GPL-2.0
/*
 * The privilege matrix of Documentation/roles.md, walked: every generic
 * netlink command, every /dev/khsm ioctl and every multicast group, as
 *
 *   root                   uid 0, every capability
 *   operator               the guest user khsmop, in the khsm group
 *   outsider               the guest user outsider, in no khsm group
 *   userns                 root after unshare(CLONE_NEWUSER) (`unshare -Ur`)
 *   userns+netns           root after `unshare -Urn`
 *   helper/outsider        a root helper (with the khsm group) writing to a
 *                          socket the outsider opened and passed over
 *                          SCM_RIGHTS: the classic setuid-writes-to-an-
 *                          inherited-socket attack
 *   helper/operator        the same helper on a socket khsmop opened
 *   handed                 the outsider writing to a socket root opened
 *
 * The tables below are the machine-readable copy of roles.md: one row per
 * command, ioctl and group. The test checks them against the UAPI enum and
 * against what the kernel registered (CTRL_CMD_GETFAMILY: every op, its
 * GENL_ADMIN_PERM flag, every group), so a command added without a row
 * fails here. A refusal must not change the world, the tokens or the
 * slots, and on the control channel says why in the extended ack (except
 * where the genetlink core refuses before the module sees the request).
 *
 * Runs as root in the guest with khsm.ko loaded (gid= the khsm group) and
 * the users of selftests/run-guest; makes its own world.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/genetlink.h>
#include <linux/khsm.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "keyutil.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#define PP 0x5e
#define SHARE_GID 4271	/* a group only the "setgid helper" below is in */

/* ---- the table ---- */

enum role { R_QUERY, R_OPERATOR, R_OFFICER };
static const char *const role_name[] = { "query", "operator", "officer" };

struct cmd_row {
	int cmd;
	const char *name;
	enum role role;
	int probe_err;		/* a permitted caller's answer to the probe */
	int dump;		/* a dump (NLM_F_DUMP) */
	int destructive;	/* the probe acts: root runs it last */
};

/*
 * The probe is the command with no attributes: a caller the role admits
 * gets past pre_doit and meets the handler (which then wants its
 * attributes: EINVAL, or acts), a caller it does not is refused first.
 */
static const struct cmd_row cmds[] = {
	{ KHSM_CMD_GET_INFO,		"GET_INFO",		R_QUERY, 0, 0, 0 },
	{ KHSM_CMD_WORLD_NEW,		"WORLD_NEW",		R_OFFICER, EINVAL, 0, 0 },
	{ KHSM_CMD_WORLD_LOAD,		"WORLD_LOAD",		R_OFFICER, EINVAL, 0, 0 },
	{ KHSM_CMD_WORLD_UNLOAD,	"WORLD_UNLOAD",		R_OFFICER, 0, 0, 2 },
	{ KHSM_CMD_CARD_INSERT,		"CARD_INSERT",		R_OPERATOR, EINVAL, 0, 0 },
	{ KHSM_CMD_CARD_REMOVE,		"CARD_REMOVE",		R_OPERATOR, EINVAL, 0, 0 },
	{ KHSM_CMD_SLOT_LIST,		"SLOT_LIST",		R_QUERY, 0, 0, 0 },
	{ KHSM_CMD_ACS_LOGOUT,		"ACS_LOGOUT",		R_OFFICER, 0, 0, 0 },
	{ KHSM_CMD_ACS_REPLACE,		"ACS_REPLACE",		R_OFFICER, EACCES, 0, 0 },
	{ KHSM_CMD_WORLD_BIND,		"WORLD_BIND",		R_OFFICER, EINVAL, 0, 0 },
	{ KHSM_CMD_POLICY_SET,		"POLICY_SET",		R_OFFICER, EINVAL, 0, 0 },
	{ KHSM_CMD_CLEAR,		"CLEAR",		R_OFFICER, 0, 0, 1 },
	{ KHSM_CMD_CARDSET_CREATE,	"CARDSET_CREATE",	R_OPERATOR, EINVAL, 0, 0 },
	{ KHSM_CMD_TOKEN_LIST,		"TOKEN_LIST",		R_QUERY, 0, 0, 0 },
	{ KHSM_CMD_TOKEN_UNLOAD,	"TOKEN_UNLOAD",		R_OPERATOR, EINVAL, 0, 0 },
	{ KHSM_CMD_KEY_GENERATE,	"KEY_GENERATE",		R_OPERATOR, EINVAL, 0, 0 },
	{ KHSM_CMD_KEY_IMPORT,		"KEY_IMPORT",		R_OPERATOR, EINVAL, 0, 0 },
	{ KHSM_CMD_KEY_RECOVER,		"KEY_RECOVER",		R_OFFICER, EINVAL, 0, 0 },
	{ KHSM_CMD_CARD_PASSPHRASE,	"CARD_PASSPHRASE",	R_OPERATOR, EINVAL, 0, 0 },
	{ KHSM_CMD_AUDIT_GET,		"AUDIT_GET",		R_OFFICER, 0, 1, 0 },
	{ KHSM_CMD_AUDIT_ACK,		"AUDIT_ACK",		R_OFFICER, EINVAL, 0, 0 },
	{ KHSM_CMD_AUDIT_CHECKPOINT,	"AUDIT_CHECKPOINT",	R_OFFICER, 0, 0, 0 },
	{ KHSM_CMD_AUDIT_STATUS,	"AUDIT_STATUS",		R_QUERY, 0, 0, 0 },
};
#define NCMDS ARRAY_SIZE(cmds)

/* Every ioctl needs only an open descriptor ("user"); see ioctl_walk. */
struct ioc_row {
	unsigned long cmd;
	int nr;
	const char *name;
};

static const struct ioc_row iocs[] = {
	{ KHSM_IOC_INFO,	KHSM_IOC_NR_INFO,	"INFO" },
	{ KHSM_IOC_RANDOM,	KHSM_IOC_NR_RANDOM,	"RANDOM" },
	{ KHSM_IOC_LOAD,	KHSM_IOC_NR_LOAD,	"LOAD" },
	{ KHSM_IOC_OP,		KHSM_IOC_NR_OP,		"OP" },
	{ KHSM_IOC_OP_BATCH,	KHSM_IOC_NR_OP_BATCH,	"OP_BATCH" },
	{ KHSM_IOC_PUBKEY,	KHSM_IOC_NR_PUBKEY,	"PUBKEY" },
	{ KHSM_IOC_DESTROY,	KHSM_IOC_NR_DESTROY,	"DESTROY" },
};
#define NIOCS ARRAY_SIZE(iocs)

struct mcast_row {
	const char *name;
	enum role role;
};

static const struct mcast_row groups[] = {
	{ KHSM_MCGRP_AUDIT, R_OFFICER },
};

/* ---- the callers ---- */

enum caller {
	C_ROOT, C_OPERATOR, C_OUTSIDER, C_USERNS, C_USERNET,
	C_HELPER_OUT, C_HELPER_OP, C_HANDED, C__COUNT
};
static const char *const caller_name[] = {
	"root", "operator", "outsider", "userns", "userns+netns",
	"helper/outsider", "helper/operator", "handed",
};

struct who {
	uid_t uid;
	gid_t gid;
	gid_t groups[3];
	int ngroups;
};

static struct who w_op, w_out, w_root_khsm, w_op_shared;
static uint16_t fam_id;
static uint32_t audit_grp;
static uint32_t op_flags[KHSM_CMD_MAX + 1];
static int op_seen[KHSM_CMD_MAX + 1];
static int grp_seen;

/* Which roles a caller's request holds, judged on both credentials. */
static int holds(enum caller c, enum role r)
{
	switch (c) {
	case C_ROOT:
		return 1;
	case C_OPERATOR:
	case C_HELPER_OP:
		return r != R_OFFICER;
	default:
		return 0;
	}
}

static int become(const struct who *w)
{
	if (setgroups(w->ngroups, w->groups) ||
	    setresgid(w->gid, w->gid, w->gid) ||
	    setresuid(w->uid, w->uid, w->uid))
		return -errno;
	return 0;
}

/* unshare(@flags) and map root to root, as `unshare -Ur[n]` does. */
static int enter_userns(int flags)
{
	int fd;

	if (unshare(flags))
		return -errno;
	/* An unmapped root would be refused all the same. */
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd >= 0) {
		ssize_t n = write(fd, "0 0 1", 5);

		(void)n;
		close(fd);
	}
	return 0;
}

static int nl_sock(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 10 };
	int fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int send_fd(int sock, int fd, int val)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &val, .iov_len = sizeof(val) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, 0) < 0 ? -errno : 0;
}

/* The descriptor passed (or -1) and the value sent with it. */
static int recv_fd(int sock, int *val)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = val, .iov_len = sizeof(*val) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd = -1;

	*val = -EIO;
	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* A netlink socket opened by @w in a child and passed over SCM_RIGHTS. */
static int opened_by(const struct who *w)
{
	int sp[2], fd, val, st;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		fd = become(w);
		if (!fd)
			fd = nl_sock();
		send_fd(sp[1], fd, fd < 0 ? fd : 0);
		_exit(0);
	}
	fd = recv_fd(sp[0], &val);
	waitpid(pid, &st, 0);
	close(sp[0]);
	close(sp[1]);
	return fd >= 0 ? fd : (val < 0 ? val : -EIO);
}

/*
 * In a child already forked for @c: take on the caller's identity and
 * return its netlink socket (or -errno).
 */
static int caller_socket(enum caller c)
{
	int fd, err;

	switch (c) {
	case C_ROOT:
		return nl_sock();
	case C_OPERATOR:
		return become(&w_op) ?: nl_sock();
	case C_OUTSIDER:
		return become(&w_out) ?: nl_sock();
	case C_USERNS:
		return enter_userns(CLONE_NEWUSER) ?: nl_sock();
	case C_USERNET:
		return enter_userns(CLONE_NEWUSER | CLONE_NEWNET) ?: nl_sock();
	case C_HELPER_OUT:
	case C_HELPER_OP:
		fd = opened_by(c == C_HELPER_OUT ? &w_out : &w_op);
		err = fd < 0 ? fd : become(&w_root_khsm);
		return err ?: fd;
	case C_HANDED:
		fd = nl_sock();
		err = fd < 0 ? fd : become(&w_out);
		return err ?: fd;
	default:
		return -EINVAL;
	}
}

/* ---- requests ---- */

struct answer {
	int err;		/* 0, a positive errno, or a negative local one */
	char extack[200];
};

static void parse_extack(const struct nlmsghdr *nlh, struct answer *a)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *nla;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	while (NLMSG_HDRLEN + off + NLA_HDRLEN <= nlh->nlmsg_len) {
		nla = (const struct nlattr *)((const char *)e + off);
		if (nla->nla_len < NLA_HDRLEN ||
		    NLMSG_HDRLEN + off + nla->nla_len > nlh->nlmsg_len)
			return;
		if ((nla->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
			snprintf(a->extack, sizeof(a->extack), "%.*s",
				 (int)(nla->nla_len - NLA_HDRLEN),
				 (const char *)nla + NLA_HDRLEN);
		off += NLA_ALIGN(nla->nla_len);
	}
}

/* @cmd with no attributes on @fd; a dump reads to its end. */
static void probe(int fd, uint8_t cmd, int dump, struct answer *a)
{
	static unsigned char buf[65536];
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
	} req = {
		.n.nlmsg_len = sizeof(req),
		.n.nlmsg_type = fam_id,
		.n.nlmsg_flags = NLM_F_REQUEST |
				 (dump ? NLM_F_DUMP : NLM_F_ACK),
		.n.nlmsg_seq = 1000 + cmd,
		.g.cmd = cmd,
		.g.version = KHSM_GENL_VERSION,
	};
	ssize_t n;

	memset(a, 0, sizeof(*a));
	if (send(fd, &req, sizeof(req), 0) < 0) {
		a->err = -errno;
		return;
	}
	for (;;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			a->err = -errno;
			return;
		}
		for (; NLMSG_OK(nlh, (size_t)n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != req.n.nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				a->err = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				parse_extack(nlh, a);
				return;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				a->err = -*(int *)NLMSG_DATA(nlh);
				return;
			}
		}
	}
}

/* A shared page the walking children write their answers to. */
static void *shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Runs @fn(@arg) in a child; 0 when it exited 0. */
static int in_child(int (*fn)(void *), void *arg)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(fn(arg) & 0xff);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -ECHILD;
	return WEXITSTATUS(st);
}

/* ---- state before and after ---- */

struct snapshot {
	unsigned char b[3][16384];
	size_t len[3];
};

/* GET_INFO, TOKEN_LIST and SLOT_LIST as root sees them. */
static int snap(struct nlraw *nl, struct snapshot *s)
{
	static const uint8_t what[] = {
		KHSM_CMD_GET_INFO, KHSM_CMD_TOKEN_LIST, KHSM_CMD_SLOT_LIST,
	};
	size_t i;
	int err;

	for (i = 0; i < 3; i++) {
		err = nlraw_request(nl, what[i], KHSM_GENL_VERSION, 0, NULL, 0);
		if (err)
			return err;
		/* From the genetlink header on: seq and portid differ. */
		s->len[i] = nl->reply_len - NLMSG_HDRLEN;
		memcpy(s->b[i], nl->reply + NLMSG_HDRLEN, s->len[i]);
	}
	return 0;
}

static int snap_same(const struct snapshot *a, const struct snapshot *b)
{
	int i;

	for (i = 0; i < 3; i++)
		if (a->len[i] != b->len[i] || memcmp(a->b[i], b->b[i], a->len[i]))
			return 0;
	return 1;
}

/* ---- the family as the kernel registered it ---- */

static void read_family(const struct nlraw *nl)
{
	size_t pos = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a, *e, *f;

	while (pos + NLA_HDRLEN <= nl->reply_len) {
		int t;

		a = (const void *)(nl->reply + pos);
		if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > nl->reply_len)
			break;
		t = a->nla_type & NLA_TYPE_MASK;
		for (e = (const void *)((const char *)a + NLA_HDRLEN);
		     (t == CTRL_ATTR_OPS || t == CTRL_ATTR_MCAST_GROUPS) &&
		     (const char *)e + NLA_HDRLEN <= (const char *)a + a->nla_len &&
		     e->nla_len >= NLA_HDRLEN &&
		     (const char *)e + e->nla_len <= (const char *)a + a->nla_len;
		     e = (const void *)((const char *)e + NLA_ALIGN(e->nla_len))) {
			uint32_t id = 0, flags = 0;
			const char *name = NULL;

			for (f = (const void *)((const char *)e + NLA_HDRLEN);
			     (const char *)f + NLA_HDRLEN <= (const char *)e + e->nla_len &&
			     f->nla_len >= NLA_HDRLEN;
			     f = (const void *)((const char *)f + NLA_ALIGN(f->nla_len))) {
				const void *d = (const char *)f + NLA_HDRLEN;

				if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_OPS) {
					if (f->nla_type == CTRL_ATTR_OP_ID)
						memcpy(&id, d, 4);
					else if (f->nla_type == CTRL_ATTR_OP_FLAGS)
						memcpy(&flags, d, 4);
				} else if ((a->nla_type & NLA_TYPE_MASK) ==
					   CTRL_ATTR_MCAST_GROUPS) {
					if (f->nla_type == CTRL_ATTR_MCAST_GRP_ID)
						memcpy(&id, d, 4);
					else if (f->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
						name = d;
				}
			}
			if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_OPS) {
				if (id && id <= KHSM_CMD_MAX) {
					op_seen[id] = 1;
					op_flags[id] = flags;
				} else {
					op_seen[0]++;	/* an op beyond the UAPI */
				}
			} else if ((a->nla_type & NLA_TYPE_MASK) ==
				   CTRL_ATTR_MCAST_GROUPS && name) {
				size_t g;

				if (!strcmp(name, KHSM_MCGRP_AUDIT))
					audit_grp = id;
				/* A group of the kernel's without a row: 0 */
				for (g = 0; g < ARRAY_SIZE(groups); g++)
					if (!strcmp(name, groups[g].name))
						break;
				grp_seen += g < ARRAY_SIZE(groups) ? 1 : 100;
			}
		}
		pos += NLA_ALIGN(a->nla_len);
	}
}

static int set_who(struct who *w, const char *user, gid_t extra)
{
	struct passwd *pw = getpwnam(user);

	if (!pw)
		return -ENOENT;
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	w->groups[0] = pw->pw_gid;
	w->ngroups = 1;
	if (extra)
		w->groups[w->ngroups++] = extra;
	return 0;
}

FIXTURE(roles) {
	struct nlraw nl;
	struct ku_files files;
	gid_t khsm_gid;
};

FIXTURE_SETUP(roles)
{
	struct group *gr = getgrnam("khsm");

	if (!gr || set_who(&w_out, "outsider", 0))
		SKIP(return, "the guest users (khsm, khsmop, outsider) are missing");
	self->khsm_gid = gr->gr_gid;
	ASSERT_EQ(0, set_who(&w_op, "khsmop", gr->gr_gid));
	w_op_shared = w_op;
	w_op_shared.groups[w_op_shared.ngroups++] = SHARE_GID;
	w_root_khsm = (struct who){ 0, 0, { 0, gr->gr_gid }, 2 };
	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	fam_id = self->nl.family;
	memset(op_seen, 0, sizeof(op_seen));
	grp_seen = 0;
	read_family(&self->nl);
	ASSERT_EQ(0, ku_world_fresh(&self->nl, &self->files))
		TH_LOG("world: %s", self->nl.extack);
}

FIXTURE_TEARDOWN(roles)
{
	if (self->nl.fd >= 0)
		ku_world_unload(&self->nl);
	nlraw_close(&self->nl);
}

static const struct cmd_row *cmd_row(int cmd)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd)
			return &cmds[i];
	return NULL;
}

TEST_F(roles, table_covers_uapi_and_kernel)
{
	int cmd, nr, fd;
	size_t i;

	/* Every command of the UAPI enum has exactly one row... */
	for (cmd = 1; cmd <= KHSM_CMD_MAX; cmd++) {
		int n = 0;

		for (i = 0; i < NCMDS; i++)
			n += cmds[i].cmd == cmd;
		EXPECT_EQ(1, n) TH_LOG("command %d has %d rows in the table", cmd, n);
	}
	/* ...every op the kernel registered is in the UAPI... */
	EXPECT_EQ(0, op_seen[0]) TH_LOG("the kernel has ops beyond KHSM_CMD_MAX");
	for (cmd = 1; cmd <= KHSM_CMD_MAX; cmd++) {
		const struct cmd_row *r = cmd_row(cmd);

		EXPECT_TRUE(op_seen[cmd]) TH_LOG("command %d not registered", cmd);
		if (!r)
			continue;
		/* ...and the core's own lock is on exactly the officer rows. */
		EXPECT_EQ(r->role == R_OFFICER, !!(op_flags[cmd] & GENL_ADMIN_PERM))
			TH_LOG("%s: role %s, kernel flags %#x", r->name,
			       role_name[r->role], op_flags[cmd]);
		EXPECT_EQ(r->dump, !!(op_flags[cmd] & GENL_CMD_CAP_DUMP))
			TH_LOG("%s: dump %d, kernel flags %#x", r->name, r->dump,
			       op_flags[cmd]);
	}
	/* Every multicast group has a row. */
	EXPECT_EQ((int)ARRAY_SIZE(groups), grp_seen);
	EXPECT_NE(0, audit_grp);

	/* Every ioctl number the module answers has a row. */
	for (i = 0; i < NIOCS; i++) {
		EXPECT_EQ(_IO(KHSM_IOCTL_TYPE, iocs[i].nr), iocs[i].cmd)
			TH_LOG("%s", iocs[i].name);
	}
	fd = ku_open();
	ASSERT_LE(0, fd);
	for (nr = KHSM_IOCTL_BASE - 4; nr < KHSM_IOCTL_BASE + 32; nr++) {
		uint32_t arg[64] = { 0 };	/* size 0: a known ioctl says EINVAL */
		int known = 0, err;

		for (i = 0; i < NIOCS; i++)
			known |= iocs[i].nr == nr;
		err = ku_ioc(fd, _IO(KHSM_IOCTL_TYPE, nr), arg);
		EXPECT_EQ(known ? EINVAL : ENOTTY, err)
			TH_LOG("ioctl nr %#x answers %d%s", nr, err,
			       known ? "" : ": it needs a row");
	}
	close(fd);
}

/* ---- the control channel ---- */

struct nl_walk {
	enum caller c;
	struct answer a[NCMDS];
	int setup_err;
};

static int walk_nl(void *arg)
{
	struct nl_walk *w = arg;
	int pass, fd;
	size_t i;

	fd = caller_socket(w->c);
	if (fd < 0) {
		w->setup_err = fd;
		return 1;
	}
	/* Destructive probes last, CLEAR before WORLD_UNLOAD. */
	for (pass = 0; pass < 3; pass++)
		for (i = 0; i < NCMDS; i++)
			if (cmds[i].destructive == pass)
				probe(fd, cmds[i].cmd, cmds[i].dump, &w->a[i]);
	close(fd);
	return 0;
}

/* One line per caller: what each command answered (the table's row). */
static void print_walk(const struct nl_walk *w)
{
	char line[1024];
	size_t i, off = 0;

	for (i = 0; i < NCMDS && off < sizeof(line); i++)
		off += snprintf(line + off, sizeof(line) - off, " %s=%d",
				cmds[i].name, w->a[i].err);
	ksft_print_msg("%s:%s\n", caller_name[w->c], line);
	fflush(stdout);
}

static void check_walk(struct __test_metadata *_metadata,
		       const struct nl_walk *w)
{
	size_t i;

	print_walk(w);

	for (i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &cmds[i];
		const struct answer *a = &w->a[i];
		int want = holds(w->c, r->role) ? r->probe_err :
			   w->c == C_USERNET ? ENOENT : EPERM;

		EXPECT_EQ(want, a->err)
			TH_LOG("%s as %s: %d (%s), table says %d", r->name,
			       caller_name[w->c], a->err, a->extack, want);
		if (holds(w->c, r->role) || w->c == C_USERNET ||
		    r->role == R_OFFICER)
			continue;
		/* Refused by pre_doit: the message says which rule. */
		EXPECT_NE(NULL, strstr(a->extack, w->c == C_USERNS ?
				       "user namespace" : "khsm group"))
			TH_LOG("%s as %s: extack '%s'", r->name,
			       caller_name[w->c], a->extack);
	}
}

TEST_F_TIMEOUT(roles, netlink_walk, 120)
{
	static const enum caller order[] = {
		C_OPERATOR, C_OUTSIDER, C_USERNS, C_USERNET, C_HELPER_OUT,
		C_HELPER_OP, C_HANDED, C_ROOT,
	};
	struct nl_walk *w = shared(sizeof(*w));
	struct snapshot *before = calloc(1, sizeof(*before));
	struct snapshot *after = calloc(1, sizeof(*after));
	struct ku_files sc;
	uint64_t token = 0;
	size_t k;

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, after);
	/* Something to lose: a token of root's, held by the fixture socket. */
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "walk", PP, &sc));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &sc, PP, &token))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_remove(&self->nl, 0));

	for (k = 0; k < ARRAY_SIZE(order); k++) {
		memset(w, 0, sizeof(*w));
		w->c = order[k];
		ASSERT_EQ(0, snap(&self->nl, before));
		EXPECT_EQ(0, in_child(walk_nl, w))
			TH_LOG("%s: no socket (%s)", caller_name[w->c],
			       strerror(-w->setup_err));
		check_walk(_metadata, w);
		if (w->c == C_ROOT)
			break;	/* root's CLEAR and WORLD_UNLOAD act */
		ASSERT_EQ(0, snap(&self->nl, after));
		EXPECT_TRUE(snap_same(before, after))
			TH_LOG("the walk as %s changed the state",
			       caller_name[w->c]);
	}
	/* Root's walk ended with CLEAR and WORLD_UNLOAD: nothing is left. */
	EXPECT_EQ(ENOKEY, nlraw_request(&self->nl, KHSM_CMD_WORLD_UNLOAD,
					KHSM_GENL_VERSION, 0, NULL, 0));
	free(before);
	free(after);
	munmap(w, sizeof(*w));
}

/* ---- the data channel ---- */

enum dcaller {
	D_ROOT, D_OPERATOR, D_OUTSIDER, D_USERNS, D_USERNET, D_PASSED,
	D_INTO_USERNS, D__COUNT
};
static const char *const dcaller_name[] = {
	"root", "operator", "outsider", "userns", "userns+netns",
	"fd passed to outsider", "fd taken into userns+netns",
};

struct ioc_walk {
	enum dcaller c;
	int open_err;
	int err[NIOCS];
	struct ku_blob mac, ec;
	int passfd;	/* root's descriptor, for D_PASSED and D_INTO_USERNS */
};

static int mac_op(int fd, uint64_t h, struct khsm_ioc_op *op,
		  unsigned char out[32])
{
	static const unsigned char msg[16] = "role walk probe.";

	ku_op_init(op, h, KHSM_OP_MAC_GENERATE, KHSM_MECH_HMAC_SHA256);
	ku_op_io(op, msg, sizeof(msg), out, 32);
	return ku_op(fd, op);
}

static int ioc_probe(int fd, const struct ioc_row *r, struct ioc_walk *w,
		     uint64_t *h)
{
	unsigned char out[128];
	struct khsm_ioc_info info = { .size = sizeof(info) };
	struct khsm_ioc_random rnd = { .size = sizeof(rnd) };
	struct khsm_ioc_batch b = { .size = sizeof(b) };
	struct khsm_ioc_pubkey p = { .size = sizeof(p) };
	struct khsm_ioc_op op;
	uint64_t h2;
	int err;

	switch (r->nr) {
	case KHSM_IOC_NR_INFO:
		return ku_ioc(fd, KHSM_IOC_INFO, &info);
	case KHSM_IOC_NR_RANDOM:
		rnd.len = 16;
		rnd.out_uptr = (uintptr_t)out;
		return ku_ioc(fd, KHSM_IOC_RANDOM, &rnd);
	case KHSM_IOC_NR_LOAD:
		return ku_load(fd, w->mac.data, w->mac.len, 0, h);
	case KHSM_IOC_NR_OP:
		return mac_op(fd, *h, &op, out);
	case KHSM_IOC_NR_OP_BATCH:
		ku_op_init(&op, *h, KHSM_OP_MAC_GENERATE, KHSM_MECH_HMAC_SHA256);
		ku_op_io(&op, "batch", 5, out, 32);
		b.count = 1;
		b.op_size = sizeof(op);
		b.ops_uptr = (uintptr_t)&op;
		err = ku_ioc(fd, KHSM_IOC_OP_BATCH, &b);
		return err ?: (b.out_done == 1 ? 0 : -op.out_status);
	case KHSM_IOC_NR_PUBKEY:
		err = ku_load(fd, w->ec.data, w->ec.len, 0, &h2);
		if (err)
			return err;
		p.handle = h2;
		p.out_len = sizeof(out);
		p.out_uptr = (uintptr_t)out;
		return ku_ioc(fd, KHSM_IOC_PUBKEY, &p);
	case KHSM_IOC_NR_DESTROY:
		return ku_destroy(fd, *h);
	}
	return -EINVAL;
}

static int walk_ioc(void *arg)
{
	struct ioc_walk *w = arg;
	uint64_t h = 0;
	size_t i;
	int fd;

	switch (w->c) {
	case D_OPERATOR:
		w->open_err = -become(&w_op);
		break;
	case D_OUTSIDER:
	case D_PASSED:
		w->open_err = -become(&w_out);
		break;
	case D_USERNS:
		w->open_err = -enter_userns(CLONE_NEWUSER);
		break;
	case D_USERNET:
	case D_INTO_USERNS:
		w->open_err = -enter_userns(CLONE_NEWUSER | CLONE_NEWNET);
		break;
	default:
		break;
	}
	if (w->open_err)
		return 1;
	if (w->c == D_PASSED || w->c == D_INTO_USERNS) {
		fd = recv_fd(w->passfd, &w->open_err);
	} else {
		fd = ku_open();
		w->open_err = fd < 0 ? errno : 0;
	}
	if (fd < 0)
		return 0;
	for (i = 0; i < NIOCS; i++)
		w->err[i] = ioc_probe(fd, &iocs[i], w, &h);
	close(fd);
	return 0;
}

TEST_F_TIMEOUT(roles, ioctl_walk, 120)
{
	static const int open_err[D__COUNT] = {
		[D_OUTSIDER] = EACCES,	/* the node is root:khsm 0660 */
		[D_USERNS] = EPERM,	/* the module's own check */
		[D_USERNET] = EPERM,
	};
	struct ioc_walk *w = shared(sizeof(*w));
	struct ku_keyspec s;
	struct ku_blob *mac = calloc(1, sizeof(*mac));
	struct ku_blob *ec = calloc(1, sizeof(*ec));
	int c, sp[2], fd;
	size_t i;

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, mac);
	ASSERT_NE(NULL, ec);
	s = ku_spec(KHSM_KEY_HMAC, BIT(KHSM_OP_MAC_GENERATE),
		    BIT(KHSM_MECH_HMAC_SHA256), 0);
	ASSERT_EQ(0, ku_key_generate(&self->nl, &s, mac));
	s = ku_spec(KHSM_KEY_EC_P256, BIT(KHSM_OP_SIGN) |
		    BIT(KHSM_OP_EXPORT_PUBLIC),
		    BIT(KHSM_MECH_ECDSA_P256_SHA256), 0);
	ASSERT_EQ(0, ku_key_generate(&self->nl, &s, ec));

	for (c = 0; c < D__COUNT; c++) {
		memset(w, 0, sizeof(*w));
		w->c = c;
		w->mac = *mac;
		w->ec = *ec;
		w->passfd = -1;
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp));
		w->passfd = sp[1];
		fd = -1;
		if (c == D_PASSED || c == D_INTO_USERNS) {
			fd = ku_open();
			ASSERT_LE(0, fd);
			/* Queued now, received by the child once it has changed. */
			ASSERT_EQ(0, send_fd(sp[0], fd, 0));
		}
		EXPECT_EQ(0, in_child(walk_ioc, w)) TH_LOG("%s", dcaller_name[c]);
		EXPECT_EQ(open_err[c], w->open_err)
			TH_LOG("open as %s: %s", dcaller_name[c],
			       strerror(w->open_err));
		for (i = 0; i < NIOCS && !open_err[c]; i++) {
			const char *what = iocs[i].name;

			EXPECT_EQ(0, w->err[i])
				TH_LOG("%s as %s: %s", what ? what : "?",
				       dcaller_name[c], strerror(w->err[i]));
		}
		if (fd >= 0)
			close(fd);
		close(sp[0]);
		close(sp[1]);
	}
	free(mac);
	free(ec);
	munmap(w, sizeof(*w));
}

/*
 * A /dev/khsm descriptor passed over SCM_RIGHTS to another uid is the
 * same connection: its handles go with it (the open file holds them), but
 * every check of who the caller is asks the process making the call. A
 * key whose ACL names a uid refuses the receiver, and a token-protected
 * key the receiver could not use does not load for it.
 */
struct passed {
	int sock;
	uint64_t h_plain, h_uid, h_token;
	struct ku_blob token_blob;
	int open_err, plain, uid, token, load_token, destroy;
};

static int use_passed(void *arg)
{
	struct passed *p = arg;
	struct khsm_ioc_op op;
	unsigned char out[32];
	uint64_t h;
	int fd, val;

	if (become(&w_out))
		return 1;
	fd = ku_open();
	p->open_err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	fd = recv_fd(p->sock, &val);
	if (fd < 0)
		return 2;
	p->plain = mac_op(fd, p->h_plain, &op, out);
	p->uid = mac_op(fd, p->h_uid, &op, out);
	p->token = mac_op(fd, p->h_token, &op, out);
	p->load_token = ku_load(fd, p->token_blob.data, p->token_blob.len, 0,
				&h);
	p->destroy = ku_destroy(fd, p->h_plain);
	close(fd);
	return 0;
}

TEST_F(roles, dev_fd_passed_to_another_uid)
{
	struct passed *p = shared(sizeof(*p));
	struct khsm_ioc_op op;
	struct ku_files sc;
	struct ku_keyspec s;
	struct ku_blob *b = calloc(1, sizeof(*b));
	unsigned char out[32];
	uint64_t token = 0;
	int fd, sp[2];

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, b);
	fd = ku_open();
	ASSERT_LE(0, fd);
	s = ku_spec(KHSM_KEY_HMAC, BIT(KHSM_OP_MAC_GENERATE),
		    BIT(KHSM_MECH_HMAC_SHA256), 0);
	ASSERT_EQ(0, ku_key_generate(&self->nl, &s, b));
	ASSERT_EQ(0, ku_load(fd, b->data, b->len, 0, &p->h_plain));
	s.acl.flags = KHSM_ACL_F_UID;
	s.acl.uid = 0;
	ASSERT_EQ(0, ku_key_generate(&self->nl, &s, b))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_load(fd, b->data, b->len, 0, &p->h_uid));
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "passed", PP, &sc));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &sc, PP, &token))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
	s = ku_spec(KHSM_KEY_HMAC, BIT(KHSM_OP_MAC_GENERATE),
		    BIT(KHSM_MECH_HMAC_SHA256), 0);
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = token;
	ASSERT_EQ(0, ku_key_generate(&self->nl, &s, &p->token_blob))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_load(fd, p->token_blob.data, p->token_blob.len, 0,
			     &p->h_token));
	/* Root itself may use all three. */
	EXPECT_EQ(0, mac_op(fd, p->h_uid, &op, out));

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp));
	p->sock = sp[1];
	ASSERT_EQ(0, send_fd(sp[0], fd, 0));
	EXPECT_EQ(0, in_child(use_passed, p));
	EXPECT_EQ(EACCES, p->open_err);	/* the outsider cannot open it */
	EXPECT_EQ(0, p->plain);		/* the connection's handle */
	EXPECT_EQ(EACCES, p->uid);	/* the ACL's uid is the caller's */
	EXPECT_EQ(0, p->token);		/* checked when root loaded it */
	EXPECT_EQ(EACCES, p->load_token);	/* root's token, not ours */
	EXPECT_EQ(0, p->destroy);
	/* One connection: the receiver's DESTROY is root's too. */
	EXPECT_EQ(ENOENT, mac_op(fd, p->h_plain, &op, out));
	EXPECT_EQ(0, mac_op(fd, p->h_token, &op, out));
	close(sp[0]);
	close(sp[1]);
	close(fd);
	free(b);
	munmap(p, sizeof(*p));
}

/* ---- multicast ---- */

struct mc_join {
	enum caller c;
	int sock;
};

/* Joins the audit group as @c and passes the socket back. */
static int join_as(void *arg)
{
	struct mc_join *j = arg;
	int fd = caller_socket(j->c), err = 0;

	if (fd < 0)
		err = fd;
	else if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			    &audit_grp, sizeof(audit_grp)))
		err = -errno;
	return send_fd(j->sock, fd, err) ? 1 : 0;
}

/* A record of the audit group on @fd within @ms. */
static int got_record(int fd, int ms)
{
	static unsigned char buf[65536];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct nlmsghdr *nlh = (void *)buf;
	ssize_t n;

	while (poll(&pfd, 1, ms) == 1) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN))
			return 0;
		if (nlh->nlmsg_type == fam_id &&
		    ((struct genlmsghdr *)NLMSG_DATA(nlh))->cmd ==
		    KHSM_CMD_AUDIT_GET)
			return 1;
	}
	return 0;
}

TEST_F_TIMEOUT(roles, multicast_walk, 60)
{
	/*
	 * Joining is the kernel's check (GENL_MCAST_CAP_SYS_ADMIN), made
	 * once, on the joining process, against the socket's network
	 * namespace's owner: root in a new user+network namespace may join
	 * there, where the module never sends. A socket that joined keeps
	 * receiving, whoever holds it: helper/outsider is root joining the
	 * outsider's socket (a privileged process's deliberate act).
	 */
	static const enum caller callers[] = {
		C_ROOT, C_OPERATOR, C_OUTSIDER, C_USERNS, C_USERNET,
		C_HELPER_OUT, C_HANDED,
	};
	struct {
		enum caller c;
		int join_err, delivered;
	} want[ARRAY_SIZE(callers)];
	int fds[ARRAY_SIZE(want)], errs[ARRAY_SIZE(want)], sp[2];
	struct mc_join j;
	size_t i;

	ASSERT_NE(0, audit_grp);
	ASSERT_EQ(0, strcmp(groups[0].name, KHSM_MCGRP_AUDIT));
	for (i = 0; i < ARRAY_SIZE(callers); i++) {
		enum caller c = callers[i];

		want[i].c = c;
		/* The exceptions are the kernel's join rule, described above. */
		want[i].join_err = c == C_USERNET || c == C_HELPER_OUT ||
				   holds(c, groups[0].role) ? 0 : EPERM;
		want[i].delivered = !want[i].join_err && c != C_USERNET;
	}
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		j.c = want[i].c;
		j.sock = sp[1];
		EXPECT_EQ(0, in_child(join_as, &j));
		fds[i] = recv_fd(sp[0], &errs[i]);
		EXPECT_EQ(-want[i].join_err, errs[i])
			TH_LOG("join as %s: %s", caller_name[want[i].c],
			       strerror(-errs[i]));
	}
	/* Anything audited: a checkpoint. */
	ASSERT_EQ(0, nlraw_request(&self->nl, KHSM_CMD_AUDIT_CHECKPOINT,
				   KHSM_GENL_VERSION, 0, NULL, 0));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT_EQ(want[i].delivered,
			  fds[i] >= 0 && got_record(fds[i], 1500))
			TH_LOG("record delivered as %s", caller_name[want[i].c]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	close(sp[0]);
	close(sp[1]);
}

/* ---- uids and groups of a request: both credentials ---- */

struct owner_case {
	const struct who *opener, *sender;
	uint64_t token, shared_token;
	struct ku_files card;
	int unload, gen, gen_shared, insert_shared;
	char extack[4][256];
};

static int owner_walk(void *arg)
{
	struct owner_case *o = arg;
	struct ku_keyspec s = ku_spec(KHSM_KEY_HMAC, BIT(KHSM_OP_MAC_GENERATE),
				      BIT(KHSM_MECH_HMAC_SHA256), 0);
	struct nlraw nl = { .family = fam_id };
	uint64_t t = 0;

	nl.fd = opened_by(o->opener);
	if (nl.fd < 0 || become(o->sender))
		return 1;
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = o->shared_token;
	o->gen_shared = ku_key_generate(&nl, &s, NULL);
	memcpy(o->extack[0], nl.extack, sizeof(nl.extack));
	o->insert_shared = ku_card_insert_shared(&nl, 1, &o->card, PP,
						 SHARE_GID, &t);
	memcpy(o->extack[1], nl.extack, sizeof(nl.extack));
	if (!o->insert_shared)
		ku_card_remove(&nl, 1);
	s.token_id = o->token;
	o->gen = ku_key_generate(&nl, &s, NULL);
	memcpy(o->extack[2], nl.extack, sizeof(nl.extack));
	o->unload = ku_token_unload(&nl, o->token);
	memcpy(o->extack[3], nl.extack, sizeof(nl.extack));
	nlraw_close(&nl);
	return 0;
}

/*
 * A token is its loading uid's and its share group's. On the control
 * channel "the caller" is both the sender and the socket's opener: a
 * root helper writing to khsmop's socket neither unloads root's token nor
 * makes keys under it, and a setgid helper does not lend its group to the
 * socket of a user outside it.
 */
TEST_F(roles, request_owns_only_what_both_credentials_own)
{
	struct owner_case *o = shared(sizeof(*o));
	struct ku_files sc, shared_sc, ins_sc;
	uint64_t token = 0, shared_token = 0;

	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "root", PP, &sc));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &sc, PP, &token))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "shared", PP, &shared_sc));
	ASSERT_EQ(0, ku_card_insert_shared(&self->nl, 0, &shared_sc, PP,
					   SHARE_GID, &shared_token))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "insert", PP, &ins_sc));

	/* A root helper on khsmop's socket. */
	memset(o, 0, sizeof(*o));
	o->opener = &w_op;
	o->sender = &w_root_khsm;
	o->token = token;
	o->shared_token = shared_token;
	o->card = ins_sc;
	ASSERT_EQ(0, in_child(owner_walk, o));
	EXPECT_EQ(EACCES, o->gen) TH_LOG("%s", o->extack[2]);
	EXPECT_EQ(EPERM, o->unload) TH_LOG("%s", o->extack[3]);
	EXPECT_NE(0, o->extack[2][0]);
	EXPECT_NE(0, o->extack[3][0]);
	/* Its share group is the helper's, not the opener's: */
	EXPECT_EQ(EACCES, o->gen_shared) TH_LOG("%s", o->extack[0]);
	EXPECT_EQ(EPERM, o->insert_shared) TH_LOG("%s", o->extack[1]);

	/* A setgid helper of khsmop's on khsmop's socket. */
	memset(o, 0, sizeof(*o));
	o->opener = &w_op;
	o->sender = &w_op_shared;
	o->token = token;
	o->shared_token = shared_token;
	o->card = ins_sc;
	ASSERT_EQ(0, in_child(owner_walk, o));
	EXPECT_EQ(EACCES, o->gen_shared) TH_LOG("%s", o->extack[0]);
	EXPECT_EQ(EPERM, o->insert_shared) TH_LOG("%s", o->extack[1]);
	EXPECT_EQ(EACCES, o->gen);
	EXPECT_EQ(EPERM, o->unload);

	/* Control: the group's member on its own socket may. */
	memset(o, 0, sizeof(*o));
	o->opener = &w_op_shared;
	o->sender = &w_op_shared;
	o->token = token;
	o->shared_token = shared_token;
	o->card = ins_sc;
	ASSERT_EQ(0, in_child(owner_walk, o));
	EXPECT_EQ(0, o->gen_shared) TH_LOG("%s", o->extack[0]);
	EXPECT_EQ(0, o->insert_shared) TH_LOG("%s", o->extack[1]);
	EXPECT_EQ(EACCES, o->gen);	/* root's token is still root's */
	EXPECT_EQ(EPERM, o->unload);

	/* Root's token is still there and still root's to unload. */
	EXPECT_EQ(0, ku_token_unload(&self->nl, token))
		TH_LOG("%s", self->nl.extack);
	munmap(o, sizeof(*o));
}

/* ---- the policy's groups ---- */

#define OPERATOR_GID 4272

struct grp_probe {
	const struct who *w;
	struct answer info;
	int open_err;
};

static int probe_groups(void *arg)
{
	struct grp_probe *g = arg;
	int fd;

	if (become(g->w))
		return 1;
	fd = nl_sock();
	if (fd < 0)
		return 2;
	probe(fd, KHSM_CMD_GET_INFO, 0, &g->info);
	close(fd);
	fd = ku_open();
	g->open_err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * A policy that names an operator and a user group replaces the module's
 * gid: a member of the node's group (khsm) that is in neither may open
 * nothing and query nothing; the user group opens /dev/khsm but does not
 * query; the operator group does both.
 */
TEST_F(roles, policy_groups_replace_the_module_gid)
{
	struct grp_probe *g = shared(sizeof(*g));
	struct who khsm_only = w_op, user = w_op, oper = w_op;
	struct ku_buf *b = calloc(1, sizeof(*b));
	void *n;

	ASSERT_NE(NULL, g);
	ASSERT_NE(NULL, b);
	user.groups[user.ngroups++] = SHARE_GID;
	oper.groups[oper.ngroups++] = OPERATOR_GID;
	/* The 1/1 ACS card authorises POLICY_SET. */
	ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &self->files, -1, NULL))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
	n = ku_nest_start(b, KHSM_A_WORLD_OPTS);
	ku_put_u32(b, KHSM_A_OPT_OPERATOR_GID, OPERATOR_GID);
	ku_put_u32(b, KHSM_A_OPT_USER_GID, SHARE_GID);
	ku_nest_end(b, n);
	ASSERT_EQ(0, ku_request(&self->nl, KHSM_CMD_POLICY_SET, b))
		TH_LOG("%s", self->nl.extack);

	g->w = &khsm_only;
	ASSERT_EQ(0, in_child(probe_groups, g));
	EXPECT_EQ(EPERM, g->info.err);
	EXPECT_NE(NULL, strstr(g->info.extack, "khsm group"))
		TH_LOG("extack '%s'", g->info.extack);
	EXPECT_EQ(EPERM, g->open_err);

	g->w = &user;
	ASSERT_EQ(0, in_child(probe_groups, g));
	EXPECT_EQ(EPERM, g->info.err);
	EXPECT_EQ(0, g->open_err);

	g->w = &oper;
	ASSERT_EQ(0, in_child(probe_groups, g));
	EXPECT_EQ(0, g->info.err) TH_LOG("%s", g->info.extack);
	EXPECT_EQ(0, g->open_err);

	/* Unloading the world gives the module's gid back. */
	ASSERT_EQ(0, ku_world_unload(&self->nl));
	g->w = &khsm_only;
	ASSERT_EQ(0, in_child(probe_groups, g));
	EXPECT_EQ(0, g->info.err) TH_LOG("%s", g->info.extack);
	EXPECT_EQ(0, g->open_err);
	free(b);
	munmap(g, sizeof(*g));
}

TEST_HARNESS_MAIN
