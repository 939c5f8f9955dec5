/*
 * spec_runner.c: executes one wast2json script against the engine. Commands run in
 * order; modules are decoded, validated and instantiated against the script's own
 * `spectest` instance and the modules it registered; assertions compare results bit for
 * bit (NaN classes as the suite defines them). Text-format modules are skipped, as are
 * SIMD scripts and modules the engine rejects as unsupported SIMD.
 */
#include "spec_runner.h"

#include "fileio.h"
#include "spectest.h"
#include "value.h"
#include "wasm.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Failures printed per script without --verbose. */
#define MAX_REPORTED 20

/* The outcome of one `module` command: what later commands address. */
typedef struct slot {
    wa_instance *inst;       /* NULL: it failed or was skipped */
    const char *skip_reason; /* non-NULL: skipped, so are the commands that use it */
    uint32_t line;
} slot;

/* A name bound to a module: "$M" names and `register`ed module names. */
typedef struct binding {
    char *name;
    size_t len;
    slot *target;
} binding;

typedef struct script {
    const cr__spec_opts *opts;
    FILE *out;
    char *dir;          /* directory of the JSON file, with a trailing '/' (or "") */
    const char *name;   /* base name of the JSON file */
    const char *source; /* source_filename: the .wast the lines refer to */
    uint32_t line;      /* of the command being run */
    const char *kind;   /* of the command being run */
    wa_config cfg;
    wa_thread *th;
    cr__spectest *spectest;

    wa_module **modules;
    size_t module_count, module_cap;
    wa_instance **instances;
    size_t instance_count, instance_cap;
    slot **slots;
    size_t slot_count, slot_cap;
    binding *names;
    size_t name_count, name_cap;
    binding *registry;
    size_t registry_count, registry_cap;
    slot *current;

    wa_value *args, *results;
    size_t args_cap, results_cap;

    cr__spec_counts counts;
    uint64_t reported;
} script;

/* ---- small helpers ---- */

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*arr, ncap * elem);
    if (!p) return false;
    *arr = p;
    *cap = ncap;
    return true;
}

#define PUSH(arr, count, cap, item) \
    (grow((void **)&(arr), &(cap), (count) + 1, sizeof *(arr)) && ((arr)[(count)++] = (item), true))

static const char *jstr(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Length-counted string member (names may hold NUL bytes). */
static bool jstrn(const json_t *obj, const char *key, const char **p, size_t *len)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) return false;
    *p = json_string_value(v);
    *len = json_string_length(v);
    return true;
}

