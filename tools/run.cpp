// `osprey run -m MODEL -p PROMPT`: generates a continuation of a prompt and streams it to stdout.
// The prompt itself is not echoed; a summary (load time, prompt and generation speed) goes to stderr.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "include/osprey/generate.h"
#include "src/base/timer.h"
#include "tools/flags.h"

namespace osprey::tools {

namespace {

struct RunOptions {
  std::string model;
  std::string prompt;
  std::string prompt_file;
  int n_predict = 128;
  int n_ctx = 0;
  int n_threads = 0;
  int n_threads_batch = 0;
  int n_batch = 512;
  std::string kv_type = "f16";
  std::string rope_scaling;  // "" = from the file
  bool no_bos = false;
  model::ModelParams mp;
  runtime::SamplingParams sp;
};

void register_flags(Flags& f, RunOptions& o) {
  f.add_string("-m,--model", &o.model, "GGUF model file", "OSPREY_MODEL");
  f.add_string("-p,--prompt", &o.prompt, "prompt text");
  f.add_string("-f,--file", &o.prompt_file, "read the prompt from this file");
  f.add_int("-n,--n-predict", &o.n_predict, "tokens to generate (-1: until end of text or a full context)");
  f.add_int("-c,--ctx-size", &o.n_ctx, "context size in tokens (0: the model's trained context)");
  f.add_int("-t,--threads", &o.n_threads, "threads for generation (0: all cores)", "OSPREY_THREADS");
  f.add_int("-tb,--threads-batch", &o.n_threads_batch, "threads for the prompt (0: as -t)", "OSPREY_THREADS_BATCH");
  f.add_int("-b,--batch-size", &o.n_batch, "prompt tokens evaluated per forward step");
  f.add_float("--temp", &o.sp.temperature, "temperature (<= 0: greedy)");
  f.add_int("--top-k", &o.sp.top_k, "top-k (<= 0: off)");
  f.add_float("--top-p", &o.sp.top_p, "top-p (1: off)");
  f.add_float("--min-p", &o.sp.min_p, "min-p (0: off)");
  f.add_float("--typical", &o.sp.typical_p, "locally typical sampling p (1: off)");
  f.add_u64("--seed", &o.sp.seed, "random seed (4294967295: random)");
  f.add_float("--repeat-penalty", &o.sp.repeat_penalty, "repetition penalty (1: off)");
  f.add_int("--repeat-last-n", &o.sp.repeat_last_n, "penalty window in tokens (0: off, -1: all)");
  f.add_float("--presence-penalty", &o.sp.presence_penalty, "presence penalty (0: off)");
  f.add_float("--frequency-penalty", &o.sp.frequency_penalty, "frequency penalty (0: off)");
  f.add_bool("--ignore-eos", &o.sp.ignore_eos, "never stop at end of text (the token is banned)");
  f.add_bool("--no-bos", &o.no_bos, "do not add the model's BOS token to the prompt");
  f.add_float("--rope-freq-base", &o.mp.rope_freq_base, "RoPE base frequency (0: from the model)");
  f.add_float("--rope-freq-scale", &o.mp.rope_freq_scale, "RoPE linear scale, 1/factor (0: from the model)");
  f.add_choice("--rope-scaling", &o.rope_scaling, {"none", "linear", "yarn"}, "RoPE scaling type (default: from the model)");
  f.add_float("--yarn-ext-factor", &o.mp.yarn_ext_factor, "YaRN extrapolation mix (< 0: 1 with YaRN, else 0)");
  f.add_float("--yarn-attn-factor", &o.mp.yarn_attn_factor, "YaRN magnitude scale (0: from the model)");
  f.add_float("--yarn-beta-fast", &o.mp.yarn_beta_fast, "YaRN low correction dim (0: 32)");
  f.add_float("--yarn-beta-slow", &o.mp.yarn_beta_slow, "YaRN high correction dim (0: 1)");
  f.add_int("--yarn-orig-ctx", &o.mp.yarn_orig_ctx, "YaRN original context (0: from the model)");
  f.add_choice("--kv-type", &o.kv_type, {"f16", "f32"}, "KV cache element type");
}

Status check_options(RunOptions& o) {
  if (o.model.empty()) return base::invalid_argument("-m MODEL is required");
  if (!o.prompt.empty() && !o.prompt_file.empty())
    return base::invalid_argument("give the prompt with -p or -f, not both");
  if (!o.prompt_file.empty()) {
    std::ifstream in(o.prompt_file, std::ios::binary);
    if (!in) return base::io_error(fmt::format("cannot read prompt file '{}'", o.prompt_file));
    std::stringstream ss;
    ss << in.rdbuf();
    o.prompt = ss.str();
  }
  if (o.n_batch <= 0) return base::invalid_argument(fmt::format("-b: expected > 0, got {}", o.n_batch));
  if (o.n_ctx < 0) return base::invalid_argument(fmt::format("-c: expected >= 0, got {}", o.n_ctx));
  if (o.n_threads < 0) return base::invalid_argument(fmt::format("-t: expected >= 0, got {}", o.n_threads));
  if (o.n_threads == 0) o.n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (o.n_threads_batch < 0)
    return base::invalid_argument(fmt::format("-tb: expected >= 0, got {}", o.n_threads_batch));
  if (o.n_threads_batch == 0) o.n_threads_batch = o.n_threads;
  if (o.rope_scaling == "none") o.mp.rope_scaling = model::ModelParams::Scaling::kNone;
  if (o.rope_scaling == "linear") o.mp.rope_scaling = model::ModelParams::Scaling::kLinear;
  if (o.rope_scaling == "yarn") o.mp.rope_scaling = model::ModelParams::Scaling::kYarn;
  o.mp.n_ctx = o.n_ctx;
  return base::ok_status();
}

double per_second(int n, double ms) { return ms > 0 ? n * 1000.0 / ms : 0.0; }

}  // namespace

int run_main(int argc, char** argv) {
  RunOptions o;
  Flags flags("usage: osprey run -m MODEL (-p PROMPT | -f FILE) [options]",
              "Generates a continuation of the prompt and streams it to stdout (the prompt is not\n"
              "echoed). A summary goes to stderr.");
  register_flags(flags, o);
  Status s = flags.parse(argc, argv);
  if (flags.help_requested()) {
    std::fputs(flags.help().c_str(), stdout);
    return 0;
  }
  if (s.ok() && !flags.positional().empty())
    s = base::invalid_argument(fmt::format("unexpected argument '{}'", flags.positional()[0]));
  if (s.ok()) s = check_options(o);
  if (!s.ok()) {
    fmt::print(stderr, "osprey run: {}\n", s.message());
    return 1;
  }
  base::Stopwatch sw;
  auto loaded = model::Model::load(o.model, o.mp);
  if (!loaded.ok()) {
    fmt::print(stderr, "osprey run: cannot load '{}': {}\n", o.model, loaded.status().to_string());
    return 1;
  }
  const double load_ms = sw.elapsed_ms();
  model::Model& m = *loaded.value();
  GenerateParams gp;
  gp.n_predict = o.n_predict;
  gp.n_batch = o.n_batch;
  gp.n_threads = o.n_threads;
  gp.n_threads_batch = o.n_threads_batch;
  gp.add_bos = !o.no_bos;
  gp.kv_type = o.kv_type == "f32" ? tensor::DType::kF32 : tensor::DType::kF16;
  gp.sampling = o.sp;
  auto r = generate(m, o.prompt, gp, [](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  const GenerateStats st = r.ok() ? r.value() : GenerateStats{};
  if (st.n_generated > 0) std::fputc('\n', stderr);
  fmt::print(stderr, "model: {} ({}), context {}, {} thread{} ({} for the prompt)\n", m.description(), o.model,
             m.hparams().n_ctx, o.n_threads, o.n_threads == 1 ? "" : "s", o.n_threads_batch);
  fmt::print(stderr, "load: {:.1f} ms\n", load_ms);
  fmt::print(stderr, "prompt: {} tokens in {:.1f} ms ({:.1f} tokens/s)\n", st.n_prompt, st.prompt_ms,
             per_second(st.n_prompt, st.prompt_ms));
  fmt::print(stderr, "generation: {} tokens in {:.1f} ms ({:.1f} tokens/s), stopped by {}\n", st.n_generated,
             st.generate_ms, per_second(st.n_generated, st.generate_ms), r.ok() ? st.stop_reason : "error");
  if (!r.ok()) {
    fmt::print(stderr, "osprey run: {}\n", r.status().to_string());
    return 1;
  }
  return 0;
}

}  // namespace osprey::tools
