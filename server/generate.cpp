#include "server/generate.h"

#include <ctime>

#include "server/errors.h"
#include "server/responses.h"

namespace osprey::server {

namespace {

using runtime::Event;
using runtime::FinishReason;
using runtime::TokenOutput;

enum class Api { kChat, kCompletions, kLlama };

struct ExchangeSpec {
  Api api = Api::kChat;
  GenerationParams gen;
  std::vector<std::vector<int32_t>> prompts;
  int n_probs = 0;             // llama.cpp
  bool return_tokens = false;  // llama.cpp
};

// One HTTP generation request: its engine requests (one per prompt, each with n choices), the
// events they send back, and the response (streamed or whole). Engine events arrive on the step
// thread; the mutex orders them with start() and with a client that goes away.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(runtime::Engine& engine, const std::string& model, ExchangeSpec spec, ResponderPtr r)
      : engine_(engine), b_(engine.backend()), spec_(std::move(spec)), r_(std::move(r)) {
    ids_.id = make_id(spec_.api == Api::kChat ? "chatcmpl-" : "cmpl-");
    ids_.created = static_cast<int64_t>(std::time(nullptr));
    ids_.model = model;
    n_ = spec_.gen.n;
    subs_.resize(spec_.prompts.size());
    choices_.resize(spec_.prompts.size() * static_cast<size_t>(n_));
  }

  void start();

 private:
  struct Choice {
    std::string text;
    std::vector<TokenOutput> tokens;
    size_t piece_bytes = 0;  // bytes of the token pieces so far (legacy text_offset)
    FinishReason finish = FinishReason::kNone;
    std::string word;
  };
  struct Sub {
    runtime::RequestId id = 0;
    runtime::RequestStats stats;
    bool ended = false;
  };

  void on_event(size_t sub, const Event& e);
  void on_token(size_t sub, int gi, const Event& e);
  void on_choice_end(int gi, const Event& e);
  void on_sub_done(size_t sub, const Event& e);
  void on_error(const Status& st);
  void complete();
  void cancel_all();
  bool want_logprobs() const { return spec_.gen.logprobs || spec_.gen.top_logprobs > 0; }
  ojson usage() const;
  ojson llama_result(size_t sub, int gi, bool final_chunk) const;

  runtime::Engine& engine_;
  const runtime::Backend& b_;
  ExchangeSpec spec_;
  ResponderPtr r_;
  ResponseIds ids_;
  int n_ = 1;
  std::mutex mu_;
  std::vector<Sub> subs_;
  std::vector<Choice> choices_;
  size_t open_subs_ = 0;
  bool over_ = false;
  bool streaming_ = false;
};

void Exchange::start() {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < spec_.prompts.size(); ++i) {
    runtime::GenerationRequest g;
    g.prompt = spec_.prompts[i];
    g.sampling = spec_.gen.sampling;
    g.max_tokens = spec_.gen.max_tokens;
    g.stop = spec_.gen.stop;
    g.n_choices = n_;
    g.logprobs = spec_.gen.logprobs;
    g.top_logprobs = spec_.gen.top_logprobs;
    g.cache_prompt = spec_.gen.cache_prompt;
    auto self = shared_from_this();
    auto id = engine_.submit(std::move(g), [self, i](const Event& e) { self->on_event(i, e); });
    if (!id.ok()) {
      over_ = true;
      for (size_t k = 0; k < i; ++k) engine_.cancel(subs_[k].id);
      respond_status(*r_, id.status());
      return;
    }
    subs_[i].id = id.value();
    ++open_subs_;
  }
  std::weak_ptr<Exchange> weak = shared_from_this();
  r_->on_disconnect([weak] {
    if (auto self = weak.lock()) self->cancel_all();
  });
  if (!spec_.gen.stream) return;
  streaming_ = true;
  r_->begin_stream(200, "text/event-stream");
  if (spec_.api == Api::kChat) {
    for (size_t gi = 0; gi < choices_.size(); ++gi)
      r_->send_chunk(sse(chat_chunk(ids_, static_cast<int>(gi), {{"role", "assistant"}, {"content", ""}}, nullptr,
                                    nullptr)));
  }
}

