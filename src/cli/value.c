/*
 * value.c: reading and printing wasm values on the command line (see value.h).
 * Floats move as bit patterns; the only float arithmetic is the decimal conversion.
 */
#include "value.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cr__valtype_parse(const char *name, wa_valtype *out)
{
    static const struct {
        const char *name;
        wa_valtype t;
    } types[] = {
        {"i32", WA_I32},
        {"i64", WA_I64},
        {"f32", WA_F32},
        {"f64", WA_F64},
        {"v128", WA_V128},
        {"funcref", WA_FUNCREF},
        {"externref", WA_EXTERNREF},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(name, types[i].name)) {
            *out = types[i].t;
            return true;
        }
    return false;
}

/* Parses an optionally negative decimal or 0x-hex integer into magnitude and sign. */
static bool parse_int(const char *s, bool *neg, uint64_t *mag)
{
    *neg = false;
    if (*s == '-' || *s == '+') {
        *neg = *s == '-';
        s++;
    }
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s || !(base == 10 ? (*s >= '0' && *s <= '9') : !!strchr("0123456789abcdefABCDEF", *s)))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end) return false;
    *mag = v;
    return true;
}

static bool parse_float_special(const char *s, bool is_f32, wa_value *out)
{
    bool neg = false;
    const char *p = s;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    uint64_t sign = is_f32 ? 0x80000000u : 0x8000000000000000u;
    if (!strcmp(p, "nan")) {
        *out = (is_f32 ? 0x7fc00000u : 0x7ff8000000000000u) | (neg ? sign : 0);
        return true;
    }
    if (!strcmp(p, "inf") || !strcmp(p, "infinity")) {
        *out = (is_f32 ? 0x7f800000u : 0x7ff0000000000000u) | (neg ? sign : 0);
        return true;
    }
    return false;
}

static bool parse_float(const char *s, bool is_f32, wa_value *out)
{
    if (parse_float_special(s, is_f32, out)) return true;
    /* strtod would also take "nan(...)", "infinity" spellings and leading spaces */
    const char *p = s + (*s == '-' || *s == '+');
    if (!((*p >= '0' && *p <= '9') || *p == '.')) return false;
    char *end;
    if (is_f32) {
        float f = strtof(s, &end);
        if (*end || end == s) return false;
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        *out = bits;
    } else {
        double d = strtod(s, &end);
        if (*end || end == s) return false;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        *out = bits;
    }
    return true;
}

bool cr__value_parse(wa_valtype t, const char *text, wa_value *out)
{
    bool neg;
    uint64_t mag;
    switch (t) {
    case WA_I32:
        if (!parse_int(text, &neg, &mag)) return false;
        if (neg ? mag > 0x80000000u : mag > 0xffffffffu) return false;
        *out = (uint32_t)(neg ? 0u - (uint32_t)mag : (uint32_t)mag);
        return true;
    case WA_I64:
        if (!parse_int(text, &neg, &mag)) return false;
        if (neg && mag > 0x8000000000000000u) return false;
        *out = neg ? 0u - mag : mag;
        return true;
    case WA_F32:
        return parse_float(text, true, out);
    case WA_F64:
        return parse_float(text, false, out);
    case WA_FUNCREF:
        if (strcmp(text, "null")) return false;
        *out = 0;
        return true;
    case WA_EXTERNREF:
        if (!strcmp(text, "null")) {
            *out = 0;
            return true;
        }
        if (!parse_int(text, &neg, &mag) || neg || mag == UINT64_MAX) return false;
        *out = cr__hostref(mag);
        return true;
    case WA_V128:
        return false;
    }
    return false;
}

/* Shortest %.Ng (N from lo to hi) that reads back to the same bits. */
static void format_float(double d, float f, bool is_f32, char *buf, size_t cap)
{
    int lo = is_f32 ? 6 : 15, hi = is_f32 ? 9 : 17;
    for (int prec = lo; prec <= hi; prec++) {
        snprintf(buf, cap, "%.*g", prec, is_f32 ? (double)f : d);
        if (is_f32) {
            float back = strtof(buf, NULL);
            if (!memcmp(&back, &f, sizeof f)) return;
        } else {
            double back = strtod(buf, NULL);
            if (!memcmp(&back, &d, sizeof d)) return;
        }
    }
}

const char *cr__value_format(wa_valtype t, wa_value v, char *buf, size_t cap)
{
    switch (t) {
    case WA_I32:
        snprintf(buf, cap, "%" PRId32, (int32_t)(uint32_t)v);
        break;
    case WA_I64:
        snprintf(buf, cap, "%" PRId64, (int64_t)v);
        break;
    case WA_F32:
    case WA_F64: {
        bool is_f32 = t == WA_F32;
        float f = 0;
        double d = 0;
        if (is_f32) {
            uint32_t bits = (uint32_t)v;
            memcpy(&f, &bits, sizeof f);
        } else {
            memcpy(&d, &v, sizeof d);
        }
        bool neg = is_f32 ? (v & 0x80000000u) != 0 : (v >> 63) != 0;
        if (is_f32 ? isnan(f) : isnan(d))
            snprintf(buf, cap, "nan");
        else if (is_f32 ? isinf(f) : isinf(d))
            snprintf(buf, cap, "%sinf", neg ? "-" : "");
        else if (is_f32 ? f == 0 : d == 0)
            snprintf(buf, cap, "%s0", neg ? "-" : "");
        else
            format_float(d, f, is_f32, buf, cap);
        break;
    }
    case WA_FUNCREF:
    case WA_EXTERNREF:
        snprintf(buf, cap, "%s", v ? "ref" : "null");
        break;
    case WA_V128:
        snprintf(buf, cap, "v128");
        break;
    default:
        snprintf(buf, cap, "?");
        break;
    }
    return buf;
}
