/* cmd_eval.c: spire eval, trec_eval 9.0.7-identical evaluation of TREC runs.
 * The work is small and sequential, so rank 0 does it all; the other ranks only take part in the
 * final error agreement (spr_cli_finish), which keeps mpirun's exit status right. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spr_cli.h"
#include "spr_evaluate.h"
#include "spr_report.h"

static const char spr_eval_help[] =
    "usage: spire eval --qrels QRELS --run RUN [--run RUN2 ...]\n"
    "                  [--metrics LIST | -m MEASURE ...] [-q] [-c] [-M N] [--json OUT.json]\n"
    "                  [--report DIR | --markdown F.md --report-json F.json --html F.html]\n"
    "                  [--label NAME] [--latency FILE] [--plot-metric M] [--alpha A]\n"
    "                  [--holm-family metric|all] [--text-plots] [--title TEXT]\n"
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
    "comparison report (docs/reports.md); the first --run is the baseline:\n"
    "  --report DIR      write DIR/report.md, DIR/report.json and DIR/report.html: the runs side\n"
    "                    by side, best value per measure marked, paired two-sided t-test p-values\n"
    "                    against the baseline with Holm-Bonferroni correction, per-query\n"
    "                    differences, latency; HTML plots by gnuplot (inline SVG) when it is on\n"
    "                    PATH, else text charts\n"
    "  --markdown F.md, --report-json F.json, --html F.html   write only those report files\n"
    "  --label NAME      short name of the preceding --run (default: its file name)\n"
    "  --latency FILE    latencies of the preceding --run: lines `QID MS` or `MS`, or a spire run\n"
    "                    report.json (its mean/p50/p99)\n"
    "  --plot-metric M   measure of the per-query plot (default nDCG@10 when computed)\n"
    "  --alpha A         significance level (default 0.05)\n"
    "  --holm-family F   metric: correct over the runs compared on each measure (default);\n"
    "                    all: over every (measure, run) comparison\n"
    "  --text-plots      text charts even when gnuplot is installed\n"
    "  --title TEXT      the report's heading\n"
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
  /* report */
  const char *labels[SPR_EVAL_MAX_RUNS];
  const char *latency[SPR_EVAL_MAX_RUNS];
  const char *report_dir, *md, *report_json, *html, *plot_metric, *title;
  double alpha;
  int family, text_plots;
  int argc;
  char **argv;
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
    } else if ((v = spr_opt_value(argc, argv, &i, "--report", &missing)) != NULL) {
      a->report_dir = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--markdown", &missing)) != NULL) {
      a->md = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--report-json", &missing)) != NULL) {
      a->report_json = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--html", &missing)) != NULL) {
      a->html = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--title", &missing)) != NULL) {
      a->title = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--plot-metric", &missing)) != NULL) {
      a->plot_metric = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--label", &missing)) != NULL) {
      if (a->n_runs == 0)
        return spr_cli_usage_error(world, "eval", "--label must follow the --run it names");
      a->labels[a->n_runs - 1] = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--latency", &missing)) != NULL) {
      if (a->n_runs == 0)
        return spr_cli_usage_error(world, "eval", "--latency must follow the --run it describes");
      a->latency[a->n_runs - 1] = v;
    } else if ((v = spr_opt_value(argc, argv, &i, "--alpha", &missing)) != NULL) {
      char *end = NULL;
      a->alpha = strtod(v, &end);
      if (end == v || *end || !(a->alpha > 0 && a->alpha < 1))
        return spr_cli_usage_error(world, "eval", "--alpha needs a number in (0, 1), got '%s'", v);
    } else if ((v = spr_opt_value(argc, argv, &i, "--holm-family", &missing)) != NULL) {
      if (!strcmp(v, "metric")) a->family = SPR_REPORT_FAMILY_METRIC;
      else if (!strcmp(v, "all")) a->family = SPR_REPORT_FAMILY_ALL;
      else return spr_cli_usage_error(world, "eval", "--holm-family is metric or all, got '%s'", v);
    } else if (!strcmp(arg, "--text-plots")) {
      a->text_plots = 1;
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
  a->argc = argc;
  a->argv = argv;
  return SPR_EXIT_OK;
}

/* DIR/NAME into buf, or SPR_ENOSPACE. */
static int spr_eval_join(char *buf, size_t cap, const char *dir, const char *name) {
  const int n = snprintf(buf, cap, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= cap) return SPR_FAIL(SPR_ENOSPACE, "%s/%s: path too long", dir, name);
  return SPR_OK;
}

