// VocabData from a Hugging Face tokenizer.json (+ tokenizer_config.json). Supported: model BPE
// (byte-level: ByteLevel/Split/Digits pre-tokenizers, NFC normalizer) and WordPiece (BERT
// normalizer); other shapes are refused with kUnimplemented naming what was found.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "src/tokenizer/loaders.h"
#include "src/tokenizer/pretokenizer.h"

namespace osprey::tokenizer {

namespace {

using nlohmann::json;

constexpr size_t kMaxJsonBytes = size_t{1} << 30;
constexpr int64_t kMaxVocab = int64_t{1} << 24;
constexpr char kGpt2Regex[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

Result<json> read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::not_found(fmt::format("cannot open '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.size() > kMaxJsonBytes)
    return base::out_of_range(fmt::format("'{}': expected at most {} bytes, got {}", path, kMaxJsonBytes, text.size()));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return base::invalid_argument(fmt::format("'{}' is not valid JSON", path));
  return j;
}

std::string type_of(const json& j) { return j.is_object() ? j.value("type", std::string("?")) : "?"; }

// Escapes a literal for PCRE2.
std::string regex_quote(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

Status add_pre_tokenizer(const json& p, std::vector<std::string>& regexes) {
  if (p.is_null()) return base::ok_status();
  const std::string type = type_of(p);
  if (type == "Sequence") {
    for (const json& c : p.at("pretokenizers")) OSP_RETURN_IF_ERROR(add_pre_tokenizer(c, regexes));
  } else if (type == "Split") {
    if (p.value("behavior", std::string()) != "Isolated" || p.value("invert", false))
      return base::unimplemented(fmt::format("Split pre-tokenizer: expected behavior Isolated without invert, got {}",
                                             p.dump()));
    const json& pat = p.at("pattern");
    if (pat.contains("Regex")) regexes.push_back(pat.at("Regex").get<std::string>());
    else regexes.push_back(regex_quote(pat.at("String").get<std::string>()));
  } else if (type == "ByteLevel") {
    if (p.value("add_prefix_space", false))
      return base::unimplemented("ByteLevel pre-tokenizer with add_prefix_space=true is not supported");
    if (p.value("use_regex", true)) regexes.push_back(kGpt2Regex);
  } else if (type == "Digits") {
    regexes.push_back(p.value("individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)");
  } else {
    return base::unimplemented(fmt::format("pre-tokenizer type '{}' is not supported for BPE", type));
  }
  return base::ok_status();
}

Status apply_normalizer(const json& n, VocabData& v) {
  if (n.is_null()) return base::ok_status();
  const std::string type = type_of(n);
  if (type == "Sequence") {
    for (const json& c : n.at("normalizers")) OSP_RETURN_IF_ERROR(apply_normalizer(c, v));
  } else if (type == "NFC" && v.model == VocabModel::kBpe) {
    v.nfc = true;
  } else if (type == "BertNormalizer" && v.model == VocabModel::kWpm) {
    v.lowercase = n.value("lowercase", true);
    v.strip_accents = n.contains("strip_accents") && !n.at("strip_accents").is_null()
                          ? n.at("strip_accents").get<bool>()
                          : v.lowercase;
  } else {
    return base::unimplemented(fmt::format("normalizer type '{}' is not supported for {}", type,
                                           vocab_model_name(v.model)));
  }
  return base::ok_status();
}

// Fills tokens and types from model.vocab and added_tokens; holes become unused "[PAD<id>]".
Status read_vocab(const json& root, VocabData& v) {
  const json& model = root.at("model");
  const json& vocab = model.at("vocab");
  if (!vocab.is_object()) return base::invalid_argument("tokenizer.json model.vocab: expected an object");
  const json empty = json::array();
  const json& added = root.contains("added_tokens") ? root.at("added_tokens") : empty;
  int64_t max_id = -1;
  for (const auto& [text, id] : vocab.items()) max_id = std::max(max_id, id.get<int64_t>());
  for (const json& a : added) max_id = std::max(max_id, a.at("id").get<int64_t>());
  if (max_id + 1 > kMaxVocab)
    return base::out_of_range(fmt::format("tokenizer.json: expected ids below {}, got {}", kMaxVocab, max_id));
  const size_t n = static_cast<size_t>(max_id + 1);
  v.tokens.assign(n, "");
  v.types.assign(n, TokenType::kUnused);
  std::vector<uint8_t> seen(n, 0);
  const std::string prefix = v.model == VocabModel::kWpm
                                 ? model.value("continuing_subword_prefix", std::string("##"))
                                 : std::string();
  for (const auto& [text, id_json] : vocab.items()) {
    const int64_t id = id_json.get<int64_t>();
    if (id < 0) return base::out_of_range(fmt::format("tokenizer.json: token '{}' has id {}", text, id));
    std::string t = text;
    if (v.model == VocabModel::kWpm)  // GGUF convention: "▁word", continuation bare
      t = !prefix.empty() && t.rfind(prefix, 0) == 0 ? t.substr(prefix.size()) : "\xE2\x96\x81" + t;
    v.tokens[id] = std::move(t);
    v.types[id] = TokenType::kNormal;
    seen[id] = 1;
  }
  for (const json& a : added) {
    const int64_t id = a.at("id").get<int64_t>();
    if (id < 0) return base::out_of_range(fmt::format("tokenizer.json: added token with id {}", id));
    v.tokens[id] = a.at("content").get<std::string>();
    v.types[id] = a.value("special", false) ? TokenType::kControl : TokenType::kUserDefined;
    seen[id] = 1;
    if (a.value("lstrip", false) || a.value("rstrip", false))
      v.added_flags.push_back({static_cast<int32_t>(id), {a.value("lstrip", false), a.value("rstrip", false)}});
  }
  for (size_t i = 0; i < n; ++i)
    if (!seen[i]) v.tokens[i] = fmt::format("[PAD{}]", i);
  return base::ok_status();
}

Status read_merges(const json& model, VocabData& v) {
  if (!model.contains("merges")) return base::ok_status();
  for (const json& m : model.at("merges")) {
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      const size_t sp = s.find(' ', 1);
      if (sp == std::string::npos)
        return base::invalid_argument(fmt::format("tokenizer.json merge: expected \"left right\", got \"{}\"", s));
      v.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    } else if (m.is_array() && m.size() == 2) {
      v.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      return base::invalid_argument(fmt::format("tokenizer.json merge: expected a string or a pair, got {}", m.dump()));
    }
  }
  return base::ok_status();
}

int32_t id_of(const VocabData& v, const std::string& text) {
  for (size_t i = 0; i < v.tokens.size(); ++i)
    if (v.types[i] != TokenType::kNormal && v.tokens[i] == text) return static_cast<int32_t>(i);
  for (size_t i = 0; i < v.tokens.size(); ++i)
    if (v.tokens[i] == text) return static_cast<int32_t>(i);
  return -1;
}

// A config token entry: "text", {"content": "text"} or null.
std::string config_token(const json& cfg, const char* key) {
  if (!cfg.contains(key)) return "";
  const json& t = cfg.at(key);
  if (t.is_string()) return t.get<std::string>();
  if (t.is_object() && t.contains("content") && t.at("content").is_string()) return t.at("content").get<std::string>();
  return "";
}

// BOS/EOS and whether to add them: tokenizer_config.json first, then the post-processor.
void read_specials(const json& root, const json& cfg, VocabData& v) {
  if (v.model == VocabModel::kWpm) {
    v.cls_id = id_of(v, "[CLS]");
    v.sep_id = id_of(v, "[SEP]");
    v.pad_id = id_of(v, "[PAD]");
    v.mask_id = id_of(v, "[MASK]");
    v.bos_id = v.cls_id;
    v.eos_id = v.sep_id;
    v.add_bos = v.bos_id >= 0;
    v.add_eos = v.eos_id >= 0;
  }
  const json& model = root.at("model");
  if (model.contains("unk_token") && model.at("unk_token").is_string())
    v.unk_id = id_of(v, model.at("unk_token").get<std::string>());
  // A TemplateProcessing "single" template: [SpecialToken BOS?, Sequence A, SpecialToken EOS?].
  std::string tmpl_bos, tmpl_eos;
  const json& post = root.contains("post_processor") ? root.at("post_processor") : json();
  if (type_of(post) == "TemplateProcessing" && post.contains("single") && post.at("single").is_array()) {
    const json& single = post.at("single");
    if (!single.empty() && single.front().contains("SpecialToken"))
      tmpl_bos = single.front().at("SpecialToken").value("id", std::string());
    if (single.size() > 1 && single.back().contains("SpecialToken"))
      tmpl_eos = single.back().at("SpecialToken").value("id", std::string());
  }
  if (!tmpl_bos.empty()) {
    v.bos_id = id_of(v, tmpl_bos);
    v.add_bos = v.bos_id >= 0;
  }
  if (!tmpl_eos.empty()) {
    v.eos_id = id_of(v, tmpl_eos);
    v.add_eos = v.eos_id >= 0;
  }
  if (const std::string t = config_token(cfg, "bos_token"); !t.empty()) v.bos_id = id_of(v, t);
  if (const std::string t = config_token(cfg, "eos_token"); !t.empty()) v.eos_id = id_of(v, t);
  if (const std::string t = config_token(cfg, "unk_token"); !t.empty()) v.unk_id = id_of(v, t);
  if (const std::string t = config_token(cfg, "pad_token"); !t.empty()) v.pad_id = id_of(v, t);
  if (cfg.contains("add_bos_token") && cfg.at("add_bos_token").is_boolean())
    v.add_bos = cfg.at("add_bos_token").get<bool>();
  if (cfg.contains("add_eos_token") && cfg.at("add_eos_token").is_boolean())
    v.add_eos = cfg.at("add_eos_token").get<bool>();
}

Result<VocabData> build(const json& root, const json& cfg) {
  VocabData v;
  if (!root.is_object() || !root.contains("model"))
    return base::invalid_argument("tokenizer.json: expected an object with a \"model\"");
  const json& model = root.at("model");
  const std::string type = type_of(model);
  if (type == "BPE") {
    if (model.value("byte_fallback", false))
      return base::unimplemented("tokenizer.json: BPE with byte_fallback (SentencePiece-converted) is not supported");
    v.model = VocabModel::kBpe;
  } else if (type == "WordPiece") {
    v.model = VocabModel::kWpm;
  } else {
    return base::unimplemented(fmt::format("tokenizer.json model type '{}' is not supported (expected BPE or WordPiece)", type));
  }
  OSP_RETURN_IF_ERROR(read_vocab(root, v));
  if (v.model == VocabModel::kBpe) {
    OSP_RETURN_IF_ERROR(read_merges(model, v));
    v.ignore_merges = model.value("ignore_merges", false);
    OSP_RETURN_IF_ERROR(add_pre_tokenizer(root.contains("pre_tokenizer") ? root.at("pre_tokenizer") : json(),
                                          v.pre_regexes));
    v.pre = preset_name_for(v.pre_regexes);
  }
  OSP_RETURN_IF_ERROR(apply_normalizer(root.contains("normalizer") ? root.at("normalizer") : json(), v));
  read_specials(root, cfg, v);
  return v;
}

}  // namespace

Result<VocabData> vocab_from_hf_files(const std::string& tokenizer_json_path,
                                      const std::string& tokenizer_config_json_path) {
  OSP_ASSIGN_OR_RETURN(json root, read_json(tokenizer_json_path));
  json cfg = json::object();
  if (!tokenizer_config_json_path.empty()) {
    OSP_ASSIGN_OR_RETURN(cfg, read_json(tokenizer_config_json_path));
    if (!cfg.is_object())
      return base::invalid_argument(fmt::format("'{}': expected a JSON object", tokenizer_config_json_path));
  }
  try {
    return build(root, cfg);
  } catch (const json::exception& e) {
    return base::invalid_argument(fmt::format("'{}': unexpected structure: {}", tokenizer_json_path, e.what()));
  }
}

}  // namespace osprey::tokenizer
