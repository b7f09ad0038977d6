// SPDX-License-Identifier: GPL-2.0
/*
 * The administrator card set. Each ACS card holds one Shamir share of
 * each ACS token, every token split with its own quorum. A connection
 * collects shares card by card; when a token's quorum is met the token is
 * rebuilt, checked against the world, used, and wiped. The authorisations
 * it grants are module-wide and last the NSO timeout, like a quorum that
 * was presented at the HSM's own card reader.
 */
#include <crypto/algapi.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "acs.h"
#include "audit.h"
#include "cards.h"
#include "shamir.h"

static int token_check(const u8 *world_id, int token, const u8 *tok,
		       u8 check[KHSM_HMAC_LEN])
{
	static const char label[] = "khsm token check";
	const u8 t = token;
	const struct khsm_kdf_part parts[] = {
		{ label, sizeof(label) },
		{ world_id, KHSM_WORLD_ID_LEN },
		{ &t, 1 },
	};

	return khsm_hmac_sha256(tok, KHSM_KEY_LEN, parts, ARRAY_SIZE(parts),
				check);
}

/* Quorum used to split a token; a disabled feature's token is never
 * checked, so its shares are shares of noise.
 */
static unsigned int split_quorum(const struct khsm_world *w, int t)
{
	return w->opts.quorum[t] ?: 1;
}

/* Everything a new ACS needs, in one allocation that is wiped as a whole. */
struct acs_material {
	u8 tokens[KHSM_TOKEN__COUNT][KHSM_KEY_LEN];
	u8 coeffs[KHSM_MAX_CARDS - 1][KHSM_KEY_LEN];
	u8 shares[KHSM_TOKEN__COUNT][KHSM_MAX_CARDS][KHSM_KEY_LEN];
	u8 plain[KHSM_ACS_CARD_PLAIN_LEN];
};

static int acs_split(struct khsm_world *w, struct acs_material *m,
		     unsigned int n)
{
	struct khsm_world_hdr *hdr = &w->hdr;
	unsigned int q;
	int t, err;

	for (t = 0; t < KHSM_TOKEN__COUNT; t++) {
		q = split_quorum(w, t);
		err = khsm_rng_bytes(m->tokens[t], KHSM_KEY_LEN) ?:
		      khsm_rng_bytes(m->coeffs, (q - 1) * KHSM_KEY_LEN);
		if (err)
			return err;
		err = khsm_shamir_split(m->tokens[t], KHSM_KEY_LEN, q, n,
					&m->coeffs[0][0], &m->shares[t][0][0]);
		if (err)
			return err;
		memset(hdr->token_check[t], 0, KHSM_HMAC_LEN);
		if (w->opts.quorum[t]) {
			err = token_check(hdr->world_id, t, m->tokens[t],
					  hdr->token_check[t]);
			if (err)
				return err;
		}
	}
	return 0;
}

static int acs_make_cards(struct khsm_world *w, struct acs_material *m,
			  const struct khsm_card_spec *specs, unsigned int n,
			  struct khsm_made *made)
{
	const struct khsm_card_ctx ctx = {
		.world_id = w->hdr.world_id,
		.set_id = w->hdr.acs_set_id,
		.set_type = KHSM_SET_ACS,
		.k = w->opts.acs_k,
		.n = n,
		.set_name = "ACS",
		.secret = w->hdr.acs_salt,
	};
	unsigned int i, x;
	int t, err;

	for (i = 0; i < n; i++) {
		x = specs[i].index;
		for (t = 0; t < KHSM_TOKEN__COUNT; t++)
			memcpy(m->plain + t * KHSM_KEY_LEN,
			       m->shares[t][x - 1], KHSM_KEY_LEN);
		err = khsm_card_build(&ctx, &specs[i], m->plain,
				      sizeof(m->plain), &made->cards[i]);
		if (err)
			return err;
		made->ncards = i + 1;
	}
	return 0;
}

/*
 * A new ACS for @w: new set id and salt (old cards stop matching), new
 * tokens, the load-world token wrapping the world file key, and the cards.
 */
int khsm_acs_build(struct khsm_world *w, const struct khsm_card_spec *specs,
		   unsigned int n, struct khsm_made *made,
		   struct netlink_ext_ack *extack)
{
	struct acs_material *m;
	int err;

	if (n != w->opts.acs_n) {
		NL_SET_ERR_MSG_MOD(extack, "give exactly N cards");
		return -EINVAL;
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	err = khsm_rng_bytes(w->hdr.acs_set_id, KHSM_SET_ID_LEN) ?:
	      khsm_rng_bytes(w->hdr.acs_salt, sizeof(w->hdr.acs_salt)) ?:
	      acs_split(w, m, n) ?:
	      khsm_world_wrap_slot(w, KHSM_KEYSLOT_ACS,
				   m->tokens[KHSM_TOKEN_LOAD_WORLD],
				   &w->keyslots[KHSM_KEYSLOT_ACS - 1]) ?:
	      acs_make_cards(w, m, specs, n, made);
	kfree_sensitive(m);
	return err;
}

/* Rebuilds token @t from the first quorum-many shares and checks it. */
static int acs_combine(struct khsm_world *w, const struct khsm_collect *c,
		       int t, u8 tok[KHSM_KEY_LEN])
{
	const u8 *ys[KHSM_MAX_CARDS];
	u8 check[KHSM_HMAC_LEN];
	unsigned int i, q = w->opts.quorum[t];
	int err;

	for (i = 0; i < q; i++)
		ys[i] = c->shares[i][t];
	err = khsm_shamir_combine(c->xs, ys, q, KHSM_KEY_LEN, tok) ?:
	      token_check(w->hdr.world_id, t, tok, check);
	if (!err && crypto_memneq(check, w->hdr.token_check[t], sizeof(check)))
		err = -EBADMSG;
	memzero_explicit(check, sizeof(check));
	return err;
}

static void acs_authorise(struct khsm_world *w, int t)
{
	w->auth_mask |= 1U << t;
	w->auth_expires = ktime_get_boottime_ns() +
			  (u64)w->opts.nso_timeout * NSEC_PER_SEC;
	khsm_audit_acs(KHSM_AUDIT_ACS_AUTHORISE, 1U << t, w->opts.nso_timeout);
}

static int acs_use_token(struct khsm_world *w, struct khsm_collect *c, int t,
			 struct netlink_ext_ack *extack)
{
	u8 tok[KHSM_KEY_LEN];
	int err;

