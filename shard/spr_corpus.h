/* spr_corpus.h: corpus and query readers. A corpus file (JSONL text, JSON vectors or TSV) is
 * memory-mapped; each rank
 * reads the records whose first byte lies in its byte range, so no rank reads the whole file.
 * Local (no MPI): the caller computes global line numbers and docids with prefix sums. */
#ifndef SPR_CORPUS_H
#define SPR_CORPUS_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"

typedef enum spr_corpus_format {
  SPR_CORPUS_AUTO = 0,
  SPR_CORPUS_JSONL,  /* {"id" | "_id", "text" | "contents", "title"?}; an id is a string or an integer */
  SPR_CORPUS_TSV,    /* id<TAB>text */
  SPR_CORPUS_VECTORS, /* Anserini JsonVectorCollection: {"id" | "_id", "vector": {"token": weight, ...}} */
  SPR_CORPUS_CIFF     /* Common Index File Format (an inverted index; read by the index build, not by
                         spr_corpus_open) */
} spr_corpus_format;

typedef struct spr_corpus spr_corpus;

/* Parse "auto" | "jsonl" (or "json") | "tsv" | "vectors" | "ciff". SPR_EINVAL otherwise. */
SPR_NODISCARD int spr_corpus_format_parse(const char *s, spr_corpus_format *out);
/* 1 when the input is CIFF: format ciff, or auto and the path ends in ".ciff". */
int spr_corpus_is_ciff(const char *path, spr_corpus_format fmt);
/* Local. Open (mmap) path. AUTO: .tsv is TSV; otherwise a file whose first non-blank byte (after a
 * UTF-8 byte order mark) is '{' is JSONL, and vectors when its first record has a "vector" object;
 * anything else is TSV. CIFF is refused (SPR_EUNSUPPORTED): callers ask spr_corpus_is_ciff first.
 * Missing or unreadable file: SPR_EIO naming the path. */
SPR_NODISCARD int spr_corpus_open(const char *path, spr_corpus_format fmt, spr_corpus **out);
void spr_corpus_close(spr_corpus **c);
uint64_t spr_corpus_size(const spr_corpus *c);
spr_corpus_format spr_corpus_get_format(const spr_corpus *c);
const char *spr_corpus_path(const spr_corpus *c);

/* Byte range of part `part` of `parts`: [begin,end) covers exactly the lines whose first byte lies in
 * [part*size/parts, (part+1)*size/parts). Ranges of all parts tile the file. Never fails. */
void spr_corpus_split(const spr_corpus *c, int part, int parts, uint64_t *begin, uint64_t *end);
/* The same within [lo,hi) (lo a line start): part `part` of `parts` of the lines starting in it. */
void spr_corpus_split_range(const spr_corpus *c, uint64_t lo, uint64_t hi, int part, int parts, uint64_t *begin,
                            uint64_t *end);
/* First line start at or after byte o (o itself when it starts a line; the file size past the end). */
uint64_t spr_corpus_line_start(const spr_corpus *c, uint64_t o);
/* Number of lines starting in [begin,end) (a final line without '\n' counts). The mapped pages it
 * went through are given back (a rank counts its whole range before reading it). */
uint64_t spr_corpus_count_lines(const spr_corpus *c, uint64_t begin, uint64_t end);

/* One (term, weight) of a pre-encoded vector. */
typedef struct spr_vec_entry {
  const char *term; /* borrowed, NUL-terminated */
  size_t len;       /* strlen(term) */
  double weight;    /* > 0 (zero weights are dropped by the reader; negative ones are errors) */
} spr_vec_entry;

/* One record. Pointers are borrowed from the reader and valid until the next spr_corpus_next. */
typedef struct spr_doc {
  const char *id;   /* NUL-terminated external id */
  size_t id_len;
  const char *text; /* title + "\n" + text (title omitted when absent or empty) */
  size_t text_len;
  uint64_t line;    /* 1-based line number in the file (from first_line passed to the cursor) */
  const spr_vec_entry *vec; /* vectors format only (text is then ""), vec_n entries */
  size_t vec_n;
} spr_doc;

/* Input policy (docs/input.md). Every record is checked before it is parsed: no longer than
 * max_record_bytes, no NUL byte (raw, or escaped as \u0000 in JSON), valid UTF-8; then parsed.
 * With fail (default) the first bad record is an error "FILE:LINE: reason"; with skip it is counted
 * by reason and reading goes on. */
typedef enum spr_skip_reason {
  SPR_SKIP_MALFORMED = 0, /* not parseable, or a required field missing or of the wrong type */
  SPR_SKIP_UTF8,          /* invalid UTF-8 */
  SPR_SKIP_NUL,           /* a NUL byte */
  SPR_SKIP_TOO_LONG,      /* over max_record_bytes */
  SPR_SKIP_DUPLICATE,     /* a document id seen before (detected by the index build) */
  SPR_SKIP_NREASONS
} spr_skip_reason;
const char *spr_skip_reason_name(int reason);

