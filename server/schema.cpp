#include "server/schema.h"

#include <cmath>
#include <limits>
#include <string>

namespace osprey::server {

namespace {

constexpr int kMaxJsonDepth = 64;
constexpr size_t kMaxStops = 16;
constexpr size_t kMaxPrompts = 64;
constexpr int kMaxChoices = 128;

std::string num(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  std::string s = std::to_string(v);
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  return s;
}

Status type_error(std::string_view field, const char* expected, const ojson& got) {
  return base::invalid_argument("'" + std::string(field) + "' must be " + expected + ", got " + json_type_name(got));
}

Status range_error(std::string_view field, double v, const std::string& expected) {
  return base::invalid_argument("'" + std::string(field) + "' = " + num(v) + " is out of range: expected " + expected);
}

// Nesting depth of a JSON text (brackets outside strings), to refuse absurd nesting before parsing.
int nesting_depth(std::string_view s) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escape = false;
  for (char c : s) {
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') max_depth = std::max(max_depth, ++depth);
    if (c == ']' || c == '}') --depth;
  }
  return max_depth;
}

Result<ojson> parse_object(std::string_view body) {
  if (body.empty()) return base::invalid_argument("the request body is empty: expected a JSON object");
  if (int d = nesting_depth(body); d > kMaxJsonDepth)
    return base::invalid_argument("the JSON nests " + std::to_string(d) + " levels deep: at most " +
                                  std::to_string(kMaxJsonDepth) + " are accepted");
  ojson j;
  try {
    j = ojson::parse(body.begin(), body.end());
  } catch (const ojson::exception& e) {  // parse_error, and out_of_range for numbers like 8e888
    return base::invalid_argument(std::string("malformed JSON: ") + e.what());
  }
  if (!j.is_object()) return type_error("request body", "a JSON object", j);
  return j;
}

const ojson* field(const ojson& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return nullptr;
  return &*it;
}

Status opt_number(const ojson& o, const char* key, double lo, double hi, float* out) {
  const ojson* v = field(o, key);
  if (!v) return base::ok_status();
  if (!v->is_number()) return type_error(key, "a number", *v);
  double x = v->get<double>();
  if (!(x >= lo && x <= hi)) return range_error(key, x, num(lo) + ".." + num(hi));
  *out = static_cast<float>(x);
  return base::ok_status();
}

// An integer (a float with an integral value is accepted too) within [lo, hi].
Status opt_int64(const ojson& o, const char* key, int64_t lo, int64_t hi, int64_t* out, bool* found = nullptr) {
  const ojson* v = field(o, key);
  if (found) *found = v != nullptr;
  if (!v) return base::ok_status();
  if (!v->is_number()) return type_error(key, "an integer", *v);
  std::string range = num(static_cast<double>(lo)) + ".." + num(static_cast<double>(hi));
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::floor(d) != d) return type_error(key, "an integer", *v);
    if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) return range_error(key, d, range);
    *out = static_cast<int64_t>(d);
  } else if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (hi < 0 || u > static_cast<uint64_t>(hi)) return range_error(key, static_cast<double>(u), range);
    if (static_cast<int64_t>(u) < lo) return range_error(key, static_cast<double>(u), range);
    *out = static_cast<int64_t>(u);
  } else {
    int64_t x = v->get<int64_t>();
    if (x < lo || x > hi) return range_error(key, static_cast<double>(x), range);
    *out = x;
  }
  return base::ok_status();
}

Status opt_int(const ojson& o, const char* key, int lo, int hi, int* out, bool* found = nullptr) {
  int64_t x = *out;
  OSP_RETURN_IF_ERROR(opt_int64(o, key, lo, hi, &x, found));
  *out = static_cast<int>(x);
  return base::ok_status();
}

Status opt_bool(const ojson& o, const char* key, bool* out) {
  const ojson* v = field(o, key);
  if (!v) return base::ok_status();
  if (!v->is_boolean()) return type_error(key, "a boolean", *v);
  *out = v->get<bool>();
  return base::ok_status();
}

Status opt_string(const ojson& o, const char* key, std::string* out) {
  const ojson* v = field(o, key);
  if (!v) return base::ok_status();
  if (!v->is_string()) return type_error(key, "a string", *v);
  *out = v->get<std::string>();
  return base::ok_status();
}

Status parse_seed(const ojson& o, uint64_t* seed) {
  const ojson* v = field(o, "seed");
  if (!v) return base::ok_status();
  if (!v->is_number_integer()) return type_error("seed", "an integer", *v);
  if (v->is_number_unsigned()) {
    *seed = v->get<uint64_t>();
  } else {
    int64_t s = v->get<int64_t>();
    *seed = s < 0 ? 0xFFFFFFFFull : static_cast<uint64_t>(s);  // negative: a random seed
  }
  return base::ok_status();
}

