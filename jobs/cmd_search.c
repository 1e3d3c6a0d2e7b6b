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
      "  --queries PATH      TSV qid<TAB>text, analyzed like the documents (a term is weighted by how\n"
      "                      often it occurs) or, for a SPLADE index, encoded by its model; or JSON\n"
      "                      vectors {\"id\", \"vector\": {\"token\": weight}}. On a vectors index,\n"
      "                      TSV queries are pre-tokenized (below)\n"
      "  --query-format F    auto (default: JSON vectors; PISA when the first line has a ':' and no TAB;\n"
      "                      else TSV), tsv, vectors, tokens (qid<TAB>tok tok ...: a token repeated n\n"
      "                      times weighs n, Anserini's impact queries) or pisa (qid:tok tok ..., PISA\n"
      "                      and BMP query files, weighted by repetition likewise) (docs/queries.md).\n"
      "                      Query weights are u8, by one rule for every format: a query whose\n"
      "                      weights are all integers in [1,255] keeps them; any other query is scaled\n"
      "                      by one factor so that its largest weight is 255 (ratios kept: 600 and 300\n"
      "                      become 255 and 128), rounded to nearest, no positive weight below 1\n"
      "  --k K               results per query, 1..100000 (default 1000)\n"
      "  --output PATH       TREC run: qid Q0 docid rank score tag (score = sum of u8 impacts)\n"
      "  --algorithm A       bmp (default: Block-Max Pruning, exact at alpha = beta = 1) or exhaustive\n"
      "                      (scores every posting: the oracle bmp is tested against)\n"
      "  --alpha A           bmp: stop when the k-th score > A x the next block's bound; 1 = exact,\n"
      "                      smaller is faster and approximate (0 < A <= 1, default 1)\n"
      "  --beta B            bmp: block bounds from the ceil(B x n) heaviest query terms only (cheaper,\n"
      "                      lower bounds prune more); blocks are still scored with every term, so hits\n"
      "                      keep their true scores; 1 = all (0 < B <= 1; docs/bmp.md has recall and speed)\n"
      "  --serving M         partitioned (default: each rank searches its share of the blocks for\n"
      "                      every query; with bmp the ranks share their k-th scores while they\n"
      "                      search, docs/scaling.md) or replicated (each rank loads the whole index\n"
      "                      and answers a share of the queries; for throughput when it fits in memory)\n"
      "  --tag T             run tag, 6th column (default spire)\n"
      "  --model DIR         SPLADE index: encode the TSV queries with this model folder instead of\n"
      "                      the one recorded in the index (with idf.json: inference-free queries)\n"
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
      {"serving", required_argument, 0, 'S'}, {"model", required_argument, 0, 'M'},
      {"query-format", required_argument, 0, 'F'},
      {"quiet", no_argument, 0, 'Q'},        {0, 0, 0, 0}};
  spr_search_params p = {.k = 1000, .algorithm = "bmp", .alpha = 1, .beta = 1, .tag = "spire", .progress = 1};
  long lv = 0;
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
      case 'a':
        if (strcmp(optarg, "bmp") && strcmp(optarg, "exhaustive"))
          return spr_cli_usage_error(world, "search", "--algorithm must be bmp or exhaustive");
        p.algorithm = optarg;
        break;
      case 'A':
        if (spr_arg_double(optarg, 1e-9, 1, &p.alpha) || p.alpha <= 0)
          return spr_cli_usage_error(world, "search", "--alpha must be in (0, 1]");
        break;
      case 'B':
        if (spr_arg_double(optarg, 1e-9, 1, &p.beta) || p.beta <= 0)
          return spr_cli_usage_error(world, "search", "--beta must be in (0, 1]");
        break;
      case 'S':
        if (!strcmp(optarg, "replicated")) p.replicated = 1;
        else if (!strcmp(optarg, "partitioned")) p.replicated = 0;
        else return spr_cli_usage_error(world, "search", "--serving must be partitioned or replicated");
        break;
      case 't':
        if (!*optarg || strpbrk(optarg, " \t\n"))
          return spr_cli_usage_error(world, "search", "--tag must be one word");
        p.tag = optarg;
        break;
      case 'M': p.model = optarg; break;
      case 'F':
        if (strcmp(optarg, "auto") && strcmp(optarg, "tsv") && strcmp(optarg, "vectors") && strcmp(optarg, "tokens") &&
            strcmp(optarg, "pisa"))
          return spr_cli_usage_error(world, "search", "--query-format must be auto, tsv, vectors, tokens or pisa");
        p.query_format = optarg;
        break;
      case 'Q': p.progress = 0; break;
      default:
        return spr_cli_usage_error(world, "search", "unknown or incomplete option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return spr_cli_usage_error(world, "search", "unexpected argument '%s'", argv[optind]);
  if (!p.index || !p.queries || !p.run)
    return spr_cli_usage_error(world, "search", "--index, --queries and --output are required");
  if ((p.alpha != 1 || p.beta != 1) && strcmp(p.algorithm, "bmp"))
    return spr_cli_usage_error(world, "search", "--alpha and --beta apply to --algorithm bmp");
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
  return status;
}
