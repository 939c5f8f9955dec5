/*
 * cmd_scenario.c: `calimero-runtime scenario FILE.json --apps DIR [--out F]`: replays a
 * scripted session against one context (spec/scenario.md) with the deterministic clock
 * and randomness, staging each call's writes and keeping them by the scenario rule, and
 * prints one JSON line per call, then one per node with its stores.
 */
#include "calimero/runtime.h"
#include "cli.h"
#include "fileio.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growable text buffer (output lines, serialized inputs) ---- */

typedef struct text {
    char *s;
    size_t len, cap;
    bool failed;
} text;

static void put(text *t, const void *p, size_t n)
{
    if (t->failed) return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->failed = true;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = 0;
}

static void puts_(text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void putc_(text *t, char c)
{
    put(t, &c, 1);
}

static void put_hex(text *t, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char h[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        put(t, h, 2);
    }
}

static void put_u64(text *t, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    puts_(t, buf);
}

/* A JSON string literal as JavaScript's JSON.stringify writes it: only '"', '\\' and
   control characters are escaped (\b \f \n \r \t, else \u00xx, lowercase). */
static void put_json_str(text *t, const char *s, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    putc_(t, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        put(t, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            puts_(t, "\\\"");
            break;
        case '\\':
            puts_(t, "\\\\");
            break;
        case '\b':
            puts_(t, "\\b");
            break;
        case '\f':
            puts_(t, "\\f");
            break;
        case '\n':
            puts_(t, "\\n");
            break;
        case '\r':
            puts_(t, "\\r");
            break;
        case '\t':
            puts_(t, "\\t");
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', digits[c >> 4], digits[c & 15]};
            put(t, u, 6);
        }
        }
    }
    put(t, s + run, n - run);
    putc_(t, '"');
}

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t min, cp;
        if (c >= 0xc2 && c <= 0xdf)
            need = 1, min = 0x80, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            need = 2, min = 0x800, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            need = 3, min = 0x10000, cp = c & 0x07;
        else
            return false;
        if (n - i - 1 < need) return false;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += need + 1;
    }
    return true;
}

/* Bytes as a JSON string when valid UTF-8, else {"hex": ".."} (scenario.md). */
static void put_text_or_hex(text *t, const uint8_t *p, size_t n)
{
    if (utf8_valid(p, n)) {
        put_json_str(t, (const char *)p, n);
        return;
    }
    puts_(t, "{\"hex\":\"");
    put_hex(t, p, n);
    puts_(t, "\"}");
}

/* ---- JSON.stringify of a parsed value ---- */

/* A JavaScript Number as Number.prototype.toString prints it. */
static void put_js_number(text *t, double x)
{
    if (!isfinite(x)) {
        puts_(t, "null");
        return;
    }
    if (x == 0) {
        putc_(t, '0');
        return;
    }
    char buf[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        if (strtod(buf, NULL) == x) break;
    }
    /* buf = [-]d[.ddd]e[+-]XX: collect the digits and the decimal exponent */
    bool neg = buf[0] == '-';
    const char *p = buf + neg;
    char digits[20];
    int k = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[k++] = *p;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    int e = atoi(p + 1);
    int n = e + 1; /* position of the decimal point */
    if (neg) putc_(t, '-');
    if (k <= n && n <= 21) {
        put(t, digits, (size_t)k);
        for (int i = k; i < n; i++)
            putc_(t, '0');
    } else if (0 < n && n <= 21) {
        put(t, digits, (size_t)n);
        putc_(t, '.');
        put(t, digits + n, (size_t)(k - n));
    } else if (-6 < n && n <= 0) {
        puts_(t, "0.");
        for (int i = 0; i < -n; i++)
            putc_(t, '0');
        put(t, digits, (size_t)k);
    } else {
        putc_(t, digits[0]);
        if (k > 1) {
            putc_(t, '.');
            put(t, digits + 1, (size_t)(k - 1));
        }
        char exp[16];
        snprintf(exp, sizeof exp, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
        puts_(t, exp);
    }
}

typedef struct scenario_state scenario_state;
static bool ret_value(scenario_state *ss, const char *s, json_t **out, char *msg, size_t cap);

/* Whether key is an array index (canonical decimal below 2^32 - 1): JavaScript orders
   such keys first, ascending. */
static bool index_key(const char *k, uint64_t *v)
{
    size_t n = strlen(k);
    if (n == 0 || n > 10 || (n > 1 && k[0] == '0')) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (k[i] < '0' || k[i] > '9') return false;
        x = x * 10 + (uint64_t)(k[i] - '0');
    }
    if (x >= 4294967295u) return false;
    *v = x;
    return true;
}

