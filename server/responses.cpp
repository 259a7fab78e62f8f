#include "server/responses.h"

#include <cmath>
#include <random>

namespace osprey::server {

namespace {

ojson bytes_of(const std::string& s) {
  ojson a = ojson::array();
  for (unsigned char c : s) a.push_back(static_cast<int>(c));
  return a;
}

// JSON has no -inf: a token the model rules out gets a very low finite number.
double finite_logprob(float lp) { return std::isfinite(lp) ? static_cast<double>(lp) : -9999.0; }

}  // namespace

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

std::string sse(const ojson& j) { return "data: " + dump(j) + "\n\n"; }

ojson usage_json(int prompt_tokens, int completion_tokens, int cached_tokens) {
  ojson u;
  u["prompt_tokens"] = prompt_tokens;
  u["completion_tokens"] = completion_tokens;
  u["total_tokens"] = prompt_tokens + completion_tokens;
  u["prompt_tokens_details"] = {{"cached_tokens", cached_tokens}};
  return u;
}

ojson chat_logprobs(const runtime::Backend& b, const std::vector<runtime::TokenOutput>& tokens) {
  ojson content = ojson::array();
  for (const auto& t : tokens) {
    std::string s = b.token_display(t.id);
    ojson e;
    e["token"] = s;
    e["logprob"] = finite_logprob(t.logprob);
    e["bytes"] = bytes_of(s);
    ojson top = ojson::array();
    for (const auto& alt : t.top) {
      std::string as = b.token_display(alt.id);
      top.push_back({{"token", as}, {"logprob", finite_logprob(alt.logprob)}, {"bytes", bytes_of(as)}});
    }
    e["top_logprobs"] = std::move(top);
    content.push_back(std::move(e));
  }
  ojson lp;
  lp["content"] = std::move(content);
  lp["refusal"] = nullptr;
  return lp;
}

ojson chat_chunk(const ResponseIds& ids, int index, ojson delta, ojson logprobs, const char* finish_reason) {
  ojson c;
  c["id"] = ids.id;
  c["object"] = "chat.completion.chunk";
  c["created"] = ids.created;
  c["model"] = ids.model;
  c["system_fingerprint"] = "osprey";
  ojson choice;
  choice["index"] = index;
  choice["delta"] = std::move(delta);
  choice["logprobs"] = std::move(logprobs);
  choice["finish_reason"] = finish_reason ? ojson(finish_reason) : ojson(nullptr);
  c["choices"] = ojson::array({std::move(choice)});
  return c;
}

ojson chat_choice(int index, const std::string& text, ojson logprobs, const char* finish_reason) {
  ojson choice;
  choice["index"] = index;
  choice["message"] = {{"role", "assistant"}, {"content", text}, {"refusal", nullptr}};
  choice["logprobs"] = std::move(logprobs);
  choice["finish_reason"] = finish_reason;
  return choice;
}

ojson chat_response(const ResponseIds& ids, const std::vector<ojson>& choices, const ojson& usage) {
  ojson r;
  r["id"] = ids.id;
  r["object"] = "chat.completion";
  r["created"] = ids.created;
  r["model"] = ids.model;
  r["system_fingerprint"] = "osprey";
  r["choices"] = choices;
  r["usage"] = usage;
  return r;
}

ojson completion_logprobs(const runtime::Backend& b, const std::vector<runtime::TokenOutput>& tokens,
                          size_t offset0) {
  ojson toks = ojson::array(), lps = ojson::array(), tops = ojson::array(), offs = ojson::array();
  size_t off = offset0;
  for (const auto& t : tokens) {
    std::string s = b.token_display(t.id);
    toks.push_back(s);
    lps.push_back(finite_logprob(t.logprob));
    ojson top = ojson::object();
    for (const auto& alt : t.top) top[b.token_display(alt.id)] = finite_logprob(alt.logprob);
    tops.push_back(std::move(top));
    offs.push_back(off);
    off += b.token_piece(t.id).size();
  }
  return {{"tokens", toks}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", offs}};
}

ojson completion_chunk(const ResponseIds& ids, int index, const std::string& text, ojson logprobs,
                       const char* finish_reason) {
  ojson c;
  c["id"] = ids.id;
  c["object"] = "text_completion";
  c["created"] = ids.created;
  c["model"] = ids.model;
  c["system_fingerprint"] = "osprey";
  ojson choice;
  choice["text"] = text;
  choice["index"] = index;
  choice["logprobs"] = std::move(logprobs);
  choice["finish_reason"] = finish_reason ? ojson(finish_reason) : ojson(nullptr);
  c["choices"] = ojson::array({std::move(choice)});
  return c;
}

ojson completion_response(const ResponseIds& ids, const std::vector<ojson>& choices, const ojson& usage) {
  ojson r;
  r["id"] = ids.id;
  r["object"] = "text_completion";
  r["created"] = ids.created;
  r["model"] = ids.model;
  r["system_fingerprint"] = "osprey";
  r["choices"] = choices;
  r["usage"] = usage;
  return r;
}

ojson llama_probs(const runtime::Backend& b, const std::vector<runtime::TokenOutput>& tokens) {
  ojson out = ojson::array();
  for (const auto& t : tokens) {
    std::string s = b.token_display(t.id);
    ojson e;
    e["id"] = t.id;
    e["token"] = s;
    e["bytes"] = bytes_of(s);
    e["logprob"] = finite_logprob(t.logprob);
    ojson top = ojson::array();
    for (const auto& alt : t.top) {
      std::string as = b.token_display(alt.id);
      top.push_back({{"id", alt.id}, {"token", as}, {"bytes", bytes_of(as)}, {"logprob", finite_logprob(alt.logprob)}});
    }
    e["top_logprobs"] = std::move(top);
    out.push_back(std::move(e));
  }
  return out;
}

const char* llama_stop_type(runtime::FinishReason r) {
  switch (r) {
    case runtime::FinishReason::kEog: return "eos";
    case runtime::FinishReason::kStopString: return "word";
    case runtime::FinishReason::kLength: return "limit";
    default: return "none";
  }
}

ojson llama_timings(const runtime::RequestStats& s, int choice) {
  int prompt_n = s.n_prompt - s.n_cached;
  int predicted_n = choice < static_cast<int>(s.n_generated.size()) ? s.n_generated[choice] : 0;
  auto per_second = [](int n, double ms) { return ms > 0 ? 1000.0 * n / ms : 0.0; };
  auto per_token = [](int n, double ms) { return n > 0 ? ms / n : 0.0; };
  ojson t;
  t["cache_n"] = s.n_cached;
  t["prompt_n"] = prompt_n;
  t["prompt_ms"] = s.prompt_ms;
  t["prompt_per_token_ms"] = per_token(prompt_n, s.prompt_ms);
  t["prompt_per_second"] = per_second(prompt_n, s.prompt_ms);
  t["predicted_n"] = predicted_n;
  t["predicted_ms"] = s.generation_ms;
  t["predicted_per_token_ms"] = per_token(predicted_n, s.generation_ms);
  t["predicted_per_second"] = per_second(predicted_n, s.generation_ms);
  return t;
}

std::string make_id(const char* prefix) {
  static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id = prefix;
  for (int i = 0; i < 24; ++i) id += kAlnum[rng() % (sizeof(kAlnum) - 1)];
  return id;
}

}  // namespace osprey::server
