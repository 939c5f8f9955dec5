/*
 * system.c: host functions for panics, registers, the call's context and input, the
 * return value, logs, events, cross-context calls and commit (host-abi.md §2.1, §2.2,
 * §2.5 commit). Checks run in upstream's order: the first failing one decides the error.
 */
#include "logic.h"

#include <string.h>

/* Location {file: Buffer, line: u32, column: u32}, 24 bytes (host-abi.md §0.3). */
typedef struct location {
    cr__desc file;
    uint32_t line, column;
} location;

static cr_status read_location(cr_logic *vl, uint64_t ptr, location *loc)
{
    uint8_t raw[24];
    cr_status st = cr__gm_read(vl, ptr, raw, sizeof raw);
    if (st != CR_OK) return st;
    loc->file.ptr = cr__le64(raw);
    loc->file.len = cr__le64(raw + 8);
    loc->line = cr__le32(raw + 16);
    loc->column = cr__le32(raw + 20);
    return CR_OK;
}

/* panic(location_ptr): always fails Panic{Guest, "explicit panic", At{...}}. */
cr_status cr__host_panic(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    location loc;
    const char *file;
    cr_status st = read_location(vl, args[0], &loc);
    if (st == CR_OK) st = cr__gm_str(vl, &loc.file, &file);
    if (st != CR_OK) return st;
    static const char msg[] = "explicit panic";
    return cr__host_panic_record(vl, false, msg, sizeof msg - 1, file, (size_t)loc.file.len,
                                 loc.line, loc.column);
}

/* panic_utf8(msg_ptr, location_ptr): message descriptor, location, message text, file. */
cr_status cr__host_panic_utf8(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    cr__desc m;
    location loc;
    const char *msg, *file;
    cr_status st = cr__gm_desc(vl, args[0], &m);
    if (st == CR_OK) st = read_location(vl, args[1], &loc);
    if (st == CR_OK) st = cr__gm_str(vl, &m, &msg);
    if (st == CR_OK) st = cr__gm_str(vl, &loc.file, &file);
    if (st != CR_OK) return st;
    return cr__host_panic_record(vl, false, msg, (size_t)m.len, file, (size_t)loc.file.len,
                                 loc.line, loc.column);
}

/* register_len(id): the length, or u64::MAX for an unknown register. Never fails. */
cr_status cr__host_register_len(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const cr__register *r = cr__reg_get(vl, args[0]);
    *ret = r ? (uint64_t)r->len : UINT64_MAX;
    return CR_OK;
}

/* read_register(id, dest): descriptor, register, length match (else 0), bounds, copy. */
cr_status cr__host_read_register(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    cr__desc d;
    cr_status st = cr__gm_desc(vl, args[1], &d);
    if (st != CR_OK) return st;
    const cr__register *r = cr__reg_get(vl, args[0]);
    if (!r) return cr__host_fail_num(vl, CR_HOST_INVALID_REGISTER_ID, args[0], 0);
    if (d.len != (uint64_t)r->len) {
        *ret = 0;
        return CR_OK;
    }
    uint8_t *dst;
    st = cr__gm_out(vl, &d, &dst);
    if (st != CR_OK) return st;
    if (r->len) memcpy(dst, r->data, r->len);
    *ret = 1;
    return CR_OK;
}

cr_status cr__host_context_id(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    return cr__reg_set(vl, args[0], vl->p->context_id, 32);
}

cr_status cr__host_executor_id(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    return cr__reg_set(vl, args[0], vl->p->executor_id, 32);
}

/* input(id): the run's input, possibly empty (an empty register still exists). */
cr_status cr__host_input(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    return cr__reg_set(vl, args[0], vl->p->input, vl->p->input_len);
}

/*
 * value_return(ptr): ValueReturn {tag u64, value Buffer} (24 bytes). Tags other than
 * 0/1 fail DeserializationError after the buffer is read (host-abi.md §5.3, as HEAD).
 * The last call wins.
 */