void Exchange::cancel_all() {
  std::vector<runtime::RequestId> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : subs_)
      if (!s.ended && s.id) ids.push_back(s.id);
  }
  for (auto id : ids) engine_.cancel(id);
}

void Exchange::on_event(size_t sub, const Event& e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (over_) return;
  int gi = static_cast<int>(sub) * n_ + e.choice;
  switch (e.kind) {
    case Event::Kind::kToken: return on_token(sub, gi, e);
    case Event::Kind::kChoiceEnd: return on_choice_end(gi, e);
    case Event::Kind::kDone: return on_sub_done(sub, e);
    case Event::Kind::kError:
      subs_[sub].ended = true;
      return on_error(e.status);
  }
}

void Exchange::on_token(size_t sub, int gi, const Event& e) {
  Choice& c = choices_[gi];
  size_t offset = c.piece_bytes;
  c.text += e.text;
  c.tokens.push_back(e.token);
  c.piece_bytes += b_.token_piece(e.token.id).size();
  if (!streaming_) return;
  bool lp = want_logprobs();
  if (e.text.empty() && !lp && !(spec_.api == Api::kLlama && spec_.return_tokens)) return;
  std::vector<TokenOutput> one = {e.token};
  switch (spec_.api) {
    case Api::kChat:
      r_->send_chunk(sse(chat_chunk(ids_, gi, {{"content", e.text}}, lp ? chat_logprobs(b_, one) : ojson(nullptr),
                                    nullptr)));
      break;
    case Api::kCompletions:
      r_->send_chunk(sse(completion_chunk(ids_, gi, e.text, lp ? completion_logprobs(b_, one, offset) : ojson(nullptr),
                                          nullptr)));
      break;
    case Api::kLlama: {
      ojson j;
      j["index"] = gi;
      j["content"] = e.text;
      j["tokens"] = spec_.return_tokens ? ojson::array({e.token.id}) : ojson::array();
      j["stop"] = false;
      j["id_slot"] = -1;
      j["tokens_predicted"] = c.tokens.size();
      j["tokens_evaluated"] = spec_.prompts[sub].size();
      if (spec_.n_probs > 0) j["completion_probabilities"] = llama_probs(b_, one);
      r_->send_chunk(sse(j));
      break;
    }
  }
}

void Exchange::on_choice_end(int gi, const Event& e) {
  Choice& c = choices_[gi];
  c.text += e.text;
  c.finish = e.finish;
  c.word = e.stop_word;
  if (!streaming_) return;
  const char* why = runtime::finish_reason_name(e.finish);
  switch (spec_.api) {
    case Api::kChat:
      if (!e.text.empty()) r_->send_chunk(sse(chat_chunk(ids_, gi, {{"content", e.text}}, nullptr, nullptr)));
      r_->send_chunk(sse(chat_chunk(ids_, gi, ojson::object(), nullptr, why)));
      break;
    case Api::kCompletions:
      if (!e.text.empty()) r_->send_chunk(sse(completion_chunk(ids_, gi, e.text, nullptr, nullptr)));
      r_->send_chunk(sse(completion_chunk(ids_, gi, "", nullptr, why)));
      break;
    case Api::kLlama:
      if (!e.text.empty())
        r_->send_chunk(sse({{"index", gi}, {"content", e.text}, {"tokens", ojson::array()}, {"stop", false}}));
      break;  // the final chunk (with timings) follows at kDone
  }
}

void Exchange::on_sub_done(size_t sub, const Event& e) {
  subs_[sub].stats = e.stats;
  subs_[sub].ended = true;
  if (streaming_ && spec_.api == Api::kLlama)
    for (int k = 0; k < n_; ++k) r_->send_chunk(sse(llama_result(sub, static_cast<int>(sub) * n_ + k, true)));
  if (--open_subs_ == 0) complete();
}

void Exchange::on_error(const Status& st) {
  over_ = true;
  for (const auto& s : subs_)
    if (!s.ended && s.id) engine_.cancel(s.id);
  if (r_->client_gone()) return;
  int status = http_status_for(st);
  if (streaming_) {
    r_->send_chunk(sse(ojson::parse(error_body(status, st.message()))));
    r_->end_stream();
  } else {
    respond_status(*r_, st);
  }
}

