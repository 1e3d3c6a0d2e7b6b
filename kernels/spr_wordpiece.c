/* spr_wordpiece.c: BertTokenizer (uncased) -- see spr_wordpiece.h for the rules. Each step mirrors
 * one function of transformers' tokenization_bert.py, on code points. */
#include "spr_wordpiece.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---- vocabulary: tokens back to back + open-addressing hash ------------------------------ */

struct spr_wordpiece {
  char *buf;        /* owned: tokens, NUL-terminated, back to back */
  uint32_t *off;    /* owned: off[id] = start of token id in buf */
  uint32_t *len;    /* owned: byte length of token id */
  uint32_t n;       /* tokens */
  uint32_t *slots;  /* owned: hash table of ids+1 (0 = empty), nslots a power of two */
  uint32_t nslots;
  uint32_t max_len; /* longest token, bytes */
  int32_t special[5]; /* [PAD] [UNK] [CLS] [SEP] [MASK], -1 when absent */
};

static const char *const spr_wp_special_names[5] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
enum { SPR_WP_PAD, SPR_WP_UNK, SPR_WP_CLS, SPR_WP_SEP, SPR_WP_MASK };

static uint64_t spr_wp_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h ^ (h >> 29);
}

int64_t spr_wordpiece_lookup(const spr_wordpiece *wp, const char *tok, size_t len) {
  if (len > wp->max_len) return SPR_ENOTFOUND;
  const uint32_t mask = wp->nslots - 1;
  for (uint32_t i = (uint32_t)spr_wp_hash(tok, len) & mask;; i = (i + 1) & mask) {
    const uint32_t v = wp->slots[i];
    if (!v) return SPR_ENOTFOUND;
    const uint32_t id = v - 1;
    if (wp->len[id] == len && !memcmp(wp->buf + wp->off[id], tok, len)) return id;
  }
}

int spr_wordpiece_create(const char *vocab, size_t len, spr_wordpiece **out) {
  if (!vocab || !out) return SPR_FAIL(SPR_EINVAL, "wordpiece: NULL argument");
  *out = NULL;
  uint64_t lines = 0;
  for (size_t i = 0; i < len; i++) lines += vocab[i] == '\n';
  if (len && vocab[len - 1] != '\n') lines++;
  if (lines == 0) return SPR_FAIL(SPR_EPARSE, "vocabulary is empty");
  if (lines >= (1u << 30)) return SPR_FAIL(SPR_EPARSE, "vocabulary too large (%llu lines)", (unsigned long long)lines);
  spr_wordpiece *wp = calloc(1, sizeof *wp);
  if (!wp) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  uint32_t ns = 16;
  while (ns < 2 * lines) ns <<= 1;
  wp->buf = malloc(len + 1);
  wp->off = malloc(lines * sizeof *wp->off);
  wp->len = malloc(lines * sizeof *wp->len);
  wp->slots = calloc(ns, sizeof *wp->slots);
  wp->nslots = ns;
  if (!wp->buf || !wp->off || !wp->len || !wp->slots) {
    spr_wordpiece_free(&wp);
    return SPR_FAIL(SPR_ENOMEM, "out of memory");
  }
  size_t pos = 0, w = 0;
  while (pos < len) {
    const char *nl = memchr(vocab + pos, '\n', len - pos);
    size_t e = nl ? (size_t)(nl - vocab) : len;
    const size_t next = nl ? e + 1 : len;
    if (e > pos && vocab[e - 1] == '\r') e--;
    const uint32_t id = wp->n++;
    wp->off[id] = (uint32_t)w;
    wp->len[id] = (uint32_t)(e - pos);
    memcpy(wp->buf + w, vocab + pos, e - pos);
    w += e - pos;
    wp->buf[w++] = '\0';
    if (wp->len[id] > wp->max_len) wp->max_len = wp->len[id];
    pos = next;
  }
  for (uint32_t id = 0; id < wp->n; id++) {
    const char *t = wp->buf + wp->off[id];
    const uint32_t mask = ns - 1;
    uint32_t i = (uint32_t)spr_wp_hash(t, wp->len[id]) & mask;
    int dup = 0;
    for (; wp->slots[i]; i = (i + 1) & mask) {
      const uint32_t o = wp->slots[i] - 1;
      if (wp->len[o] == wp->len[id] && !memcmp(wp->buf + wp->off[o], t, wp->len[id])) {
        dup = 1;
        break;
      }
    }
    if (!dup) wp->slots[i] = id + 1;
  }
  for (int k = 0; k < 5; k++) {
    const int64_t id = spr_wordpiece_lookup(wp, spr_wp_special_names[k], strlen(spr_wp_special_names[k]));
    wp->special[k] = id < 0 ? -1 : (int32_t)id;
  }
  for (int k = SPR_WP_UNK; k <= SPR_WP_SEP; k++)
    if (wp->special[k] < 0) {
      const int rc = SPR_FAIL(SPR_EPARSE, "vocabulary has no %s token", spr_wp_special_names[k]);
      spr_wordpiece_free(&wp);
      return rc;
    }
  *out = wp;
  return SPR_OK;
}

