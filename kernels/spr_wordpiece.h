/* spr_wordpiece.h: Hugging Face BertTokenizer (slow, do_lower_case=True) in C, bit-exact.
 * Local (no MPI, no I/O). Unicode data from utf8proc.
 *
 * The rules (../shared/golden/splade-tiny/README.md, "Tokenizer"):
 *  1. the special tokens [PAD] [UNK] [CLS] [SEP] [MASK] written literally (case-sensitive) are cut
 *     out first and kept whole; the text between them is tokenized piece by piece;
 *  2. clean: drop U+0000, U+FFFD and every C* char except TAB/LF/CR; TAB/LF/CR and Zs -> space;
 *  3. spaces around CJK ideographs (the 8 blocks of BasicTokenizer._is_chinese_char);
 *  4. split on Python whitespace (space, U+2028, U+2029 remain after step 2); a word equal to a
 *     special token is kept whole (BasicTokenizer's never_split);
 *  5. per word: Python str.lower() (full lowercase: U+0130 -> i + U+0307; final-sigma rule with
 *     Cased/Case_Ignorable context inside the word), NFD, drop Mn;
 *  6. every punctuation char (ASCII 33-47, 58-64, 91-96, 123-126, category P*) is its own word;
 *  7. WordPiece: > 100 code points -> [UNK]; greedy longest-match-first, "##" continuations, a
 *     word with an unmatched position -> one [UNK];
 *  8. [CLS] + the first max_length-2 ids + [SEP].
 * Invalid UTF-8 bytes count as U+FFFD (dropped by step 2).
 *
 * Exception to "no malloc in kernels": the vocabulary and the per-thread scratch allocate (the
 * scratch grows amortized; nothing is allocated per token). */
#ifndef SPR_WORDPIECE_H
#define SPR_WORDPIECE_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"

#define SPR_WORDPIECE_MAX_WORD 100u /* code points; longer words become [UNK] */

/* A vocabulary (token id = 0-based line number of vocab.txt). Immutable after creation:
 * thread-safe for concurrent encodes. */
typedef struct spr_wordpiece spr_wordpiece;

/* Build from the bytes of a vocab.txt (one token per line, '\n' or "\r\n"; a final line without
 * newline counts). The text is copied. Errors: SPR_EPARSE (empty vocabulary, or [CLS], [SEP] or
 * [UNK] missing: the message names the token), SPR_ENOMEM. Duplicate lines keep the first id. */
SPR_NODISCARD int spr_wordpiece_create(const char *vocab, size_t len, spr_wordpiece **out);
/* NULL and *wp == NULL are fine; sets *wp = NULL. */
void spr_wordpiece_free(spr_wordpiece **wp);

/* Number of tokens. */
uint32_t spr_wordpiece_size(const spr_wordpiece *wp);
/* Token string of id (< size), NUL-terminated, borrowed for the vocabulary's lifetime. */
const char *spr_wordpiece_token(const spr_wordpiece *wp, uint32_t id);
/* Id of the token tok[0..len), or SPR_ENOTFOUND (no message recorded: a lookup miss is not an
 * error). */
int64_t spr_wordpiece_lookup(const spr_wordpiece *wp, const char *tok, size_t len);
/* Ids of [CLS], [SEP], [UNK]; 1 if id is one of the five special tokens. */
int32_t spr_wordpiece_cls(const spr_wordpiece *wp);
int32_t spr_wordpiece_sep(const spr_wordpiece *wp);
int32_t spr_wordpiece_unk(const spr_wordpiece *wp);
int spr_wordpiece_is_special(const spr_wordpiece *wp, int32_t id);

/* Per-thread scratch (growable buffers). Not thread-safe: one per thread. */
typedef struct spr_wordpiece_scratch spr_wordpiece_scratch;
SPR_NODISCARD int spr_wordpiece_scratch_create(spr_wordpiece_scratch **out);
void spr_wordpiece_scratch_free(spr_wordpiece_scratch **s);

/* Tokenize text[0..len) (UTF-8, borrowed for the call, need not be NUL-terminated) into
 * ids[0..n): [CLS], the first max_length-2 WordPiece ids, [SEP]. ids must hold max_length entries;
 * max_length >= 2. If n_untruncated is not NULL it receives the length without truncation
 * ([CLS]/[SEP] included; the whole text is then tokenized), otherwise tokenizing stops as soon as
 * the ids are full. Returns n, or SPR_EINVAL (max_length < 2, NULL arguments), SPR_ENOMEM. */
SPR_NODISCARD int64_t spr_wordpiece_encode(const spr_wordpiece *wp, spr_wordpiece_scratch *s,
                                           const char *text, size_t len, uint32_t max_length,
                                           int32_t *ids, uint64_t *n_untruncated);
#endif /* SPR_WORDPIECE_H */
