// SPDX-License-Identifier: GPL-2.0
/*
 * Key handles: each open file of /dev/khsm has its own table, so a handle
 * means nothing on any other file, and closing the file destroys them all.
 *
 * The table's spinlock is held only to look up, add or remove an entry. A
 * lookup takes a reference on the key object, so DESTROY or close in
 * another thread only unlinks it: an operation already running finishes
 * with the key it started with, and the last reference wipes it.
 */
#include <linux/slab.h>

#include "kcrypto.h"
#include "keys.h"

struct khsm_file *khsm_file_alloc(void)
{
	struct khsm_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return NULL;
	spin_lock_init(&f->lock);
	hash_init(f->handles);
	return f;
}

void khsm_file_free(struct khsm_file *f)
{
	struct hlist_node *tmp;
	struct khsm_key *k;
	unsigned int bkt;
	HLIST_HEAD(dead);

	/* Unlink under the lock, free outside it: freeing may sleep. */
	spin_lock(&f->lock);
	hash_for_each_safe(f->handles, bkt, tmp, k, node) {
		hash_del(&k->node);
		hlist_add_head(&k->node, &dead);
	}
	f->count = 0;
	spin_unlock(&f->lock);
	hlist_for_each_entry_safe(k, tmp, &dead, node)
		khsm_key_put(k);
	kfree(f);
}

static struct khsm_key *handle_find(struct khsm_file *f, u64 handle)
{
	struct khsm_key *k;

	lockdep_assert_held(&f->lock);
	hash_for_each_possible(f->handles, k, node, handle)
		if (k->handle == handle)
			return k;
	return NULL;
}

/* Gives @k (and the reference the caller had) a fresh random handle. */
int khsm_handle_add(struct khsm_file *f, struct khsm_key *k)
{
	u64 handle;
	int err;

	for (;;) {
		err = khsm_rng_bytes(&handle, sizeof(handle));
		if (err)
			return err;
		if (!handle)
			continue;
		spin_lock(&f->lock);
		if (f->count >= KHSM_HANDLES_MAX) {
			spin_unlock(&f->lock);
			return -ENOSPC;
		}
		if (!handle_find(f, handle))
			break;
		spin_unlock(&f->lock);
	}
	k->handle = handle;
	hash_add(f->handles, &k->node, handle);
	f->count++;
	spin_unlock(&f->lock);
	return 0;
}

struct khsm_key *khsm_handle_get(struct khsm_file *f, u64 handle)
{
	struct khsm_key *k;

	spin_lock(&f->lock);
	k = handle_find(f, handle);
	if (k)
		refcount_inc(&k->ref);
	spin_unlock(&f->lock);
	return k;
}

int khsm_handle_destroy(struct khsm_file *f, u64 handle)
{
	struct khsm_key *k;

	spin_lock(&f->lock);
	k = handle_find(f, handle);
	if (k) {
		hash_del(&k->node);
		f->count--;
	}
	spin_unlock(&f->lock);
	if (!k)
		return -ENOENT;
	khsm_key_put(k);
	return 0;
}
