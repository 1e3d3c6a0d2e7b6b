/* h5_testdata.h: the datasets the h5 tests write and check, and their reference values.
 * Shared by h5_roundtrip.c (writer, any np), h5_read_nompi.c (reader without MPI) and, for the
 * h5dump check, restated in h5_dump.sh (keep the formulas in sync). */
#ifndef H5_TESTDATA_H
#define H5_TESTDATA_H
#include <stdint.h>
#include <string.h>

#include "spr_h5.h"

typedef struct h5t_dset {
  const char *name;
  spr_h5_type type;
  uint64_t total;
} h5t_dset;

/* Lengths cross chunk boundaries (65536), sit exactly on one, or are tiny / zero. */
static const h5t_dset h5t_dsets[] = {
    {"/a/u8", SPR_H5_U8, 200003},    {"/a/u32", SPR_H5_U32, 150001}, {"/b/u64", SPR_H5_U64, 70000},
    {"/b/f32", SPR_H5_F32, 65536},   {"/c/f64", SPR_H5_F64, 3},      {"/empty/u32", SPR_H5_U32, 0},
    {"/rounds/u64", SPR_H5_U64, 300000},
};
#define H5T_NDSETS (sizeof h5t_dsets / sizeof h5t_dsets[0])
#define H5T_ROUNDS_DSET 6 /* written with a tiny round size: one H5Dwrite round per chunk */

static inline size_t h5t_esize(spr_h5_type t) {
  return t == SPR_H5_U8 ? 1 : (t == SPR_H5_U32 || t == SPR_H5_F32) ? 4 : 8;
}

/* Reference value of element i of dataset d, stored into out (h5t_esize bytes). */
static inline void h5t_value(size_t d, uint64_t i, void *out) {
  switch (h5t_dsets[d].type) {
    case SPR_H5_U8: {
      const uint8_t v = (uint8_t)((i * 31u + d) & 0xffu);
      memcpy(out, &v, 1);
      break;
    }
    case SPR_H5_U32: {
      const uint32_t v = (uint32_t)((i * 2654435761u) & 0xffffffffu) ^ (uint32_t)d;
      memcpy(out, &v, 4);
      break;
    }
    case SPR_H5_U64: {
      const uint64_t v = i * 0x9E3779B97F4A7C15ull + d;
      memcpy(out, &v, 8);
      break;
    }
    case SPR_H5_F32: {
      const float v = (float)(i % 1000u) * 0.25f - 3.0f;
      memcpy(out, &v, 4);
      break;
    }
    case SPR_H5_F64: {
      const double v = (double)i * 1.5 + 0.125;
      memcpy(out, &v, 8);
      break;
    }
  }
}

/* This rank's slice of dataset d: uneven weights, some ranks get nothing, and for odd d the
 * slices are laid out in reverse rank order. */
static inline void h5t_slice(size_t d, int rank, int size, uint64_t *off, uint64_t *cnt) {
  const uint64_t total = h5t_dsets[d].total;
  uint64_t wsum = 0, before = 0, mine = 0;
  for (int r = 0; r < size; r++)
    wsum += ((uint64_t)(r + (int)d) % 3u == 2u) ? 0u : (uint64_t)(r + (int)d + 1);
  if (wsum == 0) wsum = 1;
  /* Walk ranks in file order; boundaries at floor(total * cumulative weight / wsum); the last
   * rank in file order takes the rest. */
  uint64_t cum = 0;
  for (int k = 0; k < size; k++) {
    const int r = (d % 2) ? size - 1 - k : k;
    const uint64_t w = ((uint64_t)(r + (int)d) % 3u == 2u) ? 0u : (uint64_t)(r + (int)d + 1);
    const uint64_t lo = total * cum / wsum;
    cum += w;
    uint64_t hi = total * cum / wsum;
    if (k == size - 1) hi = total;
    if (r == rank) {
      before = lo;
      mine = hi - lo;
    }
  }
  *off = before;
  *cnt = mine;
}

#define H5T_ROOT_VERSION 7u
#define H5T_ROOT_SCALE 0.125
#define H5T_ROOT_ENCODER "bm25 \xc3\xbcnicode"
#endif /* H5_TESTDATA_H */
