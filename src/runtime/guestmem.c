/*
 * guestmem.c: checked access to guest memory for host functions (host-abi.md §0.3-0.4).
 * Every range is checked as ptr + len <= size in 64 bits without overflow, against the
 * memory's size at the moment of the call. Failures record InvalidMemoryAccess (or
 * BadUTF8 for text) in the logic and return CR_ERR_HOST.
 */
#include "logic.h"

#include <string.h>

bool cr__gm_in_bounds(const wa_memory *mem, uint64_t ptr, uint64_t len)
{
    if (!mem) return false;
    uint64_t size = wa_memory_size(mem);
    return ptr <= size && len <= size - ptr;
}

cr_status cr__gm_view(cr_logic *vl, uint64_t ptr, uint64_t len, uint8_t **out)
{
    if (!cr__gm_in_bounds(vl->mem, ptr, len))
        return cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    *out = wa_memory_data(vl->mem) + ptr;
    return CR_OK;
}

cr_status cr__gm_read(cr_logic *vl, uint64_t ptr, void *dst, size_t size)
{
    uint8_t *p = NULL;
    cr_status st = cr__gm_view(vl, ptr, size, &p);
    if (st != CR_OK) return st;
    memcpy(dst, p, size);
    return CR_OK;
}

cr_status cr__gm_desc(cr_logic *vl, uint64_t ptr, cr__desc *d)
{
    uint8_t raw[16];
    cr_status st = cr__gm_read(vl, ptr, raw, sizeof raw);
    if (st != CR_OK) return st;
    d->ptr = cr__le64(raw);
    d->len = cr__le64(raw + 8);
    return CR_OK;
}

cr_status cr__gm_bytes(cr_logic *vl, const cr__desc *d, const uint8_t **out)
{
    uint8_t *p = NULL;
    cr_status st = cr__gm_view(vl, d->ptr, d->len, &p);
    if (st == CR_OK) *out = p;
    return st;
}

cr_status cr__gm_str(cr_logic *vl, const cr__desc *d, const char **out)
{
    const uint8_t *p = NULL;
    cr_status st = cr__gm_bytes(vl, d, &p);
    if (st != CR_OK) return st;
    if (!cr__utf8_valid(p, (size_t)d->len)) return cr__host_fail(vl, CR_HOST_BAD_UTF8);
    *out = (const char *)p;
    return CR_OK;
}

cr_status cr__gm_fixed(cr_logic *vl, const cr__desc *d, uint64_t n, const uint8_t **out)
{
    if (d->len != n) return cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    return cr__gm_bytes(vl, d, out);
}

cr_status cr__gm_out(cr_logic *vl, const cr__desc *d, uint8_t **out)
{
    return cr__gm_view(vl, d->ptr, d->len, out);
}
