// The tokenizer: text <-> token ids for SentencePiece-style (SPM), byte-level BPE and WordPiece
// vocabularies loaded from GGUF metadata or a Hugging Face tokenizer.json, plus a streaming
// detokenizer that only ever emits whole UTF-8 characters.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/tokenizer/utf8.h"
#include "src/tokenizer/vocab.h"

namespace osprey::gguf {
class GgufFile;
}

namespace osprey::tokenizer {

class Tokenizer {
 public:
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // From the `tokenizer.ggml.*` keys (model "llama" = SPM, "gpt2" = BPE, "bert" = WordPiece).
  static Result<std::unique_ptr<Tokenizer>> from_gguf(const gguf::GgufFile& file);
  // From HF files; tokenizer_config_json_path may be "" (then no BOS/EOS settings are read).
  static Result<std::unique_ptr<Tokenizer>> from_hf_files(const std::string& tokenizer_json_path,
                                                          const std::string& tokenizer_config_json_path);
  // From a path: a .gguf file, a tokenizer.json, or a directory holding tokenizer.json (and
  // optionally tokenizer_config.json).
  static Result<std::unique_ptr<Tokenizer>> from_path(const std::string& path);
  // From already assembled data (validated; BPE regexes come from `pre` when pre_regexes is empty).
  static Result<std::unique_ptr<Tokenizer>> from_vocab(VocabData data);

  int32_t n_vocab() const;
  // add_special: prepend BOS / append EOS as add_bos()/add_eos() say. parse_special: recognize
  // control-token texts inside `text` (user-defined tokens are always recognized).
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;
  // The exact inverse of encode for lossless vocabularies: SPM drops the space encode adds at the
  // start and after special tokens. render_special: include the text of control tokens. Returns raw
  // bytes (byte tokens may form invalid UTF-8); ids out of range are skipped.
  std::string decode(std::span<const int32_t> ids, bool render_special = false) const;
  // The bytes one token contributes on its own (no leading-space removal); "" for an invalid id.
  std::string token_to_piece(int32_t id, bool render_special = true) const;
  const std::string& token_text(int32_t id) const;  // raw vocab entry ("" for an invalid id)
  TokenType token_type(int32_t id) const;           // kUnused for an invalid id
  float token_score(int32_t id) const;

  int32_t bos_id() const;
  int32_t eos_id() const;  // -1 if none
  int32_t unk_id() const;
  int32_t pad_id() const;
  bool add_bos() const;
  bool add_eos() const;
  // End of generation: eos, eot, eom and control/user-defined tokens such as <|im_end|>,
  // <|eot_id|>, <end_of_turn>, <|endoftext|>.
  bool is_eog(int32_t id) const;
  bool is_control(int32_t id) const;
  std::optional<int32_t> find_token(std::string_view text) const;

  VocabModel model() const;
  const std::string& pre() const;   // pre-tokenizer preset name ("" for unnamed HF regexes)
  const VocabData& vocab() const;   // everything loaded (for conversion and GGUF writing)

 private:
  friend class StreamingDetokenizer;
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  // Appends the piece of `id` as decode does; `at_start` tracks where SPM/WPM drop a leading space.
  void append_piece(int32_t id, bool render_special, bool& at_start, std::string& out) const;

  std::unique_ptr<Impl> impl_;
};

// Turns a stream of ids into text chunks that are always whole, valid UTF-8; concatenated they
// equal sanitize_utf8(decode(all ids)) (so decode itself for valid text).
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tok, bool render_special = false);
  std::string push(int32_t id);  // text that became complete
  std::string finish();          // whatever is held back (invalid bytes rendered as U+FFFD)

 private:
  const Tokenizer& tok_;
  bool render_special_;
  bool at_start_ = true;
  std::string piece_;
  Utf8Sanitizer utf8_;
};

}  // namespace osprey::tokenizer