typedef struct key_ref {
    const char *key;
    uint64_t idx;
} key_ref;

static int cmp_keys(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* JSON.stringify(v, replacer) with the "$ret:N" replacer of the scenario format. */
static bool stringify(scenario_state *ss, text *t, json_t *v, char *msg, size_t cap)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        puts_(t, "null");
        return true;
    case JSON_TRUE:
        puts_(t, "true");
        return true;
    case JSON_FALSE:
        puts_(t, "false");
        return true;
    case JSON_INTEGER:
        put_js_number(t, (double)json_integer_value(v));
        return true;
    case JSON_REAL:
        put_js_number(t, json_real_value(v));
        return true;
    case JSON_STRING: {
        const char *s = json_string_value(v);
        if (strncmp(s, "$ret:", 5) == 0 && s[5]) {
            bool digits = true;
            for (const char *p = s + 5; *p; p++)
                digits = digits && *p >= '0' && *p <= '9';
            if (digits) {
                json_t *r = NULL;
                if (!ret_value(ss, s + 5, &r, msg, cap)) return false;
                bool ok = stringify(ss, t, r, msg, cap);
                json_decref(r);
                return ok;
            }
        }
        put_json_str(t, s, json_string_length(v));
        return true;
    }
    case JSON_ARRAY: {
        putc_(t, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) putc_(t, ',');
            if (!stringify(ss, t, json_array_get(v, i), msg, cap)) return false;
        }
        putc_(t, ']');
        return true;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v), k = 0, nidx = 0;
        key_ref *keys = calloc(n ? n : 1, sizeof *keys);
        if (!keys) {
            snprintf(msg, cap, "out of memory");
            return false;
        }
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val)
        {
            uint64_t idx;
            if (index_key(key, &idx)) keys[nidx++] = (key_ref){key, idx};
        }
        qsort(keys, nidx, sizeof *keys, cmp_keys);
        k = nidx;
        json_object_foreach(v, key, val)
        {
            uint64_t idx;
            if (!index_key(key, &idx)) keys[k++] = (key_ref){key, 0};
        }
        putc_(t, '{');
        bool ok = true;
        for (size_t i = 0; i < k && ok; i++) {
            if (i) putc_(t, ',');
            put_json_str(t, keys[i].key, strlen(keys[i].key));
            putc_(t, ':');
            ok = stringify(ss, t, json_object_get(v, keys[i].key), msg, cap);
        }
        putc_(t, '}');
        free(keys);
        return ok;
    }
    }
    return true;
}

/* ---- nodes and calls ---- */

typedef struct node {
    char *name;
    uint8_t executor_id[32];
    bool has_seed;
    cr_splitmix rng;
    bool has_private;
    cr_storage *storage;
    cr_storage *private_storage;
    cr_module *module;
} node;

typedef struct call_record {
    bool has_returns;
    uint8_t *returns;
    size_t returns_len;
    uint8_t *artifact;
    size_t artifact_len;
} call_record;

struct scenario_state {
    cr_engine *eng;
    const char *apps;
    json_t *sc;
    uint8_t context_id[32];
    bool has_clock;
    cr_step_clock clock;
    node *nodes;
    size_t node_count;
    call_record *calls;
    size_t call_count;
};

static bool hex32(const char *s, uint8_t out[32])
{
    if (!s || strlen(s) != 64) return false;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return false;
        out[i] = (uint8_t)v;
    }
    for (int i = 0; i < 64; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i])) return false;
    return true;
}

/* A u64 from a JSON integer or a decimal string. */
static bool json_u64(json_t *v, uint64_t *out)
{
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0) return false;
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 18446744073709551616.0) {
        *out = (uint64_t)json_real_value(v);
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        unsigned long long x = strtoull(s, &end, 10);
        if (!*s || *end || errno || s[0] == '-') return false;
        *out = x;
        return true;
    }
    return false;
}

