/* spr_model.c: Hugging Face BERT / DistilBERT folder loader (see spr_model.h). The safetensors
 * header is validated against the file size before any tensor is touched; every tensor's shape is
 * checked against config.json. */
#include "spr_model.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spr_file.h"

#define SPR_MODEL_MAX_HEADER (100u << 20) /* safetensors headers are a few hundred KiB at most */
#define SPR_MODEL_MAX_OWNED 512

struct spr_model {
  spr_bert_config config;
  spr_bert_weights weights; /* views into map or into owned[] */
  spr_bert_layer *layers;   /* owned */
  spr_wordpiece *vocab;     /* owned */
  float *idf;               /* owned, [config.vocab] or NULL */
  char *path;               /* owned: the weights file, for messages */
  void *map;                /* owned mapping of the weights file */
  size_t map_len;
  const unsigned char *data; /* borrowed: byte 8 + N of map */
  size_t data_len;
  cJSON *header;            /* owned: parsed safetensors header */
  float *owned[SPR_MODEL_MAX_OWNED]; /* owned: converted tensors */
  int nowned;
  char dtype[8];
  int tied;
  int tie;                     /* config.json's tie_word_embeddings (absent: 1) */
  const struct spr_model_arch *arch; /* borrowed: static table entry */
};

/* ---- small file helpers ---------------------------------------------------------------- */


/* Byte offset of a cJSON parse error (cJSON leaves the error position in end), clamped to the text. */
static size_t spr_json_at(const char *text, size_t len, const char *end) {
  if (!end || end < text) return 0;
  const size_t at = (size_t)(end - text);
  return at > len ? len : at;
}


static char *spr_model_join(const char *dir, const char *name) {
  const size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* ---- config.json --------------------------------------------------------------------------- */

static int spr_model_cfg_u32(const cJSON *j, const char *path, const char *key, uint32_t *out, int required,
                             uint32_t dflt) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
  if (!v) {
    if (required) return SPR_FAIL(SPR_EPARSE, "%s: missing \"%s\"", path, key);
    *out = dflt;
    return SPR_OK;
  }
  if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e9 || v->valuedouble != (double)(uint32_t)v->valuedouble)
    return SPR_FAIL(SPR_EPARSE, "%s: \"%s\" must be a positive integer", path, key);
  *out = (uint32_t)v->valuedouble;
  return SPR_OK;
}

/* What differs between the two supported checkpoint kinds: config keys and tensor names (the
 * computation is the same, see kernels/spr_bert.h). Layer tensors are <layer_fmt % i><name>, in
 * the order of spr_bert_layer; the embeddings are <emb><name>. */
typedef struct spr_model_arch {
  const char *model_type, *mlm_class;
  const char *size_keys[5];   /* vocab, hidden, layers, heads, intermediate */
  const char *type_vocab_key; /* NULL: no token types */
  const char *eps_key;        /* NULL: 1e-12 hard-coded */
  const char *act_key;        /* activation of the FFN and the MLM head */
  const char *emb;            /* embeddings prefix */
  const char *layer_fmt;
  const char *layer[16];
  const char *head[4];        /* MLM transform weight, bias, LayerNorm weight, bias */
  const char *dec_w, *dec_b, *dec_b_alt;
  int strict_tie; /* 1: a tied checkpoint's projector weight must equal the word embeddings */
} spr_model_arch;

