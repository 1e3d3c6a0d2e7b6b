/* cmd_synth.c: spire synth -- write a deterministic synthetic collection (corpus, queries, qrels).
 * Generation is the pure kernel kernels/spr_synth.c; this file parses arguments and writes files.
 * Only rank 0 writes (the collection is small next to what it is used to test), and each file is
 * written under a temporary name and renamed, so a failure never leaves a partial file behind.
 * Documents are generated in batches by every OpenMP thread and written in order by one: the
 * bytes do not depend on the thread count. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spr_cli.h"
#include "spr_synth.h"

#define SPR_SYNTH_BATCH 1024u

static void spr_synth_help(FILE *f) {
  fprintf(f,
          "usage: spire synth --profile known-item --docs N --queries Q [--seed S] --output DIR\n"
          "                   [--vocab V] [--topics T] [--min-len A] [--max-len B]\n\n"
          "Write a deterministic synthetic test collection into DIR (created if missing):\n"
          "  DIR/corpus.jsonl  {\"id\": \"d0000001\", \"title\": \"...\", \"text\": \"...\"} per line\n"
          "  DIR/queries.tsv   qid<TAB>text per line\n"
          "  DIR/qrels.txt     qid 0 docid 1 per line (one relevant document per query)\n"
          "  DIR/README.md     the parameters and the command that regenerates the files\n\n"
          "options:\n"
          "  --profile P    known-item (default): documents of pseudo-words from a Zipf-like\n"
          "                 background law mixed with topical clusters and English stop words;\n"
          "                 each query is 2-6 words (favouring rare ones) of one random document,\n"
          "                 some swapped for or joined by words not in it (noise); that document is\n"
          "                 its only relevant one.\n"
          "                 splade: reserved, not supported yet.\n"
          "  --docs N       number of documents (>= 1), required\n"
          "  --queries Q    number of queries (>= 0), required\n"
          "  --seed S       64-bit seed (default 1)\n"
          "  --output DIR   output folder, required\n"
          "  --vocab V      vocabulary size in [%u, %u] (default 30000)\n"
          "  --topics T     topical clusters (default 0 = clamp(sqrt(N), 4, 400))\n"
          "  --min-len A    minimum words of text per document (default 20)\n"
          "  --max-len B    maximum words of text per document (default 300)\n\n"
          "The same arguments give identical bytes whatever the thread or rank count.\n"
          "Under mpirun only rank 0 writes.\n",
          SPR_SYNTH_VOCAB_MIN, SPR_SYNTH_VOCAB_MAX);
}

/* Parse a full unsigned decimal in [0, max]. */
static int spr_synth_parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (!s || !*s || *s == '-' || *s == '+') return -1;
  char *end = NULL;
  errno = 0;
  const unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}

/* mkdir -p. */
static int spr_synth_mkdirs(const char *dir) {
  char *tmp = strdup(dir);
  if (!tmp) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  int rc = SPR_OK;
  for (char *s = tmp + 1;; s++) {
    if (*s != '/' && *s != '\0') continue;
    const char c = *s;
    *s = '\0';
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
      rc = SPR_FAIL(SPR_EIO, "%s: cannot create folder: %s", tmp, strerror(errno));
      break;
    }
    *s = c;
    if (c == '\0') break;
  }
  free(tmp);
  if (rc == SPR_OK) {
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
      rc = SPR_FAIL(SPR_EIO, "%s: not a folder", dir);
  }
  return rc;
}

/* An output file written as DIR/.NAME.tmp.PID and renamed to DIR/NAME on success. */
typedef struct spr_synth_out {
  char *final; /* owned */
  char *tmp;   /* owned */
  FILE *f;     /* owned */
} spr_synth_out;

