/*
 * errors.c: upstream's FunctionCallError as the outcome reports it: serde JSON shapes
 * and Display texts (runtime-model.md §11, pinned by upstream's tests/errors.rs), the
 * engine-trap mapping (§11.4) and method-name validation (§4).
 */
#include "logic.h"

#include <string.h>

enum shape { UNIT, ID, MAX, SIZE_AND_MAX, CURRENT_MAX, STR, NUM, PANIC };

typedef struct host_error_info {
    const char *name;
    enum shape shape;
    const char *display;
} host_error_info;

static const host_error_info host_errors[] = {
#define CR_X(id, name, shape, display) {name, shape, display},
    CR_HOST_ERROR_MAP(CR_X)
#undef CR_X
};

typedef struct trap_info {
    const char *name;
    const char *display;
} trap_info;

static const trap_info traps[] = {
#define CR_X(id, name, display) {name, display},
    CR_WASM_TRAP_MAP(CR_X)
#undef CR_X
};

static const char *const method_errors[] = {
#define CR_X(id, name) name,
    CR_METHOD_ERROR_MAP(CR_X)
#undef CR_X
};

const char *cr__fcerr_variant(const cr__fcerr *e)
{
    switch (e->kind) {
    case CR_CALL_OK:
        return NULL;
    case CR_CALL_COMPILATION:
        return "CompilationError";
    case CR_CALL_LINK:
        return "LinkError";
    case CR_CALL_METHOD_RESOLUTION:
        return method_errors[e->variant];
    case CR_CALL_WASM_TRAP:
        return traps[e->variant].name;
    case CR_CALL_HOST:
        return host_errors[e->variant].name;
    case CR_CALL_EXECUTION:
        return "ExecutionError";
    case CR_CALL_MODULE_SIZE:
        return "ModuleSizeLimitExceeded";
    case CR_CALL_GAS_EXHAUSTED:
        return "GasExhausted";
    }
    return NULL;
}

static void json_key(cr__sbuf *sb, const char *key)
{
    cr__sbuf_putc(sb, '"');
    cr__sbuf_puts(sb, key);
    cr__sbuf_puts(sb, "\":");
}

static void json_u64_field(cr__sbuf *sb, const char *key, uint64_t v)
{
    json_key(sb, key);
    cr__sbuf_u64(sb, v);
}

static void json_char(cr__sbuf *sb, uint32_t ch)
{
    char enc[4];
    size_t n;
    if (ch < 0x80) {
        enc[0] = (char)ch;
        n = 1;
    } else if (ch < 0x800) {
        enc[0] = (char)(0xc0 | ch >> 6);
        enc[1] = (char)(0x80 | (ch & 0x3f));
        n = 2;
    } else if (ch < 0x10000) {
        enc[0] = (char)(0xe0 | ch >> 12);
        enc[1] = (char)(0x80 | (ch >> 6 & 0x3f));
        enc[2] = (char)(0x80 | (ch & 0x3f));
        n = 3;
    } else {
        enc[0] = (char)(0xf0 | ch >> 18);
        enc[1] = (char)(0x80 | (ch >> 12 & 0x3f));
        enc[2] = (char)(0x80 | (ch >> 6 & 0x3f));
        enc[3] = (char)(0x80 | (ch & 0x3f));
        n = 4;
    }
    cr__sbuf_json_str(sb, enc, n);
}