void spr_wordpiece_free(spr_wordpiece **p) {
  if (!p || !*p) return;
  spr_wordpiece *wp = *p;
  free(wp->buf);
  free(wp->off);
  free(wp->len);
  free(wp->slots);
  free(wp);
  *p = NULL;
}

uint32_t spr_wordpiece_size(const spr_wordpiece *wp) { return wp->n; }
const char *spr_wordpiece_token(const spr_wordpiece *wp, uint32_t id) { return wp->buf + wp->off[id]; }
int32_t spr_wordpiece_cls(const spr_wordpiece *wp) { return wp->special[SPR_WP_CLS]; }
int32_t spr_wordpiece_sep(const spr_wordpiece *wp) { return wp->special[SPR_WP_SEP]; }
int32_t spr_wordpiece_unk(const spr_wordpiece *wp) { return wp->special[SPR_WP_UNK]; }
int spr_wordpiece_is_special(const spr_wordpiece *wp, int32_t id) {
  for (int k = 0; k < 5; k++)
    if (wp->special[k] >= 0 && wp->special[k] == id) return 1;
  return 0;
}

/* ---- scratch -------------------------------------------------------------------------- */

struct spr_wordpiece_scratch {
  int32_t *cps;  /* owned: cleaned code points of the current piece */
  size_t ncps, capcps;
  int32_t *word; /* owned: lowercased, NFD, Mn-stripped code points of the current word */
  size_t nword, capword;
  char *utf8;    /* owned: "##" + UTF-8 of a sub-word, for lookups */
  size_t caputf8;
  size_t *bpos;  /* owned: byte offset in utf8 of each code point of the sub-word (+ end) */
  size_t capbpos;
};

int spr_wordpiece_scratch_create(spr_wordpiece_scratch **out) {
  *out = calloc(1, sizeof **out);
  return *out ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "out of memory");
}

void spr_wordpiece_scratch_free(spr_wordpiece_scratch **p) {
  if (!p || !*p) return;
  free((*p)->cps);
  free((*p)->word);
  free((*p)->utf8);
  free((*p)->bpos);
  free(*p);
  *p = NULL;
}

static int spr_wp_grow(void **buf, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return SPR_OK;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *p = realloc(*buf, c * elem);
  if (!p) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  *buf = p;
  *cap = c;
  return SPR_OK;
}

/* ---- Unicode predicates (BasicTokenizer's, and Python's for str.lower/str.split) ---------- */

