/* spr_corpus.c: byte-range corpus reading. Records are lines; a record belongs to the part whose
 * range holds its first byte, which is what lets ranks split a file without talking. */
#define _DEFAULT_SOURCE /* madvise(MADV_DONTNEED): glibc's posix_madvise ignores POSIX_MADV_DONTNEED */
#include "spr_corpus.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spr_jsonrec.h"

struct spr_corpus {
  char *path;        /* owned */
  const char *data;  /* owned mapping (NULL when the file is empty) */
  uint64_t size;
  spr_corpus_format fmt;
  uint64_t bom;      /* 3 when the file starts with a UTF-8 byte order mark */
};

struct spr_corpus_cursor {
  const spr_corpus *c; /* borrowed: must outlive the cursor */
  uint64_t pos, end, line;
  uint64_t released;   /* mapped pages before this offset were given back (spr_corpus_release) */
  char *buf;           /* owned scratch for id and text (or vector terms) */
  size_t cap;
  spr_vec_entry *vec;  /* owned scratch for vector entries */
  size_t vcap;
  spr_corpus_policy policy;
  uint64_t skipped[SPR_SKIP_NREASONS];
  /* cJSON's nodes of one record come from this arena (spr_json_parse): one bump allocation each
   * instead of a malloc and a free, a third of the reading time on vector corpora otherwise */
  char *arena;
  size_t arena_cap, arena_used;
  void **spill;        /* blocks past the arena while one record is parsed (freed after it) */
  size_t n_spill, spill_cap, spill_bytes;
  /* the dedicated parser's (spr_jsonrec.h) decoded strings and vector members of one record */
  char *jscr;
  size_t jscr_cap;
  spr_jentry *jent;
  size_t jent_cap;
  int reference;       /* 1: records parsed by cJSON, the reference (spr_corpus_cursor_use_reference) */
};

const char *spr_skip_reason_name(int reason) {
  static const char *const names[SPR_SKIP_NREASONS] = {"malformed", "invalid UTF-8", "NUL byte", "too long",
                                                       "duplicate id"};
  return reason >= 0 && reason < SPR_SKIP_NREASONS ? names[reason] : "?";
}

void spr_corpus_cursor_set_policy(spr_corpus_cursor *cur, const spr_corpus_policy *p) { cur->policy = *p; }
const uint64_t *spr_corpus_cursor_skipped(const spr_corpus_cursor *cur) { return cur->skipped; }
uint64_t spr_corpus_cursor_line(const spr_corpus_cursor *cur) { return cur->line; }

/* One pass over a line for the checks every record gets: *nul_at = the first NUL byte's offset (or
 * n); *bad_at = the first byte that is not valid UTF-8 (overlong forms, surrogates and code points
 * past U+10FFFF are invalid), or n; *backslash = whether a '\\' occurs (only then can a JSON string
 * hold an escaped NUL). Eight bytes at a time while they are ASCII without NUL or backslash. */
static void spr_line_scan(const unsigned char *s, size_t n, size_t *nul_at, size_t *bad_at, int *backslash) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull, bs = 0x5C5C5C5C5C5C5C5Cull;
  size_t i = 0;
  *nul_at = *bad_at = n;
  *backslash = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t w, x;
      memcpy(&w, s + i, 8);
      x = w ^ bs;
      if (!((w | ((w - ones) & ~w) | ((x - ones) & ~x)) & highs)) {
        i += 8;
        continue;
      }
    }
    const unsigned c = s[i];
    if (c < 0x80) {
      if (c == 0) {
        *nul_at = i;
        return;
      }
      if (c == '\\') *backslash = 1;
      i++;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    int ok = 1;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, min = 0x10000;
    else ok = 0;
    if (ok && i + len > n) ok = 0;
    for (size_t k = 1; ok && k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) ok = 0;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = 0;
    if (!ok) { /* the line fails; only a NUL later on would be reported instead */
      *bad_at = i;
      const unsigned char *z = memchr(s + i, 0, n - i);
      if (z) *nul_at = (size_t)(z - s);
      return;
    }
    i += len;
  }
}

int spr_corpus_format_parse(const char *s, spr_corpus_format *out) {
  if (!strcmp(s, "auto")) *out = SPR_CORPUS_AUTO;
  else if (!strcmp(s, "jsonl") || !strcmp(s, "json")) *out = SPR_CORPUS_JSONL;
  else if (!strcmp(s, "tsv")) *out = SPR_CORPUS_TSV;
  else if (!strcmp(s, "vectors")) *out = SPR_CORPUS_VECTORS;
  else if (!strcmp(s, "ciff")) *out = SPR_CORPUS_CIFF;
  else return SPR_FAIL(SPR_EINVAL, "unknown corpus format '%s' (auto, jsonl, tsv, vectors or ciff)", s);
  return SPR_OK;
}

static int spr_ends_with(const char *s, const char *suf) {
  const size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcmp(s + n - m, suf);
}

int spr_corpus_is_ciff(const char *path, spr_corpus_format fmt) {
  return fmt == SPR_CORPUS_CIFF || (fmt == SPR_CORPUS_AUTO && path && spr_ends_with(path, ".ciff"));
}

