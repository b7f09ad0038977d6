// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "keyutil.h"

void ku_put(struct ku_buf *b, uint16_t type, const void *d, size_t len)
{
	nlraw_put(b->b, sizeof(b->b), &b->off, type, d, len);
}

void ku_put_u8(struct ku_buf *b, uint16_t type, uint8_t v)
{
	ku_put(b, type, &v, 1);
}

void ku_put_u32(struct ku_buf *b, uint16_t type, uint32_t v)
{
	ku_put(b, type, &v, 4);
}

void ku_put_u64(struct ku_buf *b, uint16_t type, uint64_t v)
{
	ku_put(b, type, &v, 8);
}

void *ku_nest_start(struct ku_buf *b, uint16_t type)
{
	void *nla = b->b + b->off;

	ku_put(b, type | NLA_F_NESTED, NULL, 0);
	return nla;
}

void ku_nest_end(struct ku_buf *b, void *nest)
{
	struct nlattr *nla = nest;

	nla->nla_len = b->b + b->off - (unsigned char *)nla;
}

int ku_request(struct nlraw *nl, uint8_t cmd, const struct ku_buf *b)
{
	return nlraw_request(nl, cmd, KHSM_GENL_VERSION, 0, b ? b->b : NULL,
			     b ? b->off : 0);
}

const struct nlattr *ku_next_attr(const void *buf, size_t end, size_t *pos)
{
	const struct nlattr *nla;

	if (*pos + NLA_HDRLEN > end)
		return NULL;
	nla = (const void *)((const unsigned char *)buf + *pos);
	if (nla->nla_len < NLA_HDRLEN || *pos + nla->nla_len > end)
		return NULL;
	*pos += NLA_ALIGN(nla->nla_len);
	return nla;
}

