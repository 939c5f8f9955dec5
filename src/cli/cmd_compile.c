/* cmd_compile.c: placeholder until the command lands. */
#include "cli.h"

#include <stdio.h>

int cr_cmd_compile(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'compile' is not available in this build\n");
    return 2;
}