/* The first record decides: '{' starts JSON, and a top-level "vector" key means vectors. */
static spr_corpus_format spr_sniff_format(const spr_corpus *c) {
  if (spr_ends_with(c->path, ".tsv")) return SPR_CORPUS_TSV;
  uint64_t i = c->bom;
  while (i < c->size && (c->data[i] == ' ' || c->data[i] == '\t' || c->data[i] == '\n' || c->data[i] == '\r')) i++;
  if (i >= c->size || c->data[i] != '{') return SPR_CORPUS_TSV;
  const char *nl = memchr(c->data + i, '\n', c->size - i);
  const size_t n = nl ? (size_t)(nl - (c->data + i)) : (size_t)(c->size - i);
  cJSON *o = cJSON_ParseWithLength(c->data + i, n);
  const int vec = o && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "vector"));
  cJSON_Delete(o);
  return vec ? SPR_CORPUS_VECTORS : SPR_CORPUS_JSONL;
}

int spr_corpus_open(const char *path, spr_corpus_format fmt, spr_corpus **out) {
  *out = NULL;
  if (fmt == SPR_CORPUS_CIFF)
    return SPR_FAIL(SPR_EUNSUPPORTED, "%s: a CIFF file is an index, not a corpus of records (spire index reads it)", path);
  const int fd = open(path, O_RDONLY);
  if (fd < 0) return SPR_FAIL(SPR_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return SPR_FAIL(SPR_EIO, "%s: not a regular file", path);
  }
  spr_corpus *c = calloc(1, sizeof *c);
  if (!c || !(c->path = strdup(path))) {
    close(fd);
    free(c);
    return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  }
  c->size = (uint64_t)st.st_size;
  if (c->size > 0) {
    void *m = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      close(fd);
      free(c->path);
      free(c);
      return SPR_FAIL(SPR_EIO, "%s: cannot map: %s", path, strerror(errno));
    }
    c->data = m;
  }
  close(fd);
  if (c->size >= 3 && !memcmp(c->data, "\xEF\xBB\xBF", 3)) c->bom = 3;
  if (fmt == SPR_CORPUS_AUTO) fmt = spr_sniff_format(c);
  c->fmt = fmt;
  *out = c;
  return SPR_OK;
}

void spr_corpus_close(spr_corpus **pc) {
  if (!pc || !*pc) return;
  spr_corpus *c = *pc;
  if (c->data) munmap((void *)c->data, c->size);
  free(c->path);
  free(c);
  *pc = NULL;
}

uint64_t spr_corpus_size(const spr_corpus *c) { return c->size; }
spr_corpus_format spr_corpus_get_format(const spr_corpus *c) { return c->fmt; }
const char *spr_corpus_path(const spr_corpus *c) { return c->path; }

uint64_t spr_corpus_line_start(const spr_corpus *c, uint64_t o) {
  if (o == 0) return 0;
  if (o >= c->size) return c->size;
  if (c->data[o - 1] == '\n') return o;
  const char *nl = memchr(c->data + o, '\n', c->size - o);
  return nl ? (uint64_t)(nl - c->data) + 1 : c->size;
}

void spr_corpus_split_range(const spr_corpus *c, uint64_t lo, uint64_t hi, int part, int parts, uint64_t *begin,
                            uint64_t *end) {
  const unsigned __int128 s = hi > lo ? hi - lo : 0;
  const uint64_t b = lo + (uint64_t)(s * (unsigned)part / (unsigned)parts);
  const uint64_t e = lo + (uint64_t)(s * (unsigned)(part + 1) / (unsigned)parts);
  *begin = part == 0 ? lo : spr_corpus_line_start(c, b);
  *end = part + 1 == parts ? hi : spr_corpus_line_start(c, e);
  if (*begin > hi) *begin = hi;
  if (*end > hi) *end = hi;
  if (*end < *begin) *end = *begin;
}

void spr_corpus_split(const spr_corpus *c, int part, int parts, uint64_t *begin, uint64_t *end) {
  spr_corpus_split_range(c, 0, c->size, part, parts, begin, end);
}

/* Drop the mapped pages wholly inside [lo, hi) from this process's memory: the corpus is read once,
 * front to back, and a mapping of a file larger than memory must not count as resident. A later
 * access still works (the page is read again from the file). */
#define SPR_CORPUS_RELEASE_BYTES (32u << 20)
static void spr_corpus_release(const spr_corpus *c, uint64_t lo, uint64_t hi) {
  const uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
  const uint64_t a = (lo + pg - 1) / pg * pg, b = hi / pg * pg;
  if (b > a) (void)madvise((char *)c->data + a, b - a, MADV_DONTNEED);
}

uint64_t spr_corpus_count_lines(const spr_corpus *c, uint64_t begin, uint64_t end) {
  uint64_t n = 0, p = begin, released = begin;
  while (p < end) {
    const char *nl = memchr(c->data + p, '\n', end - p);
    n++;
    if (!nl) break;
    p = (uint64_t)(nl - c->data) + 1;
    if (p - released >= SPR_CORPUS_RELEASE_BYTES) {
      spr_corpus_release(c, released, p);
      released = p;
    }
  }
  spr_corpus_release(c, released, p);
  return n;
}

