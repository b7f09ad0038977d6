// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in for the khsm module, linked into khsmctl with ld --wrap so its
 * ceremonies run on a host without the module: what they ask, the files
 * they write, what they print and how they exit. It keeps the world in
 * the file $KHSM_FAKE_STATE between runs; quorums count per process, as
 * the module counts them per connection. It checks nothing cryptographic:
 * a card file's body holds the passphrase key it wants, and the
 * "PBKDF2" is a keyed hash of the passphrase. The guest selftests run the
 * real thing.
 *
 * $KHSM_FAKE_WARN: WORLD_NEW answers with this warning.
 * $KHSM_FAKE_PULL: WORLD_NEW removes this (empty) directory, as if the
 * medium the cards were to go to had been pulled out meanwhile.
 *
 * Tokens live in the state file too, each with the pid of the process
 * ("connection") that loaded it: closing the handle, or that process
 * being gone, unloads them, as closing the connection does. Commands on
 * tokens read the file afresh, so that processes see each other's.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "internal.h"

#define NONCE	12
#define TAG	16
#define MAC	32
/* The passphrase key it wants, then a set's terms: persistent, timeout. */
#define TERMS	(NONCE + KHSM_PP_KEY_LEN)
#define CARD_BODY (TERMS + 8 + TAG)
#define FAKE_TOKENS 8

struct fake_token {
	uint64_t id;
	int32_t pid;			/* the "connection" that loaded it */
	uint8_t set_id[KHSM_SET_ID_LEN];
	char name[KHSM_NAME_MAX];
	uint8_t type;
	uint8_t persistent;
	uint8_t shared;
	uint8_t slot;			/* non-persistent: its last card's */
	uint32_t owner_uid;
	uint32_t share_gid;
	uint32_t timeout;		/* seconds, 0: none */
	uint64_t loaded;		/* time() */
};

struct fake_state {
	uint32_t state;
	uint32_t acs_auth;
	uint32_t generation;
	uint8_t bound;
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	uint8_t set_id[KHSM_SET_ID_LEN];
	uint8_t pubkey[KHSM_AUDIT_PUBKEY_LEN];
	uint64_t created;
	struct khsm_world_options opts;
	uint32_t ntokens;
	struct fake_token tokens[FAKE_TOKENS];
};

/* What a card is a card of. */
struct card_spec {
	uint8_t type;
	uint8_t k;
	uint8_t n;
	uint8_t persistent;
	uint32_t timeout;
	const uint8_t *set_id;
	const char *set_name;
};

static struct fake_state st;
static unsigned int have;	/* ACS cards read by this "connection" */
static uint8_t seen[KHSM_MAX_CARDS + 1];
/* The cards of one set read by this "connection". */
static uint8_t set_collecting[KHSM_SET_ID_LEN];
static unsigned int set_have;
static uint8_t set_seen[KHSM_MAX_CARDS + 1];

static const char *state_path(void)
{
	const char *p = getenv("KHSM_FAKE_STATE");

	return p ? p : "/nonexistent/khsm-fake-state";
}

static void read_state(struct fake_state *f)
{
	int fd = open(state_path(), O_RDONLY);

	memset(f, 0, sizeof(*f));
	if (fd < 0)
		return;
	if (read(fd, f, sizeof(*f)) != sizeof(*f))
		memset(f, 0, sizeof(*f));
	close(fd);
}

/* Whole or not at all: another process may be reading it. */
static void write_state(const struct fake_state *f)
{
	char tmp[4200];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.%d", state_path(), (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return;
	if (write(fd, f, sizeof(*f)) != sizeof(*f) || rename(tmp, state_path()))
		fprintf(stderr, "fake khsm: cannot save its state\n");
	close(fd);
}

static void load_state(void)
{
	read_state(&st);
}

static void save_state(void)
{
	write_state(&st);
}

/*
 * The tokens as the file has them now, and back into it as it is now:
 * the rest of the state (a world being loaded, say) is this process's.
 */
static void tokens_refresh(void)
{
	struct fake_state f;

	read_state(&f);
	st.ntokens = f.ntokens;
	memcpy(st.tokens, f.tokens, sizeof(st.tokens));
}

