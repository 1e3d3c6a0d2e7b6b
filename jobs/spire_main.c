/* spire_main.c: the spire executable. Starts MPI once and dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "spr_cli.h"
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdlib.h>
#include <unistd.h>

static const struct {
  const char *name;
  spr_cmd_fn fn;
  const char *summary;
} spr_commands[] = {
    {"run", spr_cmd_run, "run every stage of a job spec (resumes finished stages)"},
    {"index", spr_cmd_index, "build an index file from a corpus"},
    {"search", spr_cmd_search, "top-k retrieval of queries, TREC run output"},
    {"eval", spr_cmd_eval, "trec_eval-identical metrics of runs against qrels"},
    {"synth", spr_cmd_synth, "generate a deterministic collection (corpus, queries, qrels)"},
    {"inspect", spr_cmd_inspect, "print an index file's statistics and parameters"},
    {"tokenize", spr_cmd_tokenize, "BERT WordPiece token ids of texts (Hugging Face BertTokenizer)"},
    {"encode", spr_cmd_encode, "SPLADE vectors of documents or queries with a BERT or DistilBERT checkpoint"},
    {"export", spr_cmd_export, "write an index in another format (CIFF)"},
};
#define SPR_NCOMMANDS (sizeof spr_commands / sizeof spr_commands[0])

static void spr_main_usage(FILE *f) {
  fprintf(f,
          "spire %s: Sparse Parallel Index & Retrieval Engine\n\n"
          "usage: [mpirun -np N] spire COMMAND [OPTIONS]   (spire COMMAND --help for details)\n\n"
          "commands:\n",
          SPR_VERSION);
  for (size_t i = 0; i < SPR_NCOMMANDS; i++)
    fprintf(f, "  %-9s %s\n", spr_commands[i].name, spr_commands[i].summary);
  fprintf(f, "\nEvery command gives the same result bytes whatever the number of MPI ranks.\n");
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    spr_main_usage(stdout);
    return argc < 2 ? SPR_EXIT_USAGE : SPR_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("spire %s\n", SPR_VERSION);
    return SPR_EXIT_OK;
  }
  spr_cmd_fn fn = NULL;
  for (size_t i = 0; i < SPR_NCOMMANDS; i++)
    if (!strcmp(argv[1], spr_commands[i].name)) fn = spr_commands[i].fn;
  if (!fn) {
    fprintf(stderr, "spire: error: unknown command '%s'\n\n", argv[1]);
    spr_main_usage(stderr);
    return SPR_EXIT_USAGE;
  }
  spr_comm world;
  if (spr_mpi_init(&argc, &argv, &world) < 0) {
    fprintf(stderr, "spire: error: %s\n", spr_last_message());
    return SPR_EXIT_FAIL;
  }
#ifdef _OPENMP
  /* Ranks sharing a node share its cores: unless the user chose (OMP_NUM_THREADS), give each rank
   * cores / ranks-on-this-node threads, so that mpirun -np 2 on 2 cores does not run 4 threads. */
  int node_ranks = 1;
  if (!getenv("OMP_NUM_THREADS") && spr_mpi_node_size(&world, &node_ranks) == SPR_OK) {
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const int t = (int)(cores / (node_ranks > 0 ? node_ranks : 1));
    omp_set_num_threads(t > 0 ? t : 1);
  }
#endif
  const int status = fn(&world, argc - 1, argv + 1);
  spr_mpi_finalize(&world);
  return status;
}
