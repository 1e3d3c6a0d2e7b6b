/* cmd_run.c: spire run — every stage of a job spec: index (read + analyze + BM25 + merge into one
 * HDF5 file), search, evaluation report. Collective on world.
 *
 * Resuming: each stage that succeeds writes a manifest (<output>/.spire/<stage>.manifest): the
 * spire version, the stage's parameters and the size and modification time of its inputs, then
 * the stage's measurements. A rerun skips a stage whose manifest matches and whose output exists;
 * --force redoes all. Stage outputs are committed by rename, so a killed stage leaves no output
 * that could be mistaken for a finished one.
 *
 * Kill safety: SIGTERM, SIGINT and SIGHUP (mpirun and srun forward them; Slurm sends SIGTERM at
 * the time limit) unlink this job's temporary files and then end the process by the same signal.
 * A SIGKILL leaves them behind, so rank 0 removes stale ones before the first stage. Either way a
 * rerun resumes at the first stage without a matching manifest (docs/slurm.md).
 * Test hook: SPR_TEST_PAUSE=index.begin|index.commit|search.begin|search.commit|report.begin makes
 * rank 0 create the file $SPR_TEST_PAUSE_FILE and sleep there (begin: the stage's old manifest is
 * gone and nothing is written yet; commit: the output is renamed into place but its manifest is
 * not written), so that tests can kill a run at a known point (tests/mpi/resume.sh). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <cjson/cJSON.h>

#include "spr_cli.h"
#include "spr_evaluate.h"
#include "spr_index.h"
#include "spr_jobspec.h"
#include "spr_search.h"

static void spr_run_help(void) {
  printf(
      "usage: [mpirun -np N] spire run JOB.ini [--force]\n\n"
      "Run every stage of a job spec: index (each rank reads and analyzes its byte range of the\n"
      "corpus; all ranks write one HDF5 index file), search (each rank scores its docid range; the\n"
      "top-k lists are merged), eval (trec_eval-identical metrics) and the report (report.md and\n"
      "report.json in the job's output folder). Stages whose outputs are up to date are skipped.\n\n"
      "  --force       redo every stage\n"
      "  --help-keys   list every job-spec key with its type, default and range\n"
      "  --quiet       no progress lines\n"
      "  -h, --help    this help\n\n"
      "Job specs are INI files with sections [job] [corpus] [encode] [index] [search] [eval];\n"
      "see docs/jobs.md. Paths are relative to the job file; ${VAR} expands environment variables.\n");
}

static int spr_mkdir_p(const char *path) {
  char *p = strdup(path);
  if (!p) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  for (char *s = p + 1;; s++) {
    const char c = *s;
    if (c == '/' || c == '\0') {
      *s = '\0';
      if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        const int rc = SPR_FAIL(SPR_EIO, "%s: cannot create directory: %s", p, strerror(errno));
        free(p);
        return rc;
      }
      *s = c;
      if (!c) break;
    }
  }
  free(p);
  return SPR_OK;
}

static int spr_parent_dir(const char *path) {
  char *d = strdup(path);
  if (!d) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  char *slash = strrchr(d, '/');
  int rc = SPR_OK;
  if (slash && slash != d) {
    *slash = '\0';
    rc = spr_mkdir_p(d);
  }
  free(d);
  return rc;
}

/* "path size mtime" of an input, so that a changed input invalidates a stage. */
static void spr_describe_file(char *buf, size_t cap, const char *label, const char *path) {
  struct stat sb;
  if (path && stat(path, &sb) == 0)
    snprintf(buf, cap, "%s=%s size=%lld mtime=%lld\n", label, path, (long long)sb.st_size,
             (long long)sb.st_mtime);
  else
    snprintf(buf, cap, "%s=%s missing\n", label, path ? path : "");
}

typedef struct spr_manifest {
  char key[4096];    /* what the stage depends on */
  char stats[2048];  /* what it measured, replayed when the stage is skipped */
} spr_manifest;

static char *spr_manifest_path(const spr_job *job, const char *stage) {
  const size_t n = strlen(job->output) + strlen(stage) + 32;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/.spire/%s.manifest", job->output, stage);
  return p;
}

