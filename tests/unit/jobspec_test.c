/* jobspec_test.c: unit tests of the job-spec parser (jobs/spr_jobspec.h).
 * `unit_jobspec --write-docs FILE` writes the generated key reference (docs/jobs.md). */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spr_jobspec.h"
#include "spr_metrics.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"

static char tmpdir[PATH_MAX];

/* CHECK_PATH(got, rel): the string got is tmpdir followed by rel. */
#define CHECK_PATH(got, rel)                                    \
  do {                                                          \
    char want_[PATH_MAX + 128];                                 \
    snprintf(want_, sizeof want_, "%s%s", tmpdir, (rel));       \
    CHECK_STR((got), want_);                                    \
  } while (0)

/* The job as spr_jobspec_print writes it (caller frees). */
static char *print_job(const spr_job *job) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) {
    perror("open_memstream");
    exit(1);
  }
  spr_jobspec_print(f, job);
  fclose(f);
  return text;
}

/* Write text to DIR/sub/name and load it; returns the status, *job when OK. */
static int load_text(const char *name, const char *text, spr_job **job, char *path, size_t cap) {
  snprintf(path, cap, "%s/sub/%s", tmpdir, name);
  spr_test_write(path, text, strlen(text));
  spr_clear_error();
  return spr_jobspec_load(path, job);
}

/* Expect a parse error whose message equals "PATH<suffix>". */
static void expect_error(const char *text, const char *suffix, int line) {
  char path[PATH_MAX + 64], want[PATH_MAX + 256];
  spr_job *job = NULL;
  const int rc = load_text("bad.ini", text, &job, path, sizeof path);
  if (rc != SPR_EPARSE || job != NULL) {
    fprintf(stderr, "%s:%d: expected SPR_EPARSE, got %d for:\n%s\n", __FILE__, line, rc, text);
    spr_check_fail();
    spr_jobspec_free(&job);
    return;
  }
  snprintf(want, sizeof want, "%s%s", path, suffix);
  if (strcmp(spr_last_message(), want)) {
    fprintf(stderr, "%s:%d: message\n  '%s'\nwanted\n  '%s'\n", __FILE__, line,
            spr_last_message(), want);
    spr_check_fail();
  }
}

static void test_defaults(void) {
  char path[PATH_MAX + 64];
  spr_job *job = NULL;
  CHECK(load_text("good.ini",
                  "; minimal job\n[corpus]\npath = corpus.jsonl\nqueries = ./q/../queries.tsv\n",
                  &job, path, sizeof path) == SPR_OK);
  if (!job) {
    fprintf(stderr, "%s\n", spr_last_error());
    spr_check_fail();
    return;
  }
  CHECK_PATH(job->file, "/sub/good.ini");
  CHECK_PATH(job->dir, "/sub");
  CHECK_STR(job->name, "good");
  CHECK_PATH(job->output, "/sub/out/good");
  CHECK_PATH(job->corpus.path, "/sub/corpus.jsonl");
  CHECK_PATH(job->corpus.queries, "/sub/queries.tsv");
  CHECK(job->corpus.qrels == NULL);
  CHECK_STR(job->corpus.format, "auto");
  CHECK_STR(job->encode.model, "bm25");
  CHECK_STR(job->encode.analyzer, "english");
  CHECK(job->encode.k1 == 0.9 && job->encode.b == 0.4 && job->encode.bits == 8);
  CHECK_PATH(job->index.path, "/sub/out/good/index.h5");
  CHECK(job->index.zstd_level == 1 && job->index.block_size == 4);
  CHECK(job->search.k == 1000 && job->search.threads == 0);
  CHECK_STR(job->search.algorithm, "bmp");
  CHECK_PATH(job->search.run, "/sub/out/good/run.trec");
  CHECK_STR(job->search.tag, "spire");
  CHECK_STR(job->eval.metrics, "map,ndcg_cut.10,ndcg_cut.20,ndcg_cut.100,recip_rank,P.5,P.10,"
                               "P.20,recall.10,recall.100,recall.1000");
  CHECK_PATH(job->eval.report, "/sub/out/good/report.md");

  /* the resolved job prints as INI that loads back to the same values */
  char *a = print_job(job);
  spr_job *again = NULL;
  CHECK(load_text("good.ini", a, &again, path, sizeof path) == SPR_OK);
  if (again) {
    char *b = print_job(again);
    CHECK_STR(a, b);
    free(b);
  }
  free(a);
  spr_jobspec_free(&again);
  spr_jobspec_free(&job);
  CHECK(job == NULL);
  spr_jobspec_free(&job); /* NULL is fine */
  spr_jobspec_free(NULL);
}

