/*
 * cmd_run.c: `calimero-runtime run APP METHOD`: one call of an app against a persistent
 * LMDB store, committed the way the node commits (runtime-model.md §8.3), printing the
 * outcome as a summary or as one JSON object (spec/scenario.md's per-call fields).
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

static const char usage_text[] =
    "usage: calimero-runtime run APP METHOD [options]\n"
    "\n"
    "Runs METHOD of APP (a .wasm app, or a precompiled .crm image) against a persistent\n"
    "store and prints the outcome.\n"
    "\n"
    "options:\n"
    "  --input TEXT          the call's input bytes (JSON for SDK apps); default empty\n"
    "  --input-file FILE     the input bytes from FILE ('-': standard input)\n"
    "  --context HEX         context id, 64 hex digits (default all zero)\n"
    "  --executor HEX        executor public key, 64 hex digits (default all zero)\n"
    "  --store DIR           the store (default $XDG_DATA_HOME/calimero-runtime/<context>,\n"
    "                        or ~/.local/share/calimero-runtime/<context>)\n"
    "  --private-store DIR   node-local private store in its own directory (default: the\n"
    "                        'private' map of the store, committed in the same transaction)\n"
    "  --no-private-store    run with no private store (private_* calls return 0)\n"
    "  --limit NAME=VALUE    set one VMLimits field (repeatable; '--limit list' lists them)\n"
    "  --gas N               wasm operators allowed for the call (= --limit max_gas=N)\n"
    "  --allow-fetch         let the app use fetch (disabled by default, as upstream)\n"
    "  --jit                 also translate the app to machine code (x86-64): worth it for\n"
    "                        long calls; one call per process is faster interpreted\n"
    "  --no-cache            neither read nor write the module cache (<store>/cache)\n"
    "  --no-commit           never commit the call's writes\n"
    "  --json                print the outcome as one JSON object\n"
    "\n"
    "Commit rule (the node's): the call's storage and private writes are kept, in one\n"
    "transaction, only when the call succeeded and committed a root hash, or when it is\n"
    "'init' and succeeded. Otherwise the store is left as it was. Calls on one store run\n"
    "one at a time (each holds the store's write lock); other processes may read meanwhile.\n"
    "\n"
    "Compiled modules are cached in <store>/cache/<sha256 of the wasm>.crm; a stale or\n"
    "damaged entry is reported, recompiled and rewritten.\n"
    "\n"
    "CALIMERO_LOG=runtime=debug,host=trace,guest=info traces the run on stderr.\n"
    "Exit status: 0 the call succeeded, 1 it failed (or the store did), 2 usage error.\n";

typedef struct run_opts {
    const char *app, *method;
    const char *input, *input_file;
    const char *store, *private_store;
    bool no_private, no_cache, no_commit, json, allow_fetch, jit;
    uint8_t context[32], executor[32];
    cr_limits limits;
} run_opts;

/* ---- argument parsing -------------------------------------------------------------- */

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "error: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see calimero-runtime run --help)\n");
    return 2;
}

