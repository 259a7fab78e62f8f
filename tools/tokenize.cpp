// `osprey tokenize -m MODEL [--ids] [--no-bos] [--parse-special] TEXT`: prints the tokens of TEXT,
// one `id -> 'piece'` line each, or with --ids only the list `[1, 2, 3]`.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/tokenizer/tokenizer.h"
#include "tools/flags.h"

namespace osprey::tools {

namespace {

struct TokenizeOptions {
  std::string model;
  std::string file;
  bool ids_only = false;
  bool no_bos = false;
  bool parse_special = false;
};

Result<std::string> read_text(const TokenizeOptions& o, const std::vector<std::string>& positional) {
  if (!o.file.empty()) {
    if (!positional.empty())
      return base::invalid_argument(fmt::format("give TEXT or --file, not both (got '{}')", positional[0]));
    std::ifstream in(o.file, std::ios::binary);
    if (!in) return base::not_found(fmt::format("cannot open '{}'", o.file));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  if (positional.size() != 1)
    return base::invalid_argument(fmt::format("expected one TEXT argument, got {}", positional.size()));
  return positional[0];
}

}  // namespace

int tokenize_main(int argc, char** argv) {
  TokenizeOptions o;
  Flags flags("usage: osprey tokenize -m MODEL [--ids] [--no-bos] [--parse-special] TEXT",
              "Prints the tokens of TEXT, one `id -> 'piece'` line each (the piece is the exact bytes the\n"
              "token contributes, control tokens included). MODEL is a GGUF file, a tokenizer.json, or a\n"
              "directory holding tokenizer.json (+ tokenizer_config.json).");
  flags.add_string("-m,--model", &o.model, "GGUF file, tokenizer.json or Hugging Face directory", "OSPREY_MODEL");
  flags.add_string("-f,--file", &o.file, "read TEXT from this file");
  flags.add_bool("--ids", &o.ids_only, "print only the ids, as [1, 2, 3]");
  flags.add_bool("--no-bos", &o.no_bos, "do not add the BOS (and EOS) tokens the vocabulary asks for");
  flags.add_bool("--parse-special", &o.parse_special, "recognize control-token texts such as <|im_end|> in TEXT");
  Status s = flags.parse(argc, argv);
  if (flags.help_requested()) {
    std::fputs(flags.help().c_str(), stdout);
    return 0;
  }
  if (s.ok() && o.model.empty()) s = base::invalid_argument("-m MODEL is required");
  Result<std::string> text = s.ok() ? read_text(o, flags.positional()) : Result<std::string>(s);
  if (!text.ok()) {
    fmt::print(stderr, "osprey tokenize: {}\n", text.status().message());
    return 1;
  }
  auto tok = tokenizer::Tokenizer::from_path(o.model);
  if (!tok.ok()) {
    fmt::print(stderr, "osprey tokenize: cannot load '{}': {}\n", o.model, tok.status().to_string());
    return 1;
  }
  const tokenizer::Tokenizer& t = *tok.value();
  const std::vector<int32_t> ids = t.encode(*text, !o.no_bos, o.parse_special);
  if (o.ids_only) {
    fmt::print("[{}]\n", fmt::join(ids, ", "));
    return 0;
  }
  for (int32_t id : ids) {
    const std::string piece = t.token_to_piece(id, /*render_special=*/true);
    fmt::print("{:6} -> '", id);
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fputs("'\n", stdout);
  }
  return 0;
}

}  // namespace osprey::tools
