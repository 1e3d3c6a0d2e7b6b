/* spr_bmp_blocks.c: BMP's structures from a range's posting lists (CSR by term, local docids): each
 * term's block maxima, the k-th impacts, and the forward blocks. What the index loader builds for
 * `spire inspect --verify`, what the tests and the fuzz target build, and (spr_bmp_maxima) what
 * spr_bmp_accel_csr.c takes each term's block maxima from. Calls no other spr_bmp*.c file. */
#include <string.h>

#include "spr_bmp_impl.h"

uint32_t spr_bmp_maxima(const uint32_t *docs, const uint8_t *imp, uint32_t n, uint32_t block_size, uint32_t *blocks,
                        uint8_t *maxes) {
  const uint64_t dm = spr_bmp_div_m(block_size);
  uint32_t m = 0;
  for (uint64_t i = 0; i < n;) { /* one block's postings at a time: a division per block, not per posting */
    const uint32_t b = spr_bmp_div(docs[i], dm);
    const uint64_t end = ((uint64_t)b + 1) * block_size; /* 64 bits: no wrap in the last block below 2^32 */
    uint8_t mx = 0;
    for (; i < n && docs[i] < end; i++) mx = imp[i] > mx ? imp[i] : mx;
    blocks[m] = b;
    maxes[m++] = mx;
  }
  return m;
}

int64_t spr_bmp_blockmax(const uint32_t *docs, const uint8_t *imp, uint32_t n, uint32_t block_size,
                         uint32_t *blocks, uint8_t *maxes) {
  if (!spr_bmp_bs_ok(block_size)) return SPR_FAIL(SPR_EINVAL, "block size %u outside [%u, %u]", block_size, SPR_BMP_BLOCK_MIN, SPR_BMP_BLOCK_MAX);
  for (uint32_t i = 0; i < n; i++) {
    if (i && docs[i] <= docs[i - 1])
      return SPR_FAIL(SPR_EINVAL, "posting %u: doc %u after %u", i, docs[i], docs[i - 1]);
    if (!imp[i]) return SPR_FAIL(SPR_EINVAL, "posting %u (doc %u): impact 0", i, docs[i]);
  }
  return spr_bmp_maxima(docs, imp, n, block_size, blocks, maxes);
}

void spr_bmp_kth(const uint8_t *imp, uint32_t n, uint8_t out[3]) {
  uint32_t cnt[256] = {0};
  for (uint32_t i = 0; i < n; i++) cnt[imp[i]]++;
  static const uint32_t rank[3] = {10, 100, 1000};
  for (int r = 0; r < 3; r++) {
    out[r] = 0;
    uint32_t seen = 0;
    for (int v = 255; v >= 0; v--) {
      seen += cnt[v];
      if (seen >= rank[r]) {
        out[r] = (uint8_t)v;
        break;
      }
    }
  }
}

int spr_bmp_sizes(const uint64_t *off, const uint32_t *docs, uint32_t n_terms, uint32_t n_docs,
                  uint32_t block_size, uint64_t *n_entries, uint64_t *n_postings) {
  if (!spr_bmp_bs_ok(block_size)) return SPR_FAIL(SPR_EINVAL, "block size %u outside [%u, %u]", block_size, SPR_BMP_BLOCK_MIN, SPR_BMP_BLOCK_MAX);
  if (off[0] != 0) return SPR_FAIL(SPR_EINVAL, "postings offsets start at %llu", (unsigned long long)off[0]);
  uint64_t e = 0;
  for (uint32_t t = 0; t < n_terms; t++) {
    if (off[t + 1] < off[t]) return SPR_FAIL(SPR_EINVAL, "term %u: offsets decrease", t);
    uint32_t last = UINT32_MAX;
    for (uint64_t i = off[t]; i < off[t + 1]; i++) {
      if (docs[i] >= n_docs) return SPR_FAIL(SPR_EINVAL, "term %u: doc %u >= %u", t, docs[i], n_docs);
      if (i > off[t] && docs[i] <= docs[i - 1])
        return SPR_FAIL(SPR_EINVAL, "term %u: doc %u after %u", t, docs[i], docs[i - 1]);
      const uint32_t b = docs[i] / block_size;
      if (b != last) e++;
      last = b;
    }
  }
  *n_entries = e;
  *n_postings = off[n_terms];
  return 0;
}

