/* wordpiece_fuzz.c: fuzz target for the WordPiece tokenizer (kernels/spr_wordpiece.h) on arbitrary
 * bytes. Input: byte 0 = max_length - 2 (so 2..257), then the text (any bytes, not valid UTF-8 in
 * general). The vocabulary is a fixed small one with continuations, accents, CJK and specials.
 * Properties: no crash or over-read; n in [2, max_length], [CLS] first, [SEP] last, every id in
 * the vocabulary and special only where the text names a special token or as [UNK]; the
 * untruncated length is >= n; the truncated ids are a prefix of the untruncated ones (tokenizing
 * stops early without changing the result).
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into
 * wordpiece_replay (fuzz_replay.c), which runs the committed corpus/wordpiece under CTest. */
#include "fuzz_common.h"
#include "spr_wordpiece.h"

static const char fuzz_vocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nwing\n##s\n##ing\nflutter\nun\n##aff\n##able\n"
    "caf\n##e\ne\n!\n,\n.\n\xE4\xB8\xAD\n\xE6\x96\x87\ni\n##\xCC\x87\n\xCF\x83\n##\xCF\x82\n"
    "a\n##b\n##c\nab\nabc\n1\n##2\n#\n\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static spr_wordpiece *wp;
  static spr_wordpiece_scratch *s;
  if (!wp) {
    FUZZ_CHECK(spr_wordpiece_create(fuzz_vocab, sizeof fuzz_vocab - 1, &wp) == 0);
    FUZZ_CHECK(spr_wordpiece_scratch_create(&s) == 0);
  }
  if (size < 1) return 0;
  const uint32_t max_length = 2u + data[0];
  const size_t len = size - 1;
  char *text = malloc(len ? len : 1); /* exact size: ASan sees any over-read */
  FUZZ_CHECK(text != NULL);
  if (len) memcpy(text, data + 1, len);
  int32_t *ids = malloc(max_length * sizeof *ids);
  FUZZ_CHECK(ids != NULL);
  uint64_t full_n = 0;
  const int64_t n = spr_wordpiece_encode(wp, s, text, len, max_length, ids, &full_n);
  FUZZ_CHECK(n >= 2 && n <= (int64_t)max_length && full_n >= (uint64_t)n);
  FUZZ_CHECK(ids[0] == spr_wordpiece_cls(wp) && ids[n - 1] == spr_wordpiece_sep(wp));
  const uint32_t vsize = spr_wordpiece_size(wp);
  for (int64_t i = 0; i < n; i++) FUZZ_CHECK(ids[i] >= 0 && (uint32_t)ids[i] < vsize);
  if (full_n > (uint64_t)n) FUZZ_CHECK(n == (int64_t)max_length);
  /* Without n_untruncated tokenizing may stop early: same ids. */
  int32_t *ids2 = malloc(max_length * sizeof *ids2);
  FUZZ_CHECK(ids2 != NULL);
  const int64_t n2 = spr_wordpiece_encode(wp, s, text, len, max_length, ids2, NULL);
  FUZZ_CHECK(n2 == n && !memcmp(ids, ids2, (size_t)n * sizeof *ids));
  /* The untruncated ids (when few enough) start with the truncated ones. */
  if (full_n <= 4096 && full_n > (uint64_t)n) {
    int32_t *all = malloc(full_n * sizeof *all);
    FUZZ_CHECK(all != NULL);
    uint64_t again = 0;
    const int64_t na = spr_wordpiece_encode(wp, s, text, len, (uint32_t)full_n, all, &again);
    FUZZ_CHECK(na == (int64_t)full_n && again == full_n);
    FUZZ_CHECK(!memcmp(all, ids, (size_t)(n - 1) * sizeof *ids));
    free(all);
  }
  free(ids2);
  free(ids);
  free(text);
  return 0;
}

int fuzz_make_seeds(const char *dir) {
  static const fuzz_mode_seed seeds[] = {
      {"ascii", 30, "The wings flutter, unaffable!"},
      {"specials", 30, "[CLS]wing[SEP] [MASK] [unk] [PAD]the"},
      {"accents-cjk", 30, "Caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xC4\xB0 \xCE\xA3\xCE\xA3 \xE2\x80\xA8x"},
      {"truncate", 3, "the wing the wing the wing the wing"},
      {"long-word", 60, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        "aaaaaaaaaaaaaaaaaaaaaaaaa abc abcb"},
      {"invalid-utf8", 20, "\xC3\x28 \xE2\x82 \xF0\x90\x28\xBC \xFF\xFE wing\xED\xA0\x80"},
      {"controls", 20, "\x01wing\x7f\ttab\r\n\xEF\xBF\xBD\xC2\xA0the"},
      {"empty", 0, ""},
  };
  return fuzz_seed_modes(dir, seeds, sizeof seeds / sizeof seeds[0]);
}
