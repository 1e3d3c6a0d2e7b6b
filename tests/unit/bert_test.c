/* bert_test.c: the SPLADE forward pass against ../shared/golden/splade-tiny and its DistilBERT
 * twin splade-distil-tiny (F32, BF16 and F16 checkpoints against their own vector files: every
 * entry of the dense vector within 1e-5 and the same non-zero set), batching independence (each
 * text alone gives the same bits as all together), and model-loading errors on small broken
 * safetensors files written here (missing tensor, wrong shape, unsupported dtype, truncated data,
 * unsupported architecture), and the vectorized float kernels of spr_bert_math.h: exp and erf
 * against libm over their whole ranges, GELU, softmax, LayerNorm and the max-pool against double
 * references, and every SIMD variant bit for bit against the scalar reference. The error cases
 * and the kernel checks run without the shared folder; the golden part exits 77 when it is
 * absent. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spr_bert_math.h"
#include "spr_encode.h"
#include "spr_model.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"
#include "spr_tiny_bert.h"
#include "spr_test_util.h"


/* ---- a tiny valid model, and broken variants ---------------------------------------------- */

/* mode: 0 valid; 1 drop `victim`; 2 wrong shape of victim; 3 dtype I32 for victim; 4 F16 all;
 * 5 data_offsets past the end. */
static void write_tiny(const char *dir, int mode, const char *victim, const char *arch) {
  char path[512];
  snprintf(path, sizeof path, "%s/config.json", dir);
  char cfg[1024];
  snprintf(cfg, sizeof cfg,
           "{\"architectures\": [\"%s\"], \"model_type\": \"bert\", \"vocab_size\": %d, \"hidden_size\": %d,"
           " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"intermediate_size\": %d,"
           " \"max_position_embeddings\": %d, \"type_vocab_size\": %d, \"hidden_act\": \"gelu\","
           " \"layer_norm_eps\": 1e-12}",
           arch, TV, TH, TI, TP, TT);
  spr_test_write(path, cfg, strlen(cfg));
  snprintf(path, sizeof path, "%s/vocab.txt", dir);
  spr_test_write(path, tiny_vocab, strlen(tiny_vocab));
  tensor_spec s[TINY_MAX_TENSORS];
  const int n = tiny_specs(s);
  char *hdr = malloc(16384);
  size_t hl = 0, data = 0;
  hl += (size_t)sprintf(hdr + hl, "{\"__metadata__\": {\"format\": \"pt\"}");
  for (int i = 0; i < n; i++) {
    const int is_victim = victim && !strcmp(s[i].name, victim);
    if (mode == 1 && is_victim) continue;
    int d0 = s[i].d0, d1 = s[i].d1;
    if (mode == 2 && is_victim) d0 += 1;
    const char *dt = mode == 4 ? "F16" : (mode == 3 && is_victim) ? "I32" : "F32";
    const size_t es = mode == 4 ? 2 : 4;
    const size_t bytes = (size_t)d0 * (size_t)(d1 ? d1 : 1) * es;
    const size_t end = data + bytes + ((mode == 5 && is_victim) ? 100000 : 0);
    if (d1)
      hl += (size_t)sprintf(hdr + hl, ", \"%s\": {\"dtype\": \"%s\", \"shape\": [%d, %d], \"data_offsets\": [%zu, %zu]}",
                            s[i].name, dt, d0, d1, data, end);
    else
      hl += (size_t)sprintf(hdr + hl, ", \"%s\": {\"dtype\": \"%s\", \"shape\": [%d], \"data_offsets\": [%zu, %zu]}",
                            s[i].name, dt, d0, data, end);
    data += bytes;
  }
  hl += (size_t)sprintf(hdr + hl, "}");
  while (hl % 8) hdr[hl++] = ' ';
  unsigned char *file = calloc(1, 8 + hl + data);
  for (int i = 0; i < 8; i++) file[i] = (unsigned char)(((uint64_t)hl >> (8 * i)) & 0xFF);
  memcpy(file + 8, hdr, hl);
  /* Weights: small deterministic values; F16 0x3C00 = 1.0 pattern varied. */
  for (size_t i = 0; i < data; i += 2) {
    if (mode == 4) {
      const uint16_t h = (uint16_t)(0x2000 + (i * 37) % 0x1000); /* small positive halves */
      file[8 + hl + i] = (unsigned char)(h & 0xFF);
      file[8 + hl + i + 1] = (unsigned char)(h >> 8);
    } else if (i % 4 == 0) {
      const float f = (float)((int)((i * 2654435761u) % 2001) - 1000) / 2000.0f;
      memcpy(file + 8 + hl + i, &f, 4);
    }
  }
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  spr_test_write(path, file, 8 + hl + data);
  free(file);
  free(hdr);
}

