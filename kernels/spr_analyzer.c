/* spr_analyzer.c: Lucene 8 EnglishAnalyzer / StandardAnalyzer equivalents.
 *
 * Why each piece looks the way it does:
 * - The tokenizer reproduces Lucene 8.7's StandardTokenizerImpl.jflex, which is a longest-match
 *   scanner over UAX#29 word-break classes, not a literal UAX#29 segmenter: a token is
 *   ExtendNumLet* piece ((ExtendNumLet* | Mid) piece)* ExtendNumLet*, where letters join letters
 *   across MidLetter/MidNumLet/Single_Quote, digits join digits across MidNum/MidNumLet/
 *   Single_Quote, letters and digits touch directly, and Katakana only joins Katakana. Every
 *   Han ideograph and every Hiragana character is its own token; runs of Thai/Lao/Khmer/Myanmar
 *   (Line_Break=SA) are one token; emoji are tokens. Everything else is skipped. Greedy scanning
 *   with one-piece lookahead across a Mid character gives the same longest match.
 * - utf8proc has no Word_Break property, so classes come from the general category plus the
 *   short explicit lists of UAX#29 (MidLetter, MidNum, ...) and script ranges (Han, Kana, SA).
 * - Lucene counts token length in UTF-16 units and splits tokens at 255 units; so do we.
 * - Lucene's PorterStemmer is Martin Porter's reference C implementation (with its "bli"->"ble"
 *   and "logi"->"log" departures, and words of <= 2 units left alone), which Snowball's
 *   "porter" is not: "technology" is "technolog" in Lucene, "technologi" in Snowball. The
 *   stemmer below follows Lucene's, on UTF-16 units like Java, so tokens match exactly;
 *   libstemmer stays available as "english-libstemmer" for comparison.
 * - ASCII is the fast path everywhere: a byte table for classes, byte-wise lowercasing, no
 *   decoding. Non-ASCII tokens go through code points / UTF-16 units in fixed scratch arrays. */
#include "spr_analyzer.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

enum {
  SPR_WB_OTHER = 0,
  SPR_WB_ALETTER,
  SPR_WB_HEBREW,
  SPR_WB_NUMERIC,
  SPR_WB_KATAKANA,
  SPR_WB_ENL, /* ExtendNumLet */
  SPR_WB_MIDLETTER,
  SPR_WB_MIDNUM,
  SPR_WB_MIDNUMLET,
  SPR_WB_SQUOTE,
  SPR_WB_DQUOTE,
  SPR_WB_EXTEND, /* Extend, Format, ZWJ: absorbed by the preceding character (WB4) */
  SPR_WB_HAN,
  SPR_WB_HIRAGANA,
  SPR_WB_SA,
  SPR_WB_EMOJI,
  SPR_WB_RI
};

enum { SPR_AN_STANDARD = 0, SPR_AN_ENGLISH = 1, SPR_AN_ENGLISH_SNOWBALL = 2 };

#define SPR_BADCP 0xFFFFFFFFu
#define SPR_SCRATCH 600 /* > 2 * SPR_ANALYZER_MAX_TOKEN units: lowercasing may widen */

/* Direct-mapped cache of ASCII stems: English text repeats its words, and a lookup is several
 * times cheaper than Porter's steps. Exact: the whole key is compared. */
#define SPR_STEM_CACHE 4096u /* entries, a power of two */
#define SPR_STEM_KEY 22u     /* longest cached word, bytes */
typedef struct spr_stem_entry {
  uint8_t klen, vlen; /* klen 0: empty slot */
  char key[SPR_STEM_KEY], val[SPR_STEM_KEY];
} spr_stem_entry;

struct spr_analyzer {
  int kind;
  spr_stem_entry *cache;       /* owned: SPR_STEM_CACHE entries, "english" only */
  struct sb_stemmer *sb;       /* owned, only for "english-libstemmer" */
  uint32_t cp[SPR_SCRATCH];    /* code points of the current non-ASCII token */
  uint16_t units[SPR_SCRATCH]; /* UTF-16 units for the stemmer */
};

/* ------------------------------------------------------------------ character classes */

static const uint8_t spr_ascii_class[128] = {
    ['0'] = SPR_WB_NUMERIC, ['1'] = SPR_WB_NUMERIC, ['2'] = SPR_WB_NUMERIC, ['3'] = SPR_WB_NUMERIC,
    ['4'] = SPR_WB_NUMERIC, ['5'] = SPR_WB_NUMERIC, ['6'] = SPR_WB_NUMERIC, ['7'] = SPR_WB_NUMERIC,
    ['8'] = SPR_WB_NUMERIC, ['9'] = SPR_WB_NUMERIC,
    ['A'] = SPR_WB_ALETTER, ['B'] = SPR_WB_ALETTER, ['C'] = SPR_WB_ALETTER, ['D'] = SPR_WB_ALETTER,
    ['E'] = SPR_WB_ALETTER, ['F'] = SPR_WB_ALETTER, ['G'] = SPR_WB_ALETTER, ['H'] = SPR_WB_ALETTER,
    ['I'] = SPR_WB_ALETTER, ['J'] = SPR_WB_ALETTER, ['K'] = SPR_WB_ALETTER, ['L'] = SPR_WB_ALETTER,
    ['M'] = SPR_WB_ALETTER, ['N'] = SPR_WB_ALETTER, ['O'] = SPR_WB_ALETTER, ['P'] = SPR_WB_ALETTER,
    ['Q'] = SPR_WB_ALETTER, ['R'] = SPR_WB_ALETTER, ['S'] = SPR_WB_ALETTER, ['T'] = SPR_WB_ALETTER,
    ['U'] = SPR_WB_ALETTER, ['V'] = SPR_WB_ALETTER, ['W'] = SPR_WB_ALETTER, ['X'] = SPR_WB_ALETTER,
    ['Y'] = SPR_WB_ALETTER, ['Z'] = SPR_WB_ALETTER,
    ['a'] = SPR_WB_ALETTER, ['b'] = SPR_WB_ALETTER, ['c'] = SPR_WB_ALETTER, ['d'] = SPR_WB_ALETTER,
    ['e'] = SPR_WB_ALETTER, ['f'] = SPR_WB_ALETTER, ['g'] = SPR_WB_ALETTER, ['h'] = SPR_WB_ALETTER,
    ['i'] = SPR_WB_ALETTER, ['j'] = SPR_WB_ALETTER, ['k'] = SPR_WB_ALETTER, ['l'] = SPR_WB_ALETTER,
    ['m'] = SPR_WB_ALETTER, ['n'] = SPR_WB_ALETTER, ['o'] = SPR_WB_ALETTER, ['p'] = SPR_WB_ALETTER,
    ['q'] = SPR_WB_ALETTER, ['r'] = SPR_WB_ALETTER, ['s'] = SPR_WB_ALETTER, ['t'] = SPR_WB_ALETTER,
    ['u'] = SPR_WB_ALETTER, ['v'] = SPR_WB_ALETTER, ['w'] = SPR_WB_ALETTER, ['x'] = SPR_WB_ALETTER,
    ['y'] = SPR_WB_ALETTER, ['z'] = SPR_WB_ALETTER,
    ['_'] = SPR_WB_ENL, ['.'] = SPR_WB_MIDNUMLET, ['\''] = SPR_WB_SQUOTE, ['"'] = SPR_WB_DQUOTE,
    [':'] = SPR_WB_MIDLETTER, [','] = SPR_WB_MIDNUM, [';'] = SPR_WB_MIDNUM,
};

