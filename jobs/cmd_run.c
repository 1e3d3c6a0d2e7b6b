/* cmd_run.c: spire run — every stage of a job spec: index (read + analyze + BM25 + merge into one
 * HDF5 file), search, evaluation report. Collective on world.
 *
 * Resuming: each stage that succeeds writes a manifest (<output>/.spire/<stage>.manifest): the
 * spire version, the stage's parameters and the size and content hash (XXH3-64, computed by all
 * ranks, each its byte range) of its inputs, then
 * the stage's measurements. A rerun skips a stage whose manifest matches and whose output exists;
 * --force redoes all. Stage outputs are committed by rename, so a killed stage leaves no output
 * that could be mistaken for a finished one.
 *
 * Kill safety: SIGTERM, SIGINT and SIGHUP (mpirun and srun forward them; Slurm sends SIGTERM at
 * the time limit) unlink this job's temporary files and then end the process by the same signal.
 * A SIGKILL leaves them behind, so rank 0 removes stale ones before the first stage. Either way a
 * rerun resumes at the first stage without a matching manifest (docs/slurm.md).
 * Test hook (spr_test_pause, mpi/spr_coll.h): SPR_TEST_PAUSE=index.begin|index.merge|index.commit|
 * search.begin|search.commit|report.begin makes rank 0 create the file $SPR_TEST_PAUSE_FILE and
 * sleep there, unless that file exists already (begin: the stage's old manifest is gone and nothing
 * is written yet; index.merge: inside the collective write of index.h5.tmp, its documents written
 * and its terms not; commit: the output is renamed into place but its manifest is not written), so
 * that tests can kill a run at a known point (tests/mpi/resume.sh, tests/slurm/slurm.sh,
 * tests/multinode/multinode.sh). */
#include <dirent.h>
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
#include "spr_file.h"
#include "spr_index.h"
#include "spr_jobspec.h"
#include "spr_options.h"
#include "spr_progress.h"
#include "spr_report.h"
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

/* What reading a stage's inputs cost: they are hashed by content (spr_mpi_hash_file). */
typedef struct spr_hash_cost {
  int files;
  uint64_t bytes;
  double seconds;
} spr_hash_cost;

/* Collective. "LABEL=PATH size=N xxh3=H" (or "missing"), so that any change of an input's bytes
 * invalidates the stages that read it, whatever its size and modification time. */
static int spr_describe_file(const spr_comm *w, char *buf, size_t cap, const char *label, const char *path,
                             spr_hash_cost *cost) {
  if (!path) {
    snprintf(buf, cap, "%s= missing\n", label);
    return SPR_OK;
  }
  const double t0 = spr_now();
  int kind = 0;
  uint64_t size = 0, hash = 0;
  SPR_TRY(spr_mpi_hash_file(w, path, &kind, &size, &hash));
  cost->files += kind == 1;
  cost->bytes += size;
  cost->seconds += spr_now() - t0;
  if (kind == 1)
    snprintf(buf, cap, "%s=%s size=%llu xxh3=%016llx\n", label, path, (unsigned long long)size,
             (unsigned long long)hash);
  else if (kind == 0)
    snprintf(buf, cap, "%s=%s missing\n", label, path);
  else /* not a regular file (a pipe): its content cannot be known, the stage always runs */
    snprintf(buf, cap, "%s=%s not-a-regular-file now=%.9f\n", label, path, spr_now());
  return SPR_OK;
}