/* 1 if the stage's manifest on disk has the same key and its output exists; stats are loaded. */
static int spr_manifest_matches(const spr_job *job, const char *stage, const char *output, spr_manifest *m) {
  if (access(output, F_OK) != 0) return 0;
  char *path = spr_manifest_path(job, stage);
  FILE *f = path ? fopen(path, "r") : NULL;
  free(path);
  if (!f) return 0;
  static char buf[8192];
  const size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const size_t kl = strlen(m->key);
  if (n < kl + 4 || memcmp(buf, m->key, kl) || memcmp(buf + kl, "--\n", 3)) return 0;
  snprintf(m->stats, sizeof m->stats, "%s", buf + kl + 3);
  return 1;
}

static int spr_manifest_write(const spr_job *job, const char *stage, const spr_manifest *m) {
  char *path = spr_manifest_path(job, stage);
  if (!path) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  SPR_TRY(spr_parent_dir(path));
  const size_t tl = strlen(path) + 8;
  char tmp[8192];
  snprintf(tmp, sizeof tmp < tl ? sizeof tmp : tl, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  int rc = SPR_OK;
  if (!f) rc = SPR_FAIL(SPR_EIO, "%s: cannot create: %s", tmp, strerror(errno));
  else {
    fprintf(f, "%s--\n%s", m->key, m->stats);
    if (ferror(f) | fclose(f)) rc = SPR_FAIL(SPR_EIO, "%s: write failed", tmp);
    else if (rename(tmp, path) != 0) rc = SPR_FAIL(SPR_EIO, "%s: cannot rename", path);
  }
  free(path);
  return rc;
}

static void spr_manifest_remove(const spr_job *job, const char *stage) {
  char *path = spr_manifest_path(job, stage);
  if (path) unlink(path);
  free(path);
}

static double spr_stat_get(const char *stats, const char *key) {
  const size_t kl = strlen(key);
  for (const char *s = stats; s && *s;) {
    if (!strncmp(s, key, kl) && s[kl] == '=') return atof(s + kl + 1);
    s = strchr(s, '\n');
    if (s) s++;
  }
  return 0;
}

/* Temporary files of this job, unlinked by the signal handler (async-signal-safe: unlink only). */
#define SPR_RUN_NTMP 6
static char spr_run_tmp[SPR_RUN_NTMP][4096];
static volatile sig_atomic_t spr_run_ntmp;

static void spr_run_on_signal(int sig) {
  for (int i = 0; i < spr_run_ntmp; i++) unlink(spr_run_tmp[i]);
  /* SA_RESETHAND restored the default action; the re-raised signal is delivered when this
   * handler returns, so the exit status still says "killed by sig". */
  raise(sig);
}

/* Local. Remember the job's temporary file names, remove stale ones (rank 0; a SIGKILL leaves
 * them) and install the handler. */
static void spr_run_protect(const spr_comm *w, const spr_job *job) {
  int n = 0;
  snprintf(spr_run_tmp[n++], sizeof spr_run_tmp[0], "%s.tmp", job->index.path);
  snprintf(spr_run_tmp[n++], sizeof spr_run_tmp[0], "%s.tmp", job->search.run);
  snprintf(spr_run_tmp[n++], sizeof spr_run_tmp[0], "%s.tmp", job->eval.report);
  {
    char json[4096];
    snprintf(json, sizeof json, "%s", job->eval.report);
    char *dot = strrchr(json, '.');
    const char *slash = strrchr(json, '/');
    if (dot && (!slash || dot > slash)) *dot = '\0';
    snprintf(spr_run_tmp[n++], sizeof spr_run_tmp[0], "%s.json.tmp", json);
  }
  snprintf(spr_run_tmp[n++], sizeof spr_run_tmp[0], "%s/.spire/index.manifest.tmp", job->output);
  snprintf(spr_run_tmp[n++], sizeof spr_run_tmp[0], "%s/.spire/search.manifest.tmp", job->output);
  if (w->rank == 0)
    for (int i = 0; i < n; i++)
      if (unlink(spr_run_tmp[i]) == 0) fprintf(stderr, "[spire] run: removed %s (left by a killed run)\n", spr_run_tmp[i]);
  spr_run_ntmp = n;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = spr_run_on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    struct sigaction old;
    /* keep an ignored signal ignored (nohup) */
    if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(sigs[i], &sa, NULL);
  }
}

