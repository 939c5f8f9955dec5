/*
 * outcome.c: the result of one run (runtime-model.md §10): accessors and the JSON
 * form of spec/scenario.md's per-call fields.
 */
#include "logic.h"

#include <sodium.h>
#include <string.h>

cr_status cr__outcome_create(const cr_engine *eng, cr_outcome **out)
{
    cr_outcome *o = cr__alloc(eng, sizeof *o);
    if (!o) return CR_ERR_NOMEM;
    memset(o, 0, sizeof *o);
    o->eng = eng;
    *out = o;
    return CR_OK;
}

CR_API void cr_outcome_destroy(cr_outcome *o)
{
    if (!o) return;
    const cr_engine *eng = o->eng;
    cr__free(eng, o->logs, o->log_cap * sizeof *o->logs);
    cr__free(eng, o->events, o->event_cap * sizeof *o->events);
    cr__free(eng, o->xcalls, o->xcall_cap * sizeof *o->xcalls);
    cr__free(eng, o->proposals, o->proposal_cap * sizeof *o->proposals);
    cr__free(eng, o->approvals, o->approval_cap * sizeof *o->approvals);
    cr__free(eng, o->mutations, o->mutation_cap * sizeof *o->mutations);
    cr__arena_free(&o->arena, eng);
    cr__free(eng, o, sizeof *o);
}

CR_API cr_call_error cr_outcome_error(const cr_outcome *o)
{
    return o->failed ? o->err.kind : CR_CALL_OK;
}

CR_API const char *cr_outcome_error_variant(const cr_outcome *o)
{
    return o->failed ? cr__fcerr_variant(&o->err) : NULL;
}

/* Builds a text into the outcome's arena (NULL on allocation failure). */
static const char *build(cr_outcome *o, void (*fn)(const cr__fcerr *, cr__sbuf *))
{
    cr__sbuf sb = {.eng = o->eng};
    fn(&o->err, &sb);
    const char *s = cr__sbuf_cstr(&sb);
    const char *copy = s ? cr__arena_dup(&o->arena, o->eng, s, sb.len) : NULL;
    cr__sbuf_free(&sb);
    return copy;
}

CR_API const char *cr_outcome_error_json(const cr_outcome *o)
{
    if (!o->failed) return NULL;
    cr_outcome *mo = (cr_outcome *)o; /* cache (not visible to callers) */
    if (!mo->err_json) mo->err_json = build(mo, cr__fcerr_json);
    return mo->err_json;
}

CR_API const char *cr_outcome_error_display(const cr_outcome *o)
{
    if (!o->failed) return NULL;
    cr_outcome *mo = (cr_outcome *)o;
    if (!mo->err_display) mo->err_display = build(mo, cr__fcerr_display);
    return mo->err_display;
}

CR_API bool cr_outcome_returns(const cr_outcome *o, const uint8_t **data, size_t *len)
{
    if (o->failed || !o->has_returns) return false;
    if (data) *data = o->returns;
    if (len) *len = o->returns_len;
    return true;
}

CR_API bool cr_outcome_error_payload(const cr_outcome *o, const uint8_t **data, size_t *len)
{
    if (!o->failed || o->err.kind != CR_CALL_EXECUTION) return false;
    if (data) *data = o->err.payload;
    if (len) *len = o->err.payload_len;
    return true;
}

CR_API size_t cr_outcome_log_count(const cr_outcome *o)
{
    return o->log_count;
}

CR_API const char *cr_outcome_log(const cr_outcome *o, size_t idx, size_t *len)
{
    if (idx >= o->log_count) return NULL;
    if (len) *len = o->logs[idx].len;
    return o->logs[idx].s;
}

CR_API size_t cr_outcome_event_count(const cr_outcome *o)
{
    return o->event_count;
}

CR_API void cr_outcome_event(const cr_outcome *o, size_t idx, cr_event *out)
{
    memset(out, 0, sizeof *out);
    if (idx >= o->event_count) return;
    const cr__event_rec *e = &o->events[idx];
    out->kind = e->kind.s;
    out->kind_len = e->kind.len;
    out->data = e->data;
    out->data_len = e->data_len;
    out->handler = e->handler.s;
    out->handler_len = e->handler.len;
}

CR_API size_t cr_outcome_xcall_count(const cr_outcome *o)
{
    return o->xcall_count;
}

CR_API void cr_outcome_xcall(const cr_outcome *o, size_t idx, cr_xcall *out)
{
    memset(out, 0, sizeof *out);
    if (idx >= o->xcall_count) return;
    const cr__xcall_rec *x = &o->xcalls[idx];
    out->context_id = x->context_id;
    out->function = x->function.s;
    out->function_len = x->function.len;
    out->params = x->params;
    out->params_len = x->params_len;
}