typedef struct spr_cprange {
  uint32_t lo, hi;
} spr_cprange;

static int spr_in_ranges(uint32_t cp, const spr_cprange *r, size_t n) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (cp < r[mid].lo)
      hi = mid;
    else if (cp > r[mid].hi)
      lo = mid + 1;
    else
      return 1;
  }
  return 0;
}
#define SPR_NRANGES(r) (sizeof(r) / sizeof((r)[0]))

/* Script=Han (Lucene: one token per ideograph). */
static const spr_cprange spr_han[] = {
    {0x2E80, 0x2E99}, {0x2E9B, 0x2EF3}, {0x2F00, 0x2FD5}, {0x3005, 0x3005}, {0x3007, 0x3007},
    {0x3021, 0x3029}, {0x3038, 0x303B}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFA6D},
    {0xFA70, 0xFAD9}, {0x20000, 0x2FA1F}, {0x30000, 0x3134F},
};
/* Word_Break=Katakana. */
static const spr_cprange spr_katakana[] = {
    {0x3031, 0x3035}, {0x309B, 0x309C}, {0x30A0, 0x30FA}, {0x30FC, 0x30FF}, {0x31F0, 0x31FF},
    {0x32D0, 0x32FE}, {0x3300, 0x3357}, {0xFF66, 0xFF9D}, {0x1B000, 0x1B000},
};
/* Script=Hiragana. */
static const spr_cprange spr_hiragana[] = {
    {0x3041, 0x3096}, {0x309D, 0x309F}, {0x1B001, 0x1B11F}, {0x1F200, 0x1F200},
};
/* Word_Break=Hebrew_Letter. */
static const spr_cprange spr_hebrew[] = {
    {0x05D0, 0x05EA}, {0x05EF, 0x05F2}, {0xFB1D, 0xFB1D}, {0xFB1F, 0xFB28}, {0xFB2A, 0xFB4F},
};
/* Blocks of the Line_Break=SA scripts (Thai, Lao, Myanmar, Khmer, Tai Le, New Tai Lue, Tai Tham,
 * Tai Viet, Myanmar extensions, Ahom); only letters and marks in them are SA. */
static const spr_cprange spr_sa_blocks[] = {
    {0x0E00, 0x0EFF}, {0x1000, 0x109F}, {0x1780, 0x17FF}, {0x1950, 0x19DF}, {0x1A20, 0x1AAF},
    {0xA9E0, 0xA9FF}, {0xAA60, 0xAADF}, {0x11700, 0x1174F},
};
/* Emoji that Lucene 8.7 emits as tokens, outside the 1F000-1FAFF planes' symbols (Emoji=Yes
 * without ASCII, plus a few Extended_Pictographic ones observed, e.g. U+2605). */
static const spr_cprange spr_emoji[] = {
    {0x00A9, 0x00A9}, {0x00AE, 0x00AE}, {0x203C, 0x203C}, {0x2049, 0x2049}, {0x2122, 0x2122},
    {0x2139, 0x2139}, {0x2194, 0x2199}, {0x21A9, 0x21AA}, {0x231A, 0x231B}, {0x2328, 0x2328},
    {0x23CF, 0x23CF}, {0x23E9, 0x23F3}, {0x23F8, 0x23FA}, {0x24C2, 0x24C2}, {0x25AA, 0x25AB},
    {0x25B6, 0x25B6}, {0x25C0, 0x25C0}, {0x25FB, 0x25FE}, {0x2600, 0x2605}, {0x260E, 0x260E},
    {0x2611, 0x2611}, {0x2614, 0x2615}, {0x2618, 0x2618}, {0x261D, 0x261D}, {0x2620, 0x2620},
    {0x2622, 0x2623}, {0x2626, 0x2626}, {0x262A, 0x262A}, {0x262E, 0x262F}, {0x2638, 0x263A},
    {0x2640, 0x2640}, {0x2642, 0x2642}, {0x2648, 0x2653}, {0x265F, 0x2660}, {0x2663, 0x2663},
    {0x2665, 0x2666}, {0x2668, 0x2668}, {0x267B, 0x267B}, {0x267E, 0x267F}, {0x2692, 0x2697},
    {0x2699, 0x2699}, {0x269B, 0x269C}, {0x26A0, 0x26A1}, {0x26A7, 0x26A7}, {0x26AA, 0x26AB},
    {0x26B0, 0x26B1}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26C8, 0x26C8}, {0x26CE, 0x26CF},
    {0x26D1, 0x26D1}, {0x26D3, 0x26D4}, {0x26E9, 0x26EA}, {0x26F0, 0x26F5}, {0x26F7, 0x26FA},
    {0x26FD, 0x26FD}, {0x2702, 0x2702}, {0x2705, 0x2705}, {0x2708, 0x270D}, {0x270F, 0x270F},
    {0x2712, 0x2712}, {0x2714, 0x2714}, {0x2716, 0x2716}, {0x271D, 0x271D}, {0x2721, 0x2721},
    {0x2728, 0x2728}, {0x2733, 0x2734}, {0x2744, 0x2744}, {0x2747, 0x2747}, {0x274C, 0x274C},
    {0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757}, {0x2763, 0x2764}, {0x2795, 0x2797},
    {0x27A1, 0x27A1}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF}, {0x2934, 0x2935}, {0x2B05, 0x2B07},
    {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x3030, 0x3030}, {0x303D, 0x303D},
    {0x3297, 0x3297}, {0x3299, 0x3299},
};
/* Symbols (Sk) that UAX#29 still counts as ALetter. */
static const spr_cprange spr_aletter_extra[] = {
    {0x02C2, 0x02C5}, {0x02D2, 0x02D7}, {0x02DE, 0x02DF}, {0x02E5, 0x02EB}, {0x02ED, 0x02ED},
    {0x02EF, 0x02FF}, {0x05F3, 0x05F3}, {0x24B6, 0x24E9}, {0xA720, 0xA721}, {0xA789, 0xA78A},
    {0xAB5B, 0xAB5B},
};

