// `osprey perplexity -m MODEL -f TEXT`: perplexity over non-overlapping windows, and KL divergence
// against a saved base model (src/runtime/perplexity.h). Running estimates and results go to stdout.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "src/model/model.h"
#include "src/runtime/perplexity.h"
#include "tools/flags.h"
#include "tools/interrupt.h"

namespace osprey::tools {

namespace {

struct PerplexityOptions {
  std::string model, text_file, kl_base, kv_type = "f16";
  bool kl_compare = false;
  int n_ctx = 512, n_batch = 512, n_threads = 0, chunks = 0, kl_top_k = 64;
};

const char* kAbout =
    "Perplexity over non-overlapping windows of -c tokens, scoring the second half of each window.\n"
    "--kl-divergence-base FILE saves the base model's log-probabilities (top-k per position plus the\n"
    "rest; see src/runtime/kl_base.h); adding --kl-divergence instead compares MODEL with FILE over the\n"
    "same tokens (-f is then optional): mean KL divergence, top-1 agreement, delta-p, PPL ratio.";

Status read_text(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::io_error(fmt::format("cannot read text file '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return base::ok_status();
}

void print_kl(const runtime::PerplexityResult& r) {
  const runtime::KlResult& k = *r.kl;
  fmt::print("\n====== perplexity ======\n");
  fmt::print("PPL(model)                : {:.6f} +/- {:.6f}\n", r.ppl.value, r.ppl.err);
  fmt::print("PPL(base)                 : {:.6f} +/- {:.6f}\n", k.base_ppl.value, k.base_ppl.err);
  fmt::print("ln(PPL(model)/PPL(base))  : {:.6f} +/- {:.6f}\n", k.ln_ppl_ratio.value, k.ln_ppl_ratio.err);
  fmt::print("PPL(model)/PPL(base)      : {:.6f}\n", k.ppl_ratio);
  fmt::print("====== KL divergence (base || model), nats ======\n");
  fmt::print("mean                      : {:.6f} +/- {:.6f}\n", k.kl.value, k.kl.err);
  fmt::print("median / 99% / max        : {:.6f} / {:.6f} / {:.6f}\n", k.kl_median, k.kl_p99, k.kl_max);
  fmt::print("====== top-1 and delta-p (p_model - p_base of the correct token) ======\n");
  fmt::print("same top-1                : {:.3f} +/- {:.3f} %\n", 100 * k.top1.value, 100 * k.top1.err);
  fmt::print("mean delta-p              : {:.4f} +/- {:.4f} %\n", 100 * k.delta_p.value, 100 * k.delta_p.err);
  fmt::print("RMS delta-p               : {:.4f} %\n", 100 * k.delta_p_rms);
  fmt::print("min / max delta-p         : {:.4f} / {:.4f} %\n", 100 * k.delta_p_min, 100 * k.delta_p_max);
  for (const auto& [pct, v] : k.delta_p_percentiles) fmt::print("delta-p {:>4.1f}%              : {:.4f} %\n", pct, 100 * v);
}

}  // namespace

int perplexity_main(int argc, char** argv) {
  PerplexityOptions o;
  Flags flags("usage: osprey perplexity -m MODEL -f TEXT [options]", kAbout);
  flags.add_string("-m,--model", &o.model, "GGUF model file", "OSPREY_MODEL");
  flags.add_string("-f,--file", &o.text_file, "text file to score");
  flags.add_int("-c,--ctx-size", &o.n_ctx, "tokens per window");
  flags.add_int("-b,--batch-size", &o.n_batch, "tokens per forward step");
  flags.add_int("-t,--threads", &o.n_threads, "threads (0: all cores)", "OSPREY_THREADS");
  flags.add_int("--chunks", &o.chunks, "score at most this many windows (0: all)");
  flags.add_string("--kl-divergence-base", &o.kl_base, "base log-probs file: written, or read with --kl-divergence");
  flags.add_bool("--kl-divergence", &o.kl_compare, "compare MODEL with the --kl-divergence-base file");
  flags.add_int("--kl-top-k", &o.kl_top_k, "tokens per position saved in a base file (0: whole vocabulary)");
  flags.add_choice("--kv-type", &o.kv_type, {"f16", "f32"}, "KV cache element type");
  Status s = flags.parse(argc, argv);
  if (flags.help_requested()) {
    std::fputs(flags.help().c_str(), stdout);
    return 0;
  }
  if (s.ok() && !flags.positional().empty())
    s = base::invalid_argument(fmt::format("unexpected argument '{}'", flags.positional()[0]));
  if (s.ok() && o.model.empty()) s = base::invalid_argument("-m MODEL is required");
  if (s.ok() && o.kl_compare && o.kl_base.empty()) s = base::invalid_argument("--kl-divergence needs --kl-divergence-base FILE");
  if (s.ok() && !o.kl_compare && o.text_file.empty()) s = base::invalid_argument("-f TEXT is required");
  if (s.ok() && o.n_threads < 0) s = base::invalid_argument(fmt::format("-t: expected >= 0, got {}", o.n_threads));
  std::string text;
  if (s.ok() && !o.text_file.empty()) s = read_text(o.text_file, &text);
  if (!s.ok()) {
    fmt::print(stderr, "osprey perplexity: {}\n", s.message());
    return 1;
  }
  auto loaded = model::Model::load(o.model, {});
  if (!loaded.ok()) {
    fmt::print(stderr, "osprey perplexity: cannot load '{}': {}\n", o.model, loaded.status().to_string());
    return 1;
  }
  model::Model& m = *loaded.value();
  runtime::PerplexityParams p;
  p.n_ctx = o.n_ctx;
  p.n_batch = o.n_batch;
  p.n_threads = o.n_threads > 0 ? o.n_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  p.max_chunks = o.chunks;
  p.kv_type = o.kv_type == "f32" ? tensor::DType::kF32 : tensor::DType::kF16;
  p.kl_top_k = o.kl_top_k;
  (o.kl_compare ? p.kl_base_in : p.kl_base_out) = o.kl_base;
  const std::vector<int32_t> tokens = o.kl_compare ? std::vector<int32_t>{} : runtime::perplexity_tokens(m, text);
  fmt::print(stderr, "perplexity: {} ({}), {}{} threads\n", o.model, m.description(),
             o.kl_compare ? "tokens of the KL base, " : fmt::format("{} tokens, ", tokens.size()), p.n_threads);
  InterruptWatcher interrupt;  // before the thread pool starts
  p.cancel = &interrupt.flag();
  auto r = runtime::run_perplexity(m, tokens, p, [&](const runtime::ChunkProgress& c) {
    if (o.kl_compare)
      fmt::print("[{}]{:.4f}/{:.6f}{}", c.chunk, c.ppl, c.kl_mean, c.chunk == c.n_chunks ? "\n" : ",");
    else
      fmt::print("[{}]{:.4f}{}", c.chunk, c.ppl, c.chunk == c.n_chunks ? "\n" : ",");
    std::fflush(stdout);
  });
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kCancelled) {
      fmt::print(stderr, "\nosprey perplexity: interrupted\n");
      return 130;
    }
    fmt::print(stderr, "osprey perplexity: {}\n", r.status().to_string());
    return 1;
  }
  fmt::print(stderr, "{} windows of {} tokens, {} scored tokens\n", r.value().n_chunks, r.value().n_ctx,
             r.value().n_scored);
  fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f}\n", r.value().ppl.value, r.value().ppl.err);
  if (r.value().kl) print_kl(r.value());
  if (!p.kl_base_out.empty()) fmt::print(stderr, "saved the base log-probs to {}\n", p.kl_base_out);
  return 0;
}

}  // namespace osprey::tools