int spr_corpus_cursor_create(const spr_corpus *c, uint64_t begin, uint64_t end, uint64_t first_line,
                             spr_corpus_cursor **out) {
  *out = NULL;
  spr_corpus_cursor *cur = calloc(1, sizeof *cur);
  if (!cur) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", c->path);
  cur->c = c;
  cur->pos = begin == 0 && c->bom ? c->bom : begin;
  cur->released = cur->pos;
  cur->end = end > cur->pos ? end : cur->pos;
  cur->policy = (spr_corpus_policy){0, SPR_CORPUS_MAX_RECORD_DEFAULT};
  cur->line = first_line;
  *out = cur;
  return SPR_OK;
}

void spr_corpus_cursor_release(spr_corpus_cursor *cur) {
  if (cur->pos > cur->released) spr_corpus_release(cur->c, cur->released, cur->pos);
  cur->released = cur->pos;
}

void spr_corpus_cursor_seek(spr_corpus_cursor *cur, uint64_t begin, uint64_t end, uint64_t first_line) {
  const spr_corpus *c = cur->c;
  spr_corpus_cursor_release(cur);
  cur->pos = begin == 0 && c->bom ? c->bom : begin;
  cur->released = cur->pos;
  cur->end = end > cur->pos ? end : cur->pos;
  cur->line = first_line;
}

void spr_corpus_cursor_use_reference(spr_corpus_cursor *cur, int on) { cur->reference = on != 0; }

void spr_corpus_cursor_free(spr_corpus_cursor **p) {
  if (!p || !*p) return;
  free((*p)->jscr);
  free((*p)->jent);
  free((*p)->arena);
  free((*p)->spill);
  free((*p)->vec);
  free((*p)->buf);
  free(*p);
  *p = NULL;
}

static int spr_cursor_reserve(spr_corpus_cursor *cur, size_t need) {
  if (need <= cur->cap) return SPR_OK;
  size_t cap = cur->cap ? cur->cap : 4096;
  while (cap < need) cap *= 2;
  char *b = realloc(cur->buf, cap);
  if (!b) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", cur->c->path);
  cur->buf = b;
  cur->cap = cap;
  return SPR_OK;
}

/* memmem is a GNU extension: the few bytes of a needle are cheap to search by hand. */
static const char *spr_memmem(const char *h, size_t n, const char *needle, size_t m) {
  for (size_t i = 0; i + m <= n; i++)
    if (h[i] == needle[0] && !memcmp(h + i, needle, m)) return h + i;
  return NULL;
}

static int spr_is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
  return 1;
}

/* A record's id: a string, or an integral number (Anserini accepts both) written into tmp. */
static int spr_jrec_id(const spr_jval *id, char *tmp, size_t cap, const char **s) {
  if (id->kind == SPR_JV_STRING) {
    *s = id->s;
    return SPR_OK;
  }
  if (id->kind == SPR_JV_NUMBER && fabs(id->num) < 9e18 && id->num == (double)(long long)id->num) {
    snprintf(tmp, cap, "%lld", (long long)id->num);
    *s = tmp;
    return SPR_OK;
  }
  return SPR_EPARSE;
}

/* The same for a cJSON node. */
static int spr_json_id(const cJSON *id, char *tmp, size_t cap, const char **s) {
  const spr_jval v = {cJSON_IsString(id) && id->valuestring ? SPR_JV_STRING : cJSON_IsNumber(id) ? SPR_JV_NUMBER : SPR_JV_OTHER,
                      id->valuestring, id->valuedouble, 0, 0};
  return spr_jrec_id(&v, tmp, cap, s);
}

/* Grow the cursor's vector members to hold n. */
static int spr_cursor_entries(spr_corpus_cursor *cur, size_t n) {
  if (n <= cur->jent_cap) return SPR_OK;
  const size_t nc = n > 2 * cur->jent_cap ? n : 2 * cur->jent_cap;
  spr_jentry *e = realloc(cur->jent, nc * sizeof *e);
  if (!e) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", cur->c->path);
  cur->jent = e;
  cur->jent_cap = nc;
  return SPR_OK;
}

/* A vector record from its id and its members en[0..n) (input order), whichever parser read them:
 * keys non-empty, values numbers in [0, 1e30]; zero weights dropped. The id (and an empty text) go
 * to the cursor's buffer; the terms too when copy_keys, else they stay where the parser decoded them
 * (the cursor's scratch, valid until the next record). */
