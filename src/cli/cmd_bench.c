/*
 * cmd_bench.c: `calimero-runtime bench APP METHOD`: times calls of one method the way a
 * node makes them (a fresh instance per call, writes staged and committed by the node's
 * rule) on an in-memory store, after setup calls, with a deterministic clock and random
 * source so that runs compare. Prints calls per second, latency percentiles and gas.
 */
#include "app.h"
#include "cli.h"
#include "fileio.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: calimero-runtime bench APP METHOD [options]\n"
    "\n"
    "Times METHOD of APP (a .wasm app or a precompiled .crm image) as a node calls it: a\n"
    "fresh instance per call on an in-memory store, the call's writes committed when it\n"
    "succeeded and committed a root hash (or is init). Setup calls run first, untimed.\n"
    "\n"
    "options:\n"
    "  --input TEXT          the timed calls' input; every '{i}' in it becomes the call's\n"
    "                        number (0, 1, ...; warm-up calls count too); default empty\n"
    "  --setup [N*]METHOD[=INPUT]\n"
    "                        a call made before timing (N times, default once), in order\n"
    "                        (repeatable); '{i}' in INPUT numbers its repetitions\n"
    "  --calls N             timed calls (default 1000)\n"
    "  --warmup N            untimed calls of METHOD before them (default 100)\n"
    "  --no-commit           drop the timed calls' writes (each sees the setup state)\n"
    "  --no-jit              interpret only (no x86-64 machine code)\n"
    "  --limit NAME=VALUE    set one VMLimits field (repeatable; '--limit list' lists them)\n"
    "  --gas N               wasm operators allowed per call (= --limit max_gas=N)\n"
    "  --json                print the figures as one JSON object\n"
    "\n"
    "A call that fails stops the benchmark with its error (exit status 1).\n"
    "Exit status: 0 done, 1 a call or the app failed, 2 usage error.\n"
    "\n"
    "example:\n"
    "  calimero-runtime bench kv_store.wasm get --setup init \\\n"
    "      --setup '100*set={\"key\":\"k{i}\",\"value\":\"v\"}' --input '{\"key\":\"k7\"}'\n";

enum { MAX_SETUP = 64 };

typedef struct bench_opts {
    const char *app, *method, *input;
    const char *setup[MAX_SETUP];
    int nsetup;
    long calls, warmup;
    bool no_commit, json, no_jit;
    cr_limits limits;
} bench_opts;

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "error: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see calimero-runtime bench --help)\n");
    return 2;
}

