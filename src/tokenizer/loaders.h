// Loaders that turn a vocabulary's on-disk form into VocabData.
#pragma once

#include <string>

#include "src/base/status.h"
#include "src/tokenizer/vocab.h"

namespace osprey::gguf {
class GgufFile;
}

namespace osprey::tokenizer {

// From the `tokenizer.ggml.*` metadata keys.
Result<VocabData> vocab_from_gguf(const gguf::GgufFile& file);

// From a Hugging Face tokenizer.json (+ tokenizer_config.json, path may be "").
Result<VocabData> vocab_from_hf_files(const std::string& tokenizer_json_path,
                                      const std::string& tokenizer_config_json_path);

}  // namespace osprey::tokenizer