static bool ret_value(scenario_state *ss, const char *s, json_t **out, char *msg, size_t cap)
{
    size_t n = (size_t)strtoull(s, NULL, 10);
    if (n >= ss->call_count) {
        snprintf(msg, cap, "\"$ret:%s\" names a call that has not run", s);
        return false;
    }
    call_record *r = &ss->calls[n];
    if (!r->has_returns) {
        *out = json_null();
        return true;
    }
    json_error_t je;
    *out =
        json_loadb((const char *)r->returns, r->returns_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!*out) {
        snprintf(msg, cap, "\"$ret:%s\": the return value is not JSON: %s", s, je.text);
        return false;
    }
    return true;
}

static char *resolve_path(const scenario_state *ss, const char *wasm, char *msg, size_t cap)
{
    if (wasm[0] == '/') return strdup(wasm);
    if (!ss->apps) {
        snprintf(msg, cap, "--apps DIR is required to locate %s", wasm);
        return NULL;
    }
    size_t n = strlen(ss->apps) + strlen(wasm) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", ss->apps, wasm);
    return p;
}

static bool load_module(scenario_state *ss, const char *wasm, cr_module **out, char *msg,
                        size_t cap)
{
    char *path = resolve_path(ss, wasm, msg, cap);
    if (!path) return false;
    uint8_t *bytes;
    size_t len;
    if (!cr__file_read(path, &bytes, &len)) {
        snprintf(msg, cap, "cannot read %s: %s", path, strerror(errno));
        free(path);
        return false;
    }
    cr_error err;
    cr_status st = cr_module_compile(ss->eng, bytes, len, out, &err);
    free(bytes);
    if (st != CR_OK) {
        snprintf(msg, cap, "%s: %s", path, err.message);
        free(path);
        return false;
    }
    free(path);
    return true;
}

/* A node's settings: the top level with its "nodes" entry laid over it. */
static json_t *setting(scenario_state *ss, const char *name, const char *key)
{
    if (strcmp(name, "A") != 0) {
        json_t *nodes = json_object_get(ss->sc, "nodes");
        json_t *own = nodes ? json_object_get(nodes, name) : NULL;
        if (own && json_object_get(own, key)) return json_object_get(own, key);
    }
    return json_object_get(ss->sc, key);
}

static node *get_node(scenario_state *ss, const char *name, char *msg, size_t cap)
{
    for (size_t i = 0; i < ss->node_count; i++)
        if (strcmp(ss->nodes[i].name, name) == 0) return &ss->nodes[i];
    node *nodes = realloc(ss->nodes, (ss->node_count + 1) * sizeof *nodes);
    if (!nodes) {
        snprintf(msg, cap, "out of memory");
        return NULL;
    }
    ss->nodes = nodes;
    node *n = &nodes[ss->node_count];
    memset(n, 0, sizeof *n);
    n->name = strdup(name);
    if (!n->name) {
        snprintf(msg, cap, "out of memory");
        return NULL;
    }
    ss->node_count++;
    const char *exec = json_string_value(setting(ss, name, "executor_id"));
    if (!hex32(exec, n->executor_id)) {
        snprintf(msg, cap, "node %s: executor_id must be 64 hex digits", name);
        return NULL;
    }
    json_t *seed = setting(ss, name, "seed");
    if (seed && !json_is_null(seed)) {
        uint64_t s;
        if (!json_u64(seed, &s)) {
            snprintf(msg, cap, "node %s: seed must be a u64", name);
            return NULL;
        }
        n->has_seed = true;
        n->rng.state = s;
    }
    json_t *ps = setting(ss, name, "private_storage");
    n->has_private = !(ps && json_is_false(ps));
    cr_error err;
    if (cr_memory_storage_create(ss->eng, &n->storage, &err) != CR_OK ||
        (n->has_private && cr_memory_storage_create(ss->eng, &n->private_storage, &err) != CR_OK)) {
        snprintf(msg, cap, "%s", err.message);
        return NULL;
    }
    const char *wasm = json_string_value(json_object_get(ss->sc, "wasm"));
    if (!wasm) {
        snprintf(msg, cap, "the scenario names no \"wasm\"");
        return NULL;
    }
    if (!load_module(ss, wasm, &n->module, msg, cap)) return NULL;
    return n;
}

/* The call's writes net of the store before it: {committed, set, removed}. */
typedef struct diff_state {
    cr_storage *base;
    text *set, *removed;
    size_t nset, nremoved;
    cr_status st;
} diff_state;

