/*
 * value.h: wasm values as the command line reads and prints them: decimal integers,
 * floats in shortest round-trip decimal (with nan, inf, -inf, -0 kept), references as
 * null or ref. Shared by `invoke` and the spec runner's failure messages.
 */
#ifndef CR_CLI_VALUE_H
#define CR_CLI_VALUE_H

#include "wasm.h"

#include <stdbool.h>
#include <stddef.h>

/* The externref value the CLI uses for host reference n (never 0, which is null). */
static inline wa_value cr__hostref(uint64_t n)
{
    return n + 1;
}

/* Parses a type name ("i32", "funcref", ...). Returns false if unknown. */
bool cr__valtype_parse(const char *name, wa_valtype *out);

/*
 * Parses text as a value of type t: i32/i64 as signed or unsigned decimal (or 0x hex),
 * f32/f64 as decimal or hex floats, nan, -nan, inf, -inf (f32 text is rounded once, to
 * float), funcref as null, externref as null or a host reference number. Returns false
 * if text is not entirely a valid value of t (range included).
 */
bool cr__value_parse(wa_valtype t, const char *text, wa_value *out);

/*
 * Formats v as t into buf and returns buf: i32/i64 signed decimal; floats in the
 * shortest decimal that reads back to the same bits, nan/inf/-inf, -0 kept; references
 * null or ref. cap of 40 bytes is always enough.
 */
const char *cr__value_format(wa_valtype t, wa_value v, char *buf, size_t cap);

#endif