ojson Exchange::usage() const {
  int prompt = 0, gen = 0, cached = 0;
  for (const auto& s : subs_) {
    prompt += s.stats.n_prompt;
    cached += s.stats.n_cached;
    gen += s.stats.total_generated();
  }
  return usage_json(prompt, gen, cached);
}

ojson Exchange::llama_result(size_t sub, int gi, bool final_chunk) const {
  const Choice& c = choices_[gi];
  const auto& st = subs_[sub].stats;
  int k = gi - static_cast<int>(sub) * n_;
  int predicted = k < static_cast<int>(st.n_generated.size()) ? st.n_generated[k] : 0;
  ojson j;
  j["index"] = gi;
  j["content"] = final_chunk ? "" : c.text;
  ojson toks = ojson::array();
  if (spec_.return_tokens && !final_chunk)
    for (const auto& t : c.tokens) toks.push_back(t.id);
  j["tokens"] = std::move(toks);
  j["id_slot"] = st.slot;
  j["stop"] = true;
  j["model"] = ids_.model;
  j["tokens_predicted"] = predicted;
  j["tokens_evaluated"] = st.n_prompt;
  ojson gs;
  const auto& s = spec_.gen.sampling;
  gs["n_predict"] = spec_.gen.max_tokens;
  gs["seed"] = s.seed;
  gs["temperature"] = s.temperature;
  gs["top_k"] = s.top_k;
  gs["top_p"] = s.top_p;
  gs["min_p"] = s.min_p;
  gs["typical_p"] = s.typical_p;
  gs["repeat_penalty"] = s.repeat_penalty;
  gs["repeat_last_n"] = s.repeat_last_n;
  gs["presence_penalty"] = s.presence_penalty;
  gs["frequency_penalty"] = s.frequency_penalty;
  gs["ignore_eos"] = s.ignore_eos;
  gs["stop"] = spec_.gen.stop;
  gs["n_probs"] = spec_.n_probs;
  gs["cache_prompt"] = spec_.gen.cache_prompt;
  j["generation_settings"] = std::move(gs);
  j["prompt"] = b_.detokenize(spec_.prompts[sub]);
  j["has_new_line"] = c.text.find('\n') != std::string::npos;
  j["truncated"] = false;
  j["stop_type"] = llama_stop_type(c.finish);
  j["stopping_word"] = c.word;
  j["tokens_cached"] = st.n_prompt + std::max(0, predicted - 1);
  j["timings"] = llama_timings(st, k);
  if (spec_.n_probs > 0 && !final_chunk) j["completion_probabilities"] = llama_probs(b_, c.tokens);
  return j;
}

void Exchange::complete() {
  over_ = true;
  ojson u = usage();
  r_->note_tokens(u["prompt_tokens"].get<int>(), u["completion_tokens"].get<int>());
  if (streaming_) {
    if (spec_.api != Api::kLlama) {
      if (spec_.gen.include_usage) {
        ojson c;
        c["id"] = ids_.id;
        c["object"] = spec_.api == Api::kChat ? "chat.completion.chunk" : "text_completion";
        c["created"] = ids_.created;
        c["model"] = ids_.model;
        c["system_fingerprint"] = "osprey";
        c["choices"] = ojson::array();
        c["usage"] = u;
        r_->send_chunk(sse(c));
      }
      r_->send_chunk("data: [DONE]\n\n");
    }
    r_->end_stream();
    return;
  }
  bool lp = want_logprobs();
  std::vector<ojson> out;
  for (size_t gi = 0; gi < choices_.size(); ++gi) {
    const Choice& c = choices_[gi];
    const char* why = runtime::finish_reason_name(c.finish);
    switch (spec_.api) {
      case Api::kChat:
        out.push_back(chat_choice(static_cast<int>(gi), c.text, lp ? chat_logprobs(b_, c.tokens) : ojson(nullptr), why));
        break;
      case Api::kCompletions:
        out.push_back({{"text", c.text},
                       {"index", gi},
                       {"logprobs", lp ? completion_logprobs(b_, c.tokens, 0) : ojson(nullptr)},
                       {"finish_reason", why}});
        break;
      case Api::kLlama:
        out.push_back(llama_result(gi / static_cast<size_t>(n_), static_cast<int>(gi), false));
        break;
    }
  }
  ojson body;
  if (spec_.api == Api::kChat) {
    body = chat_response(ids_, out, u);
  } else if (spec_.api == Api::kCompletions) {
    body = completion_response(ids_, out, u);
  } else {
    body = out.size() == 1 ? out[0] : ojson(out);
  }
  r_->respond(200, "application/json", dump(body));
}

