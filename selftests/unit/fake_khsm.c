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
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "internal.h"

#define NONCE	12
#define TAG	16	/* the same layout in key blobs */
#define MAC	32
/*
 * The passphrase key it wants, then a set's terms: persistent, passphrase
 * recovery, timeout.
 */
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
	char bind_type[16];	/* as the module reports it: "" unknown */
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
	uint8_t pp_recovery;		/* an "escrow copy": --lost works */
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
	f->data[sizeof(h) + TERMS + 1] = cs->pp_recovery;
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
	snprintf(st.bind_type, sizeof(st.bind_type), "%s", bind ? bind->type : "");
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
	st.bound = 1;
	snprintf(st.bind_type, sizeof(st.bind_type), "%s", bind ? bind->type : "");
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
	snprintf(st.bind_type, sizeof(st.bind_type), "%s", bind ? bind->type : "");
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
	if (st.opts.key_recovery)
		quorum(res, KHSM_TOKEN_KEY_RECOVERY, st.opts.kr_quorum);
	if (st.opts.pp_recovery)
		quorum(res, KHSM_TOKEN_PP_RECOVERY, st.opts.pr_quorum);
	if (st.state == KHSM_WORLD_LOADING && have >= st.opts.load_quorum) {
		st.state = KHSM_WORLD_OPERATIONAL;
		save_state();
	}
	if (have >= st.opts.acs_k)
		st.acs_auth |= 1U << KHSM_TOKEN_ACS;
	if (st.opts.key_recovery && have >= st.opts.kr_quorum)
		st.acs_auth |= 1U << KHSM_TOKEN_KEY_RECOVERY;
	if (st.opts.pp_recovery && have >= st.opts.pr_quorum)
		st.acs_auth |= 1U << KHSM_TOKEN_PP_RECOVERY;
	if (st.acs_auth)
		save_state();
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

/*
 * A card under a new passphrase: the old one (or, lost, the set's
 * passphrase recovery and its quorum) opens it; the same card comes back
 * wanting the new key.
 */
int __wrap_khsm_card_passphrase(struct khsm *h, const void *image,
				size_t len, const uint8_t *old_key,
				const struct khsm_card_req *card,
				struct khsm_card_file *out);
int __wrap_khsm_card_passphrase(struct khsm *h, const void *image,
				size_t len, const uint8_t *old_key,
				const struct khsm_card_req *card,
				struct khsm_card_file *out)
{
	const uint8_t *body = (const uint8_t *)image +
			      sizeof(struct khsm_card_hdr);
	struct khsm_card_hdr hdr;
	struct khsm_card_info ci;
	size_t hlen = sizeof(hdr);
	int ret;

