/*
 * stage.c: a write buffer over any storage. A run writes into the stage; the caller
 * commits it to the base only when the outcome says so (runtime-model.md §8.3), as one
 * batch inside the base's begin/commit when the base offers them.
 */
#include "store.h"

#include <stdio.h>
#include <string.h>

struct cr_stage {
    cr_storage iface;
    cr_storage *base;
    cr__bmap map; /* key -> staged value, or a removal marker */
};

static cr_status nomem(cr_error *err)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->st = CR_ERR_NOMEM;
        strcpy(err->message, "out of memory");
    }
    return CR_ERR_NOMEM;
}

static cr_status stage_get(void *self, const uint8_t *key, size_t key_len, const uint8_t **val,
                           size_t *val_len, cr_error *err)
{
    cr_stage *st = self;
    cr__bmap_release_pending(&st->map);
    cr__bentry *e = cr__bmap_find(&st->map, key, key_len);
    if (e) {
        *val = e->removed ? NULL : cr__bentry_val(e);
        *val_len = e->removed ? 0 : e->val_len;
        return CR_OK;
    }
    return st->base->ops->get(st->base->self, key, key_len, val, val_len, err);
}

/* The value a key has through the stage, for set/remove's old value. */
static cr_status visible(cr_stage *st, const uint8_t *key, size_t key_len, bool *staged,
                         const uint8_t **val, size_t *val_len, cr_error *err)
{
    cr__bentry *e = cr__bmap_find(&st->map, key, key_len);
    *staged = e != NULL;
    if (e) {
        *val = e->removed ? NULL : cr__bentry_val(e);
        *val_len = e->removed ? 0 : e->val_len;
        return CR_OK;
    }
    return st->base->ops->get(st->base->self, key, key_len, val, val_len, err);
}

static cr_status put(cr_stage *st, const uint8_t *key, size_t key_len, const uint8_t *val,
                     size_t val_len, bool removed, const uint8_t **old, size_t *old_len,
                     cr_error *err)
{
    cr__bmap_release_pending(&st->map);
    if (!old) {
        if (cr__bmap_put(&st->map, key, key_len, val, val_len, removed, false, NULL, NULL, NULL) !=
            CR_OK)
            return nomem(err);
        return CR_OK;
    }
    bool staged;
    const uint8_t *prev = NULL;
    size_t prev_len = 0, dummy;
    cr_status s = visible(st, key, key_len, &staged, &prev, &prev_len, err);
    if (s != CR_OK) return s;
    if (staged) {
        /* the staged block is detached and stays valid until the next call */
        if (cr__bmap_put(&st->map, key, key_len, val, val_len, removed, true, NULL, old,
                         old_len ? old_len : &dummy) != CR_OK)
            return nomem(err);
        return CR_OK;
    }
    /* the base's value stays valid: the base is not called again before the caller's
       next call on the stage */
    if (cr__bmap_put(&st->map, key, key_len, val, val_len, removed, false, NULL, NULL, NULL) !=
        CR_OK)
        return nomem(err);
    *old = prev;
    if (old_len) *old_len = prev_len;
    return CR_OK;
}

static cr_status stage_set(void *self, const uint8_t *key, size_t key_len, const uint8_t *val,
                           size_t val_len, const uint8_t **old, size_t *old_len, cr_error *err)
{
    return put(self, key, key_len, val, val_len, false, old, old_len, err);
}

static cr_status stage_remove(void *self, const uint8_t *key, size_t key_len, const uint8_t **old,
                              size_t *old_len, cr_error *err)
{
    return put(self, key, key_len, NULL, 0, true, old, old_len, err);
}

/* Merged iteration: the base's pairs in order, with staged entries laid over them. */
typedef struct merge_state {
    cr__bentry **v;
    size_t n, i;
    cr_storage_visit_fn fn;
    void *ud;
    bool stopped;
} merge_state;

static int key_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

/* Emits staged entries with keys below (key, key_len), or all when key is NULL. */
static bool emit_staged_below(merge_state *ms, const uint8_t *key, size_t key_len)
{
    while (ms->i < ms->n) {
        cr__bentry *e = ms->v[ms->i];
        if (key && key_cmp(e->block, e->key_len, key, key_len) >= 0) break;
        ms->i++;
        if (!e->removed && ms->fn(ms->ud, e->block, e->key_len, cr__bentry_val(e), e->val_len)) {
            ms->stopped = true;
            return false;
        }
    }
    return true;
}

