/*
 * run.c: one guest call, upstream's Module::run (runtime-model.md §3): method-name
 * check, fresh instance with the host functions bound to this run's logic, the
 * `memory` export, the merge hook, method lookup and signature check, the call, and
 * finish. Host calls enter through one trampoline that counts them, converts the
 * arguments, runs the handler and turns its failure into an engine trap.
 */
#include "logic.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Binding of one import to this run: the handler's id and the logic. */
typedef struct binding {
    cr_logic *vl;
    uint16_t id;
} binding;

static void trace_call(cr_logic *vl, uint16_t id, const uint64_t *args, const uint64_t *ret,
                       cr_status st)
{
    const cr_engine_config *c = &vl->eng->cfg;
    const cr__import *imp = &cr__imports[id];
    const char *error = NULL;
    cr__sbuf sb = {.eng = vl->eng};
    if (st == CR_ERR_HOST && vl->has_err) {
        cr__fcerr_display(&vl->err, &sb);
        error = cr__sbuf_cstr(&sb);
    } else if (st != CR_OK) {
        error = vl->fatal_message[0] ? vl->fatal_message : cr_status_str(st);
    }
    c->trace(c->trace_ud, imp->name, args, (uint32_t)strlen(imp->params),
             st == CR_OK && imp->results[0] ? ret : NULL, error ? error : (st ? "failed" : NULL));
    cr__sbuf_free(&sb);
}

static wa_status trampoline(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    binding *b = env;
    cr_logic *vl = b->vl;
    const cr__import *imp = &cr__imports[b->id];
    if (vl->calls[b->id]++ == 0) vl->call_order[vl->call_order_len++] = b->id;
    uint64_t a[8];
    size_t np = strlen(imp->params);
    for (size_t i = 0; i < np; i++)
        a[i] = imp->params[i] == 'i' ? (uint32_t)args[i] : (uint64_t)args[i];
    uint64_t ret = 0;
    cr_status st;
    vl->has_err = false;
    if (!vl->mem) {
        /* memory is attached only after instantiation: a start function's host calls
           fail, and the trap maps to Indeterminate (runtime-model.md §3) */
        st = cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    } else {
        st = imp->fn(vl, a, &ret);
    }
    if (vl->eng->cfg.trace) trace_call(vl, b->id, a, &ret, st);
    if (st == CR_OK) {
        if (imp->results[0])
            results[0] = imp->results[0] == 'i' ? (wa_value)(uint32_t)ret : (wa_value)ret;
        return WA_OK;
    }
    if (st != CR_ERR_HOST) cr__logic_fatal(vl, st, cr_status_str(st));
    wa_call_ctx_trap(cx, WA_TRAP_HOST, imp->name);
    return WA_ERR_TRAP;
}

/*
 * What a run needs besides its instance, kept from one run to the next: the thread
 * (stacks and fuel), the memory cache (the last instance's linear memory, cleared),
 * one host function object per import id, made on first use and bound to the
 * context's logic, and the import array. The engine keeps idle contexts in a small
 * lock-free pool (CR__POOL_SLOTS): a run takes one or makes one, and gives it back.
 */
struct cr__runctx {
    const cr_engine *eng;
    wa_thread *th;
    wa_memcache *mc;
    wa_extern *externs;
    size_t extern_cap;
    cr_logic vl;
    binding binds[CR_IMPORT_COUNT];
    wa_func *funcs[CR_IMPORT_COUNT];
};

/* Resident guest memory a pooled context keeps between runs (bytes). */
enum { KEEP_MEMORY = 8 << 20 };

void cr__runctx_destroy(cr__runctx *c)
{
    if (!c) return;
    const cr_engine *eng = c->eng;
    for (size_t i = 0; i < CR_IMPORT_COUNT; i++)
        wa_func_destroy(c->funcs[i]);
    wa_memcache_destroy(c->mc);
    wa_thread_destroy(c->th);
    cr__free(eng, c->externs, c->extern_cap * sizeof *c->externs);
    cr__free(eng, c, sizeof *c);
}