static uint8_t spr_wb_class_slow(uint32_t cp) {
  if (cp == SPR_BADCP) return SPR_WB_OTHER;
  switch (cp) {
  case 0x00B7: case 0x0387: case 0x05F4: case 0x2027: case 0xFE13: case 0xFE55: case 0xFF1A:
    return SPR_WB_MIDLETTER;
  case 0x2018: case 0x2019: case 0x2024: case 0xFE52: case 0xFF07: case 0xFF0E:
    return SPR_WB_MIDNUMLET;
  case 0x037E: case 0x0589: case 0x060C: case 0x060D: case 0x066C: case 0x07F8: case 0x2044:
  case 0xFE10: case 0xFE14: case 0xFE50: case 0xFE54: case 0xFF0C: case 0xFF1B:
    return SPR_WB_MIDNUM;
  case 0x202F: return SPR_WB_ENL;
  case 0x200B: case 0x0085: case 0x2028: case 0x2029: return SPR_WB_OTHER;
  case 0x200C: case 0x200D: return SPR_WB_EXTEND;
  default: break;
  }
  if (cp >= 0x0590 && cp <= 0xFB4F && spr_in_ranges(cp, spr_hebrew, SPR_NRANGES(spr_hebrew)))
    return SPR_WB_HEBREW;
  if (cp >= 0x2E80) {
    if (spr_in_ranges(cp, spr_han, SPR_NRANGES(spr_han))) return SPR_WB_HAN;
    if (spr_in_ranges(cp, spr_katakana, SPR_NRANGES(spr_katakana))) return SPR_WB_KATAKANA;
    if (spr_in_ranges(cp, spr_hiragana, SPR_NRANGES(spr_hiragana))) return SPR_WB_HIRAGANA;
    if (cp >= 0x1F1E6 && cp <= 0x1F1FF) return SPR_WB_RI;
  }
  const utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
  if (spr_in_ranges(cp, spr_sa_blocks, SPR_NRANGES(spr_sa_blocks))) {
    if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME) return SPR_WB_SA;
  }
  if (spr_in_ranges(cp, spr_emoji, SPR_NRANGES(spr_emoji))) return SPR_WB_EMOJI;
  if (cp >= 0x1F000 && cp <= 0x1FAFF && (cat == UTF8PROC_CATEGORY_SO || cat == UTF8PROC_CATEGORY_SK))
    return SPR_WB_EMOJI; /* emoji planes; U+1F3FB..1F3FF modifiers are Sk */
  switch (cat) {
  case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
  case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_NL:
    return SPR_WB_ALETTER;
  case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
  case UTF8PROC_CATEGORY_CF:
    return SPR_WB_EXTEND;
  case UTF8PROC_CATEGORY_ND: return SPR_WB_NUMERIC;
  case UTF8PROC_CATEGORY_PC: return SPR_WB_ENL;
  default: break;
  }
  if (spr_in_ranges(cp, spr_aletter_extra, SPR_NRANGES(spr_aletter_extra))) return SPR_WB_ALETTER;
  return SPR_WB_OTHER;
}

/* Decode one code point at s[i] (i < len). Invalid, overlong, surrogate or truncated sequences
 * give SPR_BADCP with *adv = 1, so that the scanner skips exactly one byte. */
