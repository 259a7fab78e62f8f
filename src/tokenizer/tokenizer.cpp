// Tokenizer: special-token partitioning, dispatch to the SPM / BPE / WPM model, and decoding.
#include "src/tokenizer/tokenizer.h"

#include <fmt/format.h>

#include <filesystem>

#include "src/gguf/gguf_reader.h"
#include "src/tokenizer/bpe.h"
#include "src/tokenizer/byte_level.h"
#include "src/tokenizer/loaders.h"
#include "src/tokenizer/pretokenizer.h"
#include "src/tokenizer/special_split.h"
#include "src/tokenizer/spm.h"
#include "src/tokenizer/word_cache.h"
#include "src/tokenizer/wpm.h"

namespace osprey::tokenizer {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // "▁"

void append_unescaped(std::string_view text, std::string& out) {  // "▁" -> " "
  size_t pos = 0;
  while (true) {
    const size_t hit = text.find(kSpace, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.data() + pos, hit - pos);
    out += ' ';
    pos = hit + kSpace.size();
  }
  out.append(text.data() + pos, text.size() - pos);
}

void append_escaped(std::string_view text, std::string& out) {  // " " -> "▁"
  for (char c : text) {
    if (c == ' ') out += kSpace;
    else out += c;
  }
}

// "<0xAB>" -> 0xAB, else -1.
int parse_byte_token(std::string_view t) {
  if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
  int v = 0;
  for (char c : t.substr(3, 2)) {
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else return -1;
  }
  return v;
}

bool is_eog_text(std::string_view t) {
  static const std::string_view kTexts[] = {
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>",
      "_<EOT>", "<|end_of_text|>", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
      "<|return|>", "<|call|>"};
  for (std::string_view k : kTexts)
    if (t == k) return true;
  return false;
}

}  // namespace

struct Tokenizer::Impl {
  VocabData v;
  TokenIndex index;
  std::vector<uint8_t> eog;  // [n_vocab]
  PreTokenizer pre;
  std::unique_ptr<SpecialMatcher> specials;
  std::unique_ptr<SpmModel> spm;
  std::unique_ptr<BpeModel> bpe;
  std::unique_ptr<WpmModel> wpm;
  // SPM (with the space prefix) and WPM drop one leading space at the start and after specials.
  bool strip_leading_space = false;
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_vocab(VocabData data) {
  OSP_RETURN_IF_ERROR(validate_vocab(data));
  auto impl = std::make_unique<Impl>();
  impl->v = std::move(data);
  VocabData& v = impl->v;
  if (v.types.empty()) v.types.assign(v.tokens.size(), TokenType::kNormal);
  impl->index = build_token_index(v.tokens);
  if (v.model == VocabModel::kBpe) {
    if (v.pre_regexes.empty()) {
      OSP_ASSIGN_OR_RETURN(PreTokenizerPreset preset, pre_tokenizer_preset(v.pre));
      v.pre_regexes = preset.regexes;
    }
    OSP_ASSIGN_OR_RETURN(impl->pre, PreTokenizer::create(v.pre_regexes));
    impl->bpe = std::make_unique<BpeModel>(v, impl->index);
  } else if (v.model == VocabModel::kSpm) {
    impl->spm = std::make_unique<SpmModel>(v, impl->index);
    impl->strip_leading_space = v.add_space_prefix;
  } else {
    impl->wpm = std::make_unique<WpmModel>(v, impl->index);
    impl->strip_leading_space = true;
  }
  impl->specials = std::make_unique<SpecialMatcher>(v);
  impl->eog.assign(v.tokens.size(), 0);
  for (int32_t id : {v.eos_id, v.eot_id, v.eom_id})
    if (id >= 0) impl->eog[id] = 1;
  for (size_t i = 0; i < v.tokens.size(); ++i)
    if ((v.types[i] == TokenType::kControl || v.types[i] == TokenType::kUserDefined) && is_eog_text(v.tokens[i]))
      impl->eog[i] = 1;
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  OSP_ASSIGN_OR_RETURN(VocabData v, vocab_from_gguf(file));
  return from_vocab(std::move(v));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_hf_files(const std::string& tokenizer_json_path,
                                                            const std::string& tokenizer_config_json_path) {
  OSP_ASSIGN_OR_RETURN(VocabData v, vocab_from_hf_files(tokenizer_json_path, tokenizer_config_json_path));
  return from_vocab(std::move(v));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const fs::path json = fs::path(path) / "tokenizer.json";
    const fs::path config = fs::path(path) / "tokenizer_config.json";
    if (!fs::exists(json, ec))
      return base::not_found(fmt::format("directory '{}': expected a tokenizer.json in it, found none", path));
    return from_hf_files(json.string(), fs::exists(config, ec) ? config.string() : "");
  }
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
    const fs::path config = fs::path(path).parent_path() / "tokenizer_config.json";
    return from_hf_files(path, fs::exists(config, ec) ? config.string() : "");
  }
  OSP_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(path));
  return from_gguf(file);
}

