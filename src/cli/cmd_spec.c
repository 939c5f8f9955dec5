/* cmd_spec.c: placeholder until the command lands. */
#include "cli.h"

#include <stdio.h>

int cr_cmd_spec(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'spec' is not available in this build\n");
    return 2;
}