static int spr_vector_record(spr_corpus_cursor *cur, const char *id, const spr_jentry *en, size_t n, int copy_keys,
                             spr_doc *doc) {
  const char *path = cur->c->path;
  const unsigned long long ln = (unsigned long long)cur->line;
  size_t nz = 0, bytes = 0;
  for (size_t i = 0; i < n; i++) {
    if (!en[i].key_len) return SPR_FAIL(SPR_EPARSE, "%s:%llu: empty token in \"vector\"", path, ln);
    if (!en[i].is_num || !(en[i].num >= 0) || en[i].num > 1e30)
      return SPR_FAIL(SPR_EPARSE, "%s:%llu: weight of \"%s\" must be a number >= 0", path, ln, en[i].key);
    if (en[i].num == 0) continue;
    nz++;
    bytes += en[i].key_len + 1;
  }
  const size_t il = strlen(id);
  SPR_TRY(spr_cursor_reserve(cur, il + 2 + (copy_keys ? bytes : 0)));
  if (nz > cur->vcap) {
    spr_vec_entry *nv = realloc(cur->vec, nz * sizeof *nv);
    if (!nv) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
    cur->vec = nv;
    cur->vcap = nz;
  }
  memcpy(cur->buf, id, il + 1);
  cur->buf[il + 1] = '\0'; /* empty text */
  char *t = cur->buf + il + 2;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (en[i].num == 0) continue;
    const size_t l = en[i].key_len;
    if (copy_keys) {
      memcpy(t, en[i].key, l + 1);
      cur->vec[k].term = t;
      t += l + 1;
    } else {
      cur->vec[k].term = en[i].key;
    }
    cur->vec[k].len = l;
    cur->vec[k].weight = en[i].num;
    k++;
  }
  doc->id = cur->buf;
  doc->id_len = il;
  doc->text = cur->buf + il + 1;
  doc->text_len = 0;
  doc->vec = cur->vec;
  doc->vec_n = nz;
  return SPR_OK;
}

/* A text record: the id, then the title and a line break when the title is not empty, then the text. */
static int spr_text_record(spr_corpus_cursor *cur, const char *id, const char *title, const char *text, spr_doc *doc) {
  const size_t il = strlen(id), tl = strlen(title), xl = strlen(text);
  SPR_TRY(spr_cursor_reserve(cur, il + 1 + tl + 1 + xl + 1));
  memcpy(cur->buf, id, il + 1);
  char *t = cur->buf + il + 1;
  size_t k = 0;
  if (tl) {
    memcpy(t, title, tl);
    t[tl] = '\n';
    k = tl + 1;
  }
  memcpy(t + k, text, xl + 1);
  doc->id = cur->buf;
  doc->id_len = il;
  doc->text = t;
  doc->text_len = k + xl;
  return SPR_OK;
}

static int spr_parse_vector_record(spr_corpus_cursor *cur, const cJSON *o, const cJSON *jid, spr_doc *doc) {
  const char *path = cur->c->path;
  const unsigned long long ln = (unsigned long long)cur->line;
  char idtmp[32];
  const char *id = NULL;
  if (!jid || spr_json_id(jid, idtmp, sizeof idtmp, &id) != SPR_OK || !id[0])
    return SPR_FAIL(SPR_EPARSE, "%s:%llu: missing or empty \"id\" (a string)", path, ln);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "vector");
  if (!v) return SPR_FAIL(SPR_EPARSE, "%s:%llu: missing \"vector\"", path, ln);
  if (!cJSON_IsObject(v)) return SPR_FAIL(SPR_EPARSE, "%s:%llu: \"vector\" must be an object {\"token\": weight}", path, ln);
  size_t n = 0;
  for (const cJSON *e = v->child; e; e = e->next) n++;
  SPR_TRY(spr_cursor_entries(cur, n));
  n = 0;
  for (const cJSON *e = v->child; e; e = e->next, n++)
    cur->jent[n] = (spr_jentry){e->string ? e->string : "", e->string ? strlen(e->string) : 0, e->valuedouble,
                                cJSON_IsNumber(e)};
  return spr_vector_record(cur, id, cur->jent, n, 1, doc); /* cJSON's strings go with its tree */
}

/* The cursor whose arena serves this thread's cJSON allocations while it parses a record
 * (spr_json_parse), NULL otherwise. cJSON's hooks are process-wide, so they are installed once and
 * ask this thread-local owner: threads parse records of their own cursors side by side
 * (spr_build_read), and cJSON used anywhere else, on any thread, gets malloc and free. */
static _Thread_local spr_corpus_cursor *spr_arena_owner;

static void *spr_arena_malloc(size_t n) {
  spr_corpus_cursor *c = spr_arena_owner;
  if (!c) return malloc(n);
  n = (n + 15) & ~(size_t)15;
  if (c->arena_used + n <= c->arena_cap) {
    void *p = c->arena + c->arena_used;
    c->arena_used += n;
    return p;
  }
  if (c->n_spill == c->spill_cap) { /* past the arena: a block of its own, freed after the record */
    const size_t nc = c->spill_cap ? 2 * c->spill_cap : 64;
    void **q = realloc(c->spill, nc * sizeof *q);
    if (!q) return NULL;
    c->spill = q;
    c->spill_cap = nc;
  }
  void *p = malloc(n);
  if (p) {
    c->spill[c->n_spill++] = p;
    c->spill_bytes += n;
  }
  return p;
}

static void spr_arena_free(void *p) {
  if (!spr_arena_owner) free(p); /* else everything goes when the record is done */
}

static void spr_json_hooks_install(void) {
  cJSON_Hooks h = {spr_arena_malloc, spr_arena_free};
  cJSON_InitHooks(&h);
}

/* Parse one record with cJSON, its nodes allocated from cur's arena; *o lives until
 * spr_json_done(cur, o). (On malformed input cJSON also records the error position in a global
 * that spire never reads; the position used is the one returned through endp.) */
static cJSON *spr_json_parse(spr_corpus_cursor *cur, const char *line, size_t n, const char **endp) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, spr_json_hooks_install);
  cur->arena_used = 0;
  spr_arena_owner = cur;
  cJSON *o = cJSON_ParseWithLengthOpts(line, n, endp, 0);
  spr_arena_owner = NULL;
  return o;
}

