/* model_fuzz.c: fuzz target for the model folder loader (shard/spr_model.h): config.json,
 * vocab.txt, the safetensors header and tensor table, idf.json. Input: byte 0 % 4 picks the file
 * that comes from the input (0 config.json, 1 vocab.txt, 2 model.safetensors, 3 idf.json); the
 * others are a built-in tiny valid BERT (hidden 4, 1 layer, vocabulary 8), written to a
 * per-process temp folder. Properties: no crash, over-read or leak; on failure a negative code, a
 * message naming a file of the folder, and *out NULL; a model that loads encodes a short text and
 * a query (inference-free with idf.json) with finite weights > 0 and term ids inside the vocabulary.
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into model_replay
 * (fuzz_replay.c), which runs the committed corpus/model under CTest. */
#include <math.h>

#include "fuzz_common.h"
#include "spr_tiny_bert.h"
#include "spr_encode.h"
#include "spr_model.h"

static const char tiny_config[] =
    "{\"architectures\": [\"BertForMaskedLM\"], \"model_type\": \"bert\", \"vocab_size\": 8,"
    " \"hidden_size\": 4, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
    " \"intermediate_size\": 8, \"max_position_embeddings\": 8, \"type_vocab_size\": 2,"
    " \"hidden_act\": \"gelu\", \"position_embedding_type\": \"absolute\", \"layer_norm_eps\": 1e-12}";
static const char tiny_idf[] = "{\"hello\": 1.5, \"world\": 0.25, \"!\": 0}";

/* A tiny safetensors file (F32, or F16 when half); *len its size. Caller frees. */
static uint8_t *tiny_safetensors(int half, size_t *len) {
  tensor_spec s[TINY_MAX_TENSORS];
  const int n = tiny_specs(s);
  char *hdr = malloc(8192);
  FUZZ_CHECK(hdr != NULL);
  size_t hl = (size_t)sprintf(hdr, "{\"__metadata__\": {\"format\": \"pt\"}");
  size_t data = 0;
  const size_t es = half ? 2 : 4;
  for (int i = 0; i < n; i++) {
    const size_t bytes = (size_t)s[i].d0 * (size_t)(s[i].d1 ? s[i].d1 : 1) * es;
    char shape[32];
    if (s[i].d1)
      snprintf(shape, sizeof shape, "[%d, %d]", s[i].d0, s[i].d1);
    else
      snprintf(shape, sizeof shape, "[%d]", s[i].d0);
    hl += (size_t)sprintf(hdr + hl, ", \"%s\": {\"dtype\": \"%s\", \"shape\": %s, \"data_offsets\": [%zu, %zu]}",
                          s[i].name, half ? "F16" : "F32", shape, data, data + bytes);
    data += bytes;
  }
  hdr[hl++] = '}';
  while (hl % 8) hdr[hl++] = ' ';
  uint8_t *f = calloc(1, 8 + hl + data);
  FUZZ_CHECK(f != NULL);
  for (int i = 0; i < 8; i++) f[i] = (uint8_t)((uint64_t)hl >> (8 * i));
  memcpy(f + 8, hdr, hl);
  for (size_t i = 0; i < data; i += es) {
    const uint32_t x = (uint32_t)(i * 2654435761u);
    if (half) {
      const uint16_t h = (uint16_t)(0x2000 + x % 0x1000 + ((x >> 20) & 1) * 0x8000);
      memcpy(f + 8 + hl + i, &h, 2);
    } else {
      const float v = (float)((int)(x % 2001) - 1000) / 2000.0f;
      memcpy(f + 8 + hl + i, &v, 4);
    }
  }
  free(hdr);
  *len = 8 + hl + data;
  return f;
}

static void write_folder(const char *dir, int which, const uint8_t *data, size_t size) {
  static uint8_t *st;
  static size_t st_len;
  if (!st) st = tiny_safetensors(0, &st_len);
  char path[512];
  snprintf(path, sizeof path, "%s/config.json", dir);
  which == 0 ? fuzz_write(path, data, size) : fuzz_write(path, tiny_config, sizeof tiny_config - 1);
  snprintf(path, sizeof path, "%s/vocab.txt", dir);
  which == 1 ? fuzz_write(path, data, size) : fuzz_write(path, tiny_vocab, sizeof tiny_vocab - 1);
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  which == 2 ? fuzz_write(path, data, size) : fuzz_write(path, st, st_len);
  snprintf(path, sizeof path, "%s/idf.json", dir);
  if (which == 3)
    fuzz_write(path, data, size);
  else
    unlink(path);
}