/* Local. Test hook, see the top of this file. Rank 0 only; sleeps until killed (at most 10 min). */
static void spr_run_test_pause(const spr_comm *w, const char *where) {
  const char *want = getenv("SPR_TEST_PAUSE");
  if (w->rank != 0 || !want || strcmp(want, where)) return;
  const char *mark = getenv("SPR_TEST_PAUSE_FILE");
  if (mark) {
    FILE *f = fopen(mark, "w");
    if (f) fclose(f);
  }
  fprintf(stderr, "[spire] run: SPR_TEST_PAUSE: paused at %s\n", where);
  for (int i = 0; i < 600; i++) sleep(1);
}

typedef struct spr_run_facts {
  spr_build_stats build;
  spr_search_stats search;
  int index_skipped, search_skipped;
  int ranks, threads;
} spr_run_facts;

static int spr_stage_index(const spr_comm *w, const spr_job *job, int force, int progress, spr_run_facts *f) {
  spr_manifest m = {{0}, {0}};
  char line[3000];
  spr_describe_file(line, sizeof line, "corpus", job->corpus.path);
  snprintf(m.key, sizeof m.key,
           "stage=index\nspire=%s\n%sformat=%s\nmodel=%s\nanalyzer=%s\nk1=%.17g\nb=%.17g\nbits=%d\nzstd_level=%d\n"
           "block_size=%d\nmax_length=%d\n",
           SPR_VERSION, line, job->corpus.format, job->encode.model, job->encode.analyzer, job->encode.k1,
           job->encode.b, job->encode.bits, job->index.zstd_level, job->index.block_size, job->encode.max_length);
  int skip = 0;
  if (w->rank == 0 && !force) skip = spr_manifest_matches(job, "index", job->index.path, &m);
  SPR_TRY(spr_mpi_bcast(w, &skip, sizeof skip, 0));
  if (skip) {
    if (w->rank == 0) {
      fprintf(stderr, "[spire] run: index: %s is up to date, skipped (--force redoes it)\n", job->index.path);
      f->build.n_docs = (uint64_t)spr_stat_get(m.stats, "n_docs");
      f->build.n_terms = (uint64_t)spr_stat_get(m.stats, "n_terms");
      f->build.n_postings = (uint64_t)spr_stat_get(m.stats, "n_postings");
      f->build.avgdl = spr_stat_get(m.stats, "avgdl");
      f->build.seconds = spr_stat_get(m.stats, "seconds");
      f->build.file_bytes = (uint64_t)spr_stat_get(m.stats, "file_bytes");
      f->index_skipped = 1;
    }
    return SPR_OK;
  }
  int rc = SPR_OK;
  if (w->rank == 0) {
    spr_manifest_remove(job, "index");
    spr_manifest_remove(job, "search");
    rc = spr_parent_dir(job->index.path);
  }
  SPR_TRY(spr_mpi_agree(w, rc));
  spr_run_test_pause(w, "index.begin");
  /* a model folder is relative to the job file, like every path */
  char model[4096];
  const char *enc = job->encode.model;
  if (strcmp(enc, "bm25") && strcmp(enc, "vectors") && enc[0] != '/') {
    snprintf(model, sizeof model, "%s/%s", job->dir, enc);
    enc = model;
  }
  spr_corpus_format fmt = SPR_CORPUS_AUTO;
  SPR_TRY(spr_corpus_format_parse(job->corpus.format, &fmt));
  spr_build_params p = {.corpus = job->corpus.path, .format = fmt, .encoder = enc, .max_length = job->encode.max_length, .analyzer = job->encode.analyzer,
                        .k1 = job->encode.k1, .b = job->encode.b, .bits = job->encode.bits,
                        .output = job->index.path, .zstd_level = job->index.zstd_level,
                        .block_size = job->index.block_size, .progress = progress};
  SPR_TRY(spr_index_build(w, &p, &f->build));
  if (w->rank == 0) {
    fprintf(stderr, "[spire] run: index: %llu documents, %llu terms, %llu postings in %.2fs on %d rank(s)\n",
            (unsigned long long)f->build.n_docs, (unsigned long long)f->build.n_terms,
            (unsigned long long)f->build.n_postings, f->build.seconds, w->size);
    snprintf(m.stats, sizeof m.stats, "n_docs=%llu\nn_terms=%llu\nn_postings=%llu\navgdl=%.17g\nseconds=%.6f\nfile_bytes=%llu\n",
             (unsigned long long)f->build.n_docs, (unsigned long long)f->build.n_terms,
             (unsigned long long)f->build.n_postings, f->build.avgdl, f->build.seconds,
             (unsigned long long)f->build.file_bytes);
    spr_run_test_pause(w, "index.commit");
    rc = spr_manifest_write(job, "index", &m);
  }
  return spr_mpi_agree(w, rc);
}

