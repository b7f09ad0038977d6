// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Cards in slots: insert (or only verify) a card file, take it out, and
 * list what each slot holds. Inserting the last card of an operator card
 * set or softcard's quorum loads its token. And a card's passphrase
 * changed, which needs no slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

struct insert_reply {
	struct khsm_insert_result *res;
	bool done;
};

static int insert_reply(struct nl_msg *msg, void *arg)
{
	struct insert_reply *r = arg;

	if (r->done)		/* one reply per request */
		return -EPROTO;
	r->done = true;
	return khsm_insert_result_parse(msg, r->res);
}

#define INSERT_FLAGS	(KHSM_INSERT_VERIFY_ONLY | KHSM_INSERT_SHARE_GID)

/* CARD_INSERT's attributes; @req has been checked. */
int khsm_insert_put(struct nl_msg *msg, const struct khsm_insert_req *req)
{
	if (nla_put_u8(msg, KHSM_A_SLOT, req->slot) ||
	    nla_put(msg, KHSM_A_CARD_IMAGE, (int)req->len, req->image))
		return -EMSGSIZE;
	if (req->pp_key &&
	    nla_put(msg, KHSM_A_PP_KEY, KHSM_PP_KEY_LEN, req->pp_key))
		return -EMSGSIZE;
	if ((req->flags & KHSM_INSERT_VERIFY_ONLY) &&
	    nla_put_flag(msg, KHSM_A_VERIFY_ONLY))
		return -EMSGSIZE;
	if ((req->flags & KHSM_INSERT_SHARE_GID) &&
	    nla_put_u32(msg, KHSM_A_SHARE_GID, req->share_gid))
		return -EMSGSIZE;
	return 0;
}

static int insert_check(const struct khsm_insert_req *req)
{
	if (!req->image || !req->len || (req->flags & ~INSERT_FLAGS))
		return -EINVAL;
	return req->len > KHSM_FILE_MAX ? -EFBIG : 0;
}

KHSM_API int khsm_card_insert_req(struct khsm *h,
				  const struct khsm_insert_req *req,
				  struct khsm_insert_result *res)
{
	struct insert_reply r = { .res = res };
	struct nl_msg *msg = NULL;
	int ret;

	ret = khsm_need_control(h);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (!res || !req)
		goto out;
	memset(res, 0, sizeof(*res));
	ret = insert_check(req);
	if (ret)
		goto out;
	ret = -ENOMEM;
	msg = khsm_nl_request_size(h->family, KHSM_CMD_CARD_INSERT,
				   KHSM_GENL_VERSION, KHSM_REQ_MAX);
	if (!msg)
		goto out;
	ret = khsm_insert_put(msg, req);
	if (ret)
		goto out;
	ret = khsm_nl_transact(h, msg, insert_reply, &r);
	if (!ret && !r.done)
		ret = -EPROTO;
	if (ret)
		memset(res, 0, sizeof(*res));
out:
	khsm_nl_free_wiped(msg);
	return ret;
}

/* The 1.1 call: no share gid. */
KHSM_API int khsm_card_insert(struct khsm *h, uint8_t slot, const void *image,
			      size_t len, const uint8_t *pp_key,
			      unsigned int flags, struct khsm_insert_result *res)
{
	struct khsm_insert_req req = {
		.image = image, .len = len, .pp_key = pp_key,
		.flags = flags, .slot = slot,
	};

	int ret;

	ret = khsm_need_control(h);
	if (ret)
		return ret;
	if (flags & ~KHSM_INSERT_VERIFY_ONLY) {
		if (res)
			memset(res, 0, sizeof(*res));
		return -EINVAL;
	}
	return khsm_card_insert_req(h, &req, res);
}

KHSM_API int khsm_card_remove(struct khsm *h, uint8_t slot)
{
	struct nl_msg *msg;
	int ret;

	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request(h->family, KHSM_CMD_CARD_REMOVE,
			      KHSM_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	ret = nla_put_u8(msg, KHSM_A_SLOT, slot) ? -EMSGSIZE :
	      khsm_nl_transact(h, msg, NULL, NULL);
	nlmsg_free(msg);
	return ret;
}

/*
 * CARD_PASSPHRASE's attributes: the card, the old passphrase's key if
 * any, and the one card entry with the new passphrase (or none).
 */
int khsm_card_passphrase_put(struct nl_msg *msg, const void *image,
			     size_t len, const uint8_t *old_key,
			     const struct khsm_card_req *card)
{
	if (!image || !len || !card || !card->index)
		return -EINVAL;
	if (len > KHSM_FILE_MAX)
		return -EFBIG;
	if (nla_put(msg, KHSM_A_CARD_IMAGE, (int)len, image) ||
	    (old_key && nla_put(msg, KHSM_A_PP_KEY, KHSM_PP_KEY_LEN, old_key)))
		return -EMSGSIZE;
	return khsm_cards_put(msg, card, 1);
}

static int card_file_reply(struct nl_msg *msg, void *arg)
{
	return khsm_card_file_parse(msg, arg);
}

/* The request carries passphrase keys: wiped before it is freed. */
KHSM_API int khsm_card_passphrase(struct khsm *h, const void *image,
				  size_t len, const uint8_t *old_key,
				  const struct khsm_card_req *card,
				  struct khsm_card_file *out)
{
	struct nl_msg *msg;
	int ret;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request_size(h->family, KHSM_CMD_CARD_PASSPHRASE,
				   KHSM_GENL_VERSION, KHSM_REQ_MAX);
	if (!msg)
		return -ENOMEM;
	ret = khsm_card_passphrase_put(msg, image, len, old_key, card);
	if (!ret)
		ret = khsm_nl_transact(h, msg, card_file_reply, out);
	if (!ret && !out->data)		/* ACKed without a reply */
		ret = -EPROTO;
	if (ret)
		khsm_card_file_free(out);
	khsm_nl_free_wiped(msg);
	return ret;
}

KHSM_API void khsm_card_file_free(struct khsm_card_file *f)
{
	if (!f)
		return;
	free(f->data);
	memset(f, 0, sizeof(*f));
}

struct slots_reply {
	struct khsm_slot *slots;
	size_t n;
	bool done;
};

static int slots_reply(struct nl_msg *msg, void *arg)
{
	struct slots_reply *r = arg;

	r->done = true;
	return khsm_slots_parse(msg, &r->slots, &r->n);
}

KHSM_API int khsm_slot_list(struct khsm *h, struct khsm_slot **slots,
			    size_t *nslots)
{
	struct slots_reply r = { 0 };
	struct nl_msg *msg;
	int ret;

	if (!slots || !nslots)
		return -EINVAL;
	*slots = NULL;
	*nslots = 0;
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request(h->family, KHSM_CMD_SLOT_LIST, KHSM_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	ret = khsm_nl_transact(h, msg, slots_reply, &r);
	nlmsg_free(msg);
	if (!ret && !r.done)
		ret = -EPROTO;
	if (ret) {
		free(r.slots);
		return ret;
	}
	*slots = r.slots;
	*nslots = r.n;
	return 0;
}
