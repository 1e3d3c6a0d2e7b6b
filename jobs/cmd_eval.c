/* cmd_eval.c: spire eval, trec_eval 9.0.7-identical evaluation of TREC runs.
 * The work is small and sequential, so rank 0 does it all; the other ranks only take part in the
 * final error agreement (spr_cli_finish), which keeps mpirun's exit status right. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_cli.h"
#include "spr_evaluate.h"

static const char spr_eval_help[] =
    "usage: spire eval --qrels QRELS --run RUN [--run RUN2 ...]\n"
    "                  [--metrics LIST | -m MEASURE ...] [-q] [-c] [-M N] [--json OUT.json]\n"
    "\n"
    "Evaluate TREC run files against qrels. Numbers and output bytes equal NIST trec_eval 9.0.7's\n"
    "(`trec_eval [-q] [-c] [-M N] -m ... QRELS RUN`).\n"
    "\n"
    "options:\n"
    "  --qrels QRELS     judgments, lines `qid iter docno grade` (relevant: grade >= 1)\n"
    "  --run RUN         run, lines `qid Q0 docno rank score tag`; repeatable. Documents are\n"
    "                    ranked by score descending, ties by docno in reverse string order; the\n"
    "                    rank column is ignored (as trec_eval does)\n"
    "  --metrics LIST    comma-separated measures, e.g. map,ndcg_cut.10,P.10,recall.1000,recip_rank\n"
    "                    (digits after a measure add cutoffs: ndcg_cut.10,20,100)\n"
    "  -m MEASURE        one measure in trec_eval's syntax (repeatable): map, recip_rank,\n"
    "                    P[.k,...], recall[.k,...], ndcg_cut[.k,...], num_q, num_ret, num_rel,\n"
    "                    num_rel_ret; without cutoffs P/recall/ndcg_cut use trec_eval's defaults\n"
    "                    5,10,15,20,30,100,200,500,1000. Friendly names (any case): MAP, RR,\n"
    "                    RR@k or MRR@k (reciprocal rank within the top k, printed recip_rank_k,\n"
    "                    equal to trec_eval -M k -m recip_rank), nDCG@k, P@k, R@k (recall)\n"
    "                    Default set: -m map -m ndcg_cut.10,20,100 -m recip_rank -m P.5,10,20\n"
    "                    -m recall.10,100,1000 -m num_rel_ret -m num_ret -m num_rel -m num_q\n"
    "  -q                also print every query's values (before the `all` lines)\n"
    "  -c                average over every query of the qrels (missing ones score 0) instead\n"
    "                    of the queries present in both files\n"
    "  -M N              use only the first N ranked documents of each query\n"
    "  --json OUT.json   also write {\"qrels\", \"runs\": [{\"run\", \"all\": {measure: value},\n"
    "                    \"per_query\": {qid: {measure: value}}}]} with full double precision\n"
    "                    (written to a temporary name, then renamed)\n"
    "\n"
    "output: lines `measure<TAB>qid|all<TAB>value`, measure left-justified to 22 characters, 4\n"
    "decimals, counts as integers, in trec_eval's order. With several --run, each run's block is\n"
    "preceded by a line `# run: PATH`. Bad input (missing file, malformed line, duplicate\n"
    "document) prints one error line naming FILE:LINE and exits 1 without writing --json.\n"
    "Under mpirun rank 0 does the work; the other ranks wait.\n";

#define SPR_EVAL_MAX_RUNS 256

typedef struct spr_eval_args {
  const char *qrels;
  const char *runs[SPR_EVAL_MAX_RUNS];
  size_t n_runs;
  const char *json;
  int per_query;
  int flags;
  int64_t max_per_query;
  spr_measure_set set;
  int have_set;
} spr_eval_args;

/* Value of option argv[*i] ("--opt VALUE", "--opt=VALUE", or "-mVALUE" for short ones), or NULL
 * when it is not option `name`. *missing is set when the option lacks its value. */
static const char *spr_opt_value(int argc, char **argv, int *i, const char *name, int *missing) {
  const char *a = argv[*i];
  const size_t n = strlen(name);
  if (strncmp(a, name, n) != 0) return NULL;
  if (a[n] == '\0') {
    if (*i + 1 >= argc) {
      *missing = 1;
      return NULL;
    }
    return argv[++*i];
  }
  if (a[n] == '=' && name[1] == '-') return a + n + 1;
  if (name[1] != '-' && n == 2) return a + n; /* -mVALUE, -M10 */
  return NULL;
}

