// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sign-file: sign a file with a khsm key, as a service would.
 *
 *   sign-file APP IDENT FILE > FILE.sig
 *
 * Reads the key blob kmdata/key_APP_IDENT (made by "khsmctl key
 * generate"), loads it on the data channel, has the module sign FILE (up
 * to KHSM_DATA_MAX bytes: the module hashes it) with ECDSA, and writes the
 * DER signature to standard output, which
 *
 *   khsmctl key pubkey APP IDENT > pub.pem
 *   openssl dgst -sha256 -verify pub.pem -signature FILE.sig FILE
 *
 * checks. A softcard or card set key needs its token held by someone, e.g.
 *
 *   khsmctl token preload NAME -- sign-file APP IDENT FILE
 *
 * which also sets KHSM_TOKEN_ID; without it the module picks a loaded token
 * of the key's set that we may use.
 *
 * Build: cc sign-file.c $(pkg-config --cflags --libs khsm)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <khsm/khsm.h>

/* The token to load with: $KHSM_TOKEN_ID, or 0 to let the module pick. */
static uint64_t token_id(void)
{
	const char *s = getenv("KHSM_TOKEN_ID");

	return s ? strtoull(s, NULL, 16) : 0;
}

/* The blob of key APP IDENT in the kmdata directory, and what it is. */
static int read_blob(const char *app, const char *ident, uint8_t **blob,
		     size_t *len, struct khsm_key_info *ki)
{
	char path[4096], why[200];
	int err;

	snprintf(path, sizeof(path), "%s/%s%s_%s", khsm_kmdata_dir(),
		 KHSM_KEY_FILE_PREFIX, app, ident);
	/* Nobody but its owner may have changed it. */
	err = khsm_read_file(path, KHSM_READ_NO_GROUP_WRITE |
			     KHSM_READ_NO_OTHER_WRITE, blob, len, NULL);
	if (err) {
		fprintf(stderr, "sign-file: %s: %s\n", path, strerror(-err));
		return err;
	}
	err = khsm_key_blob_parse(*blob, *len, ki, why, sizeof(why));
	if (err)
		fprintf(stderr, "sign-file: %s: %s\n", path, why);
	return err;
}

/* A file up to KHSM_DATA_MAX bytes, which the module hashes itself. */
static int read_input(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	int err = 0;

	*data = malloc(KHSM_DATA_MAX + 1);
	if (!f || !*data) {
		err = -errno;
	} else {
		*len = fread(*data, 1, KHSM_DATA_MAX + 1, f);
		if (ferror(f))
			err = -EIO;
		else if (*len > KHSM_DATA_MAX)
			err = -EFBIG;
	}
	if (f)
		fclose(f);
	if (err)
		fprintf(stderr, "sign-file: %s: %s\n", path, strerror(-err));
	return err;
}

int main(int argc, char *argv[])
{
	uint8_t *blob = NULL, *data = NULL, sig[160];
	size_t blob_len = 0, len = 0, sig_len = sizeof(sig);
	struct khsm_key_info ki;
	struct khsm *h = NULL;
	uint64_t key = 0;
	uint32_t mech;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: sign-file APP IDENT FILE > SIGFILE\n");
		return 2;
	}
	err = read_blob(argv[1], argv[2], &blob, &blob_len, &ki) ?:
	      read_input(argv[3], &data, &len);
	if (err)
		goto out;
	if (ki.type == KHSM_KEY_EC_P256) {
		mech = KHSM_MECH_ECDSA_P256_SHA256;
	} else if (ki.type == KHSM_KEY_EC_P384) {
		mech = KHSM_MECH_ECDSA_P384_SHA384;
	} else {
		fprintf(stderr, "sign-file: an %s key does not sign\n",
			khsm_key_type_name(ki.type));
		err = -EINVAL;
		goto out;
	}

	/* The data channel only: a service needs no netlink socket. */
	err = khsm_open(&h, KHSM_OPEN_DATA);
	if (err) {
		fprintf(stderr, "sign-file: %s: %s\n", KHSM_DEVICE_PATH,
			khsm_strerror(err));
		goto out;
	}
	err = khsm_key_load(h, blob, blob_len, token_id(), &key);
	if (err) {
		fprintf(stderr, "sign-file: loading the key: %s\n",
			khsm_strerror(err));
		goto out;
	}
	err = khsm_sign(h, key, mech, 0, data, len, sig, &sig_len);
	if (err == -EKEYREVOKED) {
		/* The token went between load and sign: load again later. */
		fprintf(stderr, "sign-file: the key's token was unloaded\n");
	} else if (err) {
		fprintf(stderr, "sign-file: signing: %s\n", khsm_strerror(err));
	} else if (fwrite(sig, 1, sig_len, stdout) != sig_len ||
		   fflush(stdout)) {
		fprintf(stderr, "sign-file: writing the signature failed\n");
		err = -EIO;
	}
out:
	khsm_close(h);		/* destroys the key handle too */
	free(data);
	free(blob);
	return err ? 1 : 0;
}