static bool parse_count(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

/* Returns -1 when parsing succeeded, else the exit status. */
static int parse_args(int argc, char **argv, bench_opts *o)
{
    memset(o, 0, sizeof *o);
    o->limits = cr_limits_default();
    o->input = "";
    o->calls = 1000;
    o->warmup = 100;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (a[0] != '-') {
            if (npos == 0)
                o->app = a;
            else if (npos == 1)
                o->method = a;
            else
                return usage_error("unexpected argument '%s'", a);
            npos++;
            continue;
        }
        if (!strcmp(a, "--json")) {
            o->json = true;
            continue;
        }
        if (!strcmp(a, "--no-commit")) {
            o->no_commit = true;
            continue;
        }
        if (!strcmp(a, "--no-jit")) {
            o->no_jit = true;
            continue;
        }
        if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
        const char *val = argv[++i];
        if (!strcmp(a, "--input")) {
            o->input = val;
        } else if (!strcmp(a, "--setup")) {
            if (o->nsetup == MAX_SETUP) return usage_error("at most %d --setup calls", MAX_SETUP);
            o->setup[o->nsetup++] = val;
        } else if (!strcmp(a, "--calls")) {
            if (!parse_count(val, 1, 10000000, &o->calls))
                return usage_error("--calls wants 1..10000000, got '%s'", val);
        } else if (!strcmp(a, "--warmup")) {
            if (!parse_count(val, 0, 10000000, &o->warmup))
                return usage_error("--warmup wants 0..10000000, got '%s'", val);
        } else if (!strcmp(a, "--limit")) {
            if (!strcmp(val, "list")) {
                cr__limit_list(stdout);
                return 0;
            }
            char msg[256];
            if (!cr__limit_set(&o->limits, val, msg, sizeof msg)) return usage_error("%s", msg);
        } else if (!strcmp(a, "--gas")) {
            char assign[64], msg[256];
            snprintf(assign, sizeof assign, "max_gas=%s", val);
            if (!cr__limit_set(&o->limits, assign, msg, sizeof msg))
                return usage_error("--gas wants a number, got '%s'", val);
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (npos < 2) return usage_error("%s", "bench needs APP and METHOD");
    return -1;
}

/* ---- calls --------------------------------------------------------------------------- */

typedef struct bench {
    const cr_module *mod;
    cr_stage *stage;
    cr_step_clock clock;
    cr_splitmix random;
    char *input; /* the current call's input, {i} replaced */
    size_t input_cap;
    uint64_t gas; /* of the last call */
} bench;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Writes tmpl with every "{i}" replaced by n into b->input. */
static bool expand(bench *b, const char *tmpl, long n)
{
    char num[24];
    int nl = snprintf(num, sizeof num, "%ld", n);
    size_t len = 0;
    for (const char *p = tmpl; *p;) {
        bool hole = !strncmp(p, "{i}", 3);
        size_t add = hole ? (size_t)nl : 1;
        if (len + add + 1 > b->input_cap) {
            size_t cap = b->input_cap ? b->input_cap * 2 : 256;
            while (cap < len + add + 1)
                cap *= 2;
            char *q = realloc(b->input, cap);
            if (!q) return false;
            b->input = q;
            b->input_cap = cap;
        }
        memcpy(b->input + len, hole ? num : p, add);
        len += add;
        p += hole ? 3 : 1;
    }
    if (!b->input && !(b->input = malloc(b->input_cap = 1))) return false;
    b->input[len] = 0;
    return true;
}

/* One call the node's way. Prints why and returns false when it failed. */
static bool call(bench *b, const char *method, const char *tmpl, long n, bool commit)
{
    if (!expand(b, tmpl, n)) {
        fprintf(stderr, "error: out of memory\n");
        return false;
    }
    cr_run_params p = cr_run_params_default();
    p.method = method;
    p.input = (const uint8_t *)b->input;
    p.input_len = strlen(b->input);
    p.storage = cr_stage_storage(b->stage);
    p.clock.now = cr_step_clock_now;
    p.clock.ud = &b->clock;
    p.random.fill = cr_splitmix_fill;
    p.random.ud = &b->random;
    cr_outcome *o = NULL;
    cr_error err;
    if (cr_run(b->mod, &p, &o, &err) != CR_OK) {
        fprintf(stderr, "error: %s: %s\n", method, err.message);
        return false;
    }
    bool ok = cr_outcome_error(o) == CR_CALL_OK;
    b->gas = cr_outcome_gas_used(o);
    if (!ok) fprintf(stderr, "error: %s %s: %s\n", method, b->input, cr_outcome_error_display(o));
    bool keep = ok && commit && (cr_outcome_root_hash(o) || !strcmp(method, "init"));
    if (keep && cr_stage_commit(b->stage, &err) != CR_OK) {
        fprintf(stderr, "error: commit: %s\n", err.message);
        ok = false;
    } else if (!keep) {
        cr_stage_clear(b->stage);
    }
    cr_outcome_destroy(o);
    return ok;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double pct(const double *sorted, long n, double q)
{
    long k = (long)(q * (double)(n - 1) + 0.5);
    return sorted[k];
}

/* ---- the command ------------------------------------------------------------------- */

int cr_cmd_bench(int argc, char **argv)
{
    bench_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;

    uint8_t *app = NULL;
    size_t app_len = 0;
    cr_engine *eng = NULL;
    cr_module *mod = NULL;
    cr_storage *store = NULL;
    bench b;
    memset(&b, 0, sizeof b);
    double *times = NULL;
    uint64_t *gas = NULL;
    cr_error err;
    rc = 1;

    if (!cr__file_read(o.app, &app, &app_len)) {
        fprintf(stderr, "error: cannot read %s: %s\n", o.app, strerror(errno));
        goto out;
    }
    cr_engine_config cfg = cr_engine_config_default();
    cfg.limits = o.limits;
    cfg.jit = !o.no_jit;
    if (cr_engine_create(&cfg, &eng, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto out;
    }
    double t0 = now_us();
    if (cr__app_load(eng, app, app_len, NULL, NULL, &mod, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto out;
    }
    double compile_ms = (now_us() - t0) / 1e3;
    times = malloc((size_t)o.calls * sizeof *times);
    gas = malloc((size_t)o.calls * sizeof *gas);
    if (!times || !gas || cr_memory_storage_create(eng, &store, &err) != CR_OK ||
        cr_stage_create(eng, store, &b.stage, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", times && gas ? err.message : "out of memory");
        goto out;
    }
    b.mod = mod;
    b.clock = (cr_step_clock){1700000000000000000ull, 1000, 0};
    b.random.state = 1;

    for (int s = 0; s < o.nsetup; s++) {
        const char *spec = o.setup[s], *star = strchr(spec, '*'), *eq = strchr(spec, '=');
        long times_n = 1;
        if (star && (!eq || star < eq)) {
            char count[24];
            size_t cl = (size_t)(star - spec);
            if (cl >= sizeof count) cl = sizeof count - 1;
            memcpy(count, spec, cl);
            count[cl] = 0;
            if (!parse_count(count, 1, 10000000, &times_n)) {
                rc = usage_error("--setup '%s': N in N*METHOD wants 1..10000000", spec);
                goto out;
            }
            spec = star + 1;
        }
        char method[256];
        size_t ml = eq ? (size_t)(eq - spec) : strlen(spec);
        if (ml == 0 || ml >= sizeof method) {
            rc = usage_error("--setup '%s': bad method name", o.setup[s]);
            goto out;
        }
        memcpy(method, spec, ml);
        method[ml] = 0;
        for (long k = 0; k < times_n; k++)
            if (!call(&b, method, eq ? eq + 1 : "", k, true)) goto out;
    }
    for (long k = 0; k < o.warmup; k++)
        if (!call(&b, o.method, o.input, k, !o.no_commit)) goto out;
    double start = now_us();
    for (long k = 0; k < o.calls; k++) {
        double t = now_us();
        if (!call(&b, o.method, o.input, o.warmup + k, !o.no_commit)) goto out;
        times[k] = now_us() - t;
        gas[k] = b.gas;
    }
    double total_s = (now_us() - start) / 1e6;
    qsort(times, (size_t)o.calls, sizeof *times, cmp_double);
    qsort(gas, (size_t)o.calls, sizeof *gas, cmp_u64);
    double per_s = (double)o.calls / total_s;
    if (o.json) {
        json_t *j =
            json_pack("{s:s,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:I,s:f}", "method", o.method, "calls",
                      (json_int_t)o.calls, "warmup", (json_int_t)o.warmup, "per_s", per_s, "p50_us",
                      pct(times, o.calls, 0.5), "p90_us", pct(times, o.calls, 0.9), "p99_us",
                      pct(times, o.calls, 0.99), "min_us", times[0], "max_us", times[o.calls - 1],
                      "gas_p50", (json_int_t)gas[o.calls / 2], "compile_ms", compile_ms);
        char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (text) puts(text);
        free(text);
        json_decref(j);
    } else {
        printf("app        %s (%zu bytes), ready in %.2f ms\n", o.app, app_len, compile_ms);
        printf("method     %s: %ld calls after %ld warm-up, fresh instance per call, in-memory "
               "store\n",
               o.method, o.calls, o.warmup);
        printf("calls/s    %.0f\n", per_s);
        printf("latency    p50 %.1f us, p90 %.1f us, p99 %.1f us, min %.1f us, max %.1f us\n",
               pct(times, o.calls, 0.5), pct(times, o.calls, 0.9), pct(times, o.calls, 0.99),
               times[0], times[o.calls - 1]);
        printf("gas        %" PRIu64 " per call (median)\n", gas[o.calls / 2]);
    }
    rc = 0;
out:
    free(b.input);
    cr_stage_destroy(b.stage);
    cr_storage_destroy(store);
    cr_module_destroy(mod);
    cr_engine_destroy(eng);
    free(app);
    free(times);
    free(gas);
    return rc;
}
