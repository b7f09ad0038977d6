// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Creating a card set ("world new", "acs replace", "cardset create",
 * "softcard create"): for each card its name, its holder, where its file
 * goes and its passphrase, all before the module is asked, so a typo never
 * strands a half-made world or set; then, for an ACS, the card files and
 * the register the module's answer makes (cardset.c finishes the others).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cards.h"

/* Prompts for names and paths only when stdin is a person, not the lines. */
static bool asking(const struct ceremony *c)
{
	return interactive() && c->pp.fd != STDIN_FILENO;
}

/*
 * Ask until the answer is 1 to @max - 1 bytes without control characters
 * (or empty, if @empty_ok); end of input gives up.
 */
static int ask_valid(const struct ceremony *c, const char *prompt,
		     const char *def, char *buf, size_t size, size_t max,
		     bool empty_ok)
{
	int ret;

	for (;;) {
		ret = ask(prompt, def, buf, size);
		if (ret && ret != -EMSGSIZE && ret != -EINVAL) {
			fail(c->cmd, "no answer (%s)", strerror(-ret));
			return KHSMCTL_EXIT_FAILED;
		}
		if (!ret && ((empty_ok && !buf[0]) || printable_name(buf, max)))
			return 0;
		fprintf(stderr, "  1 to %zu bytes without control characters\n",
			max - 1);
	}
}

static const char *prefix(const struct ceremony *c)
{
	return c->prefix ? c->prefix : "acs";
}

static int card_name(struct ceremony *c, unsigned int i)
{
	struct khsm_card_req *r = &c->sec->reqs[i];
	char def[KHSM_NAME_MAX], buf[256];
	int ret;

	/* PREFIX-I, the prefix cut so that the number always fits. */
	snprintf(def, sizeof(def), "%.59s-%u", prefix(c), i + 1);
	r->index = (uint8_t)(i + 1);
	if (c->softcard) {	/* its one card is the softcard */
		copy_text(r->name, sizeof(r->name), prefix(c));
		return 0;
	}
	if (i < c->args->nnames) {
		copy_text(r->name, sizeof(r->name), c->args->names[i]);
		return 0;
	}
	if (!asking(c)) {
		copy_text(r->name, sizeof(r->name), def);
		return 0;
	}
	ret = ask_valid(c, "  card name", def, buf, sizeof(buf), KHSM_NAME_MAX,
			false);
	if (!ret)
		copy_text(r->name, sizeof(r->name), buf);
	return ret;
}

static int card_holder(struct ceremony *c, unsigned int i)
{
	char buf[512];
	int ret;

	c->holders[i][0] = '\0';
	if (c->softcard)
		return 0;
	if (i < c->args->nholders) {
		copy_text(c->holders[i], HOLDER_MAX, c->args->holders[i]);
		return 0;
	}
	if (!asking(c))
		return 0;
	ret = ask_valid(c, "  holder (who keeps the card; for the register)",
			NULL, buf, sizeof(buf), HOLDER_MAX, true);
	if (!ret)
		copy_text(c->holders[i], HOLDER_MAX, buf);
	return ret;
}

/* The directory part of @path, allocated; NULL if out of memory. */
char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* The card's directory must take the file: found out now, not after. */
static int check_dir(const struct ceremony *c, const char *path)
{
	char *dir = dir_of(path);
	int ret = 0;

	if (!dir || access(dir, W_OK | X_OK)) {
		fail(c->cmd, "%s: %s", dir ? dir : path,
		     strerror(dir ? errno : ENOMEM));
		ret = KHSMCTL_EXIT_FAILED;
	}
	free(dir);
	return ret;
}