cr_status cr__host_value_return(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    uint8_t raw[24];
    cr_status st = cr__gm_read(vl, args[0], raw, sizeof raw);
    if (st != CR_OK) return st;
    uint64_t tag = cr__le64(raw);
    cr__desc d = {cr__le64(raw + 8), cr__le64(raw + 16)};
    const uint8_t *data;
    st = cr__gm_bytes(vl, &d, &data);
    if (st != CR_OK) return st;
    if (tag > 1) return cr__host_fail(vl, CR_HOST_DESERIALIZATION_ERROR);
    size_t len = (size_t)d.len;
    if (len > vl->ret_cap) {
        uint8_t *p = cr__realloc(vl->eng, vl->ret, vl->ret_cap, len);
        if (!p) return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
        vl->ret = p;
        vl->ret_cap = len;
    }
    if (len) memcpy(vl->ret, data, len);
    vl->ret_len = len;
    vl->ret_kind = tag == 0 ? 1 : 2;
    return CR_OK;
}

/* log_utf8(msg): text first, then the count limit, then the size limit. */
cr_status cr__host_log_utf8(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    cr__desc d;
    const char *msg;
    cr_status st = cr__gm_desc(vl, args[0], &d);
    if (st == CR_OK) st = cr__gm_str(vl, &d, &msg);
    if (st != CR_OK) return st;
    if ((uint64_t)vl->out->log_count >= vl->lim->max_logs)
        return cr__host_fail(vl, CR_HOST_LOGS_OVERFLOW);
    if (d.len > vl->lim->max_log_size) return cr__host_fail(vl, CR_HOST_LOG_LENGTH_OVERFLOW);
    const cr_engine_config *c = &vl->eng->cfg;
    if (c->trace_log) c->trace_log(c->trace_ud, msg, (size_t)d.len);
    return cr__out_log(vl, msg, (size_t)d.len);
}

/*
 * Length of the invalid sequence at s[0..n) as Rust's from_utf8_lossy sees it (the
 * maximal prefix of a well-formed sequence, at least 1), or 0 when a valid character
 * starts there; *len receives the valid character's length.
 */
static size_t invalid_prefix(const uint8_t *s, size_t n, size_t *len)
{
    uint8_t b = s[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (b < 0x80) {
        *len = 1;
        return 0;
    }
    if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        if (b == 0xe0)
            lo = 0xa0;
        else if (b == 0xed)
            hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        if (b == 0xf0)
            lo = 0x90;
        else if (b == 0xf4)
            hi = 0x8f;
    } else {
        return 1;
    }
    for (size_t k = 1; k <= need; k++) {
        if (k >= n) return k;
        uint8_t c = s[k];
        uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xbf;
        if (c < l || c > h) return k;
    }
    *len = need + 1;
    return 0;
}

/*
 * js_std_d_print(ctx, ptr, len): QuickJS's debug-print sink (host-abi.md §2.2). ctx is
 * ignored; ptr/len are a raw range (checked only when len > 0), decoded lossily (each
 * invalid sequence becomes U+FFFD); then the log count and the decoded size limits.
 * Returns 0.
 */
cr_status cr__host_js_std_d_print(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    const uint8_t *src = NULL;
    size_t n = (size_t)args[2];
    if (args[2] > 0) {
        uint8_t *p;
        cr_status st = cr__gm_view(vl, args[1], args[2], &p);
        if (st != CR_OK) return st;
        src = p;
    }
    /* decoded size: each invalid sequence (>= 1 byte) becomes 3 bytes */
    size_t out_len = 0;
    for (size_t i = 0; i < n;) {
        size_t len = 0, bad = invalid_prefix(src + i, n - i, &len);
        out_len += bad ? 3 : len;
        i += bad ? bad : len;
    }
    if ((uint64_t)vl->out->log_count >= vl->lim->max_logs)
        return cr__host_fail(vl, CR_HOST_LOGS_OVERFLOW);
    if ((uint64_t)out_len > vl->lim->max_log_size)
        return cr__host_fail(vl, CR_HOST_LOG_LENGTH_OVERFLOW);
    char *text = cr__alloc(vl->eng, out_len);
    if (!text) return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t len = 0, bad = invalid_prefix(src + i, n - i, &len);
        if (bad) {
            memcpy(text + k, "\xef\xbf\xbd", 3);
            k += 3;
            i += bad;
        } else {
            memcpy(text + k, src + i, len);
            k += len;
            i += len;
        }
    }
    const cr_engine_config *c = &vl->eng->cfg;
    if (c->trace_log) c->trace_log(c->trace_ud, text, out_len);
    cr_status st = cr__out_log(vl, text, out_len);
    cr__free(vl->eng, text, out_len);
    if (st != CR_OK) return st;
    *ret = 0;
    return CR_OK;
}

