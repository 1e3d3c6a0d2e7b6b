/* cmd_tokenize.c: spire tokenize -- WordPiece token ids of texts, as Hugging Face's BertTokenizer
 * (uncased) gives them (collective). Each rank tokenizes its byte range; rank 0 joins the parts in
 * order (see spr_cli_parts_join), so the output is the same for any rank count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_cli.h"
#include "spr_corpus.h"
#include "spr_file.h"
#include "spr_options.h"
#include "spr_wordpiece.h"

static const spr_options_cmd spr_tokenize_cmd = {
    "tokenize", SPR_CMD_TOKENIZE,
    "usage: [mpirun -np N] spire tokenize --vocab VOCAB.txt --input TEXTS.jsonl --output TOKENS.jsonl\n"
    "                      [--max-length N] [--format F]\n\n"
    "WordPiece token ids, identical to Hugging Face's BertTokenizer(do_lower_case=True) (see\n"
    "docs/encode.md): one line {\"id\": \"...\", \"input_ids\": [101, ..., 102]} per input record.\n\n", NULL, 0, NULL, NULL};


static int spr_tokenize_run(const spr_comm *world, const char *vocab, const char *input, spr_corpus_format fmt,
                            const char *output, uint32_t maxlen) {
  spr_wordpiece *wp = NULL;
  spr_wordpiece_scratch *ws = NULL;
  spr_corpus *corp = NULL;
  spr_corpus_cursor *cur = NULL;
  spr_cli_part part = {0};
  char *vtext = NULL;
  size_t vlen = 0;
  int32_t *ids = malloc(maxlen * sizeof *ids);
  int rc = ids ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "out of memory");
  if (rc == SPR_OK) rc = spr_file_read(vocab, NULL, &vtext, &vlen);
  if (rc == SPR_OK) {
    rc = spr_wordpiece_create(vtext, vlen, &wp);
    if (rc) rc = SPR_FAIL(rc, "%s: %s", vocab, spr_last_message());
  }
  if (rc == SPR_OK) rc = spr_wordpiece_scratch_create(&ws);
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
  while (rc == SPR_OK) {
    spr_doc d;
    const int k = spr_corpus_next(cur, &d);
    if (k <= 0) {
      rc = k;
      break;
    }
    const int64_t n = spr_wordpiece_encode(wp, ws, d.text, d.text_len, maxlen, ids, NULL);
    if (n < 0) {
      rc = (int)n;
      break;
    }
    fputs("{\"id\": ", part.f);
    spr_cli_json_string(part.f, d.id, d.id_len);
    fputs(", \"input_ids\": [", part.f);
    for (int64_t i = 0; i < n; i++) fprintf(part.f, i ? ", %d" : "%d", ids[i]);
    fputs("]}\n", part.f);
  }
  spr_corpus_cursor_free(&cur);
  spr_corpus_close(&corp);
  spr_wordpiece_scratch_free(&ws);
  spr_wordpiece_free(&wp);
  free(vtext);
  free(ids);
  if (part.path) return spr_cli_parts_join(world, output, &part, rc);
  return spr_mpi_agree(world, rc);
}

int spr_cmd_tokenize(const spr_comm *world, int argc, char **argv) {
  spr_job *job = NULL;
  const int parsed = spr_options_parse(world, &spr_tokenize_cmd, argc, argv, &job);
  if (!job) return parsed;
  spr_corpus_format fmt = SPR_CORPUS_AUTO;
  int rc = spr_corpus_format_parse(job->cli.text_format, &fmt);
  if (rc == SPR_OK)
    rc = spr_tokenize_run(world, job->cli.vocab, job->corpus.path, fmt, job->cli.output,
                          (uint32_t)job->encode.max_length);
  spr_options_free(&job);
  return spr_cli_finish(world, "tokenize", rc);
}