/* Returns -1 when parsing succeeded, else the exit status. */
static int parse_args(int argc, char **argv, run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->limits = cr_limits_default();
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            fputs("\nlimits (--limit NAME=VALUE), with their defaults:\n", stdout);
            cr__limit_list(stdout);
            return 0;
        }
        if (a[0] != '-' || !strcmp(a, "-")) {
            if (npos == 0)
                o->app = a;
            else if (npos == 1)
                o->method = a;
            else
                return usage_error("unexpected argument '%s'", a);
            npos++;
            continue;
        }
        /* --opt=value or --opt value */
        char name[32];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        if (n >= sizeof name) return usage_error("unknown option '%s'", a);
        memcpy(name, a, n);
        name[n] = 0;
        static const char *const flags[] = {"--json",        "--no-cache", "--no-commit",
                                            "--allow-fetch", "--jit",      "--no-private-store"};
        bool is_flag = false;
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++)
            is_flag |= !strcmp(name, flags[f]);
        if (is_flag) {
            if (eq) return usage_error("option '%s' takes no value", name);
            if (!strcmp(name, "--json"))
                o->json = true;
            else if (!strcmp(name, "--no-cache"))
                o->no_cache = true;
            else if (!strcmp(name, "--no-commit"))
                o->no_commit = true;
            else if (!strcmp(name, "--allow-fetch"))
                o->allow_fetch = true;
            else if (!strcmp(name, "--jit"))
                o->jit = true;
            else
                o->no_private = true;
            continue;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else
            return usage_error("option '%s' needs a value", name);
        if (!strcmp(name, "--input")) {
            o->input = val;
        } else if (!strcmp(name, "--input-file")) {
            o->input_file = val;
        } else if (!strcmp(name, "--context")) {
            if (!cr__hex32_parse(val, o->context))
                return usage_error("--context wants 64 hex digits, got '%s'", val);
        } else if (!strcmp(name, "--executor")) {
            if (!cr__hex32_parse(val, o->executor))
                return usage_error("--executor wants 64 hex digits, got '%s'", val);
        } else if (!strcmp(name, "--store")) {
            o->store = val;
        } else if (!strcmp(name, "--private-store")) {
            o->private_store = val;
        } else if (!strcmp(name, "--limit")) {
            if (!strcmp(val, "list")) {
                cr__limit_list(stdout);
                return 0;
            }
            char msg[256];
            if (!cr__limit_set(&o->limits, val, msg, sizeof msg)) return usage_error("%s", msg);
        } else if (!strcmp(name, "--gas")) {
            char assign[64];
            snprintf(assign, sizeof assign, "max_gas=%s", val);
            char msg[256];
            if (!cr__limit_set(&o->limits, assign, msg, sizeof msg))
                return usage_error("--gas wants a number, got '%s'", val);
        } else {
            return usage_error("unknown option '%s'", name);
        }
    }
    if (npos < 2) return usage_error("%s", "run needs APP and METHOD");
    if (o->input && o->input_file)
        return usage_error("%s", "--input and --input-file exclude each other");
    if (o->no_private && o->private_store)
        return usage_error("%s", "--private-store and --no-private-store exclude each other");
    return -1;
}

/* ---- input and store paths ---------------------------------------------------------- */

static bool read_stdin(uint8_t **data, size_t *len)
{
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) return false;
    for (;;) {
        if (n == cap) {
            uint8_t *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                return false;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0) break;
    }
    *data = buf;
    *len = n;
    return true;
}

/* The default store of a context: under XDG_DATA_HOME or ~/.local/share. */
static bool default_store(const uint8_t ctx[32], char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, cap, "%s/calimero-runtime/", xdg);
    else if (home && *home)
        n = snprintf(buf, cap, "%s/.local/share/calimero-runtime/", home);
    else
        return false;
    for (int i = 0; i < 32 && n > 0 && (size_t)n + 3 < cap; i++)
        n += snprintf(buf + n, cap - (size_t)n, "%02x", ctx[i]);
    return n > 0 && (size_t)n < cap;
}

/* ---- the call's writes, net of the store before it (scenario.md "storage") ---------- */

typedef struct diff_ctx {
    cr_storage *base;
    json_t *set, *removed;
    size_t set_count, removed_count;
    bool failed;
} diff_ctx;

static char *hex_dup(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02x", p[i]);
    s[2 * n] = 0;
    return s;
}

static int diff_visit(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val,
                      size_t val_len)
{
    diff_ctx *d = ud;
    const uint8_t *old;
    size_t old_len;
    if (cr_storage_get(d->base, key, key_len, &old, &old_len, NULL) != CR_OK) {
        d->failed = true;
        return 1;
    }
    char *hk = hex_dup(key, key_len);
    if (!hk) {
        d->failed = true;
        return 1;
    }
    if (!val) {
        if (old) {
            json_array_append_new(d->removed, json_string(hk));
            d->removed_count++;
        }
    } else if (!old || old_len != val_len || (val_len && memcmp(old, val, val_len) != 0)) {
        char *hv = hex_dup(val, val_len);
        if (hv)
            json_object_set_new(d->set, hk, json_string(hv));
        else
            d->failed = true;
        free(hv);
        d->set_count++;
    }
    free(hk);
    return d->failed;
}

