/* encode_real.c: SPLADE encoding of real texts at each precision: speed (docs/s) and fidelity
 * against float32 (relative L2 error of each vector, overlap of its 32 heaviest terms).
 *
 *   encode_real MODEL_DIR TEXTS.jsonl [--docs N] [--max-length L] [--threads 1,2] [--reps R]
 *               [--precisions f32,int8,int8-nodec] [--weights NAME]
 *
 * TEXTS: JSONL with "text" (and "title": title + "\n" + text, as spire reads a corpus); the first N
 * records (default all). Precisions: f32 (the reference), int8 (every linear map in int8, the
 * vocabulary projection included: spire's --precision int8), int8-nodec (all but the vocabulary
 * projection).
 * Every precision encodes the same texts R times with T threads, rounds interleaved (f32, int8, ...,
 * f32, int8, ...) so that a busy machine slows them alike; docs/s is the median round. Prints one
 * Markdown row per (precision, threads). Not a test: tests/bench/encode_bench.sh runs it. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_bert_quant.h"
#include "spr_encode.h"
#include "spr_model.h"
#include "spr_test_util.h"

#define MAXP 4
#define TOPK 32

typedef struct texts {
  char **s;
  size_t *len, n;
} texts;

static int read_texts(const char *path, size_t max, texts *t) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char *line = NULL;
  size_t cap = 0, tcap = 0;
  while (getline(&line, &cap, f) > 0 && t->n < max) {
    cJSON *j = cJSON_Parse(line);
    const cJSON *tx = cJSON_GetObjectItem(j, "text"), *ti = cJSON_GetObjectItem(j, "title");
    if (!cJSON_IsString(tx)) tx = cJSON_GetObjectItem(j, "contents");
    if (cJSON_IsString(tx)) {
      if (t->n == tcap) {
        tcap = tcap ? 2 * tcap : 1024;
        t->s = realloc(t->s, tcap * sizeof *t->s);
        t->len = realloc(t->len, tcap * sizeof *t->len);
      }
      const char *title = cJSON_IsString(ti) && ti->valuestring[0] ? ti->valuestring : NULL;
      const size_t n = (title ? strlen(title) + 1 : 0) + strlen(tx->valuestring);
      char *s = malloc(n + 1);
      snprintf(s, n + 1, "%s%s%s", title ? title : "", title ? "\n" : "", tx->valuestring);
      t->s[t->n] = s;
      t->len[t->n++] = n;
    }
    cJSON_Delete(j);
  }
  free(line);
  fclose(f);
  return 0;
}

/* Fidelity of vector i of v against the reference r: relative L2 error and top-32 overlap. */
static void fidelity(const spr_splade_vectors *r, const spr_splade_vectors *v, size_t i, size_t V, float *dense,
                     double *rel, double *overlap) {
  memset(dense, 0, V * sizeof *dense);
  double ref2 = 0, d2 = 0;
  for (uint64_t j = r->off[i]; j < r->off[i + 1]; j++) {
    dense[r->term[j]] = r->weight[j];
    ref2 += (double)r->weight[j] * r->weight[j];
  }
  for (uint64_t j = v->off[i]; j < v->off[i + 1]; j++) {
    const double d = (double)v->weight[j] - dense[v->term[j]];
    d2 += d * d - (double)dense[v->term[j]] * dense[v->term[j]]; /* replace the reference's term */
  }
  d2 += ref2;
  *rel = ref2 > 0 ? sqrt(d2 > 0 ? d2 : 0) / sqrt(ref2) : 0;
  /* top-32 of each: the 32 largest weights (ties to the lower term id) */
  uint32_t top[2][TOPK];
  size_t nt[2] = {0, 0};
  const spr_splade_vectors *vv[2] = {r, v};
  for (int s = 0; s < 2; s++) {
    const spr_splade_vectors *x = vv[s];
    for (uint64_t j = x->off[i]; j < x->off[i + 1]; j++) {
      size_t p = nt[s] < TOPK ? nt[s]++ : TOPK;
      if (p == TOPK && x->weight[j] <= x->weight[top[s][TOPK - 1]]) continue;
      if (p == TOPK) p = TOPK - 1;
      while (p > 0 && x->weight[top[s][p - 1]] < x->weight[j]) {
        top[s][p] = top[s][p - 1];
        p--;
      }
      top[s][p] = (uint32_t)j;
    }
  }
  size_t common = 0;
  for (size_t a = 0; a < nt[0]; a++)
    for (size_t b = 0; b < nt[1]; b++) common += r->term[top[0][a]] == v->term[top[1][b]];
  *overlap = nt[0] ? (double)common / (double)nt[0] : 1.0;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: encode_real MODEL_DIR TEXTS.jsonl [--docs N] [--max-length L] [--threads 1,2] "
                    "[--reps R] [--precisions f32,int8,int8-nodec] [--weights NAME]\n");
    return 2;
  }
  size_t ndocs = (size_t)-1;
  int maxlen = 256, reps = 3, threads[8] = {1}, nt = 1, np = 0;
  const char *weights = "model.safetensors";
  char prec[MAXP][16];
  char *plist = strdup("f32,int8");
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--docs")) ndocs = (size_t)atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--max-length")) maxlen = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--weights")) weights = argv[i + 1];
    else if (!strcmp(argv[i], "--precisions")) {
      free(plist);
      plist = strdup(argv[i + 1]);
    } else if (!strcmp(argv[i], "--threads")) {
      nt = 0;
      for (char *p = argv[i + 1]; *p && nt < 8;) {
        threads[nt++] = (int)strtol(p, &p, 10);
        if (*p == ',') p++;
      }
    }
  }
  for (char *tok = strtok(plist, ","); tok && np < MAXP; tok = strtok(NULL, ",")) snprintf(prec[np++], 16, "%s", tok);
  free(plist);
  texts tx = {0};
  spr_model *m = NULL;
  if (read_texts(argv[2], ndocs, &tx) || !tx.n) return fprintf(stderr, "cannot read texts from %s\n", argv[2]), 1;
  if (spr_model_load_file(argv[1], weights, &m)) return fprintf(stderr, "load: %s\n", spr_last_error()), 1;
  const spr_bert_config *c = spr_model_config(m);
  spr_bert_weights wq[MAXP];
  spr_bert_quant *q[MAXP] = {0};
  for (int p = 0; p < np; p++) {
    wq[p] = *spr_model_weights(m);
    const unsigned parts = !strcmp(prec[p], "int8-nodec") ? SPR_BERT_QUANT_ENCODER | SPR_BERT_QUANT_HEAD
                           : !strcmp(prec[p], "int8")     ? SPR_BERT_QUANT_ENCODER | SPR_BERT_QUANT_HEAD |
                                                            SPR_BERT_QUANT_DECODER
                                                          : 0;
    const double t0 = spr_test_now();
    if (parts && spr_bert_quant_create(c, &wq[p], parts, SPR_QGEMM_ISA_AUTO, &q[p]))
      return fprintf(stderr, "quantize: %s\n", spr_last_error()), 1;
    if (q[p])
      fprintf(stderr, "%s: weights quantized in %.2fs, %.1f MB\n", prec[p], spr_test_now() - t0,
              spr_bert_quant_bytes(q[p]) / 1e6);
    wq[p].quant = q[p] ? spr_bert_quant_weights(q[p]) : NULL;
  }
  printf("%zu texts of %s, max_length %d, int8 kernels: %s\n", tx.n, argv[2], maxlen,
         spr_qgemm_isa_name(spr_qgemm_isa_best()));
  printf("| precision | threads | docs/s (median of %d) | tokens/doc | / f32 | rel. L2 error mean | max | top-%d "
         "overlap mean | min |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
         reps, TOPK);
  float *dense = malloc(c->vocab * sizeof *dense);
  double *rel = malloc(tx.n * sizeof *rel), *ov = malloc(tx.n * sizeof *ov);
  for (int ti = 0; ti < nt; ti++) {
    spr_splade_vectors v[MAXP] = {{0}};
    double secs[MAXP][64];
    for (int r = 0; r < reps && r < 64; r++)
      for (int p = 0; p < np; p++) {
        spr_splade_params sp = {.max_length = (uint32_t)maxlen, .threads = threads[ti], .weights = &wq[p]};
        const double t0 = spr_test_now();
        if (spr_splade_encode(m, &sp, (const char *const *)tx.s, tx.len, tx.n, &v[p]))
          return fprintf(stderr, "encode: %s\n", spr_last_error()), 1;
        secs[p][r] = spr_test_now() - t0;
      }
    double med0 = 0;
    for (int p = 0; p < np; p++) {
      qsort(secs[p], (size_t)reps, sizeof(double), cmp_double);
      const double med = secs[p][reps / 2];
      if (p == 0) med0 = med;
      double rsum = 0, osum = 0;
      for (size_t i = 0; i < tx.n; i++) {
        fidelity(&v[0], &v[p], i, c->vocab, dense, &rel[i], &ov[i]);
        rsum += rel[i];
        osum += ov[i];
      }
      qsort(rel, tx.n, sizeof *rel, cmp_double);
      qsort(ov, tx.n, sizeof *ov, cmp_double);
      printf("| %s | %d | %.2f | %.0f | %.2fx | %.4f | %.4f | %.4f | %.4f |\n", prec[p], threads[ti], tx.n / med,
             (double)v[p].tokens / tx.n, med0 / med, rsum / tx.n, rel[tx.n - 1], osum / tx.n, ov[0]);
      fflush(stdout);
    }
    for (int p = 0; p < np; p++) spr_splade_vectors_free(&v[p]);
  }
  for (int p = 0; p < np; p++) spr_bert_quant_free(&q[p]);
  spr_model_free(&m);
  return 0;
}
