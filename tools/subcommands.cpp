#include "tools/subcommands.h"

namespace osprey::tools {

// One declaration and one table row per subcommand, defined in tools/<name>.cpp. Keep alphabetical.
int bench_main(int argc, char** argv);
int gen_model_main(int argc, char** argv);
int gguf_main(int argc, char** argv);
int perplexity_main(int argc, char** argv);
int quantize_main(int argc, char** argv);
int render_template_main(int argc, char** argv);
int run_main(int argc, char** argv);
int serve_main(int argc, char** argv);
int tokenize_main(int argc, char** argv);

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> kList = {
      {"bench", "measure prompt and generation speed against the machine's ceilings (llama-bench flags)", bench_main},
      {"gen-model", "write a random-weight GGUF model of a real shape (tinyllama-1.1b, qwen3-0.6b, ...)", gen_model_main},
      {"gguf", "inspect a GGUF file: dump | validate", gguf_main},
      {"perplexity", "perplexity of a text and KL divergence against a base model", perplexity_main},
      {"render-template", "print the prompt a chat template renders for messages", render_template_main},
      {"quantize", "convert a GGUF model to a quantization mix (Q4_K_M, Q8_0, ...)", quantize_main},
      {"run", "generate text from a prompt with a GGUF model", run_main},
      {"serve", "OpenAI-compatible HTTP server with continuous batching (llama-server flags)", serve_main},
      {"tokenize", "print the tokens of a text (ids and pieces)", tokenize_main},
  };
  return kList;
}

}  // namespace osprey::tools
