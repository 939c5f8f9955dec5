/* cmd_inspect.c: placeholder until the command lands. */
#include "cli.h"

#include <stdio.h>

int cr_cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'inspect' is not available in this build\n");
    return 2;
}