static int spr_stage_search(const spr_comm *w, const spr_job *job, int force, int progress, spr_run_facts *f) {
  spr_manifest m = {{0}, {0}};
  char l1[3000], l2[3000];
  spr_describe_file(l1, sizeof l1, "index", job->index.path);
  spr_describe_file(l2, sizeof l2, "queries", job->corpus.queries);
  snprintf(m.key, sizeof m.key, "stage=search\nspire=%s\n%s%sk=%d\nalgorithm=%s\nalpha=%.17g\nbeta=%.17g\ntag=%s\n",
           SPR_VERSION, l1, l2, job->search.k, job->search.algorithm, job->search.alpha, job->search.beta,
           job->search.tag);
  int skip = 0;
  if (w->rank == 0 && !force) skip = spr_manifest_matches(job, "search", job->search.run, &m);
  SPR_TRY(spr_mpi_bcast(w, &skip, sizeof skip, 0));
  if (skip) {
    if (w->rank == 0) {
      fprintf(stderr, "[spire] run: search: %s is up to date, skipped (--force redoes it)\n", job->search.run);
      spr_search_stats *s = &f->search;
      s->n_queries = (uint64_t)spr_stat_get(m.stats, "n_queries");
      s->n_results = (uint64_t)spr_stat_get(m.stats, "n_results");
      s->seconds = spr_stat_get(m.stats, "seconds");
      s->qps = spr_stat_get(m.stats, "qps");
      s->lat_mean = spr_stat_get(m.stats, "lat_mean_ms");
      s->lat_p50 = spr_stat_get(m.stats, "lat_p50_ms");
      s->lat_p99 = spr_stat_get(m.stats, "lat_p99_ms");
      f->ranks = (int)spr_stat_get(m.stats, "ranks");
      f->threads = (int)spr_stat_get(m.stats, "threads");
      f->search_skipped = 1;
    }
    return SPR_OK;
  }
  int rc = SPR_OK;
  if (w->rank == 0) {
    spr_manifest_remove(job, "search");
    rc = spr_parent_dir(job->search.run);
  }
  SPR_TRY(spr_mpi_agree(w, rc));
  spr_run_test_pause(w, "search.begin");
#ifdef _OPENMP
  if (job->search.threads > 0) omp_set_num_threads(job->search.threads);
#endif
  spr_search_params p = {.index = job->index.path, .queries = job->corpus.queries, .run = job->search.run,
                         .tag = job->search.tag, .k = (uint32_t)job->search.k,
                         .algorithm = job->search.algorithm, .alpha = job->search.alpha,
                         .beta = job->search.beta, .replicated = !strcmp(job->search.serving, "replicated"),
                         .progress = progress};
  SPR_TRY(spr_search_run(w, &p, &f->search));
  if (w->rank == 0) {
    const spr_search_stats *s = &f->search;
    fprintf(stderr, "[spire] run: search: %llu queries, %.1f queries/s, p50 %.3f ms, p99 %.3f ms\n",
            (unsigned long long)s->n_queries, s->qps, s->lat_p50, s->lat_p99);
    snprintf(m.stats, sizeof m.stats,
             "n_queries=%llu\nn_results=%llu\nseconds=%.6f\nqps=%.6f\nlat_mean_ms=%.6f\nlat_p50_ms=%.6f\n"
             "lat_p99_ms=%.6f\nranks=%d\nthreads=%d\n",
             (unsigned long long)s->n_queries, (unsigned long long)s->n_results, s->seconds, s->qps, s->lat_mean,
             s->lat_p50, s->lat_p99, f->ranks, f->threads);
    spr_run_test_pause(w, "search.commit");
    rc = spr_manifest_write(job, "search", &m);
  }
  return spr_mpi_agree(w, rc);
}

