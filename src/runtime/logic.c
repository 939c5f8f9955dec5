/*
 * logic.c: VMLogic, the state of one run: registers with their limits (host-abi.md
 * §0.5), the pending host error, the records that become the outcome, and finish
 * (runtime-model.md §3), which turns the run's state into the outcome.
 */
#include "logic.h"

#include <stdio.h>
#include <string.h>

void cr__logic_init(cr_logic *vl, const cr_engine *eng, const cr_run_params *p, cr_outcome *out)
{
    memset(vl, 0, sizeof *vl);
    vl->eng = eng;
    vl->lim = &eng->cfg.limits;
    vl->p = p;
    vl->out = out;
    vl->next_fd = 1;
}

void cr__logic_release(cr_logic *vl)
{
    for (size_t i = 0; i < vl->reg_count; i++)
        cr__free(vl->eng, vl->regs[i].data, vl->regs[i].cap);
    cr__free(vl->eng, vl->regs, vl->reg_cap * sizeof *vl->regs);
    vl->regs = NULL;
    vl->reg_count = vl->reg_cap = 0;
    cr__free(vl->eng, vl->ret, vl->ret_cap);
    vl->ret = NULL;
    vl->ret_cap = 0;
    const cr_node_hooks *nh = vl->p ? vl->p->node : NULL;
    for (size_t i = 0; i < vl->blob_count; i++) {
        cr__blob_handle *h = &vl->blobs[i];
        if (!h->stream || !nh) continue;
        if (h->writing) {
            if (nh->blob_upload_abort) nh->blob_upload_abort(nh->ud, h->stream);
        } else if (nh->blob_read_close) {
            nh->blob_read_close(nh->ud, h->stream);
        }
    }
    cr__free(vl->eng, vl->blobs, vl->blob_cap * sizeof *vl->blobs);
    vl->blobs = NULL;
    vl->blob_count = vl->blob_cap = 0;
}

/* ---- failures ---- */

static void fail_reset(cr_logic *vl, cr__host_error kind)
{
    memset(&vl->err, 0, sizeof vl->err);
    vl->err.kind = CR_CALL_HOST;
    vl->err.variant = (int)kind;
    vl->has_err = true;
}

cr_status cr__host_fail(cr_logic *vl, cr__host_error kind)
{
    fail_reset(vl, kind);
    return CR_ERR_HOST;
}

cr_status cr__host_fail_num(cr_logic *vl, cr__host_error kind, uint64_t a, uint64_t b)
{
    fail_reset(vl, kind);
    vl->err.a = a;
    vl->err.b = b;
    return CR_ERR_HOST;
}

cr_status cr__host_fail_str(cr_logic *vl, cr__host_error kind, const char *s, size_t n)
{
    fail_reset(vl, kind);
    char *copy = cr__arena_dup(&vl->out->arena, vl->eng, s, n);
    if (!copy) return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    vl->err.s = copy;
    vl->err.s_len = n;
    return CR_ERR_HOST;
}

cr_status cr__host_panic_record(cr_logic *vl, bool host, const char *msg, size_t msg_len,
                                const char *file, size_t file_len, uint32_t line, uint32_t column)
{
    fail_reset(vl, CR_HOST_PANIC);
    vl->err.host_panic = host;
    char *m = cr__arena_dup(&vl->out->arena, vl->eng, msg, msg_len);
    char *f = file ? cr__arena_dup(&vl->out->arena, vl->eng, file, file_len) : NULL;
    if (!m || (file && !f)) return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    vl->err.s = m;
    vl->err.s_len = msg_len;
    if (file) {
        vl->err.has_location = true;
        vl->err.file = f;
        vl->err.file_len = file_len;
        vl->err.line = line;
        vl->err.column = column;
    }
    return CR_ERR_HOST;
}

cr_status cr__logic_fatal(cr_logic *vl, cr_status st, const char *message)
{
    if (vl->fatal == CR_OK) {
        vl->fatal = st;
        snprintf(vl->fatal_message, sizeof vl->fatal_message, "%s", message);
    }
    return st;
}

/* ---- registers ---- */

const cr__register *cr__reg_get(const cr_logic *vl, uint64_t id)
{
    for (size_t i = 0; i < vl->reg_count; i++)
        if (vl->regs[i].id == id) return &vl->regs[i];
    return NULL;
}

