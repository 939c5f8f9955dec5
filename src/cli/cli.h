/*
 * cli.h: the subcommands of `calimero-runtime`, one file each (cmd_<name>.c). Each takes
 * the arguments after its name (argv[0] is the command name) and returns the exit status:
 * 0 success, 1 failure of the work itself (trap, call error, failed test), 2 usage error.
 */
#ifndef CR_CLI_H
#define CR_CLI_H

int cr_cmd_spec(int argc, char **argv);
int cr_cmd_invoke(int argc, char **argv);
int cr_cmd_inspect(int argc, char **argv);
int cr_cmd_scenario(int argc, char **argv);
int cr_cmd_run(int argc, char **argv);
int cr_cmd_compile(int argc, char **argv);
int cr_cmd_bench(int argc, char **argv);

#endif