/* Two cards in one file would leave the set short of a card. */
static int check_path(struct ceremony *c, unsigned int i)
{
	const char *path = c->paths[i];
	struct stat st;
	unsigned int j;

	for (j = 0; j < i; j++) {
		if (!strcmp(c->paths[j], path)) {
			fail(c->cmd, "%s: cards %u and %u in one file", path,
			     j + 1, i + 1);
			return KHSMCTL_EXIT_USAGE;
		}
	}
	if (stat(path, &st)) {
		if (errno == ENOENT)
			return check_dir(c, path);
		fail(c->cmd, "%s: %s", path, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(c->cmd, "%s: not a regular file", path);
		return KHSMCTL_EXIT_FAILED;
	}
	if (c->args->yes || (asking(c) && confirm("  the file exists: overwrite?")))
		return 0;
	fail(c->cmd, "%s exists%s", path,
	     asking(c) ? "" : " (--yes overwrites it)");
	return KHSMCTL_EXIT_FAILED;
}

static int ask_path(struct ceremony *c, const char *def, char *buf,
		    size_t size)
{
	int ret;

	for (;;) {
		ret = ask_valid(c, "  card file", def, buf, size, size, false);
		if (ret || buf[strlen(buf) - 1] != '/')
			return ret;
		fprintf(stderr, "  a file, not a directory\n");
	}
}

static int card_path(struct ceremony *c, unsigned int i)
{
	const char *dir = c->args->card_dir;
	char def[4096], buf[4096];
	int ret = 0;

	if (c->softcard)	/* its file is cardset.c's business */
		return 0;
	if (dir)
		snprintf(def, sizeof(def), "%s/%s-%u.card", dir, prefix(c),
			 i + 1);
	if (asking(c)) {
		ret = ask_path(c, dir ? def : NULL, buf, sizeof(buf));
	} else if (dir) {
		snprintf(buf, sizeof(buf), "%s", def);
	} else {
		fail(c->cmd, "not on a terminal: give --card-dir");
		ret = KHSMCTL_EXIT_USAGE;
	}
	if (ret)
		return ret;
	c->paths[i] = strdup(buf);
	if (!c->paths[i]) {
		fail(c->cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	return check_path(c, i);
}

/*
 * The policy's minimum length, in characters. No passphrase at all counts
 * as short: a policy that refuses short passphrases requires them. 0 if
 * acceptable (perhaps with a warning), -EAGAIN to ask again, or an exit
 * status.
 */
static int check_length(const struct ceremony *c, unsigned int i,
			const char *pp, size_t len)
{
	uint32_t min = c->rules->pp_min_len;
	size_t chars = utf8_chars(pp, len);

	if (!len && c->softcard) {	/* a passphrase is all it has */
		if (c->pp.tty) {
			fprintf(stderr, "  a softcard needs a passphrase\n");
			return -EAGAIN;
		}
		fail(c->cmd, "a softcard needs a passphrase");
		return KHSMCTL_EXIT_FAILED;
	}
	if (chars >= min)
		return 0;
	if (!c->rules->pp_short_refuse) {
		warn("card %u: %s (the policy asks for at least %u characters)",
		     i + 1, len ? "short passphrase" : "no passphrase", min);
		return 0;
	}
	if (c->pp.tty) {
		fprintf(stderr, "  too short: the policy wants at least %u characters\n",
			min);
		return -EAGAIN;
	}
	fail(c->cmd, "card %u: %s: the policy refuses fewer than %u characters",
	     i + 1, len ? "passphrase too short" : "no passphrase", min);
	return KHSMCTL_EXIT_FAILED;
}

/* Asked twice on a terminal; from lines, once. */
static int read_passphrase(struct ceremony *c, unsigned int i, size_t *len)
{
	struct secrets *s = c->sec;
	size_t len2;
	int ret;

	for (;;) {
		ret = pp_next(&c->pp, c->cmd, c->softcard ? "  passphrase: " :
			      "  passphrase (empty for none): ", s->pp, len);
		if (!ret && c->pp.tty)
			ret = pp_next(&c->pp, c->cmd, "  passphrase again: ",
				      s->again, &len2);
		if (ret)
			return ret;
		if (c->pp.tty && (*len != len2 || memcmp(s->pp, s->again, *len))) {
			fprintf(stderr, "  the two differ; once more\n");
			continue;
		}
		ret = check_length(c, i, s->pp, *len);
		if (ret != -EAGAIN)
			return ret;
	}
}

static int card_passphrase(struct ceremony *c, unsigned int i)
{
	struct khsm_card_req *r = &c->sec->reqs[i];
	size_t len = 0;
	int ret;

	ret = read_passphrase(c, i, &len);
	if (ret || !len)
		goto out;
	ret = KHSMCTL_EXIT_FAILED;
	if (getrandom(r->pp_salt, sizeof(r->pp_salt), 0) != sizeof(r->pp_salt)) {
		fail(c->cmd, "getrandom: %s", strerror(errno));
		goto out;
	}
	r->has_passphrase = 1;
	r->pbkdf2_iter = c->rules->pbkdf2_iter;
	ret = pp_stretch(c->cmd, i + 1, c->sec->pp, len, r->pp_salt,
			 r->pbkdf2_iter, r->pp_key);
out:
	explicit_bzero(c->sec->pp, sizeof(c->sec->pp));
	explicit_bzero(c->sec->again, sizeof(c->sec->again));
	return ret;
}

/*
 * Everything about each card, before anything is sent, into the
 * ceremony's secrets, with passphrases from its source (both opened here,
 * closed by ceremony_end()). Passphrase lines left over are an error
 * unless --card files follow them (acs replace).
 */
int ceremony_collect(struct ceremony *c)
{
	unsigned int i;
	int ret;

	c->sec = secrets_alloc(c->cmd);
	if (!c->sec)
		return KHSMCTL_EXIT_FAILED;
	ret = pp_source_open(&c->pp, &c->args->auth.pp, c->cmd);
	if (ret)
		return ret;
	for (i = 0; i < c->n; i++) {
		if (asking(c) || c->pp.tty)
			fprintf(stderr, "Card %u of %u\n", i + 1, c->n);
		ret = card_name(c, i) ?: card_holder(c, i) ?: card_path(c, i) ?:
		      card_passphrase(c, i);
		if (ret)
			return ret;
	}
	if (c->args->auth.ncards)
		return 0;
	return pp_no_more_lines(&c->pp, c->cmd, c->sec->pp);
}

/* The module's card files: one per index 1..N, all of one set. */
int ceremony_check_cards(const struct ceremony *c,
			 const struct khsm_card_file *cards, size_t n)
{
	uint8_t set_id[KHSM_SET_ID_LEN];
	struct khsm_card_info ci;
	size_t i;

	if (n != c->n) {
		fail(c->cmd, "the module returned %zu card files for %u cards",
		     n, c->n);
		return KHSMCTL_EXIT_FAILED;
	}
	for (i = 0; i < n; i++) {
		if (cards[i].index != i + 1 ||
		    khsm_card_parse(cards[i].data, cards[i].len, &ci, NULL, 0) ||
		    ci.index != i + 1 ||
		    (i && memcmp(ci.set_id, set_id, sizeof(set_id)))) {
			fail(c->cmd, "the module returned a bad file for card %zu",
			     i + 1);
			return KHSMCTL_EXIT_FAILED;
		}
		memcpy(set_id, ci.set_id, sizeof(set_id));
	}
	return 0;
}

/* @path as a directory and a name for khsm_write_file_atomic(). */
static int write_card(const char *path, const struct khsm_card_file *f)
{
	const char *slash = strrchr(path, '/');
	char *dir = dir_of(path);
	int ret;

	if (!dir)
		return -ENOMEM;
	ret = khsm_write_file_atomic(dir, slash ? slash + 1 : path, f->data,
				     f->len, 0600, (gid_t)-1);
	free(dir);
	return ret;
}

/* The passphrase keys of the card requests, once the module has had them. */
void ceremony_wipe_keys(struct ceremony *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		explicit_bzero(c->sec->reqs[i].pp_key,
			       sizeof(c->sec->reqs[i].pp_key));
}

/*
 * Card files hold shares: 0600, whatever the umask. @cards have passed
 * ceremony_check_cards().
 */
int ceremony_write_cards(struct ceremony *c,
			 const struct khsm_card_file *cards)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < c->n && !ret; i++) {
		ret = write_card(c->paths[i], &cards[i]);
		if (ret) {
			fail(c->cmd, "writing card %u to %s: %s", i + 1,
			     c->paths[i], strerror(-ret));
			return KHSMCTL_EXIT_FAILED;
		}
		c->written[i] = true;
	}
	return ret;
}

void ceremony_unwrite_cards(struct ceremony *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++) {
		if (c->written[i] && unlink(c->paths[i]))
			warn("cannot remove %s: %s", c->paths[i], strerror(errno));
		c->written[i] = false;
	}
}