/*
 * emit / emit_with_handler, steps 1-5: the Event struct, size limits on the descriptor
 * lengths (before any byte is read), the count, then kind text and data bytes.
 */
static cr_status read_event(cr_logic *vl, uint64_t ptr, const char **kind, size_t *kind_len,
                            const uint8_t **data, size_t *data_len)
{
    uint8_t raw[32];
    cr_status st = cr__gm_read(vl, ptr, raw, sizeof raw);
    if (st != CR_OK) return st;
    cr__desc k = {cr__le64(raw), cr__le64(raw + 8)};
    cr__desc d = {cr__le64(raw + 16), cr__le64(raw + 24)};
    if (k.len > vl->lim->max_event_kind_size)
        return cr__host_fail(vl, CR_HOST_EVENT_KIND_SIZE_OVERFLOW);
    if (d.len > vl->lim->max_event_data_size)
        return cr__host_fail(vl, CR_HOST_EVENT_DATA_SIZE_OVERFLOW);
    if ((uint64_t)vl->out->event_count >= vl->lim->max_events)
        return cr__host_fail(vl, CR_HOST_EVENTS_OVERFLOW);
    st = cr__gm_str(vl, &k, kind);
    if (st == CR_OK) st = cr__gm_bytes(vl, &d, data);
    *kind_len = (size_t)k.len;
    *data_len = (size_t)d.len;
    return st;
}

static cr_status push_event(cr_logic *vl, const char *kind, size_t kind_len, const uint8_t *data,
                            size_t data_len, const char *handler, size_t handler_len)
{
    cr_outcome *o = vl->out;
    void *events = o->events;
    if (!cr__grow(vl->eng, &events, &o->event_cap, o->event_count + 1, sizeof *o->events))
        return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    o->events = events;
    cr__event_rec *e = &o->events[o->event_count];
    memset(e, 0, sizeof *e);
    if (cr__out_text(vl, &e->kind, kind, kind_len) != CR_OK) return CR_ERR_NOMEM;
    e->data = cr__out_dup(vl, data, data_len);
    if (!e->data) return CR_ERR_NOMEM;
    e->data_len = data_len;
    if (handler && cr__out_text(vl, &e->handler, handler, handler_len) != CR_OK)
        return CR_ERR_NOMEM;
    o->event_count++;
    return CR_OK;
}

/* emit(event): the handler is always None at this revision (host-abi.md §2.2). */
cr_status cr__host_emit(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    const char *kind;
    const uint8_t *data;
    size_t kind_len, data_len;
    cr_status st = read_event(vl, args[0], &kind, &kind_len, &data, &data_len);
    if (st != CR_OK) return st;
    return push_event(vl, kind, kind_len, data, data_len, NULL, 0);
}

/*
 * emit_with_handler(event, handler): handler_ptr 0 means none; an out-of-bounds
 * handler descriptor fails; handler text out of bounds or not UTF-8 silently becomes
 * none.
 */