static const spr_model_arch spr_model_archs[] = {
    {"bert", "BertForMaskedLM",
     {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"},
     "type_vocab_size", "layer_norm_eps", "hidden_act", "bert.embeddings.", "bert.encoder.layer.%u.",
     {"attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight",
      "attention.self.key.bias", "attention.self.value.weight", "attention.self.value.bias",
      "attention.output.dense.weight", "attention.output.dense.bias", "attention.output.LayerNorm.weight",
      "attention.output.LayerNorm.bias", "intermediate.dense.weight", "intermediate.dense.bias",
      "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias"},
     {"cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
      "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias"},
     "cls.predictions.decoder.weight", "cls.predictions.bias", "cls.predictions.decoder.bias", 0},
    {"distilbert", "DistilBertForMaskedLM", {"vocab_size", "dim", "n_layers", "n_heads", "hidden_dim"}, NULL, NULL,
     "activation", "distilbert.embeddings.", "distilbert.transformer.layer.%u.",
     {"attention.q_lin.weight", "attention.q_lin.bias", "attention.k_lin.weight", "attention.k_lin.bias",
      "attention.v_lin.weight", "attention.v_lin.bias", "attention.out_lin.weight", "attention.out_lin.bias",
      "sa_layer_norm.weight", "sa_layer_norm.bias", "ffn.lin1.weight", "ffn.lin1.bias", "ffn.lin2.weight",
      "ffn.lin2.bias", "output_layer_norm.weight", "output_layer_norm.bias"},
     {"vocab_transform.weight", "vocab_transform.bias", "vocab_layer_norm.weight", "vocab_layer_norm.bias"},
     "vocab_projector.weight", "vocab_projector.bias", NULL, 1},
};

static int spr_model_has_string(const cJSON *arr, const char *s) {
  const cJSON *a;
  cJSON_ArrayForEach(a, arr) if (cJSON_IsString(a) && !strcmp(a->valuestring, s)) return 1;
  return 0;
}

/* The checkpoint kind from model_type (absent: from architectures, else BERT as before), and its
 * architectures list must name the kind's masked-LM class when given. */
static int spr_model_arch_find(const cJSON *j, const char *path, const spr_model_arch **out) {
  const cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "model_type");
  const cJSON *arch = cJSON_GetObjectItemCaseSensitive(j, "architectures");
  const size_t narch = sizeof spr_model_archs / sizeof spr_model_archs[0];
  *out = &spr_model_archs[0];
  int found = 0;
  for (size_t i = 0; i < narch && !found; i++) {
    const spr_model_arch *a = &spr_model_archs[i];
    found = mt ? cJSON_IsString(mt) && !strcmp(mt->valuestring, a->model_type)
               : cJSON_IsArray(arch) && spr_model_has_string(arch, a->mlm_class);
    if (found) *out = a;
  }
  if (mt && !found)
    return SPR_FAIL(SPR_EUNSUPPORTED, "%s: model_type \"%s\" is not supported (only \"bert\" and \"distilbert\")",
                    path, cJSON_IsString(mt) ? mt->valuestring : "?");
  if (cJSON_IsArray(arch) && cJSON_GetArraySize(arch) > 0 && !spr_model_has_string(arch, (*out)->mlm_class)) {
    const cJSON *a0 = cJSON_GetArrayItem(arch, 0);
    return SPR_FAIL(SPR_EUNSUPPORTED, "%s: architecture \"%s\" is not supported (needs %s)", path,
                    cJSON_IsString(a0) ? a0->valuestring : "?", (*out)->mlm_class);
  }
  return SPR_OK;
}

/* The options the forward pass does not implement: another activation, other positions. */
static int spr_model_config_features(const cJSON *j, const char *path, const spr_model_arch *a) {
  const cJSON *act = cJSON_GetObjectItemCaseSensitive(j, a->act_key);
  if (act && (!cJSON_IsString(act) || (strcmp(act->valuestring, "gelu") && strcmp(act->valuestring, "gelu_python"))))
    return SPR_FAIL(SPR_EUNSUPPORTED, "%s: %s \"%s\" is not supported (only exact-erf \"gelu\")", path, a->act_key,
                    cJSON_IsString(act) ? act->valuestring : "?");
  const cJSON *pet = cJSON_GetObjectItemCaseSensitive(j, "position_embedding_type");
  if (pet && (!cJSON_IsString(pet) || strcmp(pet->valuestring, "absolute")))
    return SPR_FAIL(SPR_EUNSUPPORTED, "%s: position_embedding_type \"%s\" is not supported (only \"absolute\")",
                    path, cJSON_IsString(pet) ? pet->valuestring : "?");
  const cJSON *sin = cJSON_GetObjectItemCaseSensitive(j, "sinusoidal_pos_embds");
  if (sin && !cJSON_IsFalse(sin))
    return SPR_FAIL(SPR_EUNSUPPORTED, "%s: sinusoidal_pos_embds true is not supported (only learned positions)",
                    path);
  return SPR_OK;
}