static void register_row(FILE *f, const struct ceremony *c, unsigned int i,
			 const struct khsm_card_info *ci)
{
	char id[HEX_LEN(KHSM_SET_ID_LEN)], date[32];

	iso_time(date, sizeof(date), ci->created);
	date[10] = '\0';	/* the day is enough for a register */
	fprintf(f, "%u\t%s\t%s\t%s\t%s\n", i + 1, c->sec->reqs[i].name,
		c->holders[i][0] ? c->holders[i] : "-",
		hex(id, ci->set_id, sizeof(ci->set_id)), date);
}

/*
 * The register of who holds which card (the reference's card management
 * guidance), as text: tab-separated rows under '#' comments. NULL if out
 * of memory. The card files have been checked by check_cards().
 */
static char *register_text(const struct ceremony *c,
			   const struct khsm_world_result *res)
{
	char wid[HEX_LEN(KHSM_WORLD_ID_LEN)], sid[HEX_LEN(KHSM_SET_ID_LEN)];
	struct khsm_card_info ci;
	char *text = NULL, now[32];
	size_t size, i;
	FILE *f;

	f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	khsm_card_parse(res->cards[0].data, res->cards[0].len, &ci, NULL, 0);
	fprintf(f, "# khsm ACS register\n# world %s, ACS set %s, %u of %u cards, written %s\n",
		hex(wid, ci.world_id, sizeof(ci.world_id)),
		hex(sid, ci.set_id, sizeof(ci.set_id)), ci.k, ci.n,
		iso_time(now, sizeof(now), (uint64_t)time(NULL)));
	fputs("# index\tcard name\tholder\tset id\tdate\n", f);
	for (i = 0; i < res->ncards; i++) {
		khsm_card_parse(res->cards[i].data, res->cards[i].len, &ci,
				NULL, 0);
		register_row(f, c, (unsigned int)i, &ci);
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* What a ceremony made, on stdout (khsmctl(8) documents the format). */
static void print_made(const struct ceremony *c,
		       const struct khsm_world_result *res, const char *reg)
{
	char buf[HEX_LEN(KHSM_WORLD_ID_LEN)], fp[HEX_LEN(32)];
	unsigned int i;

	if (res->has_world_id)
		printf("world id: %s\n",
		       hex(buf, res->world_id, sizeof(res->world_id)));
	if (res->has_audit_pubkey &&
	    !key_fingerprint(res->audit_pubkey, sizeof(res->audit_pubkey), fp))
		printf("audit key sha256: %s\n", fp);
	printf("world file: %s/%s\n", kmdata_dir, KHSM_WORLD_FILE);
	printf("register: %s/%s\n", kmdata_dir, KHSM_ACS_REGISTER);
	for (i = 0; i < c->n; i++)
		printf("card %u: %s\n", i + 1, c->paths[i]);
	if (reg)
		printf("\n%s", reg);
}

/*
 * The module's answer, onto disk and stdout: the card files and the world
 * file, then the register and what was made. If the files cannot be
 * written, @failed undoes or tells what it can, and the exit status is
 * returned.
 */
int ceremony_finish(struct ceremony *c, const struct khsm_world_result *res,
		    void (*failed)(struct ceremony *c))
{
	char *reg;
	int ret;

	print_warnings(res);
	ret = ceremony_check_cards(c, res->cards, res->ncards) ?:
	      ceremony_write_cards(c, res->cards) ?:
	      write_world_file(c->cmd, res);
	if (ret) {
		failed(c);
		return ret;
	}
	/* The world is safe now; a lost register is printed below anyway. */
	reg = register_text(c, res);
	if (!reg || write_register(c->cmd, reg))
		warn("the register was not saved; copy it from below");
	print_made(c, res, reg);
	free(reg);
	return 0;
}

void ceremony_end(struct ceremony *c)
{
	unsigned int i;

	pp_source_close(&c->pp);
	for (i = 0; i < KHSM_MAX_CARDS; i++)
		free(c->paths[i]);
	secrets_free(c->sec);
	c->sec = NULL;
}
