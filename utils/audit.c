// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl audit: collecting the module's audit log (follow), its state
 * (status), checkpoints on demand and the audit public key. Showing and
 * verifying a log file are in audit_show.c.
 *
 * follow appends to its file and fsync()s before it acknowledges: a record
 * the module may drop (under forced audit, only an acknowledged one) is on
 * disk first. It resumes from the file's last record, so killing and
 * restarting it neither loses nor repeats a record the ring still holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "cards.h"

enum {
	OPT_OUT = 300,
	OPT_ONCE,
	OPT_NO_ACK,
	OPT_JSON_A,
	OPT_WORLD,
};

/* --- log files --- */

int audit_log_open(const char *cmd, const char *path, struct audit_log *log)
{
	struct stat st;
	void *p;
	int fd;

	log->data = NULL;
	log->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fail(cmd, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return KHSMCTL_EXIT_FAILED;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(cmd, "%s: not a regular file", path);
		close(fd);
		return KHSMCTL_EXIT_FAILED;
	}
	if (st.st_size) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			fail(cmd, "%s: %s", path, strerror(errno));
			close(fd);
			return KHSMCTL_EXIT_FAILED;
		}
		log->data = p;
		log->len = (size_t)st.st_size;
	}
	close(fd);
	return 0;
}

void audit_log_close(struct audit_log *log)
{
	if (log->data)
		munmap((void *)log->data, log->len);
	log->data = NULL;
	log->len = 0;
}

/* --- follow --- */

struct follower {
	const char *cmd;
	const char *path;
	int out;			/* the log file */
	bool ack;
	bool tty;
	struct khsm *h;
	int sub;			/* the multicast socket */
	uint8_t instance[KHSM_AUDIT_INSTANCE_LEN];
	bool have_last;			/* @instance and @last are the file's */
	uint64_t last;
	uint64_t written;		/* this run */
	bool need_dump;			/* a record was missed: dump */
	uint8_t *batch;
	size_t batch_len, batch_size;
};

static volatile sig_atomic_t stop_following;

static void on_signal(int sig)
{
	(void)sig;
	stop_following = 1;
}

static void follow_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s audit follow --out FILE [--once] [--no-ack]\n"
		"\n"
		"Append the module's audit records to FILE as they are made, fsync\n"
		"each batch and acknowledge it, so a forced-audit ring can reuse its\n"
		"room. Resumes after the last record FILE holds: no gap, no repeat.\n"
		"Runs until interrupted (SIGINT, SIGTERM); progress goes to stderr.\n"
		"Needs CAP_SYS_ADMIN.\n"
		"\n"
		"  --out FILE   the log file (created 0640 if missing)\n"
		"  --once       collect what the ring holds now, then exit\n"
		"  --no-ack     do not acknowledge (a second, passive copy)\n",
		PROG_NAME);
}

/*
 * The file's last complete record: where to resume. A cut last entry
 * (a crash mid-write) is dropped; anything else that does not read as a
 * log is not ours to truncate.
 */