static cr__runctx *runctx_take(const cr_engine *eng)
{
    for (size_t i = 0; i < CR__POOL_SLOTS; i++) {
        cr__runctx *c = atomic_exchange_explicit(&eng->pool[i], NULL, memory_order_acquire);
        if (c) return c;
    }
    cr__runctx *c = cr__alloc(eng, sizeof *c);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    c->eng = eng;
    c->th = wa_thread_create(&eng->wcfg);
    c->mc = wa_memcache_create(&eng->wcfg, KEEP_MEMORY);
    if (!c->th || !c->mc) {
        cr__runctx_destroy(c);
        return NULL;
    }
    for (uint16_t i = 0; i < CR_IMPORT_COUNT; i++) {
        c->binds[i].vl = &c->vl;
        c->binds[i].id = i;
    }
    return c;
}

static void runctx_give(const cr_engine *eng, cr__runctx *c)
{
    for (size_t i = 0; i < CR__POOL_SLOTS; i++) {
        cr__runctx *expected = NULL;
        if (atomic_compare_exchange_strong_explicit(&eng->pool[i], &expected, c,
                                                    memory_order_release, memory_order_relaxed))
            return;
    }
    cr__runctx_destroy(c);
}

/* The context's host function for import id, made on first use; NULL on NOMEM. */
static wa_func *host_func(cr__runctx *c, uint16_t id)
{
    if (c->funcs[id]) return c->funcs[id];
    const cr__import *imp = &cr__imports[id];
    uint8_t vals[16];
    wa_functype ft = {(uint32_t)strlen(imp->params), (uint32_t)strlen(imp->results), vals,
                      vals + 8};
    for (uint32_t i = 0; i < ft.param_count; i++)
        vals[i] = imp->params[i] == 'i' ? WA_I32 : WA_I64;
    for (uint32_t i = 0; i < ft.result_count; i++)
        vals[8 + i] = imp->results[i] == 'i' ? WA_I32 : WA_I64;
    c->funcs[id] = wa_func_new_host(&c->eng->wcfg, &ft, trampoline, &c->binds[id]);
    return c->funcs[id];
}

/* One run: its context (logic inside), its instance, and whether fuel was set. */
typedef struct run_state {
    const cr_module *m;
    cr__runctx *ctx;
    cr_logic *vl;
    wa_instance *inst;
    bool fueled;
} run_state;

static void run_state_free(run_state *rs)
{
    wa_instance_destroy_cached(rs->inst, rs->ctx->mc);
    rs->inst = NULL;
    cr__logic_release(rs->vl);
}

static void set_simple(cr__fcerr *e, cr_call_error kind, int variant)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->variant = variant;
}

/* Panic{Guest, "internal error: entered unreachable code", Unknown}: upstream's
   unreachable!() on an export of the wrong kind, caught around the run. */
static void set_unreachable_panic(cr__fcerr *e)
{
    static const char msg[] = "internal error: entered unreachable code";
    set_simple(e, CR_CALL_HOST, CR_HOST_PANIC);
    e->s = msg;
    e->s_len = sizeof msg - 1;
}

/* The error of a failed wa_call / instantiation (§11.4). */
static void error_from_call(run_state *rs, const wa_error *we, cr__fcerr *e)
{
    if (we->trap == WA_TRAP_HOST && rs->vl->has_err) {
        *e = rs->vl->err;
        return;
    }
    if (we->trap == WA_TRAP_OUT_OF_FUEL) {
        set_simple(e, CR_CALL_GAS_EXHAUSTED, 0);
        e->a = rs->m->eng->cfg.limits.max_gas;
        return;
    }
    set_simple(e, CR_CALL_WASM_TRAP, (int)cr__trap_from_wa(we->trap));
}

static void set_link_error(cr__fcerr *e, const char *msg)
{
    set_simple(e, CR_CALL_LINK, 0);
    e->s = msg;
    e->s_len = strlen(msg);
}

