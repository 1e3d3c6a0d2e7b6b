/* encode_bench.c: SPLADE encoding throughput on a BERT-base-shaped random model (12 layers, hidden
 * 768, 12 heads, intermediate 3072, vocabulary 30,522), beside a measured sgemm peak.
 *
 *   encode_bench DIR [--docs N] [--lengths 128,256] [--threads 1,2]
 *
 * Writes the model (config.json, vocab.txt, model.safetensors, F32, ~0.5 GB) into DIR unless it is
 * already there, loads it with spr_model_load, and for each length L and thread count T encodes N
 * documents of exactly L tokens with spr_splade_encode (tokenization included). It prints
 * tokens/s, docs/s, the achieved GFLOP/s of the whole pass, and of the encoder layers alone (timed
 * by a second pass whose vocabulary projection is cut to one column), next to the sgemm peak of
 * T threads (each thread multiplying its own 1024x768x768 matrices, BLAS serial). Not a test:
 * tests/bench/encode_bench.sh runs it and the PyTorch comparison by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "spr_blas.h"
#include "spr_encode.h"
#include "spr_model.h"
#include "spr_test_util.h"
#ifdef _OPENMP
#include <omp.h>
#endif

enum { BV = 30522, BH = 768, BL = 12, BN = 12, BI = 3072, BP = 512 };


static uint64_t rng = 88172645463325252ull;
static float urand(void) { return spr_test_xorshift_float(&rng); }

typedef struct spec {
  char name[96];
  int d0, d1;
  int kind; /* 0 matrix N(0,1/fan_in)-like, 1 bias, 2 LN gamma, 3 LN beta, 4 embedding */
} spec;

static int specs(spec *s) {
  int n = 0;
#define ADD(nm, a, b, k) (snprintf(s[n].name, 96, "%s", nm), s[n].d0 = (a), s[n].d1 = (b), s[n].kind = (k), n++)
  ADD("bert.embeddings.word_embeddings.weight", BV, BH, 4);
  ADD("bert.embeddings.position_embeddings.weight", BP, BH, 4);
  ADD("bert.embeddings.token_type_embeddings.weight", 2, BH, 4);
  ADD("bert.embeddings.LayerNorm.weight", BH, 0, 2);
  ADD("bert.embeddings.LayerNorm.bias", BH, 0, 3);
  for (int l = 0; l < BL; l++) {
    const char *lin[6] = {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense", "intermediate.dense", "output.dense"};
    const int od[6] = {BH, BH, BH, BH, BI, BH}, id[6] = {BH, BH, BH, BH, BH, BI};
    char nm[96];
    for (int i = 0; i < 6; i++) {
      snprintf(nm, 96, "bert.encoder.layer.%d.%s.weight", l, lin[i]);
      ADD(nm, od[i], id[i], 0);
      snprintf(nm, 96, "bert.encoder.layer.%d.%s.bias", l, lin[i]);
      ADD(nm, od[i], 0, 1);
    }
    snprintf(nm, 96, "bert.encoder.layer.%d.attention.output.LayerNorm.weight", l);
    ADD(nm, BH, 0, 2);
    snprintf(nm, 96, "bert.encoder.layer.%d.attention.output.LayerNorm.bias", l);
    ADD(nm, BH, 0, 3);
    snprintf(nm, 96, "bert.encoder.layer.%d.output.LayerNorm.weight", l);
    ADD(nm, BH, 0, 2);
    snprintf(nm, 96, "bert.encoder.layer.%d.output.LayerNorm.bias", l);
    ADD(nm, BH, 0, 3);
  }
  ADD("cls.predictions.transform.dense.weight", BH, BH, 0);
  ADD("cls.predictions.transform.dense.bias", BH, 0, 1);
  ADD("cls.predictions.transform.LayerNorm.weight", BH, 0, 2);
  ADD("cls.predictions.transform.LayerNorm.bias", BH, 0, 3);
  ADD("cls.predictions.bias", BV, 0, 5);
#undef ADD
  return n;
}

static int write_model(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  struct stat st;
  if (stat(path, &st) == 0) return 0;
  mkdir(dir, 0777);
  snprintf(path, sizeof path, "%s/config.json", dir);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "{\"architectures\": [\"BertForMaskedLM\"], \"model_type\": \"bert\", \"vocab_size\": %d, "
             "\"hidden_size\": %d, \"num_hidden_layers\": %d, \"num_attention_heads\": %d, "
             "\"intermediate_size\": %d, \"max_position_embeddings\": %d, \"type_vocab_size\": 2, "
             "\"hidden_act\": \"gelu\", \"layer_norm_eps\": 1e-12, \"tie_word_embeddings\": true}\n",
          BV, BH, BL, BN, BI, BP);
  fclose(f);
  snprintf(path, sizeof path, "%s/vocab.txt", dir);
  f = fopen(path, "w");
  fprintf(f, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
  for (int i = 5; i < BV; i++) fprintf(f, "w%d\n", i);
  fclose(f);
  spec *s = malloc(256 * sizeof *s);
  const int n = specs(s);
  char *hdr = malloc(1 << 16);
  size_t hl = (size_t)sprintf(hdr, "{\"__metadata__\": {\"format\": \"pt\"}"), off = 0;
  for (int i = 0; i < n; i++) {
    const size_t bytes = (size_t)s[i].d0 * (size_t)(s[i].d1 ? s[i].d1 : 1) * 4;
    if (s[i].d1)
      hl += (size_t)sprintf(hdr + hl, ", \"%s\": {\"dtype\": \"F32\", \"shape\": [%d, %d], \"data_offsets\": [%zu, %zu]}",
                            s[i].name, s[i].d0, s[i].d1, off, off + bytes);
    else
      hl += (size_t)sprintf(hdr + hl, ", \"%s\": {\"dtype\": \"F32\", \"shape\": [%d], \"data_offsets\": [%zu, %zu]}",
                            s[i].name, s[i].d0, off, off + bytes);
    off += bytes;
  }
  hdr[hl++] = '}';
  while (hl % 8) hdr[hl++] = ' ';
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  f = fopen(path, "wb");
  unsigned char len8[8];
  for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)hl >> (8 * i));
  fwrite(len8, 1, 8, f);
  fwrite(hdr, 1, hl, f);
  float *buf = malloc((size_t)BV * BH * 4);
  for (int i = 0; i < n; i++) {
    const size_t cnt = (size_t)s[i].d0 * (size_t)(s[i].d1 ? s[i].d1 : 1);
    const float a = s[i].kind == 0 ? sqrtf(3.0f / (float)s[i].d1) : 0.0f;
    for (size_t k = 0; k < cnt; k++) {
      const float u = urand();
      switch (s[i].kind) {
        case 0: buf[k] = a * u; break;
        case 1: buf[k] = 0.1f * u; break;
        case 2: buf[k] = 1.0f + 0.1f * u; break;
        case 3: buf[k] = 0.1f * u; break;
        case 4: buf[k] = 0.0346f * u; break; /* std 0.02 */
        default: buf[k] = -2.0f + 0.5f * u; break;
      }
    }
    fwrite(buf, 4, cnt, f);
  }
  fclose(f);
  free(buf);
  free(hdr);
  free(s);
  return 0;
}