static void spr_json_done(spr_corpus_cursor *cur, cJSON *o) {
  (void)o; /* the arena holds every node: nothing to free one by one */
  for (size_t i = 0; i < cur->n_spill; i++) free(cur->spill[i]);
  if (cur->n_spill) { /* the next record of this size fits the arena */
    const size_t want = cur->arena_used + cur->spill_bytes;
    char *a = malloc(want * 2);
    if (a) {
      free(cur->arena);
      cur->arena = a;
      cur->arena_cap = want * 2;
    }
  }
  cur->n_spill = cur->spill_bytes = 0;
  cur->arena_used = 0;
}


/* One record with the dedicated parser (spr_jsonrec.h): the same records, checks and messages as
 * the cJSON path below (spr_parse_jsonl_reference), a few times faster. */
static int spr_parse_jsonl_fast(spr_corpus_cursor *cur, const char *line, size_t n, spr_doc *doc) {
  const char *path = cur->c->path;
  const unsigned long long ln = (unsigned long long)cur->line;
  if (n + 1 > cur->jscr_cap) {
    const size_t nc = n + 1 > 2 * cur->jscr_cap ? n + 1 : 2 * cur->jscr_cap;
    char *b = realloc(cur->jscr, nc);
    if (!b) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
    cur->jscr = b;
    cur->jscr_cap = nc;
  }
  SPR_TRY(spr_cursor_entries(cur, n / 4 + 1));
  spr_jsonrec r;
  size_t at = 0;
  if (spr_jsonrec_parse(line, n, cur->jscr, cur->jent, &r, &at) != 0)
    return SPR_FAIL(SPR_EPARSE, "%s:%llu: malformed JSON near column %zu", path, ln, at + 1);
  if (!r.is_object) return SPR_FAIL(SPR_EPARSE, "%s:%llu: expected a JSON object per line", path, ln);
  for (const char *e = line + r.end; e < line + n; e++) /* one record per line, nothing after it */
    if (*e != ' ' && *e != '\t' && *e != '\r')
      return SPR_FAIL(SPR_EPARSE, "%s:%llu: text after the JSON object at column %zu (one record per line)", path,
                      ln, (size_t)(e - line) + 1);
  const spr_jval *jid = r.id.kind != SPR_JV_NONE ? &r.id : &r.uid;
  char idtmp[32];
  const char *id = NULL;
  if (jid->kind == SPR_JV_NONE || spr_jrec_id(jid, idtmp, sizeof idtmp, &id) != SPR_OK || !id[0])
    return SPR_FAIL(SPR_EPARSE, "%s:%llu: missing or empty \"id\" (a string)", path, ln);
  if (cur->c->fmt == SPR_CORPUS_VECTORS) {
    const spr_jval *v = &r.vector;
    if (v->kind == SPR_JV_NONE) return SPR_FAIL(SPR_EPARSE, "%s:%llu: missing \"vector\"", path, ln);
    if (v->kind != SPR_JV_OBJECT)
      return SPR_FAIL(SPR_EPARSE, "%s:%llu: \"vector\" must be an object {\"token\": weight}", path, ln);
    return spr_vector_record(cur, id, cur->jent + v->first, v->count, 0, doc);
  }
  const spr_jval *jtext = r.text.kind != SPR_JV_NONE ? &r.text : &r.contents;
  if (jtext->kind != SPR_JV_STRING)
    return SPR_FAIL(SPR_EPARSE, "%s:%llu: missing \"text\" or \"contents\" (a string)", path, ln);
  if (r.title.kind != SPR_JV_NONE && r.title.kind != SPR_JV_STRING && r.title.kind != SPR_JV_NULL)
    return SPR_FAIL(SPR_EPARSE, "%s:%llu: \"title\" must be a string", path, ln);
  return spr_text_record(cur, id, r.title.kind == SPR_JV_STRING ? r.title.s : "", jtext->s, doc);
}

static int spr_parse_jsonl_reference(spr_corpus_cursor *cur, const char *line, size_t n, spr_doc *doc) {
  const char *path = cur->c->path;
  const unsigned long long ln = (unsigned long long)cur->line;
  const char *endp = NULL;
  cJSON *o = spr_json_parse(cur, line, n, &endp);
  if (!o) {
    spr_json_done(cur, NULL);
    const size_t col = endp && endp >= line ? (size_t)(endp - line) + 1 : 1;
    return SPR_FAIL(SPR_EPARSE, "%s:%llu: malformed JSON near column %zu", path, ln, col);
  }
  int rc = SPR_OK;
  if (!cJSON_IsObject(o)) {
    rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: expected a JSON object per line", path, ln);
    goto cleanup;
  }
  for (const char *e = endp ? endp : line + n; e < line + n; e++) /* one record per line, nothing after it */
    if (*e != ' ' && *e != '\t' && *e != '\r') {
      rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: text after the JSON object at column %zu (one record per line)", path, ln,
                    (size_t)(e - line) + 1);
      goto cleanup;
    }
  const cJSON *jid = cJSON_GetObjectItemCaseSensitive(o, "id");
  if (!jid) jid = cJSON_GetObjectItemCaseSensitive(o, "_id");
  if (cur->c->fmt == SPR_CORPUS_VECTORS) {
    rc = spr_parse_vector_record(cur, o, jid, doc);
    goto cleanup;
  }
  const cJSON *jtext = cJSON_GetObjectItemCaseSensitive(o, "text");
  if (!jtext) jtext = cJSON_GetObjectItemCaseSensitive(o, "contents");
  const cJSON *jtitle = cJSON_GetObjectItemCaseSensitive(o, "title");
  char idtmp[32];
  const char *id = NULL;
  if (!jid || spr_json_id(jid, idtmp, sizeof idtmp, &id) != SPR_OK || !id[0]) {
    rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: missing or empty \"id\" (a string)", path, ln);
    goto cleanup;
  }
  if (!jtext || !cJSON_IsString(jtext)) {
    rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: missing \"text\" or \"contents\" (a string)", path, ln);
    goto cleanup;
  }
  if (jtitle && !cJSON_IsString(jtitle) && !cJSON_IsNull(jtitle)) {
    rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: \"title\" must be a string", path, ln);
    goto cleanup;
  }
  rc = spr_text_record(cur, id, cJSON_IsString(jtitle) ? jtitle->valuestring : "", jtext->valuestring, doc);