/* config.json into c; *arch = the checkpoint kind; *tie = tie_word_embeddings (absent: 1). */
static int spr_model_config_load(const char *dir, spr_bert_config *c, const spr_model_arch **arch, int *tie) {
  char *path = spr_model_join(dir, "config.json");
  if (!path) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  char *text = NULL;
  size_t len = 0;
  int rc = spr_file_read(path, NULL, &text, &len);
  cJSON *j = NULL;
  if (rc) goto done;
  const char *end = NULL;
  j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if (!j) {
    rc = SPR_FAIL(SPR_EPARSE, "%s: byte %zu: invalid JSON", path, spr_json_at(text, len, end));
    goto done;
  }
  if (!cJSON_IsObject(j)) {
    rc = SPR_FAIL(SPR_EPARSE, "%s: byte 0: not a JSON object", path);
    goto done;
  }
  SPR_TRYG(rc, spr_model_arch_find(j, path, arch), done);
  const spr_model_arch *a = *arch;
  SPR_TRYG(rc, spr_model_config_features(j, path, a), done);
  memset(c, 0, sizeof *c);
  uint32_t *const sizes[5] = {&c->vocab, &c->hidden, &c->layers, &c->heads, &c->intermediate};
  for (int i = 0; i < 5; i++) SPR_TRYG(rc, spr_model_cfg_u32(j, path, a->size_keys[i], sizes[i], 1, 0), done);
  SPR_TRYG(rc, spr_model_cfg_u32(j, path, "max_position_embeddings", &c->max_positions, 0, 512), done);
  if (a->type_vocab_key) SPR_TRYG(rc, spr_model_cfg_u32(j, path, a->type_vocab_key, &c->type_vocab, 0, 2), done);
  const cJSON *eps = a->eps_key ? cJSON_GetObjectItemCaseSensitive(j, a->eps_key) : NULL;
  c->ln_eps = cJSON_IsNumber(eps) ? (float)eps->valuedouble : 1e-12f;
  const cJSON *tw = cJSON_GetObjectItemCaseSensitive(j, "tie_word_embeddings");
  *tie = !cJSON_IsFalse(tw);
  rc = spr_bert_config_check(c);
  if (rc) rc = SPR_FAIL(rc, "%s: %s", path, spr_last_message());
done:
  cJSON_Delete(j);
  free(text);
  free(path);
  return rc;
}

/* ---- safetensors --------------------------------------------------------------------------- */

static int spr_model_map(spr_model *m) {
  const int fd = open(m->path, O_RDONLY);
  if (fd < 0) return SPR_FAIL(SPR_EIO, "%s: cannot open: %s", m->path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return SPR_FAIL(SPR_EIO, "%s: cannot stat: %s", m->path, strerror(errno));
  }
  const size_t size = (size_t)st.st_size;
  if (size < 8) {
    close(fd);
    return SPR_FAIL(SPR_ECORRUPT, "%s: %zu bytes, too short for a safetensors file", m->path, size);
  }
  void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return SPR_FAIL(SPR_EIO, "%s: mmap failed: %s", m->path, strerror(errno));
  m->map = p;
  m->map_len = size;
  const unsigned char *b = p;
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = (n << 8) | b[i];
  if (n == 0 || n > SPR_MODEL_MAX_HEADER || n > size - 8)
    return SPR_FAIL(SPR_ECORRUPT, "%s: header length %llu inconsistent with file size %zu", m->path,
                    (unsigned long long)n, size);
  const char *end = NULL;
  m->header = cJSON_ParseWithLengthOpts((const char *)b + 8, (size_t)n, &end, 0);
  if (!m->header)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte %zu: the header is not valid JSON", m->path,
                    8 + spr_json_at((const char *)b + 8, (size_t)n, end));
  if (!cJSON_IsObject(m->header))
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte 8: the header is not a JSON object", m->path);
  m->data = b + 8 + n;
  m->data_len = size - 8 - (size_t)n;
  return SPR_OK;
}

static size_t spr_model_dtype_size(const char *dt) {
  if (!strcmp(dt, "F32")) return 4;
  if (!strcmp(dt, "F16") || !strcmp(dt, "BF16")) return 2;
  return 0;
}