static int diff_visit(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val,
                      size_t val_len)
{
    diff_state *d = ud;
    const uint8_t *bv = NULL;
    size_t bl = 0;
    cr_error err;
    d->st = cr_storage_get(d->base, key, key_len, &bv, &bl, &err);
    if (d->st != CR_OK) return 1;
    if (!val) {
        if (bv) {
            if (d->nremoved++) putc_(d->removed, ',');
            putc_(d->removed, '"');
            put_hex(d->removed, key, key_len);
            putc_(d->removed, '"');
        }
        return 0;
    }
    if (bv && bl == val_len && (val_len == 0 || memcmp(bv, val, val_len) == 0)) return 0;
    if (d->nset++) putc_(d->set, ',');
    putc_(d->set, '"');
    put_hex(d->set, key, key_len);
    puts_(d->set, "\":\"");
    put_hex(d->set, val, val_len);
    putc_(d->set, '"');
    return 0;
}

static bool put_diff(text *t, cr_stage *stage, cr_storage *base, bool committed)
{
    text set = {0}, removed = {0};
    diff_state d = {.base = base, .set = &set, .removed = &removed};
    cr_error err;
    cr_status st = cr_stage_iterate(stage, diff_visit, &d, &err);
    puts_(t, "{\"committed\":");
    puts_(t, committed ? "true" : "false");
    puts_(t, ",\"set\":{");
    if (set.s) put(t, set.s, set.len);
    puts_(t, "},\"removed\":[");
    if (removed.s) put(t, removed.s, removed.len);
    puts_(t, "]}");
    bool ok = st == CR_OK && d.st == CR_OK && !set.failed && !removed.failed;
    free(set.s);
    free(removed.s);
    return ok;
}

static int dump_visit(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val,
                      size_t val_len)
{
    text *t = ud;
    if (t->s && t->s[t->len - 1] != '{') putc_(t, ',');
    putc_(t, '"');
    put_hex(t, key, key_len);
    puts_(t, "\":\"");
    put_hex(t, val, val_len);
    putc_(t, '"');
    return 0;
}

static bool put_store(text *t, cr_storage *s)
{
    if (!s) {
        puts_(t, "null");
        return true;
    }
    putc_(t, '{');
    cr_error err;
    cr_status st = cr_storage_iterate(s, dump_visit, t, &err);
    putc_(t, '}');
    return st == CR_OK;
}

/* Builds the input bytes of call c into *in. */
static bool call_input(scenario_state *ss, json_t *c, text *in, char *msg, size_t cap)
{
    json_t *art = json_object_get(c, "artifact_of");
    if (art) {
        uint64_t n;
        if (!json_u64(art, &n) || n >= ss->call_count) {
            snprintf(msg, cap, "\"artifact_of\" names a call that has not run");
            return false;
        }
        put(in, "", 0);
        put(in, ss->calls[n].artifact, ss->calls[n].artifact_len);
        return !in->failed;
    }
    json_t *raw = json_object_get(c, "raw");
    if (raw) {
        if (json_is_string(raw)) {
            put(in, json_string_value(raw), json_string_length(raw));
        } else {
            /* String(value) of a non-string: the JSON text is close enough for numbers */
            if (!stringify(ss, in, raw, msg, cap)) return false;
        }
        return !in->failed;
    }
    json_t *input = json_object_get(c, "input");
    if (!input) {
        put(in, "", 0);
        return !in->failed;
    }
    if (!stringify(ss, in, input, msg, cap)) return false;
    return !in->failed;
}