cleanup:
  spr_json_done(cur, o);
  return rc;
}

static int spr_parse_tsv(spr_corpus_cursor *cur, const char *line, size_t n, spr_doc *doc) {
  const char *tab = memchr(line, '\t', n);
  if (!tab || tab == line)
    return SPR_FAIL(SPR_EPARSE, "%s:%llu: expected id<TAB>text", cur->c->path,
                    (unsigned long long)cur->line);
  const size_t il = (size_t)(tab - line), xl = n - il - 1;
  SPR_TRY(spr_cursor_reserve(cur, il + 1 + xl + 1));
  memcpy(cur->buf, line, il);
  cur->buf[il] = '\0';
  memcpy(cur->buf + il + 1, tab + 1, xl);
  cur->buf[il + 1 + xl] = '\0';
  doc->id = cur->buf;
  doc->id_len = il;
  doc->text = cur->buf + il + 1;
  doc->text_len = xl;
  return SPR_OK;
}

int spr_corpus_next(spr_corpus_cursor *cur, spr_doc *doc) {
  const spr_corpus *c = cur->c;
  if (cur->pos - cur->released >= SPR_CORPUS_RELEASE_BYTES) { /* the records behind are done with */
    spr_corpus_release(c, cur->released, cur->pos);
    cur->released = cur->pos;
  }
  while (cur->pos < cur->end) {
    const char *line = c->data + cur->pos;
    const char *nl = memchr(line, '\n', c->size - cur->pos);
    size_t n = nl ? (size_t)(nl - line) : (size_t)(c->size - cur->pos);
    cur->pos += n + (nl ? 1 : 0);
    const uint64_t this_line = cur->line++;
    if (n && line[n - 1] == '\r') n--;
    if (spr_is_blank(line, n)) continue;
    const uint64_t save = cur->line;
    cur->line = this_line;
    doc->vec = NULL;
    doc->vec_n = 0;
    const unsigned long long ln = (unsigned long long)this_line;
    int reason = -1, rc = SPR_OK;
    size_t nul = n, bad = n;
    int backslash = 0;
    const int too_long = cur->policy.max_record_bytes && n > cur->policy.max_record_bytes;
    if (!too_long) spr_line_scan((const unsigned char *)line, n, &nul, &bad, &backslash);
    if (too_long) {
      reason = SPR_SKIP_TOO_LONG;
      rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: record of %zu bytes exceeds max_record_bytes = %llu", c->path, ln, n,
                    (unsigned long long)cur->policy.max_record_bytes);
    } else if (nul < n) {
      reason = SPR_SKIP_NUL;
      rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: NUL byte at column %zu", c->path, ln, nul + 1);
    } else if (bad < n) {
      reason = SPR_SKIP_UTF8;
      rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: invalid UTF-8 at column %zu", c->path, ln, bad + 1);
    } else if (c->fmt != SPR_CORPUS_TSV && backslash && spr_memmem(line, n, "\\u0000", 6)) {
      reason = SPR_SKIP_NUL;
      rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: NUL character (\\u0000) in a JSON string", c->path, ln);
    } else {
      rc = c->fmt == SPR_CORPUS_TSV ? spr_parse_tsv(cur, line, n, doc)
          : cur->reference           ? spr_parse_jsonl_reference(cur, line, n, doc)
                                     : spr_parse_jsonl_fast(cur, line, n, doc);
      if (rc == SPR_EPARSE) reason = SPR_SKIP_MALFORMED;
    }
    cur->line = save;
    if (rc < 0 && reason >= 0 && cur->policy.skip) {
      cur->skipped[reason]++;
      spr_clear_error();
      continue;
    }
    if (rc < 0) return rc;
    doc->line = this_line;
    return 1;
  }
  return 0;
}

/* ---------------------------------------------------------------- queries */