static void expect_load(const char *dir, int code, const char *needle, const char *what) {
  spr_model *m = NULL;
  const int rc = spr_model_load(dir, &m);
  CHECKF(rc == code, "%s: rc %d (%s), expected %d", what, rc, spr_last_message(), code);
  if (needle) CHECKF(strstr(spr_last_message(), needle) != NULL, "%s: message '%s' lacks '%s'", what, spr_last_message(), needle);
  if (rc != code || code != 0) {
    CHECKF(m == NULL, "%s: model returned on failure", what);
  }
  if (m && code == 0) {
    /* Encode something with the tiny model: must run and give finite weights. */
    const char *t = "hello world!";
    const size_t l = strlen(t);
    spr_splade_params p = {.max_length = 8, .threads = 1};
    spr_splade_vectors v = {0};
    CHECKF(spr_splade_encode(m, &p, &t, &l, 1, &v) == 0, "%s: encode %s", what, spr_last_error());
    for (uint64_t j = 0; j < (v.off ? v.off[1] : 0); j++) CHECKF(isfinite(v.weight[j]) && v.weight[j] > 0, "weight");
    spr_splade_vectors_free(&v);
  }
  spr_model_free(&m);
}

static void error_cases(void) {
  char dir[] = "/tmp/spr_bert_test_XXXXXX";
  if (!mkdtemp(dir)) {
    spr_check_fail();
    return;
  }
  write_tiny(dir, 0, NULL, "BertForMaskedLM");
  expect_load(dir, 0, NULL, "valid tiny F32");
  write_tiny(dir, 4, NULL, "BertForMaskedLM");
  expect_load(dir, 0, NULL, "valid tiny F16");
  write_tiny(dir, 1, "bert.encoder.layer.0.intermediate.dense.weight", "BertForMaskedLM");
  expect_load(dir, SPR_ENOTFOUND, "missing tensor 'bert.encoder.layer.0.intermediate.dense.weight'", "missing tensor");
  write_tiny(dir, 2, "bert.encoder.layer.0.attention.self.key.weight", "BertForMaskedLM");
  expect_load(dir, SPR_EINVAL, "'bert.encoder.layer.0.attention.self.key.weight' has shape [5, 4], expected [4, 4]",
              "wrong shape");
  write_tiny(dir, 3, "cls.predictions.bias", "BertForMaskedLM");
  expect_load(dir, SPR_EUNSUPPORTED, "dtype I32 is not supported", "unsupported dtype");
  write_tiny(dir, 5, "cls.predictions.bias", "BertForMaskedLM");
  expect_load(dir, SPR_ECORRUPT, "data_offsets", "offsets past the end");
  write_tiny(dir, 0, NULL, "RobertaForMaskedLM");
  expect_load(dir, SPR_EUNSUPPORTED, "RobertaForMaskedLM", "unsupported architecture");
  char path[512];
  write_tiny(dir, 0, NULL, "BertForMaskedLM");
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  spr_test_write(path, "\x10\x00\x00\x00\x00\x00\x00\x00{}", 10);
  expect_load(dir, SPR_ECORRUPT, "header length", "truncated header");
  const char *files[] = {"config.json", "vocab.txt", "model.safetensors"};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  expect_load(dir, SPR_EIO, "config.json", "missing folder content");
  rmdir(dir);
}

