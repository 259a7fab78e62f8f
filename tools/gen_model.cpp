// `osprey gen-model NAME OUT.gguf`: writes a random-weight GGUF model of a real shape
// (src/model/gen_model.h) for benchmarks and tests. SIGINT/SIGTERM stop it and leave no output file.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "src/base/timer.h"
#include "src/model/gen_model.h"
#include "tools/flags.h"
#include "tools/interrupt.h"

namespace osprey::tools {

int gen_model_main(int argc, char** argv) {
  std::string type = "F16";
  std::string vocab;
  uint64_t seed = 42;
  int n_layers = 0, n_threads = 0;
  std::string about = "Writes a random-weight model (matrices ~ N(0, 0.02), norms 1) of a real shape, directly in\n"
                      "TYPE (a quantization mix: F32, F16, BF16, Q8_0, Q4_0, ..., Q4_K_M, Q6_K). The vocabulary is a\n"
                      "synthetic SentencePiece one of the model's size, or the tokenizer of --vocab FILE.gguf.\n"
                      "NAME: " + model::model_preset_names();
  Flags flags("usage: osprey gen-model NAME OUT.gguf [options]", about);
  flags.add_string("--type", &type, "quantization mix of the weights");
  flags.add_string("--vocab", &vocab, "copy the tokenizer metadata of this GGUF file");
  flags.add_u64("--seed", &seed, "random seed");
  flags.add_int("--layers", &n_layers, "number of layers (0: the model's)");
  flags.add_int("-t,--threads", &n_threads, "threads (0: all cores)", "OSPREY_THREADS");
  Status s = flags.parse(argc, argv);
  if (flags.help_requested()) {
    std::fputs(flags.help().c_str(), stdout);
    return 0;
  }
  if (s.ok() && flags.positional().size() != 2)
    s = base::invalid_argument(fmt::format("expected NAME OUT.gguf, got {} arguments", flags.positional().size()));
  const auto mix = model::find_quant_mix(type);
  if (s.ok() && !mix)
    s = base::invalid_argument(fmt::format("--type: unknown '{}' (expected one of {})", type, model::quant_mix_names()));
  if (s.ok() && n_threads < 0) s = base::invalid_argument(fmt::format("-t: expected >= 0, got {}", n_threads));
  if (!s.ok()) {
    fmt::print(stderr, "osprey gen-model: {}\n", s.message());
    return 1;
  }
  model::GenModelParams p;
  p.preset = flags.positional()[0];
  p.mix = mix->mix;
  p.vocab_path = vocab;
  p.seed = seed;
  p.n_layer = n_layers;
  p.n_threads = n_threads > 0 ? n_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::string out = flags.positional()[1];
  InterruptWatcher interrupt;  // before the thread pool starts
  p.cancel = &interrupt.flag();
  const bool tty = isatty(STDERR_FILENO) == 1;
  p.on_tensor = [tty](size_t i, size_t n, const model::TensorPlan& t) {
    if (tty)
      fmt::print(stderr, "\r\033[K[{:>4}/{}] {} {}", i + 1, n, t.name, tensor::dtype_name(t.to));
    else
      fmt::print(stderr, "[{:>4}/{}] {} {}\n", i + 1, n, t.name, tensor::dtype_name(t.to));
  };
  base::Stopwatch sw;
  auto r = model::generate_model(p, out);
  if (tty) fmt::print(stderr, "\n");
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kCancelled || interrupt.interrupted()) {
      fmt::print(stderr, "osprey gen-model: interrupted; no output written\n");
      return 130;
    }
    fmt::print(stderr, "osprey gen-model: {}\n", r.status().to_string());
    return 1;
  }
  for (const auto& t : r.value().plan)
    if (!t.note.empty()) fmt::print(stderr, "note: tensor '{}': {}\n", t.name, t.note);
  fmt::print(stderr, "wrote {}: {} ({}), {} parameters, vocabulary {}, {:.2f} MiB in {:.1f} s\n", out, p.preset,
             mix->name, r.value().n_params, r.value().n_vocab,
             static_cast<double>(r.value().file_bytes) / (1024.0 * 1024.0), sw.elapsed_s());
  return 0;
}

}  // namespace osprey::tools
