/* spr_jsonrec.h: a dedicated parser for one JSONL record of a corpus: {"id": ..., "vector": {...}}
 * (JSON vectors) or {"id": ..., "text"|"contents": ..., "title": ...} (text). It accepts exactly
 * what cJSON (the reference, kept for everything else) accepts and extracts the same values, in one
 * pass without building a tree (docs/input.md, "Parsing"):
 * - the first occurrence of each field counts, as cJSON_GetObjectItemCaseSensitive finds it; other
 *   keys' values are checked and skipped (nesting up to 1,000 levels, as cJSON);
 * - strings are decoded (escapes, \u with surrogate pairs to UTF-8) into a scratch buffer;
 * - numbers are cJSON's (1.7.15 as Debian 12 patches it): the longest run of [0-9+-eE.], of which
 *   strtod reads what it can, here
 *   locale-free: exact by a fast path where Clinger's condition holds (at most 19 digits, value
 *   below 2^53, decimal exponent within 22: one correctly rounded operation), strtod_l in the C
 *   locale otherwise. Integers below 2^53 are exact either way.
 * tests/unit/jsonrec_test.c and the jsonrec fuzz target compare it with cJSON record by record. */
#ifndef SPR_JSONREC_H
#define SPR_JSONREC_H
#include <stddef.h>
#include <stdint.h>

typedef enum spr_jkind {
  SPR_JV_NONE = 0, /* the key is absent */
  SPR_JV_STRING,
  SPR_JV_NUMBER,
  SPR_JV_NULL,
  SPR_JV_OBJECT,
  SPR_JV_OTHER /* true, false, an array, or an object where none is read */
} spr_jkind;

typedef struct spr_jval {
  spr_jkind kind;
  const char *s;       /* STRING: decoded, NUL-terminated (in the scratch) */
  double num;          /* NUMBER */
  size_t first, count; /* "vector" OBJECT: its entries [first, first + count) */
} spr_jval;

/* One member of the "vector" object, in input order. */
typedef struct spr_jentry {
  const char *key; /* decoded, NUL-terminated (in the scratch) */
  size_t key_len;  /* strlen(key) */
  double num;
  int is_num;      /* 0: the value is not a number */
} spr_jentry;

typedef struct spr_jsonrec {
  int is_object;   /* the line's value is an object */
  size_t end;      /* offset just after that value */
  spr_jval id, uid /* "_id" */, text, contents, title, vector;
} spr_jsonrec;

/* Parse the JSON value at the start of line[0..n) (leading whitespace and a UTF-8 byte order mark
 * skipped, as cJSON does; nothing after the value is looked at). scratch: at least n + 1 bytes;
 * entries: at least n / 4 + 1 (a vector member takes at least 4 bytes: "":0). Returns 0 and fills
 * *r, or -1 when the line is not JSON, with *err_at the offset where it stopped. */
int spr_jsonrec_parse(const char *line, size_t n, char *scratch, spr_jentry *entries, spr_jsonrec *r,
                      size_t *err_at);
#endif /* SPR_JSONREC_H */