/* ---- spr_bert_math: exp, erf, GELU and the row kernels ------------------------------------ */

static float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

enum { MB = 4096 }; /* floats per kernel call in the sweeps */

/* The next floats of the sweep 0, step, 2 step, ... <= hi, then hi (bit patterns, with sign or-ed
 * in), into x: returns the count (<= MB, 0 at the end) and advances *u. */
static size_t sweep_fill(float *x, uint64_t *u, uint64_t hi, uint32_t sign, uint64_t step) {
  size_t n = 0;
  for (; n < MB && *u <= hi; n++, *u += step) x[n] = bits_float((uint32_t)*u | sign);
  if (n < MB && *u > hi && *u != UINT64_MAX) { /* past the end: hi itself, once */
    if (*u - step != hi) x[n++] = bits_float((uint32_t)hi | sign);
    *u = UINT64_MAX;
  }
  return n;
}

/* One variant against libm: exp on [-88, 0] (relative), erf on [-10, 10] (absolute), GELU on
 * [-10, 10], every `step`-th float. */
static void math_accuracy(const spr_bert_math_ops *o, uint64_t step) {
  float *x = malloc(MB * sizeof *x), *y = malloc(MB * sizeof *y), *z = calloc(MB, sizeof *z);
  double worst = 0.0, wx = 0.0;
  uint64_t u = 0;
  for (size_t n; (n = sweep_fill(x, &u, float_bits(88.0f), 0x80000000u, step)) > 0;) {
    o->exp(n, y, x);
    for (size_t i = 0; i < n; i++) {
      const double r = exp((double)x[i]), e = fabs((double)y[i] - r) / r;
      if (e > worst) worst = e, wx = x[i];
    }
  }
  CHECKF(worst <= 2e-7, "%s exp: relative error %.3g at %.9g", spr_bert_isa_name(o->isa), worst, wx);
  const double exp_worst = worst;
  worst = 0.0;
  double gworst = 0.0, gx = 0.0;
  for (uint32_t sign = 0; sign <= 0x80000000u; sign += 0x80000000u) {
    u = 0;
    for (size_t n; (n = sweep_fill(x, &u, float_bits(10.0f), sign, step)) > 0;) {
      o->erf(n, y, x);
      for (size_t i = 0; i < n; i++) {
        const double e = fabs((double)y[i] - erf((double)x[i]));
        if (e > worst) worst = e, wx = x[i];
      }
      memcpy(y, x, n * sizeof *y);
      o->bias_gelu(1, n, y, z);
      for (size_t i = 0; i < n; i++) {
        const double xd = x[i], r = 0.5 * xd * erfc(-xd / sqrt(2.0));
        const double e = fabs((double)y[i] - r) / (1e-7 + 1.5e-7 * fabs(xd)); /* ~1 ulp of |x| */
        if (e > gworst) gworst = e, gx = xd;
      }
    }
    if (sign) break;
  }
  CHECKF(worst <= 2e-7, "%s erf: absolute error %.3g at %.9g", spr_bert_isa_name(o->isa), worst, wx);
  CHECKF(gworst <= 1.0, "%s gelu: error %.3g x (1e-7 + 1.5e-7 |x|) at %.9g", spr_bert_isa_name(o->isa), gworst,
        gx);
  printf("bert math %-6s: exp rel err %.3g on [-88, 0], erf abs err %.3g on [-10, 10] (every %llu-th float)\n",
         spr_bert_isa_name(o->isa), exp_worst, worst, (unsigned long long)step);
  /* Edges: exact values, clamps, signs. */
  const float ex[] = {0.0f, -0.0f, -200.0f, -104.0f, 100.0f, -INFINITY};
  o->exp(6, y, ex);
  CHECKF(y[0] == 1.0f && y[1] == 1.0f, "exp(0) = %.9g, exp(-0) = %.9g", y[0], y[1]);
  CHECKF(y[2] == 0.0f && y[3] >= 0.0f && y[3] < 1e-44f && y[5] == 0.0f, "exp of very negative: %g %g %g", y[2],
        y[3], y[5]);
  CHECKF(isfinite(y[4]) && y[4] > 1e38f, "exp(100) clamps to a finite %g", y[4]);
  const float ef[] = {0.0f, -0.0f, 4.0f, -4.0f, 1e30f, -1e30f, 1.0f, -1.0f};
  o->erf(8, y, ef);
  CHECKF(y[0] == 0.0f && y[1] == 0.0f && y[2] == 1.0f && y[3] == -1.0f && y[4] == 1.0f && y[5] == -1.0f,
        "erf edges: %g %g %.9g %.9g %g %g", y[0], y[1], y[2], y[3], y[4], y[5]);
  CHECKF(y[6] == -y[7], "erf odd at 1: %.9g %.9g", y[6], y[7]);
  free(x);
  free(y);
  free(z);
}