static void test_values(void) {
  char path[PATH_MAX + 64];
  spr_job *job = NULL;
  setenv("SPR_JOBSPEC_TEST_DIR", "/data/x", 1);
  setenv("SPR_JOBSPEC_TEST_K", "17", 1);
  const char *text =
      "[job]\nname = exp1\noutput = ../results\n"
      "[corpus]\npath = ${SPR_JOBSPEC_TEST_DIR}/c.tsv\nformat = tsv\nqueries = ../q.tsv\n"
      "qrels = /abs/qrels.txt ; inline comment\n"
      "[encode]\nanalyzer = standard\nk1 = 1.2\nb = 0.75\nbits = 4\n"
      "[index]\npath = idx.h5\nzstd_level = 0\nblock_size = 256\n"
      "[search]\nk = ${SPR_JOBSPEC_TEST_K}\nalgorithm = bmp\ntag = cost$$\nthreads = 2\n"
      "[eval]\nmetrics = map\nreport = r/rep.md\n";
  CHECK(load_text("values.ini", text, &job, path, sizeof path) == SPR_OK);
  if (!job) {
    fprintf(stderr, "%s\n", spr_last_error());
    spr_check_fail();
    return;
  }
  CHECK_STR(job->name, "exp1");
  CHECK_PATH(job->output, "/results");
  CHECK_STR(job->corpus.path, "/data/x/c.tsv");
  CHECK_STR(job->corpus.format, "tsv");
  CHECK_PATH(job->corpus.queries, "/q.tsv");
  CHECK_STR(job->corpus.qrels, "/abs/qrels.txt");
  CHECK_STR(job->encode.analyzer, "standard");
  CHECK(job->encode.k1 == 1.2 && job->encode.b == 0.75 && job->encode.bits == 4);
  CHECK_PATH(job->index.path, "/sub/idx.h5");
  CHECK(job->index.zstd_level == 0 && job->index.block_size == 256);
  CHECK(job->search.k == 17 && job->search.threads == 2);
  CHECK_STR(job->search.algorithm, "bmp");
  CHECK_STR(job->search.tag, "cost$");
  CHECK_PATH(job->search.run, "/results/run.trec");
  CHECK_STR(job->eval.metrics, "map");
  CHECK_PATH(job->eval.report, "/sub/r/rep.md");
  /* printing escapes '$' so that the round trip keeps "cost$" */
  char *a = print_job(job);
  spr_job *again = NULL;
  CHECK(load_text("values2.ini", a, &again, path, sizeof path) == SPR_OK);
  if (again) {
    CHECK_STR(again->search.tag, "cost$");
    CHECK(again->encode.k1 == 1.2 && again->search.k == 17);
    CHECK_STR(again->corpus.path, "/data/x/c.tsv");
  }
  free(a);
  spr_jobspec_free(&again);
  spr_jobspec_free(&job);
}

