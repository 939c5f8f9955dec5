/*
 * app.h: what the run and compile commands share: VMLimits from --limit options, 32-byte
 * ids in hex, and loading an app (a .wasm or a precompiled image) through the module
 * cache of a store.
 */
#ifndef CR_CLI_APP_H
#define CR_CLI_APP_H

#include "calimero/runtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Applies one "NAME=VALUE" to lim. On failure writes why into msg and returns false. */
bool cr__limit_set(cr_limits *lim, const char *assignment, char *msg, size_t cap);
/* Prints every limit name with its default value, one per line. */
void cr__limit_list(FILE *out);

/* Parses 64 hex digits into 32 bytes. */
bool cr__hex32_parse(const char *s, uint8_t out[32]);
void cr__hex_print(FILE *out, const uint8_t *p, size_t n);

/* Whether bytes start like a precompiled image rather than a wasm binary. */
bool cr__app_is_image(const uint8_t *bytes, size_t len);

/*
 * Makes the module of an app file's bytes. A wasm binary is looked up in cache_dir
 * (nullable: no cache) as <sha256>.crm: a good image is loaded, a bad one (stale,
 * truncated, tampered) is reported on stderr and replaced after compiling. An image is
 * loaded directly. log (nullable) receives the runtime-target lines.
 */
cr_status cr__app_load(const cr_engine *eng, const uint8_t *bytes, size_t len,
                       const char *cache_dir, const cr_log *log, cr_module **out, cr_error *err);

/* Creates dir and its missing parents (mode 0700). Returns false with errno set. */
bool cr__mkdir_p(const char *dir);

#endif