/* The net writes of a stage as {committed, set, removed}, with their counts. */
static json_t *stage_diff(cr_stage *st, cr_storage *base, bool committed, size_t *nset,
                          size_t *nremoved)
{
    diff_ctx d = {base, json_object(), json_array(), 0, 0, false};
    cr_status s = cr_stage_iterate(st, diff_visit, &d, NULL);
    *nset = d.set_count;
    *nremoved = d.removed_count;
    json_t *o = json_object();
    json_object_set_new(o, "committed", json_boolean(committed));
    json_object_set_new(o, "set", d.set);
    json_object_set_new(o, "removed", d.removed);
    if (s != CR_OK || d.failed) json_object_set_new(o, "incomplete", json_true());
    return o;
}

/* ---- printing ---------------------------------------------------------------------- */

static bool is_utf8_text(const uint8_t *p, size_t n)
{
    json_t *j = json_stringn((const char *)p, n);
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

static void print_bytes(FILE *out, const uint8_t *p, size_t n)
{
    if (is_utf8_text(p, n))
        fwrite(p, 1, n, out);
    else {
        fputs("0x", out);
        cr__hex_print(out, p, n);
    }
}

static void print_summary(FILE *out, const run_opts *o, const uint8_t *input, size_t input_len,
                          cr_outcome *oc, bool committed, const char *why, size_t nset,
                          size_t nremoved, size_t pset, size_t premoved, bool have_private)
{
    fprintf(out, "method     %s\n", o->method);
    if (input_len) {
        fputs("input      ", out);
        print_bytes(out, input, input_len);
        fputc('\n', out);
    }
    const uint8_t *data;
    size_t len;
    if (cr_outcome_error(oc) == CR_CALL_OK) {
        fputs("returns    ", out);
        if (cr_outcome_returns(oc, &data, &len))
            print_bytes(out, data, len);
        else
            fputs("(nothing)", out);
        fputc('\n', out);
    } else {
        fprintf(out, "error      %s\n", cr_outcome_error_display(oc));
        fprintf(out, "           %s\n", cr_outcome_error_json(oc));
        if (cr_outcome_error_payload(oc, &data, &len)) {
            fputs("payload    ", out);
            print_bytes(out, data, len);
            fputc('\n', out);
        }
    }
    size_t nlogs = cr_outcome_log_count(oc);
    for (size_t i = 0; i < nlogs; i++) {
        size_t l;
        const char *s = cr_outcome_log(oc, i, &l);
        fprintf(out, "%s%.*s\n", i ? "           " : "logs       ", (int)l, s);
    }
    size_t nev = cr_outcome_event_count(oc);
    for (size_t i = 0; i < nev; i++) {
        cr_event e;
        cr_outcome_event(oc, i, &e);
        fprintf(out, "%s%.*s ", i ? "           " : "events     ", (int)e.kind_len, e.kind);
        print_bytes(out, e.data, e.data_len);
        if (e.handler) fprintf(out, " (handler %.*s)", (int)e.handler_len, e.handler);
        fputc('\n', out);
    }
    size_t nx = cr_outcome_xcall_count(oc);
    for (size_t i = 0; i < nx; i++) {
        cr_xcall x;
        cr_outcome_xcall(oc, i, &x);
        fputs(i ? "           " : "xcalls     ", out);
        cr__hex_print(out, x.context_id, 32);
        fprintf(out, " %.*s ", (int)x.function_len, x.function);
        print_bytes(out, x.params, x.params_len);
        fputc('\n', out);
    }
    const uint8_t *root = cr_outcome_root_hash(oc);
    fputs("root hash  ", out);
    if (root)
        cr__hex_print(out, root, 32);
    else
        fputs("(none)", out);
    size_t alen;
    cr_outcome_artifact(oc, &alen);
    fprintf(out, "\nartifact   %zu bytes\n", alen);
    fprintf(out, "storage    %zu set, %zu removed", nset, nremoved);
    if (have_private) fprintf(out, "; private %zu set, %zu removed", pset, premoved);
    fprintf(out, ": %s\n", committed ? "committed" : why);
    fprintf(out, "gas used   %" PRIu64 "\n", cr_outcome_gas_used(oc));
}

static json_t *bytes_json(const uint8_t *p, size_t n)
{
    json_t *s = json_stringn((const char *)p, n);
    if (s) return s;
    char *h = hex_dup(p, n);
    json_t *o = json_pack("{s:s}", "hex", h ? h : "");
    free(h);
    return o;
}

/* ---- the command ------------------------------------------------------------------- */

int cr_cmd_run(int argc, char **argv)
{
    run_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;

    cr_log log;
    cr_error err;
    if (cr_log_init(&log, NULL, &err) != CR_OK)
        fprintf(stderr, "warning: %s; tracing stays off\n", err.message);

    uint8_t *app = NULL, *input = NULL;
    size_t app_len = 0, input_len = 0;
    cr_engine *eng = NULL;
    cr_module *mod = NULL;
    cr_lmdb *db = NULL, *pdb = NULL;
    cr_storage *state = NULL, *priv = NULL;
    cr_stage *sst = NULL, *pst = NULL;
    cr_outcome *oc = NULL;
    rc = 1;

    if (!cr__file_read(o.app, &app, &app_len)) {
        fprintf(stderr, "error: cannot read %s: %s\n", o.app, strerror(errno));
        goto out;
    }
    if (o.input) {
        input_len = strlen(o.input);
    } else if (o.input_file) {
        bool ok = !strcmp(o.input_file, "-") ? read_stdin(&input, &input_len)
                                             : cr__file_read(o.input_file, &input, &input_len);
        if (!ok) {
            fprintf(stderr, "error: cannot read %s: %s\n", o.input_file, strerror(errno));
            goto out;
        }
    }

    cr_engine_config cfg = cr_engine_config_default();
    cfg.limits = o.limits;
    cfg.fetch_enabled = o.allow_fetch;
    cfg.jit = o.jit; /* translating kv_store costs more than one call gains from it */
    cr_log_attach(&log, &cfg);
    if (cr_engine_create(&cfg, &eng, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        rc = 2;
        goto out;
    }

    char store_dir[4096];
    if (o.store)
        snprintf(store_dir, sizeof store_dir, "%s", o.store);
    else if (!default_store(o.context, store_dir, sizeof store_dir)) {
        fprintf(stderr, "error: no HOME or XDG_DATA_HOME for the default store; use --store\n");
        goto out;
    }
    if (!cr__mkdir_p(store_dir)) {
        fprintf(stderr, "error: cannot create store %s: %s\n", store_dir, strerror(errno));
        goto out;
    }
    if (cr_lmdb_open(eng, store_dir, NULL, &db, &err) != CR_OK ||
        cr_lmdb_storage_open(db, "state", &state, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto out;
    }
    if (o.private_store) {
        if (!cr__mkdir_p(o.private_store)) {
            fprintf(stderr, "error: cannot create %s: %s\n", o.private_store, strerror(errno));
            goto out;
        }
        if (cr_lmdb_open(eng, o.private_store, NULL, &pdb, &err) != CR_OK ||
            cr_lmdb_storage_open(pdb, "private", &priv, &err) != CR_OK) {
            fprintf(stderr, "error: %s\n", err.message);
            goto out;
        }
    } else if (!o.no_private && cr_lmdb_storage_open(db, "private", &priv, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto out;
    }
    cr_log_printf(&log, CR_LOG_RUNTIME, CR_LOG_INFO, "store %s", store_dir);

    char cache_dir[4200];
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", store_dir);
    if (cr__app_load(eng, app, app_len, o.no_cache ? NULL : cache_dir, &log, &mod, &err) != CR_OK) {
        /* upstream reports these as the call's error: CompilationError and friends */
        char js[256];
        json_t *je = cr_error_json(&err, js, sizeof js) ? json_loads(js, 0, NULL) : NULL;
        if (je && o.json) {
            json_t *j = json_pack("{s:s,s:n,s:o,s:s}", "method", o.method, "returns", "error", je,
                                  "error_display", err.message);
            char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            if (text) puts(text);
            free(text);
            json_decref(j);
        } else {
            json_decref(je);
            fprintf(stderr, "error: %s: %s\n", o.app, err.message);
        }
        goto out;
    }

    /* one call at a time per store, as the node runs one call at a time per context: the
       write transaction is taken before the run, so that the run reads the state its
       writes will be committed over (other processes may still read) */
    if (cr_lmdb_begin(db, &err) != CR_OK || (pdb && cr_lmdb_begin(pdb, &err) != CR_OK)) {
        fprintf(stderr, "error: %s\n", err.message);
        goto out;
    }
    if (cr_stage_create(eng, state, &sst, &err) != CR_OK ||
        (priv && cr_stage_create(eng, priv, &pst, &err) != CR_OK)) {
        fprintf(stderr, "error: %s\n", err.message);
        goto out;
    }
    cr_run_params p = cr_run_params_default();
    memcpy(p.context_id, o.context, 32);
    memcpy(p.executor_id, o.executor, 32);
    p.method = o.method;
    p.input = o.input ? (const uint8_t *)o.input : input;
    p.input_len = input_len;
    p.storage = cr_stage_storage(sst);
    p.private_storage = pst ? cr_stage_storage(pst) : NULL;
    cr_log_printf(&log, CR_LOG_RUNTIME, CR_LOG_DEBUG, "run %s (%zu input bytes)", o.method,
                  input_len);
    if (cr_run(mod, &p, &oc, &err) != CR_OK) {
        fprintf(stderr, "error: run failed: %s\n", err.message);
        goto out;
    }

    bool ok = cr_outcome_error(oc) == CR_CALL_OK;
    bool is_init = !strcmp(o.method, "init");
    const char *why = NULL;
    if (!ok)
        why = "not committed (the call failed)";
    else if (!is_init && !cr_outcome_root_hash(oc))
        why = "not committed (no root hash)";
    else if (o.no_commit)
        why = "not committed (--no-commit)";
    bool commit = why == NULL;
    cr_log_printf(&log, CR_LOG_RUNTIME, CR_LOG_DEBUG, "call %s: %s", ok ? "succeeded" : "failed",
                  commit ? "committing" : why);

    size_t nset, nremoved, pset = 0, premoved = 0;
    json_t *jstore = stage_diff(sst, state, commit, &nset, &nremoved);
    json_t *jpriv = pst ? stage_diff(pst, priv, commit, &pset, &premoved) : json_null();

    if (commit) {
        cr_status st = cr_stage_commit(sst, &err);
        if (st == CR_OK && pst) st = cr_stage_commit(pst, &err);
        if (st == CR_OK) st = cr_lmdb_commit(db, &err);
        /* a private store in its own directory commits after the context store */
        if (st == CR_OK && pdb) st = cr_lmdb_commit(pdb, &err);
        if (st != CR_OK) {
            fprintf(stderr, "error: commit failed: %s\n", err.message);
            json_decref(jstore);
            json_decref(jpriv);
            goto out;
        }
        cr_log_printf(&log, CR_LOG_RUNTIME, CR_LOG_INFO, "committed %zu set, %zu removed",
                      nset + pset, nremoved + premoved);
    } else {
        cr_lmdb_rollback(db);
        cr_lmdb_rollback(pdb);
    }

    if (o.json) {
        const char *js;
        json_t *j = NULL;
        if (cr_outcome_to_json(oc, &js, NULL, &err) == CR_OK) j = json_loads(js, 0, NULL);
        if (!j) {
            fprintf(stderr, "error: cannot encode the outcome\n");
            json_decref(jstore);
            json_decref(jpriv);
            goto out;
        }
        json_t *full = json_object();
        json_object_set_new(full, "method", json_string(o.method));
        json_object_set_new(full, "input",
                            bytes_json(p.input ? p.input : (const uint8_t *)"", input_len));
        json_object_update(full, j);
        json_decref(j);
        json_object_set_new(full, "storage", jstore);
        json_object_set_new(full, "private_storage", jpriv);
        json_object_set_new(full, "gas_used", json_integer((json_int_t)cr_outcome_gas_used(oc)));
        char *text = json_dumps(full, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (text) puts(text);
        free(text);
        json_decref(full);
    } else {
        print_summary(stdout, &o, p.input, input_len, oc, commit, why, nset, nremoved, pset,
                      premoved, pst != NULL);
        json_decref(jstore);
        json_decref(jpriv);
    }
    rc = ok ? 0 : 1;

out:
    cr_outcome_destroy(oc);
    cr_stage_destroy(sst);
    cr_stage_destroy(pst);
    cr_module_destroy(mod);
    cr_storage_destroy(state);
    cr_storage_destroy(priv);
    cr_lmdb_close(db);
    cr_lmdb_close(pdb);
    cr_engine_destroy(eng);
    free(app);
    free(input);
    return rc;
}
