// Two-level scale searches for the K-quants: a 256-element superblock of sub-blocks, each with an
// integer scale code (and for the affine types a min code) relative to fp16 superblock scales.
//
// The search minimises the plain squared error of the whole superblock:
//   1. every sub-block gets its own best continuous fit (fit_symmetric / fit_asymmetric);
//   2. the superblock scale(s) start at max(sub scale) / max code;
//   3. "assign": for the fp16 superblock scale(s), every sub-block tries the integer scale codes
//      within +-radius of its continuous scale, re-rounds its quants for each (affine types: with
//      the min code nearest its continuous min, then with the min code that best fits those
//      quants), and keeps the best;
//   4. "refit": with codes and quants fixed, the superblock scale(s) are the least-squares
//      solution over all 256 elements (a 1x1 or 2x2 system), rounded to fp16;
//   3 and 4 alternate while the error falls; the best assignment seen is kept.
// Several starting superblock scales are tried (the largest sub-scale mapped to the top code and,
// for signed codes, to the bottom code).
#pragma once

#include <cstdint>

namespace osprey::kernels::ref {

// x ~= d * sc_j * q - dmin * mc_j, q in [0, qmax], sc and mc in [0, code_max].
struct KAsymSpec {
  int n_sub;     // sub-blocks per superblock
  int sub_len;   // elements per sub-block
  int qmax;      // largest quant level
  int code_max;  // largest scale / min code
  int radius;    // codes tried each side of the continuous optimum
};
struct KAsymBlock {
  uint16_t d = 0, dmin = 0;  // fp16
  uint8_t sc[16] = {}, mc[16] = {};
  uint8_t q[256] = {};
};
void search_kquant_asym(const float* x, const KAsymSpec& spec, KAsymBlock* out);

// x ~= d * sc_j * q, q in [qlo, qhi], sc in [clo, chi].
struct KSymSpec {
  int n_sub, sub_len;
  int qlo, qhi;
  int clo, chi;
  int radius;
  float s_lo_rel, s_hi_rel;  // range of the sub-block sweep (fit_symmetric)
};
struct KSymBlock {
  uint16_t d = 0;  // fp16
  int8_t sc[16] = {};
  int8_t q[256] = {};
};
void search_kquant_sym(const float* x, const KSymSpec& spec, KSymBlock* out);

}  // namespace osprey::kernels::ref
