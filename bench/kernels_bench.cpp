// Kernel benchmark against the machine's ceilings, measured in the same run.
//   GEMV  (decode, 1 token): a TinyLlama-1.1B-shaped stack of layer weights (n_embd 2048, n_ff 5632,
//         4 KV heads of 64) larger than the L3 cache, streamed once per pass; GB/s of weights and %
//         of the measured read bandwidth.
//   GEMM  (prompt, 512 tokens): one layer's matrices; GFLOP/s (2 per multiply-add; for int8 types
//         the "effective" rate) and % of the fp32 FMA peak, and the layer-stack pp t/s it implies.
//   BATCH (decode, 8 tokens over the GEMV stack): aggregate speed-up over 1 token.
//   CORE  (1 thread, 2048 x 2048 weights already in L2): GB/s one core decodes when memory is not
//         the limit; it must stay well above bandwidth / threads for GEMV to reach the ceiling.
//   --core: instead, one core's rates with the data in cache for every instruction set the CPU
//         has (GEMV GB/s of weights, GEMM GMAC/s over 64 tokens), timed in thread CPU time so that
//         other processes on a busy machine do not count.
// Usage: kernels_bench [-t threads] [--types F16,Q8_0,...] [--passes n] [--min-mib n] [--no-batch]
//                      [--core] [--core-tokens n (default 64)]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <unistd.h>

#include "src/base/aligned.h"
#include "src/base/cpu_features.h"
#include "src/base/roofline.h"
#include "src/base/thread_pool.h"
#include "src/base/timer.h"
#include "src/kernels/dispatch.h"
#include "src/tensor/dtype.h"
#include "src/tensor/half.h"

namespace osprey {
namespace {

using tensor::DType;

struct Shape {
  int64_t n_out, k;
};
// One TinyLlama layer: wq, wk, wv, wo, gate, up, down.
const Shape kLayer[] = {{2048, 2048}, {256, 2048}, {256, 2048}, {2048, 2048}, {5632, 2048}, {5632, 2048}, {2048, 5632}};

struct Options {
  int threads = 2;
  std::vector<DType> types = {DType::kF16, DType::kQ8_0, DType::kQ6_K, DType::kQ4_K, DType::kQ4_0};
  int passes = 5;
  int64_t min_mib = 0;  // 0: 4 x L3 or 384 MiB, whichever is larger
  bool batch = true;
  bool core = false;
  int64_t core_tokens = 64;  // tokens of the --core GEMM
};

uint64_t xorshift(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

// Random quant bits with fp16 scales of ~0.01..0.1 at their block offsets; floats from [-1, 1].
void fill_weights(DType t, uint8_t* p, size_t bytes, uint64_t seed) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  if (t == DType::kF32 || t == DType::kF16 || t == DType::kBF16) {
    const size_t es = t == DType::kF32 ? 4 : 2;
    for (size_t i = 0; i + es <= bytes; i += es) {
      const float v = static_cast<float>(static_cast<int64_t>(xorshift(s) % 2001) - 1000) / 1000.0f;
      if (t == DType::kF32) std::memcpy(p + i, &v, 4);
      const uint16_t h = t == DType::kF16 ? tensor::fp32_to_fp16(v) : tensor::fp32_to_bf16(v);
      if (t != DType::kF32) std::memcpy(p + i, &h, 2);
    }
    return;
  }
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    const uint64_t v = xorshift(s);
    std::memcpy(p + i, &v, 8);
  }
  std::vector<size_t> fields;
  switch (t) {
    case DType::kQ4_1: case DType::kQ5_1: case DType::kQ4_K: case DType::kQ5_K: fields = {0, 2}; break;
    case DType::kQ2_K: fields = {80, 82}; break;
    case DType::kQ3_K: fields = {108}; break;
    case DType::kQ6_K: fields = {208}; break;
    default: fields = {0};
  }
  const size_t bs = tensor::info(t).type_size;
  for (size_t off = 0; off + bs <= bytes; off += bs)
    for (size_t f : fields) {
      const uint16_t h = tensor::fp32_to_fp16(0.01f + static_cast<float>(xorshift(s) % 1000) * 1e-4f);
      std::memcpy(p + off + f, &h, 2);
    }
}

struct Mat {
  const uint8_t* w;
  Shape shape;
};

// A stack of `n_layers` layers in one buffer, in forward order.
struct Stack {
  base::AlignedPtr<uint8_t> buf;
  std::vector<Mat> mats;
  size_t bytes = 0;
  double params = 0;
};

Stack make_stack(DType t, int n_layers, base::ThreadPool& pool) {
  Stack st;
  std::vector<size_t> offs;
  for (int l = 0; l < n_layers; ++l)
    for (const Shape& s : kLayer) {
      offs.push_back(st.bytes);
      st.bytes += (tensor::row_size(t, s.k) * static_cast<size_t>(s.n_out) + 63) / 64 * 64;
      st.params += static_cast<double>(s.n_out) * static_cast<double>(s.k);
    }
  st.buf = base::aligned_alloc_array<uint8_t>(st.bytes);
  uint8_t* base = st.buf.get();
  const size_t n = offs.size();
  pool.parallel_for(static_cast<int64_t>(n), [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const Shape& s = kLayer[i % 7];
      fill_weights(t, base + offs[i], tensor::row_size(t, s.k) * static_cast<size_t>(s.n_out), static_cast<uint64_t>(i) + 1);
    }
  });
  for (size_t i = 0; i < n; ++i) st.mats.push_back({base + offs[i], kLayer[i % 7]});
  return st;
}