static void host_error_json(const cr__fcerr *e, cr__sbuf *sb)
{
    const host_error_info *h = &host_errors[e->variant];
    cr__sbuf_puts(sb, "{\"type\":");
    cr__sbuf_json_str(sb, h->name, strlen(h->name));
    switch (h->shape) {
    case UNIT:
        break;
    case ID:
        cr__sbuf_puts(sb, ",\"data\":{");
        json_u64_field(sb, "id", e->a);
        cr__sbuf_putc(sb, '}');
        break;
    case MAX:
        cr__sbuf_puts(sb, ",\"data\":{");
        json_u64_field(sb, "max", e->a);
        cr__sbuf_putc(sb, '}');
        break;
    case SIZE_AND_MAX:
        cr__sbuf_puts(sb, ",\"data\":{");
        json_u64_field(sb, "size", e->a);
        cr__sbuf_putc(sb, ',');
        json_u64_field(sb, "max", e->b);
        cr__sbuf_putc(sb, '}');
        break;
    case CURRENT_MAX:
        cr__sbuf_puts(sb, ",\"data\":{");
        json_u64_field(sb, "current", e->a);
        cr__sbuf_putc(sb, ',');
        json_u64_field(sb, "max", e->b);
        cr__sbuf_putc(sb, '}');
        break;
    case STR:
        cr__sbuf_puts(sb, ",\"data\":");
        cr__sbuf_json_str(sb, e->s, e->s_len);
        break;
    case NUM:
        cr__sbuf_puts(sb, ",\"data\":");
        cr__sbuf_u64(sb, e->a);
        break;
    case PANIC:
        cr__sbuf_puts(sb, ",\"data\":{\"context\":");
        cr__sbuf_puts(sb, e->host_panic ? "\"Host\"" : "\"Guest\"");
        cr__sbuf_puts(sb, ",\"message\":");
        cr__sbuf_json_str(sb, e->s, e->s_len);
        if (e->has_location) {
            cr__sbuf_puts(sb, ",\"location\":{\"file\":");
            cr__sbuf_json_str(sb, e->file, e->file_len);
            cr__sbuf_putc(sb, ',');
            json_u64_field(sb, "line", e->line);
            cr__sbuf_putc(sb, ',');
            json_u64_field(sb, "column", e->column);
            cr__sbuf_putc(sb, '}');
        }
        cr__sbuf_putc(sb, '}');
        break;
    }
    cr__sbuf_putc(sb, '}');
}

static void method_error_json(const cr__fcerr *e, cr__sbuf *sb)
{
    cr__sbuf_puts(sb, "{\"type\":\"");
    cr__sbuf_puts(sb, method_errors[e->variant]);
    cr__sbuf_putc(sb, '"');
    switch ((cr__method_error)e->variant) {
    case CR_METHOD_EMPTY_METHOD_NAME:
        break;
    case CR_METHOD_INVALID_SIGNATURE:
    case CR_METHOD_METHOD_NOT_FOUND:
        cr__sbuf_puts(sb, ",\"data\":{\"name\":");
        cr__sbuf_json_str(sb, e->s, e->s_len);
        cr__sbuf_putc(sb, '}');
        break;
    case CR_METHOD_METHOD_NAME_TOO_LONG:
        cr__sbuf_puts(sb, ",\"data\":{\"name\":");
        cr__sbuf_json_str(sb, e->s, e->s_len);
        cr__sbuf_putc(sb, ',');
        json_u64_field(sb, "length", e->a);
        cr__sbuf_putc(sb, ',');
        json_u64_field(sb, "max", e->b);
        cr__sbuf_putc(sb, '}');
        break;
    case CR_METHOD_INVALID_METHOD_NAME_CHARACTER:
        cr__sbuf_puts(sb, ",\"data\":{\"name\":");
        cr__sbuf_json_str(sb, e->s, e->s_len);
        cr__sbuf_puts(sb, ",\"character\":");
        json_char(sb, e->ch);
        cr__sbuf_putc(sb, ',');
        json_u64_field(sb, "position", e->a);
        cr__sbuf_putc(sb, '}');
        break;
    }
    cr__sbuf_putc(sb, '}');
}

