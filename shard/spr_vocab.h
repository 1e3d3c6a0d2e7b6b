/* spr_vocab.h: a string -> dense id hash map with its own string arena (a rank's local vocabulary).
 * Local; not thread-safe (one per thread). */
#ifndef SPR_VOCAB_H
#define SPR_VOCAB_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"

typedef struct spr_vocab spr_vocab;

SPR_NODISCARD int spr_vocab_create(spr_vocab **out);
void spr_vocab_free(spr_vocab **v);
/* Id of s[0..len), inserting it with the next id (0, 1, 2, ...) if new. Returns id or SPR_ENOMEM. */
SPR_NODISCARD int64_t spr_vocab_intern(spr_vocab *v, const char *s, size_t len);
/* Id of s or -1 if absent. */
int64_t spr_vocab_find(const spr_vocab *v, const char *s, size_t len);
uint32_t spr_vocab_size(const spr_vocab *v);
/* NUL-terminated string of id (borrowed; valid until the next intern). */
const char *spr_vocab_string(const spr_vocab *v, uint32_t id);

/* A sorted, unique list of strings stored back to back, NUL-terminated (a global vocabulary). */
typedef struct spr_strlist {
  char *bytes;   /* owned */
  size_t len;
  uint64_t *off; /* owned: n + 1 offsets into bytes (off[n] = len) */
  uint32_t n;
} spr_strlist;
/* Build from concatenated NUL-terminated strings (any order, duplicates allowed): sort (strcmp
 * byte order) and unique. bytes is borrowed. */
SPR_NODISCARD int spr_strlist_from_concat(const char *bytes, size_t len, spr_strlist *out);
/* Index of s in a sorted list, or -1. */
int64_t spr_strlist_find(const spr_strlist *l, const char *s);
static inline const char *spr_strlist_get(const spr_strlist *l, uint32_t i) { return l->bytes + l->off[i]; }
void spr_strlist_free(spr_strlist *l);
#endif /* SPR_VOCAB_H */
