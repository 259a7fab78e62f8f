#include "server/api_server.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/errors.h"
#include "server/generate.h"
#include "server/prometheus.h"
#include "server/responses.h"

namespace osprey::server {

namespace {

// Counts each response by status class, then passes it on.
class CountingResponder : public Responder {
 public:
  CountingResponder(ResponderPtr inner, HttpCounters& c) : inner_(std::move(inner)), c_(c) {}
  void respond(int status, std::string ct, std::string body, Headers extra) override {
    count(status);
    inner_->respond(status, std::move(ct), std::move(body), std::move(extra));
  }
  void begin_stream(int status, std::string ct, Headers extra) override {
    count(status);
    inner_->begin_stream(status, std::move(ct), std::move(extra));
  }
  void send_chunk(std::string data) override { inner_->send_chunk(std::move(data)); }
  void end_stream() override { inner_->end_stream(); }
  void on_disconnect(std::function<void()> fn) override { inner_->on_disconnect(std::move(fn)); }
  bool client_gone() const override { return inner_->client_gone(); }
  void note_tokens(int p, int g) override { inner_->note_tokens(p, g); }

 private:
  void count(int status) {
    if (counted_.exchange(true)) return;
    c_.total++;
    if (status < 400) {
      c_.ok++;
    } else if (status < 500) {
      c_.client_errors++;
    } else {
      c_.server_errors++;
      if (status == 503) c_.rejected_busy++;
    }
  }
  ResponderPtr inner_;
  HttpCounters& c_;
  std::atomic<bool> counted_{false};
};

void respond_json(Responder& r, const ojson& j, int status = 200) { r.respond(status, "application/json", dump(j)); }

const char* content_type_for(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::string file_stem(const std::string& path) {
  std::filesystem::path p(path);
  std::string name = p.filename().string();
  if (name.size() > 5 && name.substr(name.size() - 5) == ".gguf") name.resize(name.size() - 5);
  return name;
}

}  // namespace

ApiServer::ApiServer(ApiParams params, base::Logger& log)
    : params_(std::move(params)), log_(log), started_at_(static_cast<int64_t>(std::time(nullptr))) {}

Status ApiServer::set_engine(runtime::Engine* engine) {
  if (engine) {
    OSP_ASSIGN_OR_RETURN(chat_, ChatPrompter::create(params_.chat_template, engine->model()));
    model_id_ = params_.alias.empty() ? engine->model().name : params_.alias;
  }
  engine_.store(engine);
  return base::ok_status();
}

Status ApiServer::check_model(const std::string& requested) const {
  runtime::Engine* e = engine();
  if (requested.empty() || !e) return base::ok_status();
  const auto& info = e->model();
  if (requested == model_id_ || requested == info.name || requested == info.path ||
      requested == std::filesystem::path(info.path).filename().string() || requested == file_stem(info.path))
    return base::ok_status();
  return base::not_found("model '" + requested + "' does not exist: this server serves '" + model_id_ + "'");
}

runtime::Engine* ApiServer::engine_or_503(const ResponderPtr& r) {
  runtime::Engine* e = engine();
  if (!e) respond_error(*r, 503, "the model is loading");
  return e;
}

void ApiServer::dispatch(const Router& router, const HttpRequest& req, ResponderPtr r) {
  router.handle(req, std::make_shared<CountingResponder>(std::move(r), counters_));
}

void ApiServer::register_routes(Router& router) {
  auto bind = [this](void (ApiServer::*fn)(const HttpRequest&, const ResponderPtr&)) {
    return [this, fn](const HttpRequest& req, const ResponderPtr& r) { (this->*fn)(req, r); };
  };
  auto gen = [this](void (*fn)(ApiServer&, const HttpRequest&, const ResponderPtr&)) {
    return [this, fn](const HttpRequest& req, const ResponderPtr& r) { fn(*this, req, r); };
  };
  router.add("GET", "/health", bind(&ApiServer::health), /*open=*/true);
  router.add("GET", "/v1/health", bind(&ApiServer::health), /*open=*/true);
  router.add("GET", "/v1/models", bind(&ApiServer::models));
  router.add("GET", "/models", bind(&ApiServer::models));
  router.add_prefix("GET", "/v1/models/", bind(&ApiServer::models));
  router.add("GET", "/props", bind(&ApiServer::props));
  router.add("GET", "/slots", bind(&ApiServer::slots));
  router.add("GET", "/metrics", bind(&ApiServer::metrics));
  router.add("POST", "/tokenize", bind(&ApiServer::tokenize));
  router.add("POST", "/detokenize", bind(&ApiServer::detokenize));
  router.add("POST", "/v1/chat/completions", gen(&handle_chat_completions));
  router.add("POST", "/chat/completions", gen(&handle_chat_completions));
  router.add("POST", "/v1/completions", gen(&handle_completions));
  router.add("POST", "/completions", gen(&handle_completions));
  router.add("POST", "/completion", gen(&handle_llama_completion));
  if (!params_.static_dir.empty()) router.set_fallback(bind(&ApiServer::static_file));
  router.set_api_keys(params_.api_keys);
}

void ApiServer::health(const HttpRequest&, const ResponderPtr& r) {
  if (!engine()) return respond_error(*r, 503, "Loading model");
  respond_json(*r, {{"status", "ok"}});
}

void ApiServer::models(const HttpRequest& req, const ResponderPtr& r) {
  runtime::Engine* e = engine_or_503(r);
  if (!e) return;
  const auto& info = e->model();
  ojson m;
  m["id"] = model_id_;
  m["object"] = "model";
  m["created"] = started_at_;
  m["owned_by"] = "osprey";
  m["meta"] = {{"description", info.description}, {"n_vocab", info.n_vocab},   {"n_ctx_train", info.n_ctx_train},
               {"n_ctx_slot", e->n_ctx_slot()},  {"n_params", info.n_params}, {"size", info.weight_bytes}};
  constexpr std::string_view kPrefix = "/v1/models/";
  if (req.path.rfind(kPrefix, 0) == 0) {  // GET /v1/models/{id}
    Status st = check_model(req.path.substr(kPrefix.size()));
    if (!st.ok()) return respond_status(*r, st);
    return respond_json(*r, m);
  }
  respond_json(*r, {{"object", "list"}, {"data", ojson::array({m})}});
}

void ApiServer::props(const HttpRequest&, const ResponderPtr& r) {
  runtime::Engine* e = engine_or_503(r);
  if (!e) return;
  const auto& info = e->model();
  const auto& s = params_.defaults.sampling;
  ojson p;
  p["n_ctx"] = e->n_ctx_slot();
  p["n_predict"] = params_.defaults.n_predict;
  p["temperature"] = s.temperature;
  p["top_k"] = s.top_k;
  p["top_p"] = s.top_p;
  p["min_p"] = s.min_p;
  p["seed"] = s.seed;
  ojson j;
  j["default_generation_settings"] = {{"n_ctx", e->n_ctx_slot()}, {"params", p}};
  j["total_slots"] = e->params().n_slots;
  j["model_path"] = info.path;
  j["model_alias"] = model_id_;
  j["model_description"] = info.description;
  j["chat_template"] = chat_ ? chat_->source() : "";
  j["bos_token"] = info.bos_text;
  j["eos_token"] = info.eos_text;
  j["build_info"] = "osprey 0.1.0";
  j["modalities"] = {{"vision", false}, {"audio", false}};
  respond_json(*r, j);
}

void ApiServer::slots(const HttpRequest&, const ResponderPtr& r) {
  if (!params_.slots) return respond_error(*r, 501, "the /slots endpoint is disabled (start with --slots)");
  runtime::Engine* e = engine_or_503(r);
  if (!e) return;
  ojson a = ojson::array();
  for (const auto& s : e->slots()) {
    ojson j;
    j["id"] = s.id;
    j["id_task"] = s.busy ? static_cast<int64_t>(s.request) : -1;
    j["n_ctx"] = s.n_ctx;
    j["is_processing"] = s.busy;
    j["state"] = !s.busy ? "idle" : s.prompt_processing ? "processing_prompt" : "generating";
    j["choice"] = s.choice;
    j["n_cached"] = s.n_cached;
    j["n_prompt_tokens"] = s.n_prompt;
    j["n_decoded"] = s.n_generated;
    a.push_back(std::move(j));
  }
  respond_json(*r, a);
}

void ApiServer::metrics(const HttpRequest&, const ResponderPtr& r) {
  if (!params_.metrics) return respond_error(*r, 501, "the /metrics endpoint is disabled (start with --metrics)");
  runtime::Engine* e = engine_or_503(r);
  if (!e) return;
  r->respond(200, "text/plain; version=0.0.4; charset=utf-8", prometheus_text(e->stats(), counters_));
}

void ApiServer::tokenize(const HttpRequest& req, const ResponderPtr& r) {
  auto parsed = parse_tokenize_request(req.body);
  if (!parsed.ok()) return respond_status(*r, parsed.status());
  runtime::Engine* e = engine_or_503(r);
  if (!e) return;
  const auto& b = e->backend();
  auto ids = b.tokenize(parsed.value().content, parsed.value().add_special, parsed.value().parse_special);
  ojson toks = ojson::array();
  for (int32_t id : ids) {
    if (!parsed.value().with_pieces) {
      toks.push_back(id);
      continue;
    }
    std::string piece = b.token_display(id);
    ojson pj = piece;
    try {
      (void)pj.dump();  // invalid UTF-8 (a byte token) is shown as its bytes
    } catch (const ojson::exception&) {
      pj = ojson::array();
      for (unsigned char c : piece) pj.push_back(static_cast<int>(c));
    }
    toks.push_back({{"id", id}, {"piece", pj}});
  }
  respond_json(*r, {{"tokens", toks}});
}

void ApiServer::detokenize(const HttpRequest& req, const ResponderPtr& r) {
  auto parsed = parse_detokenize_request(req.body);
  if (!parsed.ok()) return respond_status(*r, parsed.status());
  runtime::Engine* e = engine_or_503(r);
  if (!e) return;
  int32_t n_vocab = e->model().n_vocab;
  const auto& ids = parsed.value().tokens;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] >= n_vocab)
      return respond_error(*r, 400, "tokens[" + std::to_string(i) + "] = " + std::to_string(ids[i]) +
                                        " is out of range: expected 0.." + std::to_string(n_vocab - 1));
  respond_json(*r, {{"content", e->backend().detokenize(ids)}});
}

void ApiServer::static_file(const HttpRequest& req, const ResponderPtr& r) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root = fs::weakly_canonical(params_.static_dir, ec);
  std::string rel = req.path == "/" ? "index.html" : req.path.substr(1);
  fs::path full = fs::weakly_canonical(root / rel, ec);
  auto [root_end, _] = std::mismatch(root.begin(), root.end(), full.begin(), full.end());
  if (ec || root_end != root.end() || !fs::is_regular_file(full, ec))
    return respond_error(*r, 404, "no route or file for GET " + req.path);
  std::ifstream in(full, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  r->respond(200, content_type_for(full), body.str());
}

}  // namespace osprey::server
