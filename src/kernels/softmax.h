// Numerically stable softmax over one row, in place: x[i] = exp(x[i] - max) / sum.
#pragma once

#include <cstdint>

namespace osprey::kernels {

// Returns the log of the normalizer (max + log(sum exp(x - max))), so callers can form log-softmax.
// Entries equal to -inf get probability 0. A row of all -inf is left as all zeros. Runs the AVX2
// path (x86/softmax_avx2.cpp, vector exp) when the CPU has it, else softmax_scalar.
double softmax(float* x, int64_t n);

// The scalar oracle (std::exp, sum in double).
double softmax_scalar(float* x, int64_t n);

}  // namespace osprey::kernels