	memset(out, 0, sizeof(*out));
	if (st.state == KHSM_WORLD_UNINITIALISED)
		return refuse(h, -ENOKEY, "no world");
	if (khsm_card_parse(image, len, &ci, NULL, 0))
		return refuse(h, -EBADMSG, "damaged card");
	if (card->index != ci.index)
		return refuse(h, -EINVAL, "the new passphrase names another card index");
	if (ci.set_type == KHSM_SET_SOFTCARD && !card->has_passphrase)
		return refuse(h, -EINVAL, "a softcard needs a passphrase");
	if (ci.has_passphrase && !old_key && ci.set_type != KHSM_SET_ACS) {
		if (!body[TERMS + 1])
			return refuse(h, -EOPNOTSUPP, "this card's set was made without passphrase recovery");
		if (!(st.acs_auth & (1U << KHSM_TOKEN_PP_RECOVERY)))
			return refuse(h, -EACCES, "replacing a lost passphrase needs the passphrase-recovery ACS quorum");
	} else {
		ret = check_card(h, image, len, old_key, &ci);
		if (ret)
			return ret;
	}
	out->data = malloc(len);
	if (!out->data)
		return -ENOMEM;
	memcpy(out->data, image, len);
	memcpy(&hdr, image, hlen);
	hdr.flags = htole32(card->has_passphrase ? KHSM_CARD_F_PASSPHRASE : 0);
	hdr.pbkdf2_iter = htole32(card->has_passphrase ? card->pbkdf2_iter : 0);
	memset(hdr.pp_salt, 0, sizeof(hdr.pp_salt));
	if (card->has_passphrase)
		memcpy(hdr.pp_salt, card->pp_salt, sizeof(hdr.pp_salt));
	memcpy(out->data, &hdr, hlen);
	memset(out->data + hlen + NONCE, 0, KHSM_PP_KEY_LEN);
	if (card->has_passphrase)
		memcpy(out->data + hlen + NONCE, card->pp_key, KHSM_PP_KEY_LEN);
	out->index = ci.index;
	out->len = len;
	return 0;
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
				.pp_recovery = !!(req->flags & KHSM_CARDSET_PP_RECOVERY),
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
	memcpy(wi->bind_key_type, st.bind_type, sizeof(wi->bind_key_type));
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

/*
 * Application keys. A blob is a real header and a fake body: the secret
 * in clear between a zero nonce and a zero tag (and again for a recovery
 * copy). EC keys are real key pairs made with OpenSSL, so that what
 * "key sign" writes verifies with what "key pubkey" exports. Handles
 * live in this process, as they live on one descriptor.
 */
#define FAKE_HANDLES	8
#define HANDLE_BASE	0x6b68736d00000000ULL

struct fake_key {
	bool used;
	struct khsm_key_info info;
	uint8_t secret[KHSM_SECRET_MAX];
};

static struct fake_key handles[FAKE_HANDLES];

static const char *group_of(uint32_t type)
{
	return type == KHSM_KEY_EC_P256 ? "P-256" :
	       type == KHSM_KEY_EC_P384 ? "P-384" : NULL;
}

static size_t ec_bytes(uint32_t type)
{
	return type == KHSM_KEY_EC_P256 ? 32 : type == KHSM_KEY_EC_P384 ? 48 : 0;
}

/* The public point of a private scalar. */
static int ec_public(uint32_t type, const uint8_t *priv, uint8_t *pub)
{
	int nid = type == KHSM_KEY_EC_P256 ? NID_X9_62_prime256v1 :
		  NID_secp384r1;
	EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);
	EC_POINT *p = g ? EC_POINT_new(g) : NULL;
	BIGNUM *d = BN_bin2bn(priv, (int)ec_bytes(type), NULL);
	int ret = -EINVAL;

	if (p && d && !BN_is_zero(d) && EC_POINT_mul(g, p, d, NULL, NULL, NULL) &&
	    EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pub,
			       1 + 2 * ec_bytes(type), NULL) ==
	    1 + 2 * ec_bytes(type))
		ret = 0;
	BN_clear_free(d);
	EC_POINT_free(p);
	EC_GROUP_free(g);
	return ret;
}

static int ec_generate(uint32_t type, uint8_t *priv, uint8_t *pub)
{
	do {
		if (getrandom(priv, ec_bytes(type), 0) != (ssize_t)ec_bytes(type))
			return -EIO;
	} while (ec_public(type, priv, pub));
	return 0;
}