static int spr_eval_parse(const spr_comm *world, int argc, char **argv, spr_eval_args *a) {
  memset(a, 0, sizeof *a);
  spr_measure_set_clear(&a->set);
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    const char *v;
    int missing = 0;
    if (!strcmp(arg, "-q") || !strcmp(arg, "--query-eval")) {
      a->per_query = 1;
    } else if (!strcmp(arg, "-c") || !strcmp(arg, "--complete")) {
      a->flags |= SPR_EVAL_COMPLETE;
    } else if ((v = spr_opt_value(argc, argv, &i, "--qrels", &missing)) != NULL) {
      if (a->qrels) return spr_cli_usage_error(world, "eval", "--qrels given twice");
      a->qrels = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--run", &missing)) != NULL) {
      if (a->n_runs >= SPR_EVAL_MAX_RUNS)
        return spr_cli_usage_error(world, "eval", "more than %d --run", SPR_EVAL_MAX_RUNS);
      a->runs[a->n_runs++] = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--json", &missing)) != NULL) {
      a->json = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--metrics", &missing)) != NULL ||
               (!missing && (v = spr_opt_value(argc, argv, &i, "-m", &missing)) != NULL)) {
      if (spr_measure_set_add_list(&a->set, v) < 0)
        return spr_cli_usage_error(world, "eval", "%s", spr_last_message());
      a->have_set = 1;
    } else if ((v = spr_opt_value(argc, argv, &i, "-M", &missing)) != NULL) {
      char *end = NULL;
      errno = 0;
      const long long n = strtoll(v, &end, 10);
      if (end == v || *end || errno || n <= 0)
        return spr_cli_usage_error(world, "eval", "-M needs a positive integer, got '%s'", v);
      a->max_per_query = n;
    } else if (missing) {
      return spr_cli_usage_error(world, "eval", "option %s needs a value", arg);
    } else {
      return spr_cli_usage_error(world, "eval", "unknown argument '%s'", arg);
    }
    if (missing) return spr_cli_usage_error(world, "eval", "option %s needs a value", arg);
  }
  if (!a->qrels) return spr_cli_usage_error(world, "eval", "--qrels is required");
  if (a->n_runs == 0) return spr_cli_usage_error(world, "eval", "--run is required");
  if (!a->have_set) spr_measure_set_default(&a->set);
  return SPR_EXIT_OK;
}

/* Rank 0's work: read, evaluate every run, then print, then write JSON (nothing is written
 * unless every run evaluated). */
static int spr_eval_work(const spr_eval_args *a) {
  spr_qrels *qrels = NULL;
  spr_eval_result *res[SPR_EVAL_MAX_RUNS] = {0};
  int rc = 0;
  SPR_TRYG(rc, spr_qrels_read(a->qrels, &qrels), done);
  for (size_t i = 0; i < a->n_runs; i++) {
    spr_trec_run *run = NULL;
    SPR_TRYG(rc, spr_trec_run_read(a->runs[i], &run), done);
    rc = spr_evaluate(qrels, run, &a->set, a->flags, a->max_per_query, &res[i]);
    spr_trec_run_free(&run);
    if (rc < 0) goto done;
  }
  for (size_t i = 0; i < a->n_runs; i++) {
    if (a->n_runs > 1 && printf("# run: %s\n", a->runs[i]) < 0) {
      rc = SPR_FAIL(SPR_EIO, "cannot write to stdout: %s", strerror(errno));
      goto done;
    }
    SPR_TRYG(rc, spr_eval_result_print(res[i], stdout, a->per_query), done);
  }
  if (fflush(stdout) != 0) {
    rc = SPR_FAIL(SPR_EIO, "cannot write to stdout: %s", strerror(errno));
    goto done;
  }
  if (a->json)
    SPR_TRYG(rc,
             spr_eval_results_write_json((const spr_eval_result *const *)res, a->n_runs, a->qrels,
                                         a->json),
             done);
done:
  for (size_t i = 0; i < a->n_runs; i++) spr_eval_result_free(&res[i]);
  spr_qrels_free(&qrels);
  return rc;
}

int spr_cmd_eval(const spr_comm *world, int argc, char **argv) {
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) fputs(spr_eval_help, stdout);
    return SPR_EXIT_OK;
  }
  spr_eval_args *a = malloc(sizeof *a); /* ~6 KiB: keep it off the stack */
  int rc = 0;
  if (!a) {
    rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  } else {
    const int st = spr_eval_parse(world, argc, argv, a);
    if (st != SPR_EXIT_OK) {
      free(a);
      return st;
    }
    if (world->rank == 0) rc = spr_eval_work(a);
  }
  free(a);
  return spr_cli_finish(world, "eval", rc);
}