static void report(script *s, bool always, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void report(script *s, bool always, const char *fmt, va_list ap)
{
    if (!always && !s->opts->verbose && s->reported >= MAX_REPORTED) return;
    fprintf(s->out, "  %s:%" PRIu32 ": %s: ", s->source, s->line, s->kind);
    vfprintf(s->out, fmt, ap);
    fputc('\n', s->out);
}

static void fail(script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(script *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(s, false, fmt, ap);
    va_end(ap);
    s->reported++;
    s->counts.failed++;
}

static void skip(script *s, const char *reason)
{
    s->counts.skipped++;
    if (s->opts->verbose)
        fprintf(s->out, "  %s:%" PRIu32 ": %s: skipped (%s)\n", s->source, s->line, s->kind,
                reason);
}

static void pass(script *s)
{
    s->counts.passed++;
}

static const char *filename(const json_t *cmd)
{
    const char *f = jstr(cmd, "filename");
    return f ? f : "?";
}

static bool is_simd_error(const wa_error *err)
{
    return err->st == WA_ERR_UNSUPPORTED && strstr(err->message, "SIMD");
}

/* Decimal of a bit pattern, as the JSON encodes every value. */
static bool parse_bits(const char *text, uint64_t *out)
{
    if (!text || !isdigit((unsigned char)*text)) return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

/* "i32 -1 (0xffffffff)", "externref ref.extern 3", "f32 nan (0x7fa00000)". */
static const char *describe(wa_valtype t, wa_value v, char *buf, size_t cap)
{
    char human[48];
    switch (t) {
    case WA_I32:
    case WA_F32:
        snprintf(buf, cap, "%s %s (0x%08" PRIx32 ")", wa_valtype_name(t),
                 cr__value_format(t, v, human, sizeof human), (uint32_t)v);
        break;
    case WA_I64:
    case WA_F64:
        snprintf(buf, cap, "%s %s (0x%016" PRIx64 ")", wa_valtype_name(t),
                 cr__value_format(t, v, human, sizeof human), v);
        break;
    case WA_EXTERNREF:
        if (v)
            snprintf(buf, cap, "externref ref.extern %" PRIu64, v - 1);
        else
            snprintf(buf, cap, "externref null");
        break;
    case WA_FUNCREF:
        snprintf(buf, cap, "funcref %s", v ? "ref.func" : "null");
        break;
    default:
        snprintf(buf, cap, "%s", wa_valtype_name(t));
        break;
    }
    return buf;
}

/* ---- modules ---- */

/* Decodes, validates and compiles the command's module file. On success the module is
   owned by the script (freed at its end). */
static wa_status load_module(script *s, const json_t *cmd, wa_module **out, wa_error *err)
{
    const char *file = jstr(cmd, "filename");
    if (!file) return wa_error_set(err, WA_ERR_ARG, "command has no filename");
    size_t plen = strlen(s->dir) + strlen(file) + 1;
    char *path = malloc(plen);
    if (!path) return wa_error_set(err, WA_ERR_NOMEM, "out of memory");
    snprintf(path, plen, "%s%s", s->dir, file);
    uint8_t *bytes;
    size_t len;
    bool ok = cr__file_read(path, &bytes, &len);
    free(path);
    if (!ok) return wa_error_set(err, WA_ERR_ARG, "cannot read %s", file);
    wa_module *m = NULL;
    wa_status st = wa_module_create(&s->cfg, bytes, len, &m, err);
    free(bytes);
    if (st != WA_OK) return st;
    if (!PUSH(s->modules, s->module_count, s->module_cap, m)) {
        wa_module_destroy(m);
        return wa_error_set(err, WA_ERR_NOMEM, "out of memory");
    }
    *out = m;
    return WA_OK;
}

static slot *find_binding(const binding *b, size_t count, const char *name, size_t len)
{
    for (size_t i = count; i-- > 0;) /* the latest binding wins */
        if (b[i].len == len && !memcmp(b[i].name, name, len)) return b[i].target;
    return NULL;
}

static bool bind(binding **arr, size_t *count, size_t *cap, const char *name, size_t len,
                 slot *target)
{
    char *copy = malloc(len + 1);
    if (!copy) return false;
    memcpy(copy, name, len);
    copy[len] = '\0';
    binding b = {copy, len, target};
    if (!PUSH(*arr, *count, *cap, b)) {
        free(copy);
        return false;
    }
    return true;
}

/*
 * Resolves every import of m against the registered modules, then spectest. Returns
 * WA_OK, WA_ERR_LINK ("unknown import" / "incompatible import type"), or WA_ERR_UNSUPPORTED
 * with *skip_reason set when an import comes from a skipped module.
 */
static wa_status resolve_imports(script *s, const wa_module *m, wa_extern *imports,
                                 const char **skip_reason, wa_error *err)
{
    uint32_t n = wa_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wa_extern_desc d;
        wa_module_import(m, i, &d);
        char mod[96], name[96];
        cr__name_escape(d.module, d.module_len, mod, sizeof mod);
        cr__name_escape(d.name, d.name_len, name, sizeof name);
        slot *from = find_binding(s->registry, s->registry_count, d.module, d.module_len);
        bool found;
        if (from) {
            if (from->skip_reason) {
                *skip_reason = from->skip_reason;
                return WA_ERR_UNSUPPORTED;
            }
            found = from->inst &&
                    wa_instance_export(from->inst, d.name, d.name_len, &imports[i]) == WA_OK;
        } else {
            found = d.module_len == 8 && !memcmp(d.module, "spectest", 8) &&
                    cr__spectest_lookup(s->spectest, d.name, d.name_len, &imports[i]);
        }
        if (!found) return wa_error_set(err, WA_ERR_LINK, "unknown import: %s.%s", mod, name);
        if (imports[i].kind != d.kind)
            return wa_error_set(err, WA_ERR_LINK, "incompatible import type: %s.%s", mod, name);
    }
    return WA_OK;
}

/*
 * Resolves imports and instantiates m. An instance that comes back (also a partly
 * initialised one after a trap, whose functions may already sit in shared tables) is
 * kept until the script ends.
 */
static wa_status instantiate(script *s, const wa_module *m, wa_instance **out,
                             const char **skip_reason, wa_error *err)
{
    uint32_t n = wa_module_import_count(m);
    wa_extern *imports = calloc(n ? n : 1, sizeof *imports);
    if (!imports) return wa_error_set(err, WA_ERR_NOMEM, "out of memory");
    *out = NULL;
    wa_status st = resolve_imports(s, m, imports, skip_reason, err);
    if (st == WA_OK) {
        wa_instance *inst = NULL;
        st = wa_instance_create(m, imports, n, s->th, &inst, err);
        if (inst && !PUSH(s->instances, s->instance_count, s->instance_cap, inst)) {
            wa_instance_destroy(inst);
            inst = NULL;
            st = wa_error_set(err, WA_ERR_NOMEM, "out of memory");
        }
        if (st == WA_OK) *out = inst;
    }
    free(imports);
    return st;
}

static slot *new_slot(script *s)
{
    slot *sl = calloc(1, sizeof *sl);
    if (!sl) return NULL;
    if (!PUSH(s->slots, s->slot_count, s->slot_cap, sl)) {
        free(sl);
        return NULL;
    }
    sl->line = s->line;
    return sl;
}

/* ---- actions ---- */

typedef enum act_result { ACT_DONE, ACT_TRAP, ACT_SKIP, ACT_ERROR } act_result;

typedef struct act {
    wa_error err;     /* ACT_TRAP: the trap; ACT_ERROR: what went wrong */
    const char *skip; /* ACT_SKIP: why */
    uint32_t nresults;
    const uint8_t *types; /* result types (wa_valtype bytes) */
    uint8_t global_type;  /* results type storage of a `get` */
    char field[96];       /* printable export name */
} act;

static act_result act_error(act *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static act_result act_error(act *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->err.message, sizeof a->err.message, fmt, ap);
    va_end(ap);
    return ACT_ERROR;
}

static act_result find_target(script *s, const json_t *action, slot **out, act *a)
{
    const char *mname;
    size_t mlen;
    slot *sl;
    if (jstrn(action, "module", &mname, &mlen)) {
        sl = find_binding(s->names, s->name_count, mname, mlen);
        if (!sl) return act_error(a, "unknown module %s", mname);
    } else {
        sl = s->current;
        if (!sl) return act_error(a, "no module defined yet");
    }
    if (sl->skip_reason) {
        a->skip = sl->skip_reason;
        return ACT_SKIP;
    }
    if (!sl->inst) return act_error(a, "the module of line %" PRIu32 " failed", sl->line);
    *out = sl;
    return ACT_DONE;
}

/* Parses one argument of the JSON ("type" + bit pattern "value") into *v. */
static act_result parse_arg(const json_t *arg, uint8_t want, wa_value *v, act *a)
{
    const char *tname = jstr(arg, "type"), *text = jstr(arg, "value");
    wa_valtype t;
    if (!tname || !cr__valtype_parse(tname, &t)) return act_error(a, "argument of unknown type");
    if (t == WA_V128) {
        a->skip = "SIMD";
        return ACT_SKIP;
    }
    if (t != want)
        return act_error(a, "argument type %s, the function takes %s", tname,
                         wa_valtype_name((wa_valtype)want));
    if (t == WA_FUNCREF || t == WA_EXTERNREF) {
        uint64_t n;
        if (text && !strcmp(text, "null"))
            *v = 0;
        else if (t == WA_EXTERNREF && parse_bits(text, &n) && n != UINT64_MAX)
            *v = cr__hostref(n);
        else
            return act_error(a, "bad %s argument", tname);
        return ACT_DONE;
    }
    if (!parse_bits(text, v)) return act_error(a, "bad %s argument", tname);
    return ACT_DONE;
}

/* Performs an invoke or get; results land in s->results. */
static act_result run_action(script *s, const json_t *action, act *a)
{
    memset(a, 0, sizeof *a);
    const char *type = jstr(action, "type"), *field;
    size_t flen;
    if (!type || !jstrn(action, "field", &field, &flen)) return act_error(a, "malformed action");
    cr__name_escape(field, flen, a->field, sizeof a->field);
    slot *sl = NULL;
    act_result r = find_target(s, action, &sl, a);
    if (r != ACT_DONE) return r;
    wa_extern ext;
    if (wa_instance_export(sl->inst, field, flen, &ext) != WA_OK)
        return act_error(a, "no export \"%s\"", a->field);

    if (!strcmp(type, "get")) {
        if (ext.kind != WA_EXTERN_GLOBAL)
            return act_error(a, "export \"%s\" is not a global", a->field);
        if (!grow((void **)&s->results, &s->results_cap, 1, sizeof *s->results))
            return act_error(a, "out of memory");
        s->results[0] = wa_global_get(ext.u.global);
        a->global_type = (uint8_t)wa_global_type(ext.u.global);
        a->types = &a->global_type;
        a->nresults = 1;
        return ACT_DONE;
    }
    if (strcmp(type, "invoke")) return act_error(a, "unknown action type %s", type);
    if (ext.kind != WA_EXTERN_FUNC)
        return act_error(a, "export \"%s\" is not a function", a->field);
    const wa_functype *ft = wa_func_type(ext.u.func);
    const json_t *args = json_object_get(action, "args");
    size_t nargs = json_array_size(args);
    if (nargs != ft->param_count)
        return act_error(a, "%zu arguments, the function takes %" PRIu32, nargs, ft->param_count);
    if (!grow((void **)&s->args, &s->args_cap, nargs + 1, sizeof *s->args) ||
        !grow((void **)&s->results, &s->results_cap, ft->result_count + 1, sizeof *s->results))
        return act_error(a, "out of memory");
    for (size_t i = 0; i < nargs; i++) {
        r = parse_arg(json_array_get(args, i), ft->params[i], &s->args[i], a);
        if (r != ACT_DONE) return r;
    }
    a->types = ft->results;
    a->nresults = ft->result_count;
    wa_status st =
        wa_call(s->th, ext.u.func, s->args, (uint32_t)nargs, s->results, ft->result_count, &a->err);
    if (st == WA_ERR_TRAP) return ACT_TRAP;
    if (st != WA_OK) {
        char msg[sizeof a->err.message];
        memcpy(msg, a->err.message, sizeof msg);
        return act_error(a, "call failed: %s: %s", wa_status_name(st), msg);
    }
    return ACT_DONE;
}

/* Appends "(arg, arg)" of an invoke to buf, for --verbose reports. */
static void describe_args(const json_t *action, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    const json_t *args = json_object_get(action, "args");
    for (size_t i = 0; i < json_array_size(args) && o + 1 < cap; i++) {
        const json_t *arg = json_array_get(args, i);
        const char *t = jstr(arg, "type"), *v = jstr(arg, "value");
        wa_valtype vt;
        uint64_t bits;
        char d[80];
        if (t && v && cr__valtype_parse(t, &vt) && parse_bits(v, &bits))
            describe(vt, vt == WA_EXTERNREF ? cr__hostref(bits) : bits, d, sizeof d);
        else
            snprintf(d, sizeof d, "%s %s", t ? t : "?", v ? v : "?");
        int n = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", d);
        if (n < 0) break;
        o += (size_t)n;
    }
}

static const char *action_label(const json_t *action, const act *a, char *buf, size_t cap)
{
    const char *type = jstr(action, "type");
    if (type && !strcmp(type, "get")) {
        snprintf(buf, cap, "get \"%s\"", a->field);
    } else {
        char args[512];
        describe_args(action, args, sizeof args);
        snprintf(buf, cap, "invoke \"%s\"(%s)", a->field, args);
    }
    return buf;
}

/* Reports an action that did not complete normally. */
static void fail_action(script *s, const json_t *action, act_result r, const act *a)
{
    char label[640];
    action_label(action, a, label, sizeof label);
    if (r == ACT_TRAP)
        fail(s, "%s: unexpected trap: %s", label, a->err.message);
    else
        fail(s, "%s: %s", label, a->err.message);
}

/* ---- result matching ---- */

static bool match_nan(uint8_t t, const char *text, wa_value v, bool *is_nan_class)
{
    bool canonical = !strcmp(text, "nan:canonical");
    bool arithmetic = !strcmp(text, "nan:arithmetic");
    *is_nan_class = canonical || arithmetic;
    if (!*is_nan_class) return false;
    if (t == WA_F32)
        return canonical ? (v & 0x7fffffffu) == 0x7fc00000u : (v & 0x7fc00000u) == 0x7fc00000u;
    return canonical ? (v & 0x7fffffffffffffffu) == 0x7ff8000000000000u
                     : (v & 0x7ff8000000000000u) == 0x7ff8000000000000u;
}

/* Checks results against "expected". Returns false after reporting (or skipping). */
static bool check_results(script *s, const json_t *cmd, const json_t *action, const act *a)
{
    const json_t *exp = json_object_get(cmd, "expected");
    size_t n = json_array_size(exp);
    char label[640];
    if (n != a->nresults) {
        fail(s, "%s: %" PRIu32 " results, expected %zu",
             action_label(action, a, label, sizeof label), a->nresults, n);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(exp, i);
        const char *tname = jstr(e, "type"), *text = jstr(e, "value");
        wa_valtype t;
        if (!tname || !cr__valtype_parse(tname, &t)) {
            fail(s, "expected value of unknown type");
            return false;
        }
        if (t == WA_V128) {
            skip(s, "SIMD");
            return false;
        }
        wa_valtype got_t = (wa_valtype)a->types[i];
        wa_value got = s->results[i];
        char gd[96], ed[96];
        if (got_t != t) {
            fail(s, "%s: result %zu: got %s, expected type %s",
                 action_label(action, a, label, sizeof label), i,
                 describe(got_t, got, gd, sizeof gd), tname);
            return false;
        }
        bool ok, nan_class = false;
        uint64_t want = 0;
        if (t == WA_F32 || t == WA_F64) {
            ok = text && match_nan(t, text, got, &nan_class);
            if (!nan_class) {
                if (!parse_bits(text, &want)) {
                    fail(s, "bad expected value");
                    return false;
                }
                ok = got == want;
            }
        } else if (t == WA_FUNCREF || t == WA_EXTERNREF) {
            if (!text) { /* any non-null reference */
                ok = got != 0;
                want = 1;
            } else if (!strcmp(text, "null")) {
                ok = got == 0;
            } else if (t == WA_EXTERNREF && parse_bits(text, &want) && want != UINT64_MAX) {
                want = cr__hostref(want);
                ok = got == want;
            } else {
                fail(s, "bad expected value");
                return false;
            }
        } else {
            if (!parse_bits(text, &want)) {
                fail(s, "bad expected value");
                return false;
            }
            ok = t == WA_I32 ? (uint32_t)got == want && want <= UINT32_MAX : got == want;
        }
        if (!ok) {
            if (nan_class)
                snprintf(ed, sizeof ed, "%s %s", tname, text);
            else if ((t == WA_FUNCREF || t == WA_EXTERNREF) && !text)
                snprintf(ed, sizeof ed, "%s non-null", tname);
            else
                describe(t, want, ed, sizeof ed);
            fail(s, "%s: result %zu: got %s, expected %s",
                 action_label(action, a, label, sizeof label), i,
                 describe(got_t, got, gd, sizeof gd), ed);
            return false;
        }
    }
    return true;
}

/* The suite's trap text against the engine's trap kind ("uninitialized element 2" is
   "uninitialized element" plus the index). */
static bool trap_text_matches(wa_trap trap, const char *text)
{
    const char *msg = wa_trap_str(trap);
    size_t n = strlen(msg);
    if (!text) return true;
    return !strncmp(text, msg, n) && (text[n] == '\0' || text[n] == ' ');
}

/* ---- commands ---- */

static void cmd_module(script *s, const json_t *cmd)
{
    slot *sl = new_slot(s);
    if (!sl) {
        fail(s, "out of memory");
        return;
    }
    s->current = sl;
    const char *name;
    size_t nlen;
    if (jstrn(cmd, "name", &name, &nlen) &&
        !bind(&s->names, &s->name_count, &s->name_cap, name, nlen, sl)) {
        fail(s, "out of memory");
        return;
    }
    wa_error err = {0};
    wa_module *m = NULL;
    wa_status st = load_module(s, cmd, &m, &err);
    if (st != WA_OK) {
        if (is_simd_error(&err)) {
            sl->skip_reason = "SIMD";
            skip(s, "SIMD");
        } else {
            fail(s, "%s: %s", filename(cmd), err.message);
        }
        return;
    }
    wa_instance *inst = NULL;
    const char *why = NULL;
    st = instantiate(s, m, &inst, &why, &err);
    if (why) {
        sl->skip_reason = why;
        skip(s, why);
        return;
    }
    if (st != WA_OK) {
        fail(s, "%s: instantiation failed: %s", filename(cmd), err.message);
        return;
    }
    sl->inst = inst;
    pass(s);
}

static void cmd_register(script *s, const json_t *cmd)
{
    const char *as, *name;
    size_t alen, nlen;
    if (!jstrn(cmd, "as", &as, &alen)) {
        fail(s, "register without \"as\"");
        return;
    }
    slot *sl = jstrn(cmd, "name", &name, &nlen) ? find_binding(s->names, s->name_count, name, nlen)
                                                : s->current;
    if (!sl) {
        fail(s, "no module to register");
        return;
    }
    if (!bind(&s->registry, &s->registry_count, &s->registry_cap, as, alen, sl)) {
        fail(s, "out of memory");
        return;
    }
    if (sl->skip_reason)
        skip(s, sl->skip_reason);
    else if (!sl->inst)
        fail(s, "the module of line %" PRIu32 " failed", sl->line);
    else
        pass(s);
}

static void cmd_action(script *s, const json_t *cmd)
{
    const json_t *action = json_object_get(cmd, "action");
    act a;
    act_result r = run_action(s, action, &a);
    if (r == ACT_SKIP)
        skip(s, a.skip);
    else if (r != ACT_DONE)
        fail_action(s, action, r, &a);
    else
        pass(s);
}

static void cmd_assert_return(script *s, const json_t *cmd)
{
    const json_t *action = json_object_get(cmd, "action");
    act a;
    act_result r = run_action(s, action, &a);
    if (r == ACT_SKIP)
        skip(s, a.skip);
    else if (r != ACT_DONE)
        fail_action(s, action, r, &a);
    else if (check_results(s, cmd, action, &a))
        pass(s);
}

/* assert_trap and assert_exhaustion. */
static void cmd_assert_trap(script *s, const json_t *cmd)
{
    const json_t *action = json_object_get(cmd, "action");
    const char *text = jstr(cmd, "text");
    bool exhaustion = !strcmp(s->kind, "assert_exhaustion");
    act a;
    char label[640];
    act_result r = run_action(s, action, &a);
    if (r == ACT_SKIP) {
        skip(s, a.skip);
    } else if (r == ACT_ERROR) {
        fail_action(s, action, r, &a);
    } else if (r == ACT_DONE) {
        fail(s, "%s: returned, expected trap \"%s\"", action_label(action, &a, label, sizeof label),
             text ? text : "");
    } else if (exhaustion && a.err.trap != WA_TRAP_STACK_EXHAUSTED) {
        fail(s, "%s: trapped with \"%s\", expected call stack exhaustion",
             action_label(action, &a, label, sizeof label), a.err.message);
    } else if (s->opts->check_messages && !trap_text_matches(a.err.trap, text)) {
        fail(s, "%s: trapped with \"%s\", expected \"%s\"",
             action_label(action, &a, label, sizeof label), wa_trap_str(a.err.trap), text);
    } else {
        pass(s);
    }
}

/* assert_malformed and assert_invalid: any rejection by wa_module_create passes. */
static void cmd_assert_rejected(script *s, const json_t *cmd)
{
    const char *mtype = jstr(cmd, "module_type");
    if (mtype && !strcmp(mtype, "text")) {
        skip(s, "text format");
        return;
    }
    wa_error err = {0};
    wa_module *m = NULL;
    wa_status st = load_module(s, cmd, &m, &err);
    if (st == WA_OK)
        fail(s, "%s: module accepted, expected \"%s\"", filename(cmd),
             jstr(cmd, "text") ? jstr(cmd, "text") : "");
    else if (is_simd_error(&err))
        skip(s, "SIMD");
    else if (st == WA_ERR_MALFORMED || st == WA_ERR_INVALID || st == WA_ERR_LIMIT)
        pass(s);
    else
        fail(s, "%s: %s", filename(cmd), err.message);
}

/* assert_unlinkable and assert_uninstantiable. */
static void cmd_assert_instantiation(script *s, const json_t *cmd)
{
    bool link = !strcmp(s->kind, "assert_unlinkable");
    const char *text = jstr(cmd, "text"), *file = filename(cmd);
    wa_error err = {0};
    wa_module *m = NULL;
    wa_status st = load_module(s, cmd, &m, &err);
    if (st != WA_OK) {
        if (is_simd_error(&err))
            skip(s, "SIMD");
        else
            fail(s, "%s: %s", file, err.message);
        return;
    }
    wa_instance *inst = NULL;
    const char *why = NULL;
    st = instantiate(s, m, &inst, &why, &err);
    if (why) {
        skip(s, why);
        return;
    }
    wa_status want = link ? WA_ERR_LINK : WA_ERR_TRAP;
    if (st == WA_OK) {
        fail(s, "%s: instantiated, expected \"%s\"", file, text ? text : "");
    } else if (st != want) {
        fail(s, "%s: %s, expected \"%s\"", file, err.message, text ? text : "");
    } else if (s->opts->check_messages &&
               (link ? !text || !strstr(err.message, text) : !trap_text_matches(err.trap, text))) {
        fail(s, "%s: failed with \"%s\", expected \"%s\"", file, err.message, text);
    } else {
        pass(s);
    }
}

static const struct {
    const char *type;
    void (*run)(script *s, const json_t *cmd);
} commands[] = {
    {"module", cmd_module},
    {"register", cmd_register},
    {"action", cmd_action},
    {"assert_return", cmd_assert_return},
    {"assert_trap", cmd_assert_trap},
    {"assert_exhaustion", cmd_assert_trap},
    {"assert_malformed", cmd_assert_rejected},
    {"assert_invalid", cmd_assert_rejected},
    {"assert_unlinkable", cmd_assert_instantiation},
    {"assert_uninstantiable", cmd_assert_instantiation},
};

/* ---- scripts ---- */

static bool skip_listed(const script *s, uint32_t line, bool whole_file)
{
    for (size_t i = 0; i < s->opts->skip_count; i++) {
        const cr__spec_skip *k = &s->opts->skips[i];
        if (!strcmp(k->file, s->name) && (k->line == 0 || (!whole_file && k->line == line)))
            return true;
    }
    return false;
}

static void run_command(script *s, const json_t *cmd)
{
    const char *type = jstr(cmd, "type");
    json_int_t line = json_integer_value(json_object_get(cmd, "line"));
    s->line = line > 0 && line <= UINT32_MAX ? (uint32_t)line : 0;
    s->kind = type ? type : "?";
    if (skip_listed(s, s->line, false)) {
        if (!strcmp(s->kind, "module")) { /* later commands on it are skipped too */
            slot *sl = new_slot(s);
            const char *name;
            size_t nlen;
            if (sl) {
                sl->skip_reason = "skip list";
                s->current = sl;
                if (jstrn(cmd, "name", &name, &nlen))
                    bind(&s->names, &s->name_count, &s->name_cap, name, nlen, sl);
            }
        }
        skip(s, "skip list");
        return;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (type && !strcmp(type, commands[i].type)) {
            commands[i].run(s, cmd);
            return;
        }
    fail(s, "unknown command type");
}

static void script_free(script *s)
{
    for (size_t i = s->instance_count; i-- > 0;)
        wa_instance_destroy(s->instances[i]);
    for (size_t i = s->module_count; i-- > 0;)
        wa_module_destroy(s->modules[i]);
    for (size_t i = 0; i < s->slot_count; i++)
        free(s->slots[i]);
    for (size_t i = 0; i < s->name_count; i++)
        free(s->names[i].name);
    for (size_t i = 0; i < s->registry_count; i++)
        free(s->registry[i].name);
    cr__spectest_destroy(s->spectest);
    wa_thread_destroy(s->th);
    free(s->instances);
    free(s->modules);
    free(s->slots);
    free(s->names);
    free(s->registry);
    free(s->args);
    free(s->results);
    free(s->dir);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void cr__spec_run_file(const cr__spec_opts *opts, const char *path, cr__spec_counts *total,
                       FILE *out)
{
    script s;
    memset(&s, 0, sizeof s);
    s.opts = opts;
    s.out = out;
    s.name = base_name(path);
    s.source = s.name;
    s.kind = "script";
    s.cfg = wa_config_default();

    size_t dlen = (size_t)(s.name - path);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    const json_t *cmds = json_object_get(root, "commands");
    s.dir = malloc(dlen + 1);
    if (s.dir) {
        memcpy(s.dir, path, dlen);
        s.dir[dlen] = '\0';
    }
    if (!root) {
        fail(&s, "cannot read: %s (line %d)", jerr.text, jerr.line);
    } else if (!json_is_array(cmds)) {
        fail(&s, "no \"commands\" array");
    } else if (!strncmp(s.name, "simd_", 5) || skip_listed(&s, 0, true)) {
        /* SIMD scripts are skipped whole: the engine rejects v128 as unsupported */
        s.counts.skipped += json_array_size(cmds);
        if (opts->verbose)
            fprintf(out, "  %s: skipped (%s)\n", s.name,
                    strncmp(s.name, "simd_", 5) ? "skip list" : "SIMD");
    } else {
        const char *src = jstr(root, "source_filename");
        if (src) s.source = src;
        s.th = wa_thread_create(&s.cfg);
        s.spectest = cr__spectest_create(&s.cfg);
        if (!s.dir || !s.th || !s.spectest) {
            fail(&s, "out of memory");
        } else {
            for (size_t i = 0; i < json_array_size(cmds); i++)
                run_command(&s, json_array_get(cmds, i));
        }
    }
    if (!opts->verbose && s.reported > MAX_REPORTED)
        fprintf(out, "  %s: ... and %" PRIu64 " more failures (--verbose shows all)\n", s.source,
                s.reported - MAX_REPORTED);
    fprintf(out, "%s: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", s.name,
            s.counts.passed, s.counts.failed, s.counts.skipped);
    fflush(out);
    total->passed += s.counts.passed;
    total->failed += s.counts.failed;
    total->skipped += s.counts.skipped;
    script_free(&s);
    json_decref(root);
}

/* ---- skip list ---- */

void cr__spec_skips_free(cr__spec_skip *skips, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(skips[i].file);
    free(skips);
}

bool cr__spec_skips_load(const char *path, cr__spec_skip **out, size_t *count, char *err,
                         size_t err_cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_cap, "cannot open skip list %s", path);
        return false;
    }
    cr__spec_skip *skips = NULL;
    size_t n = 0, cap = 0;
    char buf[1024];
    uint32_t lineno = 0;
    bool ok = true;
    while (ok && fgets(buf, sizeof buf, f)) {
        lineno++;
        char *p = buf;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#') continue;
        size_t len = strcspn(p, " \t\r\n");
        p[len] = '\0';
        char *colon = strchr(p, ':');
        cr__spec_skip k = {NULL, 0};
        if (colon) {
            *colon = '\0';
            char *end;
            unsigned long line = strtoul(colon + 1, &end, 10);
            if (*end || end == colon + 1 || line == 0 || line > UINT32_MAX) {
                snprintf(err, err_cap, "%s:%" PRIu32 ": bad line number", path, lineno);
                ok = false;
                break;
            }
            k.line = (uint32_t)line;
        }
        k.file = strdup(p);
        if (!k.file || !PUSH(skips, n, cap, k)) {
            free(k.file);
            snprintf(err, err_cap, "out of memory");
            ok = false;
        }
    }
    fclose(f);
    if (!ok) {
        cr__spec_skips_free(skips, n);
        return false;
    }
    *out = skips;
    *count = n;
    return true;
}