CR_API const uint8_t *cr_outcome_root_hash(const cr_outcome *o)
{
    return o->has_root_hash ? o->root_hash : NULL;
}

CR_API const uint8_t *cr_outcome_artifact(const cr_outcome *o, size_t *len)
{
    if (len) *len = o->artifact_len;
    return o->artifact;
}

CR_API size_t cr_outcome_proposal_count(const cr_outcome *o)
{
    return o->proposal_count;
}

CR_API void cr_outcome_proposal(const cr_outcome *o, size_t idx, cr_proposal *out)
{
    memset(out, 0, sizeof *out);
    if (idx >= o->proposal_count) return;
    out->id = o->proposals[idx].id;
    out->actions = o->proposals[idx].actions;
    out->actions_len = o->proposals[idx].actions_len;
}

CR_API size_t cr_outcome_approval_count(const cr_outcome *o)
{
    return o->approval_count;
}

CR_API const uint8_t *cr_outcome_approval(const cr_outcome *o, size_t idx)
{
    return idx < o->approval_count ? o->approvals[idx] : NULL;
}

CR_API size_t cr_outcome_mutation_count(const cr_outcome *o)
{
    return o->mutation_count;
}

CR_API void cr_outcome_mutation(const cr_outcome *o, size_t idx, cr_context_mutation *out)
{
    memset(out, 0, sizeof *out);
    if (idx >= o->mutation_count) return;
    const cr__mutation_rec *m = &o->mutations[idx];
    out->kind = m->kind;
    out->id = m->id;
    out->protocol = m->protocol.s;
    out->protocol_len = m->protocol.len;
    out->init_args = m->init_args;
    out->init_args_len = m->init_args_len;
    out->alias = m->alias.s;
    out->alias_len = m->alias.len;
}

CR_API uint64_t cr_outcome_gas_used(const cr_outcome *o)
{
    return o->gas_used;
}

CR_API size_t cr_outcome_host_call_count(const cr_outcome *o)
{
    return o->host_call_count;
}

CR_API void cr_outcome_host_call(const cr_outcome *o, size_t idx, const char **name,
                                 uint64_t *count)
{
    if (idx >= o->host_call_count) {
        *name = NULL;
        *count = 0;
        return;
    }
    *name = cr__imports[o->host_calls[idx].id].name;
    *count = o->host_calls[idx].count;
}

/* ---- JSON ---- */

/* Bytes as text when valid UTF-8, else {"hex": ".."} (scenario.md). */
static void text_or_hex(cr__sbuf *sb, const uint8_t *p, size_t n)
{
    if (cr__utf8_valid(p, n)) {
        cr__sbuf_json_str(sb, (const char *)p, n);
        return;
    }
    cr__sbuf_puts(sb, "{\"hex\":\"");
    cr__sbuf_hex(sb, p, n);
    cr__sbuf_puts(sb, "\"}");
}

static void hex_str(cr__sbuf *sb, const uint8_t *p, size_t n)
{
    cr__sbuf_putc(sb, '"');
    cr__sbuf_hex(sb, p, n);
    cr__sbuf_putc(sb, '"');
}

