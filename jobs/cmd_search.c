/* cmd_search.c: spire search — top-k retrieval, TREC run output (collective). */
#include <stdio.h>
#include <string.h>

#include "spr_cli.h"
#include "spr_options.h"
#include "spr_search.h"

static const spr_options_cmd spr_search_cmd = {
    "search", SPR_CMD_SEARCH,
    "usage: [mpirun -np N] spire search --index INDEX.h5 --queries QUERIES --k K --output RUN.trec [options]\n\n"
    "Retrieve the top K documents of every query. Each rank scores its docid range; rank 0 merges\n"
    "the ranks' lists and writes the run (score descending, ties by docid ascending), identical for\n"
    "any number of ranks.\n\n", NULL, 0, NULL, NULL};

int spr_cmd_search(const spr_comm *world, int argc, char **argv) {
  spr_job *job = NULL;
  const int parsed = spr_options_parse(world, &spr_search_cmd, argc, argv, &job);
  if (!job) return parsed;
  spr_search_params p;
  spr_options_search_params(job, &p);
  if ((p.alpha != 1 || p.beta != 1) && strcmp(p.algorithm, "bmp")) {
    spr_options_free(&job);
    return spr_cli_usage_error(world, "search", "--alpha and --beta apply to --algorithm bmp");
  }
  spr_search_stats st;
  const int rc = spr_search_run(world, &p, &st);
  const int status = spr_cli_finish(world, "search", rc);
  if (status == SPR_EXIT_OK && world->rank == 0 && p.progress) {
    char blocks[64] = "";
    if (!strcmp(p.algorithm, "bmp") && st.n_queries) /* partitioned: summed over the ranks' slices */
      snprintf(blocks, sizeof blocks, ", %.1f blocks scored per query",
               (double)st.blocks_scored / (double)st.n_queries);
    fprintf(stderr,
            "[spire] search: %s: %llu queries, %llu results, %.1f queries/s, latency mean %.3f ms "
            "p50 %.3f ms p99 %.3f ms on %d rank(s) (%s, %s%s)\n",
            p.run, (unsigned long long)st.n_queries, (unsigned long long)st.n_results, st.qps, st.lat_mean,
            st.lat_p50, st.lat_p99, world->size, p.algorithm, p.replicated ? "replicated" : "partitioned", blocks);
  }
  spr_options_free(&job);
  return status;
}