static int follow_resume_point(struct follower *fw)
{
	struct khsm_audit_record r;
	struct audit_log log;
	size_t tail, rest;
	int ret;

	ret = audit_log_open(fw->cmd, fw->path, &log);
	if (ret)
		return ret;
	tail = khsm_audit_log_tail(log.data, log.len, fw->instance, &fw->last);
	fw->have_last = fw->last != 0;
	rest = log.len - tail;
	if (rest) {
		ret = khsm_audit_record_parse(log.data + tail, rest, &r);
		if (ret == -EMSGSIZE ||
		    (!ret && (size_t)r.len + KHSM_AUDIT_DIGEST_LEN > rest)) {
			warn("%s: dropping an incomplete last entry (%zu bytes at offset %zu)",
			     fw->path, rest, tail);
			ret = ftruncate(fw->out, (off_t)tail) ? -errno : 0;
		} else {
			fail(fw->cmd, "%s: not an audit log from offset %zu on: not appending to it",
			     fw->path, tail);
			ret = -EBADMSG;
		}
	}
	audit_log_close(&log);
	if (ret == -EBADMSG)
		return KHSMCTL_EXIT_FAILED;
	if (ret) {
		fail(fw->cmd, "%s: %s", fw->path, strerror(-ret));
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

static int batch_add(struct follower *fw, const uint8_t *rec, size_t len,
		     const uint8_t *digest)
{
	size_t need = fw->batch_len + len + KHSM_AUDIT_DIGEST_LEN;
	uint8_t *p;

	if (need > fw->batch_size) {
		p = realloc(fw->batch, need * 2);
		if (!p)
			return -ENOMEM;
		fw->batch = p;
		fw->batch_size = need * 2;
	}
	memcpy(fw->batch + fw->batch_len, rec, len);
	memcpy(fw->batch + fw->batch_len + len, digest, KHSM_AUDIT_DIGEST_LEN);
	fw->batch_len = need;
	return 0;
}

/* Each record from a dump or the group: kept once, in order. */
static int follow_record(const uint8_t *rec, size_t len, const uint8_t *digest,
			 void *arg)
{
	struct follower *fw = arg;
	struct khsm_audit_record r;

	if (khsm_audit_record_parse(rec, len, &r) || r.len != len)
		return -EPROTO;
	if (fw->have_last && !memcmp(r.instance, fw->instance, sizeof(fw->instance))) {
		if (r.seq <= fw->last)
			return 0;	/* already stored */
		if (r.seq > fw->last + 1) {
			/* Missed: the dump that follows fills the gap, if it can. */
			fw->need_dump = true;
			return 0;
		}
	} else if (fw->have_last) {
		/* A new module life: its records start a new chain. */
		warn("the module was reloaded: a new chain begins at its seq %llu",
		     (unsigned long long)r.seq);
	}
	memcpy(fw->instance, r.instance, sizeof(fw->instance));
	fw->last = r.seq;
	fw->have_last = true;
	return batch_add(fw, rec, len, digest);
}

/* A dump starts at the ring's oldest: older records are gone for good. */
static int follow_dump_record(const uint8_t *rec, size_t len,
			      const uint8_t *digest, void *arg)
{
	struct follower *fw = arg;
	struct khsm_audit_record r;

	if (!khsm_audit_record_parse(rec, len, &r) && fw->have_last &&
	    !memcmp(r.instance, fw->instance, sizeof(fw->instance)) &&
	    r.seq > fw->last + 1) {
		warn("records %llu..%llu were dropped from the module's ring before they could be collected",
		     (unsigned long long)fw->last + 1,
		     (unsigned long long)r.seq - 1);
		fw->last = r.seq - 1;
	}
	return follow_record(rec, len, digest, arg);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Written, on disk, then acknowledged: in that order. */
static int follow_flush(struct follower *fw)
{
	size_t n = 0, off;
	int ret;

	if (!fw->batch_len)
		return 0;
	ret = write_all(fw->out, fw->batch, fw->batch_len);
	if (!ret && fsync(fw->out))
		ret = -errno;
	if (ret) {
		fail(fw->cmd, "%s: %s", fw->path, strerror(-ret));
		return ret;
	}
	for (off = 0; off < fw->batch_len; n++) {
		struct khsm_audit_record r;

		if (khsm_audit_record_parse(fw->batch + off, fw->batch_len - off, &r))
			break;
		off += r.len + KHSM_AUDIT_DIGEST_LEN;
	}
	fw->batch_len = 0;
	fw->written += n;
	if (fw->ack) {
		ret = khsm_audit_ack(fw->h, fw->instance, fw->last);
		if (ret && ret != -ESTALE) {
			report_error(fw->cmd, fw->h, ret);
			return ret;
		}
	}
	if (fw->tty)
		fprintf(stderr, "\r%s: audit: %llu record(s) stored, up to seq %llu   ",
			PROG_NAME, (unsigned long long)fw->written,
			(unsigned long long)fw->last);
	else
		fprintf(stderr, "%s: audit: %zu record(s) stored, up to seq %llu\n",
			PROG_NAME, n, (unsigned long long)fw->last);
	return 0;
}

static int follow_dump(struct follower *fw)
{
	uint64_t from = fw->have_last ? fw->last + 1 : 0;
	struct khsm_audit_status st;
	int ret;

	ret = khsm_audit_status(fw->h, &st);
	if (ret)
		return ret;
	if (fw->have_last && memcmp(st.instance, fw->instance, sizeof(st.instance)))
		from = 0;	/* reloaded: all of the new chain */
	fw->need_dump = false;
	ret = khsm_audit_dump(fw->h, from, follow_dump_record, fw);
	return ret ?: follow_flush(fw);
}

/* Connects (again): the group first, so nothing falls between. */
static int follow_connect(struct follower *fw)
{
	int ret;

	ret = khsm_open(&fw->h, KHSM_OPEN_CONTROL);
	if (!ret)
		ret = khsm_audit_subscribe(fw->h, &fw->sub);
	if (!ret)
		ret = follow_dump(fw);
	if (ret) {
		if (fw->sub >= 0)
			close(fw->sub);
		fw->sub = -1;
		khsm_close(fw->h);
		fw->h = NULL;
	}
	return ret;
}

static int follow_loop(struct follower *fw)
{
	struct pollfd pfd;
	int ret, n;

	while (!stop_following) {
		if (!fw->h) {
			ret = follow_connect(fw);
			if (ret) {
				sleep(1);	/* the module is being reloaded */
				continue;
			}
		}
		pfd = (struct pollfd){ .fd = fw->sub, .events = POLLIN };
		n = poll(&pfd, 1, 2000);
		if (n < 0 && errno != EINTR)
			return -errno;
		ret = 0;
		if (n > 0)
			ret = khsm_audit_sub_read(fw->sub, follow_record, fw);
		if (ret == -ENOBUFS)
			fw->need_dump = true;
		else if (ret)
			return ret;
		ret = follow_flush(fw);
		/* A quiet spell, or a gap: ask the ring directly. */
		if (!ret && (n == 0 || fw->need_dump))
			ret = follow_dump(fw);
		if (ret == -ENOMEM || ret == -EIO)
			return ret;
		if (ret) {
			/* Most likely the module went away: reconnect. */
			close(fw->sub);
			fw->sub = -1;
			khsm_close(fw->h);
			fw->h = NULL;
		}
	}
	return 0;
}

static const struct option follow_options[] = {
	{ "out", required_argument, NULL, OPT_OUT },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "no-ack", no_argument, NULL, OPT_NO_ACK },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int audit_follow(int argc, char *argv[])
{
	struct follower fw = { .cmd = "audit follow", .out = -1, .sub = -1,
			       .ack = true };
	struct sigaction sa = { .sa_handler = on_signal };
	bool once = false;
	int opt, ret;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", follow_options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			follow_usage(stdout);
			return KHSMCTL_EXIT_OK;
		case OPT_OUT:
			fw.path = optarg;
			break;
		case OPT_ONCE:
			once = true;
			break;
		case OPT_NO_ACK:
			fw.ack = false;
			break;
		default:
			follow_usage(stderr);
			return KHSMCTL_EXIT_USAGE;
		}
	}
	if (!fw.path || optind < argc) {
		follow_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	fw.tty = isatty(STDERR_FILENO);
	fw.out = open(fw.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fw.out < 0) {
		fail(fw.cmd, "%s: %s", fw.path, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	if (flock(fw.out, LOCK_EX | LOCK_NB)) {
		fail(fw.cmd, "%s: another follower is writing it", fw.path);
		ret = KHSMCTL_EXIT_FAILED;
		goto out;
	}
	ret = follow_resume_point(&fw);
	if (ret)
		goto out;
	if (fw.have_last)
		fprintf(stderr, "%s: audit: %s ends at seq %llu: resuming after it\n",
			PROG_NAME, fw.path, (unsigned long long)fw.last);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = follow_connect(&fw);
	if (ret) {
		ret = report_error(fw.cmd, fw.h, ret);
		goto out;
	}
	if (once) {
		/* What arrived on the group meanwhile is in the ring too. */
		ret = 0;
	} else {
		ret = follow_loop(&fw);
		if (!ret)
			ret = follow_flush(&fw);
	}
	if (fw.tty)
		fputc('\n', stderr);
	ret = ret ? report_error(fw.cmd, fw.h, ret) : KHSMCTL_EXIT_OK;
out:
	if (fw.sub >= 0)
		close(fw.sub);
	khsm_close(fw.h);
	free(fw.batch);
	close(fw.out);
	return ret;
}

/* --- status, checkpoint, pubkey --- */

static void status_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s audit status [--json]\n"
		"\n"
		"Show the module's audit ring: which records it holds, which were\n"
		"acknowledged, the last checkpoint, and whether forced audit is\n"
		"refusing work.\n",
		PROG_NAME);
}

static const struct option json_options[] = {
	{ "json", no_argument, NULL, OPT_JSON_A },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int audit_status(int argc, char *argv[])
{
	const char *cmd = "audit status";
	char inst[HEX_LEN(KHSM_AUDIT_INSTANCE_LEN)];
	struct khsm_audit_status st;
	struct khsm *h = NULL;
	bool json = false;
	int opt, ret;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", json_options, NULL)) != -1) {
		if (opt == 'h') {
			status_usage(stdout);
			return KHSMCTL_EXIT_OK;
		}
		if (opt != OPT_JSON_A) {
			status_usage(stderr);
			return KHSMCTL_EXIT_USAGE;
		}
		json = true;
	}
	if (optind < argc) {
		status_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	ret = open_control(cmd, &h);
	if (ret)
		return ret;
	ret = khsm_audit_status(h, &st);
	if (ret) {
		ret = report_error(cmd, h, ret);
		goto out;
	}
	hex(inst, st.instance, sizeof(st.instance));
	if (json)
		printf("{\"instance\": \"%s\", \"first\": %llu, \"next\": %llu, "
		       "\"acked\": %llu, \"ring\": %u, \"last_checkpoint\": %llu, "
		       "\"lost\": %llu, \"forced\": %s, \"blocked\": %s}\n", inst,
		       (unsigned long long)st.first, (unsigned long long)st.next,
		       (unsigned long long)st.acked, st.ring,
		       (unsigned long long)st.last_checkpoint,
		       (unsigned long long)st.lost, st.forced ? "true" : "false",
		       st.blocked ? "true" : "false");
	else
		printf("instance:        %s\n"
		       "records kept:    %llu..%llu (ring of %u)\n"
		       "acknowledged:    %llu\n"
		       "last checkpoint: %llu\n"
		       "lost:            %llu\n"
		       "forced audit:    %s\n",
		       inst, (unsigned long long)st.first,
		       (unsigned long long)st.next - 1, st.ring,
		       (unsigned long long)st.acked,
		       (unsigned long long)st.last_checkpoint,
		       (unsigned long long)st.lost,
		       !st.forced ? "off" : st.blocked ?
		       "on, BLOCKED: run khsmctl audit follow" : "on");
out:
	khsm_close(h);
	return ret;
}

static void checkpoint_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s audit checkpoint\n"
		"\n"
		"Have the module sign a checkpoint now, with the loaded world's audit\n"
		"key, so that every record up to it can be verified. Prints its\n"
		"sequence number.\n",
		PROG_NAME);
}

static int audit_checkpoint(int argc, char *argv[])
{
	const char *cmd = "audit checkpoint";
	struct khsm *h = NULL;
	uint64_t seq = 0;
	int ret;

	if (argc > 1) {
		checkpoint_usage(strcmp(argv[1], "--help") ? stderr : stdout);
		return strcmp(argv[1], "--help") ? KHSMCTL_EXIT_USAGE :
						   KHSMCTL_EXIT_OK;
	}
	ret = open_control(cmd, &h);
	if (ret)
		return ret;
	ret = khsm_audit_checkpoint(h, &seq);
	if (ret)
		ret = report_error(cmd, h, ret);
	else
		printf("checkpoint: seq %llu\n", (unsigned long long)seq);
	khsm_close(h);
	return ret;
}

static void pubkey_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s audit pubkey [--world FILE]\n"
		"\n"
		"Print the world's audit public key (PEM): what 'audit verify\n"
		"--pubkey' takes. From FILE, a world file, or else the kmdata\n"
		"directory's world file.\n",
		PROG_NAME);
}

