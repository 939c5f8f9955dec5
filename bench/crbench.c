/*
 * crbench.c: times the engine through wasm.h, in-process, one measurement per repetition.
 *
 *   crbench [--fuel] [--reps R] --run FILE N    instantiate once, then time run(N) R times
 *   crbench [--fuel] [--reps R] [--threads T] --compile FILE
 *                                               time decode+validate+compile (module
 *                                               create + destroy) R times, with T compile
 *                                               threads (default: the engine's choice)
 *   crbench [--fuel] [--reps R] --instantiate FILE
 *                                               compile once, then time instance create +
 *                                               destroy R times; imports are bound to
 *                                               dummy objects of the declared types
 *
 * --fuel compiles with metering on; --no-jit interprets only (no machine code). Output lines: "checksum <u64>" (--run), "fuel <used>"
 * (--run --fuel: operators charged per call), "info code_bytes <n> compiled_bytes <n>"
 * (--compile) and "times_ms <t1> <t2> ...".
 */
#include "wasm.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REPS 100000

enum mode { MODE_NONE, MODE_RUN, MODE_COMPILE, MODE_INSTANTIATE };

typedef struct options {
    enum mode mode;
    const char *file;
    uint32_t n;
    int reps;
    bool fuel;
    uint32_t threads; /* compile threads (0: the engine's default) */
    bool no_jit;      /* interpret only */
} options;

/* The objects bound to a module's imports; every pointer is owned. */
typedef struct bindings {
    wa_extern *ext;
    uint32_t count;
} bindings;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fail(const char *what, const wa_error *err)
{
    fprintf(stderr, "error: %s: %s\n", what, err->message);
    return 1;
}

/* Reads a whole file; returns owned bytes (free()) or NULL with a message printed. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "error: cannot open %s\n", path);
        return NULL;
    }
    uint8_t *bytes = NULL;
    size_t cap = 0, used = 0;
    for (;;) {
        if (used == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(bytes, ncap);
            if (!nb) {
                fprintf(stderr, "error: out of memory reading %s\n", path);
                free(bytes);
                fclose(f);
                return NULL;
            }
            bytes = nb;
            cap = ncap;
        }
        size_t got = fread(bytes + used, 1, cap - used, f);
        used += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "error: cannot read %s\n", path);
        free(bytes);
        return NULL;
    }
    *len = used;
    return bytes;
}

/* A host function that does nothing and returns zeros; env is its wa_functype. */
static wa_status dummy_host(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    const wa_functype *type = env;
    (void)cx;
    (void)args;
    for (uint32_t i = 0; i < type->result_count; i++)
        results[i] = 0;
    return WA_OK;
}

static void bindings_free(bindings *b)
{
    for (uint32_t i = 0; i < b->count; i++) {
        wa_extern *e = &b->ext[i];
        switch (e->kind) {
        case WA_EXTERN_FUNC:
            wa_func_destroy(e->u.func);
            break;
        case WA_EXTERN_TABLE:
            wa_table_destroy(e->u.table);
            break;
        case WA_EXTERN_MEMORY:
            wa_memory_destroy(e->u.memory);
            break;
        case WA_EXTERN_GLOBAL:
            wa_global_destroy(e->u.global);
            break;
        }
    }
    free(b->ext);
    b->ext = NULL;
    b->count = 0;
}

/* Makes one dummy object per import of m, of the declared type. Returns 0 or 1. */
static int bindings_make(const wa_config *cfg, const wa_module *m, bindings *b)
{
    uint32_t count = wa_module_import_count(m);
    b->count = 0;
    b->ext = calloc(count ? count : 1, sizeof *b->ext);
    if (!b->ext) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    for (uint32_t i = 0; i < count; i++) {
        wa_extern_desc d;
        wa_module_import(m, i, &d);
        wa_extern *e = &b->ext[i];
        bool ok = false;
        e->kind = d.kind;
        switch (d.kind) {
        case WA_EXTERN_FUNC:
            e->u.func = wa_func_new_host(cfg, d.func, dummy_host, (void *)d.func);
            ok = e->u.func != NULL;
            break;
        case WA_EXTERN_TABLE:
            e->u.table = wa_table_new(cfg, d.elem_type, d.limits);
            ok = e->u.table != NULL;
            break;
        case WA_EXTERN_MEMORY:
            e->u.memory = wa_memory_new(cfg, d.limits);
            ok = e->u.memory != NULL;
            break;
        case WA_EXTERN_GLOBAL:
            e->u.global = wa_global_new(cfg, d.global_type, d.global_mutable, 0);
            ok = e->u.global != NULL;
            break;
        }
        if (!ok) {
            fprintf(stderr, "error: cannot make a binding for import %" PRIu32 " (%.*s.%.*s)\n", i,
                    (int)d.module_len, d.module, (int)d.name_len, d.name);
            bindings_free(b);
            return 1;
        }
        b->count = i + 1;
    }
    return 0;
}

static void print_times(const double *times, int reps)
{
    printf("times_ms");
    for (int r = 0; r < reps; r++)
        printf(" %.6f", times[r]);
    printf("\n");
}

static int bench_compile(const options *o, const uint8_t *bytes, size_t len, double *times)
{
    wa_config cfg = wa_config_default();
    cfg.jit = !o->no_jit;
    cfg.metering = o->fuel;
    cfg.compile_threads = o->threads;
    wa_error err;
    wa_module_info info;
    memset(&info, 0, sizeof info);
    for (int r = 0; r < o->reps; r++) {
        wa_module *m = NULL;
        double t0 = now_ms();
        wa_status st = wa_module_create(&cfg, bytes, len, &m, &err);
        if (st == WA_OK && r == 0) wa_module_info_get(m, &info);
        wa_module_destroy(m);
        times[r] = now_ms() - t0;
        if (st != WA_OK) return fail(o->file, &err);
    }
    printf("info code_bytes %zu compiled_bytes %zu\n", info.code_bytes, info.compiled_bytes);
    print_times(times, o->reps);
    return 0;
}