static int spr_wp_is_cjk(int32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) ||
         (c >= 0x2B820 && c <= 0x2CEAF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static int spr_wp_is_punct(int32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
    return 1;
  const utf8proc_category_t k = utf8proc_category(c);
  return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

/* After cleaning, Python's str.split() separators left are space, U+2028 (Zl) and U+2029 (Zp). */
static int spr_wp_is_split_space(int32_t c) { return c == ' ' || c == 0x2028 || c == 0x2029; }

/* Unicode Case_Ignorable: Mn Me Cf Lm Sk, or Word_Break MidLetter/MidNumLet/Single_Quote. */
static int spr_wp_case_ignorable(int32_t c) {
  switch (c) {
  case 0x27: case 0x2E: case 0x3A: case 0xB7: case 0x387: case 0x55F: case 0x5F4: case 0x2018:
  case 0x2019: case 0x2024: case 0x2027: case 0xFE13: case 0xFE52: case 0xFE55: case 0xFF07:
  case 0xFF0E: case 0xFF1A:
    return 1;
  default:
    break;
  }
  const utf8proc_category_t k = utf8proc_category(c);
  return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_ME || k == UTF8PROC_CATEGORY_CF ||
         k == UTF8PROC_CATEGORY_LM || k == UTF8PROC_CATEGORY_SK;
}

/* Unicode Cased: Lu Ll Lt, Other_Lowercase, Other_Uppercase (approximated by having a case
 * mapping, plus the modifier letters and ordinal indicators that have none). */
static int spr_wp_cased(int32_t c) {
  const utf8proc_category_t k = utf8proc_category(c);
  if (k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT) return 1;
  if (utf8proc_tolower(c) != c || utf8proc_toupper(c) != c) return 1;
  return c == 0xAA || c == 0xBA || (c >= 0x2B0 && c <= 0x2B8) || c == 0x2C0 || c == 0x2C1 ||
         (c >= 0x2E0 && c <= 0x2E4) || c == 0x345 || c == 0x37A || (c >= 0x1D2C && c <= 0x1D6A) ||
         c == 0x1D78 || (c >= 0x1D9B && c <= 0x1DBF) || c == 0x2071 || c == 0x207F ||
         (c >= 0x2090 && c <= 0x209C) || (c >= 0x2160 && c <= 0x217F) || (c >= 0x24B6 && c <= 0x24E9) ||
         (c >= 0xA69C && c <= 0xA69D) || c == 0xA770 || (c >= 0xA7F8 && c <= 0xA7F9) ||
         (c >= 0xAB5C && c <= 0xAB5F);
}

/* CPython's handle_capital_sigma: U+03A3 at index i of w[0..n) lowercases to final sigma when
 * preceded by a cased char (skipping case-ignorable ones) and not followed by one. */
static int32_t spr_wp_sigma(const int32_t *w, size_t n, size_t i) {
  size_t j = i;
  int32_t c = 0;
  int found = 0;
  while (j > 0) {
    c = w[--j];
    if (!spr_wp_case_ignorable(c)) {
      found = 1;
      break;
    }
  }
  if (!found || !spr_wp_cased(c)) return 0x3C3;
  for (j = i + 1; j < n; j++) {
    c = w[j];
    if (!spr_wp_case_ignorable(c)) return spr_wp_cased(c) ? 0x3C3 : 0x3C2;
  }
  return 0x3C2;
}

/* ---- the pipeline ------------------------------------------------------------------------ */

typedef struct spr_wp_out {
  int32_t *ids;
  uint32_t cap;   /* content ids wanted (max_length - 2) */
  uint32_t n;     /* content ids stored */
  uint64_t total; /* content ids produced */
  int count_all;  /* keep going after the ids are full */
} spr_wp_out;

static int spr_wp_full(const spr_wp_out *o) { return !o->count_all && o->n >= o->cap; }

static void spr_wp_emit(spr_wp_out *o, int32_t id) {
  if (o->n < o->cap) o->ids[o->n++] = id;
  o->total++;
}

/* Step 7 on a punctuation-free sub-word w[0..n). */
static int spr_wp_wordpiece(const spr_wordpiece *wp, spr_wordpiece_scratch *s, const int32_t *w,
                            size_t n, spr_wp_out *o) {
  if (n == 0) return SPR_OK;
  if (n > SPR_WORDPIECE_MAX_WORD) {
    spr_wp_emit(o, wp->special[SPR_WP_UNK]);
    return SPR_OK;
  }
  SPR_TRY(spr_wp_grow((void **)&s->utf8, &s->caputf8, 2 + 4 * n + 1, 1));
  SPR_TRY(spr_wp_grow((void **)&s->bpos, &s->capbpos, n + 1, sizeof(size_t)));
  /* utf8 = "##" + UTF-8 of w; bpos[i] = byte offset of code point i. A continuation piece starting
   * at code point i > 0 is looked up as the bytes from bpos[i]-2: the two bytes before it are
   * overwritten with "##" (they belong to pieces already matched, never looked at again). */
  char *u = s->utf8;
  u[0] = '#';
  u[1] = '#';
  size_t b = 2;
  for (size_t i = 0; i < n; i++) {
    s->bpos[i] = b;
    b += (size_t)utf8proc_encode_char(w[i], (utf8proc_uint8_t *)u + b);
  }
  s->bpos[n] = b;
  /* Pieces go to ids only when the whole word matched; remember where this word started. */
  const uint32_t n0 = o->n;
  const uint64_t t0 = o->total;
  size_t start = 0;
  while (start < n) {
    size_t end = n;
    int64_t id = SPR_ENOTFOUND;
    const size_t from = start > 0 ? s->bpos[start] - 2 : s->bpos[start];
    if (start > 0) {
      u[from] = '#';
      u[from + 1] = '#';
    }
    while (end > start && s->bpos[end] - from > wp->max_len) end--;
    while (end > start) {
      id = spr_wordpiece_lookup(wp, u + from, s->bpos[end] - from);
      if (id >= 0) break;
      end--;
    }
    if (id < 0) {
      o->n = n0;
      o->total = t0;
      spr_wp_emit(o, wp->special[SPR_WP_UNK]);
      return SPR_OK;
    }
    spr_wp_emit(o, (int32_t)id);
    start = end;
  }
  return SPR_OK;
}

/* Steps 4 (never_split) to 7 on one whitespace-delimited word w[0..n). */
static int spr_wp_word(const spr_wordpiece *wp, spr_wordpiece_scratch *s, const int32_t *w, size_t n,
                       spr_wp_out *o) {
  /* never_split: a whole word equal to a special token. */
  if (n <= 6 && n >= 5 && w[0] == '[') {
    char tmp[8];
    size_t k = 0;
    for (; k < n && w[k] < 128; k++) tmp[k] = (char)w[k];
    if (k == n)
      for (int q = 0; q < 5; q++)
        if (wp->special[q] >= 0 && strlen(spr_wp_special_names[q]) == n &&
            !memcmp(tmp, spr_wp_special_names[q], n)) {
          spr_wp_emit(o, wp->special[q]);
          return SPR_OK;
        }
  }
  /* Step 5: lowercase (full, final sigma), NFD, drop Mn. */
  s->nword = 0;
  for (size_t i = 0; i < n; i++) {
    int32_t lower[2];
    int nl = 1;
    if (w[i] == 0x130) {
      lower[0] = 'i';
      lower[1] = 0x307;
      nl = 2;
    } else if (w[i] == 0x3A3) {
      lower[0] = spr_wp_sigma(w, n, i);
    } else {
      lower[0] = utf8proc_tolower(w[i]);
    }
    for (int q = 0; q < nl; q++) {
      utf8proc_int32_t dec[32];
      int last = 0;
      utf8proc_ssize_t nd = utf8proc_decompose_char(lower[q], dec, 32, UTF8PROC_DECOMPOSE, &last);
      if (nd < 0 || nd > 32) {
        dec[0] = lower[q];
        nd = 1;
      }
      SPR_TRY(spr_wp_grow((void **)&s->word, &s->capword, s->nword + (size_t)nd, sizeof(int32_t)));
      for (utf8proc_ssize_t d = 0; d < nd; d++)
        if (utf8proc_category(dec[d]) != UTF8PROC_CATEGORY_MN) s->word[s->nword++] = dec[d];
    }
  }
  /* Step 6: punctuation split, then step 7 on each piece. */
  size_t a = 0;
  for (size_t i = 0; i <= s->nword && !spr_wp_full(o); i++) {
    if (i == s->nword || spr_wp_is_punct(s->word[i])) {
      SPR_TRY(spr_wp_wordpiece(wp, s, s->word + a, i - a, o));
      if (i < s->nword && !spr_wp_full(o)) SPR_TRY(spr_wp_wordpiece(wp, s, s->word + i, 1, o));
      a = i + 1;
    }
  }
  return SPR_OK;
}

/* Steps 2-7 on text[0..len) (a piece between special tokens). */
static int spr_wp_piece(const spr_wordpiece *wp, spr_wordpiece_scratch *s, const char *text, size_t len,
                        spr_wp_out *o) {
  /* Steps 2-3: decode, clean, space the CJK ideographs. At most 3 code points per byte. */
  SPR_TRY(spr_wp_grow((void **)&s->cps, &s->capcps, 3 * len + 1, sizeof(int32_t)));
  size_t n = 0, pos = 0;
  while (pos < len) {
    utf8proc_int32_t c;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)text + pos, (utf8proc_ssize_t)(len - pos), &c);
    if (k <= 0) {
      c = 0xFFFD;
      k = 1;
    }
    pos += (size_t)k;
    if (c == 0 || c == 0xFFFD) continue;
    if (c == '\t' || c == '\n' || c == '\r') {
      s->cps[n++] = ' ';
      continue;
    }
    const utf8proc_category_t cat = utf8proc_category(c);
    if (cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CS ||
        cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CN)
      continue;
    if (cat == UTF8PROC_CATEGORY_ZS) {
      s->cps[n++] = ' ';
    } else if (spr_wp_is_cjk(c)) {
      s->cps[n++] = ' ';
      s->cps[n++] = c;
      s->cps[n++] = ' ';
    } else {
      s->cps[n++] = c;
    }
  }
  s->ncps = n;
  /* Step 4: words. */
  size_t i = 0;
  while (i < n && !spr_wp_full(o)) {
    while (i < n && spr_wp_is_split_space(s->cps[i])) i++;
    size_t j = i;
    while (j < n && !spr_wp_is_split_space(s->cps[j])) j++;
    if (j > i) SPR_TRY(spr_wp_word(wp, s, s->cps + i, j - i, o));
    i = j;
  }
  return SPR_OK;
}