static int spr_name_order(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

/* Local. The regular files of folder dir, one name a line, in name order, into names (a listing
 * that does not fit is cut at a whole name). */
static void spr_list_folder(const char *dir, char *names, size_t cap) {
  struct dirent **list = NULL;
  const int n = scandir(dir, &list, NULL, spr_name_order);
  size_t used = 0;
  for (int i = 0; i < n; i++) {
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
    const size_t len = strlen(list[i]->d_name);
    if (list[i]->d_name[0] != '.' && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && used + len + 2 < cap) {
      memcpy(names + used, list[i]->d_name, len);
      used += len;
      names[used++] = '\n';
    }
    free(list[i]);
  }
  free(list);
  names[used] = '\0';
}

/* Collective. The lines of spr_describe_file for every regular file of folder dir (a model:
 * weights, config, vocabulary), in name order, labelled LABEL/NAME, appended to buf. */
static int spr_describe_folder(const spr_comm *w, char *buf, size_t cap, const char *label, const char *dir,
                               spr_hash_cost *cost) {
  char names[8192] = ""; /* rank 0's listing, one name a line, broadcast */
  if (w->rank == 0) spr_list_folder(dir, names, sizeof names);
  SPR_TRY(spr_mpi_bcast(w, names, sizeof names, 0));
  for (char *name = names, *end; *name; name = end + 1) {
    end = strchr(name, '\n');
    *end = '\0';
    char path[4096], lab[512], line[5000];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(lab, sizeof lab, "%s/%s", label, name);
    SPR_TRY(spr_describe_file(w, line, sizeof line, lab, path, cost));
    strncat(buf, line, cap - strlen(buf) - 1);
  }
  return SPR_OK;
}

/* Rank 0 says what hashing a stage's inputs cost. */
static void spr_hash_cost_say(const spr_comm *w, const char *stage, const spr_hash_cost *cost) {
  if (w->rank != 0 || !cost->files) return;
  const double mb = (double)cost->bytes / 1e6;
  fprintf(stderr, "[spire] run: %s: inputs hashed: %d file(s), %.1f MB in %.2fs (%.0f MB/s)\n", stage,
          cost->files, mb, cost->seconds, cost->seconds > 0 ? mb / cost->seconds : 0.0);
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
  char *path = spr_manifest_path(job, stage), *buf = NULL;
  size_t n = 0;
  const int ok = path && spr_file_read(path, NULL, &buf, &n) == SPR_OK;
  if (!ok) spr_clear_error(); /* no manifest: the stage runs */
  free(path);
  const size_t kl = strlen(m->key);
  const int same = ok && n >= kl + 4 && !memcmp(buf, m->key, kl) && !memcmp(buf + kl, "--\n", 3);
  if (same) snprintf(m->stats, sizeof m->stats, "%s", buf + kl + 3);
  free(buf);
  return same;
}

static int spr_manifest_write(const spr_job *job, const char *stage, const spr_manifest *m) {
  char *path = spr_manifest_path(job, stage);
  if (!path) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  int rc = spr_parent_dir(path);
  spr_out o;
  if (rc == SPR_OK) rc = spr_out_open(&o, path, NULL);
  if (rc == SPR_OK) {
    if (fprintf(o.f, "%s--\n%s", m->key, m->stats) < 0) rc = SPR_FAIL(SPR_EIO, "%s: write failed", o.tmp);
    rc = spr_out_close(&o, rc);
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

/* Local. Test hook, see the top of this file. Rank 0 only; sleeps until killed (at most 5 min). */

typedef struct spr_run_facts {
  spr_build_stats build;
  spr_search_stats search;
  int index_skipped, search_skipped;
  int ranks, threads;
} spr_run_facts;

static int spr_stage_index(const spr_comm *w, const spr_job *job, int force, int progress, spr_run_facts *f) {
  spr_manifest m = {{0}, {0}};
  char line[5000];
  spr_hash_cost cost = {0, 0, 0};
  SPR_TRY(spr_describe_file(w, line, sizeof line, "corpus", job->corpus.path, &cost));
  snprintf(m.key, sizeof m.key, "stage=index\nspire=%s\n%s", SPR_VERSION, line);
  /* a model folder is relative to the job file, like every path */
  char model[4096];
  const char *enc = job->encode.model;
  if (strcmp(enc, "bm25") && strcmp(enc, "vectors") && enc[0] != '/') {
    snprintf(model, sizeof model, "%s/%s", job->dir, enc);
    enc = model;
  }
  if (strcmp(enc, "bm25") && strcmp(enc, "vectors"))
    SPR_TRY(spr_describe_folder(w, m.key, sizeof m.key, "model", enc, &cost));
  spr_settings_manifest(job, SPR_SETTING_INDEX_STAGE, m.key, sizeof m.key);
  spr_hash_cost_say(w, "index", &cost);
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
  spr_test_pause(w, "index.begin");
  spr_build_params p;
  SPR_TRY(spr_options_build_params(job, &p));
  p.encoder = enc;
  p.progress = progress;
  SPR_TRY(spr_index_build(w, &p, &f->build));
  if (w->rank == 0) {
    fprintf(stderr, "[spire] run: index: %llu documents, %llu terms, %llu postings in %.2fs on %d rank(s)\n",
            (unsigned long long)f->build.n_docs, (unsigned long long)f->build.n_terms,
            (unsigned long long)f->build.n_postings, f->build.seconds, w->size);
    snprintf(m.stats, sizeof m.stats, "n_docs=%llu\nn_terms=%llu\nn_postings=%llu\navgdl=%.17g\nseconds=%.6f\nfile_bytes=%llu\n",
             (unsigned long long)f->build.n_docs, (unsigned long long)f->build.n_terms,
             (unsigned long long)f->build.n_postings, f->build.avgdl, f->build.seconds,
             (unsigned long long)f->build.file_bytes);
    spr_test_pause(w, "index.commit");
    rc = spr_manifest_write(job, "index", &m);
  }
  return spr_mpi_agree(w, rc);
}

static int spr_stage_search(const spr_comm *w, const spr_job *job, int force, int progress, spr_run_facts *f) {
  spr_manifest m = {{0}, {0}};
  char l1[5000], l2[5000];
  spr_hash_cost cost = {0, 0, 0};
  SPR_TRY(spr_describe_file(w, l1, sizeof l1, "index", job->index.path, &cost));
  SPR_TRY(spr_describe_file(w, l2, sizeof l2, "queries", job->corpus.queries, &cost));
  snprintf(m.key, sizeof m.key, "stage=search\nspire=%s\n%s%s", SPR_VERSION, l1, l2);
  spr_settings_manifest(job, SPR_SETTING_SEARCH_STAGE, m.key, sizeof m.key);
  spr_hash_cost_say(w, "search", &cost);
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
  spr_test_pause(w, "search.begin");
#ifdef _OPENMP
  if (job->search.threads > 0) omp_set_num_threads(job->search.threads);
#endif
  spr_search_params p;
  spr_options_search_params(job, &p);
  p.progress = progress;
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
    spr_test_pause(w, "search.commit");
    rc = spr_manifest_write(job, "search", &m);
  }
  return spr_mpi_agree(w, rc);
}

/* PATH with its extension (after the last '/') replaced by ext (".json"), into buf. */
static void spr_report_sibling(char *buf, size_t cap, const char *path, const char *ext) {
  snprintf(buf, cap, "%s", path);
  char *dot = strrchr(buf, '.');
  const char *slash = strrchr(buf, '/');
  if (dot && (!slash || dot > slash)) *dot = '\0';
  strncat(buf, ext, cap - strlen(buf) - 1);
}

/* Rank 0: evaluate the run and write report.md, report.json and report.html through the report
 * renderer (jobs/spr_report.h), which spire eval --report uses too. json_path receives the JSON
 * report's path. */
static int spr_stage_report(const spr_job *job, const spr_run_facts *f, char *json_path, size_t cap) {
  spr_eval_result *ev = NULL;
  if (job->corpus.qrels) SPR_TRY(spr_evaluate_files(job->corpus.qrels, job->search.run, job->eval.metrics, 0, &ev));
  char host[256] = "unknown";
  gethostname(host, sizeof host);
  host[sizeof host - 1] = '\0';
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  char when[64], title[1024], t[4096];
  const time_t now = time(NULL);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  snprintf(title, sizeof title, "spire report: %s", job->name);
  const spr_report_options opt = {.title = title, .job_report = 1};
  spr_report *r = NULL;
  int rc = spr_report_create(&opt, &r);
  if (rc != SPR_OK) {
    spr_eval_result_free(&ev);
    return rc;
  }
#define R_TRY(expr) SPR_TRYG(rc, (expr), cleanup)
#define R_TEXT(key, label, value, display) R_TRY(spr_report_fact_text(r, key, label, value, display))
#define R_NUM(key, label, value, display) R_TRY(spr_report_fact_number(r, key, label, value, display))
#define R_FMT(...) (snprintf(t, sizeof t, __VA_ARGS__), t)
  R_TRY(spr_report_section(r, NULL, NULL));
  R_TEXT("spire_version", "spire version", SPR_VERSION, NULL);
  R_TEXT("job", "job", job->name, NULL);
  R_TEXT("job_file", "job file", job->file, NULL);
  R_TEXT("created", "created", when, NULL);
  R_TEXT(NULL, "machine", NULL, R_FMT("%s, %ld cores, %d MPI rank(s) x %d OpenMP thread(s)", host, cores, f->ranks, f->threads));

  R_TRY(spr_report_section(r, "search", "Efficiency"));
  R_TEXT("run", "run file", job->search.run, NULL);
  R_TEXT("algorithm", NULL, job->search.algorithm, NULL);
  R_NUM("alpha", NULL, job->search.alpha, NULL);
  R_NUM("beta", NULL, job->search.beta, NULL);
  R_TEXT("serving", NULL, job->search.serving, NULL);
  R_TEXT(NULL, "algorithm", NULL, R_FMT("%s (alpha %g, beta %g), %s serving", job->search.algorithm, job->search.alpha, job->search.beta, job->search.serving));
  R_NUM("k", "k", job->search.k, NULL);
  R_NUM("queries", "queries", (double)f->search.n_queries, R_FMT("%llu", (unsigned long long)f->search.n_queries));
  R_NUM("queries_per_second", "throughput (queries/s)", f->search.qps, R_FMT("%.1f", f->search.qps));
  /* with an evaluated run the latencies get their own section (and plot) */
  R_NUM("latency_mean_ms", ev ? NULL : "latency mean (ms)", f->search.lat_mean, R_FMT("%.3f", f->search.lat_mean));
  R_NUM("latency_p50_ms", ev ? NULL : "latency p50 (ms)", f->search.lat_p50, R_FMT("%.3f", f->search.lat_p50));
  R_NUM("latency_p99_ms", ev ? NULL : "latency p99 (ms)", f->search.lat_p99, R_FMT("%.3f", f->search.lat_p99));
  R_NUM(NULL, "index build (s)", f->build.seconds, R_FMT("%.2f", f->build.seconds));
  R_TRY(spr_report_fact_bool(r, "reused", "reused from an earlier run", f->search_skipped,
                             f->search_skipped ? "yes (its manifest matched)" : "no"));
  R_TEXT(NULL, "latency", NULL,
         "per query on the slowest rank (each rank scores its docid range); throughput is queries "
         "over the wall time of the whole batch");

  R_TRY(spr_report_section(r, "collection", "Collection"));
  R_TEXT("corpus", "corpus", job->corpus.path, NULL);
  R_TEXT("queries", "queries", job->corpus.queries, NULL);
  R_TEXT("qrels", "qrels", job->corpus.qrels ? job->corpus.qrels : "", job->corpus.qrels ? NULL : "(none)");
  R_NUM("documents", "documents", (double)f->build.n_docs, R_FMT("%llu", (unsigned long long)f->build.n_docs));
  R_NUM("terms", "terms", (double)f->build.n_terms, R_FMT("%llu", (unsigned long long)f->build.n_terms));
  R_NUM("postings", "postings", (double)f->build.n_postings, R_FMT("%llu", (unsigned long long)f->build.n_postings));
  R_NUM("avg_doc_length", "mean document length", f->build.avgdl, R_FMT("%.2f terms", f->build.avgdl));

  R_TRY(spr_report_section(r, "index", "Index"));
  R_TEXT("path", "index file", job->index.path, NULL);
  R_NUM("bytes", "size", (double)f->build.file_bytes, R_FMT("%.2f MB", (double)f->build.file_bytes / 1e6));
  R_NUM("build_seconds", "build time (s)", f->build.seconds, R_FMT("%.2f", f->build.seconds));
  R_TEXT("encoder", "encoder", job->encode.model, NULL);
  R_TEXT("analyzer", "analyzer", job->encode.analyzer, NULL);
  R_NUM("k1", "k1", job->encode.k1, NULL);
  R_NUM("b", "b", job->encode.b, NULL);
  R_NUM("impact_bits", "impact bits", job->encode.bits, NULL);
  R_NUM("zstd_level", "zstd level", job->index.zstd_level, NULL);
  R_TEXT("reorder", "document order", job->index.reorder, NULL);
  R_NUM("pruned_postings", "postings removed by static pruning",
        (double)(f->build.pruned_doc + f->build.pruned_list), NULL);
  R_TRY(spr_report_fact_bool(r, "reused", "reused from an earlier run", f->index_skipped, NULL));

  R_TRY(spr_report_section(r, "machine", "Machine"));
  R_TEXT("host", "host", host, NULL);
  R_NUM("cores", "cores", (double)cores, NULL);
  R_NUM("ranks", "MPI ranks", f->ranks, NULL);
  R_NUM("threads_per_rank", "OpenMP threads per rank", f->threads, NULL);
#undef R_FMT
#undef R_NUM
#undef R_TEXT
  if (ev) {
    const int idx = spr_report_add_run(r, job->search.tag, ev);
    if (idx < 0) {
      rc = idx;
      goto cleanup;
    }
    R_TRY(spr_report_set_latency_summary(r, (size_t)idx, f->search.lat_mean, f->search.lat_p50, f->search.lat_p99));
  }
  R_TRY(spr_parent_dir(job->eval.report));
  spr_report_sibling(json_path, cap, job->eval.report, ".json");
  spr_report_sibling(t, sizeof t, job->eval.report, ".html");
  R_TRY(spr_report_write(r, job->eval.report, json_path, t));
#undef R_TRY
cleanup:
  spr_report_free(&r);
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
    spr_test_pause(world, "report.begin");
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
