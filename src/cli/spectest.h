/*
 * spectest.h: the `spectest` host module the WebAssembly spec scripts import from
 * (print functions, global_i32/i64/f32/f64 = 666 / 666.6, a funcref table 10..20, a
 * memory of 1..2 pages). Used by the spec runner and by `invoke`.
 */
#ifndef CR_CLI_SPECTEST_H
#define CR_CLI_SPECTEST_H

#include "wasm.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct cr__spectest cr__spectest;

/* Creates a fresh spectest instance. Returns owned (free with cr__spectest_destroy),
   NULL on allocation failure. Borrows cfg. */
cr__spectest *cr__spectest_create(const wa_config *cfg);
void cr__spectest_destroy(cr__spectest *st);

/* Looks up export name (length-counted). Returns false if spectest has no such export.
   The objects stay owned by st and live until it is destroyed. */
bool cr__spectest_lookup(cr__spectest *st, const char *name, size_t len, wa_extern *out);

/*
 * Binds every import of m to spectest: imports[i] for import i (imports has room for
 * wa_module_import_count(m) entries). Returns WA_OK, or WA_ERR_LINK with
 * "unknown import: M.N" for anything else (other modules, unknown names) and
 * "incompatible import type: M.N" for a known name of another kind.
 */
wa_status cr__spectest_bind(cr__spectest *st, const wa_module *m, wa_extern *imports,
                            wa_error *err);

/* Writes name to out as printable text: bytes below 0x20, 0x7f, `"` and `\` as \xNN. */
void cr__name_escape(const char *name, size_t len, char *out, size_t cap);

#endif
