/*
 * private_storage.c: host functions on the node-local private store (host-abi.md
 * §2.4). The same checks as the context store, and only then "is there a private
 * store?": without one every function returns 0.
 */
#include "logic.h"

cr_status cr__host_private_storage_read(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const uint8_t *key;
    size_t key_len;
    cr_status st = cr__storage_key(vl, args[0], &key, &key_len);
    if (st != CR_OK) return st;
    if (!vl->p->private_storage) {
        *ret = 0;
        return CR_OK;
    }
    return cr__storage_do_read(vl, vl->p->private_storage, key, key_len, args[1], ret);
}

cr_status cr__host_private_storage_remove(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const uint8_t *key;
    size_t key_len;
    cr_status st = cr__storage_key(vl, args[0], &key, &key_len);
    if (st != CR_OK) return st;
    if (!vl->p->private_storage) {
        *ret = 0;
        return CR_OK;
    }
    return cr__storage_do_remove(vl, vl->p->private_storage, key, key_len, args[1], ret);
}

/* private_storage_write(key, value): 1 whether or not a value was replaced; the old
   value is discarded (no register). */
cr_status cr__host_private_storage_write(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const uint8_t *key, *val;
    size_t key_len, val_len;
    cr_status st = cr__storage_key_value(vl, args[0], args[1], &key, &key_len, &val, &val_len);
    if (st != CR_OK) return st;
    cr_storage *s = vl->p->private_storage;
    if (!s) {
        *ret = 0;
        return CR_OK;
    }
    cr_error e = {0};
    st = s->ops->set(s->self, key, key_len, val, val_len, NULL, NULL, &e);
    if (st != CR_OK)
        return cr__logic_fatal(vl, st == CR_ERR_HOST ? CR_ERR_STORAGE : st,
                               e.message[0] ? e.message : "storage error");
    *ret = 1;
    return CR_OK;
}
