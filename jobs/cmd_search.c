/* cmd_search.c: spire search — top-k retrieval, TREC run output (collective). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "spr_args.h"
#include "spr_cli.h"
#include "spr_search.h"

static void spr_search_help(void) {
  printf(
      "usage: [mpirun -np N] spire search --index INDEX.h5 --queries QUERIES --k K --output RUN.trec [options]\n\n"
      "Retrieve the top K documents of every query. Each rank scores its docid range; rank 0 merges\n"
      "the ranks' lists and writes the run (score descending, ties by docid ascending), identical for\n"
      "any number of ranks.\n\n"
      "  --index PATH        index file from spire index\n"
      "  --queries PATH      TSV qid<TAB>text, analyzed like the documents; a query term is weighted\n"
      "                      by how often it occurs in the query\n"
      "  --k K               results per query, 1..100000 (default 1000)\n"
      "  --output PATH       TREC run: qid Q0 docid rank score tag (score = sum of u8 impacts)\n"
      "  --algorithm A       exhaustive (default and the exact oracle; bmp comes later)\n"
      "  --alpha A, --beta B reserved for Block-Max Pruning (must be 1)\n"
      "  --tag T             run tag, 6th column (default spire)\n"
      "  --quiet             no progress or summary lines\n"
      "  -h, --help          this help\n");
}

int spr_cmd_search(const spr_comm *world, int argc, char **argv) {
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) spr_search_help();
    return SPR_EXIT_OK;
  }
  static const struct option opts[] = {
      {"index", required_argument, 0, 'i'},  {"queries", required_argument, 0, 'q'},
      {"k", required_argument, 0, 'k'},      {"output", required_argument, 0, 'o'},
      {"algorithm", required_argument, 0, 'a'}, {"alpha", required_argument, 0, 'A'},
      {"beta", required_argument, 0, 'B'},   {"tag", required_argument, 0, 't'},
      {"quiet", no_argument, 0, 'Q'},        {0, 0, 0, 0}};
  spr_search_params p = {.k = 1000, .algorithm = "exhaustive", .tag = "spire", .progress = 1};
  long lv = 0;
  double dv = 0;
  optind = 1;
  opterr = 0;
  int ch;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (ch) {
      case 'i': p.index = optarg; break;
      case 'q': p.queries = optarg; break;
      case 'o': p.run = optarg; break;
      case 'k':
        if (spr_arg_long(optarg, 1, 100000, &lv)) return spr_cli_usage_error(world, "search", "--k must be 1..100000");
        p.k = (uint32_t)lv;
        break;
      case 'a': p.algorithm = optarg; break;
      case 'A':
      case 'B':
        if (spr_arg_double(optarg, 1, 1, &dv))
          return spr_cli_usage_error(world, "search", "--alpha/--beta other than 1 need --algorithm bmp (not available yet)");
        break;
      case 't':
        if (!*optarg || strpbrk(optarg, " \t\n"))
          return spr_cli_usage_error(world, "search", "--tag must be one word");
        p.tag = optarg;
        break;
      case 'Q': p.progress = 0; break;
      default:
        return spr_cli_usage_error(world, "search", "unknown or incomplete option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return spr_cli_usage_error(world, "search", "unexpected argument '%s'", argv[optind]);
  if (!p.index || !p.queries || !p.run)
    return spr_cli_usage_error(world, "search", "--index, --queries and --output are required");
  spr_search_stats st;
  const int rc = spr_search_run(world, &p, &st);
  const int status = spr_cli_finish(world, "search", rc);
  if (status == SPR_EXIT_OK && world->rank == 0 && p.progress)
    fprintf(stderr,
            "[spire] search: %s: %llu queries, %llu results, %.1f queries/s, latency mean %.3f ms "
            "p50 %.3f ms p99 %.3f ms on %d rank(s)\n",
            p.run, (unsigned long long)st.n_queries, (unsigned long long)st.n_results, st.qps, st.lat_mean,
            st.lat_p50, st.lat_p99, world->size);
  return status;
}