static uint64_t trng = 0x9E3779B97F4A7C15ull;
static float trand(void) { return spr_test_xorshift_float(&trng); }

/* The row kernels of o against double references on awkward sizes. */
static void math_rows(const spr_bert_math_ops *o) {
  const size_t sizes[] = {1, 3, 16, 17, 33, 128, 300, 768};
  const size_t R = 3, NMAX = 768;
  float *a = malloc(R * NMAX * sizeof *a), *res = malloc(R * NMAX * sizeof *res), *bias = malloc(NMAX * sizeof *bias);
  float *g = malloc(NMAX * sizeof *g), *b = malloc(NMAX * sizeof *b), *orig = malloc(R * NMAX * sizeof *orig);
  for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
    const size_t n = sizes[si];
    /* softmax: scores with a wide spread (some e^(x - max) far below FLT_MIN). */
    for (size_t i = 0; i < R * n; i++) orig[i] = a[i] = 60.0f * trand();
    o->softmax(R, n, a);
    double worst = 0.0;
    for (size_t r = 0; r < R; r++) { /* x - max in float, as the kernel (and torch) forms it */
      float mx = -INFINITY;
      double sum = 0.0;
      for (size_t i = 0; i < n; i++) mx = orig[r * n + i] > mx ? orig[r * n + i] : mx;
      for (size_t i = 0; i < n; i++) sum += exp((double)(orig[r * n + i] - mx));
      for (size_t i = 0; i < n; i++) {
        const double ref = exp((double)(orig[r * n + i] - mx)) / sum;
        const double e = fabs((double)a[r * n + i] - ref) / (ref > 1e-30 ? ref : 1.0);
        worst = e > worst ? e : worst;
      }
    }
    CHECKF(worst <= 1e-6, "%s softmax n=%zu: relative error %.3g", spr_bert_isa_name(o->isa), n, worst);
    /* add_ln in its three forms, against double. */
    for (int form = 0; form < 3; form++) {
      for (size_t i = 0; i < R * n; i++) orig[i] = a[i] = 3.0f * trand() + 0.5f;
      for (size_t i = 0; i < R * n; i++) res[i] = trand();
      for (size_t i = 0; i < n; i++) bias[i] = trand(), g[i] = 1.0f + 0.5f * trand(), b[i] = trand();
      const float *rs = form == 1 ? NULL : res, *bs = form == 2 ? NULL : bias;
      o->add_ln(R, n, a, rs, bs, g, b, 1e-12f);
      worst = 0.0;
      for (size_t r = 0; r < R; r++) {
        double mean = 0.0, var = 0.0;
        for (size_t i = 0; i < n; i++)
          mean += (double)orig[r * n + i] + (bs ? bs[i] : 0.0) + (rs ? rs[r * n + i] : 0.0);
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
          const double d = (double)orig[r * n + i] + (bs ? bs[i] : 0.0) + (rs ? rs[r * n + i] : 0.0) - mean;
          var += d * d;
        }
        const double inv = 1.0 / sqrt(var / (double)n + 1e-12);
        for (size_t i = 0; i < n; i++) {
          const double v = (double)orig[r * n + i] + (bs ? bs[i] : 0.0) + (rs ? rs[r * n + i] : 0.0);
          const double e = fabs((double)a[r * n + i] - ((v - mean) * inv * g[i] + b[i]));
          worst = e > worst ? e : worst;
        }
      }
      CHECKF(worst <= 1e-5 || n == 1, "%s add_ln form %d n=%zu: error %.3g", spr_bert_isa_name(o->isa), form, n,
            worst);
    }
    /* add_bias and max_rows are exact. */
    for (size_t i = 0; i < R * n; i++) orig[i] = a[i] = trand();
    o->add_bias(R, n, a, bias);
    int exact = 1;
    for (size_t i = 0; i < R * n; i++) exact &= a[i] == orig[i] + bias[i % n];
    CHECKF(exact, "%s add_bias n=%zu", spr_bert_isa_name(o->isa), n);
    for (size_t i = 0; i < n; i++) b[i] = g[i] = trand();
    o->max_rows(R, n, b, orig, n);
    exact = 1;
    for (size_t i = 0; i < n; i++) {
      float m = g[i];
      for (size_t r = 0; r < R; r++) m = orig[r * n + i] > m ? orig[r * n + i] : m;
      exact &= b[i] == m;
    }
    CHECKF(exact, "%s max_rows n=%zu", spr_bert_isa_name(o->isa), n);
  }
  free(a);
  free(res);
  free(bias);
  free(g);
  free(b);
  free(orig);
}

