// File-level quantization (`osprey quantize`): reads a GGUF model, plans every tensor's type
// (quant_plan.h) and writes a new GGUF file with the same metadata (general.file_type set to the
// mix, alignment kept) and the converted tensors. Rows are split over a thread pool; the output is
// written to a temporary name and renamed at the end, so an error or a cancellation leaves nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/model/quant_plan.h"

namespace osprey::model {

struct QuantizeProgress {
  size_t index = 0;      // tensor index in file order
  size_t n_tensors = 0;
  const TensorPlan* tensor = nullptr;
  int64_t rows_done = 0;
  int64_t rows = 0;
  bool done = false;     // the tensor is complete (sent for copied tensors too)
  double seconds = 0;    // time spent on this tensor so far
};

struct QuantizeParams {
  QuantPlanOptions plan;
  int n_threads = 1;
  bool dry_run = false;  // plan and sizes only: nothing is written
  // Checked between slices of rows; once true the run stops with kCancelled and no output file.
  const std::atomic<bool>* cancel = nullptr;
  // Called on the calling thread after each slice of rows and when a tensor is done.
  std::function<void(const QuantizeProgress&)> on_progress;
  // Called once the plan is made, before any data is written (e.g. to print fallback notes).
  std::function<void(const std::vector<TensorPlan>&)> on_plan;
};

struct QuantizeSummary {
  std::vector<TensorPlan> plan;
  uint32_t file_type = 0;
  int64_t n_elements = 0;         // over every tensor
  uint64_t in_file_bytes = 0;
  uint64_t out_file_bytes = 0;    // what was (or, for a dry run, would be) written
  uint64_t in_data_bytes = 0;     // tensor bytes
  uint64_t out_data_bytes = 0;
  double seconds = 0;
  double in_bits_per_weight() const { return n_elements ? 8.0 * in_data_bytes / n_elements : 0.0; }
  double out_bits_per_weight() const { return n_elements ? 8.0 * out_data_bytes / n_elements : 0.0; }
};

// Quantizes `in_path` to `out_path`. Nothing is written when the input cannot be read, a tensor
// cannot be converted (its name and type in the message), or the run is cancelled.
Result<QuantizeSummary> quantize_file(const std::string& in_path, const std::string& out_path,
                                      const QuantizeParams& params);

}  // namespace osprey::model