void spr_queries_free(spr_queries *q) {
  if (!q) return;
  for (size_t i = 0; i < q->n; i++) {
    free(q->qid[i]);
    free(q->text[i]);
  }
  if (q->vec_off)
    for (uint64_t i = 0; i < q->vec_off[q->n]; i++) free(q->vec_term[i]);
  free(q->qid);
  free(q->text);
  free(q->vec_off);
  free(q->vec_term);
  free(q->vec_weight);
  memset(q, 0, sizeof *q);
}

/* Vector queries: every record of the file through the corpus cursor (format vectors). */
static int spr_queries_load_vectors(spr_corpus *c, spr_queries *out) {
  spr_corpus_cursor *cur = NULL;
  SPR_TRY(spr_corpus_cursor_create(c, 0, c->size, 1, &cur));
  int rc = SPR_OK;
  size_t cap = 0, ecap = 0;
  uint64_t ne = 0;
  out->vectors = 1;
  out->vec_off = malloc(sizeof *out->vec_off);
  if (!out->vec_off) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", c->path);
    goto cleanup;
  }
  out->vec_off[0] = 0;
  spr_doc d;
  for (;;) {
    SPR_TRYG(rc, spr_corpus_next(cur, &d), cleanup);
    if (rc == 0) break;
    if (out->n == cap) {
      cap = cap ? 2 * cap : 256;
      char **a = realloc(out->qid, cap * sizeof *a);
      if (a) out->qid = a;
      char **b = a ? realloc(out->text, cap * sizeof *b) : NULL;
      if (b) out->text = b;
      uint64_t *o = b ? realloc(out->vec_off, (cap + 1) * sizeof *o) : NULL;
      if (o) out->vec_off = o;
      if (!o) {
        rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", c->path);
        goto cleanup;
      }
    }
    if (ne + d.vec_n > ecap) {
      while (ne + d.vec_n > ecap) ecap = ecap ? 2 * ecap : 1024;
      char **t = realloc(out->vec_term, ecap * sizeof *t);
      if (t) out->vec_term = t;
      double *w = t ? realloc(out->vec_weight, ecap * sizeof *w) : NULL;
      if (w) out->vec_weight = w;
      if (!w) {
        rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", c->path);
        goto cleanup;
      }
    }
    for (size_t j = 0; j < d.vec_n; j++) {
      out->vec_term[ne] = strdup(d.vec[j].term);
      out->vec_weight[ne] = d.vec[j].weight;
      if (!out->vec_term[ne]) {
        rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", c->path);
        goto cleanup;
      }
      ne++;
      out->vec_off[out->n + 1] = ne; /* keeps free() consistent on failure */
    }
    out->qid[out->n] = strdup(d.id);
    out->text[out->n] = strdup("");
    out->vec_off[out->n + 1] = ne;
    out->n++;
    if (!out->qid[out->n - 1] || !out->text[out->n - 1]) {
      rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", c->path);
      goto cleanup;
    }
  }
  rc = out->n ? SPR_OK : SPR_FAIL(SPR_EPARSE, "%s: no queries", c->path);
cleanup:
  spr_corpus_cursor_free(&cur);
  return rc;
}

int spr_queries_load(const char *path, spr_queries *out) { return spr_queries_load_as(path, NULL, out); }

typedef struct spr_tokcount {
  const char *s;
  size_t n;
  uint32_t count;
} spr_tokcount;

static int spr_cmp_tokcount(const void *pa, const void *pb) {
  const spr_tokcount *a = pa, *b = pb;
  const size_t m = a->n < b->n ? a->n : b->n;
  const int c = memcmp(a->s, b->s, m);
  return c ? c : (a->n > b->n) - (a->n < b->n);
}

int spr_queries_tokenize(const char *path, spr_queries *q) {
  if (q->vectors) return SPR_OK;
  uint64_t total = 0;
  for (size_t i = 0; i < q->n; i++) total += strlen(q->text[i]) / 2 + 1; /* tokens <= (len + 1) / 2 */
  spr_tokcount *tk = NULL;
  q->vec_off = malloc((q->n + 1) * sizeof *q->vec_off);
  q->vec_term = calloc(total + 1, sizeof *q->vec_term);
  q->vec_weight = malloc((total + 1) * sizeof *q->vec_weight);
  size_t maxlen = 1;
  for (size_t i = 0; i < q->n; i++) maxlen = strlen(q->text[i]) + 1 > maxlen ? strlen(q->text[i]) + 1 : maxlen;
  tk = malloc(maxlen * sizeof *tk);
  int rc = SPR_OK;
  if (!q->vec_off || !q->vec_term || !q->vec_weight || !tk) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  uint64_t ne = 0;
  if (q->vec_off) q->vec_off[0] = 0;
  for (size_t i = 0; rc == SPR_OK && i < q->n; i++) {
    const char *s = q->text[i];
    size_t nt = 0;
    for (size_t a = 0; s[a];) {
      while (s[a] == ' ' || s[a] == '\t' || s[a] == '\r') a++;
      size_t b = a;
      while (s[b] && s[b] != ' ' && s[b] != '\t' && s[b] != '\r') b++;
      if (b > a) tk[nt++] = (spr_tokcount){s + a, b - a, 1};
      a = b;
    }
    qsort(tk, nt, sizeof *tk, spr_cmp_tokcount);
    for (size_t j = 0; j < nt && rc == SPR_OK; j++) {
      if (ne > q->vec_off[i] && !spr_cmp_tokcount(&tk[j], &tk[j - 1])) {
        q->vec_weight[ne - 1] += 1;
        continue;
      }
      q->vec_term[ne] = strndup(tk[j].s, tk[j].n);
      q->vec_weight[ne] = 1;
      if (!q->vec_term[ne]) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
      ne++;
    }
    q->vec_off[i + 1] = ne;
  }
  free(tk);
  if (rc == SPR_OK) {
    q->vectors = 1;
    for (size_t i = 0; i < q->n; i++) q->text[i][0] = '\0';
  } else if (q->vec_off) { /* keep spr_queries_free consistent: no entries */
    for (uint64_t j = 0; j < ne; j++) free(q->vec_term[j]);
    free(q->vec_off);
    free(q->vec_term);
    free(q->vec_weight);
    q->vec_off = NULL;
    q->vec_term = NULL;
    q->vec_weight = NULL;
  }
  return rc;
}