Status parse_bias_value(const std::string& where, const ojson& v, float* out, bool llama) {
  if (llama && v.is_boolean()) {
    if (v.get<bool>()) return base::invalid_argument(where + " = true: expected a number, or false to ban the token");
    *out = -std::numeric_limits<float>::infinity();
    return base::ok_status();
  }
  if (!v.is_number()) return type_error(where, "a number", v);
  double b = v.get<double>();
  if (!(b >= -100.0 && b <= 100.0)) return range_error(where, b, "-100..100");
  *out = static_cast<float>(b);
  return base::ok_status();
}

Status parse_token_id(const std::string& where, const ojson& v, int32_t* out) {
  if (!v.is_number_integer()) return type_error(where, "a token id (integer)", v);
  int64_t id = v.is_number_unsigned() ? static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), 1ull << 40))
                                      : v.get<int64_t>();
  if (id < 0 || id > std::numeric_limits<int32_t>::max()) return range_error(where, static_cast<double>(id), ">= 0");
  *out = static_cast<int32_t>(id);
  return base::ok_status();
}

// {"123": 5.0, ...} (OpenAI) or, for llama.cpp, [[123, 5.0], [456, false], ...] as well.
Status parse_logit_bias(const ojson& o, bool llama, std::vector<std::pair<int32_t, float>>* out) {
  const ojson* v = field(o, "logit_bias");
  if (!v) return base::ok_status();
  if (v->is_object()) {
    for (const auto& [k, b] : v->items()) {
      std::string where = "logit_bias[\"" + k + "\"]";
      char* end = nullptr;
      long long id = std::strtoll(k.c_str(), &end, 10);
      if (k.empty() || *end != '\0' || id < 0 || id > std::numeric_limits<int32_t>::max())
        return base::invalid_argument("'logit_bias' key \"" + k + "\" must be a token id (a non-negative integer)");
      float bias = 0;
      OSP_RETURN_IF_ERROR(parse_bias_value(where, b, &bias, llama));
      out->emplace_back(static_cast<int32_t>(id), bias);
    }
    return base::ok_status();
  }
  if (llama && v->is_array()) {
    for (size_t i = 0; i < v->size(); ++i) {
      const ojson& pair = (*v)[i];
      std::string where = "logit_bias[" + std::to_string(i) + "]";
      if (!pair.is_array() || pair.size() != 2) return type_error(where, "a [token id, bias] pair", pair);
      int32_t id = 0;
      float bias = 0;
      OSP_RETURN_IF_ERROR(parse_token_id(where + "[0]", pair[0], &id));
      OSP_RETURN_IF_ERROR(parse_bias_value(where + "[1]", pair[1], &bias, llama));
      out->emplace_back(id, bias);
    }
    return base::ok_status();
  }
  return type_error("logit_bias", llama ? "an object or an array of [id, bias] pairs" : "an object", *v);
}

Status parse_stop(const ojson& o, std::vector<std::string>* out) {
  const ojson* v = field(o, "stop");
  if (!v) return base::ok_status();
  if (v->is_string()) {
    out->push_back(v->get<std::string>());
    return base::ok_status();
  }
  if (!v->is_array()) return type_error("stop", "a string or an array of strings", *v);
  if (v->size() > kMaxStops)
    return base::invalid_argument("'stop' has " + std::to_string(v->size()) + " strings: at most " +
                                  std::to_string(kMaxStops) + " are accepted");
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) return type_error("stop[" + std::to_string(i) + "]", "a string", (*v)[i]);
    out->push_back((*v)[i].get<std::string>());
  }
  return base::ok_status();
}

