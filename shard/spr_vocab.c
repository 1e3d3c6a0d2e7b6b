/* spr_vocab.c: open addressing with linear probing; the arena keeps strings NUL-terminated so ids
 * can be handed out as C strings. A slot holds id + 1 and the upper half of the string's hash, so a
 * probe compares strings only when their hashes agree (a lookup of a term that is there touches
 * its string once; one that is not, almost never). */
#include "spr_vocab.h"

#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* short keys: the call costs as much as the hash */
#include <xxhash.h>

struct spr_vocab {
  char *arena;     /* owned */
  size_t alen, acap;
  uint64_t *off;   /* owned: offset of each id in arena */
  uint32_t n, ncap;
  uint64_t *slots; /* owned: hash >> 32 << 32 | (id + 1); 0 = empty */
  uint32_t mask;
};

int spr_vocab_create(spr_vocab **out) {
  *out = NULL;
  spr_vocab *v = calloc(1, sizeof *v);
  if (!v) return SPR_FAIL(SPR_ENOMEM, "vocabulary: out of memory");
  v->mask = 1023;
  v->slots = calloc(v->mask + 1, sizeof *v->slots);
  if (!v->slots) {
    free(v);
    return SPR_FAIL(SPR_ENOMEM, "vocabulary: out of memory");
  }
  *out = v;
  return SPR_OK;
}

void spr_vocab_free(spr_vocab **pv) {
  if (!pv || !*pv) return;
  free((*pv)->arena);
  free((*pv)->off);
  free((*pv)->slots);
  free(*pv);
  *pv = NULL;
}

#define SPR_TAG(h) ((h) >> 32 << 32)

static uint32_t spr_slot_of(const spr_vocab *v, const char *s, size_t len, uint64_t h, int *found) {
  uint32_t i = (uint32_t)h & v->mask;
  for (;;) {
    const uint64_t e = v->slots[i];
    if (!e) {
      *found = 0;
      return i;
    }
    if (SPR_TAG(e) == SPR_TAG(h)) {
      const char *t = v->arena + v->off[(uint32_t)e - 1];
      if (!memcmp(t, s, len) && t[len] == '\0') {
        *found = 1;
        return i;
      }
    }
    i = (i + 1) & v->mask;
  }
}

static int spr_vocab_grow(spr_vocab *v) {
  const uint32_t nmask = v->mask * 2 + 1;
  uint64_t *ns = calloc((size_t)nmask + 1, sizeof *ns);
  if (!ns) return SPR_FAIL(SPR_ENOMEM, "vocabulary: out of memory");
  for (uint32_t i = 0; i <= v->mask; i++) {
    const uint64_t e = v->slots[i];
    if (!e) continue;
    const char *t = v->arena + v->off[(uint32_t)e - 1];
    uint32_t j = (uint32_t)XXH3_64bits(t, strlen(t)) & nmask;
    while (ns[j]) j = (j + 1) & nmask;
    ns[j] = e;
  }
  free(v->slots);
  v->slots = ns;
  v->mask = nmask;
  return SPR_OK;
}

int64_t spr_vocab_intern(spr_vocab *v, const char *s, size_t len) {
  int found = 0;
  const uint64_t h = XXH3_64bits(s, len);
  uint32_t i = spr_slot_of(v, s, len, h, &found);
  if (found) return (int64_t)((uint32_t)v->slots[i] - 1);
  if ((uint64_t)(v->n + 1) * 2 > (uint64_t)v->mask + 1) {
    SPR_TRY(spr_vocab_grow(v));
    i = spr_slot_of(v, s, len, h, &found);
  }
  if (v->n == v->ncap) {
    const uint32_t nc = v->ncap ? v->ncap * 2 : 1024;
    uint64_t *no = realloc(v->off, (size_t)nc * sizeof *no);
    if (!no) return SPR_FAIL(SPR_ENOMEM, "vocabulary: out of memory");
    v->off = no;
    v->ncap = nc;
  }
  if (v->alen + len + 1 > v->acap) {
    size_t nc = v->acap ? v->acap * 2 : 65536;
    while (nc < v->alen + len + 1) nc *= 2;
    char *na = realloc(v->arena, nc);
    if (!na) return SPR_FAIL(SPR_ENOMEM, "vocabulary: out of memory");
    v->arena = na;
    v->acap = nc;
  }
  memcpy(v->arena + v->alen, s, len);
  v->arena[v->alen + len] = '\0';
  v->off[v->n] = v->alen;
  v->alen += len + 1;
  v->slots[i] = SPR_TAG(h) | (v->n + 1);
  return (int64_t)v->n++;
}

int64_t spr_vocab_find(const spr_vocab *v, const char *s, size_t len) {
  int found = 0;
  const uint32_t i = spr_slot_of(v, s, len, XXH3_64bits(s, len), &found);
  return found ? (int64_t)((uint32_t)v->slots[i] - 1) : -1;
}

uint32_t spr_vocab_size(const spr_vocab *v) { return v->n; }
const char *spr_vocab_string(const spr_vocab *v, uint32_t id) { return v->arena + v->off[id]; }

static int spr_cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int spr_strlist_from_concat(const char *bytes, size_t len, spr_strlist *out) {
  memset(out, 0, sizeof *out);
  size_t n = 0;
  for (size_t i = 0; i < len; i++) n += bytes[i] == '\0';
  const char **p = malloc((n ? n : 1) * sizeof *p);
  int rc = SPR_OK;
  if (!p) return SPR_FAIL(SPR_ENOMEM, "vocabulary: out of memory");
  size_t k = 0;
  for (size_t i = 0; i < len;) {
    p[k++] = bytes + i;
    i += strlen(bytes + i) + 1;
  }
  qsort(p, n, sizeof *p, spr_cmp_str);
  size_t u = 0, ulen = 0;
  for (size_t i = 0; i < n; i++)
    if (i == 0 || strcmp(p[i], p[i - 1])) {
      p[u++] = p[i];
      ulen += strlen(p[i]) + 1;
    }
  if (u > UINT32_MAX) {
    rc = SPR_FAIL(SPR_EUNSUPPORTED, "vocabulary of %zu terms exceeds 2^32", u);
    goto cleanup;
  }
  out->bytes = malloc(ulen ? ulen : 1);
  out->off = malloc((u + 1) * sizeof *out->off);
  if (!out->bytes || !out->off) {
    rc = SPR_FAIL(SPR_ENOMEM, "vocabulary: out of memory");
    goto cleanup;
  }
  size_t o = 0;
  for (size_t i = 0; i < u; i++) {
    const size_t l = strlen(p[i]) + 1;
    out->off[i] = o;
    memcpy(out->bytes + o, p[i], l);
    o += l;
  }
  out->off[u] = o;
  out->len = o;
  out->n = (uint32_t)u;
cleanup:
  free(p);
  if (rc < 0) spr_strlist_free(out);
  return rc;
}

int64_t spr_strlist_find(const spr_strlist *l, const char *s) {
  uint32_t lo = 0, hi = l->n;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const int c = strcmp(spr_strlist_get(l, mid), s);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

void spr_strlist_free(spr_strlist *l) {
  if (!l) return;
  free(l->bytes);
  free(l->off);
  memset(l, 0, sizeof *l);
}
