/*
 * blobs.c: streaming blob handles (host-abi.md §2.9) over the node hooks. Handles live
 * in a per-run table; fds start at 1 and are never reused within a run. Without a node
 * client every function fails BlobsNotSupported (after the checks upstream makes
 * first). Short reads write only the bytes read (upstream's later fix).
 */
#include "logic.h"

#include <string.h>

static cr__blob_handle *find(cr_logic *vl, uint64_t fd, size_t *idx)
{
    for (size_t i = 0; i < vl->blob_count; i++)
        if (vl->blobs[i].fd == fd) {
            if (idx) *idx = i;
            return &vl->blobs[i];
        }
    return NULL;
}

/* A new handle with the next fd (IntegerOverflow when the counter is exhausted). */
static cr_status add_handle(cr_logic *vl, bool writing, cr__blob_handle **out)
{
    if (vl->next_fd == UINT64_MAX) return cr__host_fail(vl, CR_HOST_INTEGER_OVERFLOW);
    void *b = vl->blobs;
    if (!cr__grow(vl->eng, &b, &vl->blob_cap, vl->blob_count + 1, sizeof *vl->blobs))
        return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    vl->blobs = b;
    cr__blob_handle *h = &vl->blobs[vl->blob_count++];
    memset(h, 0, sizeof *h);
    h->fd = vl->next_fd++;
    h->writing = writing;
    *out = h;
    return CR_OK;
}

static void drop_handle(cr_logic *vl, size_t idx)
{
    vl->blobs[idx] = vl->blobs[vl->blob_count - 1];
    vl->blob_count--;
}

/* blob_create(): node client, handle limit, fd, upload stream. */
cr_status cr__host_blob_create(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)args;
    const cr_node_hooks *nh = vl->p->node;
    if (!nh) return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    if ((uint64_t)vl->blob_count >= vl->lim->max_blob_handles)
        return cr__host_fail_num(vl, CR_HOST_TOO_MANY_BLOB_HANDLES, vl->lim->max_blob_handles, 0);
    if (vl->next_fd == UINT64_MAX) return cr__host_fail(vl, CR_HOST_INTEGER_OVERFLOW);
    void *upload = NULL;
    if (!nh->blob_upload_begin || nh->blob_upload_begin(nh->ud, &upload) != CR_OK)
        return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    cr__blob_handle *h;
    cr_status st = add_handle(vl, true, &h);
    if (st != CR_OK) {
        if (nh->blob_upload_abort) nh->blob_upload_abort(nh->ud, upload);
        return st;
    }
    h->stream = upload;
    *ret = h->fd;
    return CR_OK;
}

/* blob_write(fd, data): descriptor, node client, chunk limit, bytes, handle, queue. */
cr_status cr__host_blob_write(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    cr__desc d;
    cr_status st = cr__gm_desc(vl, args[1], &d);
    if (st != CR_OK) return st;
    const cr_node_hooks *nh = vl->p->node;
    if (!nh) return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    if (d.len > vl->lim->max_blob_chunk_size)
        return cr__host_fail_num(vl, CR_HOST_BLOB_WRITE_TOO_LARGE, d.len,
                                 vl->lim->max_blob_chunk_size);
    const uint8_t *data;
    st = cr__gm_bytes(vl, &d, &data);
    if (st != CR_OK) return st;
    cr__blob_handle *h = find(vl, args[0], NULL);
    if (!h || !h->writing || !h->stream || !nh->blob_upload_write)
        return cr__host_fail(vl, CR_HOST_INVALID_BLOB_HANDLE);
    if (nh->blob_upload_write(nh->ud, h->stream, data, (size_t)d.len) != CR_OK)
        return cr__host_fail(vl, CR_HOST_INVALID_BLOB_HANDLE);
    *ret = d.len;
    return CR_OK;
}

/*
 * blob_close(fd, dest): descriptor, 32-byte length (before the node check), node
 * client, bounds of dest (before the handle is removed), the handle; a write handle
 * ends its upload (the stream is closed, then the id awaited), a read handle gives the
 * id it was opened with.
 */
cr_status cr__host_blob_close(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    cr__desc d;
    cr_status st = cr__gm_desc(vl, args[1], &d);
    if (st != CR_OK) return st;
    if (d.len != 32) return cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    const cr_node_hooks *nh = vl->p->node;
    if (!nh) return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    uint8_t *dst;
    st = cr__gm_out(vl, &d, &dst);
    if (st != CR_OK) return st;
    size_t idx;
    cr__blob_handle *h = find(vl, args[0], &idx);
    if (!h) return cr__host_fail(vl, CR_HOST_INVALID_BLOB_HANDLE);
    cr__blob_handle copy = *h;
    drop_handle(vl, idx);
    uint8_t id[32];
    if (copy.writing) {
        uint64_t size = 0;
        if (!nh->blob_upload_finish ||
            nh->blob_upload_finish(nh->ud, copy.stream, id, &size) != CR_OK)
            return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    } else {
        memcpy(id, copy.blob_id, 32);
        if (copy.stream && nh->blob_read_close) nh->blob_read_close(nh->ud, copy.stream);
    }
    /* the hooks cannot grow guest memory, but re-derive the view anyway */
    st = cr__gm_out(vl, &d, &dst);
    if (st != CR_OK) return st;
    memcpy(dst, id, 32);
    *ret = 1;
    return CR_OK;
}

