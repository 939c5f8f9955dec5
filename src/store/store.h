/*
 * store.h: private header of the stores: an open-addressing hash map of byte strings
 * shared by the in-memory store and the stage. Iteration in key order sorts on demand
 * (storage is read and written by key on the hot path; ordered scans are rare).
 */
#ifndef CR_STORE_H
#define CR_STORE_H

#include "calimero/runtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One pair. block holds the key, then the value (block_cap bytes allocated). */
typedef struct cr__bentry {
    uint64_t hash;
    uint8_t *block;
    size_t key_len, val_len, block_cap;
    uint8_t state; /* 0 empty, 1 live, 2 deleted slot */
    bool removed;  /* stage: a removal marker (no value) */
} cr__bentry;

typedef struct cr__bmap {
    const cr_engine *eng;
    cr__bentry *slots;
    size_t cap;   /* power of two, or 0 */
    size_t count; /* live entries */
    size_t used;  /* live + deleted slots */
    /* a block detached by the last operation, freed by the next one: it keeps an
       evicted value alive until then (the storage contract's "valid until the next
       call") */
    uint8_t *pending;
    size_t pending_cap;
} cr__bmap;

void cr__bmap_init(cr__bmap *m, const cr_engine *eng);
void cr__bmap_free(cr__bmap *m);
/* Frees the block detached by the previous operation. */
void cr__bmap_release_pending(cr__bmap *m);
cr__bentry *cr__bmap_find(const cr__bmap *m, const uint8_t *key, size_t key_len);
/*
 * Inserts or replaces key. When keep_old is true and the key existed, the old block is
 * detached (pending) and *old, *old_len point at its value (NULL if it was a removal
 * marker); otherwise the old value is overwritten. *existed says whether the key was
 * present. Returns CR_OK or CR_ERR_NOMEM (map unchanged).
 */
cr_status cr__bmap_put(cr__bmap *m, const uint8_t *key, size_t key_len, const uint8_t *val,
                       size_t val_len, bool removed, bool keep_old, bool *existed,
                       const uint8_t **old, size_t *old_len);
/* Deletes e (found by cr__bmap_find); its block becomes pending. */
void cr__bmap_delete(cr__bmap *m, cr__bentry *e);
/* Removes every entry. */
void cr__bmap_clear(cr__bmap *m);
/* Live entries sorted by key (memcmp, then length). Returns owned *out holding *count
   pointers (free with cr__bmap_sorted_free, same count). */
cr_status cr__bmap_sorted(const cr__bmap *m, cr__bentry ***out, size_t *count);
void cr__bmap_sorted_free(const cr__bmap *m, cr__bentry **sorted, size_t count);

static inline const uint8_t *cr__bentry_val(const cr__bentry *e)
{
    return e->block + e->key_len;
}

/* Allocation through the engine's allocator (engine.c). */
void *cr__alloc(const cr_engine *eng, size_t size);
void *cr__realloc(const cr_engine *eng, void *ptr, size_t old_size, size_t new_size);
void cr__free(const cr_engine *eng, void *ptr, size_t size);

#endif /* CR_STORE_H */
