/*
 * storage.c: host functions on the synchronised context store (host-abi.md §2.3):
 * descriptors, limits on the descriptor lengths, then the bytes, then the store. The
 * store is written directly; staging is the embedder's job (runtime-model.md §8.3).
 */
#include "logic.h"

#include <string.h>

/* A storage failure ends the run with the store's status (upstream: VMRuntimeError). */
static cr_status storage_failed(cr_logic *vl, cr_status st, const cr_error *e)
{
    if (st == CR_ERR_HOST) st = CR_ERR_STORAGE;
    return cr__logic_fatal(vl, st, e->message[0] ? e->message : "storage error");
}

cr_status cr__storage_key(cr_logic *vl, uint64_t key_ptr, const uint8_t **key, size_t *key_len)
{
    cr__desc k;
    cr_status st = cr__gm_desc(vl, key_ptr, &k);
    if (st != CR_OK) return st;
    if (k.len > vl->lim->max_storage_key_size)
        return cr__host_fail(vl, CR_HOST_KEY_LENGTH_OVERFLOW);
    st = cr__gm_bytes(vl, &k, key);
    *key_len = (size_t)k.len;
    return st;
}

cr_status cr__storage_key_value(cr_logic *vl, uint64_t key_ptr, uint64_t value_ptr,
                                const uint8_t **key, size_t *key_len, const uint8_t **val,
                                size_t *val_len)
{
    cr__desc k, v;
    cr_status st = cr__gm_desc(vl, key_ptr, &k);
    if (st == CR_OK) st = cr__gm_desc(vl, value_ptr, &v);
    if (st != CR_OK) return st;
    if (k.len > vl->lim->max_storage_key_size)
        return cr__host_fail(vl, CR_HOST_KEY_LENGTH_OVERFLOW);
    if (v.len > vl->lim->max_storage_value_size)
        return cr__host_fail(vl, CR_HOST_VALUE_LENGTH_OVERFLOW);
    st = cr__gm_bytes(vl, &k, key);
    if (st == CR_OK) st = cr__gm_bytes(vl, &v, val);
    *key_len = (size_t)k.len;
    *val_len = (size_t)v.len;
    return st;
}

cr_status cr__storage_do_read(cr_logic *vl, cr_storage *s, const uint8_t *key, size_t key_len,
                              uint64_t reg, uint64_t *ret)
{
    const uint8_t *val = NULL;
    size_t val_len = 0;
    cr_error e = {0};
    cr_status st = s->ops->get(s->self, key, key_len, &val, &val_len, &e);
    if (st != CR_OK) return storage_failed(vl, st, &e);
    if (!val) {
        *ret = 0;
        return CR_OK;
    }
    st = cr__reg_set(vl, reg, val, val_len);
    if (st != CR_OK) return st;
    *ret = 1;
    return CR_OK;
}

/* remove only after get found the key (upstream); the removal stays if reg_set fails */
cr_status cr__storage_do_remove(cr_logic *vl, cr_storage *s, const uint8_t *key, size_t key_len,
                                uint64_t reg, uint64_t *ret)
{
    const uint8_t *val = NULL;
    size_t val_len = 0;
    cr_error e = {0};
    cr_status st = s->ops->get(s->self, key, key_len, &val, &val_len, &e);
    if (st != CR_OK) return storage_failed(vl, st, &e);
    if (!val) {
        *ret = 0;
        return CR_OK;
    }
    val = NULL;
    st = s->ops->remove(s->self, key, key_len, &val, &val_len, &e);
    if (st != CR_OK) return storage_failed(vl, st, &e);
    if (val) {
        st = cr__reg_set(vl, reg, val, val_len);
        if (st != CR_OK) return st;
    }
    *ret = 1;
    return CR_OK;
}

cr_status cr__host_storage_read(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const uint8_t *key;
    size_t key_len;
    cr_status st = cr__storage_key(vl, args[0], &key, &key_len);
    if (st != CR_OK) return st;
    return cr__storage_do_read(vl, vl->p->storage, key, key_len, args[1], ret);
}

cr_status cr__host_storage_remove(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const uint8_t *key;
    size_t key_len;
    cr_status st = cr__storage_key(vl, args[0], &key, &key_len);
    if (st != CR_OK) return st;
    return cr__storage_do_remove(vl, vl->p->storage, key, key_len, args[1], ret);
}

/* storage_write(key, value, reg): 1 with the old value in reg when one was replaced. */
cr_status cr__host_storage_write(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const uint8_t *key, *val;
    size_t key_len, val_len;
    cr_status st = cr__storage_key_value(vl, args[0], args[1], &key, &key_len, &val, &val_len);
    if (st != CR_OK) return st;
    cr_storage *s = vl->p->storage;
    const uint8_t *old = NULL;
    size_t old_len = 0;
    cr_error e = {0};
    st = s->ops->set(s->self, key, key_len, val, val_len, &old, &old_len, &e);
    if (st != CR_OK) return storage_failed(vl, st, &e);
    if (!old) {
        *ret = 0;
        return CR_OK;
    }
    st = cr__reg_set(vl, args[2], old, old_len);
    if (st != CR_OK) return st;
    *ret = 1;
    return CR_OK;
}