static void tokens_save(void)
{
	struct fake_state f;

	read_state(&f);
	f.ntokens = st.ntokens;
	memcpy(f.tokens, st.tokens, sizeof(f.tokens));
	write_state(&f);
}

static int refuse(struct khsm *h, int err, const char *msg)
{
	snprintf(h->ext.msg, sizeof(h->ext.msg), "%s", msg);
	return err;
}

int __wrap_khsm_open(struct khsm **out, unsigned int flags);
int __wrap_khsm_open(struct khsm **out, unsigned int flags)
{
	struct khsm *h = calloc(1, sizeof(*h));

	(void)flags;
	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->family = -ENOTCONN;
	khsm_extack_clear(&h->ext);
	load_state();
	*out = h;
	return 0;
}

int __wrap_khsm_pp_derive(const char *pp, size_t len, const uint8_t *salt,
			  uint32_t iter, uint8_t *out);
int __wrap_khsm_pp_derive(const char *pp, size_t len, const uint8_t *salt,
			  uint32_t iter, uint8_t *out)
{
	uint8_t buf[4096 + KHSM_PP_SALT_LEN + 4];
	unsigned int n = 0;

	if (iter < 1000 || len > 4096)
		return -EINVAL;
	memcpy(buf, salt, KHSM_PP_SALT_LEN);
	memcpy(buf + KHSM_PP_SALT_LEN, &iter, 4);
	memcpy(buf + KHSM_PP_SALT_LEN + 4, pp, len);
	EVP_Digest(buf, KHSM_PP_SALT_LEN + 4 + len, out, &n, EVP_sha256(), NULL);
	return n == KHSM_PP_KEY_LEN ? 0 : -EIO;
}

static void world_opts(struct khsm_world_opts *f)
{
	const struct khsm_world_options *o = &st.opts;

	f->acs_k = o->acs_k;
	f->acs_n = o->acs_n;
	f->load_quorum = o->load_quorum;
	f->kr_quorum = o->key_recovery ? o->kr_quorum : 0;
	f->pr_quorum = o->pp_recovery ? o->pr_quorum : 0;
	f->flags = htole32((o->pp_short_refuse ? KHSM_WORLD_F_PP_SHORT_REFUSE : 0) |
			   (o->forced_audit ? KHSM_WORLD_F_FORCED_AUDIT : 0) |
			   (o->strict ? KHSM_WORLD_F_STRICT : 0) |
			   (o->no_import ? KHSM_WORLD_F_NO_IMPORT : 0));
	f->nso_timeout = htole32(o->nso_timeout);
	f->pp_min_len = htole32(o->pp_min_len);
	f->retry_base_ms = htole32(o->retry_base_ms);
	f->retry_max_ms = htole32(o->retry_max_ms);
	f->lockout = htole32(o->lockout);
	f->pbkdf2_iter = htole32(o->pbkdf2_iter);
	f->protections = htole32(o->protections);
	f->mechanisms = htole32(o->mechanisms);
	f->operator_gid = htole32(o->operator_gid);
	f->user_gid = htole32(o->user_gid);
}

static int make_world_file(struct khsm_world_result *res)
{
	size_t nslots = st.bound ? 2 : 1;
	size_t len = sizeof(struct khsm_world_hdr) +
		     nslots * sizeof(struct khsm_world_keyslot) + 28;
	struct khsm_world_hdr h;
	uint8_t *p = calloc(1, len);

	if (!p)
		return -ENOMEM;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, KHSM_WORLD_MAGIC, 8);
	h.version = htole16(KHSM_WORLD_VERSION);
	h.hdr_len = htole16(sizeof(h));
	h.generation = htole32(st.generation);
	memcpy(h.world_id, st.world_id, sizeof(h.world_id));
	memcpy(h.acs_set_id, st.set_id, sizeof(h.acs_set_id));
	h.created = htole64(st.created);
	world_opts(&h.opts);
	memcpy(h.audit_pubkey, st.pubkey, sizeof(h.audit_pubkey));
	h.nkeyslots = (uint8_t)nslots;
	h.body_len = htole32(28);
	memcpy(p, &h, sizeof(h));
	p[sizeof(h)] = KHSM_KEYSLOT_ACS;
	if (st.bound)
		p[sizeof(h) + sizeof(struct khsm_world_keyslot)] = KHSM_KEYSLOT_BIND;
	res->world_file = p;
	res->world_file_len = len;
	return 0;
}