int spr_bmp_blockmax_build(const uint64_t *off, const uint32_t *docs, const uint8_t *imp, uint32_t n_terms,
                           uint32_t block_size, uint64_t *bm_off, uint32_t *bm_block, uint8_t *bm_max) {
  bm_off[0] = 0;
  for (uint32_t t = 0; t < n_terms; t++) {
    const uint64_t n = off[t + 1] - off[t];
    if (n > UINT32_MAX) return SPR_FAIL(SPR_EINVAL, "term %u: %llu postings", t, (unsigned long long)n);
    const int64_t m = spr_bmp_blockmax(docs + off[t], imp + off[t], (uint32_t)n, block_size,
                                       bm_block + bm_off[t], bm_max + bm_off[t]);
    SPR_TRY(m);
    bm_off[t + 1] = bm_off[t] + (uint64_t)m;
  }
  return 0;
}

size_t spr_bmp_forward_workspace_size(uint32_t n_blocks) {
  return (size_t)n_blocks * (sizeof(uint64_t) + sizeof(uint32_t)) + 8;
}

int spr_bmp_forward_build(const uint64_t *off, const uint32_t *docs, const uint8_t *imp, uint32_t n_terms,
                          uint32_t n_docs, uint32_t block_size, void *workspace, uint64_t *fw_off,
                          uint32_t *fw_term, uint32_t *fw_start, uint16_t *fw_count, uint64_t *fw_post_off,
                          uint8_t *fw_doc, uint8_t *fw_imp) {
  if (!spr_bmp_bs_ok(block_size)) return SPR_FAIL(SPR_EINVAL, "block size %u outside [%u, %u]", block_size, SPR_BMP_BLOCK_MIN, SPR_BMP_BLOCK_MAX);
  const uint32_t nb = (uint32_t)(((uint64_t)n_docs + block_size - 1) / block_size);
  uint64_t *cur_e = workspace;
  uint32_t *cur_p = (uint32_t *)(cur_e + nb);
  memset(fw_off, 0, ((size_t)nb + 1) * sizeof *fw_off);
  memset(fw_post_off, 0, ((size_t)nb + 1) * sizeof *fw_post_off);
  for (uint32_t t = 0; t < n_terms; t++) {
    uint32_t last = UINT32_MAX;
    for (uint64_t i = off[t]; i < off[t + 1]; i++) {
      const uint32_t b = docs[i] / block_size;
      fw_post_off[b + 1]++;
      if (b != last) fw_off[b + 1]++;
      last = b;
    }
  }
  for (uint32_t b = 0; b < nb; b++) {
    fw_off[b + 1] += fw_off[b];
    fw_post_off[b + 1] += fw_post_off[b];
    cur_e[b] = fw_off[b];
    cur_p[b] = 0;
  }
  for (uint32_t t = 0; t < n_terms; t++) {
    uint64_t i = off[t];
    while (i < off[t + 1]) {
      const uint32_t b = docs[i] / block_size;
      const uint64_t e = cur_e[b]++;
      fw_term[e] = t;
      fw_start[e] = cur_p[b];
      uint32_t c = 0;
      for (; i < off[t + 1] && docs[i] / block_size == b; i++, c++) {
        if (!imp[i]) return SPR_FAIL(SPR_EINVAL, "term %u doc %u: impact 0", t, docs[i]);
        const uint64_t pos = fw_post_off[b] + cur_p[b]++;
        fw_doc[pos] = (uint8_t)(docs[i] - b * block_size);
        fw_imp[pos] = imp[i];
      }
      fw_count[e] = (uint16_t)c;
    }
  }
  return 0;
}