/* A SIMD variant gives the scalar reference's bits on random inputs of every kernel. */
static void math_same_bits(const spr_bert_math_ops *ref, const spr_bert_math_ops *o) {
  enum { N = 1000, R = 3 };
  float *x = malloc(R * N * sizeof *x), *p = malloc(R * N * sizeof *p), *q = malloc(R * N * sizeof *q);
  float *bias = malloc(N * sizeof *bias), *g = malloc(N * sizeof *g), *b = malloc(N * sizeof *b);
  for (size_t i = 0; i < N; i++) bias[i] = trand(), g[i] = 1.0f + trand(), b[i] = trand();
  for (size_t n = 1; n <= N; n += n < 40 ? 1 : 97) {
    for (size_t i = 0; i < R * n; i++) x[i] = 12.0f * trand();
    const char *what = NULL;
#define SAME(name, call_ref, call_o)                \
  do {                                              \
    memcpy(p, x, R * n * sizeof *p);                \
    memcpy(q, x, R * n * sizeof *q);                \
    call_ref;                                       \
    call_o;                                         \
    if (memcmp(p, q, R * n * sizeof *p)) what = name; \
  } while (0)
    SAME("exp", ref->exp(R * n, p, p), o->exp(R * n, q, q));
    SAME("erf", ref->erf(R * n, p, p), o->erf(R * n, q, q));
    SAME("bias_gelu", ref->bias_gelu(R, n, p, bias), o->bias_gelu(R, n, q, bias));
    SAME("add_bias", ref->add_bias(R, n, p, bias), o->add_bias(R, n, q, bias));
    SAME("softmax", ref->softmax(R, n, p), o->softmax(R, n, q));
    SAME("add_ln", ref->add_ln(R, n, p, x, bias, g, b, 1e-12f), o->add_ln(R, n, q, x, bias, g, b, 1e-12f));
    SAME("add_ln (no res)", ref->add_ln(R, n, p, NULL, bias, g, b, 1e-12f),
         o->add_ln(R, n, q, NULL, bias, g, b, 1e-12f));
    SAME("max_rows", ref->max_rows(R, n, p, x, n), o->max_rows(R, n, q, x, n));
#undef SAME
    CHECKF(what == NULL, "%s %s n=%zu: bits differ from the scalar reference", spr_bert_isa_name(o->isa),
          what ? what : "", n);
  }
  free(x);
  free(p);
  free(q);
  free(bias);
  free(g);
  free(b);
}