void fill_x(std::vector<float>& x) {
  uint64_t s = 12345;
  for (float& v : x) v = static_cast<float>(static_cast<int64_t>(xorshift(s) % 2001) - 1000) / 1000.0f;
}

double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Best thread-CPU seconds of one single-threaded matmul (w already in cache after a warm-up).
double core_time(DType t, const uint8_t* w, int64_t n_out, int64_t k, const float* x, float* y, int64_t n_tok,
                 kernels::Isa isa, base::ThreadPool& one, int passes) {
  kernels::MatmulArgs a{t, w, x, y, n_out, k, n_tok, 0, 0};
  kernels::matmul_fast(a, one, isa);
  double best = 1e30;
  for (int p = 0; p < passes; ++p) {
    const double t0 = thread_cpu_s();
    kernels::matmul_fast(a, one, isa);
    best = std::min(best, thread_cpu_s() - t0);
  }
  return best;
}

void core_report(const Options& o) {
  base::ThreadPool one(1);
  std::printf("one core, data in cache, thread CPU time (best of %d)\n\n", 10 * o.passes);
  const int64_t nt = o.core_tokens;
  std::printf("| type | kernels | GEMV GB/s (512 x 2048 in L2) | GEMM GMAC/s (256 x 2048, %lld tokens) |\n|---|---|---|---|\n",
              static_cast<long long>(nt));
  std::vector<float> x(static_cast<size_t>(std::max<int64_t>(nt, 1) * 2048)), y(static_cast<size_t>(std::max<int64_t>(nt, 2) * 512));
  fill_x(x);
  for (DType t : o.types) {
    const size_t bytes = tensor::row_size(t, 2048) * 512;
    base::AlignedPtr<uint8_t> w = base::aligned_alloc_array<uint8_t>(bytes);
    fill_weights(t, w.get(), bytes, 7);
    for (kernels::Isa isa : {kernels::Isa::kAvx2, kernels::Isa::kAvxVnni, kernels::Isa::kAvx512, kernels::Isa::kAmx}) {
      if (kernels::kernel_traits(t, isa) == nullptr) continue;
      const double sv = core_time(t, w.get(), 512, 2048, x.data(), y.data(), 1, isa, one, 10 * o.passes);
      const double sm = core_time(t, w.get(), 256, 2048, x.data(), y.data(), nt, isa, one, 2 * o.passes);
      std::printf("| %s | %s | %.1f | %.1f |\n", tensor::dtype_name(t), kernels::isa_name(isa),
                  static_cast<double>(bytes) / sv / 1e9, 256.0 * 2048 * static_cast<double>(nt) / sm / 1e9);
      std::fflush(stdout);
    }
  }
}

// Seconds for one pass of every matrix against n_tok tokens (best of `passes`).
double time_pass(DType t, const Stack& st, const float* x, float* y, int64_t n_tok, base::ThreadPool& pool,
                 int passes) {
  double best = 1e30;
  for (int p = 0; p < passes; ++p) {
    base::Stopwatch sw;
    for (const Mat& m : st.mats) {
      kernels::MatmulArgs a{t, m.w, x, y, m.shape.n_out, m.shape.k, n_tok, 0, 0};
      kernels::matmul_fast(a, pool, kernels::best_isa());
    }
    best = std::min(best, sw.elapsed_s());
  }
  return best;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "-t") {
      o.threads = std::max(1, std::atoi(next()));
    } else if (a == "--passes") {
      o.passes = std::max(1, std::atoi(next()));
    } else if (a == "--min-mib") {
      o.min_mib = std::atoll(next());
    } else if (a == "--no-batch") {
      o.batch = false;
    } else if (a == "--core-tokens") {
      o.core_tokens = std::max<int64_t>(2, std::atoll(next()));
    } else if (a == "--core") {
      o.core = true;
    } else if (a == "--types") {
      o.types.clear();
      std::string list = next();
      size_t b = 0;
      while (b <= list.size()) {
        size_t e = list.find(',', b);
        if (e == std::string::npos) e = list.size();
        auto d = tensor::dtype_from_name(list.substr(b, e - b));
        if (!d) {
          std::fprintf(stderr, "unknown type %s\n", list.substr(b, e - b).c_str());
          return false;
        }
        o.types.push_back(*d);
        b = e + 1;
      }
    } else {
      std::fprintf(stderr, "usage: kernels_bench [-t threads] [--types F16,Q8_0,...] [--passes n] [--min-mib n] [--no-batch] [--core] [--core-tokens n]\n");
      return false;
    }
  }
  return true;
}

