/*
 * main.c: `calimero-runtime`, dispatching to one subcommand per file.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"run", cr_cmd_run, "run one method of a Calimero app against a persistent store"},
    {"scenario", cr_cmd_scenario, "replay a scripted scenario and print its outcomes as JSON"},
    {"invoke", cr_cmd_invoke, "call an export of a plain WebAssembly module"},
    {"inspect", cr_cmd_inspect, "print a module's imports, exports and sizes"},
    {"compile", cr_cmd_compile, "compile an app to a precompiled image (.crm)"},
    {"bench", cr_cmd_bench, "time calls of an app's method, a fresh instance per call"},
    {"spec", cr_cmd_spec, "run WebAssembly spec test scripts (wast2json output)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: calimero-runtime <command> [options] [args]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`calimero-runtime <command> --help` describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("calimero-runtime 0.1.0\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
