/*
 * spec_runner.h: runs WebAssembly spec test scripts in wabt's wast2json form (see
 * shared/testsuite/README.md) against the engine, one script at a time. Used by the
 * `spec` command.
 */
#ifndef CR_CLI_SPEC_RUNNER_H
#define CR_CLI_SPEC_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Commands not to run: "file.json" (the whole script) or "file.json:LINE". */
typedef struct cr__spec_skip {
    char *file;    /* base name of the JSON script */
    uint32_t line; /* 0: every command of the file */
} cr__spec_skip;

typedef struct cr__spec_opts {
    bool verbose;        /* print every failure in full, and skipped commands */
    bool check_messages; /* traps must also carry the script's message */
    const cr__spec_skip *skips;
    size_t skip_count;
} cr__spec_opts;

typedef struct cr__spec_counts {
    uint64_t passed, failed, skipped;
} cr__spec_counts;

/*
 * Runs the script at path (a wast2json .json file whose modules sit next to it) and adds
 * its results to *total. Prints failures, then one line "NAME: P passed, F failed,
 * S skipped", to out. A script that cannot be read counts as one failure.
 */
void cr__spec_run_file(const cr__spec_opts *opts, const char *path, cr__spec_counts *total,
                       FILE *out);

/*
 * Reads a skip list: one entry per line, "FILE.json[:LINE] reason", blank lines and lines
 * starting with '#' ignored. Returns owned *out (free with cr__spec_skips_free) or false
 * with a message in err.
 */
bool cr__spec_skips_load(const char *path, cr__spec_skip **out, size_t *count, char *err,
                         size_t err_cap);
void cr__spec_skips_free(cr__spec_skip *skips, size_t count);

#endif