// The sampling and limit fields shared by every generation endpoint. `openai` applies OpenAI's
// ranges (temperature 0..2); llama.cpp's endpoint accepts any temperature >= 0.
Status parse_common(const ojson& o, const RequestDefaults& d, bool openai, GenerationParams* g) {
  g->sampling = d.sampling;
  g->max_tokens = d.n_predict;
  auto& s = g->sampling;
  OSP_RETURN_IF_ERROR(opt_string(o, "model", &g->model));
  OSP_RETURN_IF_ERROR(opt_number(o, "temperature", 0.0, openai ? 2.0 : 1e6, &s.temperature));
  OSP_RETURN_IF_ERROR(opt_number(o, "top_p", 0.0, 1.0, &s.top_p));
  OSP_RETURN_IF_ERROR(opt_int(o, "top_k", -1, std::numeric_limits<int>::max(), &s.top_k));
  OSP_RETURN_IF_ERROR(opt_number(o, "min_p", 0.0, 1.0, &s.min_p));
  OSP_RETURN_IF_ERROR(opt_number(o, "typical_p", 0.0, 1.0, &s.typical_p));
  OSP_RETURN_IF_ERROR(opt_number(o, "presence_penalty", -2.0, 2.0, &s.presence_penalty));
  OSP_RETURN_IF_ERROR(opt_number(o, "frequency_penalty", -2.0, 2.0, &s.frequency_penalty));
  OSP_RETURN_IF_ERROR(opt_number(o, "repeat_penalty", 0.0, 100.0, &s.repeat_penalty));
  if (s.repeat_penalty == 0.0f) s.repeat_penalty = 1.0f;  // 0 means off, as in llama.cpp
  OSP_RETURN_IF_ERROR(opt_int(o, "repeat_last_n", -1, 1 << 24, &s.repeat_last_n));
  OSP_RETURN_IF_ERROR(opt_bool(o, "ignore_eos", &s.ignore_eos));
  OSP_RETURN_IF_ERROR(parse_seed(o, &s.seed));
  OSP_RETURN_IF_ERROR(parse_logit_bias(o, !openai, &s.logit_bias));
  OSP_RETURN_IF_ERROR(parse_stop(o, &g->stop));
  OSP_RETURN_IF_ERROR(opt_int(o, "n", 1, kMaxChoices, &g->n));
  OSP_RETURN_IF_ERROR(opt_bool(o, "stream", &g->stream));
  OSP_RETURN_IF_ERROR(opt_bool(o, "cache_prompt", &g->cache_prompt));
  OSP_RETURN_IF_ERROR(opt_string(o, "user", &g->user));
  if (const ojson* so = field(o, "stream_options")) {
    if (!so->is_object()) return type_error("stream_options", "an object", *so);
    OSP_RETURN_IF_ERROR(opt_bool(*so, "include_usage", &g->include_usage));
  }
  return base::ok_status();
}

// max_tokens-like fields: >= 0, or -1 for "until the context is full".
Status parse_limit(const ojson& o, const char* key, int* out) {
  return opt_int(o, key, -1, std::numeric_limits<int>::max(), out);
}

// A list of token ids and strings: ids accumulate into id parts, strings into text parts.
Status parse_mixed(const std::string& where, const ojson& arr, Prompt* p) {
  for (size_t i = 0; i < arr.size(); ++i) {
    const ojson& e = arr[i];
    std::string w = where + "[" + std::to_string(i) + "]";
    if (e.is_string()) {
      p->push_back(PromptPart{true, e.get<std::string>(), {}});
    } else {
      int32_t id = 0;
      OSP_RETURN_IF_ERROR(parse_token_id(w, e, &id));
      if (p->empty() || p->back().is_text) p->push_back(PromptPart{false, "", {}});
      p->back().ids.push_back(id);
    }
  }
  return base::ok_status();
}

// "prompt": a string, token ids, a list of strings or token-id lists (several prompts), or (a
// llama.cpp extension) one list mixing ids and strings.
Status parse_prompts(const ojson& o, std::vector<Prompt>* out) {
  const ojson* v = field(o, "prompt");
  if (!v) return base::invalid_argument("'prompt' is required");
  if (v->is_string()) {
    out->push_back({PromptPart{true, v->get<std::string>(), {}}});
    return base::ok_status();
  }
  if (!v->is_array()) return type_error("prompt", "a string, an array of token ids or an array of prompts", *v);
  if (v->empty()) return base::invalid_argument("'prompt' is an empty array: expected at least one prompt");
  bool any_number = false;
  for (const auto& e : *v) any_number |= e.is_number();
  if (any_number) {
    Prompt p;
    OSP_RETURN_IF_ERROR(parse_mixed("prompt", *v, &p));
    out->push_back(std::move(p));
    return base::ok_status();
  }
  if (v->size() > kMaxPrompts)
    return base::invalid_argument("'prompt' holds " + std::to_string(v->size()) + " prompts: at most " +
                                  std::to_string(kMaxPrompts) + " are accepted");
  for (size_t i = 0; i < v->size(); ++i) {
    const ojson& e = (*v)[i];
    std::string where = "prompt[" + std::to_string(i) + "]";
    Prompt p;
    if (e.is_string()) {
      p.push_back(PromptPart{true, e.get<std::string>(), {}});
    } else if (e.is_array()) {
      if (e.empty()) return base::invalid_argument("'" + where + "' is an empty array: expected token ids");
      OSP_RETURN_IF_ERROR(parse_mixed(where, e, &p));
    } else {
      return type_error(where, "a string or an array of token ids", e);
    }
    out->push_back(std::move(p));
  }
  return base::ok_status();
}

