// `osprey quantize IN.gguf OUT.gguf TYPE [threads]`: converts a model to a quantization mix
// (src/model/quantize.h). Progress goes to stderr: a bar redrawn in place on a terminal, one line per
// tensor otherwise. SIGINT/SIGTERM stop the run and leave no output file.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "src/model/quantize.h"
#include "tools/flags.h"
#include "tools/interrupt.h"

namespace osprey::tools {

namespace {

struct QuantizeOptions {
  std::string in, out, type;
  int n_threads = 0;
  bool pure = false, leave_output = false, allow_requantize = false, dry_run = false;
  std::string output_type, token_embd_type;
};

const char* kAbout =
    "Converts a GGUF model to a quantization mix, choosing each tensor's type as the GGUF ecosystem\n"
    "does (more bits for attn_v, ffn_down and the output head in the _S/_M/_L mixes; norms stay F32).\n"
    "Writes OUT.tmp and renames it at the end: an error or an interrupt leaves no output file.\n"
    "TYPE: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K_S, Q3_K_M (Q3_K), Q3_K_L,\n"
    "      Q4_K_S, Q4_K_M (Q4_K), Q5_K_S, Q5_K_M (Q5_K), Q6_K";

std::optional<tensor::DType> weight_type(const std::string& name) {
  static const tensor::DType kWritable[] = {
      tensor::DType::kF32,  tensor::DType::kF16,  tensor::DType::kBF16, tensor::DType::kQ4_0,
      tensor::DType::kQ4_1, tensor::DType::kQ5_0, tensor::DType::kQ5_1, tensor::DType::kQ8_0,
      tensor::DType::kQ2_K, tensor::DType::kQ3_K, tensor::DType::kQ4_K, tensor::DType::kQ5_K,
      tensor::DType::kQ6_K};
  const auto t = tensor::dtype_from_name(name);
  for (tensor::DType w : kWritable)
    if (t && *t == w) return w;
  return std::nullopt;
}

Status parse_type_flag(const std::string& flag, const std::string& value, std::optional<tensor::DType>* out) {
  if (value.empty()) return base::ok_status();
  *out = weight_type(value);
  if (!*out)
    return base::invalid_argument(fmt::format(
        "{}: expected one of F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, got '{}'",
        flag, value));
  return base::ok_status();
}

// Positional arguments: IN OUT TYPE [threads], or IN TYPE [threads] with --dry-run.
Status parse_positional(const std::vector<std::string>& pos, QuantizeOptions& o) {
  size_t i = 0;
  if (pos.size() < 2) return base::invalid_argument("expected IN.gguf OUT.gguf TYPE [threads]");
  o.in = pos[i++];
  if (!(o.dry_run && model::find_quant_mix(pos[1]).has_value())) {
    o.out = pos[i++];
  }
  if (i >= pos.size()) return base::invalid_argument("expected IN.gguf OUT.gguf TYPE [threads]: TYPE is missing");
  o.type = pos[i++];
  if (i < pos.size()) {
    char* end = nullptr;
    const long n = std::strtol(pos[i].c_str(), &end, 10);
    if (pos[i].empty() || *end != '\0' || n < 1 || n > 1024)
      return base::invalid_argument(fmt::format("threads: expected 1..1024, got '{}'", pos[i]));
    o.n_threads = static_cast<int>(n);
    ++i;
  }
  if (i < pos.size()) return base::invalid_argument(fmt::format("unexpected argument '{}'", pos[i]));
  return base::ok_status();
}

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string shape_text(const std::vector<int64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

// Progress on stderr: a redrawn bar on a terminal, one line per finished tensor otherwise.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool tty) : tty_(tty) {}

  void operator()(const model::QuantizeProgress& p) {
    const model::TensorPlan& t = *p.tensor;
    const std::string head = fmt::format("[{:>4}/{}] {:<32} {:<5} -> {:<5}", p.index + 1, p.n_tensors, t.name,
                                         tensor::dtype_name(t.from), tensor::dtype_name(t.to));
    if (!p.done) {
      if (!tty_) return;
      const int width = 24;
      const int filled = p.rows ? static_cast<int>(width * p.rows_done / p.rows) : width;
      fmt::print(stderr, "\r{} [{}{}] {:3}%", head, std::string(filled, '#'), std::string(width - filled, '.'),
                 p.rows ? 100 * p.rows_done / p.rows : 100);
      std::fflush(stderr);
      return;
    }
    fmt::print(stderr, "{}{} {:<16} {}{:.2f} s\n", tty_ ? "\r\033[K" : "", head, shape_text(t.shape),
               t.convert ? "" : "(copied) ", p.seconds);
  }

 private:
  bool tty_;
};

int fail(const std::string& message) {
  fmt::print(stderr, "osprey quantize: {}\n", message);
  return 1;
}

}  // namespace

int quantize_main(int argc, char** argv) {
  QuantizeOptions o;
  Flags flags("usage: osprey quantize [options] IN.gguf OUT.gguf TYPE [threads]", kAbout);
  flags.add_bool("--pure", &o.pure, "every quantizable tensor gets TYPE's base type (no per-tensor rules)");
  flags.add_string("--output-tensor-type", &o.output_type, "type of output.weight (e.g. Q8_0)");
  flags.add_string("--token-embedding-type", &o.token_embd_type, "type of token_embd.weight (e.g. Q8_0)");
  flags.add_bool("--leave-output-tensor", &o.leave_output, "copy output.weight unchanged");
  flags.add_bool("--allow-requantize", &o.allow_requantize, "allow converting already quantized tensors");
  flags.add_bool("--dry-run", &o.dry_run, "print the plan and the sizes; write nothing (OUT may be omitted)");
  flags.add_int("-t,--threads", &o.n_threads, "threads (0: all cores)", "OSPREY_THREADS");
  Status s = flags.parse(argc, argv);
  if (flags.help_requested()) {
    std::fputs(flags.help().c_str(), stdout);
    return 0;
  }
  if (!s.ok()) return fail(s.message());
  if (s = parse_positional(flags.positional(), o); !s.ok()) return fail(s.message());
  const auto mix = model::find_quant_mix(o.type);
  if (!mix) return fail(fmt::format("unknown TYPE '{}' (expected one of {}; aliases Q3_K, Q4_K, Q5_K)", o.type,
                                    model::quant_mix_names()));
  model::QuantizeParams qp;
  qp.plan.mix = mix->mix;
  qp.plan.pure = o.pure;
  qp.plan.leave_output = o.leave_output;
  qp.plan.allow_requantize = o.allow_requantize;
  if (s = parse_type_flag("--output-tensor-type", o.output_type, &qp.plan.output_type); !s.ok()) return fail(s.message());
  if (s = parse_type_flag("--token-embedding-type", o.token_embd_type, &qp.plan.token_embd_type); !s.ok())
    return fail(s.message());
  if (o.n_threads < 0) return fail(fmt::format("-t: expected >= 0, got {}", o.n_threads));
  qp.n_threads = o.n_threads > 0 ? o.n_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  qp.dry_run = o.dry_run;

  InterruptWatcher interrupt;  // before the thread pool starts, so its workers inherit the mask
  qp.cancel = &interrupt.flag();
  ProgressPrinter printer(isatty(STDERR_FILENO) == 1);
  if (!o.dry_run) qp.on_progress = [&printer](const model::QuantizeProgress& p) { printer(p); };
  qp.on_plan = [&](const std::vector<model::TensorPlan>& plan) {
    fmt::print(stderr, "osprey quantize: {} -> {} as {} (file type {}), {} threads{}\n", o.in,
               o.dry_run ? "(dry run)" : o.out, mix->name, mix->file_type, qp.n_threads, o.pure ? ", pure" : "");
    for (const auto& t : plan) {
      if (!t.note.empty()) fmt::print(stderr, "note: tensor '{}': {}\n", t.name, t.note);
      if (o.dry_run)
        fmt::print(stderr, "  {:<32} {:<16} {:<5} -> {}\n", t.name, shape_text(t.shape), tensor::dtype_name(t.from),
                   tensor::dtype_name(t.to));
    }
  };
  auto r = model::quantize_file(o.in, o.out, qp);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kCancelled || interrupt.interrupted()) {
      fmt::print(stderr, "\nosprey quantize: interrupted; no output written\n");
      return 130;
    }
    return fail(r.status().to_string());
  }
  const model::QuantizeSummary& sum = r.value();
  fmt::print(stderr, "input : {:9.2f} MiB ({} bytes), {:.2f} bits per weight ({} weights)\n", mib(sum.in_file_bytes),
             sum.in_file_bytes, sum.in_bits_per_weight(), sum.n_elements);
  fmt::print(stderr, "output: {:9.2f} MiB ({} bytes), {:.2f} bits per weight{}\n", mib(sum.out_file_bytes),
             sum.out_file_bytes, sum.out_bits_per_weight(), o.dry_run ? " (dry run: nothing written)" : "");
  if (!o.dry_run) fmt::print(stderr, "done in {:.1f} s\n", sum.seconds);
  return 0;
}

}  // namespace osprey::tools