static void test_errors(void) {
  unsetenv("SPR_JOBSPEC_TEST_UNSET");
  expect_error("[corpus]\npath = a\nx = 1\n", ":3: unknown key 'x' in section [corpus]", __LINE__);
  expect_error("[corpus]\npath = a\nqueries = b\n[encode]\nbits = 9\n",
               ":5: [encode] bits: 9 is out of range [1, 8]", __LINE__);
  expect_error("[corpus]\npath = a\nqueries = b\n[encode]\nb = 1.5\n",
               ":5: [encode] b: 1.5 is out of range [0, 1]", __LINE__);
  expect_error("[corpus]\npath = a\nqueries = b\n[encode]\nk1 = fast\n",
               ":5: [encode] k1: 'fast' is not a number", __LINE__);
  expect_error("[corpus]\npath = a\nqueries = b\n[search]\nk = 10x\n",
               ":5: [search] k: '10x' is not an integer", __LINE__);
  expect_error("[corpus]\npath = a\nqueries = b\n[search]\nalgorithm = wand\n",
               ":5: [search] algorithm: 'wand' is not one of bmp|exhaustive", __LINE__);
  expect_error("[corpus]\npath = a\n", ": missing required key 'queries' in section [corpus]",
               __LINE__);
  expect_error("[job]\nname = x\n", ": missing required key 'path' in section [corpus]", __LINE__);
  expect_error("[corpus]\npath = ${SPR_JOBSPEC_TEST_UNSET}/a\nqueries = b\n",
               ":2: environment variable 'SPR_JOBSPEC_TEST_UNSET' is not set", __LINE__);
  expect_error("[corpus]\npath = ${OOPS\nqueries = b\n", ":2: unterminated ${ in value", __LINE__);
  expect_error("[corpus]\npath = a\n\n[corpora]\n",
               ":4: unknown section [corpora] (sections: job, corpus, encode, index, search, eval)",
               __LINE__);
  expect_error("[corpus]\npath = a\npath = b\n",
               ":3: duplicate key 'path' in section [corpus] (first on line 2)", __LINE__);
  expect_error("[corpus]\npath = a\n[job]\n[corpus]\nqueries = b\n",
               ":4: duplicate section [corpus] (first on line 1)", __LINE__);
  expect_error("name = x\n[corpus]\n", ":1: key 'name' outside of any section", __LINE__);
  expect_error("[corpus]\npath = a\nqueries\n",
               ":3: syntax error (expected '[section]' or 'key = value')", __LINE__);
  expect_error("[corpus]\npath =\nqueries = b\n", ":2: [corpus] path: empty path", __LINE__);
  expect_error("[job]\nname = a/b\n[corpus]\npath = a\nqueries = b\n",
               ":2: [job] name: 'a/b' must be non-empty without '/'", __LINE__);

  spr_job *job = (spr_job *)&job; /* must be reset to NULL */
  CHECK(spr_jobspec_load("/nonexistent/spire/job.ini", &job) == SPR_EIO && job == NULL);
  CHECK(strstr(spr_last_message(), "/nonexistent/spire/job.ini") != NULL);
  /* from memory, with a qrels key left empty (= none) */
  const char text[] = "[corpus]\r\npath = /c\r\nqueries = /q\r\nqrels =\r\n";
  CHECK(spr_jobspec_parse(text, sizeof text - 1, "mem.ini", "/base", &job) == SPR_OK);
  if (job) {
    CHECK_STR(job->name, "mem");
    CHECK_STR(job->output, "/base/out/mem");
    CHECK(job->corpus.qrels == NULL);
    spr_jobspec_free(&job);
  }
  CHECK(spr_jobspec_parse("[corpus]\npath = a\0b\n", 20, "nul.ini", "/", &job) == SPR_EPARSE);
}

/* The committed job files parse (their data need not exist). */
static void test_examples(void) {
  glob_t g;
  int n = 0;
  if (glob(SPR_SOURCE_DIR "/jobs/examples/*.ini", 0, NULL, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; i++, n++) {
      spr_job *job = NULL;
      const int rc = spr_jobspec_load(g.gl_pathv[i], &job);
      if (rc != SPR_OK) fprintf(stderr, "%s\n", spr_last_error());
      CHECK(rc == SPR_OK);
      if (job) {
        CHECK(job->corpus.qrels != NULL);
        CHECK(strncmp(job->output, SPR_SOURCE_DIR "/out/", strlen(SPR_SOURCE_DIR "/out/")) == 0);
        /* with the shared data next to the repository, the paths must name real files */
        struct stat st;
        const char *shared = getenv("SPR_SHARED_DIR");
        if (shared && stat(shared, &st) == 0) {
          CHECK(access(job->corpus.path, R_OK) == 0);
          CHECK(access(job->corpus.queries, R_OK) == 0);
          CHECK(access(job->corpus.qrels, R_OK) == 0);
        }
      }
      spr_jobspec_free(&job);
    }
    globfree(&g);
  }
  CHECK(n == 8);
  spr_job *job = NULL;
  CHECK(spr_jobspec_load(SPR_SOURCE_DIR "/jobs/demo.ini", &job) == SPR_OK);
  if (job) CHECK_STR(job->corpus.path, SPR_SOURCE_DIR "/demo/collection/corpus.jsonl");
  spr_jobspec_free(&job);
}