Status check_choices(const GenerationParams& g, size_t n_prompts) {
  if (static_cast<size_t>(g.n) * n_prompts > static_cast<size_t>(kMaxChoices))
    return base::invalid_argument("n = " + std::to_string(g.n) + " over " + std::to_string(n_prompts) +
                                  " prompts asks for more than " + std::to_string(kMaxChoices) + " choices");
  return base::ok_status();
}

// Message content: a string, null, or an array of {"type": "text", "text": ...} parts (joined).
Status flatten_content(const std::string& where, ojson& msg) {
  auto it = msg.find("content");
  if (it == msg.end() || it->is_null() || it->is_string()) return base::ok_status();
  if (!it->is_array()) return type_error(where + ".content", "a string or an array of content parts", *it);
  std::string text;
  for (size_t i = 0; i < it->size(); ++i) {
    const ojson& part = (*it)[i];
    std::string pw = where + ".content[" + std::to_string(i) + "]";
    if (!part.is_object()) return type_error(pw, "an object", part);
    std::string type;
    OSP_RETURN_IF_ERROR(opt_string(part, "type", &type));
    if (type != "text")
      return base::invalid_argument("'" + pw + ".type' = \"" + type +
                                    "\" is not supported: this server accepts text parts only");
    const ojson* t = field(part, "text");
    if (!t || !t->is_string()) return type_error(pw + ".text", "a string", t ? *t : ojson());
    if (!text.empty()) text += "\n";
    text += t->get<std::string>();
  }
  *it = text;
  return base::ok_status();
}

Status parse_messages(const ojson& o, ojson* out) {
  const ojson* v = field(o, "messages");
  if (!v) return base::invalid_argument("'messages' is required");
  if (!v->is_array()) return type_error("messages", "an array", *v);
  if (v->empty()) return base::invalid_argument("'messages' is empty: expected at least one message");
  *out = ojson::array();
  for (size_t i = 0; i < v->size(); ++i) {
    std::string where = "messages[" + std::to_string(i) + "]";
    ojson m = (*v)[i];
    if (!m.is_object()) return type_error(where, "an object", m);
    const ojson* role = field(m, "role");
    if (!role || !role->is_string() || role->get<std::string>().empty())
      return type_error(where + ".role", "a non-empty string", role ? *role : ojson());
    OSP_RETURN_IF_ERROR(flatten_content(where, m));
    out->push_back(std::move(m));
  }
  return base::ok_status();
}

}  // namespace

const char* json_type_name(const ojson& v) {
  switch (v.type()) {
    case ojson::value_t::null: return "null";
    case ojson::value_t::object: return "object";
    case ojson::value_t::array: return "array";
    case ojson::value_t::string: return "string";
    case ojson::value_t::boolean: return "boolean";
    case ojson::value_t::number_integer:
    case ojson::value_t::number_unsigned: return "integer";
    case ojson::value_t::number_float: return "number";
    case ojson::value_t::binary: return "binary";
    default: return "invalid";
  }
}

Result<CompletionRequest> parse_completion_request(std::string_view body, const RequestDefaults& d) {
  OSP_ASSIGN_OR_RETURN(ojson o, parse_object(body));
  CompletionRequest r;
  OSP_RETURN_IF_ERROR(parse_common(o, d, true, &r.gen));
  OSP_RETURN_IF_ERROR(parse_limit(o, "max_tokens", &r.gen.max_tokens));
  OSP_RETURN_IF_ERROR(parse_prompts(o, &r.prompts));
  OSP_RETURN_IF_ERROR(check_choices(r.gen, r.prompts.size()));
  bool has_logprobs = false;
  OSP_RETURN_IF_ERROR(opt_int(o, "logprobs", 0, 5, &r.gen.top_logprobs, &has_logprobs));
  r.gen.logprobs = has_logprobs;
  bool echo = false;
  OSP_RETURN_IF_ERROR(opt_bool(o, "echo", &echo));
  if (echo) return base::invalid_argument("'echo' = true is not supported");
  std::string suffix;
  OSP_RETURN_IF_ERROR(opt_string(o, "suffix", &suffix));
  if (!suffix.empty()) return base::invalid_argument("'suffix' is not supported");
  return r;
}