static void math_cases(void) {
  const spr_bert_math_ops *ref = spr_bert_math_ops_get(SPR_BERT_ISA_SCALAR);
  CHECKF(ref && ref->isa == SPR_BERT_ISA_SCALAR, "scalar kernels");
  const spr_bert_math_ops *best = spr_bert_math_ops_get(SPR_BERT_ISA_AUTO);
  CHECKF(best && best->isa != SPR_BERT_ISA_AUTO, "auto kernels");
  if (!ref || !best) return;
  printf("bert math: auto = %s\n", spr_bert_isa_name(best->isa));
  math_accuracy(ref, 61);
  math_rows(ref);
  const spr_bert_isa simd[] = {SPR_BERT_ISA_AVX2};
  for (size_t i = 0; i < sizeof simd / sizeof *simd; i++) {
    const spr_bert_math_ops *o = spr_bert_math_ops_get(simd[i]);
    CHECKF((o != NULL) == spr_bert_isa_supported(simd[i]), "%s: table iff supported", spr_bert_isa_name(simd[i]));
    if (!o) {
      printf("bert math %s: not supported here, skipped\n", spr_bert_isa_name(simd[i]));
      continue;
    }
    math_accuracy(o, 61);
    math_rows(o);
    math_same_bits(ref, o);
  }
}

/* ---- golden --------------------------------------------------------------------------------- */

static void golden(const char *dir, const char *weights, const char *vectors, char **texts, size_t *lens,
                   size_t n) {
  spr_model *m = NULL;
  if (spr_model_load_file(dir, weights, &m)) {
    CHECKF(0, "load %s: %s", weights, spr_last_error());
    return;
  }
  const uint32_t V = spr_model_config(m)->vocab;
  spr_splade_params p = {.max_length = 512, .threads = 2};
  spr_splade_vectors all = {0}, one = {0};
  CHECKF(spr_splade_encode(m, &p, (const char *const *)texts, lens, n, &all) == 0, "encode: %s", spr_last_error());
  /* Batching independence: each text alone, one thread. */
  spr_splade_params p1 = {.max_length = 512, .threads = 1};
  int same = 1;
  for (size_t i = 0; i < n && all.off; i++) {
    CHECKF(spr_splade_encode(m, &p1, (const char *const *)texts + i, lens + i, 1, &one) == 0, "encode one");
    const uint64_t k = all.off[i + 1] - all.off[i];
    same &= one.off[1] == k && !memcmp(one.term, all.term + all.off[i], k * 4) &&
            !memcmp(one.weight, all.weight + all.off[i], k * 4);
  }
  CHECKF(same, "%s: vectors depend on batching", weights);
  spr_splade_vectors_free(&one);
  /* Packed batches (batch_tokens > 0): same within the tolerance, checked against the reference
   * below too. */
  spr_splade_params pb = {.max_length = 512, .threads = 2, .batch_tokens = 600};
  spr_splade_vectors packed = {0};
  CHECKF(spr_splade_encode(m, &pb, (const char *const *)texts, lens, n, &packed) == 0, "encode packed");
  double pdiff = 0.0;
  for (size_t i = 0; i < n && all.off && packed.off; i++) {
    CHECKF(packed.off[i + 1] - packed.off[i] == all.off[i + 1] - all.off[i], "packed nnz of text %zu", i);
    for (uint64_t e = all.off[i]; e < all.off[i + 1] && e < packed.off[n]; e++) {
      const double d = fabs((double)packed.weight[e] - all.weight[e]);
      pdiff = d > pdiff ? d : pdiff;
    }
  }
  CHECKF(pdiff <= 2e-6, "%s: packed batches differ by %.3g", weights, pdiff);
  spr_splade_vectors_free(&packed);
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, vectors);
  char *ref = spr_test_slurp(path, NULL);
  CHECKF(ref != NULL, "cannot read %s", path);
  float *dense = calloc(V, sizeof *dense);
  double *rd = calloc(V, sizeof *rd);
  double worst = 0.0;
  size_t i = 0;
  for (char *line = ref; line && *line && i < n && all.off; i++) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    cJSON *j = cJSON_Parse(line);
    const cJSON *vec = cJSON_GetObjectItem(j, "vector");
    memset(dense, 0, V * sizeof *dense);
    memset(rd, 0, V * sizeof *rd);
    for (uint64_t e = all.off[i]; e < all.off[i + 1]; e++) dense[all.term[e]] = all.weight[e];
    const cJSON *e;
    cJSON_ArrayForEach(e, vec) {
      const int64_t id = spr_wordpiece_lookup(spr_model_vocab(m), e->string, strlen(e->string));
      CHECKF(id >= 0, "token %s not in vocab", e->string);
      if (id >= 0) rd[id] = e->valuedouble;
    }
    int nz_mismatch = 0;
    double mx = 0.0;
    for (uint32_t v = 0; v < V; v++) {
      const double d = fabs((double)dense[v] - rd[v]);
      mx = d > mx ? d : mx;
      nz_mismatch += (dense[v] != 0.0f) != (rd[v] != 0.0);
    }
    CHECKF(mx <= 1e-5, "%s %s: max abs diff %.3g", weights, cJSON_GetObjectItem(j, "id")->valuestring, mx);
    CHECKF(nz_mismatch == 0, "%s %s: %d entries differ in being non-zero", weights,
          cJSON_GetObjectItem(j, "id")->valuestring, nz_mismatch);
    worst = mx > worst ? mx : worst;
    cJSON_Delete(j);
    line = nl ? nl + 1 : NULL;
  }
  CHECKF(i == n, "%s: %zu reference vectors for %zu texts", vectors, i, n);
  printf("%-10s %-24s vs %-20s: %zu texts, max abs diff %.3g, %llu tokens, dtype %s, %s decoder\n",
         spr_model_type(m), weights, vectors, i, worst, (unsigned long long)all.tokens, spr_model_dtype(m),
         spr_model_tied(m) ? "tied" : "untied");
  free(dense);
  free(rd);
  free(ref);
  spr_splade_vectors_free(&all);
  spr_model_free(&m);
}