static int make_card(const struct khsm_card_req *r, const struct card_spec *cs,
		     struct khsm_card_file *f)
{
	size_t len = sizeof(struct khsm_card_hdr) + CARD_BODY + MAC;
	struct khsm_card_hdr h;
	uint32_t timeout = htole32(cs->timeout);

	f->data = calloc(1, len);
	if (!f->data)
		return -ENOMEM;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, KHSM_CARD_MAGIC, 8);
	h.version = htole16(KHSM_CARD_VERSION);
	h.hdr_len = htole16(sizeof(h));
	h.body_len = htole32(CARD_BODY);
	h.created = htole64(st.created);
	memcpy(h.world_id, st.world_id, sizeof(h.world_id));
	memcpy(h.set_id, cs->set_id, sizeof(h.set_id));
	h.set_type = cs->type;
	h.index = r->index;
	h.k = cs->k;
	h.n = cs->n;
	if (r->has_passphrase) {
		h.flags = htole32(KHSM_CARD_F_PASSPHRASE);
		h.pbkdf2_iter = htole32(r->pbkdf2_iter);
		memcpy(h.pp_salt, r->pp_salt, sizeof(h.pp_salt));
	}
	snprintf(h.set_name, sizeof(h.set_name), "%s", cs->set_name);
	memcpy(h.card_name, r->name, sizeof(h.card_name));
	memcpy(f->data, &h, sizeof(h));
	if (r->has_passphrase)
		memcpy(f->data + sizeof(h) + NONCE, r->pp_key, KHSM_PP_KEY_LEN);
	f->data[sizeof(h) + TERMS] = cs->persistent;
	memcpy(f->data + sizeof(h) + TERMS + 4, &timeout, 4);
	f->index = r->index;
	f->len = len;
	return 0;
}

static int make_cards(const struct khsm_card_req *cards, size_t n,
		      const struct card_spec *cs, struct khsm_card_file **files,
		      size_t *nfiles)
{
	size_t i;
	int ret;

	*files = calloc(n, sizeof(**files));
	if (!*files)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ret = make_card(&cards[i], cs, &(*files)[i]);
		if (ret)
			return ret;
		(*nfiles)++;
	}
	return 0;
}

static int add_warning(struct khsm_world_result *res, const char *text)
{
	res->warnings = calloc(1, sizeof(char *));
	if (!res->warnings)
		return -ENOMEM;
	res->warnings[0] = strdup(text);
	res->nwarnings = res->warnings[0] ? 1 : 0;
	return 0;
}

static void new_ids(void)
{
	if (getrandom(st.set_id, sizeof(st.set_id), 0) != sizeof(st.set_id))
		memset(st.set_id, st.generation, sizeof(st.set_id));
}

static int cardset(struct khsm *h, const struct khsm_world_options *opts,
		   const struct khsm_card_req *cards, size_t n,
		   struct khsm_world_result *res)
{
	struct card_spec cs = { .type = KHSM_SET_ACS, .set_name = "acs" };
	char why[256];
	int ret;

	memset(res, 0, sizeof(*res));
	if (khsm_world_options_check(opts, why, sizeof(why)))
		return refuse(h, -EINVAL, why);
	if (n != opts->acs_n)
		return refuse(h, -EINVAL, "need N card entries");
	st.opts = *opts;
	new_ids();
	st.generation++;
	st.acs_auth = 0;
	cs.k = st.opts.acs_k;
	cs.n = st.opts.acs_n;
	cs.set_id = st.set_id;
	ret = make_cards(cards, n, &cs, &res->cards, &res->ncards) ?:
	      make_world_file(res);
	if (ret) {
		khsm_world_result_free(res);
		return ret;
	}
	save_state();
	return 0;
}

int __wrap_khsm_world_new(struct khsm *h, const struct khsm_world_options *opts,
			  const struct khsm_card_req *cards, size_t n,
			  const struct khsm_bind_key *bind,
			  struct khsm_world_result *res);