int64_t spr_wordpiece_encode(const spr_wordpiece *wp, spr_wordpiece_scratch *s, const char *text,
                             size_t len, uint32_t max_length, int32_t *ids, uint64_t *n_untruncated) {
  if (!wp || !s || (!text && len) || !ids) return SPR_FAIL(SPR_EINVAL, "wordpiece: NULL argument");
  if (max_length < 2) return SPR_FAIL(SPR_EINVAL, "wordpiece: max_length %u < 2", max_length);
  spr_wp_out o = {.ids = ids + 1, .cap = max_length - 2, .count_all = n_untruncated != NULL};
  /* Step 1: cut out the special tokens written literally. */
  size_t a = 0, i = 0;
  while (i < len && !spr_wp_full(&o)) {
    int hit = -1;
    size_t hl = 0;
    if (text[i] == '[')
      for (int q = 0; q < 5; q++) {
        const size_t l = strlen(spr_wp_special_names[q]);
        if (wp->special[q] >= 0 && len - i >= l && !memcmp(text + i, spr_wp_special_names[q], l)) {
          hit = q;
          hl = l;
          break;
        }
      }
    if (hit < 0) {
      i++;
      continue;
    }
    SPR_TRY(spr_wp_piece(wp, s, text + a, i - a, &o));
    if (!spr_wp_full(&o)) spr_wp_emit(&o, wp->special[hit]);
    i += hl;
    a = i;
  }
  if (!spr_wp_full(&o)) SPR_TRY(spr_wp_piece(wp, s, text + a, len - a, &o));
  ids[0] = wp->special[SPR_WP_CLS];
  ids[o.n + 1] = wp->special[SPR_WP_SEP];
  if (n_untruncated) *n_untruncated = o.total + 2;
  return (int64_t)o.n + 2;
}