int32_t Tokenizer::n_vocab() const { return static_cast<int32_t>(impl_->v.tokens.size()); }

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  const Impl& m = *impl_;
  const VocabData& v = m.v;
  std::vector<int32_t> out;
  if (add_special && v.add_bos && v.bos_id >= 0) out.push_back(v.bos_id);
  std::vector<Fragment> fragments;
  m.specials->split(text, parse_special, fragments);
  bool prev_special = true;
  std::string buf;
  std::vector<std::string_view> words;
  BpeScratch scratch;
  WordCache cache(text.size() >= WordCache::kMinTextBytes);
  for (const Fragment& f : fragments) {
    if (f.token >= 0) {
      out.push_back(f.token);
      prev_special = true;
      continue;
    }
    if (m.spm) {
      buf.clear();
      if (v.add_space_prefix && prev_special) buf += kSpace;
      append_escaped(f.text, buf);
      m.spm->encode(buf, out, cache);
    } else if (m.bpe) {
      std::string_view t = f.text;
      if (v.nfc) {
        buf = nfc_normalize(t);
        t = buf;
      }
      words.clear();
      m.pre.split(t, words);
      for (std::string_view w : words)
        cache.encode(w, out, [&](std::string_view x, std::vector<int32_t>& o) { m.bpe->encode_word(x, o, scratch); });
    } else {
      m.wpm->encode(f.text, out);
    }
    prev_special = false;
  }
  if (add_special && v.add_eos && v.eos_id >= 0) out.push_back(v.eos_id);
  return out;
}

void Tokenizer::append_piece(int32_t id, bool render_special, bool& at_start, std::string& out) const {
  const Impl& m = *impl_;
  if (id < 0 || id >= n_vocab()) return;
  const std::string& text = m.v.tokens[id];
  const TokenType type = m.v.types[id];
  const size_t before = out.size();
  switch (type) {
    case TokenType::kControl:
    case TokenType::kUnused:
      if (render_special) out += text;
      at_start = true;
      return;
    case TokenType::kUnknown:
      out += text;
      break;
    case TokenType::kUserDefined:
      if (m.bpe) out += text;
      else append_unescaped(text, out);
      at_start = true;
      return;
    case TokenType::kByte:
      if (int b = parse_byte_token(text); b >= 0 && !m.bpe) {
        out += static_cast<char>(b);
        break;
      }
      [[fallthrough]];
    case TokenType::kNormal:
      if (m.bpe) byte_level_decode(text, out);
      else append_unescaped(text, out);
      break;
  }
  if (at_start && m.strip_leading_space && out.size() > before && out[before] == ' ') out.erase(before, 1);
  at_start = false;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool render_special) const {
  std::string out;
  bool at_start = true;
  for (int32_t id : ids) append_piece(id, render_special, at_start, out);
  return out;
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  std::string out;
  bool at_start = false;
  append_piece(id, render_special, at_start, out);
  return out;
}

const std::string& Tokenizer::token_text(int32_t id) const {
  static const std::string kEmpty;
  return id >= 0 && id < n_vocab() ? impl_->v.tokens[id] : kEmpty;
}

TokenType Tokenizer::token_type(int32_t id) const {
  return id >= 0 && id < n_vocab() ? impl_->v.types[id] : TokenType::kUnused;
}

float Tokenizer::token_score(int32_t id) const {
  return id >= 0 && id < n_vocab() && !impl_->v.scores.empty() ? impl_->v.scores[id] : 0.0f;
}

int32_t Tokenizer::bos_id() const { return impl_->v.bos_id; }
int32_t Tokenizer::eos_id() const { return impl_->v.eos_id; }
int32_t Tokenizer::unk_id() const { return impl_->v.unk_id; }
int32_t Tokenizer::pad_id() const { return impl_->v.pad_id; }
bool Tokenizer::add_bos() const { return impl_->v.add_bos; }
bool Tokenizer::add_eos() const { return impl_->v.add_eos; }
bool Tokenizer::is_eog(int32_t id) const { return id >= 0 && id < n_vocab() && impl_->eog[id] != 0; }
bool Tokenizer::is_control(int32_t id) const { return token_type(id) == TokenType::kControl && id < n_vocab(); }

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  const int32_t id = find_id(impl_->index, text);
  if (id < 0) return std::nullopt;
  return id;
}

VocabModel Tokenizer::model() const { return impl_->v.model; }
const std::string& Tokenizer::pre() const { return impl_->v.pre; }
const VocabData& Tokenizer::vocab() const { return impl_->v; }

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tok, bool render_special)
    : tok_(tok), render_special_(render_special) {}

std::string StreamingDetokenizer::push(int32_t id) {
  piece_.clear();
  tok_.append_piece(id, render_special_, at_start_, piece_);
  std::string out;
  utf8_.feed(piece_, out);
  return out;
}

std::string StreamingDetokenizer::finish() {
  std::string out;
  utf8_.finish(out);
  at_start_ = true;
  return out;
}

}  // namespace osprey::tokenizer
