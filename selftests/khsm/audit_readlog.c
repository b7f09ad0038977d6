// SPDX-License-Identifier: GPL-2.0
/*
 * audit_readlog [SECONDS]: prints what the kernel's audit subsystem logs,
 * one line per record ("type=N text"), read from its read-only multicast
 * group (AUDIT_NLGRP_READLOG, needs CAP_AUDIT_READ) the way a log
 * collector beside auditd would. For audit_test.sh: the khsm records must
 * reach the kernel's audit log, not only khsm's own. Runs SECONDS (default
 * 60) or until killed; prints "ready" on stderr once it listens.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int main(int argc, char *argv[])
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	unsigned int group = AUDIT_NLGRP_READLOG;
	int seconds = argc > 1 ? atoi(argv[1]) : 60;
	static char buf[1 << 16];
	time_t end = time(NULL) + seconds;
	struct pollfd pfd;
	struct nlmsghdr *nlh;
	ssize_t n;
	int fd, len;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group))) {
		fprintf(stderr, "audit_readlog: %s\n", strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "ready\n");
	while (time(NULL) < end) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 500) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EINTR)
				continue;
			fprintf(stderr, "audit_readlog: %s\n", strerror(errno));
			return 1;
		}
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len))
			printf("type=%u %.*s\n", nlh->nlmsg_type,
			       (int)(nlh->nlmsg_len - NLMSG_HDRLEN),
			       (char *)NLMSG_DATA(nlh));
	}
	return 0;
}
