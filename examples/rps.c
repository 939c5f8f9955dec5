/*
 * rps.c: requests per second of the kv-store app with a fresh instance per call
 * (upstream's flow: every call is a cr_run, staged and committed as the node does), on
 * the in-memory store and on LMDB. The same measurement as the reference host's
 * bench.js: init, 100 keys, a warm-up, then `get` and `set` calls on key i % 100, each
 * timed; calls per second over the whole loop and the median call.
 *
 *   rps [--app FILE] [--calls N] [--warmup N] [--store memory|lmdb|lmdb-nosync] [--json]
 *
 * Prints a table for every store, then with --json one line
 * {"get":{"per_s":..,"p50_us":..},"set":{"per_s":..,"p50_us":..}} for the store named
 * by --store (memory by default). lmdb syncs every commit to disk; lmdb-nosync does not
 * (it survives a killed process, not a power cut).
 */
#include "example.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef CR_DEMO_APP
#define CR_DEMO_APP "kv_store.wasm"
#endif

enum { KEYS = 100 };

typedef enum store_kind { STORE_MEMORY, STORE_LMDB, STORE_LMDB_NOSYNC, STORE_KINDS } store_kind;
static const char *const store_names[STORE_KINDS] = {"memory", "lmdb", "lmdb-nosync"};

typedef struct result {
    double per_s, p50_us;
} result;

typedef struct bench {
    const cr_module *mod;
    const cr_engine *eng;
    cr_storage *storage;
    cr_stage *stage;
    cr_step_clock clock;
    cr_splitmix random;
    double *times; /* per-call microseconds */
} bench;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One call the node's way: run against the stage, commit or drop its writes. */
static bool call(bench *b, const char *method, const char *input)
{
    cr_run_params p = cr_run_params_default();
    p.method = method;
    p.input = (const uint8_t *)input;
    p.input_len = strlen(input);
    p.storage = cr_stage_storage(b->stage);
    p.clock.now = cr_step_clock_now;
    p.clock.ud = &b->clock;
    p.random.fill = cr_splitmix_fill;
    p.random.ud = &b->random;
    cr_outcome *o = NULL;
    cr_error err;
    if (cr_run(b->mod, &p, &o, &err) != CR_OK) {
        fprintf(stderr, "rps: %s: %s\n", method, err.message);
        return false;
    }
    bool ok = cr_outcome_error(o) == CR_CALL_OK;
    if (!ok) fprintf(stderr, "rps: %s %s failed: %s\n", method, input, cr_outcome_error_display(o));
    if (ok && example_should_commit(method, o)) {
        if (cr_stage_commit(b->stage, &err) != CR_OK) {
            fprintf(stderr, "rps: commit: %s\n", err.message);
            ok = false;
        }
    } else {
        cr_stage_clear(b->stage);
    }
    cr_outcome_destroy(o);
    return ok;
}

static void make_input(char *buf, size_t cap, bool set, int i)
{
    if (set)
        snprintf(buf, cap, "{\"key\":\"key%d\",\"value\":\"v%d\"}", i % KEYS, i);
    else
        snprintf(buf, cap, "{\"key\":\"key%d\"}", i % KEYS);
}

static bool measure(bench *b, bool set, int calls, int warmup, result *r)
{
    const char *method = set ? "set" : "get";
    char input[128];
    for (int i = 0; i < warmup; i++) {
        make_input(input, sizeof input, set, i);
        if (!call(b, method, input)) return false;
    }
    double t0 = now_us();
    for (int i = 0; i < calls; i++) {
        make_input(input, sizeof input, set, i);
        double t = now_us();
        if (!call(b, method, input)) return false;
        b->times[i] = now_us() - t;
    }
    double total = now_us() - t0;
    qsort(b->times, (size_t)calls, sizeof *b->times, cmp_double);
    r->per_s = calls / (total / 1e6);
    r->p50_us = b->times[calls / 2];
    return true;
}

