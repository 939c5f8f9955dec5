/* cmd_run.c: placeholder until the command lands. */
#include "cli.h"

#include <stdio.h>

int cr_cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'run' is not available in this build\n");
    return 2;
}
