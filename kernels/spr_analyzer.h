/* spr_analyzer.h: text analyzers for BM25, equivalent to Lucene 8's EnglishAnalyzer and
 * StandardAnalyzer. Local (no MPI, no I/O).
 *
 * "english":  StandardTokenizer (UAX#29 word boundaries, as Lucene 8.7's JFlex grammar: words of
 *             letters/digits joined by MidLetter/MidNum/ExtendNumLet, one token per ideograph or
 *             hiragana, runs of Thai/Lao/Khmer/Myanmar, emoji; tokens longer than 255 UTF-16 units
 *             are split) -> EnglishPossessiveFilter (trailing 's / ’s / ＇s, s or S) ->
 *             LowerCaseFilter (simple per-code-point lowercase) -> StopFilter (Lucene's 33
 *             EnglishAnalyzer.ENGLISH_STOP_WORDS_SET) -> PorterStemFilter (Lucene's PorterStemmer:
 *             Porter's reference implementation, words of <= 2 UTF-16 units unchanged).
 * "standard": the same tokenizer + lowercase (Lucene 8 StandardAnalyzer: no stop words).
 * "english-libstemmer": "english" with libstemmer's Snowball "porter" instead of Lucene's
 *             PorterStemmer (differs on -logy, -bly and 1-2 letter words; kept for comparison,
 *             see docs/analyzer.md).
 *
 * Exception to the "no malloc in kernels" rule: an analyzer allocates its own state, and
 * spr_analyzer_run grows the caller's spr_tokens buffers (amortized; no per-token malloc).
 * Agreement with the real Lucene is measured in docs/analyzer.md. */
#ifndef SPR_ANALYZER_H
#define SPR_ANALYZER_H
#include <stddef.h>
#include <stdint.h>
#include "spr_status.h"

#define SPR_ANALYZER_MAX_TOKEN 255u /* UTF-16 code units, as Lucene's maxTokenLength */

/* Analyzer state. One per thread: not thread-safe (scratch buffers, libstemmer). */
typedef struct spr_analyzer spr_analyzer;

/* Caller-owned growable output. Initialize with `spr_tokens t = {0};`. */
typedef struct spr_tokens {
  char *buf;     /* owned: terms, each NUL-terminated, back to back (UTF-8) */
  size_t len, cap;
  uint32_t *off; /* owned: off[i] = start of term i in buf */
  size_t n, ncap;
} spr_tokens;

/* Create an analyzer by name: "english", "standard" or "english-libstemmer".
 * Returns 0, SPR_EINVAL (unknown name) or SPR_ENOMEM. *out is owned by the caller (free with
 * spr_analyzer_free). Local; thread-safe (each call makes a new object). */
SPR_NODISCARD int spr_analyzer_create(const char *name, spr_analyzer **out);

/* Free an analyzer. NULL and *a == NULL are fine; sets *a = NULL. */
void spr_analyzer_free(spr_analyzer **a);

/* Append the terms of text[0..len) to toks. text is UTF-8 (borrowed for the call); invalid bytes
 * are separators, never a crash; text need not be NUL-terminated.
 * Returns the number of terms appended, or SPR_ENOMEM (toks then holds a consistent prefix:
 * every term below toks->n is complete), SPR_EINVAL (NULL arguments).
 * Not thread-safe for one analyzer; distinct analyzers may run concurrently. */
SPR_NODISCARD int64_t spr_analyzer_run(spr_analyzer *a, const char *text, size_t len,
                                       spr_tokens *toks);

/* Forget the terms (n = len = 0) but keep the memory. */
void spr_tokens_clear(spr_tokens *t);
/* Release the buffers and zero the struct. NULL is fine. */
void spr_tokens_free(spr_tokens *t);
/* Term i (NUL-terminated), i < t->n. Valid until the next run/clear/free on t. */
static inline const char *spr_tokens_get(const spr_tokens *t, size_t i) { return t->buf + t->off[i]; }

#endif /* SPR_ANALYZER_H */