static const struct option pubkey_options[] = {
	{ "world", required_argument, NULL, OPT_WORLD },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int audit_pubkey(int argc, char *argv[])
{
	const char *cmd = "audit pubkey", *path = NULL;
	struct khsm_audit_key key;
	uint8_t *pem = NULL;
	size_t len = 0;
	int opt, ret;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", pubkey_options, NULL)) != -1) {
		if (opt == 'h') {
			pubkey_usage(stdout);
			return KHSMCTL_EXIT_OK;
		}
		if (opt != OPT_WORLD) {
			pubkey_usage(stderr);
			return KHSMCTL_EXIT_USAGE;
		}
		path = optarg;
	}
	if (optind < argc) {
		pubkey_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	ret = audit_world_key(cmd, path, &key);
	if (ret)
		return ret;
	ret = khsm_ec_spki_from_point(KHSM_KEY_EC_P256, key.pubkey,
				      sizeof(key.pubkey), true, &pem, &len);
	if (ret) {
		fail(cmd, "the world's audit key: %s", strerror(-ret));
		return KHSMCTL_EXIT_FAILED;
	}
	fwrite(pem, 1, len, stdout);
	free(pem);
	return KHSMCTL_EXIT_OK;
}

/* The audit key of a world file (@path, or kmdata's). */
int audit_world_key(const char *cmd, const char *path,
		    struct khsm_audit_key *key)
{
	struct khsm_world_file_info wf;
	char *def = NULL, why[200];
	uint8_t *data = NULL;
	size_t len = 0;
	int ret;

	if (!path) {
		def = kmdata_path(KHSM_WORLD_FILE);
		if (!def)
			return KHSMCTL_EXIT_FAILED;
		path = def;
	}
	ret = khsm_read_file(path, 0, &data, &len, NULL);
	if (ret) {
		fail(cmd, "%s: %s", path, strerror(-ret));
		ret = KHSMCTL_EXIT_FAILED;
	} else if (khsm_world_file_parse(data, len, &wf, why, sizeof(why))) {
		fail(cmd, "%s: %s", path, why);
		ret = KHSMCTL_EXIT_FAILED;
	} else {
		memset(key, 0, sizeof(*key));
		memcpy(key->world_id, wf.world_id, sizeof(key->world_id));
		key->has_world_id = 1;
		memcpy(key->pubkey, wf.audit_pubkey, sizeof(key->pubkey));
	}
	free(data);
	free(def);
	return ret;
}

static const struct verb audit_verbs[] = {
	{ "follow", audit_follow, "Collect the audit log into a file" },
	{ "show", audit_show, "Print an audit log file" },
	{ "verify", audit_verify, "Prove an audit log complete and untampered" },
	{ "status", audit_status, "Show the module's audit ring" },
	{ "checkpoint", audit_checkpoint, "Sign a checkpoint now" },
	{ "pubkey", audit_pubkey, "Print the world's audit public key" },
};

int audit_main(int argc, char *argv[])
{
	return run_verb("audit", audit_verbs, ARRAY_SIZE(audit_verbs), argc, argv);
}
