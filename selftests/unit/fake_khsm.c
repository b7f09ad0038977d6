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
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "internal.h"

#define NONCE	12
#define TAG	16
#define MAC	32
#define CARD_BODY (NONCE + KHSM_PP_KEY_LEN + TAG)

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
};

static struct fake_state st;
static unsigned int have;	/* cards read by this "connection" */
static uint8_t seen[KHSM_MAX_CARDS + 1];

static const char *state_path(void)
{
	const char *p = getenv("KHSM_FAKE_STATE");

	return p ? p : "/nonexistent/khsm-fake-state";
}

static void load_state(void)
{
	int fd = open(state_path(), O_RDONLY);

	memset(&st, 0, sizeof(st));
	if (fd < 0)
		return;
	if (read(fd, &st, sizeof(st)) != sizeof(st))
		memset(&st, 0, sizeof(st));
	close(fd);
}

static void save_state(void)
{
	int fd = open(state_path(), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return;
	if (write(fd, &st, sizeof(st)) != sizeof(st))
		fprintf(stderr, "fake khsm: cannot save its state\n");
	close(fd);
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
			   (o->strict ? KHSM_WORLD_F_STRICT : 0));
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

static int make_card(const struct khsm_card_req *r, struct khsm_card_file *f)
{
	size_t len = sizeof(struct khsm_card_hdr) + CARD_BODY + MAC;
	struct khsm_card_hdr h;

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
	memcpy(h.set_id, st.set_id, sizeof(h.set_id));
	h.set_type = KHSM_SET_ACS;
	h.index = r->index;
	h.k = st.opts.acs_k;
	h.n = st.opts.acs_n;
	if (r->has_passphrase) {
		h.flags = htole32(KHSM_CARD_F_PASSPHRASE);
		h.pbkdf2_iter = htole32(r->pbkdf2_iter);
		memcpy(h.pp_salt, r->pp_salt, sizeof(h.pp_salt));
	}
	strcpy(h.set_name, "acs");
	memcpy(h.card_name, r->name, sizeof(h.card_name));
	memcpy(f->data, &h, sizeof(h));
	if (r->has_passphrase)
		memcpy(f->data + sizeof(h) + NONCE, r->pp_key, KHSM_PP_KEY_LEN);
	f->index = r->index;
	f->len = len;
	return 0;
}

static int make_cards(const struct khsm_card_req *cards, size_t n,
		      struct khsm_world_result *res)
{
	size_t i;
	int ret;

	res->cards = calloc(n, sizeof(*res->cards));
	if (!res->cards)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ret = make_card(&cards[i], &res->cards[i]);
		if (ret)
			return ret;
		res->ncards++;
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
	ret = make_cards(cards, n, res) ?: make_world_file(res);
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
	    memcmp(ci->set_id, st.set_id, KHSM_SET_ID_LEN))
		return refuse(h, -EXDEV, "card of another world or card set");
	want = image + sizeof(struct khsm_card_hdr) + NONCE;
	if (memcmp(pp_key ? pp_key : none, want, KHSM_PP_KEY_LEN))
		return refuse(h, -EACCES, "wrong passphrase; try again in 1 s");
	return 0;
}

int __wrap_khsm_card_insert(struct khsm *h, uint8_t slot, const void *image,
			    size_t len, const uint8_t *pp_key,
			    unsigned int flags, struct khsm_insert_result *res);
int __wrap_khsm_card_insert(struct khsm *h, uint8_t slot, const void *image,
			    size_t len, const uint8_t *pp_key,
			    unsigned int flags, struct khsm_insert_result *res)
{
	struct khsm_card_info ci;
	int ret;

	(void)slot;
	memset(res, 0, sizeof(*res));
	if (st.state == KHSM_WORLD_UNINITIALISED)
		return refuse(h, -ENOKEY, "no world");
	ret = check_card(h, image, len, pp_key, &ci);
	if (ret)
		return ret;
	res->index = ci.index;
	res->k = ci.k;
	res->n = ci.n;
	memcpy(res->card_name, ci.card_name, sizeof(res->card_name));
	memcpy(res->set_name, ci.set_name, sizeof(res->set_name));
	if (flags & KHSM_INSERT_VERIFY_ONLY)
		return 0;
	if (seen[ci.index]++)
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

int __wrap_khsm_card_remove(struct khsm *h, uint8_t slot);
int __wrap_khsm_card_remove(struct khsm *h, uint8_t slot)
{
	(void)h;
	(void)slot;
	return 0;
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

static int set_state(uint32_t state, uint32_t auth)
{
	st.state = state;
	st.acs_auth = auth;
	save_state();
	return 0;
}

int __wrap_khsm_world_unload(struct khsm *h);
int __wrap_khsm_world_unload(struct khsm *h)
{
	if (st.state == KHSM_WORLD_UNINITIALISED)
		return refuse(h, -ENOKEY, "no world loaded");
	return set_state(KHSM_WORLD_UNINITIALISED, 0);
}

int __wrap_khsm_clear(struct khsm *h);
int __wrap_khsm_clear(struct khsm *h)
{
	(void)h;
	return set_state(st.state, 0);
}

int __wrap_khsm_acs_logout(struct khsm *h);
int __wrap_khsm_acs_logout(struct khsm *h)
{
	(void)h;
	return set_state(st.state, 0);
}
