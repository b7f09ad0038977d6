// SPDX-License-Identifier: GPL-2.0
/*
 * Host binding keys: a key in the kernel keyring, named by the
 * administrator, from which the key wrapping the world file key is derived.
 * With it the world loads after a reboot without people, as the reference
 * describes for high-availability servers. The key is looked up with the
 * caller's credentials, so only keyrings the caller can search are used,
 * and its payload never leaves the kernel.
 */
#include <keys/encrypted-type.h>
#include <keys/trusted-type.h>
#include <keys/user-type.h>
#include <linux/key.h>
#include <linux/module.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "world.h"

/* Resolved by name at run time: a missing trusted or encrypted key
 * subsystem must not keep the module from loading.
 */
static struct key_type *bind_key_type(const char *name, bool *is_module_sym)
{
	*is_module_sym = false;
	if (!strcmp(name, "logon"))
		return &key_type_logon;
	if (!strcmp(name, "user"))
		return &key_type_user;
	*is_module_sym = true;
	if (!strcmp(name, "encrypted"))
		return symbol_get(key_type_encrypted);
	if (!strcmp(name, "trusted"))
		return symbol_get(key_type_trusted);
	return NULL;
}

static void bind_key_type_put(const char *name)
{
	if (!strcmp(name, "encrypted"))
		symbol_put(key_type_encrypted);
	else if (!strcmp(name, "trusted"))
		symbol_put(key_type_trusted);
}

static const char *const bind_types[] = { "logon", "user", "encrypted",
					   "trusted" };

/* @type's name as a string that lives as long as the module, or NULL. */
const char *khsm_bind_type_name(const char *type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bind_types); i++)
		if (!strcmp(type, bind_types[i]))
			return bind_types[i];
	return NULL;
}

/* The payload of a key of one of the four types, under key->sem. */
static int payload_of(const char *type, struct key *key, const u8 **data,
		      size_t *len)
{
	if (!strcmp(type, "logon") || !strcmp(type, "user")) {
		const struct user_key_payload *p = user_key_payload_locked(key);

		if (!p)
			return -EKEYREVOKED;
		*data = p->data;
		*len = p->datalen;
	} else if (!strcmp(type, "encrypted")) {
		const struct encrypted_key_payload *p = key->payload.data[0];

		if (!p)
			return -EKEYREVOKED;
		*data = p->decrypted_data;
		*len = p->decrypted_datalen;
	} else {
		const struct trusted_key_payload *p = key->payload.data[0];

		if (!p)
			return -EKEYREVOKED;
		*data = p->key;
		*len = p->key_len;
	}
	return 0;
}

static int derive(struct key *key, const char *type, const u8 *world_id,
		  u8 kek[KHSM_KEY_LEN])
{
	static const char label[] = "khsm bind";
	const struct khsm_kdf_part parts[] = {
		{ label, sizeof(label) },
		{ world_id, KHSM_WORLD_ID_LEN },
	};
	const u8 *data;
	size_t len;
	int err;

	down_read(&key->sem);
	err = key_validate(key) ?: payload_of(type, key, &data, &len);
	if (!err && len < 16)
		err = -EKEYREJECTED;
	if (!err)
		err = khsm_hmac_sha256(data, len, parts, ARRAY_SIZE(parts), kek);
	up_read(&key->sem);
	return err;
}

int khsm_bind_kek(const struct khsm_bind_req *bind,
		  const u8 world_id[KHSM_WORLD_ID_LEN], u8 kek[KHSM_KEY_LEN],
		  struct netlink_ext_ack *extack)
{
	struct key_type *type;
	struct key *key;
	bool module_sym;
	int err;

	type = bind_key_type(bind->type, &module_sym);
	if (!type) {
		if (module_sym && (!strcmp(bind->type, "encrypted") ||
				   !strcmp(bind->type, "trusted")))
			NL_SET_ERR_MSG_MOD(extack, "this kernel has no keys of that type");
		else
			NL_SET_ERR_MSG_MOD(extack,
					   "binding key type must be logon, user, encrypted or trusted");
		return -EINVAL;
	}
	key = request_key(type, bind->desc, NULL);
	if (IS_ERR(key)) {
		err = PTR_ERR(key);
		NL_SET_ERR_MSG_MOD(extack,
				   "binding key not found in the caller's keyrings");
		/* ENOENT means "module not loaded" to the tools */
		err = err == -ENOKEY || err == -ENOENT ? -ENOKEY : err;
		goto out;
	}
	err = derive(key, bind->type, world_id, kek);
	if (err == -EKEYREJECTED)
		NL_SET_ERR_MSG_MOD(extack, "binding key is shorter than 16 bytes");
	else if (err)
		NL_SET_ERR_MSG_MOD(extack, "binding key is revoked or expired");
	key_put(key);
out:
	if (module_sym)
		bind_key_type_put(bind->type);
	return err;
}