static void test_docs(void) {
  char *gen = NULL;
  size_t genlen = 0;
  FILE *f = open_memstream(&gen, &genlen);
  spr_jobspec_write_markdown(f);
  fclose(f);
  FILE *d = fopen(SPR_SOURCE_DIR "/docs/jobs.md", "rb");
  CHECK(d != NULL);
  if (d) {
    char *have = malloc(genlen + 2);
    const size_t n = fread(have, 1, genlen + 1, d);
    fclose(d);
    const int same = n == genlen && !memcmp(have, gen, genlen);
    if (!same)
      fprintf(stderr, "docs/jobs.md is out of date: regenerate it with "
                      "'unit_jobspec --write-docs docs/jobs.md'\n");
    CHECK(same);
    free(have);
  }
  free(gen);
  /* the terminal listing names every section */
  char *keys = NULL;
  size_t klen = 0;
  f = open_memstream(&keys, &klen);
  spr_jobspec_print_keys(f);
  fclose(f);
  CHECK(strstr(keys, "[corpus]") && strstr(keys, "zstd_level") && strstr(keys, "(required)"));
  free(keys);
}

/* The table's rows for spire eval: the command line's default measure set (eval.metrics' cli_def)
 * is the evaluation API's (spr_measure_set_default), and every eval option is reachable by exactly
 * one spelling (no two options share a name or a letter). */
static void test_eval_rows(void) {
  size_t n = 0;
  const spr_setting *t = spr_settings(&n);
  const spr_setting *m = NULL;
  const char *names[64];
  char letters[64];
  size_t nn = 0, nl = 0;
  for (size_t i = 0; i < n; i++) {
    if (t[i].section && !strcmp(t[i].section, "eval") && !strcmp(t[i].name, "metrics")) m = &t[i];
    for (int j = 0; j < SPR_SETTING_MAX_OPTIONS; j++) {
      const spr_setting_option *o = &t[i].options[j];
      if (!(o->cmds & SPR_CMD_EVAL)) continue;
      CHECKF(o->name || o->letter, "row %s: an eval option without a name or a letter", t[i].name);
      for (size_t k = 0; o->name && k < nn; k++) CHECKF(strcmp(names[k], o->name), "--%s twice", o->name);
      for (size_t k = 0; o->letter && k < nl; k++) CHECKF(letters[k] != o->letter, "-%c twice", o->letter);
      if (o->name && nn < 64) names[nn++] = o->name;
      if (o->letter && nl < 64) letters[nl++] = o->letter;
    }
  }
  CHECKF(nn >= 15 && nl == 4, "eval: %zu names, %zu letters", nn, nl);
  CHECK(m && m->cli_def);
  if (!m || !m->cli_def) return;
  spr_measure_set a, d;
  spr_measure_set_clear(&a);
  CHECK(spr_measure_set_add_list(&a, m->cli_def) == 0);
  spr_measure_set_default(&d);
  CHECKF(!memcmp(&a, &d, sizeof a), "eval's default '%s' is not spr_measure_set_default", m->cli_def);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--write-docs")) {
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
      perror(argv[2]);
      return 1;
    }
    spr_jobspec_write_markdown(f);
    return fclose(f) == 0 ? 0 : 1;
  }
  snprintf(tmpdir, sizeof tmpdir, "%s/spr_jobspec_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  char sub[PATH_MAX + 8];
  snprintf(sub, sizeof sub, "%s/sub", tmpdir);
  mkdir(sub, 0777);
  test_defaults();
  test_values();
  test_errors();
  test_examples();
  test_docs();
  test_eval_rows();
  char cmd[PATH_MAX + 32];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", tmpdir);
  return spr_check_summary("jobspec");
}
