// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Operator card sets and softcards: CARDSET_CREATE. Like WORLD_NEW, the
 * request carries the cards' passphrase keys and is wiped before it is
 * freed; unlike it, it needs no ACS and the module keeps nothing: the
 * cards it returns are the set.
 */
#include <errno.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

#define CARDSET_FLAGS	(KHSM_CARDSET_PERSISTENT | KHSM_CARDSET_RECOVERY | \
			 KHSM_CARDSET_NO_RECOVERY | KHSM_CARDSET_PP_RECOVERY)

static int cardset_check(const struct khsm_cardset_req *req)
{
	if ((req->flags & ~CARDSET_FLAGS) ||
	    ((req->flags & KHSM_CARDSET_RECOVERY) &&
	     (req->flags & KHSM_CARDSET_NO_RECOVERY)))
		return -EINVAL;
	if (!memchr(req->name, '\0', sizeof(req->name)) || !req->name[0])
		return -EINVAL;
	return 0;
}

/* Recovery is sent only when asked for: else the world's switch decides. */
static int put_set(struct nl_msg *msg, const struct khsm_cardset_req *req)
{
	uint32_t f = req->flags;
	struct nlattr *nest;

	nest = nla_nest_start(msg, KHSM_A_CARDSET | NLA_F_NESTED);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(msg, KHSM_A_CARDSET_TYPE, req->type) ||
	    nla_put_string(msg, KHSM_A_CARDSET_NAME, req->name) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_K, req->k) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_N, req->n) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_PERSISTENT,
		       !!(f & KHSM_CARDSET_PERSISTENT)) ||
	    nla_put_u32(msg, KHSM_A_CARDSET_TIMEOUT, req->timeout) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_PP_RECOVERY,
		       !!(f & KHSM_CARDSET_PP_RECOVERY)))
		return -EMSGSIZE;
	if ((f & (KHSM_CARDSET_RECOVERY | KHSM_CARDSET_NO_RECOVERY)) &&
	    nla_put_u8(msg, KHSM_A_CARDSET_RECOVERY,
		       !!(f & KHSM_CARDSET_RECOVERY)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int khsm_cardset_create_put(struct nl_msg *msg,
			    const struct khsm_cardset_req *req,
			    const struct khsm_card_req *cards, size_t ncards)
{
	return cardset_check(req) ?: put_set(msg, req) ?:
	       khsm_cards_put(msg, cards, ncards);
}

static int cardset_reply(struct nl_msg *msg, void *arg)
{
	return khsm_cardset_result_parse(msg, arg);
}

KHSM_API int khsm_cardset_create(struct khsm *h,
				 const struct khsm_cardset_req *req,
				 const struct khsm_card_req *cards,
				 size_t ncards,
				 struct khsm_cardset_result *res)
{
	struct nl_msg *msg = NULL;
	int ret;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	if (!req)
		return -EINVAL;
	msg = khsm_nl_request_size(h->family, KHSM_CMD_CARDSET_CREATE,
				   KHSM_GENL_VERSION, KHSM_REQ_MAX);
	if (!msg)
		return -ENOMEM;
	ret = khsm_cardset_create_put(msg, req, cards, ncards);
	if (!ret)
		ret = khsm_nl_transact(h, msg, cardset_reply, res);
	if (!ret && !res->present)	/* ACKed without a reply */
		ret = -EPROTO;
	if (ret)
		khsm_cardset_result_free(res);
	khsm_nl_free_wiped(msg);
	return ret;
}