// Token ids of a prompt: one text part is tokenized with BOS (as the model wants it); ids are
// used exactly as given; in a mixed prompt only a leading text part gets BOS.
std::vector<int32_t> prompt_tokens(const runtime::Backend& b, const Prompt& p) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].is_text) {
      auto t = b.tokenize(p[i].text, i == 0, true);
      out.insert(out.end(), t.begin(), t.end());
    } else {
      out.insert(out.end(), p[i].ids.begin(), p[i].ids.end());
    }
  }
  return out;
}

// Common checks before any generation: an engine, a known model.
runtime::Engine* ready_engine(ApiServer& api, const std::string& model, const ResponderPtr& r) {
  runtime::Engine* e = api.engine();
  if (!e) {
    respond_error(*r, 503, "the model is loading");
    return nullptr;
  }
  Status st = api.check_model(model);
  if (!st.ok()) {
    respond_status(*r, st);
    return nullptr;
  }
  return e;
}

void run(runtime::Engine& e, ApiServer& api, ExchangeSpec spec, const ResponderPtr& r) {
  std::make_shared<Exchange>(e, api.model_id(), std::move(spec), r)->start();
}

}  // namespace

void handle_chat_completions(ApiServer& api, const HttpRequest& req, const ResponderPtr& r) {
  auto parsed = parse_chat_request(req.body, api.params().defaults);
  if (!parsed.ok()) return respond_status(*r, parsed.status());
  ChatRequest& cr = parsed.value();
  runtime::Engine* e = ready_engine(api, cr.gen.model, r);
  if (!e) return;
  if (!api.params().system_prompt.empty() &&
      !(cr.messages[0].contains("role") && cr.messages[0]["role"] == "system")) {
    cr.messages.insert(cr.messages.begin(), ojson{{"role", "system"}, {"content", api.params().system_prompt}});
  }
  auto text = api.chat().render(cr.messages, cr.tools, cr.chat_template_kwargs);
  if (!text.ok()) return respond_status(*r, text.status());
  ExchangeSpec spec;
  spec.api = Api::kChat;
  spec.gen = std::move(cr.gen);
  spec.prompts.push_back(e->backend().tokenize(text.value(), true, true));
  run(*e, api, std::move(spec), r);
}

void handle_completions(ApiServer& api, const HttpRequest& req, const ResponderPtr& r) {
  auto parsed = parse_completion_request(req.body, api.params().defaults);
  if (!parsed.ok()) return respond_status(*r, parsed.status());
  runtime::Engine* e = ready_engine(api, parsed.value().gen.model, r);
  if (!e) return;
  ExchangeSpec spec;
  spec.api = Api::kCompletions;
  spec.gen = std::move(parsed.value().gen);
  for (const auto& p : parsed.value().prompts) spec.prompts.push_back(prompt_tokens(e->backend(), p));
  run(*e, api, std::move(spec), r);
}

void handle_llama_completion(ApiServer& api, const HttpRequest& req, const ResponderPtr& r) {
  auto parsed = parse_llama_completion_request(req.body, api.params().defaults);
  if (!parsed.ok()) return respond_status(*r, parsed.status());
  runtime::Engine* e = ready_engine(api, parsed.value().gen.model, r);
  if (!e) return;
  ExchangeSpec spec;
  spec.api = Api::kLlama;
  spec.gen = std::move(parsed.value().gen);
  spec.n_probs = parsed.value().n_probs;
  spec.return_tokens = parsed.value().return_tokens;
  for (const auto& p : parsed.value().prompts) spec.prompts.push_back(prompt_tokens(e->backend(), p));
  run(*e, api, std::move(spec), r);
}

}  // namespace osprey::server