static int bench_instantiate(const options *o, const uint8_t *bytes, size_t len, double *times)
{
    wa_config cfg = wa_config_default();
    cfg.jit = !o->no_jit;
    cfg.metering = o->fuel;
    wa_error err;
    wa_module *m = NULL;
    if (wa_module_create(&cfg, bytes, len, &m, &err) != WA_OK) return fail(o->file, &err);
    bindings b = {NULL, 0};
    wa_thread *th = wa_thread_create(&cfg);
    int rc = 1;
    if (!th) {
        fprintf(stderr, "error: out of memory\n");
        goto done;
    }
    if (bindings_make(&cfg, m, &b) != 0) goto done;
    for (int r = 0; r < o->reps; r++) {
        wa_instance *inst = NULL;
        double t0 = now_ms();
        wa_status st = wa_instance_create(m, b.ext, b.count, th, &inst, &err);
        wa_instance_destroy(inst);
        times[r] = now_ms() - t0;
        if (st != WA_OK) {
            fail(o->file, &err);
            goto done;
        }
    }
    print_times(times, o->reps);
    rc = 0;
done:
    bindings_free(&b);
    wa_thread_destroy(th);
    wa_module_destroy(m);
    return rc;
}

static int bench_run(const options *o, const uint8_t *bytes, size_t len, double *times)
{
    wa_config cfg = wa_config_default();
    cfg.jit = !o->no_jit;
    cfg.metering = o->fuel;
    wa_error err;
    wa_module *m = NULL;
    if (wa_module_create(&cfg, bytes, len, &m, &err) != WA_OK) return fail(o->file, &err);
    bindings b = {NULL, 0};
    wa_instance *inst = NULL;
    wa_thread *th = wa_thread_create(&cfg);
    int rc = 1;
    if (!th) {
        fprintf(stderr, "error: out of memory\n");
        goto done;
    }
    if (bindings_make(&cfg, m, &b) != 0) goto done;
    if (wa_instance_create(m, b.ext, b.count, th, &inst, &err) != WA_OK) {
        fail(o->file, &err);
        goto done;
    }
    wa_extern run;
    if (wa_instance_export(inst, "run", 3, &run) != WA_OK || run.kind != WA_EXTERN_FUNC) {
        fprintf(stderr, "error: %s: no exported function \"run\"\n", o->file);
        goto done;
    }
    uint64_t checksum = 0, fuel_used = 0;
    for (int r = 0; r < o->reps; r++) {
        wa_value arg = o->n, result = 0;
        wa_thread_set_fuel(th, UINT64_MAX);
        double t0 = now_ms();
        wa_status st = wa_call(th, run.u.func, &arg, 1, &result, 1, &err);
        times[r] = now_ms() - t0;
        if (st != WA_OK) {
            fail(o->file, &err);
            goto done;
        }
        if (r > 0 && result != checksum) {
            fprintf(stderr, "error: %s: checksum changed between runs\n", o->file);
            goto done;
        }
        checksum = result;
        fuel_used = UINT64_MAX - wa_thread_fuel(th);
    }
    printf("checksum %" PRIu64 "\n", checksum);
    if (o->fuel) printf("fuel %" PRIu64 "\n", fuel_used);
    print_times(times, o->reps);
    rc = 0;
done:
    wa_instance_destroy(inst);
    bindings_free(&b);
    wa_thread_destroy(th);
    wa_module_destroy(m);
    return rc;
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--fuel] [--no-jit] [--reps R] --run FILE N\n"
            "       %s [--fuel] [--no-jit] [--reps R] [--threads T] --compile FILE\n"
            "       %s [--fuel] [--no-jit] [--reps R] --instantiate FILE\n",
            argv0, argv0, argv0);
    return 2;
}

static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->reps = 5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_next = i + 1 < argc;
        if (strcmp(a, "--fuel") == 0) {
            o->fuel = true;
        } else if (strcmp(a, "--no-jit") == 0) {
            o->no_jit = true;
        } else if (strcmp(a, "--threads") == 0 && has_next) {
            o->threads = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(a, "--reps") == 0 && has_next) {
            o->reps = atoi(argv[++i]);
        } else if (strcmp(a, "--run") == 0 && i + 2 < argc) {
            o->mode = MODE_RUN;
            o->file = argv[++i];
            o->n = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(a, "--compile") == 0 && has_next) {
            o->mode = MODE_COMPILE;
            o->file = argv[++i];
        } else if (strcmp(a, "--instantiate") == 0 && has_next) {
            o->mode = MODE_INSTANTIATE;
            o->file = argv[++i];
        } else {
            return 1;
        }
    }
    if (o->mode == MODE_NONE || o->reps < 1 || o->reps > MAX_REPS) return 1;
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    if (parse_args(argc, argv, &o) != 0) return usage(argv[0]);
    size_t len = 0;
    uint8_t *bytes = read_file(o.file, &len);
    if (!bytes) return 1;
    double *times = calloc((size_t)o.reps, sizeof *times);
    int rc = 1;
    if (!times) {
        fprintf(stderr, "error: out of memory\n");
    } else if (o.mode == MODE_RUN) {
        rc = bench_run(&o, bytes, len, times);
    } else if (o.mode == MODE_COMPILE) {
        rc = bench_compile(&o, bytes, len, times);
    } else {
        rc = bench_instantiate(&o, bytes, len, times);
    }
    free(times);
    free(bytes);
    return rc;
}
