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
#include "spr_options.h"
#include "spr_report.h"

static const spr_options_cmd spr_eval_cmd;

#define SPR_EVAL_MAX_RUNS 256

/* The parsed command line: the options' fields (job, from the settings table) and what the
 * repeatable options build (runs with their labels and latencies, the measure set). */
typedef struct spr_eval_args {
  spr_job *job; /* owned: every option's value */
  const char *qrels;
  const char *runs[SPR_EVAL_MAX_RUNS];
  size_t n_runs;
  const char *json;
  int per_query;
  int flags;
  int64_t max_per_query;
  spr_measure_set set;
  /* report */
  const char *labels[SPR_EVAL_MAX_RUNS];
  const char *latency[SPR_EVAL_MAX_RUNS];
  const char *report_dir, *md, *report_json, *html, *plot_metric, *title;
  double alpha;
  int family, text_plots;
  int argc;
  char **argv;
} spr_eval_args;

/* Every --run, --label, --latency, --metrics and -m in order (spr_options_each_fn); value is
 * argv's, which outlives the parse. */
static int spr_eval_each(const spr_comm *world, void *ctx, const spr_setting *s, const char *value) {
  spr_eval_args *a = ctx;
  if (!strcmp(s->name, "run")) {
    if (a->n_runs >= SPR_EVAL_MAX_RUNS)
      return spr_cli_usage_error(world, "eval", "more than %d --run", SPR_EVAL_MAX_RUNS);
    a->runs[a->n_runs++] = value;
  } else if (!strcmp(s->name, "label")) {
    if (a->n_runs == 0) return spr_cli_usage_error(world, "eval", "--label must follow the --run it names");
    a->labels[a->n_runs - 1] = value;
  } else if (!strcmp(s->name, "latency")) {
    if (a->n_runs == 0) return spr_cli_usage_error(world, "eval", "--latency must follow the --run it describes");
    a->latency[a->n_runs - 1] = value;
  } else if (spr_measure_set_add_list(&a->set, value) < 0) { /* metrics: --metrics, -m, the default */
    return spr_cli_usage_error(world, "eval", "%s", spr_last_message());
  }
  return SPR_EXIT_OK;
}

/* Parse argv into a (options from the settings table, spr_settings.c). With --help: prints it and
 * returns SPR_EXIT_OK with a->job NULL. */
static int spr_eval_parse(const spr_comm *world, int argc, char **argv, spr_eval_args *a) {
  memset(a, 0, sizeof *a);
  spr_measure_set_clear(&a->set);
  const int st = spr_options_parse_each(world, &spr_eval_cmd, argc, argv, a, &a->job);
  if (st != SPR_EXIT_OK || !a->job) return st;
  const spr_job *j = a->job;
  a->qrels = j->corpus.qrels;
  a->json = j->cli.json;
  a->per_query = j->cli.per_query;
  a->flags = j->cli.complete ? SPR_EVAL_COMPLETE : 0;
  a->max_per_query = j->cli.max_per_query;
  a->report_dir = j->cli.report_dir;
  a->md = j->cli.markdown;
  a->report_json = j->cli.report_json;
  a->html = j->cli.html;
  a->plot_metric = j->cli.plot_metric;
  a->title = j->cli.title;
  a->alpha = j->cli.sig_alpha;
  a->family = !strcmp(j->cli.holm_family, "all") ? SPR_REPORT_FAMILY_ALL : SPR_REPORT_FAMILY_METRIC;
  a->text_plots = j->cli.text_plots;
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
  spr_report_options opt = {.title = a->title,
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
  spr_eval_args *a = malloc(sizeof *a); /* ~6 KiB: keep it off the stack */
  int rc = 0;
  if (!a) {
    rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  } else {
    const int st = spr_eval_parse(world, argc, argv, a);
    if (st != SPR_EXIT_OK || !a->job) { /* a usage error, or --help */
      spr_options_free(&a->job);
      free(a);
      return st;
    }
    if (world->rank == 0) rc = spr_eval_work(a);
    spr_options_free(&a->job);
  }
  free(a);
  return spr_cli_finish(world, "eval", rc);
}

/* trec_eval's own form: `spire eval [-q] [-m MEASURE ...] QRELS RUN [RUN2 ...]` */
static const char *const spr_eval_positional[] = {"qrels", "run", NULL};

static const spr_options_cmd spr_eval_cmd = {
    "eval", SPR_CMD_EVAL,
    "usage: spire eval --qrels QRELS --run RUN [--run RUN2 ...]\n"
    "       spire eval [OPTIONS] QRELS RUN [RUN2 ...]   (trec_eval's order)\n"
    "                  [--metrics LIST | -m MEASURE ...] [-q] [-c] [-M N] [--json OUT.json]\n"
    "                  [--report DIR | --markdown F.md --report-json F.json --html F.html]\n"
    "                  [--label NAME] [--latency FILE] [--plot-metric M] [--alpha A]\n"
    "                  [--holm-family metric|all] [--text-plots] [--title TEXT]\n"
    "\n"
    "Evaluate TREC run files against qrels. Numbers and output bytes equal NIST trec_eval 9.0.7's\n"
    "(`trec_eval [-q] [-c] [-M N] -m ... QRELS RUN`), and so does the syntax of its options: -m,\n"
    "-q, -c and -M as trec_eval takes them (-mMEASURE, -M10), whole option names only. --report and\n"
    "the options after it write a comparison report (docs/reports.md); the first --run is the\n"
    "baseline.\n"
    "\n",
    "\n"
    "output: lines `measure<TAB>qid|all<TAB>value`, measure left-justified to 22 characters, 4\n"
    "decimals, counts as integers, in trec_eval's order. With several --run, each run's block is\n"
    "preceded by a line `# run: PATH`. Bad input (missing file, malformed line, duplicate\n"
    "document) prints one error line naming FILE:LINE and exits 1 without writing --json.\n"
    "Under mpirun rank 0 does the work; the other ranks wait.\n",
    1, spr_eval_each, spr_eval_positional};