/* The first top-level attribute @type of the last reply. */
const struct nlattr *ku_reply_attr(const struct nlraw *nl, uint16_t type)
{
	size_t pos = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a;

	while ((a = ku_next_attr(nl->reply, nl->reply_len, &pos)))
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

const struct nlattr *ku_nested_attr(const struct nlattr *nest, uint16_t type)
{
	size_t pos = 0;
	const struct nlattr *a;

	while ((a = ku_next_attr(KU_PAYLOAD(nest), KU_PLEN(nest), &pos)))
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

uint32_t ku_info_u32(struct nlraw *nl, uint16_t type)
{
	const struct nlattr *a;
	uint32_t v;

	if (ku_request(nl, KHSM_CMD_GET_INFO, NULL))
		return ~0u;
	a = ku_reply_attr(nl, KHSM_A_INFO);
	a = a ? ku_nested_attr(a, type) : NULL;
	if (!a || KU_PLEN(a) != sizeof(v))
		return ~0u;
	memcpy(&v, KU_PAYLOAD(a), sizeof(v));
	return v;
}

/* The file of card 1 in a KHSM_A_CARDS reply. */
static void card_one(const struct nlraw *nl, struct ku_files *f)
{
	const struct nlattr *arr = ku_reply_attr(nl, KHSM_A_CARDS), *e, *a;
	size_t pos = 0;

	f->card_len = 0;
	if (!arr)
		return;
	while ((e = ku_next_attr(KU_PAYLOAD(arr), KU_PLEN(arr), &pos))) {
		a = ku_nested_attr(e, KHSM_A_CARD_INDEX);
		if (!a || *KU_PAYLOAD(a) != 1)
			continue;
		a = ku_nested_attr(e, KHSM_A_CARD_FILE);
		if (a && KU_PLEN(a) <= sizeof(f->card)) {
			memcpy(f->card, KU_PAYLOAD(a), KU_PLEN(a));
			f->card_len = KU_PLEN(a);
		}
	}
}

void ku_put_card(struct ku_buf *b, int pp)
{
	static const uint8_t salt[KHSM_PP_SALT_LEN] = { 7, 7, 7 };
	void *arr = ku_nest_start(b, KHSM_A_CARDS), *e;
	uint8_t key[KHSM_PP_KEY_LEN];

	e = ku_nest_start(b, KHSM_A_CARD_ENTRY);
	ku_put_u8(b, KHSM_A_CARD_INDEX, 1);
	ku_put(b, KHSM_A_CARD_NAME, "card-1", 7);
	if (pp >= 0) {
		memset(key, pp, sizeof(key));
		ku_put(b, KHSM_A_CARD_PP_SALT, salt, sizeof(salt));
		ku_put(b, KHSM_A_CARD_PP_KEY, key, sizeof(key));
		ku_put_u32(b, KHSM_A_CARD_PBKDF2_ITER, 1000);
	}
	ku_nest_end(b, e);
	ku_nest_end(b, arr);
}

int ku_world_unload(struct nlraw *nl)
{
	return ku_request(nl, KHSM_CMD_WORLD_UNLOAD, NULL);
}

int ku_world_fresh(struct nlraw *nl, struct ku_files *f)
{
	ku_world_unload(nl);
	return ku_world_new(nl, f);
}

int ku_acs_request(struct nlraw *nl, uint8_t cmd)
{
	struct ku_buf *b = calloc(1, sizeof(*b));
	void *o;
	int err;

	if (!b)
		return -ENOMEM;
	o = ku_nest_start(b, KHSM_A_WORLD_OPTS);
	ku_put_u8(b, KHSM_A_OPT_ACS_K, 1);
	ku_put_u8(b, KHSM_A_OPT_ACS_N, 1);
	ku_nest_end(b, o);
	ku_put_card(b, -1);
	err = ku_request(nl, cmd, b);
	free(b);
	return err;
}

int ku_world_new(struct nlraw *nl, struct ku_files *f)
{
	const struct nlattr *a;
	int err;

	err = ku_acs_request(nl, KHSM_CMD_WORLD_NEW);
	if (!err && f) {
		memset(f, 0, sizeof(*f));
		a = ku_reply_attr(nl, KHSM_A_WORLD_FILE);
		if (a && KU_PLEN(a) <= sizeof(f->world)) {
			memcpy(f->world, KU_PAYLOAD(a), KU_PLEN(a));
			f->world_len = KU_PLEN(a);
		}
		card_one(nl, f);
	}
	return err;
}

int ku_world_load(struct nlraw *nl, const struct ku_files *f)
{
	struct ku_buf *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	ku_put(b, KHSM_A_WORLD_FILE, f->world, f->world_len);
	err = ku_request(nl, KHSM_CMD_WORLD_LOAD, b);
	free(b);
	if (!err)
		err = ku_card_insert(nl, 0, f, -1, NULL);
	if (!err)
		err = ku_card_remove(nl, 0);
	return err;
}

int ku_cardset_create(struct nlraw *nl, uint8_t type, const char *name,
		      int persistent, uint8_t pp, struct ku_files *f)
{
	return ku_cardset_create_timeout(nl, type, name, persistent, pp, 0, f);
}

int ku_cardset_create_timeout(struct nlraw *nl, uint8_t type,
			      const char *name, int persistent, uint8_t pp,
			      uint32_t timeout, struct ku_files *f)
{
	struct ku_buf *b = calloc(1, sizeof(*b));
	void *cs;
	int err;

	if (!b)
		return -ENOMEM;
	cs = ku_nest_start(b, KHSM_A_CARDSET);
	ku_put_u8(b, KHSM_A_CARDSET_TYPE, type);
	ku_put(b, KHSM_A_CARDSET_NAME, name, strlen(name) + 1);
	ku_put_u8(b, KHSM_A_CARDSET_K, 1);
	ku_put_u8(b, KHSM_A_CARDSET_N, 1);
	if (type == KHSM_SET_OCS)
		ku_put_u8(b, KHSM_A_CARDSET_PERSISTENT, !!persistent);
	if (timeout)
		ku_put_u32(b, KHSM_A_CARDSET_TIMEOUT, timeout);
	ku_nest_end(b, cs);
	ku_put_card(b, pp);
	err = ku_request(nl, KHSM_CMD_CARDSET_CREATE, b);
	if (!err) {
		card_one(nl, f);
		if (!f->card_len)
			err = -ENODATA;
	}
	free(b);
	return err;
}

int ku_softcard_create(struct nlraw *nl, const char *name, uint8_t pp,
		       struct ku_files *f)
{
	return ku_cardset_create(nl, KHSM_SET_SOFTCARD, name, 1, pp, f);
}

int ku_card_insert(struct nlraw *nl, uint8_t slot, const struct ku_files *f,
		   int pp, uint64_t *token_id)
{
	return ku_card_insert_shared(nl, slot, f, pp, -1, token_id);
}

int ku_card_insert_shared(struct nlraw *nl, uint8_t slot,
			  const struct ku_files *f, int pp, long share_gid,
			  uint64_t *token_id)
{
	struct ku_buf *b = calloc(1, sizeof(*b));
	const struct nlattr *a;
	uint8_t key[KHSM_PP_KEY_LEN];
	int err;

	if (!b)
		return -ENOMEM;
	ku_put_u8(b, KHSM_A_SLOT, slot);
	ku_put(b, KHSM_A_CARD_IMAGE, f->card, f->card_len);
	if (pp >= 0) {
		memset(key, pp, sizeof(key));
		ku_put(b, KHSM_A_PP_KEY, key, sizeof(key));
	}
	if (share_gid >= 0)
		ku_put_u32(b, KHSM_A_SHARE_GID, share_gid);
	err = ku_request(nl, KHSM_CMD_CARD_INSERT, b);
	if (!err && token_id) {
		*token_id = 0;
		a = ku_reply_attr(nl, KHSM_A_TOKEN_ID);
		if (a && KU_PLEN(a) == 8)
			memcpy(token_id, KU_PAYLOAD(a), 8);
	}
	free(b);
	return err;
}

int ku_card_remove(struct nlraw *nl, uint8_t slot)
{
	struct ku_buf b = { .off = 0 };

	ku_put_u8(&b, KHSM_A_SLOT, slot);
	return ku_request(nl, KHSM_CMD_CARD_REMOVE, &b);
}

int ku_token_unload(struct nlraw *nl, uint64_t token_id)
{
	struct ku_buf b = { .off = 0 };

	ku_put_u64(&b, KHSM_A_TOKEN_ID, token_id);
	return ku_request(nl, KHSM_CMD_TOKEN_UNLOAD, &b);
}

struct ku_keyspec ku_spec(uint32_t type, uint32_t ops, uint32_t mechs,
			  uint32_t acl_flags)
{
	struct ku_keyspec s;

	memset(&s, 0, sizeof(s));
	s.type = type;
	s.protection = KHSM_PROTECT_MODULE;
	s.recovery = -1;
	s.acl.ops = ops;
	s.acl.mechs = mechs;
	s.acl.flags = acl_flags;
	return s;
}

static int key_request(struct nlraw *nl, uint8_t cmd,
		       const struct ku_keyspec *s, struct ku_blob *out)
{
	struct ku_buf *b = calloc(1, sizeof(*b));
	const char *app = s->app ? s->app : "selftest";
	const char *ident = s->ident ? s->ident : "key";
	const struct nlattr *k, *a;
	void *n;
	int err;

	if (!b)
		return -ENOMEM;
	n = ku_nest_start(b, KHSM_A_KEY);
	ku_put_u32(b, KHSM_A_KEY_TYPE, s->type);
	if (s->len)
		ku_put_u32(b, KHSM_A_KEY_LEN, s->len);
	ku_put_u8(b, KHSM_A_KEY_PROTECTION, s->protection);
	ku_put(b, KHSM_A_KEY_ACL, &s->acl, sizeof(s->acl));
	ku_put(b, KHSM_A_KEY_APP, app, strlen(app) + 1);
	ku_put(b, KHSM_A_KEY_IDENT, ident, strlen(ident) + 1);
	if (s->recovery >= 0)
		ku_put_u8(b, KHSM_A_KEY_RECOVERY, s->recovery);
	if (s->secret || s->has_secret)
		ku_put(b, KHSM_A_KEY_SECRET, s->secret, s->secret_len);
	if (s->pub || s->has_pub)
		ku_put(b, KHSM_A_KEY_PUBLIC, s->pub, s->pub_len);
	ku_nest_end(b, n);
	if (s->token_id)
		ku_put_u64(b, KHSM_A_TOKEN_ID, s->token_id);
	err = ku_request(nl, cmd, b);
	free(b);
	if (err || !out)
		return err;
	memset(out, 0, sizeof(*out));
	k = ku_reply_attr(nl, KHSM_A_KEY);
	if (!k)
		return -ENODATA;
	a = ku_nested_attr(k, KHSM_A_KEY_BLOB);
	if (!a || KU_PLEN(a) > sizeof(out->data))
		return -ENODATA;
	memcpy(out->data, KU_PAYLOAD(a), KU_PLEN(a));
	out->len = KU_PLEN(a);
	a = ku_nested_attr(k, KHSM_A_KEY_HASH);
	if (a && KU_PLEN(a) == KHSM_KEY_HASH_LEN)
		memcpy(out->hash, KU_PAYLOAD(a), KHSM_KEY_HASH_LEN);
	return 0;
}

int ku_key_generate(struct nlraw *nl, const struct ku_keyspec *s,
		    struct ku_blob *out)
{
	return key_request(nl, KHSM_CMD_KEY_GENERATE, s, out);
}

int ku_key_import(struct nlraw *nl, const struct ku_keyspec *s,
		  struct ku_blob *out)
{
	return key_request(nl, KHSM_CMD_KEY_IMPORT, s, out);
}

int ku_ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

int ku_open(void)
{
	return open(KU_DEV, O_RDWR | O_CLOEXEC);
}

int ku_load(int fd, const void *blob, size_t len, uint64_t token_id,
	    uint64_t *handle)
{
	struct khsm_ioc_load l;
	int err;

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.blob_len = len;
	l.blob_uptr = (uintptr_t)blob;
	l.token_id = token_id;
	err = ku_ioc(fd, KHSM_IOC_LOAD, &l);
	if (!err && handle)
		*handle = l.out_handle;
	return err;
}

int ku_destroy(int fd, uint64_t handle)
{
	struct khsm_ioc_destroy d;

	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.handle = handle;
	return ku_ioc(fd, KHSM_IOC_DESTROY, &d);
}

void ku_op_init(struct khsm_ioc_op *op, uint64_t handle, uint32_t opn,
		uint32_t mech)
{
	memset(op, 0, sizeof(*op));
	op->size = sizeof(*op);
	op->handle = handle;
	op->op = opn;
	op->mech = mech;
}

void ku_op_io(struct khsm_ioc_op *op, const void *in, size_t in_len,
	      void *out, size_t out_len)
{
	op->in_uptr = (uintptr_t)in;
	op->in_len = in_len;
	op->out_uptr = (uintptr_t)out;
	op->out_len = out_len;
}

int ku_op(int fd, struct khsm_ioc_op *op)
{
	return ku_ioc(fd, KHSM_IOC_OP, op);
}

int ku_unwrap(int fd, uint64_t kek, uint32_t mech, const void *in,
	      size_t in_len, uint32_t type, const struct khsm_acl *acl,
	      uint64_t *handle)
{
	struct khsm_ioc_op op;
	int err;

	ku_op_init(&op, kek, KHSM_OP_UNWRAP, mech);
	ku_op_io(&op, in, in_len, NULL, 0);
	op.new_type = type;
	op.acl_uptr = (uintptr_t)acl;
	err = ku_op(fd, &op);
	if (!err)
		*handle = op.out_handle;
	return err;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

unsigned char *ku_unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex), i;
	unsigned char *p;
	int hi, lo;

	if (n % 2)
		return NULL;
	p = malloc(n / 2 + 1);
	if (!p)
		return NULL;
	for (i = 0; i < n / 2; i++) {
		hi = nibble(hex[2 * i]);
		lo = nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(p);
			return NULL;
		}
		p[i] = hi << 4 | lo;
	}
	*len = n / 2;
	return p;
}

void ku_hex(const void *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[c[i] >> 4];
		out[2 * i + 1] = digits[c[i] & 15];
	}
	out[2 * len] = '\0';
}
