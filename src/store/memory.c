/*
 * memory.c: the in-memory store (upstream's InMemoryStorage): byte strings to byte
 * strings with the Storage trait's semantics and byte-wise key order for iteration.
 * Also the cr_storage_* call-through helpers.
 */
#include "store.h"

#include <stdio.h>
#include <string.h>

static cr_status nomem(cr_error *err)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->st = CR_ERR_NOMEM;
        strcpy(err->message, "out of memory");
    }
    return CR_ERR_NOMEM;
}

typedef struct memory_store {
    cr_storage iface;
    cr__bmap map;
} memory_store;

static cr_status mem_get(void *self, const uint8_t *key, size_t key_len, const uint8_t **val,
                         size_t *val_len, cr_error *err)
{
    (void)err;
    memory_store *s = self;
    cr__bmap_release_pending(&s->map);
    cr__bentry *e = cr__bmap_find(&s->map, key, key_len);
    *val = e ? cr__bentry_val(e) : NULL;
    *val_len = e ? e->val_len : 0;
    return CR_OK;
}

static cr_status mem_set(void *self, const uint8_t *key, size_t key_len, const uint8_t *val,
                         size_t val_len, const uint8_t **old, size_t *old_len, cr_error *err)
{
    memory_store *s = self;
    cr__bmap_release_pending(&s->map);
    size_t dummy;
    if (cr__bmap_put(&s->map, key, key_len, val, val_len, false, old != NULL, NULL, old,
                     old_len ? old_len : &dummy) != CR_OK)
        return nomem(err);
    return CR_OK;
}

static cr_status mem_remove(void *self, const uint8_t *key, size_t key_len, const uint8_t **old,
                            size_t *old_len, cr_error *err)
{
    (void)err;
    memory_store *s = self;
    cr__bmap_release_pending(&s->map);
    cr__bentry *e = cr__bmap_find(&s->map, key, key_len);
    if (old) {
        *old = NULL;
        if (old_len) *old_len = 0;
    }
    if (!e) return CR_OK;
    size_t klen = e->key_len, vlen = e->val_len;
    cr__bmap_delete(&s->map, e);
    if (old) {
        *old = s->map.pending + klen;
        if (old_len) *old_len = vlen;
    }
    return CR_OK;
}

static cr_status mem_iterate(void *self, cr_storage_visit_fn fn, void *ud, cr_error *err)
{
    memory_store *s = self;
    cr__bmap_release_pending(&s->map);
    cr__bentry **v;
    size_t n;
    if (cr__bmap_sorted(&s->map, &v, &n) != CR_OK) return nomem(err);
    for (size_t i = 0; i < n; i++)
        if (fn(ud, v[i]->block, v[i]->key_len, cr__bentry_val(v[i]), v[i]->val_len)) break;
    cr__bmap_sorted_free(&s->map, v, n);
    return CR_OK;
}

static void mem_destroy(void *self)
{
    memory_store *s = self;
    const cr_engine *eng = s->map.eng;
    cr__bmap_free(&s->map);
    cr__free(eng, s, sizeof *s);
}

static const cr_storage_ops memory_ops = {
    .get = mem_get,
    .set = mem_set,
    .remove = mem_remove,
    .iterate = mem_iterate,
    .destroy = mem_destroy,
};

CR_API cr_status cr_memory_storage_create(const cr_engine *eng, cr_storage **out, cr_error *err)
{
    if (!out) {
        if (err) {
            memset(err, 0, sizeof *err);
            err->st = CR_ERR_ARG;
            strcpy(err->message, "invalid argument: out is NULL");
        }
        return CR_ERR_ARG;
    }
    *out = NULL;
    memory_store *s = cr__alloc(eng, sizeof *s);
    if (!s) return nomem(err);
    memset(s, 0, sizeof *s);
    cr__bmap_init(&s->map, eng);
    s->iface.ops = &memory_ops;
    s->iface.self = s;
    *out = &s->iface;
    return CR_OK;
}

/* ---- call-through helpers ---- */

static cr_status no_op(cr_error *err, const char *what)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->st = CR_ERR_UNSUPPORTED;
        snprintf(err->message, sizeof err->message, "unsupported: storage has no %s", what);
    }
    return CR_ERR_UNSUPPORTED;
}

CR_API cr_status cr_storage_get(cr_storage *s, const uint8_t *key, size_t key_len,
                                const uint8_t **val, size_t *val_len, cr_error *err)
{
    if (!s || !s->ops || !s->ops->get) return no_op(err, "get");
    return s->ops->get(s->self, key, key_len, val, val_len, err);
}

CR_API cr_status cr_storage_set(cr_storage *s, const uint8_t *key, size_t key_len,
                                const uint8_t *val, size_t val_len, const uint8_t **old,
                                size_t *old_len, cr_error *err)
{
    if (!s || !s->ops || !s->ops->set) return no_op(err, "set");
    return s->ops->set(s->self, key, key_len, val, val_len, old, old_len, err);
}

CR_API cr_status cr_storage_remove(cr_storage *s, const uint8_t *key, size_t key_len,
                                   const uint8_t **old, size_t *old_len, cr_error *err)
{
    if (!s || !s->ops || !s->ops->remove) return no_op(err, "remove");
    return s->ops->remove(s->self, key, key_len, old, old_len, err);
}

CR_API cr_status cr_storage_iterate(cr_storage *s, cr_storage_visit_fn fn, void *ud, cr_error *err)
{
    if (!s || !s->ops || !s->ops->iterate) return no_op(err, "iterate");
    return s->ops->iterate(s->self, fn, ud, err);
}

CR_API void cr_storage_destroy(cr_storage *s)
{
    if (s && s->ops && s->ops->destroy) s->ops->destroy(s->self);
}
