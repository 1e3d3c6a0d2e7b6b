/* spr_jsonrec.c: the dedicated JSONL record parser (spr_jsonrec.h). */
#define _GNU_SOURCE /* strtod_l, newlocale */
#include "spr_jsonrec.h"

#include <locale.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SPR_J_NESTING 1000 /* cJSON's CJSON_NESTING_LIMIT */

typedef struct spr_jp {
  const char *b, *p, *e; /* line start, position, end */
  char *out;             /* scratch: next free byte */
  spr_jentry *ent;
  size_t n_ent;
  int depth;
  int esc; /* the last string had an escape (its decoded bytes may hold a NUL: a bad \\u is U+0000) */
} spr_jp;

static void spr_j_ws(spr_jp *j) { /* cJSON skips every byte <= 32 */
  while (j->p < j->e && (unsigned char)*j->p <= 32) j->p++;
}

/* Four hex digits, as cJSON's parse_hex4 reads them: any other byte makes the whole value 0 (so
 * "\uZZZZ" is U+0000, which ends the string for every C reader; a low surrogate so read fails). */
static unsigned spr_j_hex4(const char *s) {
  unsigned x = 0;
  for (int i = 0; i < 4; i++) {
    const char c = s[i];
    x <<= 4;
    if (c >= '0' && c <= '9') x |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') x |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') x |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  return x;
}

/* A string at j->p (its opening quote): decoded into the scratch when keep (its start in *s),
 * else only checked. cJSON finds the closing quote first (a backslash skips the byte after it),
 * then decodes; an escape other than b f n r t " \ / u, or a bad \u sequence, fails. */
/* The first '"' or '\\' in [q, e), or e: eight bytes at a time (the lowest byte the zero-byte test
 * flags is always a real match; false flags only come above one). */
static const char *spr_j_quote_or_bs(const char *q, const char *e) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  for (; e - q >= 8; q += 8) {
    uint64_t w;
    memcpy(&w, q, 8);
    const uint64_t a = w ^ 0x2222222222222222ull, b = w ^ 0x5C5C5C5C5C5C5C5Cull;
    const uint64_t m = (((a - ones) & ~a) | ((b - ones) & ~b)) & highs;
    if (m) return q + (__builtin_ctzll(m) >> 3);
  }
#endif
  while (q < e && *q != '"' && *q != '\\') q++;
  return q;
}

static int spr_j_string(spr_jp *j, int keep, const char **s) {
  const char *q = j->p + 1;
  int esc = 0;
  for (;;) {
    q = q < j->e ? spr_j_quote_or_bs(q, j->e) : q;
    if (q >= j->e) return -1;
    if (*q == '"') break;
    esc = 1; /* a backslash skips the byte after it */
    q += 2;
  }
  const char *in = j->p + 1;
  char *o = j->out;
  if (s) *s = o;
  j->esc = esc;
  if (!esc) { /* the common case: the bytes as they are */
    if (keep) memcpy(o, in, (size_t)(q - in));
    o += q - in;
    in = q;
  }
  while (in < q) {
    if (*in != '\\') {
      const char *bs = memchr(in, '\\', (size_t)(q - in));
      const char *stop = bs ? bs : q;
      if (keep) memcpy(o, in, (size_t)(stop - in));
      o += stop - in;
      in = stop;
      continue;
    }
    char c = in[1]; /* may be the closing quote itself, which cJSON then reads as an escaped one */
    switch (c) {
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case '"': case '\\': case '/': break;
      case 'u': {
        if (q - in < 6) {
          j->p = in;
          return -1;
        }
        unsigned cp = spr_j_hex4(in + 2), lo = 0;
        size_t len = 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return -1; /* a low surrogate first */
        if (cp >= 0xD800 && cp <= 0xDBFF) {           /* a high one: its low one must follow */
          if (q - in < 12 || in[6] != '\\' || in[7] != 'u') return -1;
          lo = spr_j_hex4(in + 8);
          if (lo < 0xDC00 || lo > 0xDFFF) return -1;
          cp = 0x10000 + (((cp & 0x3FF) << 10) | (lo & 0x3FF));
          len = 12;
        }
        unsigned char u[4];
        int nu;
        if (cp < 0x80) {
          u[0] = (unsigned char)cp;
          nu = 1;
        } else if (cp < 0x800) {
          u[0] = (unsigned char)(0xC0 | (cp >> 6));
          u[1] = (unsigned char)(0x80 | (cp & 0x3F));
          nu = 2;
        } else if (cp < 0x10000) {
          u[0] = (unsigned char)(0xE0 | (cp >> 12));
          u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
          u[2] = (unsigned char)(0x80 | (cp & 0x3F));
          nu = 3;
        } else {
          u[0] = (unsigned char)(0xF0 | (cp >> 18));
          u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
          u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
          u[3] = (unsigned char)(0x80 | (cp & 0x3F));
          nu = 4;
        }
        if (keep) memcpy(o, u, (size_t)nu);
        o += nu;
        in += len;
        continue;
      }
      default: return -1;
    }
    if (keep) *o = c;
    o++;
    in += 2;
  }
  if (keep) {
    *o++ = '\0';
    j->out = o;
  }
  j->p = q + 1;
  return 0;
}