/* Friendly names of the report's headline metrics, as spr_eval_result_all understands them. */
static const struct {
  const char *name, *label;
} spr_headline[] = {{"map", "MAP"},       {"ndcg_cut_10", "nDCG@10"}, {"recip_rank", "MRR"},
                    {"P_10", "P@10"},      {"recall_100", "R@100"},    {"recall_1000", "R@1000"}};

static int spr_write_text_atomic(const char *path, const char *text) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return SPR_FAIL(SPR_EIO, "%s: cannot create: %s", tmp, strerror(errno));
  fputs(text, f);
  if (ferror(f) | fclose(f)) {
    unlink(tmp);
    return SPR_FAIL(SPR_EIO, "%s: write failed", tmp);
  }
  if (rename(tmp, path) != 0) {
    unlink(tmp);
    return SPR_FAIL(SPR_EIO, "%s: cannot rename from %s", path, tmp);
  }
  return SPR_OK;
}

/* Rank 0: evaluate the run and write report.md + report.json. */
static int spr_stage_report(const spr_job *job, const spr_run_facts *f, char *json_path, size_t cap) {
  spr_eval_result *ev = NULL;
  if (job->corpus.qrels) SPR_TRY(spr_evaluate_files(job->corpus.qrels, job->search.run, job->eval.metrics, 0, &ev));
  char host[256] = "unknown";
  gethostname(host, sizeof host);
  host[sizeof host - 1] = '\0';
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  char when[64];
  const time_t now = time(NULL);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));

  cJSON *root = cJSON_CreateObject(), *o;
  cJSON_AddStringToObject(root, "spire_version", SPR_VERSION);
  cJSON_AddStringToObject(root, "job", job->name);
  cJSON_AddStringToObject(root, "job_file", job->file);
  cJSON_AddStringToObject(root, "created", when);
  o = cJSON_AddObjectToObject(root, "machine");
  cJSON_AddStringToObject(o, "host", host);
  cJSON_AddNumberToObject(o, "cores", (double)cores);
  cJSON_AddNumberToObject(o, "ranks", f->ranks);
  cJSON_AddNumberToObject(o, "threads_per_rank", f->threads);
  o = cJSON_AddObjectToObject(root, "collection");
  cJSON_AddStringToObject(o, "corpus", job->corpus.path);
  cJSON_AddStringToObject(o, "queries", job->corpus.queries);
  cJSON_AddStringToObject(o, "qrels", job->corpus.qrels ? job->corpus.qrels : "");
  cJSON_AddNumberToObject(o, "documents", (double)f->build.n_docs);
  cJSON_AddNumberToObject(o, "terms", (double)f->build.n_terms);
  cJSON_AddNumberToObject(o, "postings", (double)f->build.n_postings);
  cJSON_AddNumberToObject(o, "avg_doc_length", f->build.avgdl);
  o = cJSON_AddObjectToObject(root, "index");
  cJSON_AddStringToObject(o, "path", job->index.path);
  cJSON_AddNumberToObject(o, "bytes", (double)f->build.file_bytes);
  cJSON_AddNumberToObject(o, "build_seconds", f->build.seconds);
  cJSON_AddStringToObject(o, "encoder", job->encode.model);
  cJSON_AddStringToObject(o, "analyzer", job->encode.analyzer);
  cJSON_AddNumberToObject(o, "k1", job->encode.k1);
  cJSON_AddNumberToObject(o, "b", job->encode.b);
  cJSON_AddNumberToObject(o, "impact_bits", job->encode.bits);
  cJSON_AddNumberToObject(o, "zstd_level", job->index.zstd_level);
  cJSON_AddBoolToObject(o, "reused", f->index_skipped);
  o = cJSON_AddObjectToObject(root, "search");
  cJSON_AddStringToObject(o, "run", job->search.run);
  cJSON_AddStringToObject(o, "algorithm", job->search.algorithm);
  cJSON_AddNumberToObject(o, "alpha", job->search.alpha);
  cJSON_AddNumberToObject(o, "beta", job->search.beta);
  cJSON_AddStringToObject(o, "serving", job->search.serving);
  cJSON_AddNumberToObject(o, "k", job->search.k);
  cJSON_AddNumberToObject(o, "queries", (double)f->search.n_queries);
  cJSON_AddNumberToObject(o, "queries_per_second", f->search.qps);
  cJSON_AddNumberToObject(o, "latency_mean_ms", f->search.lat_mean);
  cJSON_AddNumberToObject(o, "latency_p50_ms", f->search.lat_p50);
  cJSON_AddNumberToObject(o, "latency_p99_ms", f->search.lat_p99);
  cJSON_AddBoolToObject(o, "reused", f->search_skipped);
  cJSON *metrics = cJSON_AddObjectToObject(root, "metrics");
  for (size_t i = 0; ev && i < spr_eval_result_metric_count(ev); i++) {
    const char *name = spr_eval_result_metric_name(ev, i);
    double v = 0;
    if (spr_eval_result_all(ev, name, &v) == SPR_OK) cJSON_AddNumberToObject(metrics, name, v);
  }

  /* Markdown */
  size_t cap_md = 65536, n = 0;
  char *md = malloc(cap_md);
  int rc = SPR_OK;
  if (!md || !root) {
    rc = SPR_FAIL(SPR_ENOMEM, "report: out of memory");
    goto cleanup;
  }
