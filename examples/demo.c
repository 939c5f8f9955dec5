/*
 * demo.c: the kv-store app driven through the calls of upstream's runtime demo
 * (runtime-model.md §13) against a persistent LMDB store, printing each outcome.
 *
 *   demo [APP.wasm] [--store DIR]
 *
 * Without --store the store is a fresh temporary directory, removed at the end. Each
 * call's writes are staged and committed the way the node commits them.
 */
#include "example.h"

#include <stdlib.h>
#include <string.h>

#ifndef CR_DEMO_APP
#define CR_DEMO_APP "kv_store.wasm"
#endif

typedef struct call {
    const char *method;
    const char *input;
} call;

static const call calls[] = {
    {"init", ""},
    {"get", "{\"key\":\"foo\"}"},
    {"set", "{\"key\":\"foo\",\"value\":\"bar\"}"},
    {"get", "{\"key\":\"foo\"}"},
    {"entries", "{}"},
    {"set", "{\"key\":\"foo\",\"value\":\"baz\"}"},
    {"get", "{\"key\":\"foo\"}"},
    {"set", "{\"key\":\"name\",\"value\":\"Jane\"}"},
    {"get", "{\"key\":\"name\"}"},
    {"entries", "{}"},
    {"get_result", "{\"key\":\"foo\"}"},
    {"get_result", "{\"key\":\"height\"}"}, /* an error return */
    {"get_unchecked", "{\"key\":\"name\"}"},
    {"get_unchecked", "{\"key\":\"age\"}"}, /* a guest panic */
    {"remove", "{\"key\":\"foo\"}"},
    {"entries", "{}"},
};

static int usage(void)
{
    fprintf(stderr, "usage: demo [APP.wasm] [--store DIR]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *app = CR_DEMO_APP, *store = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--store") && i + 1 < argc)
            store = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return usage() - 2;
        else if (argv[i][0] != '-')
            app = argv[i];
        else
            return usage();
    }

    char tmp[512] = "";
    if (!store) {
        if (!example_tmpdir(tmp, sizeof tmp)) {
            perror("temporary store");
            return 1;
        }
        store = tmp;
    }
    size_t wasm_len;
    uint8_t *wasm = example_read_file(app, &wasm_len);
    if (!wasm) return 1;

    int rc = 1;
    cr_error err;
    cr_engine *eng = NULL;
    cr_module *mod = NULL;
    cr_lmdb *db = NULL;
    cr_storage *state = NULL;
    cr_engine_config cfg = cr_engine_config_default();
    cr_log log;
    if (cr_log_init(&log, NULL, &err) != CR_OK) fprintf(stderr, "warning: %s\n", err.message);
    cr_log_attach(&log, &cfg);
    if (cr_engine_create(&cfg, &eng, &err) != CR_OK ||
        cr_module_compile(eng, wasm, wasm_len, &mod, &err) != CR_OK ||
        cr_lmdb_open(eng, store, NULL, &db, &err) != CR_OK ||
        cr_lmdb_storage_open(db, "state", &state, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto out;
    }
    printf("app %s (%zu bytes), store %s%s\n", app, wasm_len, store, tmp[0] ? " (temporary)" : "");

    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        const call *c = &calls[i];
        cr_stage *st = NULL;
        cr_outcome *o = NULL;
        if (cr_stage_create(eng, state, &st, &err) != CR_OK) {
            fprintf(stderr, "error: %s\n", err.message);
            goto out;
        }
        cr_run_params p = cr_run_params_default(); /* context and executor: zero */
        p.method = c->method;
        p.input = (const uint8_t *)c->input;
        p.input_len = strlen(c->input);
        p.storage = cr_stage_storage(st);
        printf("\n%s%s%s\n", c->method, c->input[0] ? " " : "", c->input);
        if (cr_run(mod, &p, &o, &err) != CR_OK) {
            fprintf(stderr, "error: %s\n", err.message);
            cr_stage_destroy(st);
            goto out;
        }
        example_print_outcome(stdout, o);
        bool keep = example_should_commit(c->method, o);
        if (keep && cr_stage_commit(st, &err) != CR_OK) {
            fprintf(stderr, "error: commit: %s\n", err.message);
            cr_outcome_destroy(o);
            cr_stage_destroy(st);
            goto out;
        }
        printf("  storage:   %s\n", keep ? "committed" : "unchanged");
        cr_outcome_destroy(o);
        cr_stage_destroy(st);
    }
    rc = 0;
out:
    cr_storage_destroy(state);
    cr_lmdb_close(db);
    cr_module_destroy(mod);
    cr_engine_destroy(eng);
    free(wasm);
    if (tmp[0]) example_rmdir(tmp);
    return rc;
}