int __wrap_khsm_world_new(struct khsm *h, const struct khsm_world_options *opts,
			  const struct khsm_card_req *cards, size_t n,
			  const struct khsm_bind_key *bind,
			  struct khsm_world_result *res)
{
	const char *warning = getenv("KHSM_FAKE_WARN");
	const char *pull = getenv("KHSM_FAKE_PULL");
	int ret;

	if (pull)
		rmdir(pull);
	if (st.state != KHSM_WORLD_UNINITIALISED)
		return refuse(h, -EEXIST, "a world is already loaded");
	memset(st.world_id, 0x11, sizeof(st.world_id));
	memset(st.pubkey, 0x04, sizeof(st.pubkey));
	st.created = 1732380000;
	st.bound = bind != NULL;
	st.state = KHSM_WORLD_OPERATIONAL;
	ret = cardset(h, opts, cards, n, res);
	if (ret)
		return ret;
	memcpy(res->world_id, st.world_id, sizeof(res->world_id));
	memcpy(res->audit_pubkey, st.pubkey, sizeof(res->audit_pubkey));
	res->has_world_id = res->has_audit_pubkey = 1;
	return warning ? add_warning(res, warning) : 0;
}

int __wrap_khsm_acs_replace(struct khsm *h, const struct khsm_world_options *o,
			    const struct khsm_card_req *cards, size_t n,
			    struct khsm_world_result *res);
int __wrap_khsm_acs_replace(struct khsm *h, const struct khsm_world_options *o,
			    const struct khsm_card_req *cards, size_t n,
			    struct khsm_world_result *res)
{
	struct khsm_world_options merged = st.opts;
	unsigned int a;
	uint32_t v;

	if (!(st.acs_auth & (1U << KHSM_TOKEN_ACS)))
		return refuse(h, -EACCES, "needs the ACS quorum");
	for (a = 1; a <= KHSM_A_OPT_MAX; a++)
		if (o->set & KHSM_OPT_BIT(a) &&
		    !khsm_world_options_get(o, a, &v))
			khsm_world_options_set(&merged, a, v);
	merged.set = o->set;
	return cardset(h, &merged, cards, n, res);
}

static int world_file_cmd(struct khsm *h, struct khsm_world_result *res)
{
	memset(res, 0, sizeof(*res));
	if (!(st.acs_auth & (1U << KHSM_TOKEN_ACS)))
		return refuse(h, -EACCES, "needs the ACS quorum (acs)");
	st.generation++;
	save_state();
	return make_world_file(res);
}

int __wrap_khsm_world_bind(struct khsm *h, const struct khsm_bind_key *bind,
			   struct khsm_world_result *res);
int __wrap_khsm_world_bind(struct khsm *h, const struct khsm_bind_key *bind,
			   struct khsm_world_result *res)
{
	(void)bind;
	st.bound = 1;
	return world_file_cmd(h, res);
}

int __wrap_khsm_policy_set(struct khsm *h, const struct khsm_world_options *o,
			   struct khsm_world_result *res);
int __wrap_khsm_policy_set(struct khsm *h, const struct khsm_world_options *o,
			   struct khsm_world_result *res)
{
	unsigned int a;
	uint32_t v;

	for (a = 1; a <= KHSM_A_OPT_MAX; a++)
		if (o->set & KHSM_OPT_BIT(a) &&
		    !khsm_world_options_get(o, a, &v))
			khsm_world_options_set(&st.opts, a, v);
	return world_file_cmd(h, res);
}

int __wrap_khsm_world_load(struct khsm *h, const void *file, size_t len,
			   const struct khsm_bind_key *bind, uint32_t *state,
			   uint8_t *world_id);