static bool run_call(scenario_state *ss, size_t idx, json_t *c, FILE *out, char *msg, size_t cap)
{
    const char *method = json_string_value(json_object_get(c, "method"));
    if (!method) {
        snprintf(msg, cap, "call %zu: \"method\" must be a string", idx);
        return false;
    }
    const char *node_name = json_string_value(json_object_get(c, "node"));
    node *n = get_node(ss, node_name ? node_name : "A", msg, cap);
    if (!n) return false;
    const char *wasm = json_string_value(json_object_get(c, "wasm"));
    if (wasm) {
        cr_module *m;
        if (!load_module(ss, wasm, &m, msg, cap)) return false;
        cr_module_destroy(n->module);
        n->module = m;
    }
    text in = {0};
    if (!call_input(ss, c, &in, msg, cap)) {
        free(in.s);
        return false;
    }

    cr_stage *stage = NULL, *pstage = NULL;
    cr_error err;
    if (cr_stage_create(ss->eng, n->storage, &stage, &err) != CR_OK ||
        (n->private_storage &&
         cr_stage_create(ss->eng, n->private_storage, &pstage, &err) != CR_OK)) {
        snprintf(msg, cap, "%s", err.message);
        cr_stage_destroy(stage);
        free(in.s);
        return false;
    }
    cr_run_params p = cr_run_params_default();
    memcpy(p.context_id, ss->context_id, 32);
    memcpy(p.executor_id, n->executor_id, 32);
    p.method = method;
    p.method_len = json_string_length(json_object_get(c, "method"));
    p.input = (const uint8_t *)in.s;
    p.input_len = in.len;
    p.storage = cr_stage_storage(stage);
    p.private_storage = pstage ? cr_stage_storage(pstage) : NULL;
    if (ss->has_clock) {
        p.clock.now = cr_step_clock_now;
        p.clock.ud = &ss->clock;
    }
    if (n->has_seed) {
        p.random.fill = cr_splitmix_fill;
        p.random.ud = &n->rng;
    }
    cr_outcome *o = NULL;
    cr_status st = cr_run(n->module, &p, &o, &err);
    if (st != CR_OK) {
        snprintf(msg, cap, "call %zu (%s): %s", idx, method, err.message);
        cr_stage_destroy(stage);
        cr_stage_destroy(pstage);
        free(in.s);
        return false;
    }

    /* remember what later calls may refer to */
    call_record *rec = &ss->calls[ss->call_count];
    memset(rec, 0, sizeof *rec);
    const uint8_t *data;
    size_t len;
    if (cr_outcome_returns(o, &data, &len)) {
        rec->has_returns = true;
        rec->returns = malloc(len ? len : 1);
        if (rec->returns) memcpy(rec->returns, data, len);
        rec->returns_len = len;
    }
    data = cr_outcome_artifact(o, &len);
    rec->artifact = malloc(len ? len : 1);
    if (rec->artifact && len) memcpy(rec->artifact, data, len);
    rec->artifact_len = len;
    ss->call_count++;

    bool committed = cr_outcome_error(o) == CR_CALL_OK &&
                     (cr_outcome_root_hash(o) != NULL || strcmp(method, "init") == 0);

    text line = {0};
    puts_(&line, "{\"call\":");
    put_u64(&line, idx);
    if (node_name) {
        puts_(&line, ",\"node\":");
        put_json_str(&line, node_name, strlen(node_name));
    }
    if (wasm) {
        puts_(&line, ",\"wasm\":");
        put_json_str(&line, wasm, strlen(wasm));
    }
    puts_(&line, ",\"input\":");
    put_text_or_hex(&line, (const uint8_t *)in.s, in.len);
    puts_(&line, ",\"method\":");
    put_json_str(&line, method, p.method_len);
    const char *json;
    size_t json_len;
    bool ok = cr_outcome_to_json(o, &json, &json_len, &err) == CR_OK;
    if (ok && json_len >= 2) {
        putc_(&line, ',');
        put(&line, json + 1, json_len - 2);
    }
    puts_(&line, ",\"storage\":");
    ok = ok && put_diff(&line, stage, n->storage, committed);
    puts_(&line, ",\"private_storage\":");
    if (pstage)
        ok = ok && put_diff(&line, pstage, n->private_storage, committed);
    else
        puts_(&line, "null");
    putc_(&line, '}');
    if (committed) {
        ok = ok && cr_stage_commit(stage, &err) == CR_OK;
        if (pstage) ok = ok && cr_stage_commit(pstage, &err) == CR_OK;
    }
    if (ok && !line.failed)
        fprintf(out, "%s\n", line.s);
    else
        snprintf(msg, cap, "call %zu (%s): cannot produce its outcome line", idx, method);
    free(line.s);
    cr_outcome_destroy(o);
    cr_stage_destroy(stage);
    cr_stage_destroy(pstage);
    free(in.s);
    return ok && !line.failed;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: calimero-runtime scenario FILE.json --apps DIR [--out FILE]\n"
               "\n"
               "Replays a scenario (spec/scenario.md): one app, a list of calls against one\n"
               "context, a deterministic clock and random generator. Prints one JSON line per\n"
               "call (its input, outcome and storage writes), then one line per node with its\n"
               "final stores.\n"
               "\n"
               "  --apps DIR   folder of the app binaries the scenario names (\"wasm\")\n"
               "  --out FILE   write the lines to FILE instead of stdout\n");
}

