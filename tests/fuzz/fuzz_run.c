/*
 * fuzz_run.c: libFuzzer target for instantiation and execution. An accepted module gets
 * stub imports (host functions returning zeros, fresh tables, memories and globals),
 * then every exported function is called with zero arguments. Metering bounds each
 * call, and small memory, table and call-depth limits keep runs cheap; traps are fine,
 * crashes are not.
 */
#include "wasm.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define FUEL        20000
#define MAX_PAGES   16
#define MAX_ELEMS   4096
#define MAX_DEPTH   256
#define MAX_RESULTS 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every imported function: returns zeros. */
static wa_status stub(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    const wa_functype *type = env;
    (void)cx;
    (void)args;
    for (uint32_t i = 0; i < type->result_count; i++)
        results[i] = 0;
    return WA_OK;
}

typedef struct stubs {
    wa_extern *ext;
    uint32_t count;
} stubs;

static void stubs_free(stubs *s)
{
    for (uint32_t i = 0; i < s->count; i++) {
        switch (s->ext[i].kind) {
        case WA_EXTERN_FUNC:
            wa_func_destroy(s->ext[i].u.func);
            break;
        case WA_EXTERN_TABLE:
            wa_table_destroy(s->ext[i].u.table);
            break;
        case WA_EXTERN_MEMORY:
            wa_memory_destroy(s->ext[i].u.memory);
            break;
        case WA_EXTERN_GLOBAL:
            wa_global_destroy(s->ext[i].u.global);
            break;
        }
    }
    free(s->ext);
}

/* Makes one object per import, matching its declared type. False if one is too big. */
static bool stubs_make(const wa_config *cfg, const wa_module *m, stubs *s)
{
    uint32_t n = wa_module_import_count(m);
    s->ext = calloc(n ? n : 1, sizeof *s->ext);
    s->count = 0;
    if (!s->ext) return false;
    for (uint32_t i = 0; i < n; i++) {
        wa_extern_desc d;
        wa_module_import(m, i, &d);
        wa_extern *e = &s->ext[i];
        e->kind = d.kind;
        bool ok = false;
        switch (d.kind) {
        case WA_EXTERN_FUNC:
            /* env: the import's own type (owned by the module, which outlives it) */
            e->u.func = wa_func_new_host(cfg, d.func, stub, (void *)d.func);
            ok = e->u.func != NULL;
            break;
        case WA_EXTERN_TABLE:
            if (d.limits.min <= MAX_ELEMS) {
                e->u.table = wa_table_new(cfg, d.elem_type, d.limits);
                ok = e->u.table != NULL;
            }
            break;
        case WA_EXTERN_MEMORY:
            if (d.limits.min <= MAX_PAGES) {
                e->u.memory = wa_memory_new(cfg, d.limits);
                ok = e->u.memory != NULL;
            }
            break;
        case WA_EXTERN_GLOBAL:
            e->u.global = wa_global_new(cfg, d.global_type, d.global_mutable, 0);
            ok = e->u.global != NULL;
            break;
        }
        if (!ok) return false;
        s->count = i + 1;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wa_config cfg = wa_config_default();
    cfg.metering = true;
    cfg.max_memory_pages = MAX_PAGES;
    cfg.max_table_elems = MAX_ELEMS;
    cfg.max_call_depth = MAX_DEPTH;
    cfg.stack_bytes = 256 * 1024;
    wa_module *m = NULL;
    wa_error err;
    if (wa_module_create(&cfg, data, size, &m, &err) != WA_OK) return 0;

    stubs s = {NULL, 0};
    wa_thread *th = wa_thread_create(&cfg);
    wa_instance *inst = NULL;
    wa_value *args = calloc(MAX_RESULTS, sizeof *args);
    wa_value *results = calloc(MAX_RESULTS, sizeof *results);
    if (!th || !args || !results || !stubs_make(&cfg, m, &s)) goto done;
    wa_thread_set_fuel(th, FUEL);
    if (wa_instance_create(m, s.ext, s.count, th, &inst, &err) != WA_OK) goto done;
    uint32_t n = wa_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wa_extern_desc d;
        wa_extern e;
        wa_module_export(m, i, &d);
        if (d.kind != WA_EXTERN_FUNC || wa_instance_export(inst, d.name, d.name_len, &e) != WA_OK)
            continue;
        const wa_functype *t = wa_func_type(e.u.func);
        if (t->param_count > MAX_RESULTS || t->result_count > MAX_RESULTS) continue;
        wa_thread_set_fuel(th, FUEL);
        wa_call(th, e.u.func, args, t->param_count, results, t->result_count, &err);
    }
done:
    wa_instance_destroy(inst);
    wa_thread_destroy(th);
    stubs_free(&s);
    wa_module_destroy(m);
    free(args);
    free(results);
    return 0;
}