void cr__fcerr_json(const cr__fcerr *e, cr__sbuf *sb)
{
    switch (e->kind) {
    case CR_CALL_OK:
        cr__sbuf_puts(sb, "null");
        return;
    case CR_CALL_COMPILATION:
        cr__sbuf_puts(sb, "{\"type\":\"CompilationError\",\"data\":{}}");
        return;
    case CR_CALL_LINK:
        cr__sbuf_puts(sb, "{\"type\":\"LinkError\",\"data\":{}}");
        return;
    case CR_CALL_METHOD_RESOLUTION:
        cr__sbuf_puts(sb, "{\"type\":\"MethodResolutionError\",\"data\":");
        method_error_json(e, sb);
        cr__sbuf_putc(sb, '}');
        return;
    case CR_CALL_WASM_TRAP:
        cr__sbuf_puts(sb, "{\"type\":\"WasmTrap\",\"data\":\"");
        cr__sbuf_puts(sb, traps[e->variant].name);
        cr__sbuf_puts(sb, "\"}");
        return;
    case CR_CALL_HOST:
        cr__sbuf_puts(sb, "{\"type\":\"HostError\",\"data\":");
        host_error_json(e, sb);
        cr__sbuf_putc(sb, '}');
        return;
    case CR_CALL_EXECUTION:
        cr__sbuf_puts(sb, "{\"type\":\"ExecutionError\",\"data\":[");
        for (size_t i = 0; i < e->payload_len; i++) {
            if (i) cr__sbuf_putc(sb, ',');
            cr__sbuf_u64(sb, e->payload[i]);
        }
        cr__sbuf_puts(sb, "]}");
        return;
    case CR_CALL_MODULE_SIZE:
        cr__sbuf_puts(sb, "{\"type\":\"ModuleSizeLimitExceeded\",\"data\":{");
        json_u64_field(sb, "size", e->a);
        cr__sbuf_putc(sb, ',');
        json_u64_field(sb, "max", e->b);
        cr__sbuf_puts(sb, "}}");
        return;
    case CR_CALL_GAS_EXHAUSTED:
        cr__sbuf_puts(sb, "{\"type\":\"GasExhausted\",\"data\":{");
        json_u64_field(sb, "limit", e->a);
        cr__sbuf_puts(sb, "}}");
        return;
    }
}

/* Expands {a}, {b}, {s} of a Display template. */
static void expand(cr__sbuf *sb, const char *t, const cr__fcerr *e)
{
    while (*t) {
        if (t[0] == '{' && t[1] && t[2] == '}') {
            if (t[1] == 'a')
                cr__sbuf_u64(sb, e->a);
            else if (t[1] == 'b')
                cr__sbuf_u64(sb, e->b);
            else if (t[1] == 's')
                cr__sbuf_put(sb, e->s, e->s_len);
            t += 3;
            continue;
        }
        cr__sbuf_putc(sb, *t++);
    }
}

void cr__fcerr_display(const cr__fcerr *e, cr__sbuf *sb)
{
    switch (e->kind) {
    case CR_CALL_OK:
        return;
    case CR_CALL_COMPILATION:
        cr__sbuf_puts(sb, "compilation error: ");
        cr__sbuf_put(sb, e->s, e->s_len);
        return;
    case CR_CALL_LINK:
        cr__sbuf_puts(sb, "link error: ");
        cr__sbuf_put(sb, e->s, e->s_len);
        return;
    case CR_CALL_METHOD_RESOLUTION:
        switch ((cr__method_error)e->variant) {
        case CR_METHOD_INVALID_SIGNATURE:
            cr__sbuf_puts(sb, "method ");
            cr__sbuf_rust_str(sb, e->s, e->s_len);
            cr__sbuf_puts(sb, " has invalid signature: expected no arguments and no return value");
            return;
        case CR_METHOD_METHOD_NOT_FOUND:
            cr__sbuf_puts(sb, "method ");
            cr__sbuf_rust_str(sb, e->s, e->s_len);
            cr__sbuf_puts(sb, " not found");
            return;
        case CR_METHOD_METHOD_NAME_TOO_LONG:
            cr__sbuf_puts(sb, "method name too long: ");
            cr__sbuf_u64(sb, e->a);
            cr__sbuf_puts(sb, " bytes (max: ");
            cr__sbuf_u64(sb, e->b);
            cr__sbuf_putc(sb, ')');
            return;
        case CR_METHOD_INVALID_METHOD_NAME_CHARACTER:
            cr__sbuf_puts(sb, "method name contains invalid character at position ");
            cr__sbuf_u64(sb, e->a);
            cr__sbuf_puts(sb, ": ");
            cr__sbuf_rust_char(sb, e->ch);
            return;
        case CR_METHOD_EMPTY_METHOD_NAME:
            cr__sbuf_puts(sb, "method name is empty");
            return;
        }
        return;
    case CR_CALL_WASM_TRAP:
        cr__sbuf_puts(sb, traps[e->variant].display);
        return;
    case CR_CALL_HOST:
        if (e->variant == CR_HOST_PANIC) {
            cr__sbuf_puts(sb, e->host_panic ? "host panicked: " : "guest panicked: ");
            cr__sbuf_put(sb, e->s, e->s_len);
            if (e->has_location) {
                cr__sbuf_puts(sb, " at ");
                cr__sbuf_put(sb, e->file, e->file_len);
                cr__sbuf_putc(sb, ':');
                cr__sbuf_u64(sb, e->line);
                cr__sbuf_putc(sb, ':');
                cr__sbuf_u64(sb, e->column);
            }
            return;
        }
        expand(sb, host_errors[e->variant].display, e);
        return;
    case CR_CALL_EXECUTION:
        /* {0:?} of a Vec<u8>: [1, 2, 3] */
        cr__sbuf_puts(sb, "the method call returned an error: [");
        for (size_t i = 0; i < e->payload_len; i++) {
            if (i) cr__sbuf_puts(sb, ", ");
            cr__sbuf_u64(sb, e->payload[i]);
        }
        cr__sbuf_putc(sb, ']');
        return;
    case CR_CALL_MODULE_SIZE:
        cr__sbuf_puts(sb, "module size limit (max_module_size) exceeded: ");
        cr__sbuf_u64(sb, e->a);
        cr__sbuf_puts(sb, " bytes > ");
        cr__sbuf_u64(sb, e->b);
        cr__sbuf_puts(sb, " bytes limit");
        return;
    case CR_CALL_GAS_EXHAUSTED:
        cr__sbuf_puts(sb, "execution exhausted its gas limit of ");
        cr__sbuf_u64(sb, e->a);
        cr__sbuf_puts(sb, " points");
        return;
    }
}