/*
 * host-abi.md §0.5: size limit, count limit for a new id, total capacity counting 8 +
 * len per register; every violation is InvalidMemoryAccess. Buffers are reused when
 * the new value fits (the SDK reuses one register for everything).
 */
cr_status cr__reg_set(cr_logic *vl, uint64_t id, const uint8_t *data, size_t len)
{
    const cr_limits *lim = vl->lim;
    cr__register *r = (cr__register *)cr__reg_get(vl, id);
    if ((uint64_t)len > lim->max_register_size)
        return cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    if (!r && (uint64_t)vl->reg_count >= lim->max_registers)
        return cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    uint64_t total = vl->reg_bytes - (r ? 8 + (uint64_t)r->len : 0);
    if ((uint64_t)len > UINT64_MAX - 8 - total || total + 8 + len > lim->max_registers_capacity)
        return cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    if (!r) {
        void *regs = vl->regs;
        if (!cr__grow(vl->eng, &regs, &vl->reg_cap, vl->reg_count + 1, sizeof *vl->regs))
            return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
        vl->regs = regs;
        r = &vl->regs[vl->reg_count++];
        memset(r, 0, sizeof *r);
        r->id = id;
    }
    if (len > r->cap) {
        size_t ncap = len < 64 ? 64 : len;
        uint8_t *d = cr__realloc(vl->eng, r->data, r->cap, ncap);
        if (!d) return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
        r->data = d;
        r->cap = ncap;
    }
    if (len) memmove(r->data, data, len);
    r->len = len;
    vl->reg_bytes = total + 8 + len;
    return CR_OK;
}

/* ---- outcome records ---- */

void *cr__out_dup(cr_logic *vl, const void *p, size_t n)
{
    void *d = cr__arena_dup(&vl->out->arena, vl->eng, p, n);
    if (!d) cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    return d;
}

cr_status cr__out_text(cr_logic *vl, cr__text *t, const char *s, size_t n)
{
    t->s = cr__out_dup(vl, s, n);
    t->len = n;
    return t->s ? CR_OK : CR_ERR_NOMEM;
}

cr_status cr__out_log(cr_logic *vl, const char *s, size_t n)
{
    cr_outcome *o = vl->out;
    void *logs = o->logs;
    if (!cr__grow(vl->eng, &logs, &o->log_cap, o->log_count + 1, sizeof *o->logs))
        return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    o->logs = logs;
    cr_status st = cr__out_text(vl, &o->logs[o->log_count], s, n);
    if (st != CR_OK) return st;
    o->log_count++;
    return CR_OK;
}

/*
 * upstream's finish: the run's error wins; otherwise value_return decides (none: Ok
 * without value; Ok(v); Err(v) becomes ExecutionError(v)). Everything recorded stays.
 */
cr_status cr__logic_finish(cr_logic *vl, const cr__fcerr *err)
{
    cr_outcome *o = vl->out;
    for (size_t i = 0; i < vl->call_order_len; i++) {
        uint16_t id = vl->call_order[i];
        o->host_calls[i].id = id;
        o->host_calls[i].count = vl->calls[id];
    }
    o->host_call_count = vl->call_order_len;
    if (err && err->kind != CR_CALL_OK) {
        o->failed = true;
        o->err = *err;
        /* the texts may point at the caller's method name or guest memory: copy */
        if (err->s) {
            o->err.s = cr__arena_dup(&o->arena, vl->eng, err->s, err->s_len);
            if (!o->err.s) return CR_ERR_NOMEM;
        }
        if (err->file) {
            o->err.file = cr__arena_dup(&o->arena, vl->eng, err->file, err->file_len);
            if (!o->err.file) return CR_ERR_NOMEM;
        }
        return CR_OK;
    }
    if (vl->ret_kind == 0) return CR_OK;
    uint8_t *copy = cr__arena_dup(&o->arena, vl->eng, vl->ret, vl->ret_len);
    if (!copy) return CR_ERR_NOMEM;
    if (vl->ret_kind == 1) {
        o->has_returns = true;
        o->returns = copy;
        o->returns_len = vl->ret_len;
    } else {
        o->failed = true;
        memset(&o->err, 0, sizeof o->err);
        o->err.kind = CR_CALL_EXECUTION;
        o->err.payload = copy;
        o->err.payload_len = vl->ret_len;
    }
    return CR_OK;
}