/* sgemm peak of T threads: each runs 1024x768x768 products on its own buffers. */
static double sgemm_peak(int T) {
  const size_t M = 1024, N = 768, K = 768;
  const int reps = 12;
  const int prev = spr_blas_serial_begin();
  double t0 = 0, t1 = 0;
#pragma omp parallel num_threads(T)
  {
    float *A = malloc(M * K * 4), *B = malloc(N * K * 4), *C = malloc(M * N * 4);
    for (size_t i = 0; i < M * K; i++) A[i] = 0.001f * (float)(i % 1000);
    for (size_t i = 0; i < N * K; i++) B[i] = 0.001f * (float)(i % 997);
    spr_blas_sgemm_nt(M, N, K, 1.0f, A, K, B, K, 0.0f, C, N); /* warm-up */
#pragma omp barrier
#pragma omp master
    t0 = spr_test_now();
    for (int r = 0; r < reps; r++) spr_blas_sgemm_nt(M, N, K, 1.0f, A, K, B, K, 0.0f, C, N);
#pragma omp barrier
#pragma omp master
    t1 = spr_test_now();
    free(A);
    free(B);
    free(C);
  }
  spr_blas_serial_end(prev);
  return 2.0 * (double)M * N * K * reps * T / (t1 - t0) / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: encode_bench DIR [--docs N] [--lengths 128,256] [--threads 1,2] [--batch-tokens B]\n");
    return 2;
  }
  const char *dir = argv[1];
  int ndocs = 8, lengths[8] = {128, 256}, nl = 2, threads[8] = {1, 2}, nt = 2, btok = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--docs")) ndocs = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--batch-tokens")) btok = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--lengths") || !strcmp(argv[i], "--threads")) {
      int *dst = argv[i][2] == 'l' ? lengths : threads, k = 0;
      for (char *p = argv[i + 1]; *p && k < 8; k++) {
        dst[k] = (int)strtol(p, &p, 10);
        if (*p == ',') p++;
      }
      if (argv[i][2] == 'l') nl = k;
      else nt = k;
    }
  }
  double t = spr_test_now();
  if (write_model(dir)) {
    fprintf(stderr, "cannot write the model into %s\n", dir);
    return 1;
  }
  fprintf(stderr, "model ready in %.1fs\n", spr_test_now() - t);
  spr_model *m = NULL;
  if (spr_model_load(dir, &m)) {
    fprintf(stderr, "load: %s\n", spr_last_error());
    return 1;
  }
  printf("BLAS: %s\n", spr_blas_info());
  printf("| tokens/doc | threads | docs | docs/s | tokens/s | GFLOP/s (all) | GFLOP/s (encoder) | sgemm peak GFLOP/s | encoder / peak |\n");
  printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (int li = 0; li < nl; li++) {
    const int L = lengths[li];
    /* Texts of L-2 words, each a one-token vocabulary entry: exactly L tokens with [CLS]/[SEP]. */
    char **texts = malloc((size_t)ndocs * sizeof *texts);
    size_t *lens = malloc((size_t)ndocs * sizeof *lens);
    for (int d = 0; d < ndocs; d++) {
      texts[d] = malloc((size_t)(L - 2) * 8 + 1);
      size_t p = 0;
      for (int w = 0; w < L - 2; w++) p += (size_t)sprintf(texts[d] + p, "w%d ", 5 + (int)((d * 7919u + w * 104729u) % (BV - 5)));
      lens[d] = p;
    }
    for (int ti = 0; ti < nt; ti++) {
      const int T = threads[ti];
      spr_splade_params p = {.max_length = (uint32_t)L, .threads = T, .batch_tokens = (uint32_t)btok};
      spr_splade_vectors v = {0};
      /* warm-up on T docs */
      if (spr_splade_encode(m, &p, (const char *const *)texts, lens, (size_t)(T < ndocs ? T : ndocs), &v)) {
        fprintf(stderr, "encode: %s\n", spr_last_error());
        return 1;
      }
      double t0 = spr_test_now();
      if (spr_splade_encode(m, &p, (const char *const *)texts, lens, (size_t)ndocs, &v)) return 1;
      const double dt = spr_test_now() - t0;
      if (v.tokens != (uint64_t)ndocs * (uint64_t)L) fprintf(stderr, "warning: %llu tokens\n", (unsigned long long)v.tokens);
      /* Encoder alone: the same pass with the vocabulary projection cut to one column. */
      spr_bert_config ce = *spr_model_config(m);
      ce.vocab = 1;
      const size_t ws = spr_bert_workspace_size(&ce, (size_t)L, (size_t)L);
      int32_t *ids = malloc((size_t)L * 4);
      uint32_t off[2] = {0, (uint32_t)L};
      for (int k = 0; k < L; k++) ids[k] = 0; /* id < 1: the cut vocabulary; timing is the same */
      const int prev = spr_blas_serial_begin();
      double te0 = spr_test_now();
#pragma omp parallel num_threads(T)
      {
        void *work = malloc(ws);
        float out[1];
#pragma omp for schedule(dynamic, 1)
        for (int d = 0; d < ndocs; d++)
          if (spr_bert_splade(&ce, spr_model_weights(m), ids, off, 1, out, work, ws)) abort();
        free(work);
      }
      const double te = spr_test_now() - te0;
      spr_blas_serial_end(prev);
      free(ids);
      double enc_flops = 0;
      const double all_flops = spr_bert_flops(spr_model_config(m), (size_t)L, &enc_flops) * ndocs;
      enc_flops *= ndocs;
      const double peak = sgemm_peak(T);
      printf("| %d | %d | %d | %.2f | %.0f | %.1f | %.1f | %.1f | %.0f%% |\n", L, T, ndocs, ndocs / dt,
             (double)ndocs * L / dt, all_flops / dt / 1e9, enc_flops / te / 1e9, peak, 100.0 * enc_flops / te / 1e9 / peak);
      fflush(stdout);
      spr_splade_vectors_free(&v);
    }
    for (int d = 0; d < ndocs; d++) free(texts[d]);
    free(texts);
    free(lens);
  }
  spr_model_free(&m);
  return 0;
}