CR_API cr_status cr_outcome_to_json(cr_outcome *o, const char **json, size_t *len, cr_error *err)
{
    if (o->json) {
        *json = o->json;
        if (len) *len = o->json_len;
        return CR_OK;
    }
    cr__sbuf sb = {.eng = o->eng};
    cr__sbuf_puts(&sb, "{\"returns\":");
    if (!o->failed && o->has_returns)
        text_or_hex(&sb, o->returns, o->returns_len);
    else
        cr__sbuf_puts(&sb, "null");
    cr__sbuf_puts(&sb, ",\"error\":");
    cr__fcerr_json(o->failed ? &o->err : &(cr__fcerr){.kind = CR_CALL_OK}, &sb);
    cr__sbuf_puts(&sb, ",\"error_display\":");
    if (o->failed) {
        cr__sbuf d = {.eng = o->eng};
        cr__fcerr_display(&o->err, &d);
        if (d.failed)
            sb.failed = true;
        else
            cr__sbuf_json_str(&sb, d.data ? d.data : "", d.len);
        cr__sbuf_free(&d);
    } else {
        cr__sbuf_puts(&sb, "null");
    }
    if (o->failed && o->err.kind == CR_CALL_EXECUTION) {
        cr__sbuf_puts(&sb, ",\"error_payload\":");
        text_or_hex(&sb, o->err.payload, o->err.payload_len);
    }
    cr__sbuf_puts(&sb, ",\"logs\":[");
    for (size_t i = 0; i < o->log_count; i++) {
        if (i) cr__sbuf_putc(&sb, ',');
        cr__sbuf_json_str(&sb, o->logs[i].s, o->logs[i].len);
    }
    cr__sbuf_puts(&sb, "],\"events\":[");
    for (size_t i = 0; i < o->event_count; i++) {
        const cr__event_rec *e = &o->events[i];
        cr__sbuf_puts(&sb, i ? ",{\"kind\":" : "{\"kind\":");
        cr__sbuf_json_str(&sb, e->kind.s, e->kind.len);
        cr__sbuf_puts(&sb, ",\"data\":");
        text_or_hex(&sb, e->data, e->data_len);
        cr__sbuf_puts(&sb, ",\"handler\":");
        if (e->handler.s)
            cr__sbuf_json_str(&sb, e->handler.s, e->handler.len);
        else
            cr__sbuf_puts(&sb, "null");
        cr__sbuf_putc(&sb, '}');
    }
    cr__sbuf_puts(&sb, "],\"xcalls\":[");
    for (size_t i = 0; i < o->xcall_count; i++) {
        const cr__xcall_rec *x = &o->xcalls[i];
        cr__sbuf_puts(&sb, i ? ",{\"context_id\":" : "{\"context_id\":");
        hex_str(&sb, x->context_id, 32);
        cr__sbuf_puts(&sb, ",\"function\":");
        cr__sbuf_json_str(&sb, x->function.s, x->function.len);
        cr__sbuf_puts(&sb, ",\"params\":");
        text_or_hex(&sb, x->params, x->params_len);
        cr__sbuf_putc(&sb, '}');
    }
    cr__sbuf_puts(&sb, "],\"root_hash\":");
    if (o->has_root_hash)
        hex_str(&sb, o->root_hash, 32);
    else
        cr__sbuf_puts(&sb, "null");
    cr__sbuf_puts(&sb, ",\"artifact_len\":");
    cr__sbuf_u64(&sb, o->artifact_len);
    cr__sbuf_puts(&sb, ",\"artifact_sha256\":");
    if (o->artifact_len) {
        uint8_t h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, o->artifact, o->artifact_len);
        hex_str(&sb, h, sizeof h);
    } else {
        cr__sbuf_puts(&sb, "null");
    }
    /* borsh StorageDelta header: u8 tag (0 Actions, 1 Comparisons), u32 LE count */
    cr__sbuf_puts(&sb, ",\"artifact_actions\":");
    if (o->artifact_len >= 5) {
        cr__sbuf_puts(&sb, "{\"tag\":");
        if (o->artifact[0] == 0)
            cr__sbuf_puts(&sb, "\"Actions\"");
        else if (o->artifact[0] == 1)
            cr__sbuf_puts(&sb, "\"Comparisons\"");
        else
            cr__sbuf_u64(&sb, o->artifact[0]);
        cr__sbuf_puts(&sb, ",\"count\":");
        cr__sbuf_u64(&sb, cr__le32(o->artifact + 1));
        cr__sbuf_putc(&sb, '}');
    } else {
        cr__sbuf_puts(&sb, "null");
    }
    cr__sbuf_puts(&sb, ",\"proposals\":[");
    for (size_t i = 0; i < o->proposal_count; i++) {
        cr__sbuf_puts(&sb, i ? ",{\"id\":" : "{\"id\":");
        hex_str(&sb, o->proposals[i].id, 32);
        cr__sbuf_puts(&sb, ",\"actions\":");
        hex_str(&sb, o->proposals[i].actions, o->proposals[i].actions_len);
        cr__sbuf_putc(&sb, '}');
    }
    cr__sbuf_puts(&sb, "],\"approvals\":[");
    for (size_t i = 0; i < o->approval_count; i++) {
        if (i) cr__sbuf_putc(&sb, ',');
        hex_str(&sb, o->approvals[i], 32);
    }
    cr__sbuf_puts(&sb, "],\"host_calls\":{");
    for (size_t i = 0; i < o->host_call_count; i++) {
        if (i) cr__sbuf_putc(&sb, ',');
        const char *name = cr__imports[o->host_calls[i].id].name;
        cr__sbuf_json_str(&sb, name, strlen(name));
        cr__sbuf_putc(&sb, ':');
        cr__sbuf_u64(&sb, o->host_calls[i].count);
    }
    cr__sbuf_puts(&sb, "}}");
    const char *s = cr__sbuf_cstr(&sb);
    char *copy = s ? cr__arena_dup(&o->arena, o->eng, s, sb.len) : NULL;
    size_t n = sb.len;
    cr__sbuf_free(&sb);
    if (!copy) {
        if (err) {
            memset(err, 0, sizeof *err);
            err->st = CR_ERR_NOMEM;
            strcpy(err->message, "out of memory");
        }
        return CR_ERR_NOMEM;
    }
    o->json = copy;
    o->json_len = n;
    *json = copy;
    if (len) *len = n;
    return CR_OK;
}
