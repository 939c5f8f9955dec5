/*
 * embed.c: the smallest embedding of the library, quoted in the README. Compiles an app
 * once, then runs `init`, `set` and `get` with a fresh instance per call on an
 * in-memory store, committing each call's writes only when the call succeeded.
 * Usage: embed APP.wasm
 */
#include <calimero/runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int call(const cr_module *mod, cr_storage *store, const char *method, const char *input)
{
    cr_error err;
    cr_stage *stage = NULL;
    if (cr_stage_create(NULL, store, &stage, &err) != CR_OK)
        return fprintf(stderr, "error: %s\n", err.message), 1;

    cr_run_params p = cr_run_params_default(); /* zero context and executor ids */
    p.method = method;
    p.input = (const uint8_t *)input;
    p.input_len = strlen(input);
    p.storage = cr_stage_storage(stage);

    cr_outcome *out = NULL;
    if (cr_run(mod, &p, &out, &err) != CR_OK) {
        cr_stage_destroy(stage);
        return fprintf(stderr, "error: %s\n", err.message), 1;
    }
    const uint8_t *ret;
    size_t len;
    int rc = 0;
    if (cr_outcome_error(out) != CR_CALL_OK) {
        printf("%s: %s\n", method, cr_outcome_error_display(out));
        rc = 1;
    } else {
        if (cr_outcome_returns(out, &ret, &len))
            printf("%s -> %.*s\n", method, (int)len, (const char *)ret);
        else
            printf("%s -> (nothing)\n", method);
        /* the node's rule: keep writes of a call that committed a root hash, or of init */
        if ((cr_outcome_root_hash(out) || !strcmp(method, "init")) &&
            cr_stage_commit(stage, &err) != CR_OK) {
            fprintf(stderr, "error: %s\n", err.message);
            rc = 1;
        }
    }
    cr_outcome_destroy(out);
    cr_stage_destroy(stage);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) return fprintf(stderr, "usage: embed APP.wasm\n"), 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f) return perror(argv[1]), 1;
    static uint8_t wasm[16 << 20];
    size_t n = fread(wasm, 1, sizeof wasm, f);
    fclose(f);

    cr_error err;
    cr_engine_config cfg = cr_engine_config_default(); /* upstream's default limits */
    cr_engine *eng = NULL;
    cr_module *mod = NULL;
    cr_storage *store = NULL;
    int rc = 1;
    if (cr_engine_create(&cfg, &eng, &err) != CR_OK ||
        cr_module_compile(eng, wasm, n, &mod, &err) != CR_OK ||
        cr_memory_storage_create(eng, &store, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto done;
    }
    rc = call(mod, store, "init", "") ||
         call(mod, store, "set", "{\"key\":\"a\",\"value\":\"1\"}") ||
         call(mod, store, "get", "{\"key\":\"a\"}");
done:
    cr_storage_destroy(store);
    cr_module_destroy(mod);
    cr_engine_destroy(eng);
    return rc;
}