	err = acs_combine(w, c, t, tok);
	if (err == -EBADMSG)
		NL_SET_ERR_MSG_MOD(extack,
				   "the cards do not rebuild this world's token (cards of another ACS?)");
	if (!err && t == KHSM_TOKEN_LOAD_WORLD && w->state == KHSM_WORLD_LOADING)
		err = khsm_world_finish_load(w, tok, extack);
	else if (!err && t != KHSM_TOKEN_LOAD_WORLD)
		acs_authorise(w, t);
	memzero_explicit(tok, sizeof(tok));
	if (!err)
		c->done |= 1U << t;
	return err;
}

static int acs_tokens_met(struct khsm_world *w, struct khsm_collect *c,
			  struct netlink_ext_ack *extack)
{
	/* Load-world first: the other tokens are checked against the
	 * header of a world file that only the load authenticates.
	 */
	static const int order[] = {
		KHSM_TOKEN_LOAD_WORLD, KHSM_TOKEN_ACS,
		KHSM_TOKEN_KEY_RECOVERY, KHSM_TOKEN_PP_RECOVERY,
	};
	unsigned int i;
	int t, err;

	BUILD_BUG_ON(ARRAY_SIZE(order) != KHSM_TOKEN__COUNT);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		t = order[i];
		if (w->state == KHSM_WORLD_LOADING &&
		    t != KHSM_TOKEN_LOAD_WORLD)
			break;
		if (!w->opts.quorum[t] || c->count < w->opts.quorum[t] ||
		    (c->done & (1U << t)))
			continue;
		err = acs_use_token(w, c, t, extack);
		if (err)
			return err;
	}
	return 0;
}

int khsm_acs_add_card(struct khsm_world *w, struct khsm_collect *c,
		      const struct khsm_card_hdr *hdr, const u8 *plain,
		      struct netlink_ext_ack *extack)
{
	unsigned int i;
	int t;

	if (c->count && memcmp(c->set_id, hdr->set_id, KHSM_SET_ID_LEN))
		memset(c, 0, sizeof(*c));
	memcpy(c->set_id, hdr->set_id, KHSM_SET_ID_LEN);
	for (i = 0; i < c->count; i++) {
		if (c->xs[i] == hdr->index) {
			NL_SET_ERR_MSG_MOD(extack,
					   "this card was already read: a repeated card counts once");
			return -EEXIST;
		}
	}
	c->xs[c->count] = hdr->index;
	for (t = 0; t < KHSM_TOKEN__COUNT; t++)
		memcpy(c->shares[c->count][t], plain + t * KHSM_KEY_LEN,
		       KHSM_KEY_LEN);
	c->count++;
	return acs_tokens_met(w, c, extack);
}

void khsm_acs_progress(const struct khsm_world *w,
		       const struct khsm_collect *c,
		       struct khsm_quorum_progress p[KHSM_TOKEN__COUNT])
{
	int t;

	for (t = 0; t < KHSM_TOKEN__COUNT; t++) {
		p[t].need = w->opts.quorum[t];
		p[t].have = c ? min_t(u8, c->count, KHSM_MAX_CARDS) : 0;
		p[t].done = c && (c->done & (1U << t));
	}
}

static void acs_expire(struct khsm_world *w)
{
	if (w->auth_mask && ktime_get_boottime_ns() >= w->auth_expires) {
		khsm_audit_acs(KHSM_AUDIT_ACS_EXPIRE, w->auth_mask, 0);
		w->auth_mask = 0;
	}
}

int khsm_acs_require(struct khsm_world *w, enum khsm_acs_token token,
		     struct netlink_ext_ack *extack)
{
	bool had = w->auth_mask & (1U << token);

	if (!w->opts.quorum[token]) {
		NL_SET_ERR_MSG_MOD(extack, "this feature is disabled in this world");
		return -EOPNOTSUPP;
	}
	acs_expire(w);
	if (w->auth_mask & (1U << token))
		return 0;
	if (had)
		NL_SET_ERR_MSG_MOD(extack,
				   "the ACS authorisation expired (NSO timeout): present the ACS quorum again");
	else if (token == KHSM_TOKEN_ACS)
		NL_SET_ERR_MSG_MOD(extack,
				   "needs the full ACS quorum (K of N administrator cards): khsmctl acs authorise");
	else
		NL_SET_ERR_MSG_MOD(extack,
				   "needs this feature's ACS quorum: khsmctl acs authorise");
	return -EACCES;
}

void khsm_acs_logout(struct khsm_world *w)
{
	khsm_audit_acs(KHSM_AUDIT_ACS_LOGOUT, w->auth_mask, 0);
	w->auth_mask = 0;
	w->auth_expires = 0;
}

u32 khsm_acs_auth_mask(struct khsm_world *w, u32 *remaining_ms)
{
	u64 now = ktime_get_boottime_ns();

	acs_expire(w);
	*remaining_ms = w->auth_mask ?
		div_u64(w->auth_expires - now, NSEC_PER_MSEC) : 0;
	return w->auth_mask;
}
