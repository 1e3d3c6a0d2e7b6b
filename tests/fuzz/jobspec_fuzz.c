/* jobspec_fuzz.c: fuzz target for the job spec parser (jobs/spr_jobspec.h, spr_jobspec_parse from
 * memory; linked with jobs/spr_jobspec.c and inih directly). Input: the INI text. Properties: no
 * crash, over-read or leak; on failure a negative code, a message and *out NULL; on success every
 * path is absolute, and the resolved job printed by spr_jobspec_print parses back to a job that
 * prints the same (the documented round trip).
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into jobspec_replay
 * (fuzz_replay.c), which runs the committed corpus/jobspec under CTest. */
#include "fuzz_common.h"
#include "spr_jobspec.h"

/* The printed job minus its first line (a comment naming the source). Caller frees. */
static char *print_job(const spr_job *job) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  FUZZ_CHECK(f != NULL);
  spr_jobspec_print(f, job);
  FUZZ_CHECK(fclose(f) == 0);
  return buf;
}

static const char *skip_line(const char *s) {
  const char *nl = strchr(s, '\n');
  return nl ? nl + 1 : s + strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  spr_job *job = NULL;
  const int rc = spr_jobspec_parse((const char *)data, size, "fuzz.ini", "/tmp/spr_fuzz_job", &job);
  if (rc != 0) {
    FUZZ_CHECK(rc < 0 && job == NULL && spr_last_error()[0] != '\0');
    return 0;
  }
  FUZZ_CHECK(job != NULL && job->name && job->output && job->output[0] == '/');
  FUZZ_CHECK(job->corpus.path && job->corpus.path[0] == '/');
  FUZZ_CHECK(job->index.path && job->index.path[0] == '/');
  char *once = print_job(job); /* printing then parsing gives the same job (round trip) */
  spr_job *again = NULL;
  const int rc2 = spr_jobspec_parse(once, strlen(once), "fuzz.ini", "/tmp/spr_fuzz_job", &again);
  if (rc2 != 0) fprintf(stderr, "round trip: %s\n---\n%s---\n", spr_last_error(), once);
  FUZZ_CHECK(rc2 == 0);
  char *twice = print_job(again);
  if (strcmp(skip_line(once), skip_line(twice)))
    fprintf(stderr, "round trip differs:\n%s---\n%s---\n", once, twice);
  FUZZ_CHECK(!strcmp(skip_line(once), skip_line(twice)));
  free(twice);
  free(once);
  spr_jobspec_free(&again);
  spr_jobspec_free(&job);
  FUZZ_CHECK(job == NULL);
  return 0;
}

int fuzz_make_seeds(const char *dir) {
  static const fuzz_text_seed seeds[] = {
      {"valid-minimal", "[corpus]\npath = c.jsonl\nqueries = q.tsv\n"},
      {"valid-full", "; a comment\n[job]\nname = demo\noutput = ../out\n\n[corpus]\npath = ../c/corpus.jsonl\n"
                     "format = jsonl\nqueries = ../c/queries.tsv\nqrels = ../c/qrels.txt\n\n[encode]\n"
                     "model = bm25\nanalyzer = english\nk1 = 0.9\nb = 0.4\nbits = 8\n\n[index]\n"
                     "zstd_level = 3\nblock_size = 32\n\n[search]\nk = 1000\nalgorithm = bmp\ntag = t\n"
                     "threads = 2\nalpha = 0.9\nbeta = 1\nserving = replicated\n\n[eval]\n"
                     "metrics = map,ndcg_cut.10,recip_rank\nreport = r.md\n"},
      {"env-and-dollar", "[corpus]\npath = ${HOME}/a$$b/./x/../c.tsv\nqueries = /q.tsv\n[search]\ntag = $$x\n"},
      {"env-unset", "[corpus]\npath = ${SPR_FUZZ_SURELY_UNSET}\nqueries = q\n"},
      {"unknown-key", "[corpus]\npath = c\nqueries = q\nfoo = 1\n"},
      {"unknown-section", "[nope]\na = b\n"},
      {"duplicate", "[corpus]\npath = c\npath = d\nqueries = q\n"},
      {"bad-values", "[corpus]\npath = c\nqueries = q\n[encode]\nk1 = -1\nbits = 99\n[search]\nk = x\n"},
      {"missing-required", "[job]\nname = x\n"},
      {"no-section", "path = c\n"},
      {"malformed", "[corpus\npath c\n"},
      {"crlf-utf8", "\xEF\xBB\xBF[corpus]\r\npath = caf\xC3\xA9.tsv\r\nqueries = q\r\n"},
  };
  return fuzz_seed_texts(dir, seeds, sizeof seeds / sizeof seeds[0]);
}
