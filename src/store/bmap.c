/*
 * bmap.c: the byte-string hash map behind the in-memory store and the stage. Open
 * addressing with linear probing and deleted-slot markers; the table doubles at 3/4
 * occupancy. Ordered iteration sorts the live entries when asked.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x243f6a8885a308d3ULL ^ (n * 0x9e3779b97f4a7c15ULL);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    for (size_t k = 0; i < n; i++, k++)
        w |= (uint64_t)p[i] << (8 * k);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 32;
    return h;
}

void cr__bmap_init(cr__bmap *m, const cr_engine *eng)
{
    memset(m, 0, sizeof *m);
    m->eng = eng;
}

void cr__bmap_release_pending(cr__bmap *m)
{
    if (m->pending) {
        cr__free(m->eng, m->pending, m->pending_cap);
        m->pending = NULL;
        m->pending_cap = 0;
    }
}

/* Detaches a block into pending (freeing the previous pending block). */
static void set_pending(cr__bmap *m, uint8_t *block, size_t cap)
{
    cr__bmap_release_pending(m);
    m->pending = block;
    m->pending_cap = cap;
}

void cr__bmap_clear(cr__bmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].state == 1) cr__free(m->eng, m->slots[i].block, m->slots[i].block_cap);
    if (m->slots) memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = m->used = 0;
}

void cr__bmap_free(cr__bmap *m)
{
    cr__bmap_clear(m);
    cr__bmap_release_pending(m);
    cr__free(m->eng, m->slots, m->cap * sizeof *m->slots);
    m->slots = NULL;
    m->cap = 0;
}

cr__bentry *cr__bmap_find(const cr__bmap *m, const uint8_t *key, size_t key_len)
{
    if (!m->cap) return NULL;
    uint64_t h = hash_bytes(key, key_len);
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        cr__bentry *e = &m->slots[i];
        if (e->state == 0) return NULL;
        if (e->state == 1 && e->hash == h && e->key_len == key_len &&
            (key_len == 0 || memcmp(e->block, key, key_len) == 0))
            return e;
    }
}

static cr_status rehash(cr__bmap *m, size_t ncap)
{
    cr__bentry *ns = cr__alloc(m->eng, ncap * sizeof *ns);
    if (!ns) return CR_ERR_NOMEM;
    memset(ns, 0, ncap * sizeof *ns);
    size_t mask = ncap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        cr__bentry *e = &m->slots[i];
        if (e->state != 1) continue;
        size_t j = (size_t)e->hash & mask;
        while (ns[j].state)
            j = (j + 1) & mask;
        ns[j] = *e;
    }
    cr__free(m->eng, m->slots, m->cap * sizeof *m->slots);
    m->slots = ns;
    m->cap = ncap;
    m->used = m->count;
    return CR_OK;
}

static uint8_t *make_block(cr__bmap *m, const uint8_t *key, size_t key_len, const uint8_t *val,
                           size_t val_len, size_t *cap)
{
    size_t n = key_len + val_len;
    if (n < key_len) return NULL;
    uint8_t *b = cr__alloc(m->eng, n ? n : 1);
    if (!b) return NULL;
    if (key_len) memcpy(b, key, key_len);
    if (val_len) memcpy(b + key_len, val, val_len);
    *cap = n ? n : 1;
    return b;
}

cr_status cr__bmap_put(cr__bmap *m, const uint8_t *key, size_t key_len, const uint8_t *val,
                       size_t val_len, bool removed, bool keep_old, bool *existed,
                       const uint8_t **old, size_t *old_len)
{
    if (removed) val_len = 0;
    if (old) {
        *old = NULL;
        *old_len = 0;
    }
    cr__bentry *e = cr__bmap_find(m, key, key_len);
    if (existed) *existed = e != NULL;
    if (e) {
        if (keep_old) {
            size_t cap;
            uint8_t *b = make_block(m, key, key_len, val, val_len, &cap);
            if (!b) return CR_ERR_NOMEM;
            set_pending(m, e->block, e->block_cap);
            if (old && !e->removed) {
                *old = m->pending + key_len;
                *old_len = e->val_len;
            }
            e->block = b;
            e->block_cap = cap;
        } else if (key_len + val_len <= e->block_cap) {
            if (val_len) memmove(e->block + key_len, val, val_len);
        } else {
            size_t cap;
            uint8_t *b = make_block(m, key, key_len, val, val_len, &cap);
            if (!b) return CR_ERR_NOMEM;
            cr__free(m->eng, e->block, e->block_cap);
            e->block = b;
            e->block_cap = cap;
        }
        e->val_len = val_len;
        e->removed = removed;
        return CR_OK;
    }
    if ((m->used + 1) * 4 > m->cap * 3) {
        size_t ncap = m->cap ? m->cap : 16;
        while ((m->count + 1) * 4 > ncap * 3 / 2)
            ncap *= 2;
        if (rehash(m, ncap) != CR_OK) return CR_ERR_NOMEM;
    }
    size_t cap;
    uint8_t *b = make_block(m, key, key_len, val, val_len, &cap);
    if (!b) return CR_ERR_NOMEM;
    uint64_t h = hash_bytes(key, key_len);
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    while (m->slots[i].state == 1)
        i = (i + 1) & mask;
    if (m->slots[i].state == 0) m->used++;
    cr__bentry *ne = &m->slots[i];
    ne->hash = h;
    ne->block = b;
    ne->block_cap = cap;
    ne->key_len = key_len;
    ne->val_len = val_len;
    ne->state = 1;
    ne->removed = removed;
    m->count++;
    return CR_OK;
}

void cr__bmap_delete(cr__bmap *m, cr__bentry *e)
{
    set_pending(m, e->block, e->block_cap);
    e->block = NULL;
    e->block_cap = 0;
    e->state = 2;
    m->count--;
}

static int cmp_entries(const void *a, const void *b)
{
    const cr__bentry *x = *(cr__bentry *const *)a, *y = *(cr__bentry *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = n ? memcmp(x->block, y->block, n) : 0;
    if (c) return c;
    return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

cr_status cr__bmap_sorted(const cr__bmap *m, cr__bentry ***out, size_t *count)
{
    cr__bentry **v = cr__alloc(m->eng, (m->count ? m->count : 1) * sizeof *v);
    if (!v) return CR_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].state == 1) v[k++] = &m->slots[i];
    qsort(v, k, sizeof *v, cmp_entries);
    *out = v;
    *count = k;
    return CR_OK;
}

void cr__bmap_sorted_free(const cr__bmap *m, cr__bentry **sorted, size_t count)
{
    cr__free(m->eng, sorted, (count ? count : 1) * sizeof *sorted);
}