/* Runs the whole measurement on one store kind. */
static bool run_store(const cr_engine *eng, const cr_module *mod, store_kind kind, int calls,
                      int warmup, result *get, result *set)
{
    bench b = {.mod = mod, .eng = eng};
    b.clock = (cr_step_clock){1700000000000000000ull, 1000, 0};
    b.random.state = 1;
    b.times = malloc((size_t)calls * sizeof *b.times);
    char dir[512] = "";
    cr_lmdb *db = NULL;
    cr_error err;
    bool ok = false;
    if (!b.times) goto out;
    if (kind == STORE_MEMORY) {
        if (cr_memory_storage_create(eng, &b.storage, &err) != CR_OK) goto fail;
    } else {
        cr_lmdb_config cfg = cr_lmdb_config_default();
        if (kind == STORE_LMDB_NOSYNC) cfg.flags |= CR_LMDB_NOSYNC;
        if (!example_tmpdir(dir, sizeof dir)) {
            perror("rps: temporary store");
            goto out;
        }
        if (cr_lmdb_open(eng, dir, &cfg, &db, &err) != CR_OK ||
            cr_lmdb_storage_open(db, "state", &b.storage, &err) != CR_OK)
            goto fail;
    }
    if (cr_stage_create(eng, b.storage, &b.stage, &err) != CR_OK) goto fail;
    if (!call(&b, "init", "")) goto out;
    for (int i = 0; i < KEYS; i++) {
        char input[128];
        snprintf(input, sizeof input, "{\"key\":\"key%d\",\"value\":\"value%d\"}", i, i);
        if (!call(&b, "set", input)) goto out;
    }
    ok = measure(&b, false, calls, warmup, get) && measure(&b, true, calls, warmup, set);
    goto out;
fail:
    fprintf(stderr, "rps: %s\n", err.message);
out:
    cr_stage_destroy(b.stage);
    cr_storage_destroy(b.storage);
    cr_lmdb_close(db);
    if (dir[0]) example_rmdir(dir);
    free(b.times);
    return ok;
}

static int usage(void)
{
    fprintf(stderr, "usage: rps [--app FILE] [--calls N] [--warmup N] "
                    "[--store memory|lmdb|lmdb-nosync] [--json]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *app = CR_DEMO_APP;
    int calls = 2000, warmup = 300;
    store_kind report = STORE_MEMORY;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--app") && v) {
            app = v;
            i++;
        } else if (!strcmp(a, "--calls") && v) {
            calls = atoi(v);
            i++;
        } else if (!strcmp(a, "--warmup") && v) {
            warmup = atoi(v);
            i++;
        } else if (!strcmp(a, "--store") && v) {
            i++;
            report = STORE_KINDS;
            for (int k = 0; k < STORE_KINDS; k++)
                if (!strcmp(v, store_names[k])) report = (store_kind)k;
            if (report == STORE_KINDS) return usage();
        } else {
            return usage();
        }
    }
    if (calls < 1 || warmup < 0) return usage();

    size_t wasm_len;
    uint8_t *wasm = example_read_file(app, &wasm_len);
    if (!wasm) return 1;
    cr_engine *eng = NULL;
    cr_module *mod = NULL;
    cr_error err;
    cr_engine_config cfg = cr_engine_config_default();
    int rc = 1;
    if (cr_engine_create(&cfg, &eng, &err) != CR_OK ||
        cr_module_compile(eng, wasm, wasm_len, &mod, &err) != CR_OK) {
        fprintf(stderr, "rps: %s: %s\n", app, err.message);
        goto out;
    }
    printf("%s: %d calls after %d warm-up, %d keys in store, fresh instance per call\n", app, calls,
           warmup, KEYS);
    printf("%-12s %12s %11s %12s %11s\n", "store", "get calls/s", "get p50 us", "set calls/s",
           "set p50 us");
    result res[STORE_KINDS][2];
    for (int k = 0; k < STORE_KINDS; k++) {
        if (!run_store(eng, mod, (store_kind)k, calls, warmup, &res[k][0], &res[k][1])) goto out;
        printf("%-12s %12.0f %11.1f %12.0f %11.1f\n", store_names[k], res[k][0].per_s,
               res[k][0].p50_us, res[k][1].per_s, res[k][1].p50_us);
        fflush(stdout);
    }
    if (json)
        printf(
            "{\"get\":{\"per_s\":%.0f,\"p50_us\":%.1f},\"set\":{\"per_s\":%.0f,\"p50_us\":%.1f}}\n",
            res[report][0].per_s, res[report][0].p50_us, res[report][1].per_s,
            res[report][1].p50_us);
    rc = 0;
out:
    cr_module_destroy(mod);
    cr_engine_destroy(eng);
    free(wasm);
    return rc;
}