static int merge_visit(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val,
                       size_t val_len)
{
    merge_state *ms = ud;
    if (!emit_staged_below(ms, key, key_len)) return 1;
    if (ms->i < ms->n) {
        cr__bentry *e = ms->v[ms->i];
        if (key_cmp(e->block, e->key_len, key, key_len) == 0) {
            ms->i++;
            if (e->removed) return 0;
            if (ms->fn(ms->ud, e->block, e->key_len, cr__bentry_val(e), e->val_len)) {
                ms->stopped = true;
                return 1;
            }
            return 0;
        }
    }
    if (ms->fn(ms->ud, key, key_len, val, val_len)) {
        ms->stopped = true;
        return 1;
    }
    return 0;
}

static cr_status stage_iterate(void *self, cr_storage_visit_fn fn, void *ud, cr_error *err)
{
    cr_stage *st = self;
    cr__bmap_release_pending(&st->map);
    merge_state ms = {.fn = fn, .ud = ud};
    if (cr__bmap_sorted(&st->map, &ms.v, &ms.n) != CR_OK) return nomem(err);
    cr_status s = CR_OK;
    if (st->base->ops->iterate) s = st->base->ops->iterate(st->base->self, merge_visit, &ms, err);
    if (s == CR_OK && !ms.stopped) emit_staged_below(&ms, NULL, 0);
    cr__bmap_sorted_free(&st->map, ms.v, ms.n);
    return s;
}

static const cr_storage_ops stage_ops = {
    .get = stage_get,
    .set = stage_set,
    .remove = stage_remove,
    .iterate = stage_iterate,
};

CR_API cr_status cr_stage_create(const cr_engine *eng, cr_storage *base, cr_stage **out,
                                 cr_error *err)
{
    if (!out || !base || !base->ops) {
        if (err) {
            memset(err, 0, sizeof *err);
            err->st = CR_ERR_ARG;
            strcpy(err->message, "invalid argument: base storage and out are required");
        }
        return CR_ERR_ARG;
    }
    *out = NULL;
    cr_stage *st = cr__alloc(eng, sizeof *st);
    if (!st) return nomem(err);
    memset(st, 0, sizeof *st);
    st->base = base;
    cr__bmap_init(&st->map, eng);
    st->iface.ops = &stage_ops;
    st->iface.self = st;
    *out = st;
    return CR_OK;
}

CR_API void cr_stage_destroy(cr_stage *st)
{
    if (!st) return;
    const cr_engine *eng = st->map.eng;
    cr__bmap_free(&st->map);
    cr__free(eng, st, sizeof *st);
}

CR_API cr_storage *cr_stage_storage(cr_stage *st)
{
    return &st->iface;
}

CR_API void cr_stage_clear(cr_stage *st)
{
    cr__bmap_clear(&st->map);
    cr__bmap_release_pending(&st->map);
}

CR_API cr_status cr_stage_iterate(cr_stage *st, cr_storage_visit_fn fn, void *ud, cr_error *err)
{
    cr__bmap_release_pending(&st->map);
    cr__bentry **v;
    size_t n;
    if (cr__bmap_sorted(&st->map, &v, &n) != CR_OK) return nomem(err);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *val = v[i]->removed ? NULL : cr__bentry_val(v[i]);
        if (fn(ud, v[i]->block, v[i]->key_len, val, v[i]->removed ? 0 : v[i]->val_len)) break;
    }
    cr__bmap_sorted_free(&st->map, v, n);
    return CR_OK;
}

CR_API cr_status cr_stage_commit(cr_stage *st, cr_error *err)
{
    cr__bmap_release_pending(&st->map);
    if (st->map.count == 0) return CR_OK;
    cr_storage *b = st->base;
    cr__bentry **v;
    size_t n;
    if (cr__bmap_sorted(&st->map, &v, &n) != CR_OK) return nomem(err);
    cr_status s = CR_OK;
    if (b->ops->begin) s = b->ops->begin(b->self, err);
    bool began = s == CR_OK && b->ops->begin;
    for (size_t i = 0; s == CR_OK && i < n; i++) {
        cr__bentry *e = v[i];
        if (e->removed)
            s = b->ops->remove(b->self, e->block, e->key_len, NULL, NULL, err);
        else
            s = b->ops->set(b->self, e->block, e->key_len, cr__bentry_val(e), e->val_len, NULL,
                            NULL, err);
    }
    if (s == CR_OK && b->ops->commit)
        s = b->ops->commit(b->self, err);
    else if (s != CR_OK && began && b->ops->rollback)
        b->ops->rollback(b->self);
    cr__bmap_sorted_free(&st->map, v, n);
    if (s == CR_OK) cr_stage_clear(st);
    return s;
}
