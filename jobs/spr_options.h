/* spr_options.h: the subcommands' command-line options, made from the table of settings
 * (spr_settings.h): the walk over argv (getopt_long's syntax, or trec_eval's for spire eval),
 * defaults, range and choice checks with one form of usage error, repeatable options handed to the
 * command in order, the --help lines, and the mapping of the settings to the build's and search's
 * parameters (shared with spire run, so a job file and the options give the same index and run). */
#ifndef SPR_OPTIONS_H
#define SPR_OPTIONS_H
#include "spr_coll.h"
#include "spr_index.h"
#include "spr_search.h"
#include "spr_settings.h"

/* Called for every occurrence of an option with SPR_OPTION_EACH, in command-line order (after its
 * value was checked and stored in the field), and once with the default of such a row when none
 * of its options was given. Returns SPR_EXIT_OK, or the status of spr_cli_usage_error. */
typedef int (*spr_options_each_fn)(const spr_comm *world, void *ctx, const spr_setting *s, const char *value);

/* A subcommand that takes its options from the table. */
typedef struct spr_options_cmd {
  const char *name;  /* "index" */
  unsigned id;       /* SPR_CMD_INDEX */
  const char *usage; /* --help text before the options: synopsis and description */
  const char *epilog; /* --help text after the options, or NULL */
  /* 0: getopt_long's syntax (--name VALUE, --name=VALUE, unambiguous prefixes of names);
   * 1: trec_eval's (spire eval): whole names only, --name VALUE or --name=VALUE, short options
   *    -x VALUE or -xVALUE, one flag per argument; other arguments as `positional` says */
  int exact;
  spr_options_each_fn each; /* SPR_OPTION_EACH rows (NULL when the command has none) */
  /* exact syntax only: the long option names that bare arguments stand for, in order, the last
   * one for every further bare argument ({"qrels", "run", NULL}: trec_eval's `QRELS RUN`); NULL:
   * a bare argument is a usage error */
  const char *const *positional;
} spr_options_cmd;

/* Local: every rank parses the same argv alike, and only rank 0 prints. With -h or --help, print
 * the help and return SPR_EXIT_OK with *out NULL. Otherwise *out is a new job (free with
 * spr_options_free) holding the defaults of the settings the command takes (a row's cli_def,
 * else its def) and the options given, and the return is SPR_EXIT_OK; on a bad option, value or
 * argument, or a missing required option, it prints "spire CMD: error: ... (see spire CMD
 * --help)" and returns SPR_EXIT_USAGE (SPR_EXIT_FAIL when out of memory) with *out NULL.
 * Values are kept as given (paths are not resolved); an option given twice keeps the last (but
 * SPR_OPTION_ONCE: a usage error). */
int spr_options_parse(const spr_comm *world, const spr_options_cmd *cmd, int argc, char **argv,
                      spr_job **out);
/* The same with ctx handed to cmd->each. */
int spr_options_parse_each(const spr_comm *world, const spr_options_cmd *cmd, int argc, char **argv, void *ctx,
                           spr_job **out);

/* Local. Free a job made by spr_options_parse; accepts NULL, sets *p to NULL. */
void spr_options_free(spr_job **p);

/* Local. The build's parameters from the settings; borrows job's strings. p->encoder is
 * job->encode.model as it is (spire run resolves a model folder against the job file first).
 * Errors: SPR_EINVAL (a corpus format the reader does not know). */
SPR_NODISCARD int spr_options_build_params(const spr_job *job, spr_build_params *p);

/* Local. The search's parameters from the settings; borrows job's strings. */
void spr_options_search_params(const spr_job *job, spr_search_params *p);
#endif /* SPR_OPTIONS_H */
