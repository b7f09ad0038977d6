// SPDX-License-Identifier: GPL-2.0
/*
 * Regression test for a kernel NULL dereference found by khsm-fuzz
 * (tools/fuzz): KHSM_CMD_KEY_RECOVER with KHSM_A_TOKEN_ID 0, from a
 * connection holding the key-recovery ACS quorum, while any token is
 * loaded. khsm_key_recover() looks the token up with
 * khsm_token_get_for_key(0, NULL, 0, &t); id 0 means "by set id", so it
 * compares each token's set id with the NULL set_id: memcmp(t->set_id,
 * NULL, 16) oopses in khsm_token_get_for_key() under genl_rcv_msg.
 *
 * Expected: refused (ENOKEY: no token 0), and this process alive to say so.
 * Fixed in kmod/tokens.c (a lookup by id 0 without a set id finds
 * nothing); make check runs this through selftests/guest/fuzz_test.sh
 * (built by make -C tools/fuzz guest as build/fuzz/repro_recover_token0).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "keyutil.h"

int main(void)
{
	struct ku_files world, soft;
	struct ku_keyspec spec;
	struct ku_blob blob;
	struct nlraw nl;
	struct ku_buf b = { .off = 0 };
	uint64_t token = 0;
	void *key;
	int err;

	printf("TAP version 13\n1..1\n");
	err = nlraw_open(&nl, KHSM_GENL_NAME);
	if (err) {
		printf("not ok 1 # no khsm family (%s)\n", strerror(-err));
		return 1;
	}
	/* A 1-of-1 world: its one ACS card is the whole key-recovery quorum. */
	err = ku_world_fresh(&nl, &world) ?:
	      ku_card_insert(&nl, 0, &world, -1, NULL) ?:
	      ku_card_remove(&nl, 0) ?:
	      /* A token loaded: any will do. */
	      ku_softcard_create(&nl, "repro", 7, &soft) ?:
	      ku_card_insert(&nl, 1, &soft, 7, &token);
	spec = ku_spec(KHSM_KEY_AES, 1U << KHSM_OP_ENCRYPT,
		       1U << KHSM_MECH_AES_GCM, 0);
	if (!err)
		err = ku_key_generate(&nl, &spec, &blob);
	if (err || !token) {
		printf("not ok 1 # setup failed (%d: %s)\n", err, nl.extack);
		return 1;
	}
	printf("# world, ACS quorum, token %016llx, a key blob of %zu bytes\n",
	       (unsigned long long)token, blob.len);

	key = ku_nest_start(&b, KHSM_A_KEY);
	ku_put(&b, KHSM_A_KEY_BLOB, blob.data, blob.len);
	ku_nest_end(&b, key);
	ku_put_u64(&b, KHSM_A_TOKEN_ID, 0);
	fflush(stdout);
	err = ku_request(&nl, KHSM_CMD_KEY_RECOVER, &b);	/* oopses here */
	printf("%s 1 KEY_RECOVER with token id 0 is refused: %s (%s)\n",
	       err == ENOKEY ? "ok" : "not ok", err > 0 ? strerror(err) :
	       "no error", nl.extack);
	ku_world_unload(&nl);
	nlraw_close(&nl);
	return err == ENOKEY ? 0 : 1;
}
