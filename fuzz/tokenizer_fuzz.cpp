// fuzz-links: osprey_tokenizer
// libFuzzer entry for the tokenizer: random bytes are encoded by every loaded vocabulary (SPM, BPE,
// WordPiece); every id must lie in [0, n_vocab), lossless vocabularies must decode the text back
// exactly, the streaming detokenizer must emit only valid UTF-8 equal to the sanitized decode, and
// the input read as raw ids must decode without trouble.
//
// Vocabularies: $OSPREY_FUZZ_VOCAB (one GGUF or tokenizer.json), else the shared vocab GGUFs
// llama-spm, gpt-2 and bert-bge from $OSPREY_SHARED/vocab, $OSPREY_SOURCE_DIR/../shared/vocab or
// ../shared/vocab beside this source tree; small built-in vocabularies are always fuzzed too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "src/gguf/gguf_reader.h"
#include "src/tokenizer/byte_level.h"
#include "src/tokenizer/tokenizer.h"

namespace {

using osprey::tokenizer::StreamingDetokenizer;
using osprey::tokenizer::Tokenizer;
using osprey::tokenizer::TokenType;
using osprey::tokenizer::VocabData;
using osprey::tokenizer::VocabModel;

struct Loaded {
  std::string name;
  std::unique_ptr<Tokenizer> tok;
  bool lossless;          // decode(encode(s)) == s for text without "▁"
  std::string separator;  // a control token text, for the long-text (word cache) check; "" = skip
};

void require(bool cond, const std::string& name, const char* what) {
  if (!cond) {
    std::fprintf(stderr, "tokenizer_fuzz [%s]: invariant broken: %s\n", name.c_str(), what);
    std::abort();
  }
}

std::string shared_vocab_dir() {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (const char* s = std::getenv("OSPREY_SHARED")) candidates.push_back(fs::path(s) / "vocab");
  if (const char* s = std::getenv("OSPREY_SOURCE_DIR")) candidates.push_back(fs::path(s) / ".." / "shared" / "vocab");
  candidates.push_back(fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "vocab");
  candidates.push_back(fs::path("..") / "shared" / "vocab");
  std::error_code ec;
  for (const fs::path& p : candidates)
    if (fs::is_directory(p, ec)) return p.string();
  return "";
}

void add_from_path(const std::string& path, std::vector<Loaded>& out) {
  auto tok = Tokenizer::from_path(path);
  if (!tok.ok()) {
    std::fprintf(stderr, "tokenizer_fuzz: cannot load %s: %s\n", path.c_str(), tok.status().to_string().c_str());
    return;
  }
  const bool lossless = tok.value()->model() != VocabModel::kWpm && !tok.value()->vocab().nfc;
  out.push_back({path, std::move(tok).value(), lossless, ""});
}

// Built-in vocabularies, so the target is useful without the shared files.
void add_builtin(std::vector<Loaded>& out) {
  VocabData spm;
  spm.model = VocabModel::kSpm;
  spm.tokens = {"<unk>", "<s>", "</s>"};
  spm.types = {TokenType::kUnknown, TokenType::kControl, TokenType::kControl};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    spm.tokens.push_back(name);
    spm.types.push_back(TokenType::kByte);
  }
  for (const char* t : {"\xE2\x96\x81", "a", "b", "ab", "\xE2\x96\x81" "a", "\xE4\xB8\xAD", "<|u|>"}) {
    spm.tokens.push_back(t);
    spm.types.push_back(std::strcmp(t, "<|u|>") == 0 ? TokenType::kUserDefined : TokenType::kNormal);
  }
  spm.scores.assign(spm.tokens.size(), -1.0f);
  spm.unk_id = 0;
  spm.bos_id = 1;
  spm.eos_id = 2;
  spm.add_bos = spm.add_space_prefix = true;
  VocabData bpe;
  bpe.model = VocabModel::kBpe;
  bpe.pre = "llama-bpe";
  for (int b = 0; b < 256; ++b) {
    std::string s;
    osprey::tokenizer::byte_level_encode(std::string(1, static_cast<char>(b)), s);
    bpe.tokens.push_back(s);
  }
  bpe.tokens.insert(bpe.tokens.end(), {"ab", "abc", "\xC4\xA0" "a", "<|end|>"});
  bpe.merges = {{"a", "b"}, {"ab", "c"}, {"\xC4\xA0", "a"}};
  bpe.types.assign(bpe.tokens.size(), TokenType::kNormal);
  bpe.types.back() = TokenType::kControl;
  bpe.eos_id = static_cast<int32_t>(bpe.tokens.size() - 1);
  for (VocabData* v : {&spm, &bpe}) {
    auto tok = Tokenizer::from_vocab(*v);
    if (tok.ok())
      out.push_back({v == &spm ? "builtin-spm" : "builtin-bpe", std::move(tok).value(), true,
                     v == &spm ? "</s>" : "<|end|>"});
    else std::fprintf(stderr, "tokenizer_fuzz: builtin vocab: %s\n", tok.status().to_string().c_str());
  }
}