#define MD(...) n += (size_t)snprintf(md + n, n < cap_md ? cap_md - n : 0, __VA_ARGS__)
  MD("# spire report: %s\n\n", job->name);
  MD("Job file `%s`, spire %s, %s.\n\n", job->file, SPR_VERSION, when);
  MD("## Effectiveness\n\n");
  if (ev) {
    MD("| metric | value |\n| --- | ---: |\n");
    for (size_t i = 0; i < sizeof spr_headline / sizeof *spr_headline; i++) {
      double v = 0;
      if (spr_eval_result_all(ev, spr_headline[i].name, &v) == SPR_OK)
        MD("| %s (`%s`) | %.4f |\n", spr_headline[i].label, spr_headline[i].name, v);
    }
    MD("\nEvery measure (trec_eval names; `spire eval` prints the same numbers):\n\n```\n");
    for (size_t i = 0; i < spr_eval_result_metric_count(ev); i++) {
      const char *name = spr_eval_result_metric_name(ev, i);
      double v = 0;
      if (spr_eval_result_all(ev, name, &v) != SPR_OK) continue;
      if (spr_eval_result_metric_is_integer(ev, i)) MD("%-22s all  %.0f\n", name, v);
      else MD("%-22s all  %.4f\n", name, v);
    }
    MD("```\n\n");
  } else {
    MD("No qrels in the job spec: nothing to evaluate.\n\n");
  }
  MD("## Efficiency\n\n| measure | value |\n| --- | ---: |\n");
  MD("| queries | %llu |\n| k | %d |\n| algorithm | %s (alpha %g, beta %g), %s serving |\n",
     (unsigned long long)f->search.n_queries, job->search.k, job->search.algorithm, job->search.alpha,
     job->search.beta, job->search.serving);
  MD("| latency mean (ms) | %.3f |\n| latency p50 (ms) | %.3f |\n| latency p99 (ms) | %.3f |\n",
     f->search.lat_mean, f->search.lat_p50, f->search.lat_p99);
  MD("| throughput (queries/s) | %.1f |\n| index build (s) | %.2f |\n\n", f->search.qps, f->build.seconds);
  MD("Latency is per query on the slowest rank (each rank scores its docid range); throughput is\n"
     "queries over the wall time of the whole batch.%s\n\n",
     f->search_skipped ? " Search was reused from an earlier run (its manifest matched)." : "");
  MD("## Collection and index\n\n| | |\n| --- | --- |\n");
  MD("| corpus | `%s` |\n| queries | `%s` |\n| qrels | `%s` |\n", job->corpus.path, job->corpus.queries,
     job->corpus.qrels ? job->corpus.qrels : "(none)");
  MD("| documents | %llu |\n| terms | %llu |\n| postings | %llu |\n| mean document length | %.2f terms |\n",
     (unsigned long long)f->build.n_docs, (unsigned long long)f->build.n_terms,
     (unsigned long long)f->build.n_postings, f->build.avgdl);
  MD("| index file | `%s` (%.2f MB, zstd level %d) |\n", job->index.path, (double)f->build.file_bytes / 1e6,
     job->index.zstd_level);
  MD("| encoder | %s, analyzer %s, k1 %g, b %g, u%d impacts |\n\n", job->encode.model, job->encode.analyzer,
     job->encode.k1, job->encode.b, job->encode.bits);
  MD("## Machine\n\nhost `%s`, %ld cores, %d MPI rank(s) x %d OpenMP thread(s).\n", host, cores, f->ranks,
     f->threads);