int __wrap_khsm_world_load(struct khsm *h, const void *file, size_t len,
			   const struct khsm_bind_key *bind, uint32_t *state,
			   uint8_t *world_id)
{
	struct khsm_world_file_info wf;

	if (st.state != KHSM_WORLD_UNINITIALISED)
		return refuse(h, -EEXIST, "a world is already loaded");
	if (khsm_world_file_parse(file, len, &wf, NULL, 0))
		return refuse(h, -EBADMSG, "damaged world file");
	if (bind && !wf.bound)
		return refuse(h, -EBADMSG, "the world is not bound to that key");
	memcpy(st.world_id, wf.world_id, sizeof(st.world_id));
	memcpy(st.set_id, wf.acs_set_id, sizeof(st.set_id));
	memcpy(st.pubkey, wf.audit_pubkey, sizeof(st.pubkey));
	st.opts = wf.opts;
	st.generation = wf.generation;
	st.created = wf.created;
	st.bound = wf.bound;
	st.state = bind ? KHSM_WORLD_OPERATIONAL : KHSM_WORLD_LOADING;
	/* LOADING lasts as long as this connection: not saved. */
	if (bind)
		save_state();
	if (state)
		*state = st.state;
	if (world_id)
		memcpy(world_id, st.world_id, KHSM_WORLD_ID_LEN);
	return 0;
}

static void quorum(struct khsm_insert_result *res, uint32_t token,
		   unsigned int need)
{
	struct khsm_quorum *q = &res->quorum[res->nquorum++];

	q->token = token;
	q->have = (uint8_t)(have < need ? have : need);
	q->need = (uint8_t)need;
	q->done = have >= need;
}

static int check_card(struct khsm *h, const uint8_t *image, size_t len,
		      const uint8_t *pp_key, struct khsm_card_info *ci)
{
	static const uint8_t none[KHSM_PP_KEY_LEN];
	const uint8_t *want;

	if (khsm_card_parse(image, len, ci, NULL, 0))
		return refuse(h, -EBADMSG, "damaged card");
	if (memcmp(ci->world_id, st.world_id, KHSM_WORLD_ID_LEN) ||
	    (ci->set_type == KHSM_SET_ACS &&
	     memcmp(ci->set_id, st.set_id, KHSM_SET_ID_LEN)))
		return refuse(h, -EXDEV, "card of another world or card set");
	want = image + sizeof(struct khsm_card_hdr) + NONCE;
	if (memcmp(pp_key ? pp_key : none, want, KHSM_PP_KEY_LEN))
		return refuse(h, -EACCES, "wrong passphrase; try again in 1 s");
	return 0;
}

static int insert_acs(struct khsm *h, const struct khsm_card_info *ci,
		      struct khsm_insert_result *res)
{
	if (seen[ci->index]++)
		return refuse(h, -EEXIST, "card already read");
	have++;
	quorum(res, KHSM_TOKEN_ACS, st.opts.acs_k);
	quorum(res, KHSM_TOKEN_LOAD_WORLD, st.opts.load_quorum);
	if (st.state == KHSM_WORLD_LOADING && have >= st.opts.load_quorum) {
		st.state = KHSM_WORLD_OPERATIONAL;
		save_state();
	}
	if (have >= st.opts.acs_k) {
		st.acs_auth = 1U << KHSM_TOKEN_ACS;
		save_state();
	}
	return 0;
}

/* A token of this process; the state read afresh and saved. */
static int token_add(const struct khsm_card_info *ci, const uint8_t *image,
		     const struct khsm_insert_req *req, uint64_t *id)
{
	const uint8_t *terms = image + sizeof(struct khsm_card_hdr) + TERMS;
	struct fake_token *t;
	uint32_t timeout;

	tokens_refresh();
	if (st.ntokens == FAKE_TOKENS)
		return -ENOSPC;
	t = &st.tokens[st.ntokens++];
	memset(t, 0, sizeof(*t));
	if (getrandom(&t->id, sizeof(t->id), 0) != sizeof(t->id))
		t->id = 0x1234;
	t->pid = (int32_t)getpid();
	memcpy(t->set_id, ci->set_id, sizeof(t->set_id));
	memcpy(t->name, ci->set_name, sizeof(t->name));
	t->type = ci->set_type;
	t->persistent = terms[0];
	memcpy(&timeout, terms + 4, 4);
	t->timeout = le32toh(timeout);
	t->shared = !!(req->flags & KHSM_INSERT_SHARE_GID);
	t->share_gid = req->share_gid;
	t->owner_uid = (uint32_t)getuid();
	t->slot = req->slot;
	t->loaded = (uint64_t)time(NULL);
	tokens_save();
	*id = t->id;
	return 0;
}

