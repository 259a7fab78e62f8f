#include "src/model/quantize.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "src/base/thread_pool.h"
#include "src/base/timer.h"
#include "src/gguf/gguf_reader.h"
#include "src/gguf/gguf_writer.h"
#include "src/kernels/ref/quants.h"

namespace osprey::model {

namespace {

using tensor::DType;

constexpr int64_t kSliceElements = int64_t{1} << 18;  // rows per slice: about this many elements
constexpr uint32_t kQuantizationVersion = 2;           // general.quantization_version of the block formats

// Converts one tensor row by row: dequantize (unless F32) and quantize to the plan's type.
class TensorConverter {
 public:
  TensorConverter(const QuantizeParams& params, base::ThreadPool& pool) : params_(params), pool_(pool) {
    rows_f32_.resize(static_cast<size_t>(pool.size()));
  }

  Status convert(const TensorPlan& p, const uint8_t* src, std::span<uint8_t> dst, QuantizeProgress progress) {
    const int64_t row = p.shape[0];
    const int64_t rows = static_cast<int64_t>(dst.size() / tensor::row_size(p.to, row));
    const size_t src_rs = tensor::row_size(p.from, row), dst_rs = tensor::row_size(p.to, row);
    const int64_t slice = std::max<int64_t>(pool_.size(), kSliceElements / row);
    for (auto& buf : rows_f32_) buf.resize(static_cast<size_t>(row));
    base::Stopwatch sw;
    progress.rows = rows;
    for (int64_t r0 = 0; r0 < rows; r0 += slice) {
      if (params_.cancel != nullptr && params_.cancel->load(std::memory_order_relaxed))
        return base::cancelled("quantization interrupted");
      const int64_t r1 = std::min(rows, r0 + slice);
      pool_.parallel_for(r1 - r0, [&](int64_t b, int64_t e, int ti) {
        float* tmp = rows_f32_[static_cast<size_t>(ti)].data();
        for (int64_t r = r0 + b; r < r0 + e; ++r) {
          const uint8_t* s = src + static_cast<size_t>(r) * src_rs;
          const float* x = reinterpret_cast<const float*>(s);
          if (p.from != DType::kF32) {
            kernels::ref::dequantize_row(p.from, s, tmp, row);
            x = tmp;
          }
          kernels::ref::quantize_row(p.to, x, dst.data() + static_cast<size_t>(r) * dst_rs, row);
        }
      });
      progress.rows_done = r1;
      progress.seconds = sw.elapsed_s();
      if (params_.on_progress) params_.on_progress(progress);
    }
    return base::ok_status();
  }

 private:
  const QuantizeParams& params_;
  base::ThreadPool& pool_;
  std::vector<std::vector<float>> rows_f32_;  // one row of floats per worker
};

}  // namespace

Result<QuantizeSummary> quantize_file(const std::string& in_path, const std::string& out_path,
                                      const QuantizeParams& params) {
  base::Stopwatch total;
  if (params.n_threads < 1)
    return base::invalid_argument(fmt::format("threads: expected >= 1, got {}", params.n_threads));
  OSP_ASSIGN_OR_RETURN(gguf::GgufFile in, gguf::GgufFile::open(in_path));
  OSP_ASSIGN_OR_RETURN(QuantModelFacts facts, quant_model_facts(in));
  QuantizeSummary sum;
  OSP_ASSIGN_OR_RETURN(sum.plan, plan_quantization(tensor_descs(in), facts, params.plan));
  sum.file_type = quant_mix_info(params.plan.mix).file_type;
  sum.in_file_bytes = in.file_size();
  if (params.on_plan) params.on_plan(sum.plan);

  gguf::GgufWriter w;
  w.copy_metadata(in);
  w.set_u32("general.quantization_version", kQuantizationVersion);
  w.set_u32("general.file_type", sum.file_type);

  base::ThreadPool pool(params.n_threads);
  TensorConverter converter(params, pool);
  const size_t n_tensors = sum.plan.size();
  for (size_t i = 0; i < n_tensors; ++i) {
    const TensorPlan& p = sum.plan[i];
    const gguf::TensorInfo& t = in.tensors()[i];
    sum.n_elements += t.n_elements;
    sum.in_data_bytes += t.n_bytes;
    sum.out_data_bytes += tensor::row_size(p.to, p.shape[0]) * static_cast<size_t>(t.n_elements / p.shape[0]);
    const uint8_t* src = in.tensor_data(t);
    QuantizeProgress progress{i, n_tensors, &p, 0, t.n_elements / p.shape[0], false, 0};
    auto produce = [&params, &converter, p = &p, src, progress](std::span<uint8_t> dst) -> Status {
      base::Stopwatch sw;
      if (p->convert) {
        OSP_RETURN_IF_ERROR(converter.convert(*p, src, dst, progress));
      } else {
        if (params.cancel != nullptr && params.cancel->load(std::memory_order_relaxed))
          return base::cancelled("quantization interrupted");
        std::memcpy(dst.data(), src, dst.size());
      }
      QuantizeProgress done = progress;
      done.rows_done = done.rows;
      done.done = true;
      done.seconds = sw.elapsed_s();
      if (params.on_progress) params.on_progress(done);
      return base::ok_status();
    };
    OSP_RETURN_IF_ERROR(w.add_tensor_lazy(p.name, p.to, p.shape, std::move(produce)));
  }
  OSP_ASSIGN_OR_RETURN(sum.out_file_bytes, w.file_size());
  if (!params.dry_run) OSP_RETURN_IF_ERROR(w.write_file(out_path));
  sum.seconds = total.elapsed_s();
  return sum;
}

}  // namespace osprey::model