int spr_queries_load_as(const char *path, const char *format, spr_queries *out) {
  memset(out, 0, sizeof *out);
  const char *f = format ? format : "auto";
  if (strcmp(f, "auto") && strcmp(f, "tsv") && strcmp(f, "vectors") && strcmp(f, "tokens") && strcmp(f, "pisa"))
    return SPR_FAIL(SPR_EINVAL, "unknown query format '%s' (auto, tsv, vectors, tokens or pisa)", f);
  spr_corpus *c = NULL;
  SPR_TRY(spr_corpus_open(path, SPR_CORPUS_AUTO, &c));
  int rc = SPR_OK;
  int pisa = !strcmp(f, "pisa");
  if (!strcmp(f, "auto") && c->fmt == SPR_CORPUS_TSV && c->data) { /* PISA: the first line has no TAB but a ':' */
    uint64_t i = c->bom;
    while (i < c->size && (c->data[i] == '\n' || c->data[i] == '\r')) i++;
    const char *s = c->data + i, *nl = memchr(s, '\n', c->size - i);
    const size_t n = nl ? (size_t)(nl - s) : (size_t)(c->size - i);
    pisa = n > 0 && !memchr(s, '\t', n) && memchr(s, ':', n) != NULL;
  }
  if (!strcmp(f, "vectors") && c->fmt != SPR_CORPUS_VECTORS) {
    rc = SPR_FAIL(SPR_EPARSE, "%s:1: expected JSON vectors {\"id\", \"vector\": {...}}", path);
    goto cleanup;
  }
  if (c->fmt == SPR_CORPUS_VECTORS && (!strcmp(f, "auto") || !strcmp(f, "vectors"))) {
    rc = spr_queries_load_vectors(c, out);
    goto cleanup;
  }
  if (c->fmt == SPR_CORPUS_JSONL || c->fmt == SPR_CORPUS_VECTORS) {
    rc = SPR_FAIL(SPR_EPARSE, "%s:1: JSON queries must be vectors {\"id\", \"vector\": {...}} (query format %s)", path, f);
    goto cleanup;
  }
  size_t cap = 0;
  uint64_t pos = c->bom, line = 0;
  while (pos < c->size) {
    const char *s = c->data + pos;
    const char *nl = memchr(s, '\n', c->size - pos);
    size_t n = nl ? (size_t)(nl - s) : (size_t)(c->size - pos);
    pos += n + (nl ? 1 : 0);
    line++;
    if (n && s[n - 1] == '\r') n--;
    if (spr_is_blank(s, n)) continue;
    size_t nul = n, bad = n;
    int backslash = 0;
    spr_line_scan((const unsigned char *)s, n, &nul, &bad, &backslash);
    if (nul < n) {
      rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: NUL byte at column %zu", path, (unsigned long long)line, nul + 1);
      goto cleanup;
    }
    if (bad < n) {
      rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: invalid UTF-8 at column %zu", path, (unsigned long long)line, bad + 1);
      goto cleanup;
    }
    const char *tab = memchr(s, pisa ? ':' : '\t', n);
    if (!tab || tab == s) {
      rc = SPR_FAIL(SPR_EPARSE, pisa ? "%s:%llu: expected qid:token token ... (PISA queries)" : "%s:%llu: expected qid<TAB>text",
                    path, (unsigned long long)line);
      goto cleanup;
    }
    if (out->n == cap) {
      cap = cap ? 2 * cap : 256;
      char **a = realloc(out->qid, cap * sizeof *a), **b = a ? realloc(out->text, cap * sizeof *b) : NULL;
      if (a) out->qid = a;
      if (b) out->text = b;
      if (!a || !b) {
        rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
        goto cleanup;
      }
    }
    out->qid[out->n] = strndup(s, (size_t)(tab - s));
    out->text[out->n] = strndup(tab + 1, n - (size_t)(tab - s) - 1);
    out->n++;
    if (!out->qid[out->n - 1] || !out->text[out->n - 1]) {
      rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
      goto cleanup;
    }
  }
  if (out->n == 0) rc = SPR_FAIL(SPR_EPARSE, "%s: no queries", path);
  if (rc == SPR_OK && (pisa || !strcmp(f, "tokens"))) rc = spr_queries_tokenize(path, out);
cleanup:
  if (rc < 0) spr_queries_free(out);
  spr_corpus_close(&c);
  return rc;
}
