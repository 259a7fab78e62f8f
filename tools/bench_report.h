// `osprey bench` results and their printers (markdown, CSV, JSON array, JSON lines). Field names of
// the machine-readable forms follow llama-bench, so its comparison scripts read them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/base/roofline.h"

namespace osprey::tools {

struct BenchResult {
  std::string model_filename;
  std::string model_type;  // "llama 1B Q4_0"
  uint64_t model_size = 0;  // bytes of weights
  uint64_t model_n_params = 0;
  std::string weight_type;  // dominant weight dtype name
  int n_threads = 0;
  int n_batch = 0;
  int n_prompt = 0;
  int n_gen = 0;
  int n_seq = 1;         // sequences decoded together
  bool batched = false;  // a --batched test (decode only, n_seq sequences per step)
  std::string test_time;  // UTC start of the test, ISO 8601 ("2026-12-06T05:15:00Z"), as llama-bench
  std::vector<double> samples_ns;
  // Derived.
  double avg_ns = 0, stddev_ns = 0, avg_ts = 0, stddev_ts = 0;
  double ceiling_ts = 0;  // what the machine's ceilings allow for this test (0: unknown)
  std::string ceiling_kind;  // "bandwidth", "fma", "amx" (compute peak of the prompt kernels) or "both"
  std::string test_name() const;  // "pp512", "tg128", "pp512+tg128", "batch8 tg32"
  void finish();  // computes the derived fields from samples_ns and the token count
};

struct BenchMachine {
  std::string cpu_info;
  std::string kernels;  // ISA the kernels use
  base::Ceilings ceilings;
};

enum class BenchFormat { kMarkdown, kCsv, kJson, kJsonl };

// The header (markdown / CSV only; JSON prints nothing until the end).
std::string bench_header(BenchFormat f, const BenchMachine& m);
// One result (markdown row, CSV row, JSON object for jsonl).
std::string bench_row(BenchFormat f, const BenchMachine& m, const BenchResult& r);
// Everything, for -o json (an array of objects).
std::string bench_json_array(const BenchMachine& m, const std::vector<BenchResult>& rs);

}  // namespace osprey::tools