/* The comparison report (docs/reports.md): facts that make it reproducible, the runs (first =
 * baseline), latencies, then the files. */
static int spr_eval_report(const spr_eval_args *a, const spr_eval_result *const *res) {
  spr_report_options opt = {.title = a->title ? a->title : "spire evaluation report",
                            .plot_metric = a->plot_metric, .alpha = a->alpha, .family = a->family,
                            .plots = a->text_plots ? SPR_REPORT_PLOTS_TEXT : SPR_REPORT_PLOTS_AUTO};
  spr_report *r = NULL;
  SPR_TRY(spr_report_create(&opt, &r));
  int rc = SPR_OK;
  char host[256] = "unknown", when[64], text[4096];
  (void)gethostname(host, sizeof host);
  host[sizeof host - 1] = '\0';
  const time_t now = time(NULL);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  /* the command line, so that the report can be reproduced */
  size_t n = (size_t)snprintf(text, sizeof text, "spire");
  for (int i = 0; i < a->argc && n < sizeof text; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, " %s", a->argv[i]);
  char opts[128];
  snprintf(opts, sizeof opts, "%s%s", (a->flags & SPR_EVAL_COMPLETE) ? "-c (every qrels query)" : "queries in both files",
           a->max_per_query > 0 ? ", -M" : "");
  if (a->max_per_query > 0)
    snprintf(opts + strlen(opts), sizeof opts - strlen(opts), " %lld", (long long)a->max_per_query);
  SPR_TRYG(rc, spr_report_section(r, NULL, NULL), done);
  SPR_TRYG(rc, spr_report_fact_text(r, "qrels", "qrels", a->qrels, NULL), done);
  SPR_TRYG(rc, spr_report_fact_text(r, "command", "command", text, NULL), done);
  SPR_TRYG(rc, spr_report_fact_text(r, "evaluation", "evaluation", opts, NULL), done);
  SPR_TRYG(rc, spr_report_fact_bool(r, "complete", NULL, (a->flags & SPR_EVAL_COMPLETE) != 0, NULL), done);
  SPR_TRYG(rc, spr_report_fact_number(r, "max_per_query", NULL, (double)a->max_per_query, NULL), done);
  SPR_TRYG(rc, spr_report_fact_text(r, "spire_version", "spire version", SPR_VERSION, NULL), done);
  SPR_TRYG(rc, spr_report_fact_text(r, "created", "created", when, NULL), done);
  snprintf(text, sizeof text, "%s, %ld cores", host, sysconf(_SC_NPROCESSORS_ONLN));
  SPR_TRYG(rc, spr_report_fact_text(r, "host", "machine", host, text), done);
  for (size_t i = 0; i < a->n_runs; i++) {
    const int idx = spr_report_add_run(r, a->labels[i], res[i]);
    if (idx < 0) {
      rc = idx;
      goto done;
    }
    if (a->latency[i]) SPR_TRYG(rc, spr_report_read_latency(r, (size_t)idx, a->latency[i]), done);
  }
  char md[4096], js[4096], html[4096];
  const char *pmd = a->md, *pjs = a->report_json, *phtml = a->html;
  if (a->report_dir) {
    if (mkdir(a->report_dir, 0777) != 0 && errno != EEXIST) {
      rc = SPR_FAIL(SPR_EIO, "%s: cannot create directory: %s", a->report_dir, strerror(errno));
      goto done;
    }
    SPR_TRYG(rc, spr_eval_join(md, sizeof md, a->report_dir, "report.md"), done);
    SPR_TRYG(rc, spr_eval_join(js, sizeof js, a->report_dir, "report.json"), done);
    SPR_TRYG(rc, spr_eval_join(html, sizeof html, a->report_dir, "report.html"), done);
    if (!pmd) pmd = md;
    if (!pjs) pjs = js;
    if (!phtml) phtml = html;
  }
  SPR_TRYG(rc, spr_report_write(r, pmd, pjs, phtml), done);
  fprintf(stderr, "[spire] eval: report:%s%s%s%s%s%s\n", pmd ? " " : "", pmd ? pmd : "", pjs ? " " : "",
          pjs ? pjs : "", phtml ? " " : "", phtml ? phtml : "");
done:
  spr_report_free(&r);
  return rc;
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
  if (a->report_dir || a->md || a->report_json || a->html)
    SPR_TRYG(rc, spr_eval_report(a, (const spr_eval_result *const *)res), done);
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