int main(void) {
  math_cases();
  error_cases();
  char dir[4096];
  spr_test_golden_dir(dir, sizeof dir);
  char path[4200];
  snprintf(path, sizeof path, "%s/texts.jsonl", dir);
  char *tj = spr_test_slurp(path, NULL);
  if (!tj) {
    fprintf(stderr, "%s absent: golden part skipped (%d failures in error cases)\n", path, failures);
    return failures ? 1 : 77;
  }
  char *texts[64];
  size_t lens[64], n = 0;
  for (char *line = tj; line && *line && n < 64;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    cJSON *j = cJSON_Parse(line);
    texts[n] = spr_test_unhex(cJSON_GetObjectItem(j, "utf8_hex")->valuestring, &lens[n]);
    n++;
    cJSON_Delete(j);
    line = nl ? nl + 1 : NULL;
  }
  golden(dir, "model.safetensors", "vectors.jsonl", texts, lens, n);
  golden(dir, "model.bf16.safetensors", "vectors.bf16.jsonl", texts, lens, n);
  golden(dir, "model.f16.safetensors", "vectors.f16.jsonl", texts, lens, n);
  /* The DistilBERT twin (same texts, its own weights and vectors), when present. */
  char ddir[4200];
  snprintf(ddir, sizeof ddir, "%s/../splade-distil-tiny", dir);
  if (access(ddir, F_OK) == 0) {
    golden(ddir, "model.safetensors", "vectors.jsonl", texts, lens, n);
    golden(ddir, "model.bf16.safetensors", "vectors.bf16.jsonl", texts, lens, n);
    golden(ddir, "model.f16.safetensors", "vectors.f16.jsonl", texts, lens, n);
  }
  for (size_t i = 0; i < n; i++) free(texts[i]);
  free(tj);
  printf("bert: %d failures\n", failures);
  return failures ? 1 : 0;
}
