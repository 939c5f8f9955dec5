/*
 * memory.c: linear memory. One anonymous mapping reserved up front for the effective
 * maximum (declared maximum, capped by the configuration), so growing is a size update
 * and the data never moves; pages are zeroed lazily by the OS. When the reservation
 * cannot be had, the mapping covers the current size and grows with mremap. A memory
 * cache hands the mapping of a destroyed instance to the next one, cleared.
 */
#define _GNU_SOURCE /* mremap */
#include "wasm_int.h"

#include <sys/mman.h>
#include <unistd.h>

#define MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

/* A memory made by wa_memory_new keeps its own copy of the configuration behind it. */
typedef struct standalone_memory {
    wa_memory mem;
    wa_config cfg;
} standalone_memory;

static uint8_t *map_bytes(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_FLAGS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* One spare mapping, all zero in [0, reserved) while held. */
struct wa_memcache {
    uint8_t *data; /* NULL: empty */
    size_t reserved;
    size_t keep;
    uint32_t puts; /* every RELEASE_EVERY-th put releases all pages (see scrub) */
    wa_config cfg;
};

enum { RELEASE_EVERY = 64 };

wa_status wa__memory_init(wa_memory *mem, const wa_config *cfg, wa_limits lim, wa_error *err)
{
    return wa__memory_init_cached(mem, cfg, lim, NULL, err);
}

wa_status wa__memory_init_cached(wa_memory *mem, const wa_config *cfg, wa_limits lim,
                                 wa_memcache *cache, wa_error *err)
{
    memset(mem, 0, sizeof *mem);
    mem->cfg = cfg;
    uint64_t cap = cfg ? cfg->max_memory_pages : WA_MAX_PAGES;
    if (cap > WA_MAX_PAGES) cap = WA_MAX_PAGES;
    uint64_t max = lim.has_max && lim.max < WA_MAX_PAGES ? lim.max : WA_MAX_PAGES;
    if (max > cap) max = cap;
    if (lim.min > max)
        return wa_error_set(err, WA_ERR_LIMIT,
                            "implementation limit exceeded: memory of %llu pages, limit %llu",
                            (unsigned long long)lim.min, (unsigned long long)max);
    mem->pages = (uint32_t)lim.min;
    mem->size = lim.min * WA_PAGE_SIZE;
    mem->max_pages = (uint32_t)max;
    mem->has_max = lim.has_max;
    mem->decl_max = lim.has_max ? (uint32_t)lim.max : 0;

    /* Reserve the whole effective maximum (at least one page, so data is never NULL). */
    uint64_t want = max * WA_PAGE_SIZE;
    if (want < WA_PAGE_SIZE) want = WA_PAGE_SIZE;
    if (want > SIZE_MAX / 2) want = mem->size > WA_PAGE_SIZE ? mem->size : WA_PAGE_SIZE;
    if (cache && cache->data && cache->reserved >= want) {
        mem->data = cache->data;
        mem->reserved = cache->reserved;
        cache->data = NULL;
        cache->reserved = 0;
        mem->reused = true;
        return WA_OK;
    }
    mem->data = map_bytes((size_t)want);
    if (!mem->data && want > mem->size) {
        want = mem->size > WA_PAGE_SIZE ? mem->size : WA_PAGE_SIZE;
        mem->data = map_bytes((size_t)want);
    }
    if (!mem->data)
        return wa_error_set(err, WA_ERR_NOMEM, "out of memory: linear memory of %u pages",
                            mem->pages);
    mem->reserved = (size_t)want;
    return WA_OK;
}

void wa__memory_free(wa_memory *mem)
{
    if (mem && mem->data) {
        munmap(mem->data, mem->reserved);
        mem->data = NULL;
        mem->reserved = 0;
    }
}

/*
 * Clears [0, size) of a mapping for reuse: pages below keep that are resident (mincore)
 * are zeroed in place, which is cheaper than faulting them in again; every other page
 * is released (MADV_DONTNEED: the next touch maps a zero page; a page swapped out is
 * not resident, so it is released too). A page stays resident once touched, so the
 * caller passes keep 0 now and then to shed pages later instances no longer use.
 * Returns false when the mapping cannot be cleared and must be unmapped.
 */
static bool scrub(uint8_t *data, uint64_t size, size_t keep)
{
#ifdef __linux__
    long pg_l = sysconf(_SC_PAGESIZE);
    size_t pg = pg_l > 0 ? (size_t)pg_l : 4096;
    uint64_t lim = size < keep ? size : keep;
    lim -= lim % pg;
    if (size > lim && madvise(data + lim, (size_t)(size - lim), MADV_DONTNEED) != 0) return false;
    unsigned char vec[2048]; /* one mincore call covers 8 MiB of 4 KiB pages */
    uint64_t run = 0;        /* start of the current run of pages alike */
    int kind = -1;           /* 1 resident, 0 not */
    for (uint64_t off = 0; off < lim;) {
        size_t n = (size_t)((lim - off) / pg);
        if (n > sizeof vec) n = sizeof vec;
        if (mincore(data + off, n * pg, vec) != 0) memset(vec, 0, n);
        for (size_t i = 0; i < n; i++, off += pg) {
            int k = vec[i] & 1;
            if (k == kind) continue;
            if (kind == 1) memset(data + run, 0, (size_t)(off - run));
            if (kind == 0 && madvise(data + run, (size_t)(off - run), MADV_DONTNEED) != 0)
                return false;
            run = off;
            kind = k;
        }
    }
    if (kind == 1) memset(data + run, 0, (size_t)(lim - run));
    if (kind == 0 && madvise(data + run, (size_t)(lim - run), MADV_DONTNEED) != 0) return false;
    return true;
#else
    (void)data;
    (void)size;
    (void)keep;
    return false;
#endif
}

wa_memcache *wa_memcache_create(const wa_config *cfg, size_t keep_bytes)
{
    wa_config c = cfg ? *cfg : wa_config_default();
    wa_memcache *mc = wa__alloc(&c, sizeof *mc);
    if (!mc) return NULL;
    mc->cfg = c;
    mc->keep = keep_bytes;
    return mc;
}

void wa_memcache_destroy(wa_memcache *mc)
{
    if (!mc) return;
    wa_config c = mc->cfg;
    if (mc->data) munmap(mc->data, mc->reserved);
    wa__free(&c, mc, sizeof *mc);
}

void wa__memory_free_cached(wa_memory *mem, wa_memcache *cache)
{
    if (!cache || cache->data || !mem->data) {
        wa__memory_free(mem);
        return;
    }
    size_t keep = ++cache->puts % RELEASE_EVERY == 0 ? 0 : cache->keep;
    if (scrub(mem->data, mem->size, keep)) {
        cache->data = mem->data;
        cache->reserved = mem->reserved;
        mem->data = NULL;
        mem->reserved = 0;
        return;
    }
    wa__memory_free(mem);
}

/*
 * Populates the pages of [off, off + len) before a large copy into them: one call
 * instead of a page fault per 4 KiB page (Linux 5.14+; elsewhere the faults happen as
 * usual). The range must be within the memory's size.
 */
void wa__memory_prefault(wa_memory *mem, uint64_t off, uint64_t len)
{
#ifdef __linux__
    const uint64_t page = 4096;
    if (len < 2 * page || mem->reused) return;
    uint64_t lo = off & ~(page - 1);
    uint64_t hi = (off + len + page - 1) & ~(page - 1);
    madvise(mem->data + lo, (size_t)(hi - lo), 23 /* MADV_POPULATE_WRITE */);
#else
    (void)mem;
    (void)off;
    (void)len;
#endif
}

/* Grows the mapping itself to hold at least bytes (only when the reservation failed). */
static bool remap(wa_memory *mem, uint64_t bytes)
{
    uint64_t limit = (uint64_t)mem->max_pages * WA_PAGE_SIZE;
    uint64_t want = (uint64_t)mem->reserved * 2;
    if (want > limit) want = limit;
    if (want < bytes) want = bytes;
    for (int attempt = 0; attempt < 2; attempt++) {
#ifdef MREMAP_MAYMOVE
        void *p = mremap(mem->data, mem->reserved, (size_t)want, MREMAP_MAYMOVE);
        if (p != MAP_FAILED) {
            mem->data = p;
            mem->reserved = (size_t)want;
            return true;
        }
#else
        uint8_t *p = map_bytes((size_t)want);
        if (p) {
            memcpy(p, mem->data, mem->size);
            munmap(mem->data, mem->reserved);
            mem->data = p;
            mem->reserved = (size_t)want;
            return true;
        }
#endif
        want = bytes; /* second try: exactly what is needed */
    }
    return false;
}

wa_memory *wa_memory_new(const wa_config *cfg, wa_limits lim)
{
    wa_config c = cfg ? *cfg : wa_config_default();
    standalone_memory *s = wa__alloc(&c, sizeof *s);
    if (!s) return NULL;
    s->cfg = c;
    if (wa__memory_init(&s->mem, &s->cfg, lim, NULL) != WA_OK) {
        wa__free(&c, s, sizeof *s);
        return NULL;
    }
    return &s->mem;
}

void wa_memory_destroy(wa_memory *mem)
{
    if (!mem) return;
    wa_config c = *mem->cfg;
    wa__memory_free(mem);
    wa__free(&c, mem, sizeof(standalone_memory)); /* mem is the block's first member */
}

uint8_t *wa_memory_data(wa_memory *mem)
{
    return mem->data;
}

uint64_t wa_memory_size(const wa_memory *mem)
{
    return mem->size;
}

uint32_t wa_memory_pages(const wa_memory *mem)
{
    return mem->pages;
}

/* spec, memory.grow: failure (beyond the maximum, or no room) is -1, not a trap. */
int64_t wa_memory_grow(wa_memory *mem, uint32_t delta)
{
    if (!mem) return -1;
    uint32_t old = mem->pages;
    uint64_t pages = (uint64_t)old + delta;
    if (pages > mem->max_pages) return -1;
    uint64_t bytes = pages * WA_PAGE_SIZE;
    if (bytes > mem->reserved && !remap(mem, bytes)) return -1;
    mem->pages = (uint32_t)pages;
    mem->size = bytes;
    return old;
}