static void state_free(scenario_state *ss)
{
    for (size_t i = 0; i < ss->node_count; i++) {
        node *n = &ss->nodes[i];
        cr_module_destroy(n->module);
        cr_storage_destroy(n->storage);
        cr_storage_destroy(n->private_storage);
        free(n->name);
    }
    free(ss->nodes);
    for (size_t i = 0; i < ss->call_count; i++) {
        free(ss->calls[i].returns);
        free(ss->calls[i].artifact);
    }
    free(ss->calls);
    cr_engine_destroy(ss->eng);
    json_decref(ss->sc);
}

int cr_cmd_scenario(int argc, char **argv)
{
    const char *file = NULL, *apps = NULL, *out_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--apps") && i + 1 < argc) {
            apps = argv[++i];
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out_path = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "error: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!file) {
            file = argv[i];
        } else {
            fprintf(stderr, "error: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!file) {
        usage(stderr);
        return 2;
    }
    scenario_state ss;
    memset(&ss, 0, sizeof ss);
    ss.apps = apps;
    json_error_t je;
    ss.sc = json_load_file(file, JSON_ALLOW_NUL, &je);
    if (!ss.sc || !json_is_object(ss.sc)) {
        fprintf(stderr, "error: %s:%d: %s\n", file, je.line, ss.sc ? "not an object" : je.text);
        json_decref(ss.sc);
        return 2;
    }
    char msg[512] = "";
    int rc = 1;
    FILE *out = stdout;
    json_t *calls = json_object_get(ss.sc, "calls");
    if (!hex32(json_string_value(json_object_get(ss.sc, "context_id")), ss.context_id)) {
        snprintf(msg, sizeof msg, "context_id must be 64 hex digits");
        rc = 2;
        goto done;
    }
    if (!json_is_array(calls)) {
        snprintf(msg, sizeof msg, "\"calls\" must be an array");
        rc = 2;
        goto done;
    }
    json_t *time = json_object_get(ss.sc, "time");
    if (time && json_is_object(time)) {
        if (!json_u64(json_object_get(time, "start"), &ss.clock.start) ||
            !json_u64(json_object_get(time, "step"), &ss.clock.step)) {
            snprintf(msg, sizeof msg, "time.start and time.step must be u64 nanoseconds");
            rc = 2;
            goto done;
        }
        ss.has_clock = true;
    }
    cr_engine_config cfg = cr_engine_config_default();
    cr_error err;
    if (cr_engine_create(&cfg, &ss.eng, &err) != CR_OK) {
        snprintf(msg, sizeof msg, "%s", err.message);
        goto done;
    }
    ss.calls = calloc(json_array_size(calls) + 1, sizeof *ss.calls);
    if (!ss.calls) {
        snprintf(msg, sizeof msg, "out of memory");
        goto done;
    }
    if (!get_node(&ss, "A", msg, sizeof msg)) goto done;
    if (out_path && !(out = fopen(out_path, "w"))) {
        snprintf(msg, sizeof msg, "cannot write %s: %s", out_path, strerror(errno));
        out = stdout;
        goto done;
    }
    for (size_t i = 0; i < json_array_size(calls); i++)
        if (!run_call(&ss, i, json_array_get(calls, i), out, msg, sizeof msg)) goto done;
    for (size_t i = 0; i < ss.node_count; i++) {
        node *n = &ss.nodes[i];
        text line = {0};
        putc_(&line, '{');
        if (ss.node_count > 1) {
            puts_(&line, "\"node\":");
            put_json_str(&line, n->name, strlen(n->name));
            putc_(&line, ',');
        }
        puts_(&line, "\"final_storage\":");
        bool ok = put_store(&line, n->storage);
        puts_(&line, ",\"final_private_storage\":");
        ok = ok && put_store(&line, n->private_storage);
        putc_(&line, '}');
        if (ok && !line.failed) fprintf(out, "%s\n", line.s);
        free(line.s);
        if (!ok || line.failed) {
            snprintf(msg, sizeof msg, "cannot dump the stores of node %s", n->name);
            goto done;
        }
    }
    rc = 0;
done:
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        snprintf(msg, sizeof msg, "cannot write %s: %s", out_path, strerror(errno));
        rc = 1;
    }
    if (rc) fprintf(stderr, "error: %s\n", msg);
    state_free(&ss);
    return rc;
}
