/*
 * memory.c: linear memory. One anonymous mapping reserved up front for the effective
 * maximum (declared maximum, capped by the configuration), so growing is a size update
 * and the data never moves; pages are zeroed lazily by the OS. When the reservation
 * cannot be had, the mapping covers the current size and grows with mremap.
 */
#define _GNU_SOURCE /* mremap */
#include "wasm_int.h"

#include <sys/mman.h>

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

wa_status wa__memory_init(wa_memory *mem, const wa_config *cfg, wa_limits lim, wa_error *err)
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
 * Populates the pages of [off, off + len) before a large copy into them: one call
 * instead of a page fault per 4 KiB page (Linux 5.14+; elsewhere the faults happen as
 * usual). The range must be within the memory's size.
 */
void wa__memory_prefault(wa_memory *mem, uint64_t off, uint64_t len)
{
#ifdef __linux__
    const uint64_t page = 4096;
    if (len < 2 * page) return;
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