static bool is_nullary(const wa_functype *ft)
{
    return ft && ft->param_count == 0 && ft->result_count == 0;
}

/*
 * Steps 2-7 of the run flow. Returns CR_OK with *e set to the call's error (kind
 * CR_CALL_OK on success), or a fatal status. link_msg receives engine link texts.
 */
static cr_status execute(run_state *rs, const char *method, size_t method_len, cr__fcerr *e,
                         char *link_msg, size_t link_cap)
{
    const cr_module *m = rs->m;
    const cr_engine *eng = m->eng;
    uint32_t n = m->import_count;
    set_simple(e, CR_CALL_OK, 0);
    if (m->link_failed) {
        set_link_error(e, m->link_message);
        return CR_OK;
    }
    cr__runctx *c = rs->ctx;
    if (n) {
        void *ex = c->externs;
        if (!cr__grow(eng, &ex, &c->extern_cap, n, sizeof *c->externs)) return CR_ERR_NOMEM;
        c->externs = ex;
        for (uint32_t i = 0; i < n; i++) {
            c->externs[i].kind = WA_EXTERN_FUNC;
            c->externs[i].u.func = host_func(c, m->import_ids[i]);
            if (!c->externs[i].u.func) return CR_ERR_NOMEM;
        }
    }
    wa_thread_set_fuel(c->th, eng->cfg.limits.max_gas);
    rs->fueled = true;

    wa_error we;
    memset(&we, 0, sizeof we);
    wa_status ws = wa_instance_create_cached(m->wm, c->externs, n, c->th, c->mc, &rs->inst, &we);
    if (ws != WA_OK) {
        /* on a trap the engine still hands back the failed instance (run_state_free
           destroys it); on other failures rs->inst is NULL */
        if (rs->vl->fatal != CR_OK) return rs->vl->fatal;
        if (ws == WA_ERR_NOMEM) return CR_ERR_NOMEM;
        if (ws == WA_ERR_TRAP) {
            /* a host error inside a start function is not unwrapped: Indeterminate */
            if (we.trap == WA_TRAP_HOST)
                set_simple(e, CR_CALL_WASM_TRAP, CR_TRAP_INDETERMINATE);
            else
                error_from_call(rs, &we, e);
            return CR_OK;
        }
        /* link and resource failures (e.g. a memory minimum above max_memory_pages):
           wasmer reports these as LinkError */
        snprintf(link_msg, link_cap, "%s", we.message[0] ? we.message : wa_status_str(ws));
        set_link_error(e, link_msg);
        return CR_OK;
    }

    wa_extern ex;
    if (wa_instance_export(rs->inst, "memory", 6, &ex) != WA_OK) {
        set_simple(e, CR_CALL_METHOD_RESOLUTION, CR_METHOD_METHOD_NOT_FOUND);
        e->s = "memory";
        e->s_len = 6;
        return CR_OK;
    }
    if (ex.kind != WA_EXTERN_MEMORY) {
        set_unreachable_panic(e);
        return CR_OK;
    }
    rs->vl->mem = ex.u.memory;

    /* the merge hook: called when exported as () -> (); its failures are ignored but
       its side effects stay (§3 step 4) */
    static const char merge[] = "__calimero_register_merge";
    if (wa_instance_export(rs->inst, merge, sizeof merge - 1, &ex) == WA_OK &&
        ex.kind == WA_EXTERN_FUNC && is_nullary(wa_func_type(ex.u.func))) {
        memset(&we, 0, sizeof we);
        ws = wa_call(c->th, ex.u.func, NULL, 0, NULL, 0, &we);
        if (rs->vl->fatal != CR_OK) return rs->vl->fatal;
        if (ws == WA_ERR_NOMEM) return CR_ERR_NOMEM;
        rs->vl->has_err = false;
    }

    if (wa_instance_export(rs->inst, method, method_len, &ex) != WA_OK) {
        set_simple(e, CR_CALL_METHOD_RESOLUTION, CR_METHOD_METHOD_NOT_FOUND);
        e->s = method;
        e->s_len = method_len;
        return CR_OK;
    }
    if (ex.kind != WA_EXTERN_FUNC) {
        set_unreachable_panic(e);
        return CR_OK;
    }
    if (!is_nullary(wa_func_type(ex.u.func))) {
        set_simple(e, CR_CALL_METHOD_RESOLUTION, CR_METHOD_INVALID_SIGNATURE);
        e->s = method;
        e->s_len = method_len;
        return CR_OK;
    }
    memset(&we, 0, sizeof we);
    rs->vl->has_err = false;
    ws = wa_call(c->th, ex.u.func, NULL, 0, NULL, 0, &we);
    if (rs->vl->fatal != CR_OK) return rs->vl->fatal;
    if (ws == WA_OK) return CR_OK;
    if (ws == WA_ERR_NOMEM) return CR_ERR_NOMEM;
    if (ws != WA_ERR_TRAP) {
        /* an engine failure outside the guest's control (upstream: a wasmer panic) */
        static const char msg[] = "engine failure";
        set_simple(e, CR_CALL_HOST, CR_HOST_PANIC);
        e->s = we.message[0] ? we.message : msg;
        e->s_len = strlen(e->s);
        return CR_OK;
    }
    error_from_call(rs, &we, e);
    return CR_OK;
}

