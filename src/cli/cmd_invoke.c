/* cmd_invoke.c: placeholder until the command lands. */
#include "cli.h"

#include <stdio.h>

int cr_cmd_invoke(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'invoke' is not available in this build\n");
    return 2;
}