static int insert_set(struct khsm *h, const struct khsm_card_info *ci,
		      const uint8_t *image, const struct khsm_insert_req *req,
		      struct khsm_insert_result *res)
{
	int ret;

	if (memcmp(set_collecting, ci->set_id, KHSM_SET_ID_LEN)) {
		memcpy(set_collecting, ci->set_id, KHSM_SET_ID_LEN);
		memset(set_seen, 0, sizeof(set_seen));
		set_have = 0;
	}
	if (set_seen[ci->index]++)
		return refuse(h, -EEXIST, "card already read");
	set_have++;
	res->has_set_quorum = 1;
	res->set_have = (uint8_t)set_have;
	res->set_need = ci->k;
	if (set_have < ci->k)
		return 0;
	ret = token_add(ci, image, req, &res->token_id);
	if (ret)
		return refuse(h, ret, "too many tokens");
	res->set_done = res->has_token_id = 1;
	memset(set_collecting, 0, sizeof(set_collecting));
	return 0;
}

int __wrap_khsm_card_insert_req(struct khsm *h,
				const struct khsm_insert_req *req,
				struct khsm_insert_result *res);
int __wrap_khsm_card_insert_req(struct khsm *h,
				const struct khsm_insert_req *req,
				struct khsm_insert_result *res)
{
	struct khsm_card_info ci;
	int ret;

	memset(res, 0, sizeof(*res));
	if (st.state == KHSM_WORLD_UNINITIALISED)
		return refuse(h, -ENOKEY, "no world");
	ret = check_card(h, req->image, req->len, req->pp_key, &ci);
	if (ret)
		return ret;
	res->index = ci.index;
	res->k = ci.k;
	res->n = ci.n;
	memcpy(res->card_name, ci.card_name, sizeof(res->card_name));
	memcpy(res->set_name, ci.set_name, sizeof(res->set_name));
	if (req->flags & KHSM_INSERT_VERIFY_ONLY)
		return 0;
	if (ci.set_type == KHSM_SET_ACS)
		return insert_acs(h, &ci, res);
	return insert_set(h, &ci, req->image, req, res);
}

static bool token_alive(const struct fake_token *t)
{
	if (t->timeout && (uint64_t)time(NULL) >= t->loaded + t->timeout)
		return false;
	return !kill(t->pid, 0) || errno == EPERM;
}

/*
 * Keep the tokens @keep says yes to (and that are still alive); save if
 * any went. Returns how many went.
 */
static unsigned int tokens_filter(bool (*keep)(const struct fake_token *t,
					       long arg), long arg)
{
	unsigned int i, n = 0, gone;

	tokens_refresh();
	for (i = 0; i < st.ntokens; i++)
		if (token_alive(&st.tokens[i]) && keep(&st.tokens[i], arg))
			st.tokens[n++] = st.tokens[i];
	gone = st.ntokens - n;
	st.ntokens = n;
	if (gone)
		tokens_save();
	return gone;
}

static bool not_in_slot(const struct fake_token *t, long slot)
{
	return t->pid != (int32_t)getpid() || t->persistent || t->slot != slot;
}

/* A non-persistent token goes with the last card of its quorum. */
int __wrap_khsm_card_remove(struct khsm *h, uint8_t slot);
int __wrap_khsm_card_remove(struct khsm *h, uint8_t slot)
{
	(void)h;
	tokens_filter(not_in_slot, slot);
	return 0;
}

static bool not_mine(const struct fake_token *t, long arg)
{
	(void)arg;
	return t->pid != (int32_t)getpid();
}

/* Closing the "connection" unloads its tokens. */
void __real_khsm_close(struct khsm *h);
void __wrap_khsm_close(struct khsm *h);
void __wrap_khsm_close(struct khsm *h)
{
	if (h)
		tokens_filter(not_mine, 0);
	__real_khsm_close(h);
}

static bool not_id(const struct fake_token *t, long arg)
{
	return t->id != *(const uint64_t *)arg;
}

int __wrap_khsm_token_unload(struct khsm *h, uint64_t id);
int __wrap_khsm_token_unload(struct khsm *h, uint64_t id)
{
	if (!tokens_filter(not_id, (long)&id))
		return refuse(h, -ENOKEY, "no such token");
	return 0;
}