static locale_t spr_j_c_locale;
static void spr_j_locale_init(void) { spr_j_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* A number at j->p ('-' or a digit), as cJSON reads it (see the header). */
static int spr_j_number(spr_jp *j, double *v) {
  const char *s = j->p;
  size_t n = 0;
  while (s + n < j->e) {
    const char c = s[n];
    if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.')) break;
    n++;
  }
  /* the fast path: -?digits(.digits)?([eE][+-]?digits)? over the whole run */
  size_t i = 0;
  const int neg = s[0] == '-';
  i += (size_t)neg;
  uint64_t m = 0;
  int digits = 0, frac = 0, ok = i < n && s[i] >= '0' && s[i] <= '9';
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    if (m || s[i] != '0') digits++;
    m = m * 10 + (uint64_t)(s[i] - '0');
  }
  if (ok && i < n && s[i] == '.') {
    i++;
    ok = i < n && s[i] >= '0' && s[i] <= '9';
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac++) {
      if (m || s[i] != '0') digits++;
      m = m * 10 + (uint64_t)(s[i] - '0');
    }
  }
  int ex = 0;
  if (ok && i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    int eneg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    ok = i < n && s[i] >= '0' && s[i] <= '9';
    for (; ok && i < n && s[i] >= '0' && s[i] <= '9'; i++)
      if (ex < 10000) ex = ex * 10 + (s[i] - '0');
    if (eneg) ex = -ex;
  }
  static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const int e10 = ex - frac;
  if (ok && i == n && digits <= 19 && m <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
    double x = (double)m;
    x = e10 >= 0 ? x * p10[e10] : x / p10[-e10];
    *v = neg ? -x : x;
    j->p = s + n;
    return 0;
  }
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, spr_j_locale_init);
  char small[128], *buf = n < sizeof small ? small : malloc(n + 1);
  if (!buf) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *end = buf;
  *v = spr_j_c_locale ? strtod_l(buf, &end, spr_j_c_locale) : strtod(buf, &end);
  const size_t used = (size_t)(end - buf);
  if (buf != small) free(buf);
  if (!used) return -1;
  j->p = s + used;
  return 0;
}

static int spr_j_value(spr_jp *j, spr_jval *into, int is_vector);

/* An object at j->p ('{'); top: the record itself (its fields into r), vector: the "vector" member
 * (its members into the entries), neither: checked and skipped. */