/*
 * runtime-model.md §11.4: wasmer's trap codes onto WasmTrap. Table access out of bounds
 * folds into MemoryOutOfBounds upstream; an uninitialised element is a call to null.
 */
cr__trap cr__trap_from_wa(wa_trap t)
{
    switch (t) {
    case WA_TRAP_UNREACHABLE:
        return CR_TRAP_UNREACHABLE;
    case WA_TRAP_MEM_OOB:
    case WA_TRAP_TABLE_OOB:
    case WA_TRAP_UNDEFINED_ELEMENT:
        return CR_TRAP_MEMORY_OUT_OF_BOUNDS;
    case WA_TRAP_INT_DIV_ZERO:
    case WA_TRAP_INT_OVERFLOW:
    case WA_TRAP_INVALID_CONVERSION:
        return CR_TRAP_ILLEGAL_ARITHMETIC;
    case WA_TRAP_INDIRECT_TYPE_MISMATCH:
        return CR_TRAP_BAD_SIGNATURE;
    case WA_TRAP_UNINITIALIZED_ELEMENT:
        return CR_TRAP_INDIRECT_CALL_TO_NULL;
    case WA_TRAP_STACK_EXHAUSTED:
        return CR_TRAP_STACK_OVERFLOW;
    case WA_TRAP_NONE:
    case WA_TRAP_OUT_OF_FUEL:
    case WA_TRAP_INTERRUPTED:
    case WA_TRAP_HOST:
        break;
    }
    return CR_TRAP_INDETERMINATE;
}

/*
 * runtime-model.md §4: empty, then byte length, then the first scalar value outside
 * [A-Za-z0-9_] with its character index.
 */
bool cr__method_name_check(const char *name, size_t len, uint64_t max_len, cr__fcerr *e)
{
    memset(e, 0, sizeof *e);
    e->kind = CR_CALL_METHOD_RESOLUTION;
    e->s = name;
    e->s_len = len;
    if (len == 0) {
        e->variant = CR_METHOD_EMPTY_METHOD_NAME;
        return false;
    }
    if ((uint64_t)len > max_len) {
        e->variant = CR_METHOD_METHOD_NAME_TOO_LONG;
        e->a = len;
        e->b = max_len;
        return false;
    }
    const uint8_t *p = (const uint8_t *)name;
    size_t i = 0;
    uint64_t pos = 0;
    while (i < len) {
        uint32_t ch;
        i += cr__utf8_decode(p + i, &ch);
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_';
        if (!ok) {
            e->variant = CR_METHOD_INVALID_METHOD_NAME_CHARACTER;
            e->ch = ch;
            e->a = pos;
            return false;
        }
        pos++;
    }
    memset(e, 0, sizeof *e);
    return true;
}