static float spr_model_f16(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu, man = h & 0x3FFu, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { /* subnormal: normalize */
      exp = 127 - 15 + 1;
      while (!(man & 0x400u)) {
        man <<= 1;
        exp--;
      }
      bits = sign | (exp << 23) | ((man & 0x3FFu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* Tensor `name` of shape [d0] (d1 == 0) or [d0, d1] as F32. Missing -> SPR_ENOTFOUND. */
static int spr_model_tensor(spr_model *m, const char *name, uint32_t d0, uint32_t d1, const float **out) {
  *out = NULL;
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(m->header, name);
  if (!t) return SPR_FAIL(SPR_ENOTFOUND, "%s: missing tensor '%s'", m->path, name);
  const cJSON *dt = cJSON_GetObjectItemCaseSensitive(t, "dtype");
  const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
  const cJSON *offs = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
  if (!cJSON_IsString(dt) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2)
    return SPR_FAIL(SPR_ECORRUPT, "%s: tensor '%s': header entry lacks dtype, shape or data_offsets", m->path, name);
  const size_t es = spr_model_dtype_size(dt->valuestring);
  if (!es)
    return SPR_FAIL(SPR_EUNSUPPORTED, "%s: tensor '%s': dtype %s is not supported (F32, F16, BF16)", m->path, name,
                    dt->valuestring);
  if (!m->dtype[0]) snprintf(m->dtype, sizeof m->dtype, "%s", dt->valuestring);
  const int rank = cJSON_GetArraySize(shape);
  const uint32_t want[2] = {d0, d1};
  const int want_rank = d1 ? 2 : 1;
  char got_s[96] = "", want_s[64];
  snprintf(want_s, sizeof want_s, d1 ? "[%u, %u]" : "[%u]", d0, d1);
  int ok = rank == want_rank;
  size_t numel = 1;
  for (int i = 0; i < rank && i < 8; i++) {
    const cJSON *e = cJSON_GetArrayItem(shape, i);
    const double v = cJSON_IsNumber(e) ? e->valuedouble : -1;
    if (v < 0 || v > 4e9) return SPR_FAIL(SPR_ECORRUPT, "%s: tensor '%s': bad shape", m->path, name);
    numel *= (size_t)v;
    if (i < 2 && ok && (uint32_t)v != want[i]) ok = 0;
    const size_t l = strlen(got_s);
    snprintf(got_s + l, sizeof got_s - l, "%s%.0f", i ? ", " : "[", v);
  }
  if (rank == 0) snprintf(got_s, sizeof got_s, "[");
  {
    const size_t l = strlen(got_s);
    snprintf(got_s + l, sizeof got_s - l, "]");
  }
  if (!ok)
    return SPR_FAIL(SPR_EINVAL, "%s: tensor '%s' has shape %s, expected %s from config.json", m->path, name, got_s,
                    want_s);
  const cJSON *ob = cJSON_GetArrayItem(offs, 0), *oe = cJSON_GetArrayItem(offs, 1);
  if (!cJSON_IsNumber(ob) || !cJSON_IsNumber(oe) || ob->valuedouble < 0 || oe->valuedouble < ob->valuedouble ||
      oe->valuedouble > (double)m->data_len)
    return SPR_FAIL(SPR_ECORRUPT, "%s: tensor '%s': data_offsets outside the file's %zu data bytes", m->path, name,
                    m->data_len);
  const size_t begin = (size_t)ob->valuedouble, end = (size_t)oe->valuedouble;
  if (end - begin != numel * es)
    return SPR_FAIL(SPR_ECORRUPT, "%s: tensor '%s': %zu data bytes for %zu %s elements", m->path, name, end - begin,
                    numel, dt->valuestring);
  const unsigned char *src = m->data + begin;
  if (es == 4 && (uintptr_t)src % sizeof(float) == 0) {
    *out = (const float *)(const void *)src; /* F32, aligned: used in place */
    return SPR_OK;
  }
  if (m->nowned >= SPR_MODEL_MAX_OWNED) return SPR_FAIL(SPR_EUNSUPPORTED, "%s: too many tensors", m->path);
  float *f = malloc(numel * sizeof(float) + 1);
  if (!f) return SPR_FAIL(SPR_ENOMEM, "%s: tensor '%s': out of memory", m->path, name);
  m->owned[m->nowned++] = f;
  if (es == 4) {
    memcpy(f, src, numel * 4);
  } else if (!strcmp(dt->valuestring, "BF16")) {
    for (size_t i = 0; i < numel; i++) {
      const uint32_t bits = (uint32_t)(src[2 * i] | (src[2 * i + 1] << 8)) << 16;
      memcpy(f + i, &bits, 4);
    }
  } else {
    for (size_t i = 0; i < numel; i++) f[i] = spr_model_f16((uint16_t)(src[2 * i] | (src[2 * i + 1] << 8)));
  }
  *out = f;
  return SPR_OK;
}

/* Tensor <prefix><rest> (prefix may be ""). */
static int spr_model_named(spr_model *m, const char *prefix, const char *rest, uint32_t d0, uint32_t d1,
                           const float **out) {
  char name[256];
  snprintf(name, sizeof name, "%s%s", prefix, rest);
  return spr_model_tensor(m, name, d0, d1, out);
}

static int spr_model_has(const spr_model *m, const char *name) {
  return name && cJSON_GetObjectItemCaseSensitive(m->header, name) != NULL;
}

/* The vocabulary projection. Tied (tie_word_embeddings absent or true): the word embeddings; a
 * projector weight in the file is then an old checkpoint's copy, which DistilBERT requires to be
 * identical (BERT keeps its earlier rule: a decoder weight present is used). Untied: the projector
 * weight must be there. */
static int spr_model_decoder_load(spr_model *m) {
  const spr_model_arch *a = m->arch;
  spr_bert_weights *w = &m->weights;
  const uint32_t V = m->config.vocab, H = m->config.hidden;
  const char *bias = spr_model_has(m, a->dec_b) || !a->dec_b_alt ? a->dec_b : a->dec_b_alt;
  SPR_TRY(spr_model_tensor(m, bias, V, 0, &w->dec_b));
  w->dec_w = w->word_emb;
  m->tied = 1;
  if (m->tie && !spr_model_has(m, a->dec_w)) return SPR_OK; /* tied, as save_pretrained writes it */
  const float *dec = NULL;
  SPR_TRY(spr_model_tensor(m, a->dec_w, V, H, &dec)); /* untied: it must be there */
  if (m->tie && a->strict_tie) {
    if (memcmp(dec, w->word_emb, (size_t)V * H * sizeof *dec))
      return SPR_FAIL(SPR_EUNSUPPORTED,
                      "%s: tensor '%s' differs from the word embeddings although config.json ties them "
                      "(tie_word_embeddings absent or true)",
                      m->path, a->dec_w);
    return SPR_OK;
  }
  w->dec_w = dec;
  m->tied = 0;
  return SPR_OK;
}

static int spr_model_weights_load(spr_model *m) {
  const spr_model_arch *a = m->arch;
  const spr_bert_config *c = &m->config;
  spr_bert_weights *w = &m->weights;
  const uint32_t V = c->vocab, H = c->hidden, I = c->intermediate;
  SPR_TRY(spr_model_named(m, a->emb, "word_embeddings.weight", V, H, &w->word_emb));
  SPR_TRY(spr_model_named(m, a->emb, "position_embeddings.weight", c->max_positions, H, &w->pos_emb));
  if (c->type_vocab)
    SPR_TRY(spr_model_named(m, a->emb, "token_type_embeddings.weight", c->type_vocab, H, &w->type_emb));
  SPR_TRY(spr_model_named(m, a->emb, "LayerNorm.weight", H, 0, &w->emb_ln_g));
  SPR_TRY(spr_model_named(m, a->emb, "LayerNorm.bias", H, 0, &w->emb_ln_b));
  m->layers = calloc(c->layers, sizeof *m->layers);
  if (!m->layers) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  w->layer = m->layers;
  /* Shapes in the order of a->layer and of spr_bert_layer's fields. */
  const uint32_t d0[16] = {H, H, H, H, H, H, H, H, H, H, I, I, H, H, H, H};
  const uint32_t d1[16] = {H, 0, H, 0, H, 0, H, 0, 0, 0, H, 0, I, 0, 0, 0};
  for (uint32_t l = 0; l < c->layers; l++) {
    spr_bert_layer *L = &m->layers[l];
    const float **const dst[16] = {&L->wq, &L->bq, &L->wk, &L->bk, &L->wv, &L->bv, &L->wo, &L->bo,
                                   &L->ln1_g, &L->ln1_b, &L->wi, &L->bi, &L->wf, &L->bf, &L->ln2_g, &L->ln2_b};
    char prefix[128];
    snprintf(prefix, sizeof prefix, a->layer_fmt, l);
    for (int i = 0; i < 16; i++) SPR_TRY(spr_model_named(m, prefix, a->layer[i], d0[i], d1[i], dst[i]));
  }
  const float **const head[4] = {&w->head_w, &w->head_b, &w->head_ln_g, &w->head_ln_b};
  for (int i = 0; i < 4; i++) SPR_TRY(spr_model_tensor(m, a->head[i], H, i ? 0 : H, head[i]));
  return spr_model_decoder_load(m);
}

/* ---- vocab.txt, idf.json ----------------------------------------------------------------- */

static int spr_model_vocab_load(spr_model *m, const char *dir) {
  char *path = spr_model_join(dir, "vocab.txt");
  if (!path) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  char *text = NULL;
  size_t len = 0;
  int rc = spr_file_read(path, NULL, &text, &len);
  if (rc == SPR_OK) {
    rc = spr_wordpiece_create(text, len, &m->vocab);
    if (rc) rc = SPR_FAIL(rc, "%s: %s", path, spr_last_message());
  }
  if (rc == SPR_OK && spr_wordpiece_size(m->vocab) > m->config.vocab)
    rc = SPR_FAIL(SPR_EINVAL, "%s: %u tokens, more than vocab_size %u in config.json", path,
                  spr_wordpiece_size(m->vocab), m->config.vocab);
  free(text);
  free(path);
  return rc;
}

static int spr_model_idf_load(spr_model *m, const char *dir) {
  char *path = spr_model_join(dir, "idf.json");
  if (!path) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  int rc = SPR_OK;
  char *text = NULL;
  cJSON *j = NULL;
  if (access(path, F_OK) != 0) goto done; /* optional */
  size_t len = 0;
  SPR_TRYG(rc, spr_file_read(path, NULL, &text, &len), done);
  const char *end = NULL;
  j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if (!j || !cJSON_IsObject(j)) {
    rc = SPR_FAIL(SPR_EPARSE, "%s: byte %zu: not a JSON object {\"token\": weight}", path,
                  j ? (size_t)0 : spr_json_at(text, len, end));
    goto done;
  }
  m->idf = calloc(m->config.vocab, sizeof *m->idf);
  if (!m->idf) {
    rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
    goto done;
  }
  const cJSON *e;
  cJSON_ArrayForEach(e, j) {
    if (!cJSON_IsNumber(e)) {
      rc = SPR_FAIL(SPR_EPARSE, "%s: weight of \"%s\" is not a number", path, e->string);
      goto done;
    }
    const int64_t id = spr_wordpiece_lookup(m->vocab, e->string, strlen(e->string));
    if (id >= 0) m->idf[id] = (float)e->valuedouble;
  }
done:
  cJSON_Delete(j);
  free(text);
  free(path);
  return rc;
}

/* ---- public ------------------------------------------------------------------------------- */

int spr_model_load_file(const char *dir, const char *weights_name, spr_model **out) {
  if (!dir || !weights_name || !out) return SPR_FAIL(SPR_EINVAL, "model: NULL argument");
  *out = NULL;
  spr_model *m = calloc(1, sizeof *m);
  if (!m) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  int rc;
  SPR_TRYG(rc, spr_model_config_load(dir, &m->config, &m->arch, &m->tie), fail);
  SPR_TRYG(rc, spr_model_vocab_load(m, dir), fail);
  m->path = spr_model_join(dir, weights_name);
  if (!m->path) {
    rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
    goto fail;
  }
  SPR_TRYG(rc, spr_model_map(m), fail);
  SPR_TRYG(rc, spr_model_weights_load(m), fail);
  SPR_TRYG(rc, spr_model_idf_load(m, dir), fail);
  /* The header is no longer needed; F32 tensors stay mapped. */
  cJSON_Delete(m->header);
  m->header = NULL;
  *out = m;
  return SPR_OK;
fail:
  spr_model_free(&m);
  return rc;
}

int spr_model_load(const char *dir, spr_model **out) { return spr_model_load_file(dir, "model.safetensors", out); }

void spr_model_free(spr_model **p) {
  if (!p || !*p) return;
  spr_model *m = *p;
  for (int i = 0; i < m->nowned; i++) free(m->owned[i]);
  if (m->map) munmap(m->map, m->map_len);
  cJSON_Delete(m->header);
  spr_wordpiece_free(&m->vocab);
  free(m->layers);
  free(m->idf);
  free(m->path);
  free(m);
  *p = NULL;
}

const spr_bert_config *spr_model_config(const spr_model *m) { return &m->config; }
const spr_bert_weights *spr_model_weights(const spr_model *m) { return &m->weights; }
const spr_wordpiece *spr_model_vocab(const spr_model *m) { return m->vocab; }
const float *spr_model_idf(const spr_model *m) { return m->idf; }
const char *spr_model_dtype(const spr_model *m) { return m->dtype; }
int spr_model_tied(const spr_model *m) { return m->tied; }
const char *spr_model_type(const spr_model *m) { return m->arch->model_type; }