static int spr_j_object(spr_jp *j, spr_jsonrec *r, int vector, size_t *first, size_t *count) {
  if (++j->depth > SPR_J_NESTING) return -1;
  j->p++;
  spr_j_ws(j);
  if (first) *first = j->n_ent;
  if (j->p < j->e && *j->p == '}') {
    j->p++;
    j->depth--;
    return 0;
  }
  for (;;) {
    spr_j_ws(j);
    if (j->p >= j->e || *j->p != '"') return -1;
    const char *key = NULL;
    char *mark = j->out;
    if (spr_j_string(j, r || vector, &key)) return -1;
    spr_j_ws(j);
    if (j->p >= j->e || *j->p != ':') return -1;
    j->p++;
    spr_j_ws(j);
    if (vector) {
      spr_jentry *en = &j->ent[j->n_ent++];
      en->key = key;
      /* as a C string: up to the NUL spr_j_string ended it with, or an escaped one before */
      en->key_len = j->esc ? strlen(key) : (size_t)(j->out - 1 - key);
      en->is_num = 0;
      en->num = 0;
      if (j->p < j->e && (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))) {
        if (spr_j_number(j, &en->num)) return -1;
        en->is_num = 1;
      } else if (spr_j_value(j, NULL, 0)) {
        return -1;
      }
    } else if (r) {
      spr_jval *f = NULL;
      int is_vec = 0;
      if (!strcmp(key, "id")) f = &r->id;
      else if (!strcmp(key, "_id")) f = &r->uid;
      else if (!strcmp(key, "text")) f = &r->text;
      else if (!strcmp(key, "contents")) f = &r->contents;
      else if (!strcmp(key, "title")) f = &r->title;
      else if (!strcmp(key, "vector")) f = &r->vector, is_vec = 1;
      if (f && f->kind != SPR_JV_NONE) f = NULL; /* the first occurrence counts */
      if (!f) j->out = mark;                     /* the key is not kept */
      if (spr_j_value(j, f, is_vec)) return -1;
    } else if (spr_j_value(j, NULL, 0)) {
      return -1;
    }
    spr_j_ws(j);
    if (j->p < j->e && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->e && *j->p == '}') {
      j->p++;
      break;
    }
    return -1;
  }
  if (count) *count = j->n_ent - *first;
  j->depth--;
  return 0;
}

static int spr_j_array(spr_jp *j) {
  if (++j->depth > SPR_J_NESTING) return -1;
  j->p++;
  spr_j_ws(j);
  if (j->p < j->e && *j->p == ']') {
    j->p++;
    j->depth--;
    return 0;
  }
  for (;;) {
    spr_j_ws(j);
    if (spr_j_value(j, NULL, 0)) return -1;
    spr_j_ws(j);
    if (j->p < j->e && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->e && *j->p == ']') {
      j->p++;
      break;
    }
    return -1;
  }
  j->depth--;
  return 0;
}

static int spr_j_lit(spr_jp *j, const char *w, size_t n) {
  if ((size_t)(j->e - j->p) < n || memcmp(j->p, w, n)) return -1;
  j->p += n;
  return 0;
}

/* A value at j->p (whitespace already skipped), described in *into when into is not NULL. */
static int spr_j_value(spr_jp *j, spr_jval *into, int is_vector) {
  if (j->p >= j->e) return -1;
  spr_jval tmp;
  spr_jval *v = into ? into : &tmp;
  switch (*j->p) {
    case '"':
      v->kind = SPR_JV_STRING;
      return spr_j_string(j, into != NULL, &v->s);
    case '{':
      v->kind = is_vector ? SPR_JV_OBJECT : SPR_JV_OTHER;
      return spr_j_object(j, NULL, is_vector && into, is_vector && into ? &v->first : NULL,
                          is_vector && into ? &v->count : NULL);
    case '[':
      v->kind = SPR_JV_OTHER;
      return spr_j_array(j);
    case 't':
      v->kind = SPR_JV_OTHER;
      return spr_j_lit(j, "true", 4);
    case 'f':
      v->kind = SPR_JV_OTHER;
      return spr_j_lit(j, "false", 5);
    case 'n':
      v->kind = SPR_JV_NULL;
      return spr_j_lit(j, "null", 4);
    default:
      if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
        v->kind = SPR_JV_NUMBER;
        return spr_j_number(j, &v->num);
      }
      return -1;
  }
}

int spr_jsonrec_parse(const char *line, size_t n, char *scratch, spr_jentry *entries, spr_jsonrec *r,
                      size_t *err_at) {
  memset(r, 0, sizeof *r);
  spr_jp j = {line, line, line + n, scratch, entries, 0, 0, 0};
  if (n >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3)) j.p += 3;
  spr_j_ws(&j);
  int rc;
  if (j.p < j.e && *j.p == '{') {
    r->is_object = 1;
    rc = spr_j_object(&j, r, 0, NULL, NULL);
  } else {
    rc = spr_j_value(&j, NULL, 0);
  }
  if (rc) {
    *err_at = (size_t)(j.p - line);
    return -1;
  }
  r->end = (size_t)(j.p - line);
  return 0;
}