typedef struct spr_corpus_policy {
  int skip;                  /* 0: fail at the first bad record; 1: skip and count */
  uint64_t max_record_bytes; /* 0 = no limit */
} spr_corpus_policy;
#define SPR_CORPUS_MAX_RECORD_DEFAULT (64ull << 20) /* 64 MiB per line */

typedef struct spr_corpus_cursor spr_corpus_cursor;
/* Iterate the records of [begin,end); first_line = global 1-based number of the line at begin. */
SPR_NODISCARD int spr_corpus_cursor_create(const spr_corpus *c, uint64_t begin, uint64_t end,
                                           uint64_t first_line, spr_corpus_cursor **out);
/* Point the cursor at [begin,end), whose first line is first_line; the pages of what it read before
 * are given back. Its policy, skip counts and scratch buffers stay. Never fails. */
void spr_corpus_cursor_seek(spr_corpus_cursor *cur, uint64_t begin, uint64_t end, uint64_t first_line);
/* Give back the mapped pages of what the cursor has read so far (whole pages only). */
void spr_corpus_cursor_release(spr_corpus_cursor *cur);
/* The number the cursor's next line gets: after the last record of [begin, end), first_line plus
 * the lines of the range (blank ones included). */
uint64_t spr_corpus_cursor_line(const spr_corpus_cursor *cur);
/* Set the cursor's input policy (default: fail, SPR_CORPUS_MAX_RECORD_DEFAULT). */
void spr_corpus_cursor_set_policy(spr_corpus_cursor *cur, const spr_corpus_policy *p);
/* Records skipped so far, by spr_skip_reason (SPR_SKIP_NREASONS entries; borrowed). */
const uint64_t *spr_corpus_cursor_skipped(const spr_corpus_cursor *cur);
/* 1 and *doc filled, 0 at the end, or SPR_EPARSE with "FILE:LINE: what" in spr_last_error().
 * Blank lines are skipped, and a UTF-8 byte order mark at the start of the file. */
SPR_NODISCARD int spr_corpus_next(spr_corpus_cursor *cur, spr_doc *doc);
void spr_corpus_cursor_free(spr_corpus_cursor **cur);
/* JSONL and JSON-vector records are parsed by a dedicated parser (shard/spr_jsonrec.h); on = 1
 * makes this cursor use cJSON instead, the reference the tests compare it with (the same records
 * and messages; only the column of a "malformed JSON" message may differ). */
void spr_corpus_cursor_use_reference(spr_corpus_cursor *cur, int on);

/* Queries, read whole (query files are small), in the formats of spr_queries_load_as: TSV
 * `qid<TAB>text`, JSONL vectors `{"id": qid, "vector": {"token": weight}}`, and the token formats
 * (Anserini's `qid<TAB>tok tok`, PISA's `qid:tok tok`), which arrive as vectors. */
typedef struct spr_queries {
  size_t n;
  char **qid;        /* owned, n entries */
  char **text;       /* owned, n entries ("" for vector queries) */
  int vectors;       /* 1 when the queries are vectors */
  uint64_t *vec_off; /* owned (vectors only): query i's entries are [vec_off[i], vec_off[i+1]) */
  char **vec_term;   /* owned (vectors only) */
  double *vec_weight;/* owned (vectors only) */
} spr_queries;
/* Local. spr_queries_load_as(path, "auto", out): JSON vectors, PISA or TSV by the first record.
 * Errors: SPR_EIO (missing file), SPR_EPARSE "FILE:LINE: expected qid<TAB>text" (or the JSON
 * problem). Blank lines are skipped; a file with no query is an error. */
SPR_NODISCARD int spr_queries_load(const char *path, spr_queries *out);
/* Local. Queries in a given format (docs/queries.md): NULL or "auto" (JSON vectors when the first
 * record is JSON; PISA when the first line has no TAB but a ':'; else TSV), "tsv" (qid<TAB>text),
 * "vectors" (JSON vectors), "tokens" (qid<TAB>tok tok ...: pre-tokenized, a token repeated n times
 * weighs n, as in Anserini's impact queries) or "pisa" (qid:tok tok ..., PISA's and BMP's query
 * files, weighted by repetition likewise). Token formats arrive as vectors (out->vectors = 1). */
SPR_NODISCARD int spr_queries_load_as(const char *path, const char *format, spr_queries *out);
/* Local. Turn loaded TSV text queries into token queries (whitespace-separated tokens, a repeated
 * token's weight its count); path names the file in messages. No-op for vector queries. */
SPR_NODISCARD int spr_queries_tokenize(const char *path, spr_queries *q);
void spr_queries_free(spr_queries *q);
#endif /* SPR_CORPUS_H */