/* blob_open(id): descriptor, node client, handle limit, fixed32, read handle (the blob
   is not looked up here). */
cr_status cr__host_blob_open(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    cr__desc d;
    cr_status st = cr__gm_desc(vl, args[0], &d);
    if (st != CR_OK) return st;
    if (!vl->p->node) return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    if ((uint64_t)vl->blob_count >= vl->lim->max_blob_handles)
        return cr__host_fail_num(vl, CR_HOST_TOO_MANY_BLOB_HANDLES, vl->lim->max_blob_handles, 0);
    const uint8_t *id;
    st = cr__gm_fixed(vl, &d, 32, &id);
    if (st != CR_OK) return st;
    uint8_t idc[32];
    memcpy(idc, id, 32);
    cr__blob_handle *h;
    st = add_handle(vl, false, &h);
    if (st != CR_OK) return st;
    memcpy(h->blob_id, idc, 32);
    *ret = h->fd;
    return CR_OK;
}

/*
 * blob_read(fd, dest): descriptor, node client, buffer limit, empty buffer (0 without
 * looking at fd), handle; then up to dest.len bytes from the leftover and further
 * chunks (the stream opens on first use; an unknown blob or the end stops the loop),
 * written to dest, position advanced. Returns the byte count (0 = end).
 */
cr_status cr__host_blob_read(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    cr__desc d;
    cr_status st = cr__gm_desc(vl, args[1], &d);
    if (st != CR_OK) return st;
    const cr_node_hooks *nh = vl->p->node;
    if (!nh) return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    if (d.len > vl->lim->max_blob_chunk_size)
        return cr__host_fail_num(vl, CR_HOST_BLOB_BUFFER_TOO_LARGE, d.len,
                                 vl->lim->max_blob_chunk_size);
    if (d.len == 0) {
        *ret = 0;
        return CR_OK;
    }
    cr__blob_handle *h = find(vl, args[0], NULL);
    if (!h || h->writing) return cr__host_fail(vl, CR_HOST_INVALID_BLOB_HANDLE);
    size_t want = (size_t)d.len, n = 0;
    uint8_t *tmp = cr__alloc(vl->eng, want);
    if (!tmp) return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    while (n < want) {
        if (h->left_len) {
            size_t take = h->left_len < want - n ? h->left_len : want - n;
            memcpy(tmp + n, h->left, take);
            h->left += take;
            h->left_len -= take;
            n += take;
            continue;
        }
        if (h->ended) break;
        if (!h->stream) {
            void *reader = NULL;
            if (!nh->blob_read_open || nh->blob_read_open(nh->ud, h->blob_id, &reader) != CR_OK) {
                cr__free(vl->eng, tmp, want);
                return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
            }
            if (!reader) {
                h->ended = true;
                break;
            }
            h->stream = reader;
        }
        const uint8_t *chunk = NULL;
        size_t clen = 0;
        if (!nh->blob_read_next || nh->blob_read_next(nh->ud, h->stream, &chunk, &clen) != CR_OK ||
            clen == 0) {
            h->ended = true;
            break;
        }
        h->left = chunk;
        h->left_len = clen;
    }
    if (n > 0) {
        uint8_t *dst;
        st = cr__gm_view(vl, d.ptr, n, &dst);
        if (st == CR_OK) {
            memcpy(dst, tmp, n);
            h->position += n;
        }
    }
    cr__free(vl->eng, tmp, want);
    if (st != CR_OK) return st;
    *ret = n;
    return CR_OK;
}

/* blob_announce_to_context(blob, ctx): node client first, then the two 32-byte ids,
   the blob's size from the node, the announcement. */
cr_status cr__host_blob_announce_to_context(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const cr_node_hooks *nh = vl->p->node;
    if (!nh) return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    cr__desc db, dc;
    const uint8_t *blob, *ctx;
    cr_status st = cr__gm_desc(vl, args[0], &db);
    if (st == CR_OK) st = cr__gm_desc(vl, args[1], &dc);
    if (st == CR_OK) st = cr__gm_fixed(vl, &db, 32, &blob);
    if (st == CR_OK) st = cr__gm_fixed(vl, &dc, 32, &ctx);
    if (st != CR_OK) return st;
    uint8_t b[32], c[32];
    memcpy(b, blob, 32);
    memcpy(c, ctx, 32);
    bool found = false;
    uint64_t size = 0;
    if (!nh->blob_info || nh->blob_info(nh->ud, b, &found, &size) != CR_OK || !found)
        return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    if (!nh->blob_announce || nh->blob_announce(nh->ud, b, c, size) != CR_OK)
        return cr__host_fail(vl, CR_HOST_BLOBS_NOT_SUPPORTED);
    *ret = 1;
    return CR_OK;
}
