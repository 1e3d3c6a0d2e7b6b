/* cmd_encode.c: spire encode -- SPLADE vectors (Anserini JSON) of a corpus or of queries with a
 * Hugging Face BERT or DistilBERT masked-LM checkpoint (collective). Each rank encodes the records of its byte
 * range of the input with OpenMP threads (shard/spr_encode.h) and writes them to a part file; rank
 * 0 joins the parts in rank order, so the output bytes are the same for any rank count. Also holds
 * the part-file helpers shared with cmd_tokenize.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_cli.h"
#include "spr_corpus.h"
#include "spr_bert_quant.h"
#include "spr_encode.h"
#include "spr_options.h"
#include "spr_progress.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define SPR_ENCODE_CHUNK 256u /* records read, encoded and written at a time */

static const spr_options_cmd spr_encode_cmd = {
    "encode", SPR_CMD_ENCODE,
    "usage: [mpirun -np N] spire encode --model DIR --input CORPUS --output VECTORS.jsonl [options]\n\n"
    "SPLADE vectors of documents (or queries) with a Hugging Face BERT or DistilBERT masked-LM\n"
    "checkpoint: the max over tokens of log(1 + ReLU(MLM logits)). Output: one JSON line per record,\n"
    "{\"id\": \"...\", \"vector\": {\"token\": weight, ...}} (Anserini JsonVectorCollection), tokens in id\n"
    "order, float weights. Each rank encodes its byte range of the input with OpenMP threads; the\n"
    "output is identical for any number of ranks and threads.\n\n", NULL, 0, NULL, NULL};

typedef struct spr_encode_chunk {
  char **id;   /* owned, n entries */
  char **text; /* owned */
  size_t *len;
  size_t n;
} spr_encode_chunk;

static void spr_encode_chunk_clear(spr_encode_chunk *ch) {
  for (size_t i = 0; i < ch->n; i++) {
    free(ch->id[i]);
    free(ch->text[i]);
  }
  ch->n = 0;
}

/* The model's weights at precision (shard/spr_bert_quant.h); a CPU without int8 kernels falls back
 * to f32 with a line saying so (show: rank 0). Local. */
static int spr_encode_precision(const spr_model *m, const char *precision, spr_bert_quant **q, spr_bert_weights *w,
                                int show) {
  const int rc = spr_bert_quant_precision(m, precision, q, w);
  if (rc != SPR_EUNSUPPORTED) return rc;
  if (show) fprintf(stderr, "[spire] encode: %s: encoding in f32\n", spr_last_error());
  return SPR_OK;
}

