/*
 * cmd_spec.c: `calimero-runtime spec`, the WebAssembly spec suite runner. Runs each
 * wast2json script given (spec_runner.c does the work), prints one line per script and
 * a total; exit status 1 if anything failed.
 */
#include "cli.h"
#include "spec_runner.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: calimero-runtime spec [--verbose] [--check-messages] [--skip FILE] "
            "SCRIPT.json...\n"
            "\n"
            "Runs WebAssembly spec test scripts converted by wabt's wast2json (module files\n"
            "next to each script) and prints \"SCRIPT: P passed, F failed, S skipped\" per\n"
            "script and the totals last. Text-format assert_malformed commands and simd_*\n"
            "scripts are skipped.\n"
            "\n"
            "options:\n"
            "  --verbose         print every failure in full, and each skipped command\n"
            "  --check-messages  a trap must also carry the script's message\n"
            "  --skip FILE       do not run the commands FILE lists, one per line:\n"
            "                    \"SCRIPT.json[:LINE] reason and issue\" (# starts a comment)\n"
            "  -h, --help        print this help\n"
            "\n"
            "exit status: 0 all passed, 1 a failure, 2 usage error\n");
}

int cr_cmd_spec(int argc, char **argv)
{
    cr__spec_opts opts;
    memset(&opts, 0, sizeof opts);
    const char *skip_path = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            opts.verbose = true;
        } else if (!strcmp(a, "--check-messages")) {
            opts.check_messages = true;
        } else if (!strcmp(a, "--skip") && i + 1 < argc) {
            skip_path = argv[++i];
        } else {
            fprintf(stderr, "error: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "error: no script given\n");
        usage(stderr);
        return 2;
    }
    cr__spec_skip *skips = NULL;
    size_t skip_count = 0;
    if (skip_path) {
        char err[256];
        if (!cr__spec_skips_load(skip_path, &skips, &skip_count, err, sizeof err)) {
            fprintf(stderr, "error: %s\n", err);
            return 2;
        }
        opts.skips = skips;
        opts.skip_count = skip_count;
    }
    cr__spec_counts total = {0, 0, 0};
    for (; i < argc; i++)
        cr__spec_run_file(&opts, argv[i], &total, stdout);
    printf("%" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", total.passed,
           total.failed, total.skipped);
    cr__spec_skips_free(skips, skip_count);
    return total.failed ? 1 : 0;
}