static int spr_synth_open(spr_synth_out *o, const char *dir, const char *name) {
  memset(o, 0, sizeof *o);
  const size_t n = strlen(dir) + strlen(name) + 48;
  o->final = malloc(n);
  o->tmp = malloc(n);
  if (!o->final || !o->tmp) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  snprintf(o->final, n, "%s/%s", dir, name);
  snprintf(o->tmp, n, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
  o->f = fopen(o->tmp, "wb");
  if (!o->f) return SPR_FAIL(SPR_EIO, "%s: cannot create: %s", o->tmp, strerror(errno));
  return SPR_OK;
}

/* Close; rename on success (rc == 0), else remove the temporary file. Frees o. */
static int spr_synth_close(spr_synth_out *o, int rc) {
  if (o->f) {
    if (rc == SPR_OK && (ferror(o->f) || fflush(o->f) != 0))
      rc = SPR_FAIL(SPR_EIO, "%s: write failed: %s", o->final, strerror(errno));
    if (fclose(o->f) != 0 && rc == SPR_OK)
      rc = SPR_FAIL(SPR_EIO, "%s: write failed: %s", o->final, strerror(errno));
    o->f = NULL;
    if (rc == SPR_OK && rename(o->tmp, o->final) != 0)
      rc = SPR_FAIL(SPR_EIO, "%s: cannot rename into place: %s", o->final, strerror(errno));
    if (rc != SPR_OK) remove(o->tmp);
  }
  free(o->final);
  free(o->tmp);
  memset(o, 0, sizeof *o);
  return rc;
}

/* Generate documents (kind 0: corpus) or queries (kind 1: queries + qrels) in ordered batches. */
static int spr_synth_emit(const spr_synth_params *p, int kind, FILE *f, FILE *fq) {
  const uint64_t n = kind == 0 ? p->ndocs : p->nqueries;
  const size_t ws = spr_synth_workspace_size(p);
  const size_t tcap = spr_synth_title_bound(p);
  const size_t xcap = kind == 0 ? spr_synth_text_bound(p) : spr_synth_query_bound(p);
  char *title = malloc((size_t)SPR_SYNTH_BATCH * tcap);
  char *text = malloc((size_t)SPR_SYNTH_BATCH * xcap);
  uint64_t *docs = malloc(SPR_SYNTH_BATCH * sizeof *docs);
  int *rcs = malloc(SPR_SYNTH_BATCH * sizeof *rcs);
  int rc = SPR_OK;
  if (!title || !text || !docs || !rcs) {
    rc = SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
    goto cleanup;
  }
  int failed = 0; /* shared; written only inside `single`, read after its barrier */
#pragma omp parallel
  {
    void *work = malloc(ws);
    for (uint64_t start = 0; start < n; start += SPR_SYNTH_BATCH) {
      const uint32_t cnt = (uint32_t)(n - start < SPR_SYNTH_BATCH ? n - start : SPR_SYNTH_BATCH);
#pragma omp for schedule(static)
      for (uint32_t j = 0; j < cnt; j++) {
        int64_t r;
        if (!work)
          r = SPR_FAIL(SPR_ENOMEM, "synth: out of memory");
        else if (kind == 0)
          r = spr_synth_doc(p, start + j, work, ws, title + (size_t)j * tcap, tcap,
                            text + (size_t)j * xcap, xcap);
        else
          r = spr_synth_query(p, start + j, work, ws, &docs[j], text + (size_t)j * xcap, xcap);
        rcs[j] = r < 0 ? (int)r : SPR_OK;
      }
#pragma omp single
      {
        char id[SPR_SYNTH_ID_CAP], did[SPR_SYNTH_ID_CAP];
        for (uint32_t j = 0; j < cnt && !failed; j++) {
          if (rcs[j] < 0) {
            /* the message lives on the thread that failed: regenerate here for the context */
            rc = SPR_FAIL(rcs[j], "synth: generating item %" PRIu64 " failed: %s", start + j,
                          spr_strerror(rcs[j]));
            failed = 1;
            break;
          }
          if (kind == 0) {
            spr_synth_doc_id(start + j, id, sizeof id);
            fprintf(f, "{\"id\": \"%s\", \"title\": \"%s\", \"text\": \"%s\"}\n", id,
                    title + (size_t)j * tcap, text + (size_t)j * xcap);
          } else {
            spr_synth_query_id(start + j, id, sizeof id);
            spr_synth_doc_id(docs[j], did, sizeof did);
            fprintf(f, "%s\t%s\n", id, text + (size_t)j * xcap);
            fprintf(fq, "%s 0 %s 1\n", id, did);
          }
        }
      }
      if (failed) break;
    }
    free(work);
  }
cleanup:
  free(title);
  free(text);
  free(docs);
  free(rcs);
  return rc;
}

static int spr_synth_write_readme(const spr_synth_params *p, const char *profile, FILE *f) {
  fprintf(f,
          "# Synthetic collection (spire synth, profile %s)\n\n"
          "Generated by spire %s. Regenerate the identical bytes with:\n\n"
          "```\n"
          "spire synth --profile %s --docs %" PRIu64 " --queries %" PRIu64 " --seed %" PRIu64
          " --vocab %u --topics %u --min-len %u --max-len %u --output DIR\n"
          "```\n\n"
          "| parameter | value |\n| --- | --- |\n"
          "| documents | %" PRIu64 " |\n| queries | %" PRIu64 " |\n| seed | %" PRIu64 " |\n"
          "| vocabulary | %u pseudo-words |\n| topics | %u (each %u words) |\n"
          "| text length | %u-%u words (plus a 3-8 word title) |\n\n"
          "## Files\n"
          "- `corpus.jsonl`: `{\"id\": \"d0000001\", \"title\": \"...\", \"text\": \"...\"}` per line.\n"
          "- `queries.tsv`: `qid<TAB>text` per line.\n"
          "- `qrels.txt`: `qid 0 docid 1` per line: each query has exactly one relevant document.\n\n"
          "## Model\n"
          "Words are lowercase consonant-vowel pseudo-words of 2-4 syllables ending in a, o or u:\n"
          "none is an English stop word and Porter stemming leaves them unchanged. Text tokens are\n"
          "15%% English stop words (the, of, and, ...), and otherwise drawn from a Zipf-like law over\n"
          "the whole vocabulary (55%%) or from the document's two topics (45%%; 80/20), each topic a\n"
          "Zipf-like law over its own words from the rarer part of the vocabulary. A known-item\n"
          "query takes one document at random and 2-6 of its distinct words, sampled with weights\n"
          "favouring rare words; each word but one is swapped with probability 35%% for a word not in\n"
          "the document (a misremembered word), and 30%% of the queries get one extra such word.\n",
          profile, SPR_VERSION, profile, p->ndocs, p->nqueries, p->seed, p->vocab,
          spr_synth_topics(p), p->min_len, p->max_len, p->ndocs, p->nqueries, p->seed, p->vocab,
          spr_synth_topics(p), p->topic_words, p->min_len, p->max_len);
  return ferror(f) ? SPR_FAIL(SPR_EIO, "README.md: write failed") : SPR_OK;
}

static int spr_synth_generate(const spr_synth_params *p, const char *profile, const char *dir) {
  SPR_TRY(spr_synth_mkdirs(dir));
  spr_synth_out corpus, queries, qrels, readme;
  int rc = spr_synth_open(&corpus, dir, "corpus.jsonl");
  if (rc == SPR_OK) rc = spr_synth_emit(p, 0, corpus.f, NULL);
  rc = spr_synth_close(&corpus, rc);
  if (rc != SPR_OK) return rc;
  rc = spr_synth_open(&queries, dir, "queries.tsv");
  const int rc2 = spr_synth_open(&qrels, dir, "qrels.txt");
  if (rc == SPR_OK) rc = rc2;
  if (rc == SPR_OK) rc = spr_synth_emit(p, 1, queries.f, qrels.f);
  rc = spr_synth_close(&queries, rc);
  rc = spr_synth_close(&qrels, rc);
  if (rc != SPR_OK) return rc;
  rc = spr_synth_open(&readme, dir, "README.md");
  if (rc == SPR_OK) rc = spr_synth_write_readme(p, profile, readme.f);
  return spr_synth_close(&readme, rc);
}

int spr_cmd_synth(const spr_comm *world, int argc, char **argv) {
  static const char cmd[] = "synth";
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) spr_synth_help(stdout);
    return SPR_EXIT_OK;
  }
  const char *profile = "known-item", *output = NULL;
  uint64_t docs = 0, queries = 0, seed = 1, vocab = 30000, topics = 0, min_len = 20, max_len = 300;
  int have_docs = 0, have_queries = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0) return spr_cli_usage_error(world, cmd, "unexpected argument '%s'", a);
    if (i + 1 >= argc) return spr_cli_usage_error(world, cmd, "option %s needs a value", a);
    const char *v = argv[++i];
    uint64_t *num = NULL, max = UINT64_MAX;
    if (!strcmp(a, "--profile")) {
      profile = v;
    } else if (!strcmp(a, "--output")) {
      output = v;
    } else if (!strcmp(a, "--docs")) {
      num = &docs, have_docs = 1;
    } else if (!strcmp(a, "--queries")) {
      num = &queries, have_queries = 1;
    } else if (!strcmp(a, "--seed")) {
      num = &seed;
    } else if (!strcmp(a, "--vocab")) {
      num = &vocab, max = UINT32_MAX;
    } else if (!strcmp(a, "--topics")) {
      num = &topics, max = UINT32_MAX;
    } else if (!strcmp(a, "--min-len")) {
      num = &min_len, max = UINT32_MAX;
    } else if (!strcmp(a, "--max-len")) {
      num = &max_len, max = UINT32_MAX;
    } else {
      return spr_cli_usage_error(world, cmd, "unknown option '%s'", a);
    }
    if (num && spr_synth_parse_u64(v, max, num) != 0)
      return spr_cli_usage_error(world, cmd, "%s: '%s' is not a non-negative integer%s", a, v,
                                 max == UINT32_MAX ? " below 2^32" : "");
  }
  if (!strcmp(profile, "splade"))
    return spr_cli_usage_error(world, cmd, "profile 'splade' is not supported yet (use known-item)");
  if (strcmp(profile, "known-item") != 0)
    return spr_cli_usage_error(world, cmd, "unknown profile '%s' (known-item, splade)", profile);
  if (!have_docs) return spr_cli_usage_error(world, cmd, "missing --docs");
  if (!have_queries) return spr_cli_usage_error(world, cmd, "missing --queries");
  if (!output || !*output) return spr_cli_usage_error(world, cmd, "missing --output");

  spr_synth_params p;
  spr_synth_params_init(&p, docs, queries, seed);
  p.vocab = (uint32_t)vocab;
  p.topics = (uint32_t)topics;
  p.min_len = (uint32_t)min_len;
  p.max_len = (uint32_t)max_len;
  if (p.topic_words > p.vocab / 2 && p.vocab >= 20) p.topic_words = p.vocab / 2;
  if (spr_synth_params_check(&p) != SPR_OK) {
    const char *m = spr_last_message();
    return spr_cli_usage_error(world, cmd, "%s", strncmp(m, "synth: ", 7) ? m : m + 7);
  }
  int rc = SPR_OK;
  if (world->rank == 0) rc = spr_synth_generate(&p, profile, output);
  return spr_cli_finish(world, cmd, rc);
}