static bool any(const struct fake_token *t, long arg)
{
	(void)t;
	(void)arg;
	return true;
}

int __wrap_khsm_token_list(struct khsm *h, struct khsm_token_info **tokens,
			   size_t *n);
int __wrap_khsm_token_list(struct khsm *h, struct khsm_token_info **tokens,
			   size_t *n)
{
	struct khsm_token_info *t;
	uint32_t i;

	(void)h;
	tokens_filter(any, 0);
	*tokens = NULL;
	*n = 0;
	if (!st.ntokens)
		return 0;
	t = calloc(st.ntokens, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < st.ntokens; i++) {
		const struct fake_token *f = &st.tokens[i];

		t[i].id = f->id;
		memcpy(t[i].set_id, f->set_id, sizeof(t[i].set_id));
		memcpy(t[i].name, f->name, sizeof(t[i].name));
		t[i].type = f->type;
		t[i].persistent = f->persistent;
		t[i].owner_uid = f->owner_uid;
		t[i].shared = f->shared;
		t[i].share_gid = f->share_gid;
		t[i].loader_pid = (uint32_t)f->pid;
		t[i].has_remaining = f->timeout != 0;
		if (f->timeout)
			t[i].remaining_ms = (uint32_t)(f->loaded + f->timeout -
					    (uint64_t)time(NULL)) * 1000;
	}
	*tokens = t;
	*n = st.ntokens;
	return 0;
}

static int set_spec(struct khsm *h, const struct khsm_cardset_req *req,
		    size_t n, const struct khsm_card_req *cards)
{
	if (st.state != KHSM_WORLD_OPERATIONAL)
		return refuse(h, -ENOKEY, "no world loaded");
	if (!req->name[0] || !req->k || req->k > req->n || n != req->n)
		return refuse(h, -EINVAL, "a set needs a name and 1 <= K <= N <= 64");
	if (req->type == KHSM_SET_SOFTCARD &&
	    (req->n != 1 || !cards[0].has_passphrase))
		return refuse(h, -EINVAL, "a softcard needs a passphrase");
	if ((req->flags & KHSM_CARDSET_RECOVERY) && !st.opts.key_recovery)
		return refuse(h, -EINVAL, "this recovery feature is off in this world");
	return 0;
}

int __wrap_khsm_cardset_create(struct khsm *h,
			       const struct khsm_cardset_req *req,
			       const struct khsm_card_req *cards, size_t n,
			       struct khsm_cardset_result *res);
int __wrap_khsm_cardset_create(struct khsm *h,
			       const struct khsm_cardset_req *req,
			       const struct khsm_card_req *cards, size_t n,
			       struct khsm_cardset_result *res)
{
	struct card_spec cs = { .type = req->type, .k = req->k, .n = req->n,
				.timeout = req->timeout,
				.set_id = res->set_id, .set_name = req->name };
	int ret;

	memset(res, 0, sizeof(*res));
	ret = set_spec(h, req, n, cards);
	if (ret)
		return ret;
	if (getrandom(res->set_id, sizeof(res->set_id), 0) != sizeof(res->set_id))
		memset(res->set_id, 0x77, sizeof(res->set_id));
	cs.persistent = req->type == KHSM_SET_SOFTCARD ||
			(req->flags & KHSM_CARDSET_PERSISTENT);
	res->present = KHSM_CARDSET_BIT(KHSM_A_CARDSET_MAX + 1) -
		       KHSM_CARDSET_BIT(1);
	res->type = req->type;
	res->k = req->k;
	res->n = req->n;
	res->persistent = cs.persistent;
	res->timeout = req->timeout;
	res->recovery = (req->flags & KHSM_CARDSET_NO_RECOVERY) ? 0 :
			st.opts.key_recovery;
	res->pp_recovery = !!(req->flags & KHSM_CARDSET_PP_RECOVERY);
	memcpy(res->name, req->name, sizeof(res->name));
	ret = make_cards(cards, n, &cs, &res->cards, &res->ncards);
	if (ret)
		khsm_cardset_result_free(res);
	return ret;
}