static cr_status fail(cr_error *err, cr_status st, const char *msg)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->st = st;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return st;
}

CR_API cr_run_params cr_run_params_default(void)
{
    cr_run_params p;
    memset(&p, 0, sizeof p);
    p.method_len = CR_STRLEN;
    return p;
}

CR_API cr_status cr_run(const cr_module *m, const cr_run_params *p, cr_outcome **out, cr_error *err)
{
    if (!m || !p || !out || !p->storage || !p->storage->ops || (!p->method && p->method_len))
        return fail(err, CR_ERR_ARG,
                    "invalid argument: module, params, storage and out are required");
    if (p->input_len && !p->input) return fail(err, CR_ERR_ARG, "invalid argument: input is NULL");
    *out = NULL;
    const char *method = p->method ? p->method : "";
    size_t method_len = p->method_len == CR_STRLEN ? strlen(method) : p->method_len;
    if (!cr__utf8_valid((const uint8_t *)method, method_len))
        return fail(err, CR_ERR_ARG, "invalid argument: method name is not valid UTF-8");

    const cr_engine *eng = m->eng;
    cr_outcome *o;
    if (cr__outcome_create(eng, &o) != CR_OK) return fail(err, CR_ERR_NOMEM, "out of memory");

    cr__runctx *ctx = runctx_take(eng);
    if (!ctx) {
        cr_outcome_destroy(o);
        return fail(err, CR_ERR_NOMEM, "out of memory");
    }
    run_state rs;
    memset(&rs, 0, sizeof rs);
    rs.m = m;
    rs.ctx = ctx;
    rs.vl = &ctx->vl;
    cr__logic_init(rs.vl, eng, p, o);

    cr__fcerr e;
    char link_msg[256];
    link_msg[0] = 0;
    cr_status st = CR_OK;
    if (cr__method_name_check(method, method_len, eng->cfg.limits.max_method_name_length, &e))
        st = execute(&rs, method, method_len, &e, link_msg, sizeof link_msg);
    if (rs.fueled) o->gas_used = eng->cfg.limits.max_gas - wa_thread_fuel(ctx->th);
    if (st == CR_OK) st = cr__logic_finish(rs.vl, &e);
    const char *fatal_msg = rs.vl->fatal_message[0] ? rs.vl->fatal_message : cr_status_str(st);
    if (st != CR_OK) fail(err, st, fatal_msg);
    run_state_free(&rs);
    runctx_give(eng, ctx);
    if (st != CR_OK) {
        cr_outcome_destroy(o);
        return st;
    }
    *out = o;
    return CR_OK;
}