std::vector<Loaded>& vocabs() {
  static std::vector<Loaded> v;
  return v;
}

void check(const Loaded& l, const uint8_t* data, size_t size) {
  const Tokenizer& tok = *l.tok;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const bool parse_special = size > 0 && (data[0] & 1);
  const bool add_special = size > 0 && (data[0] & 2);
  const std::vector<int32_t> ids = tok.encode(text, add_special, parse_special);
  for (int32_t id : ids) require(id >= 0 && id < tok.n_vocab(), l.name, "ids lie in [0, n_vocab)");
  if (l.lossless && text.find("\xE2\x96\x81") == std::string::npos) {
    const std::vector<int32_t> plain = tok.encode(text, false, false);
    require(tok.decode(plain, true) == text, l.name, "decode(encode(s)) == s for a lossless vocabulary");
  }
  // Streaming equals the sanitized whole decode; every chunk is valid UTF-8.
  const bool render = size > 1 && (data[1] & 1);
  StreamingDetokenizer sd(tok, render);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string chunk = sd.push(id);
    require(osprey::tokenizer::is_valid_utf8(chunk), l.name, "stream chunks are valid UTF-8");
    streamed += chunk;
  }
  streamed += sd.finish();
  require(streamed == osprey::tokenizer::sanitize_utf8(tok.decode(ids, render)), l.name,
          "streamed text equals the sanitized decode");
  // Long texts go through the word cache: copies of the input joined by a control token must give
  // the concatenated short encodings (built-in vocabularies, and only inputs whose second byte is
  // 'L', which libFuzzer's comparison tracing finds at once: this check encodes 16 KiB and would
  // otherwise dominate the run time).
  if (!l.separator.empty() && size >= 2 && size < 1024 && data[1] == 'L') {
    const std::vector<int32_t> one = tok.encode(text, false, true);
    const int32_t sep = *tok.find_token(l.separator);
    std::string long_text;
    std::vector<int32_t> expected;
    while (long_text.size() < 16 * 1024) {
      long_text += text + l.separator;
      expected.insert(expected.end(), one.begin(), one.end());
      expected.push_back(sep);
    }
    require(tok.encode(long_text, false, true) == expected, l.name, "long texts encode like their parts");
  }
  // The input read as ids (any value, also out of range) decodes without trouble.
  std::vector<int32_t> raw(size / 4);
  if (!raw.empty()) std::memcpy(raw.data(), data, raw.size() * 4);
  StreamingDetokenizer sd2(tok, true);
  for (int32_t id : raw) require(osprey::tokenizer::is_valid_utf8(sd2.push(id)), l.name, "raw ids stream valid UTF-8");
  (void)tok.decode(raw, true);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  std::vector<Loaded>& v = vocabs();
  if (const char* p = std::getenv("OSPREY_FUZZ_VOCAB"); p != nullptr && *p != '\0') {
    add_from_path(p, v);
  } else if (const std::string dir = shared_vocab_dir(); !dir.empty()) {
    for (const char* name : {"llama-spm", "gpt-2", "bert-bge"})
      add_from_path(dir + "/ggml-vocab-" + name + ".gguf", v);
  } else {
    std::fprintf(stderr, "tokenizer_fuzz: no shared vocab directory found; fuzzing the built-in vocabularies only\n");
  }
  add_builtin(v);
  for (const Loaded& l : v) std::fprintf(stderr, "tokenizer_fuzz: vocabulary %s (%d tokens)\n", l.name.c_str(), l.tok->n_vocab());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (const Loaded& l : vocabs()) check(l, data, size);
  return 0;
}