int run(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return 2;
  if (o.core) {
    std::printf("cpu: %s\n", base::detect_cpu_features().to_string().c_str());
    core_report(o);
    return 0;
  }
  base::ThreadPool pool(o.threads);
  std::printf("cpu: %s; kernels: %s; threads: %d\n", base::detect_cpu_features().to_string().c_str(),
              kernels::isa_name(kernels::best_isa()), o.threads);
  const base::Ceilings c = base::measure_ceilings(pool);
  std::printf("ceilings: %s\n\n", c.to_string().c_str());
  long l3 = 0;
#ifdef _SC_LEVEL3_CACHE_SIZE
  l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
  const double min_bytes = o.min_mib > 0 ? static_cast<double>(o.min_mib) * (1 << 20)
                                         : std::max(4.0 * static_cast<double>(std::max(l3, 0L)), 384.0 * (1 << 20));

  std::printf("| type | GEMV set MiB | GEMV GB/s | %% of BW | tg t/s (layer stack) | GEMM GFLOP/s | %% of FMA peak | pp512 t/s (22 layers) | batch 8 speed-up | core GB/s in L2 |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  base::ThreadPool one(1);
  for (DType t : o.types) {
    double layer_bytes = 0;
    for (const Shape& s : kLayer) layer_bytes += static_cast<double>(tensor::row_size(t, s.k)) * s.n_out;
    const int n_layers = std::max(1, static_cast<int>(min_bytes / layer_bytes + 0.999));
    Stack st = make_stack(t, n_layers, pool);
    std::vector<float> x(512 * 5632), y(512 * 5632);
    fill_x(x);
    time_pass(t, st, x.data(), y.data(), 1, pool, 1);  // warm-up
    const double s1 = time_pass(t, st, x.data(), y.data(), 1, pool, o.passes);
    const double gbs = static_cast<double>(st.bytes) / s1 / 1e9;
    const double tg = 1.0 / (s1 / n_layers * 22);  // 22 layers, matmuls only
    double speedup = 0;
    if (o.batch) {
      const double s8 = time_pass(t, st, x.data(), y.data(), 8, pool, std::max(1, o.passes / 2));
      speedup = 8.0 * s1 / s8;
    }
    // GEMM: one layer, 512 tokens.
    Stack layer = make_stack(t, 1, pool);
    time_pass(t, layer, x.data(), y.data(), 512, pool, 1);
    const double sg = time_pass(t, layer, x.data(), y.data(), 512, pool, std::max(1, o.passes / 2));
    const double gflops = 2.0 * layer.params * 512 / sg / 1e9;
    const double pp = 512.0 / (sg * 22);
    // One core, weights resident in L2: 2048 x 2048, many passes.
    Stack l2;
    l2.bytes = tensor::row_size(t, 2048) * 2048;
    l2.buf = base::aligned_alloc_array<uint8_t>(l2.bytes);
    fill_weights(t, l2.buf.get(), l2.bytes, 99);
    l2.mats = {{l2.buf.get(), {2048, 2048}}};
    const double sc = core_time(t, l2.buf.get(), 2048, 2048, x.data(), y.data(), 1, kernels::best_isa(), one,
                                20 * o.passes);
    std::printf("| %s | %.0f | %.1f | %.0f %% | %.1f | %.1f | %.0f %% | %.1f | %.2fx | %.1f |\n", tensor::dtype_name(t),
                static_cast<double>(st.bytes) / (1 << 20), gbs, 100.0 * gbs / c.read_gbs_nt, tg, gflops,
                100.0 * gflops / c.fma_gflops_nt, pp, speedup, static_cast<double>(l2.bytes) / sc / 1e9);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace osprey

int main(int argc, char** argv) { return osprey::run(argc, argv); }