cr_status cr__host_emit_with_handler(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    const char *kind;
    const uint8_t *data;
    size_t kind_len, data_len;
    cr_status st = read_event(vl, args[0], &kind, &kind_len, &data, &data_len);
    if (st != CR_OK) return st;
    const char *handler = NULL;
    size_t handler_len = 0;
    if (args[1] != 0) {
        cr__desc h;
        st = cr__gm_desc(vl, args[1], &h);
        if (st != CR_OK) return st;
        if (cr__gm_in_bounds(vl->mem, h.ptr, h.len)) {
            const uint8_t *p = wa_memory_data(vl->mem) + h.ptr;
            if (cr__utf8_valid(p, (size_t)h.len)) {
                handler = (const char *)p;
                handler_len = (size_t)h.len;
            }
        }
    }
    return push_event(vl, kind, kind_len, data, data_len, handler, handler_len);
}

/*
 * xcall(ptr): XCall {context_id, function, params} (48 bytes); function/params size
 * limits and the count before any byte is read; then fixed32 id, function text, params.
 */
cr_status cr__host_xcall(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    uint8_t raw[48];
    cr_status st = cr__gm_read(vl, args[0], raw, sizeof raw);
    if (st != CR_OK) return st;
    cr__desc c = {cr__le64(raw), cr__le64(raw + 8)};
    cr__desc f = {cr__le64(raw + 16), cr__le64(raw + 24)};
    cr__desc pa = {cr__le64(raw + 32), cr__le64(raw + 40)};
    if (f.len > vl->lim->max_xcall_function_size)
        return cr__host_fail(vl, CR_HOST_XCALL_FUNCTION_SIZE_OVERFLOW);
    if (pa.len > vl->lim->max_xcall_params_size)
        return cr__host_fail(vl, CR_HOST_XCALL_PARAMS_SIZE_OVERFLOW);
    if ((uint64_t)vl->out->xcall_count >= vl->lim->max_xcalls)
        return cr__host_fail(vl, CR_HOST_XCALLS_OVERFLOW);
    const uint8_t *ctx, *params;
    const char *fn;
    st = cr__gm_fixed(vl, &c, 32, &ctx);
    if (st == CR_OK) st = cr__gm_str(vl, &f, &fn);
    if (st == CR_OK) st = cr__gm_bytes(vl, &pa, &params);
    if (st != CR_OK) return st;
    cr_outcome *o = vl->out;
    void *xcalls = o->xcalls;
    if (!cr__grow(vl->eng, &xcalls, &o->xcall_cap, o->xcall_count + 1, sizeof *o->xcalls))
        return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    o->xcalls = xcalls;
    cr__xcall_rec *x = &o->xcalls[o->xcall_count];
    memset(x, 0, sizeof *x);
    memcpy(x->context_id, ctx, 32);
    if (cr__out_text(vl, &x->function, fn, (size_t)f.len) != CR_OK) return CR_ERR_NOMEM;
    x->params = cr__out_dup(vl, params, (size_t)pa.len);
    if (!x->params) return CR_ERR_NOMEM;
    x->params_len = (size_t)pa.len;
    o->xcall_count++;
    return CR_OK;
}

/*
 * commit(root_hash, artifact): both descriptors, fixed32 hash, artifact bytes; a second
 * successful commit fails InvalidMemoryAccess (upstream's choice).
 */
cr_status cr__host_commit(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    cr__desc h, a;
    const uint8_t *hash, *art;
    cr_status st = cr__gm_desc(vl, args[0], &h);
    if (st == CR_OK) st = cr__gm_desc(vl, args[1], &a);
    if (st == CR_OK) st = cr__gm_fixed(vl, &h, 32, &hash);
    if (st == CR_OK) st = cr__gm_bytes(vl, &a, &art);
    if (st != CR_OK) return st;
    if (vl->committed) return cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    uint8_t *copy = cr__out_dup(vl, art, (size_t)a.len);
    if (!copy) return CR_ERR_NOMEM;
    cr_outcome *o = vl->out;
    memcpy(o->root_hash, hash, 32);
    o->has_root_hash = true;
    o->artifact = copy;
    o->artifact_len = (size_t)a.len;
    vl->committed = true;
    return CR_OK;
}
