/* analyzer_dump: print spire's analyzer terms per document, one line per record:
 * "id<TAB>term term ...". The format of tests/bench/lucene_tokens/LuceneTokens.java, so the two
 * can be diffed (tests/bench/lucene_tokens/compare.sh). Not a test by itself.
 *
 *   spr_analyzer_dump [--analyzer english|standard|english-libstemmer] [--tsv] FILE
 *
 * FILE is corpus JSONL ({"id","title","text"|"contents"}; analyzed text = title + "\n" + text,
 * as the Lucene peer harness indexes it) or, with --tsv, queries "qid<TAB>text". */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_analyzer.h"

static int dump(spr_analyzer *an, spr_tokens *toks, const char *id, const char *text, size_t len) {
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
  free(line);
  free(body);
  spr_tokens_free(&toks);
  spr_analyzer_free(&an);
  fclose(f);
  return rc;
}