static void check_vectors(const spr_splade_vectors *v, uint32_t vocab) {
  FUZZ_CHECK(v->n == 1 && v->off && v->off[0] == 0);
  for (uint64_t j = 0; j < v->off[1]; j++) {
    FUZZ_CHECK(v->term[j] < vocab && (j == 0 || v->term[j - 1] < v->term[j]));
    FUZZ_CHECK(isfinite(v->weight[j]) && v->weight[j] > 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *dir = fuzz_dir();
  write_folder(dir, data[0] % 4, data + 1, size - 1);
  spr_model *m = NULL;
  const int rc = spr_model_load(dir, &m);
  if (rc != 0) {
    FUZZ_CHECK(rc < 0 && m == NULL);
    const char *msg = spr_last_error();
    FUZZ_CHECK(strstr(msg, ".json") || strstr(msg, "vocab.txt") || strstr(msg, ".safetensors") ||
               rc == SPR_ENOMEM);
    return 0;
  }
  const uint32_t vocab = (uint32_t)spr_model_config(m)->vocab;
  const char *text = "hello world! hello";
  const size_t len = strlen(text);
  for (int query = 0; query < 2; query++) {
    const spr_splade_params p = {.max_length = 8, .threads = 1, .query = query};
    spr_splade_vectors v = {0};
    const int erc = spr_splade_encode(m, &p, &text, &len, 1, &v);
    if (erc == 0) check_vectors(&v, vocab);
    else FUZZ_CHECK(erc == SPR_ENOMEM);
    spr_splade_vectors_free(&v);
  }
  spr_model_free(&m);
  FUZZ_CHECK(m == NULL);
  return 0;
}

int fuzz_make_seeds(const char *dir) {
  size_t n32 = 0, n16 = 0;
  uint8_t *f32 = tiny_safetensors(0, &n32), *f16 = tiny_safetensors(1, &n16);
  uint8_t *buf = malloc(n32 + n16 + 1);
  /* the valid files, and a few broken ones */
  static const fuzz_mode_seed texts[] = {
      {"config-valid", 0, tiny_config},
      {"config-heads3", 0,
       "{\"model_type\": \"bert\", \"vocab_size\": 8, \"hidden_size\": 4,"
       " \"num_hidden_layers\": 1, \"num_attention_heads\": 3,"
       " \"intermediate_size\": 8, \"max_position_embeddings\": 8,"
       " \"type_vocab_size\": 2, \"hidden_act\": \"gelu\", \"layer_norm_eps\": 1e-12}"},
      {"config-bad", 0, "{\"model_type\": \"bert\", \"vocab_size\": -8}"},
      {"config-distil", 0,
       "{\"model_type\": \"distilbert\", \"architectures\": [\"DistilBertForMaskedLM\"], \"vocab_size\": 8,"
       " \"dim\": 4, \"n_layers\": 1, \"n_heads\": 2, \"hidden_dim\": 8, \"max_position_embeddings\": 8,"
       " \"activation\": \"gelu\", \"sinusoidal_pos_embds\": false, \"tie_word_embeddings\": false}"},
      {"config-distil-relu", 0, "{\"model_type\": \"distilbert\", \"activation\": \"relu\", \"dim\": 4}"},
      {"config-notjson", 0, "{\"model_type\": "},
      {"vocab-valid", 1, tiny_vocab},
      {"vocab-crlf-dup", 1, "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nhello\r\nhello\r\n!"},
      {"vocab-nocls", 1, "[PAD]\n[UNK]\n[SEP]\n"},
      {"vocab-long", 1, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n!\nextra\nmore\n"},
      {"idf-valid", 3, tiny_idf},
      {"idf-bad", 3, "{\"hello\": \"x\", \"nope\": -1}"},
  };
  int rc = buf ? fuzz_seed_modes(dir, texts, sizeof texts / sizeof texts[0]) : -1;
  if (!rc) {
    buf[0] = 2;
    memcpy(buf + 1, f32, n32);
    rc |= fuzz_seed(dir, "st-f32", buf, n32 + 1);
    rc |= fuzz_seed(dir, "st-truncated", buf, n32 / 2);
    memcpy(buf + 1, f16, n16);
    rc |= fuzz_seed(dir, "st-f16", buf, n16 + 1);
    rc |= fuzz_seed(dir, "st-header-only", buf, 1 + 8 + 64);
    memset(buf + 1, 0xFF, 8);
    rc |= fuzz_seed(dir, "st-huge-header", buf, 1 + 8 + 16);
  }
  free(buf);
  free(f16);
  free(f32);
  return rc ? -1 : 0;
}