static inline uint32_t spr_utf8_next(const uint8_t *s, size_t len, size_t i, size_t *adv) {
  const uint32_t c = s[i];
  *adv = 1;
  if (c < 0x80) return c;
  if (c < 0xC2 || c > 0xF4) return SPR_BADCP;
  if (c < 0xE0) {
    if (i + 1 >= len || (s[i + 1] & 0xC0) != 0x80) return SPR_BADCP;
    *adv = 2;
    return ((c & 0x1F) << 6) | (s[i + 1] & 0x3Fu);
  }
  if (c < 0xF0) {
    if (i + 2 >= len || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return SPR_BADCP;
    const uint32_t cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return SPR_BADCP;
    *adv = 3;
    return cp;
  }
  if (i + 3 >= len || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 ||
      (s[i + 3] & 0xC0) != 0x80)
    return SPR_BADCP;
  const uint32_t cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
                      ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
  if (cp < 0x10000 || cp > 0x10FFFF) return SPR_BADCP;
  *adv = 4;
  return cp;
}

static inline uint8_t spr_wb_class(uint32_t cp) {
  return cp < 0x80 ? spr_ascii_class[cp] : spr_wb_class_slow(cp);
}

/* ------------------------------------------------------------------ scanner */

/* A scan position with the UTF-16 length of the token so far (Lucene's 255-unit limit). */
typedef struct spr_scan {
  const uint8_t *s;
  size_t len;
} spr_scan;

/* Class of the code point at i, its byte length and UTF-16 length. i < len. */
static inline uint8_t spr_peek(const spr_scan *sc, size_t i, size_t *adv, uint32_t *units,
                               uint32_t *cpout) {
  const uint8_t b = sc->s[i];
  if (b < 0x80) {
    *adv = 1;
    *units = 1;
    if (cpout) *cpout = b;
    return spr_ascii_class[b];
  }
  const uint32_t cp = spr_utf8_next(sc->s, sc->len, i, adv);
  *units = cp >= 0x10000 && cp != SPR_BADCP ? 2u : 1u;
  if (cpout) *cpout = cp;
  return spr_wb_class_slow(cp);
}

/* Skip Extend/Format/ZWJ characters from i while they fit in the unit budget. */
static inline size_t spr_skip_ext(const spr_scan *sc, size_t i, uint32_t *u) {
  while (i < sc->len && sc->s[i] >= 0x80) {
    size_t adv;
    uint32_t un;
    if (spr_peek(sc, i, &adv, &un, NULL) != SPR_WB_EXTEND) break;
    if (*u + un > SPR_ANALYZER_MAX_TOKEN) break;
    *u += un;
    i += adv;
  }
  return i;
}

enum { SPR_ST_NONE, SPR_ST_L, SPR_ST_H, SPR_ST_N, SPR_ST_K, SPR_ST_E, SPR_ST_HQ };

/* Longest word/number token starting at start (class ALetter, Hebrew, Numeric, Katakana or
 * ExtendNumLet). Returns its end, or start when there is none (a lone ExtendNumLet run). */
static size_t spr_match_word(const spr_scan *sc, size_t start) {
  size_t pos = start, end = start;
  uint32_t u = 0;
  int st = SPR_ST_NONE;
  while (pos < sc->len) {
    if (st != SPR_ST_K && sc->s[pos] < 0x80) { /* fast path: a run of ASCII letters/digits */
      const size_t p0 = pos;
      while (pos < sc->len && u < SPR_ANALYZER_MAX_TOKEN) {
        const uint8_t b = sc->s[pos];
        if (b >= 0x80) break;
        const uint8_t c = spr_ascii_class[b];
        if (c == SPR_WB_ALETTER)
          st = SPR_ST_L;
        else if (c == SPR_WB_NUMERIC)
          st = SPR_ST_N;
        else
          break;
        pos++;
        u++;
      }
      if (pos != p0) {
        pos = spr_skip_ext(sc, pos, &u);
        end = pos;
        continue;
      }
      if (pos >= sc->len) break;
    }
    size_t adv;
    uint32_t un;
    const uint8_t cls = spr_peek(sc, pos, &adv, &un, NULL);
    if (u + un > SPR_ANALYZER_MAX_TOKEN) break;
    if (cls == SPR_WB_ALETTER || cls == SPR_WB_HEBREW || cls == SPR_WB_NUMERIC) {
      if (st == SPR_ST_K) break;
      st = cls == SPR_WB_ALETTER ? SPR_ST_L : cls == SPR_WB_HEBREW ? SPR_ST_H : SPR_ST_N;
    } else if (cls == SPR_WB_KATAKANA) {
      if (st != SPR_ST_NONE && st != SPR_ST_K && st != SPR_ST_E) break;
      st = SPR_ST_K;
    } else if (cls == SPR_WB_ENL) {
      if (st != SPR_ST_NONE) st = SPR_ST_E;
    } else if (cls >= SPR_WB_MIDLETTER && cls <= SPR_WB_DQUOTE) {
      const int letter = st == SPR_ST_L || st == SPR_ST_H;
      int want = -1; /* class needed after the mid character */
      if (letter && (cls == SPR_WB_MIDLETTER || cls == SPR_WB_MIDNUMLET || cls == SPR_WB_SQUOTE))
        want = SPR_WB_ALETTER;
      else if (st == SPR_ST_N && (cls == SPR_WB_MIDNUM || cls == SPR_WB_MIDNUMLET || cls == SPR_WB_SQUOTE))
        want = SPR_WB_NUMERIC;
      else if (st == SPR_ST_H && cls == SPR_WB_DQUOTE)
        want = SPR_WB_HEBREW;
      if (want < 0) break;
      uint32_t u2 = u + un;
      const size_t p2 = spr_skip_ext(sc, pos + adv, &u2);
      size_t adv2;
      uint32_t un2;
      const uint8_t c2 = p2 < sc->len ? spr_peek(sc, p2, &adv2, &un2, NULL) : SPR_WB_OTHER;
      const int ok = (want == SPR_WB_ALETTER && (c2 == SPR_WB_ALETTER || c2 == SPR_WB_HEBREW)) ||
                     (want == SPR_WB_NUMERIC && c2 == SPR_WB_NUMERIC) ||
                     (want == SPR_WB_HEBREW && c2 == SPR_WB_HEBREW);
      if (ok && u2 + un2 <= SPR_ANALYZER_MAX_TOKEN) {
        u = u2 + un2;
        pos = spr_skip_ext(sc, p2 + adv2, &u);
        st = c2 == SPR_WB_ALETTER ? SPR_ST_L : c2 == SPR_WB_HEBREW ? SPR_ST_H : SPR_ST_N;
        end = pos;
        continue;
      }
      /* WB7a: Hebrew_Letter x Single_Quote, even at the end of a word. */
      if (st == SPR_ST_H && cls == SPR_WB_SQUOTE) {
        u += un;
        pos = spr_skip_ext(sc, pos + adv, &u);
        st = SPR_ST_HQ;
        end = pos;
        continue;
      }
      break;
    } else {
      break;
    }
    u += un;
    pos = spr_skip_ext(sc, pos + adv, &u);
    if (st != SPR_ST_NONE) end = pos;
  }
  return end;
}

/* ------------------------------------------------------------------ Lucene's PorterStemmer */

/* State of Porter's reference algorithm over UTF-16 units: b[k0..k] is the word; j marks the
 * end of the stem for the suffix last matched by ends(). */
typedef struct spr_porter {
  uint16_t *b;
  int k, k0, j;
} spr_porter;

static int spr_p_cons(const spr_porter *z, int i) {
  for (;;) {
    switch (z->b[i]) {
    case 'a': case 'e': case 'i': case 'o': case 'u': return 0;
    case 'y':
      if (i == z->k0) return 1;
      /* y is a consonant iff the previous letter is a vowel: invert cons(i - 1). */
      return !spr_p_cons(z, i - 1);
    default: return 1;
    }
  }
}

/* Number of VC sequences in b[k0..j]. */
static int spr_p_m(const spr_porter *z) {
  int n = 0, i = z->k0;
  for (;;) {
    if (i > z->j) return n;
    if (!spr_p_cons(z, i)) break;
    i++;
  }
  i++;
  for (;;) {
    for (;;) {
      if (i > z->j) return n;
      if (spr_p_cons(z, i)) break;
      i++;
    }
    i++;
    n++;
    for (;;) {
      if (i > z->j) return n;
      if (!spr_p_cons(z, i)) break;
      i++;
    }
    i++;
  }
}

static int spr_p_vowelinstem(const spr_porter *z) {
  for (int i = z->k0; i <= z->j; i++)
    if (!spr_p_cons(z, i)) return 1;
  return 0;
}

static int spr_p_doublec(const spr_porter *z, int j) {
  if (j < z->k0 + 1) return 0;
  if (z->b[j] != z->b[j - 1]) return 0;
  return spr_p_cons(z, j);
}

static int spr_p_cvc(const spr_porter *z, int i) {
  if (i < z->k0 + 2 || !spr_p_cons(z, i) || spr_p_cons(z, i - 1) || !spr_p_cons(z, i - 2)) return 0;
  const uint16_t ch = z->b[i];
  return !(ch == 'w' || ch == 'x' || ch == 'y');
}

static int spr_p_ends_n(spr_porter *z, const char *s, int l) {
  const int o = z->k - l + 1;
  if (o < z->k0) return 0;
  for (int i = 0; i < l; i++)
    if (z->b[o + i] != (uint16_t)(unsigned char)s[i]) return 0;
  z->j = z->k - l;
  return 1;
}
#define SPR_ENDS(z, s) spr_p_ends_n((z), (s), (int)(sizeof(s) - 1))

static void spr_p_setto_n(spr_porter *z, const char *s, int l) {
  const int o = z->j + 1;
  for (int i = 0; i < l; i++) z->b[o + i] = (uint16_t)(unsigned char)s[i];
  z->k = z->j + l;
}
#define SPR_SETTO(z, s) spr_p_setto_n((z), (s), (int)(sizeof(s) - 1))

/* Plurals and -ed/-ing (Porter step 1ab). */
static void spr_p_step1(spr_porter *z) {
  if (z->b[z->k] == 's') {
    if (SPR_ENDS(z, "sses"))
      z->k -= 2;
    else if (SPR_ENDS(z, "ies"))
      SPR_SETTO(z, "i");
    else if (z->b[z->k - 1] != 's')
      z->k--;
  }
  if (SPR_ENDS(z, "eed")) {
    if (spr_p_m(z) > 0) z->k--;
  } else if ((SPR_ENDS(z, "ed") || SPR_ENDS(z, "ing")) && spr_p_vowelinstem(z)) {
    z->k = z->j;
    if (SPR_ENDS(z, "at"))
      SPR_SETTO(z, "ate");
    else if (SPR_ENDS(z, "bl"))
      SPR_SETTO(z, "ble");
    else if (SPR_ENDS(z, "iz"))
      SPR_SETTO(z, "ize");
    else if (spr_p_doublec(z, z->k)) {
      const uint16_t ch = z->b[z->k--];
      if (ch == 'l' || ch == 's' || ch == 'z') z->k++;
    } else if (spr_p_m(z) == 1 && spr_p_cvc(z, z->k)) {
      SPR_SETTO(z, "e");
    }
  }
}

/* Terminal y -> i when there is another vowel (step 1c). */
static void spr_p_step2(spr_porter *z) {
  if (SPR_ENDS(z, "y") && spr_p_vowelinstem(z)) z->b[z->k] = 'i';
}

/* Porter's suffix rules (steps 2, 3 and 4): the first rule whose key is the selecting letter and
 * whose suffix ends the word sets the stem's end (j) and decides; no other rule applies. */
typedef struct spr_p_rule {
  uint16_t key;
  int len, rlen;
  const char *suf, *rep;
} spr_p_rule;
#define SPR_P_RULE(key, suf, rep) {(uint16_t)(key), (int)sizeof(suf) - 1, (int)sizeof(rep) - 1, suf, rep}

/* The first of r[0..n) whose key is key and whose suffix ends the word (j set by it), or NULL. */
static const spr_p_rule *spr_p_match(spr_porter *z, uint16_t key, const spr_p_rule *r, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (r[i].key == key && spr_p_ends_n(z, r[i].suf, r[i].len)) return &r[i];
  return NULL;
}

/* The first matching rule's suffix becomes its replacement when m() > 0 (Porter steps 2 and 3). */
static void spr_p_rules(spr_porter *z, uint16_t key, const spr_p_rule *r, size_t n) {
  const spr_p_rule *x = spr_p_match(z, key, r, n);
  if (x && spr_p_m(z) > 0) spr_p_setto_n(z, x->rep, x->rlen);
}

/* Double suffixes to single ones (Porter step 2, with the reference code's bli/logi), selected by
 * the next-to-last letter. */
static const spr_p_rule spr_p_step3_rules[] = {
    SPR_P_RULE('a', "ational", "ate"), SPR_P_RULE('a', "tional", "tion"), SPR_P_RULE('c', "enci", "ence"),
    SPR_P_RULE('c', "anci", "ance"), SPR_P_RULE('e', "izer", "ize"), SPR_P_RULE('l', "bli", "ble"),
    SPR_P_RULE('l', "alli", "al"), SPR_P_RULE('l', "entli", "ent"), SPR_P_RULE('l', "eli", "e"),
    SPR_P_RULE('l', "ousli", "ous"), SPR_P_RULE('o', "ization", "ize"), SPR_P_RULE('o', "ation", "ate"),
    SPR_P_RULE('o', "ator", "ate"), SPR_P_RULE('s', "alism", "al"), SPR_P_RULE('s', "iveness", "ive"),
    SPR_P_RULE('s', "fulness", "ful"), SPR_P_RULE('s', "ousness", "ous"), SPR_P_RULE('t', "aliti", "al"),
    SPR_P_RULE('t', "iviti", "ive"), SPR_P_RULE('t', "biliti", "ble"), SPR_P_RULE('g', "logi", "log"),
};

static void spr_p_step3(spr_porter *z) {
  if (z->k == z->k0) return;
  spr_p_rules(z, z->b[z->k - 1], spr_p_step3_rules, sizeof spr_p_step3_rules / sizeof *spr_p_step3_rules);
}

/* -ic-, -full, -ness etc. (Porter step 3), selected by the last letter. */
static const spr_p_rule spr_p_step4_rules[] = {
    SPR_P_RULE('e', "icate", "ic"), SPR_P_RULE('e', "ative", ""), SPR_P_RULE('e', "alize", "al"),
    SPR_P_RULE('i', "iciti", "ic"), SPR_P_RULE('l', "ical", "ic"), SPR_P_RULE('l', "ful", ""),
    SPR_P_RULE('s', "ness", ""),
};

static void spr_p_step4(spr_porter *z) {
  spr_p_rules(z, z->b[z->k], spr_p_step4_rules, sizeof spr_p_step4_rules / sizeof *spr_p_step4_rules);
}

/* -ant, -ence etc. in context <c>vcvc<v> (Porter step 4), selected by the next-to-last letter;
 * -ion only after s or t. */
static const spr_p_rule spr_p_step5_rules[] = {
    SPR_P_RULE('a', "al", ""), SPR_P_RULE('c', "ance", ""), SPR_P_RULE('c', "ence", ""),
    SPR_P_RULE('e', "er", ""), SPR_P_RULE('i', "ic", ""), SPR_P_RULE('l', "able", ""),
    SPR_P_RULE('l', "ible", ""), SPR_P_RULE('n', "ant", ""), SPR_P_RULE('n', "ement", ""),
    SPR_P_RULE('n', "ment", ""), SPR_P_RULE('n', "ent", ""), SPR_P_RULE('o', "ion", ""),
    SPR_P_RULE('o', "ou", ""), SPR_P_RULE('s', "ism", ""), SPR_P_RULE('t', "ate", ""),
    SPR_P_RULE('t', "iti", ""), SPR_P_RULE('u', "ous", ""), SPR_P_RULE('v', "ive", ""),
    SPR_P_RULE('z', "ize", ""),
};

static void spr_p_step5(spr_porter *z) {
  if (z->k == z->k0) return;
  const spr_p_rule *r =
      spr_p_match(z, z->b[z->k - 1], spr_p_step5_rules, sizeof spr_p_step5_rules / sizeof *spr_p_step5_rules);
  if (!r) return;
  if (!strcmp(r->suf, "ion") && !(z->j >= z->k0 && (z->b[z->j] == 's' || z->b[z->j] == 't'))) return;
  if (spr_p_m(z) > 1) z->k = z->j;
}

/* Final -e and -ll (Porter step 5). */
static void spr_p_step6(spr_porter *z) {
  z->j = z->k;
  if (z->b[z->k] == 'e') {
    const int a = spr_p_m(z);
    if (a > 1 || (a == 1 && !spr_p_cvc(z, z->k - 1))) z->k--;
  }
  if (z->b[z->k] == 'l' && spr_p_doublec(z, z->k) && spr_p_m(z) > 1) z->k--;
}

/* Stem b[0..len) in place as Lucene's PorterStemmer does; returns the new length. */
static int spr_porter_stem(uint16_t *b, int len) {
  if (len <= 2) return len;
  spr_porter z = {.b = b, .k = len - 1, .k0 = 0, .j = 0};
  spr_p_step1(&z);
  spr_p_step2(&z);
  spr_p_step3(&z);
  spr_p_step4(&z);
  spr_p_step5(&z);
  spr_p_step6(&z);
  return z.k + 1;
}

/* ------------------------------------------------------------------ token filters */

/* Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (33 words), on lowercase ASCII. */
static int spr_is_stop(const char *w, size_t n) {
  switch (n) {
  case 1: return w[0] == 'a';
  case 2:
    switch (w[0]) {
    case 'a': return w[1] == 'n' || w[1] == 's' || w[1] == 't';
    case 'b': return w[1] == 'e' || w[1] == 'y';
    case 'i': return w[1] == 'f' || w[1] == 'n' || w[1] == 's' || w[1] == 't';
    case 'n': return w[1] == 'o';
    case 'o': return w[1] == 'f' || w[1] == 'n' || w[1] == 'r';
    case 't': return w[1] == 'o';
    default: return 0;
    }
  case 3:
    return !memcmp(w, "and", 3) || !memcmp(w, "are", 3) || !memcmp(w, "but", 3) ||
           !memcmp(w, "for", 3) || !memcmp(w, "not", 3) || !memcmp(w, "the", 3) ||
           !memcmp(w, "was", 3);
  case 4:
    return !memcmp(w, "into", 4) || !memcmp(w, "such", 4) || !memcmp(w, "that", 4) ||
           !memcmp(w, "then", 4) || !memcmp(w, "they", 4) || !memcmp(w, "this", 4) ||
           !memcmp(w, "will", 4) || !memcmp(w, "with", 4);
  case 5:
    return !memcmp(w, "their", 5) || !memcmp(w, "there", 5) || !memcmp(w, "these", 5);
  default: return 0;
  }
}

/* Slow path of spr_tokens_reserve. The buffer never exceeds 4 GiB, so that uint32 offsets hold. */
static int spr_tokens_grow(spr_tokens *t, size_t bytes) {
  const size_t limit = (size_t)UINT32_MAX;
  if (t->len + bytes > limit)
    return SPR_FAIL(SPR_ENOMEM, "analyzer: term buffer above 4 GiB (%zu bytes)", t->len + bytes);
  if (t->len + bytes > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 4096;
    while (cap < t->len + bytes) cap *= 2;
    if (cap > limit) cap = limit;
    char *nb = realloc(t->buf, cap);
    if (!nb) return SPR_FAIL(SPR_ENOMEM, "analyzer: term buffer of %zu bytes", cap);
    t->buf = nb;
    t->cap = cap;
  }
  if (t->n + 1 > t->ncap) {
    const size_t ncap = t->ncap ? t->ncap * 2 : 512;
    uint32_t *no = realloc(t->off, ncap * sizeof(*no));
    if (!no) return SPR_FAIL(SPR_ENOMEM, "analyzer: offsets for %zu terms", ncap);
    t->off = no;
    t->ncap = ncap;
  }
  return 0;
}

static inline int spr_tokens_reserve(spr_tokens *t, size_t bytes) {
  if (t->len + bytes <= t->cap && t->n < t->ncap) return 0;
  return spr_tokens_grow(t, bytes);
}

/* Commit the term written at t->buf + t->len with n bytes (n > 0). */
static inline void spr_tokens_push(spr_tokens *t, size_t n) {
  t->buf[t->len + n] = '\0';
  t->off[t->n++] = (uint32_t)t->len;
  t->len += n + 1;
}

static size_t spr_utf8_put(char *d, uint32_t cp) {
  if (cp < 0x80) {
    d[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    d[0] = (char)(0xC0 | (cp >> 6));
    d[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    d[0] = (char)(0xE0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  d[0] = (char)(0xF0 | (cp >> 18));
  d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  d[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* libstemmer variant: stem d[0..n) (lowercase UTF-8) in place; returns the new length. */
static size_t spr_snowball_stem(spr_analyzer *a, char *d, size_t n) {
  const sb_symbol *r = sb_stemmer_stem(a->sb, (const sb_symbol *)d, (int)n);
  if (!r) return n; /* libstemmer's only failure is out of memory: keep the word */
  size_t m = (size_t)sb_stemmer_length(a->sb);
  if (m > n) m = n; /* Porter never lengthens a word; be safe with the buffer anyway */
  memmove(d, r, m);
  return m;
}

/* Filter chain for one token s[0..n) of raw text. Returns 1 if a term was appended, 0 if it
 * was dropped (stop word), or a negative code. */
static int spr_emit(spr_analyzer *a, const uint8_t *s, size_t n, spr_tokens *t) {
  const int english = a->kind != SPR_AN_STANDARD;
  SPR_TRY(spr_tokens_reserve(t, n + 1));
  uint8_t any = 0; /* OR of all bytes: ASCII iff < 0x80 */
  {
    char *d = t->buf + t->len;
    for (size_t i = 0; i < n; i++) {
      const uint8_t c = s[i];
      any |= c;
      d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
  }
  if (any < 0x80) {
    char *d = t->buf + t->len;
    size_t m = n;
    if (english) {
      if (m >= 2 && d[m - 1] == 's' && d[m - 2] == '\'') m -= 2;
      if (m == 0 || spr_is_stop(d, m)) return 0;
      if (a->kind == SPR_AN_ENGLISH) {
        spr_stem_entry *e = NULL;
        if (m <= SPR_STEM_KEY) {
          uint32_t h = 2166136261u; /* FNV-1a */
          for (size_t i = 0; i < m; i++) h = (h ^ (uint8_t)d[i]) * 16777619u;
          e = &a->cache[(h ^ (h >> 15)) & (SPR_STEM_CACHE - 1)];
          if (e->klen == m && !memcmp(e->key, d, m)) {
            memcpy(d, e->val, e->vlen);
            spr_tokens_push(t, e->vlen);
            return 1;
          }
          e->klen = (uint8_t)m;
          memcpy(e->key, d, m);
        }
        uint16_t *u = a->units;
        for (size_t i = 0; i < m; i++) u[i] = (uint8_t)d[i];
        m = (size_t)spr_porter_stem(u, (int)m);
        for (size_t i = 0; i < m; i++) d[i] = (char)u[i];
        if (e) {
          e->vlen = (uint8_t)m;
          memcpy(e->val, d, m);
        }
      } else {
        m = spr_snowball_stem(a, d, m); /* Snowball stems "s" to "" */
      }
    }
    if (m == 0) return 0;
    spr_tokens_push(t, m);
    return 1;
  }

  /* Non-ASCII: code points, possessive, lowercase, stop words, then UTF-16 for the stemmer. */
  uint32_t *cp = a->cp;
  size_t ncp = 0;
  for (size_t i = 0; i < n && ncp < SPR_SCRATCH;) {
    size_t adv;
    cp[ncp++] = spr_utf8_next(s, n, i, &adv); /* the scanner only passes valid UTF-8 */
    i += adv;
  }
  if (english && ncp >= 2 && (cp[ncp - 1] == 's' || cp[ncp - 1] == 'S') &&
      (cp[ncp - 2] == '\'' || cp[ncp - 2] == 0x2019 || cp[ncp - 2] == 0xFF07))
    ncp -= 2;
  if (ncp == 0) return 0;
  int lower_ascii = 1;
  for (size_t i = 0; i < ncp; i++) {
    cp[i] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp[i]);
    lower_ascii &= cp[i] < 0x80;
  }
  if (english && lower_ascii && ncp <= 5) {
    char w[5];
    for (size_t i = 0; i < ncp; i++) w[i] = (char)cp[i];
    if (spr_is_stop(w, ncp)) return 0;
  }
  SPR_TRY(spr_tokens_reserve(t, 4 * ncp + 1));
  char *d = t->buf + t->len;
  size_t m = 0;
  if (a->kind == SPR_AN_ENGLISH) {
    uint16_t *u = a->units;
    int nu = 0;
    for (size_t i = 0; i < ncp && nu + 2 <= SPR_SCRATCH; i++) {
      const uint32_t c = cp[i];
      if (c >= 0x10000) {
        u[nu++] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
        u[nu++] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
      } else {
        u[nu++] = (uint16_t)c;
      }
    }
    nu = spr_porter_stem(u, nu);
    for (int i = 0; i < nu; i++) {
      uint32_t c = u[i];
      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < nu && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00u);
        i++;
      }
      m += spr_utf8_put(d + m, c);
    }
  } else {
    for (size_t i = 0; i < ncp; i++) m += spr_utf8_put(d + m, cp[i]);
    if (a->kind == SPR_AN_ENGLISH_SNOWBALL) m = spr_snowball_stem(a, d, m);
  }
  if (m == 0) return 0;
  spr_tokens_push(t, m);
  return 1;
}

/* ------------------------------------------------------------------ public API */

int spr_analyzer_create(const char *name, spr_analyzer **out) {
  if (!out) return SPR_FAIL(SPR_EINVAL, "analyzer: NULL out");
  *out = NULL;
  int kind;
  if (name && !strcmp(name, "english"))
    kind = SPR_AN_ENGLISH;
  else if (name && !strcmp(name, "standard"))
    kind = SPR_AN_STANDARD;
  else if (name && !strcmp(name, "english-libstemmer"))
    kind = SPR_AN_ENGLISH_SNOWBALL;
  else
    return SPR_FAIL(SPR_EINVAL, "unknown analyzer '%s' (expected english or standard)",
                    name ? name : "(null)");
  spr_analyzer *a = calloc(1, sizeof(*a));
  if (!a) return SPR_FAIL(SPR_ENOMEM, "analyzer '%s'", name);
  a->kind = kind;
  if (kind == SPR_AN_ENGLISH) {
    a->cache = calloc(SPR_STEM_CACHE, sizeof(*a->cache));
    if (!a->cache) {
      free(a);
      return SPR_FAIL(SPR_ENOMEM, "analyzer stem cache");
    }
  }
  if (kind == SPR_AN_ENGLISH_SNOWBALL) {
    a->sb = sb_stemmer_new("porter", "UTF_8");
    if (!a->sb) {
      free(a);
      return SPR_FAIL(SPR_ENOMEM, "libstemmer porter/UTF_8");
    }
  }
  *out = a;
  return 0;
}

void spr_analyzer_free(spr_analyzer **a) {
  if (!a || !*a) return;
  if ((*a)->sb) sb_stemmer_delete((*a)->sb);
  free((*a)->cache);
  free(*a);
  *a = NULL;
}

int64_t spr_analyzer_run(spr_analyzer *a, const char *text, size_t len, spr_tokens *toks) {
  if (!a || !toks || (!text && len)) return SPR_FAIL(SPR_EINVAL, "analyzer: NULL argument");
  const spr_scan sc = {.s = (const uint8_t *)text, .len = len};
  const uint8_t *s = sc.s;
  int64_t count = 0;
  size_t i = 0;
  while (i < len) {
    const uint8_t b = s[i];
    if (b < 0x80 && spr_ascii_class[b] == SPR_WB_OTHER) { /* fast skip of spaces, punctuation */
      i++;
      continue;
    }
    size_t adv;
    uint32_t un, cp;
    const uint8_t cls = spr_peek(&sc, i, &adv, &un, &cp);
    size_t end = i;
    uint32_t u = un;
    switch (cls) {
    case SPR_WB_ALETTER:
    case SPR_WB_HEBREW:
    case SPR_WB_NUMERIC:
    case SPR_WB_KATAKANA:
    case SPR_WB_ENL:
      end = spr_match_word(&sc, i);
      break;
    case SPR_WB_HAN:
    case SPR_WB_HIRAGANA:
      end = spr_skip_ext(&sc, i + adv, &u);
      break;
    case SPR_WB_SA:
      end = spr_skip_ext(&sc, i + adv, &u);
      while (end < len) {
        size_t a2;
        uint32_t u2;
        if (spr_peek(&sc, end, &a2, &u2, NULL) != SPR_WB_SA || u + u2 > SPR_ANALYZER_MAX_TOKEN) break;
        u += u2;
        end = spr_skip_ext(&sc, end + a2, &u);
      }
      break;
    case SPR_WB_EMOJI:
      /* emoji (modifier | Extend | ZWJ emoji)* */
      end = i + adv;
      for (;;) {
        size_t p = end;
        int zwj = 0;
        while (p < len && s[p] >= 0x80) { /* Extend/Format/ZWJ, modifiers */
          size_t a2;
          uint32_t u2, c2;
          const uint8_t k = spr_peek(&sc, p, &a2, &u2, &c2);
          const int modifier = c2 >= 0x1F3FB && c2 <= 0x1F3FF;
          if ((k != SPR_WB_EXTEND && !modifier) || u + u2 > SPR_ANALYZER_MAX_TOKEN) break;
          zwj = c2 == 0x200D;
          u += u2;
          p += a2;
        }
        end = p;
        size_t a3;
        uint32_t u3;
        if (!zwj || p >= len || spr_peek(&sc, p, &a3, &u3, NULL) != SPR_WB_EMOJI ||
            u + u3 > SPR_ANALYZER_MAX_TOKEN)
          break;
        u += u3;
        end = p + a3;
      }
      break;
    case SPR_WB_RI: {
      const size_t p = spr_skip_ext(&sc, i + adv, &u);
      size_t a2;
      uint32_t u2;
      if (p < len && spr_peek(&sc, p, &a2, &u2, NULL) == SPR_WB_RI) {
        u += u2;
        end = spr_skip_ext(&sc, p + a2, &u);
      }
      break;
    }
    default:
      break;
    }
    if (end == i) { /* not a token start: skip this character */
      i += adv;
      continue;
    }
    const int rc = spr_emit(a, s + i, end - i, toks);
    if (rc < 0) return spr_frame_at(rc, __FILE__, __LINE__, __func__);
    count += rc;
    i = end;
  }
  return count;
}

void spr_tokens_clear(spr_tokens *t) {
  if (!t) return;
  t->n = 0;
  t->len = 0;
}

void spr_tokens_free(spr_tokens *t) {
  if (!t) return;
  free(t->buf);
  free(t->off);
  memset(t, 0, sizeof(*t));
}