int __wrap_khsm_world_info(struct khsm *h, struct khsm_world_info *wi);
int __wrap_khsm_world_info(struct khsm *h, struct khsm_world_info *wi)
{
	(void)h;
	memset(wi, 0, sizeof(*wi));
	wi->state = st.state;
	wi->present = KHSM_INFO_BIT(KHSM_A_INFO_WORLD_STATE) |
		      KHSM_INFO_BIT(KHSM_A_INFO_SLOTS);
	wi->slots = 2;
	khsm_world_options_init(&wi->opts);
	if (st.state == KHSM_WORLD_UNINITIALISED)
		return 0;
	wi->present |= KHSM_INFO_BIT(KHSM_A_INFO_WORLD_ID) |
		       KHSM_INFO_BIT(KHSM_A_INFO_ACS_SET_ID) |
		       KHSM_INFO_BIT(KHSM_A_INFO_CREATED) |
		       KHSM_INFO_BIT(KHSM_A_INFO_GENERATION) |
		       KHSM_INFO_BIT(KHSM_A_INFO_AUDIT_PUBKEY) |
		       KHSM_INFO_BIT(KHSM_A_INFO_TOKENS_LOADED) |
		       KHSM_INFO_BIT(KHSM_A_INFO_ACS_AUTH) |
		       KHSM_INFO_BIT(KHSM_A_INFO_ACS_AUTH_REMAINING) |
		       KHSM_INFO_BIT(KHSM_A_INFO_WORLD_OPTS);
	memcpy(wi->world_id, st.world_id, sizeof(wi->world_id));
	memcpy(wi->acs_set_id, st.set_id, sizeof(wi->acs_set_id));
	memcpy(wi->audit_pubkey, st.pubkey, sizeof(wi->audit_pubkey));
	wi->created = st.created;
	wi->generation = st.generation;
	wi->bound = st.bound;
	wi->acs_auth = st.acs_auth;
	wi->tokens_loaded = st.ntokens;
	wi->acs_auth_remaining_ms = st.acs_auth ? 600000 : 0;
	wi->opts = st.opts;
	/* The module states every option but the quorums of what is off. */
	wi->opts.set = KHSM_OPT_BIT(KHSM_A_OPT_MAX + 1) - KHSM_OPT_BIT(1);
	if (!st.opts.key_recovery)
		wi->opts.set &= ~KHSM_OPT_BIT(KHSM_A_OPT_KR_QUORUM);
	if (!st.opts.pp_recovery)
		wi->opts.set &= ~KHSM_OPT_BIT(KHSM_A_OPT_PR_QUORUM);
	return 0;
}

int __wrap_khsm_slot_list(struct khsm *h, struct khsm_slot **slots,
			  size_t *n);
int __wrap_khsm_slot_list(struct khsm *h, struct khsm_slot **slots,
			  size_t *n)
{
	(void)h;
	*slots = calloc(2, sizeof(**slots));
	if (!*slots)
		return -ENOMEM;
	(*slots)[1].number = 1;
	(*slots)[1].occupied = 1;
	(*slots)[1].card_index = 2;
	strcpy((*slots)[1].card_name, "bob \"the\" card");
	strcpy((*slots)[1].set_name, "acs");
	(*slots)[1].owner_pid = 4242;
	*n = 2;
	return 0;
}

/*
 * Unloading the world, clearing and logging out, on the state as it is
 * now; the first two unload every token.
 */
static int set_state(uint32_t state, uint32_t auth, bool tokens_go)
{
	load_state();
	st.state = state;
	st.acs_auth = auth;
	if (tokens_go)
		st.ntokens = 0;
	save_state();
	return 0;
}

int __wrap_khsm_world_unload(struct khsm *h);
int __wrap_khsm_world_unload(struct khsm *h)
{
	if (st.state == KHSM_WORLD_UNINITIALISED)
		return refuse(h, -ENOKEY, "no world loaded");
	return set_state(KHSM_WORLD_UNINITIALISED, 0, true);
}

int __wrap_khsm_clear(struct khsm *h);
int __wrap_khsm_clear(struct khsm *h)
{
	(void)h;
	return set_state(st.state, 0, true);
}

int __wrap_khsm_acs_logout(struct khsm *h);
int __wrap_khsm_acs_logout(struct khsm *h)
{
	(void)h;
	return set_state(st.state, 0, false);
}