Result<ChatRequest> parse_chat_request(std::string_view body, const RequestDefaults& d) {
  OSP_ASSIGN_OR_RETURN(ojson o, parse_object(body));
  ChatRequest r;
  OSP_RETURN_IF_ERROR(parse_common(o, d, true, &r.gen));
  OSP_RETURN_IF_ERROR(parse_limit(o, "max_tokens", &r.gen.max_tokens));
  OSP_RETURN_IF_ERROR(parse_limit(o, "max_completion_tokens", &r.gen.max_tokens));
  OSP_RETURN_IF_ERROR(parse_messages(o, &r.messages));
  OSP_RETURN_IF_ERROR(check_choices(r.gen, 1));
  OSP_RETURN_IF_ERROR(opt_bool(o, "logprobs", &r.gen.logprobs));
  bool has_top = false;
  OSP_RETURN_IF_ERROR(opt_int(o, "top_logprobs", 0, 20, &r.gen.top_logprobs, &has_top));
  if (has_top && r.gen.top_logprobs > 0 && !r.gen.logprobs)
    return base::invalid_argument("'top_logprobs' needs 'logprobs' = true");
  if (const ojson* rf = field(o, "response_format")) {
    if (!rf->is_object()) return type_error("response_format", "an object", *rf);
    std::string type;
    OSP_RETURN_IF_ERROR(opt_string(*rf, "type", &type));
    if (!type.empty() && type != "text")
      return base::invalid_argument("'response_format.type' = \"" + type + "\" is not supported: only \"text\"");
  }
  if (const ojson* t = field(o, "tools")) {
    if (!t->is_array()) return type_error("tools", "an array", *t);
    r.tools = *t;
  }
  if (const ojson* k = field(o, "chat_template_kwargs")) {
    if (!k->is_object()) return type_error("chat_template_kwargs", "an object", *k);
    r.chat_template_kwargs = *k;
  }
  return r;
}

Result<LlamaCompletionRequest> parse_llama_completion_request(std::string_view body, const RequestDefaults& d) {
  OSP_ASSIGN_OR_RETURN(ojson o, parse_object(body));
  LlamaCompletionRequest r;
  OSP_RETURN_IF_ERROR(parse_common(o, d, false, &r.gen));
  OSP_RETURN_IF_ERROR(parse_limit(o, "max_tokens", &r.gen.max_tokens));
  int64_t n_predict = r.gen.max_tokens;
  OSP_RETURN_IF_ERROR(opt_int64(o, "n_predict", -2, std::numeric_limits<int>::max(), &n_predict));
  r.gen.max_tokens = n_predict < 0 ? -1 : static_cast<int>(n_predict);  // -1 and -2: no limit
  OSP_RETURN_IF_ERROR(parse_prompts(o, &r.prompts));
  OSP_RETURN_IF_ERROR(check_choices(r.gen, r.prompts.size()));
  OSP_RETURN_IF_ERROR(opt_int(o, "n_probs", 0, 100, &r.n_probs));
  r.gen.logprobs = r.n_probs > 0;
  r.gen.top_logprobs = r.n_probs;
  OSP_RETURN_IF_ERROR(opt_bool(o, "return_tokens", &r.return_tokens));
  return r;
}

Result<TokenizeRequest> parse_tokenize_request(std::string_view body) {
  OSP_ASSIGN_OR_RETURN(ojson o, parse_object(body));
  TokenizeRequest r;
  const ojson* c = field(o, "content");
  if (!c) return base::invalid_argument("'content' is required");
  if (!c->is_string()) return type_error("content", "a string", *c);
  r.content = c->get<std::string>();
  OSP_RETURN_IF_ERROR(opt_bool(o, "add_special", &r.add_special));
  OSP_RETURN_IF_ERROR(opt_bool(o, "parse_special", &r.parse_special));
  OSP_RETURN_IF_ERROR(opt_bool(o, "with_pieces", &r.with_pieces));
  return r;
}

Result<DetokenizeRequest> parse_detokenize_request(std::string_view body) {
  OSP_ASSIGN_OR_RETURN(ojson o, parse_object(body));
  DetokenizeRequest r;
  const ojson* t = field(o, "tokens");
  if (!t) return base::invalid_argument("'tokens' is required");
  if (!t->is_array()) return type_error("tokens", "an array of token ids", *t);
  for (size_t i = 0; i < t->size(); ++i) {
    int32_t id = 0;
    OSP_RETURN_IF_ERROR(parse_token_id("tokens[" + std::to_string(i) + "]", (*t)[i], &id));
    r.tokens.push_back(id);
  }
  return r;
}

}  // namespace osprey::server