static int spr_encode_run(const spr_comm *world, const char *model_dir, const char *weights, const char *precision,
                          const char *input, spr_corpus_format fmt, const char *output, const spr_splade_params *sp,
                          int progress, uint64_t *docs_out, uint64_t *tokens_out) {
  spr_model *m = NULL;
  spr_corpus *corp = NULL;
  spr_corpus_cursor *cur = NULL;
  spr_cli_part part = {0};
  spr_splade_vectors vec = {0};
  spr_encode_chunk ch = {0};
  ch.id = calloc(SPR_ENCODE_CHUNK, sizeof *ch.id);
  ch.text = calloc(SPR_ENCODE_CHUNK, sizeof *ch.text);
  ch.len = calloc(SPR_ENCODE_CHUNK, sizeof *ch.len);
  int rc = (ch.id && ch.text && ch.len) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "out of memory");
  if (rc == SPR_OK) rc = spr_model_load_file(model_dir, weights, &m);
  spr_bert_quant *quant = NULL;
  spr_bert_weights wts;
  spr_splade_params spw = *sp;
  if (rc == SPR_OK) rc = spr_encode_precision(m, precision, &quant, &wts, world->rank == 0 && progress);
  spw.weights = rc == SPR_OK ? &wts : NULL;
  sp = &spw;
  if (rc == SPR_OK) rc = spr_corpus_open(input, fmt, &corp);
  uint64_t begin = 0, end = 0, lines = 0, before = 0, total = 0;
  if (rc == SPR_OK) {
    spr_corpus_split(corp, world->rank, world->size, &begin, &end);
    lines = spr_corpus_count_lines(corp, begin, end);
  }
  rc = spr_mpi_agree(world, rc);
  if (rc == SPR_OK) rc = spr_mpi_exscan_u64(world, lines, &before, &total);
  if (rc == SPR_OK) rc = spr_corpus_cursor_create(corp, begin, end, before + 1, &cur);
  if (rc == SPR_OK) rc = spr_cli_part_open(world, output, &part);
  if (rc == SPR_OK && world->rank == 0 && progress)
    fprintf(stderr, "[spire] encode: model %s (%s %s%s, %u layers, hidden %u%s), %d rank(s) x %d thread(s)\n",
            model_dir, spr_model_type(m), spr_model_dtype(m), quant ? ", int8 products" : "", spr_model_config(m)->layers,
            spr_model_config(m)->hidden,
            sp->query && spr_model_idf(m) ? ", inference-free queries with idf.json" : "", world->size,
#ifdef _OPENMP
            omp_get_max_threads()
#else
            1
#endif
    );
  spr_progress prog;
  /* Rank 0 reports its own share (line count as the document estimate). */
  spr_progress_start(&prog, "encode", "docs", lines, progress && world->rank == 0);
  uint64_t docs = 0, tokens = 0;
  int eof = rc != SPR_OK;
  const spr_wordpiece *wp = m ? spr_model_vocab(m) : NULL;
  while (!eof && rc == SPR_OK) {
    spr_encode_chunk_clear(&ch);
    while (ch.n < SPR_ENCODE_CHUNK) {
      spr_doc d;
      const int k = spr_corpus_next(cur, &d);
      if (k < 0) {
        rc = k;
        break;
      }
      if (k == 0) {
        eof = 1;
        break;
      }
      ch.id[ch.n] = strndup(d.id, d.id_len);
      ch.text[ch.n] = malloc(d.text_len + 1);
      if (!ch.id[ch.n] || !ch.text[ch.n]) {
        free(ch.id[ch.n]);
        free(ch.text[ch.n]);
        rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
        break;
      }
      memcpy(ch.text[ch.n], d.text, d.text_len);
      ch.text[ch.n][d.text_len] = '\0';
      ch.len[ch.n] = d.text_len;
      ch.n++;
    }
    if (rc != SPR_OK || ch.n == 0) break;
    rc = spr_splade_encode(m, sp, (const char *const *)ch.text, ch.len, ch.n, &vec);
    if (rc != SPR_OK) break;
    const uint32_t nv = spr_wordpiece_size(wp);
    for (size_t i = 0; i < ch.n; i++) {
      fputs("{\"id\": ", part.f);
      spr_cli_json_string(part.f, ch.id[i], strlen(ch.id[i]));
      fputs(", \"vector\": {", part.f);
      for (uint64_t e = vec.off[i]; e < vec.off[i + 1]; e++) {
        const uint32_t t = vec.term[e];
        if (t >= nv) continue; /* ids past vocab.txt (padded vocab_size) have no token string */
        if (e > vec.off[i]) fputs(", ", part.f);
        const char *tok = spr_wordpiece_token(wp, t);
        spr_cli_json_string(part.f, tok, strlen(tok));
        fprintf(part.f, ": %.9g", (double)vec.weight[e]);
      }
      fputs("}}\n", part.f);
    }
    docs += ch.n;
    tokens += vec.tokens;
    spr_progress_update(&prog, docs);
  }
  spr_progress_finish(&prog, docs);
  spr_encode_chunk_clear(&ch);
  free(ch.id);
  free(ch.text);
  free(ch.len);
  spr_splade_vectors_free(&vec);
  spr_corpus_cursor_free(&cur);
  spr_corpus_close(&corp);
  spr_bert_quant_free(&quant);
  spr_model_free(&m);
  uint64_t sums[2] = {docs, tokens};
  if (part.path) {
    rc = spr_cli_parts_join(world, output, &part, rc);
  } else {
    rc = spr_mpi_agree(world, rc);
  }
  if (rc == SPR_OK) rc = spr_mpi_sum_u64(world, sums, 2);
  *docs_out = sums[0];
  *tokens_out = sums[1];
  return rc;
}

int spr_cmd_encode(const spr_comm *world, int argc, char **argv) {
  spr_job *job = NULL;
  const int parsed = spr_options_parse(world, &spr_encode_cmd, argc, argv, &job);
  if (!job) return parsed;
  const char *model = job->encode.model, *weights = job->cli.weights, *input = job->corpus.path,
             *output = job->cli.output;
  const int progress = !job->cli.quiet;
  spr_corpus_format fmt = SPR_CORPUS_AUTO;
  const spr_splade_params sp = {.max_length = (uint32_t)job->encode.max_length,
                                .top_n = (uint32_t)job->index.prune_top_terms,
                                .min_weight = (float)job->index.prune_min_weight,
                                .batch_tokens = (uint32_t)job->cli.batch_tokens,
                                .query = job->cli.query};
  if (!strcmp(model, "bm25")) {
    spr_options_free(&job);
    return spr_cli_usage_error(world, "encode", "--model bm25 is not available in encode (use spire index)");
  }
  const double t0 = spr_now();
  uint64_t docs = 0, tokens = 0;
  int rc = spr_corpus_format_parse(job->cli.text_format, &fmt);
  if (rc == SPR_OK) rc = spr_encode_run(world, model, weights, job->encode.precision, input, fmt, output, &sp, progress, &docs, &tokens);
  const int status = spr_cli_finish(world, "encode", rc);
  const double dt = spr_now() - t0;
  if (status == SPR_EXIT_OK && world->rank == 0 && progress)
    fprintf(stderr, "[spire] encode: %s: %llu records, %llu tokens, %.2fs on %d rank(s) (%.1f docs/s, %.0f tokens/s)\n",
            output, (unsigned long long)docs, (unsigned long long)tokens, dt, world->size,
            dt > 0 ? (double)docs / dt : 0.0, dt > 0 ? (double)tokens / dt : 0.0);
  spr_options_free(&job);
  return status;
}
