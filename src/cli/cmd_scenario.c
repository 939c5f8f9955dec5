/* cmd_scenario.c: placeholder until the command lands. */
#include "cli.h"

#include <stdio.h>

int cr_cmd_scenario(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'scenario' is not available in this build\n");
    return 2;
}