#undef MD
  if (n >= cap_md) {
    rc = SPR_FAIL(SPR_ENOSPACE, "report: too long");
    goto cleanup;
  }
  SPR_TRYG(rc, spr_parent_dir(job->eval.report), cleanup);
  SPR_TRYG(rc, spr_write_text_atomic(job->eval.report, md), cleanup);
  {
    snprintf(json_path, cap, "%s", job->eval.report);
    char *dot = strrchr(json_path, '.');
    const char *slash = strrchr(json_path, '/');
    if (dot && (!slash || dot > slash)) *dot = '\0';
    strncat(json_path, ".json", cap - strlen(json_path) - 1);
    char *js = cJSON_Print(root);
    if (!js) {
      rc = SPR_FAIL(SPR_ENOMEM, "report: out of memory");
      goto cleanup;
    }
    rc = spr_write_text_atomic(json_path, js);
    free(js);
  }
cleanup:
  free(md);
  cJSON_Delete(root);
  spr_eval_result_free(&ev);
  return rc;
}

int spr_cmd_run(const spr_comm *world, int argc, char **argv) {
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) spr_run_help();
    return SPR_EXIT_OK;
  }
  const char *path = NULL;
  int force = 0, progress = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--force")) force = 1;
    else if (!strcmp(argv[i], "--quiet")) progress = 0;
    else if (!strcmp(argv[i], "--help-keys")) {
      if (world->rank == 0) spr_jobspec_print_keys(stdout);
      return SPR_EXIT_OK;
    } else if (argv[i][0] == '-') return spr_cli_usage_error(world, "run", "unknown option '%s'", argv[i]);
    else if (!path) path = argv[i];
    else return spr_cli_usage_error(world, "run", "unexpected argument '%s'", argv[i]);
  }
  if (!path) return spr_cli_usage_error(world, "run", "a job file is required");
  spr_job *job = NULL;
  spr_run_facts facts;
  memset(&facts, 0, sizeof facts);
  facts.ranks = world->size;
#ifdef _OPENMP
  facts.threads = omp_get_max_threads();
#else
  facts.threads = 1;
#endif
  int rc = spr_jobspec_load(path, &job);
  if (rc == SPR_OK && world->rank == 0) rc = spr_mkdir_p(job->output);
  rc = spr_mpi_agree(world, rc);
  if (rc == SPR_OK) spr_run_protect(world, job);
  if (rc == SPR_OK) {
#ifdef _OPENMP
    if (job->search.threads > 0) facts.threads = job->search.threads;
#endif
    rc = spr_stage_index(world, job, force, progress, &facts);
  }
  if (rc == SPR_OK) rc = spr_stage_search(world, job, force, progress, &facts);
  char json[4096] = "";
  if (rc == SPR_OK) {
    spr_run_test_pause(world, "report.begin");
    if (world->rank == 0) rc = spr_stage_report(job, &facts, json, sizeof json);
    rc = spr_mpi_agree(world, rc);
  }
  const int status = spr_cli_finish(world, "run", rc);
  if (status == SPR_EXIT_OK && world->rank == 0)
    printf("report: %s\n        %s\nrun:    %s\nindex:  %s\n", job->eval.report, json, job->search.run,
           job->index.path);
  spr_jobspec_free(&job);
  return status;
}
