/* spr_tiny_bert.h: the tensors of the tiny BERT masked-LM checkpoint that bert_test writes (with
 * broken variants) and model_fuzz uses as the valid folder around its input: vocabulary 8, hidden
 * 4, one layer, intermediate 8, 8 positions, 2 token types. Header-only (static functions). */
#ifndef SPR_TINY_BERT_H
#define SPR_TINY_BERT_H
#include <stdio.h>

/* vocabulary, hidden, intermediate, positions, token types; the most tensors tiny_specs gives */
enum { TV = 8, TH = 4, TI = 8, TP = 8, TT = 2, TINY_MAX_TENSORS = 40 };

/* The vocabulary: the five specials, then three words. */
static const char tiny_vocab[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n!\n";

typedef struct tensor_spec {
  char name[96];
  int d0, d1; /* d1 == 0: a vector */
} tensor_spec;

static inline void tiny_spec(tensor_spec *s, int *n, const char *name, int d0, int d1) {
  snprintf(s[*n].name, sizeof s[*n].name, "%s", name);
  s[*n].d0 = d0;
  s[*n].d1 = d1;
  ++*n;
}

/* Every tensor of the checkpoint, in file order, into s[0..TINY_MAX_TENSORS); returns the count. */
static inline int tiny_specs(tensor_spec *s) {
  int n = 0;
  tiny_spec(s, &n, "bert.embeddings.word_embeddings.weight", TV, TH);
  tiny_spec(s, &n, "bert.embeddings.position_embeddings.weight", TP, TH);
  tiny_spec(s, &n, "bert.embeddings.token_type_embeddings.weight", TT, TH);
  tiny_spec(s, &n, "bert.embeddings.LayerNorm.weight", TH, 0);
  tiny_spec(s, &n, "bert.embeddings.LayerNorm.bias", TH, 0);
  static const struct {
    const char *name;
    int out, in;
  } lin[] = {{"attention.self.query", TH, TH}, {"attention.self.key", TH, TH},
             {"attention.self.value", TH, TH}, {"attention.output.dense", TH, TH},
             {"intermediate.dense", TI, TH},   {"output.dense", TH, TI}};
  for (size_t i = 0; i < sizeof lin / sizeof lin[0]; i++) {
    char name[96];
    snprintf(name, sizeof name, "bert.encoder.layer.0.%s.weight", lin[i].name);
    tiny_spec(s, &n, name, lin[i].out, lin[i].in);
    snprintf(name, sizeof name, "bert.encoder.layer.0.%s.bias", lin[i].name);
    tiny_spec(s, &n, name, lin[i].out, 0);
  }
  tiny_spec(s, &n, "bert.encoder.layer.0.attention.output.LayerNorm.weight", TH, 0);
  tiny_spec(s, &n, "bert.encoder.layer.0.attention.output.LayerNorm.bias", TH, 0);
  tiny_spec(s, &n, "bert.encoder.layer.0.output.LayerNorm.weight", TH, 0);
  tiny_spec(s, &n, "bert.encoder.layer.0.output.LayerNorm.bias", TH, 0);
  tiny_spec(s, &n, "cls.predictions.transform.dense.weight", TH, TH);
  tiny_spec(s, &n, "cls.predictions.transform.dense.bias", TH, 0);
  tiny_spec(s, &n, "cls.predictions.transform.LayerNorm.weight", TH, 0);
  tiny_spec(s, &n, "cls.predictions.transform.LayerNorm.bias", TH, 0);
  tiny_spec(s, &n, "cls.predictions.bias", TV, 0);
  return n;
}
#endif /* SPR_TINY_BERT_H */