/* An EC key for OpenSSL: the pair, or the public point alone. */
static EVP_PKEY *ec_pkey(const struct fake_key *k)
{
	const struct khsm_key_info *ki = &k->info;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *d = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;

	if (ki->secret_len)
		d = BN_bin2bn(k->secret, ki->secret_len, NULL);
	if (bld && ctx &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    group_of(ki->type), 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     ki->pubkey, ki->pub_len) &&
	    (!d || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &pkey, d ? EVP_PKEY_KEYPAIR :
			      EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* The token a key of this set would be made or loaded under. */
static const struct fake_token *key_token(uint64_t id, const uint8_t *set_id)
{
	uint32_t i;

	tokens_filter(any, 0);
	for (i = 0; i < st.ntokens; i++) {
		const struct fake_token *t = &st.tokens[i];

		if (id ? t->id == id :
		    set_id && !memcmp(t->set_id, set_id, KHSM_SET_ID_LEN))
			return t;
	}
	return NULL;
}

static int key_policy(struct khsm *h, const struct khsm_key_req *req,
		      bool import)
{
	if (st.state != KHSM_WORLD_OPERATIONAL)
		return refuse(h, -ENOKEY, "no world loaded");
	if (import && st.opts.no_import)
		return refuse(h, -EPERM, "the policy does not allow importing keys");
	if (!(st.opts.protections & (1U << req->protection)))
		return refuse(h, -EPERM, "the policy does not allow this protection");
	if (le32toh(req->acl.mechs) & ~st.opts.mechanisms)
		return refuse(h, -EPERM, "the policy does not allow a mechanism of the ACL");
	if (!le32toh(req->acl.ops) || !le32toh(req->acl.mechs))
		return refuse(h, -EINVAL, "an ACL needs operations and mechanisms");
	return 0;
}

/* The secret and public material of the key asked for. */
static int key_material(struct khsm *h, const struct khsm_key_req *req,
			bool import, struct khsm_key_hdr *kh, uint8_t *secret)
{
	bool ec = group_of(req->type) != NULL;
	size_t len = ec ? ec_bytes(req->type) : req->len ? req->len : 32;

	if (!ec && req->type != KHSM_KEY_AES && req->type != KHSM_KEY_HMAC)
		return refuse(h, -EINVAL, "unknown key type");
	if (import && req->public_key) {
		if (!ec || req->public_len != 1 + 2 * len)
			return refuse(h, -EINVAL, "not a point of the curve");
		memcpy(kh->pubkey, req->public_key, req->public_len);
		kh->pub_len = (uint8_t)req->public_len;
		return 0;
	}
	if (import) {
		if (ec ? req->secret_len != len : req->secret_len < 16)
			return refuse(h, -EINVAL, "wrong length of key material");
		len = req->secret_len;
		memcpy(secret, req->secret, len);
	} else if (!ec && getrandom(secret, len, 0) != (ssize_t)len) {
		return -EIO;
	}
	kh->secret_len = (uint8_t)len;
	if (!ec)
		return 0;
	kh->pub_len = (uint8_t)(1 + 2 * len);
	if (import)
		return ec_public(req->type, secret, kh->pubkey) ?
		       refuse(h, -EINVAL, "not a private key of the curve") : 0;
	return ec_generate(req->type, secret, kh->pubkey);
}

static int key_protect(struct khsm *h, const struct khsm_key_req *req,
		       struct khsm_key_hdr *kh)
{
	const struct fake_token *t;
	uint8_t want;

	if (req->protection == KHSM_PROTECT_MODULE)
		return 0;
	want = req->protection == KHSM_PROTECT_SOFTCARD ? KHSM_SET_SOFTCARD :
	       KHSM_SET_OCS;
	if (!req->token_id)
		return refuse(h, -EINVAL, "a softcard or OCS key needs the id of its loaded token");
	t = key_token(req->token_id, NULL);
	if (!t)
		return refuse(h, -ENOKEY, "no such token is loaded");
	if (t->type != want)
		return refuse(h, -EINVAL, "the token is not of the kind the protection names");
	memcpy(kh->set_id, t->set_id, KHSM_SET_ID_LEN);
	return 0;
}

static int key_make(struct khsm *h, const struct khsm_key_req *req,
		    struct khsm_key_result *res, bool import)
{
	uint8_t secret[KHSM_SECRET_MAX];
	struct khsm_key_hdr kh;
	size_t body, n;
	int ret;

	memset(res, 0, sizeof(*res));
	memset(&kh, 0, sizeof(kh));
	ret = key_policy(h, req, import) ?: key_protect(h, req, &kh) ?:
	      key_material(h, req, import, &kh, secret);
	if (ret)
		return ret;
	memcpy(kh.magic, KHSM_KEY_MAGIC, 8);
	kh.version = htole16(KHSM_KEY_VERSION);
	kh.hdr_len = htole16(sizeof(kh));
	kh.type = htole32(req->type);
	kh.protection = req->protection;
	if (req->recovery > 0 ||
	    (req->recovery < 0 && st.opts.key_recovery && kh.secret_len))
		kh.flags = KHSM_KEY_F_RECOVERY;
	memcpy(kh.world_id, st.world_id, sizeof(kh.world_id));
	if (getrandom(kh.key_id, sizeof(kh.key_id), 0) != sizeof(kh.key_id))
		return -EIO;
	kh.created = htole64(st.created);
	kh.acl = req->acl;
	memcpy(kh.app, req->app, sizeof(kh.app));
	memcpy(kh.ident, req->ident, sizeof(kh.ident));
	EVP_Digest(kh.key_id, sizeof(kh.key_id), kh.key_hash, NULL,
		   EVP_sha256(), NULL);
	memcpy(res->key_hash, kh.key_hash, sizeof(res->key_hash));
	body = kh.secret_len ? kh.secret_len + NONCE + TAG : 0;
	kh.body_len = htole32((uint32_t)body);
	kh.rec_len = htole32(kh.flags ? (uint32_t)body : 0);
	n = sizeof(kh) + body + (kh.flags ? body : 0);
	res->blob = calloc(1, n);
	if (!res->blob)
		return -ENOMEM;
	memcpy(res->blob, &kh, sizeof(kh));
	memcpy(res->blob + sizeof(kh) + NONCE, secret, kh.secret_len);
	if (kh.flags)
		memcpy(res->blob + sizeof(kh) + body + NONCE, secret,
		       kh.secret_len);
	res->blob_len = n;
	explicit_bzero(secret, sizeof(secret));
	return 0;
}

int __wrap_khsm_key_generate(struct khsm *h, const struct khsm_key_req *req,
			     struct khsm_key_result *res);
int __wrap_khsm_key_generate(struct khsm *h, const struct khsm_key_req *req,
			     struct khsm_key_result *res)
{
	return key_make(h, req, res, false);
}

int __wrap_khsm_key_import(struct khsm *h, const struct khsm_key_req *req,
			   struct khsm_key_result *res);
int __wrap_khsm_key_import(struct khsm *h, const struct khsm_key_req *req,
			   struct khsm_key_result *res)
{
	return key_make(h, req, res, true);
}

/*
 * The key under a replacement set's token: the same header but for the
 * protection and set, the same body; a recovery copy only if the key had
 * one.
 */
int __wrap_khsm_key_recover(struct khsm *h, const void *blob, size_t len,
			    uint64_t token_id, struct khsm_key_result *res);
int __wrap_khsm_key_recover(struct khsm *h, const void *blob, size_t len,
			    uint64_t token_id, struct khsm_key_result *res)
{
	const struct fake_token *t;
	struct khsm_key_info ki;
	struct khsm_key_hdr kh;

	memset(res, 0, sizeof(*res));
	if (st.state != KHSM_WORLD_OPERATIONAL)
		return refuse(h, -ENOKEY, "no world loaded");
	if (!(st.acs_auth & (1U << KHSM_TOKEN_KEY_RECOVERY)))
		return refuse(h, -EACCES, "needs the key-recovery ACS quorum");
	t = key_token(token_id, NULL);
	if (!t)
		return refuse(h, -ENOKEY, "the replacement token is not loaded, or not the caller's");
	if (khsm_key_blob_parse(blob, len, &ki, NULL, 0))
		return refuse(h, -EBADMSG, "damaged blob");
	if (!ki.has_recovery)
		return refuse(h, -EPERM, "this key was made without a recovery copy");
	memcpy(&kh, blob, sizeof(kh));
	kh.protection = t->type == KHSM_SET_OCS ? KHSM_PROTECT_OCS :
			KHSM_PROTECT_SOFTCARD;
	memcpy(kh.set_id, t->set_id, sizeof(kh.set_id));
	res->blob = malloc(len);
	if (!res->blob)
		return -ENOMEM;
	memcpy(res->blob, blob, len);
	memcpy(res->blob, &kh, sizeof(kh));
	res->blob_len = len;
	memcpy(res->key_hash, kh.key_hash, sizeof(res->key_hash));
	return 0;
}

int __wrap_khsm_key_load(struct khsm *h, const void *blob, size_t len,
			 uint64_t token_id, uint64_t *key);
int __wrap_khsm_key_load(struct khsm *h, const void *blob, size_t len,
			 uint64_t token_id, uint64_t *key)
{
	struct fake_key *k = NULL;
	unsigned int i;

	(void)h;
	for (i = 0; i < FAKE_HANDLES && !k; i++)
		if (!handles[i].used)
			k = &handles[i];
	if (!k)
		return -ENOSPC;
	if (khsm_key_blob_parse(blob, len, &k->info, NULL, 0))
		return -EBADMSG;
	if (memcmp(k->info.world_id, st.world_id, KHSM_WORLD_ID_LEN))
		return -EXDEV;
	if (k->info.protection != KHSM_PROTECT_MODULE &&
	    !key_token(token_id, k->info.set_id))
		return -ENOKEY;
	memcpy(k->secret, (const uint8_t *)blob + sizeof(struct khsm_key_hdr) +
	       NONCE, k->info.secret_len);
	k->used = true;
	*key = HANDLE_BASE + (uint64_t)(k - handles);
	return 0;
}

static struct fake_key *handle_of(uint64_t key)
{
	uint64_t i = key - HANDLE_BASE;

	return i < FAKE_HANDLES && handles[i].used ? &handles[i] : NULL;
}

int __wrap_khsm_key_destroy(struct khsm *h, uint64_t key);
int __wrap_khsm_key_destroy(struct khsm *h, uint64_t key)
{
	struct fake_key *k = handle_of(key);

	(void)h;
	if (!k)
		return -ENOENT;
	memset(k, 0, sizeof(*k));
	return 0;
}

/* The digest ECDSA signs: @in itself when prehashed. */
static int ecdsa_key(uint64_t key, uint32_t op, uint32_t mech, uint32_t flags,
		     const void *in, size_t in_len, uint8_t *digest,
		     size_t *dlen, EVP_PKEY **pkey)
{
	struct fake_key *k = handle_of(key);
	const EVP_MD *md;
	unsigned int n = 0;

	if (!k)
		return -ENOENT;
	if (!(le32toh(k->info.acl.ops) & (1U << op)) ||
	    !(le32toh(k->info.acl.mechs) & (1U << mech)))
		return -EPERM;
	md = k->info.type == KHSM_KEY_EC_P256 ? EVP_sha256() : EVP_sha384();
	if (flags & KHSM_OP_F_PREHASHED) {
		if (in_len != (size_t)EVP_MD_get_size(md))
			return -EINVAL;
		memcpy(digest, in, in_len);
		*dlen = in_len;
	} else {
		EVP_Digest(in, in_len, digest, &n, md, NULL);
		*dlen = n;
	}
	*pkey = ec_pkey(k);
	return *pkey ? 0 : -EIO;
}

int __wrap_khsm_sign(struct khsm *h, uint64_t key, uint32_t mech,
		     uint32_t flags, const void *in, size_t in_len, void *sig,
		     size_t *sig_len);
int __wrap_khsm_sign(struct khsm *h, uint64_t key, uint32_t mech,
		     uint32_t flags, const void *in, size_t in_len, void *sig,
		     size_t *sig_len)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	size_t dlen;
	int ret;

	(void)h;
	ret = ecdsa_key(key, KHSM_OP_SIGN, mech, flags, in, in_len, digest,
			&dlen, &pkey);
	if (!ret) {
		ctx = EVP_PKEY_CTX_new(pkey, NULL);
		if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
		    EVP_PKEY_sign(ctx, sig, sig_len, digest, dlen) <= 0)
			ret = -EIO;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ret;
}

int __wrap_khsm_verify(struct khsm *h, uint64_t key, uint32_t mech,
		       uint32_t flags, const void *in, size_t in_len,
		       const void *sig, size_t sig_len);
int __wrap_khsm_verify(struct khsm *h, uint64_t key, uint32_t mech,
		       uint32_t flags, const void *in, size_t in_len,
		       const void *sig, size_t sig_len)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	size_t dlen;
	int ret;

	(void)h;
	ret = ecdsa_key(key, KHSM_OP_VERIFY, mech, flags, in, in_len, digest,
			&dlen, &pkey);
	if (!ret) {
		ctx = EVP_PKEY_CTX_new(pkey, NULL);
		if (!ctx || EVP_PKEY_verify_init(ctx) <= 0)
			ret = -EIO;
		else if (EVP_PKEY_verify(ctx, sig, sig_len, digest, dlen) != 1)
			ret = -EBADMSG;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ret;
}
