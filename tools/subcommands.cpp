#include "tools/subcommands.h"

namespace osprey::tools {

// One declaration and one table row per subcommand, defined in tools/<name>.cpp. Keep alphabetical.
int gguf_main(int argc, char** argv);
int quantize_main(int argc, char** argv);
int render_template_main(int argc, char** argv);
int run_main(int argc, char** argv);
int tokenize_main(int argc, char** argv);

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> kList = {
      {"gguf", "inspect a GGUF file: dump | validate", gguf_main},
      {"render-template", "print the prompt a chat template renders for messages", render_template_main},
      {"quantize", "convert a GGUF model to a quantization mix (Q4_K_M, Q8_0, ...)", quantize_main},
      {"run", "generate text from a prompt with a GGUF model", run_main},
      {"tokenize", "print the tokens of a text (ids and pieces)", tokenize_main},
  };
  return kList;
}

}  // namespace osprey::tools
