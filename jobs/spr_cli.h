/* spr_cli.h: the spire subcommands. Each runs on every rank of `world` (collective on world) and
 * returns the process exit status (0 ok, 1 failure, 2 usage). Errors are printed by rank 0 only,
 * one line "spire <cmd>: error: <message>". */
#ifndef SPR_CLI_H
#define SPR_CLI_H
#include <stdio.h>

#include "spr_coll.h"

typedef int (*spr_cmd_fn)(const spr_comm *world, int argc, char **argv);

int spr_cmd_run(const spr_comm *world, int argc, char **argv);
int spr_cmd_index(const spr_comm *world, int argc, char **argv);
int spr_cmd_search(const spr_comm *world, int argc, char **argv);
int spr_cmd_eval(const spr_comm *world, int argc, char **argv);
int spr_cmd_synth(const spr_comm *world, int argc, char **argv);
int spr_cmd_inspect(const spr_comm *world, int argc, char **argv);
int spr_cmd_tokenize(const spr_comm *world, int argc, char **argv);
int spr_cmd_encode(const spr_comm *world, int argc, char **argv);
int spr_cmd_export(const spr_comm *world, int argc, char **argv);

/* Exit statuses. */
enum { SPR_EXIT_OK = 0, SPR_EXIT_FAIL = 1, SPR_EXIT_USAGE = 2 };

/* 1 if argv holds -h or --help. */
int spr_cli_has_help(int argc, char **argv);
/* Collective on world. Agree on rc across ranks; on failure rank 0 prints the first failing
 * rank's message as "spire <cmd>: error: ..." and the function returns SPR_EXIT_FAIL. */
int spr_cli_finish(const spr_comm *world, const char *cmd, int rc);
/* Rank 0 prints "spire <cmd>: error: <fmt...>" (usage errors found identically on all ranks). */
int spr_cli_usage_error(const spr_comm *world, const char *cmd, const char *fmt, ...) SPR_PRINTF(3, 4);

/* Ordered output written by all ranks (spr_cli.c; spire encode and tokenize): each rank writes its lines to
 * OUTPUT.part<rank>.tmp; spr_cli_parts_join then agrees on rc and rank 0 concatenates the parts in
 * rank order into OUTPUT (through OUTPUT.tmp + rename), so the bytes do not depend on the rank
 * count. The output folder must be shared by the ranks. */
typedef struct spr_cli_part {
  char *path; /* owned */
  FILE *f;    /* owned */
} spr_cli_part;
/* Local. Open this rank's part file. */
SPR_NODISCARD int spr_cli_part_open(const spr_comm *world, const char *output, spr_cli_part *part);
/* Collective on world. Close the part, agree on rc, join (rank 0), remove the parts. Returns the
 * agreed status (a local failure of rank 0 while joining included). */
SPR_NODISCARD int spr_cli_parts_join(const spr_comm *world, const char *output, spr_cli_part *part, int rc);
/* Write s[0..len) as a JSON string literal (quotes, escapes; UTF-8 passes through). */
void spr_cli_json_string(FILE *f, const char *s, size_t len);
#endif /* SPR_CLI_H */
