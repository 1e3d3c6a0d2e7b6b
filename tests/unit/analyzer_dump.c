/* analyzer_dump: print spire's analyzer terms per document, one line per record:
 * "id<TAB>term term ...". The format of tests/bench/lucene_tokens/LuceneTokens.java, so the two
 * can be diffed (tests/bench/lucene_tokens/compare.sh). Not a test by itself.
 *
 *   spr_analyzer_dump [--analyzer english|standard|english-libstemmer] [--tsv] [--bench N] FILE
 *
 * --bench N: analyze every record N times without printing; report MB/s and terms/s on stderr
 * (single thread; JSON parsing excluded).
 * FILE is corpus JSONL ({"id","title","text"|"contents"}; analyzed text = title + "\n" + text,
 * as the Lucene peer harness indexes it) or, with --tsv, queries "qid<TAB>text". */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spr_analyzer.h"

/* --bench: the analyzed texts, back to back. */
typedef struct bench_texts {
  char *buf;
  size_t len, cap;
  size_t *ends;
  size_t n, ncap;
} bench_texts;

static int bench_add(bench_texts *b, const char *text, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 1 << 20;
    while (cap < b->len + len) cap *= 2;
    char *nb = realloc(b->buf, cap);
    if (!nb) return 1;
    b->buf = nb;
    b->cap = cap;
  }
  if (b->n == b->ncap) {
    const size_t ncap = b->ncap ? 2 * b->ncap : 1024;
    size_t *ne = realloc(b->ends, ncap * sizeof(*ne));
    if (!ne) return 1;
    b->ends = ne;
    b->ncap = ncap;
  }
  memcpy(b->buf + b->len, text, len);
  b->len += len;
  b->ends[b->n++] = b->len;
  return 0;
}

static int bench_run(spr_analyzer *an, spr_tokens *toks, const bench_texts *b, int passes) {
  struct timespec t0, t1;
  uint64_t terms = 0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int p = 0; p < passes; p++) {
    size_t start = 0;
    for (size_t i = 0; i < b->n; i++) {
      spr_tokens_clear(toks);
      const int64_t n = spr_analyzer_run(an, b->buf + start, b->ends[i] - start, toks);
      if (n < 0) return 1;
      terms += (uint64_t)n;
      start = b->ends[i];
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  fprintf(stderr, "analyzed %zu records x %d: %.1f MB/s, %.2f M terms/s (%.3f s)\n", b->n, passes,
          (double)b->len * passes / s / 1e6, (double)terms / s / 1e6, s);
  return 0;
}

static bench_texts bench;
static int bench_passes;

static int dump(spr_analyzer *an, spr_tokens *toks, const char *id, const char *text, size_t len) {
  if (bench_passes) return bench_add(&bench, text, len);
  spr_tokens_clear(toks);
  const int64_t n = spr_analyzer_run(an, text, len, toks);
  if (n < 0) {
    fprintf(stderr, "analyzer_dump: %s: %s\n", spr_strerror((int)n), spr_last_error());
    return 1;
  }
  fputs(id, stdout);
  fputc('\t', stdout);
  for (size_t i = 0; i < toks->n; i++) {
    if (i) fputc(' ', stdout);
    fputs(spr_tokens_get(toks, i), stdout);
  }
  fputc('\n', stdout);
  return 0;
}

int main(int argc, char **argv) {
  const char *name = "english", *path = NULL;
  int tsv = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--analyzer") && i + 1 < argc)
      name = argv[++i];
    else if (!strcmp(argv[i], "--tsv"))
      tsv = 1;
    else if (!strcmp(argv[i], "--bench") && i + 1 < argc)
      bench_passes = atoi(argv[++i]);
    else
      path = argv[i];
  }
  if (!path) {
    fprintf(stderr, "usage: %s [--analyzer NAME] [--tsv] FILE\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  spr_analyzer *an = NULL;
  if (spr_analyzer_create(name, &an) < 0) {
    fprintf(stderr, "analyzer_dump: %s\n", spr_last_error());
    fclose(f);
    return 2;
  }
  spr_tokens toks = {0};
  char *line = NULL, *body = NULL;
  size_t cap = 0, bcap = 0;
  ssize_t got;
  int rc = 0;
  long lineno = 0;
  while (!rc && (got = getline(&line, &cap, f)) >= 0) {
    lineno++;
    while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
    if (got == 0) continue;
    if (tsv) {
      char *tab = strchr(line, '\t');
      if (!tab) continue;
      *tab = '\0';
      rc = dump(an, &toks, line, tab + 1, strlen(tab + 1));
      continue;
    }
    cJSON *doc = cJSON_ParseWithLength(line, (size_t)got);
    if (!doc) {
      fprintf(stderr, "%s:%ld: bad JSON\n", path, lineno);
      rc = 1;
      break;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(doc, "title");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(doc, "text");
    if (!cJSON_IsString(text)) text = cJSON_GetObjectItemCaseSensitive(doc, "contents");
    const char *ts = cJSON_IsString(title) ? title->valuestring : "";
    const char *xs = cJSON_IsString(text) ? text->valuestring : "";
    const size_t tl = strlen(ts), xl = strlen(xs);
    if (tl + xl + 2 > bcap) {
      bcap = tl + xl + 2;
      char *nb = realloc(body, bcap);
      if (!nb) {
        cJSON_Delete(doc);
        rc = 1;
        break;
      }
      body = nb;
    }
    memcpy(body, ts, tl);
    body[tl] = '\n';
    memcpy(body + tl + 1, xs, xl);
    char idbuf[64];
    const char *ids = cJSON_IsString(id) ? id->valuestring : idbuf;
    if (!cJSON_IsString(id)) snprintf(idbuf, sizeof idbuf, "%.0f", cJSON_IsNumber(id) ? id->valuedouble : 0.0);
    rc = dump(an, &toks, ids, body, tl + 1 + xl);
    cJSON_Delete(doc);
  }
  if (!rc && bench_passes) rc = bench_run(an, &toks, &bench, bench_passes);
  free(bench.buf);
  free(bench.ends);
  free(line);
  free(body);
  spr_tokens_free(&toks);
  spr_analyzer_free(&an);
  fclose(f);
  return rc;
}
