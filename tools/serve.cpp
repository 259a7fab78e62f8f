// `osprey serve -m MODEL`: an OpenAI-compatible HTTP server with continuous batching. Accepts
// llama-server's flag spellings; OSPREY_* environment variables mirror the main flags.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "server/api_server.h"
#include "server/http_server.h"
#include "src/base/timer.h"
#include "src/chat/chat_template.h"
#include "src/runtime/engine.h"
#include "src/runtime/model_backend.h"
#include "tools/flags.h"

namespace osprey::tools {

namespace {

struct ServeOptions {
  std::string model;
  int n_ctx = 4096;
  int n_threads = 0;
  int n_threads_batch = 0;
  int threads_http = 2;
  std::string kv_type = "f16";
  std::string api_key_file, chat_template, chat_template_file, system_prompt_file;
  std::string gpu_layers, tensor_split, main_gpu;  // accepted, ignored (CPU build)
  bool cont_batching = true;
  bool log_disable = false;
  bool no_slots = false;
  int body_limit_mib = 16;
  server::TransportParams tp;
  server::ApiParams ap;
  runtime::EngineParams ep;
  model::ModelParams mp;
};

void register_flags(Flags& f, ServeOptions& o) {
  auto& s = o.ap.defaults.sampling;
  f.add_string("-m,--model", &o.model, "GGUF model file", "OSPREY_MODEL");
  f.add_string("--host", &o.tp.host, "address to listen on", "OSPREY_HOST");
  f.add_int("--port", &o.tp.port, "port to listen on (0: any free port)", "OSPREY_PORT");
  f.add_int("-c,--ctx-size", &o.n_ctx, "context over all slots; each slot gets c / np (0: the model's trained context)", "OSPREY_CTX_SIZE");
  f.add_int("-np,--parallel", &o.ep.n_slots, "slots: sequences decoded together, sharing one KV pool", "OSPREY_PARALLEL");
  f.add_int("-t,--threads", &o.n_threads, "threads for generation (0: all cores)", "OSPREY_THREADS");
  f.add_int("-tb,--threads-batch", &o.n_threads_batch, "threads for prompt processing (0: as -t)", "OSPREY_THREADS_BATCH");
  f.add_int("--threads-http", &o.threads_http, "threads serving HTTP connections", "OSPREY_THREADS_HTTP");
  f.add_int("-b,--batch-size", &o.ep.n_batch, "tokens per engine step at most (decode tokens + prompt chunks)", "OSPREY_BATCH_SIZE");
  f.add_int("-n,--n-predict", &o.ap.defaults.n_predict, "default tokens to generate per request (-1: until the context is full)", "OSPREY_N_PREDICT");
  f.add_string("-a,--alias", &o.ap.alias, "model name shown to clients (default: the file name)", "OSPREY_ALIAS");
  f.add_int("-to,--timeout", &o.tp.timeout_s, "read/write/idle timeout of a connection, seconds", "OSPREY_TIMEOUT");
  f.add_string_list("--api-key", &o.ap.api_keys, "API key clients must send (Authorization: Bearer KEY or x-api-key)", "OSPREY_API_KEY");
  f.add_string("--api-key-file", &o.api_key_file, "file with API keys, one per line", "OSPREY_API_KEY_FILE");
  f.add_string("--chat-template", &o.chat_template, "chat template: a built-in name (chatml, ...) or Jinja source (default: the model's)", "OSPREY_CHAT_TEMPLATE");
  f.add_string("--chat-template-file", &o.chat_template_file, "read the chat template from this file", "OSPREY_CHAT_TEMPLATE_FILE");
  f.add_string("--system-prompt-file", &o.system_prompt_file, "system message for chats that have none", "OSPREY_SYSTEM_PROMPT_FILE");
  f.add_bool("--metrics", &o.ap.metrics, "enable GET /metrics (Prometheus)", "OSPREY_METRICS");
  f.add_bool("--slots", &o.ap.slots, "enable GET /slots (on by default)");
  f.add_bool("--no-slots", &o.no_slots, "disable GET /slots");
  f.add_string("--path", &o.ap.static_dir, "directory of static files served for other GET paths", "OSPREY_STATIC_PATH");
  f.add_bool("-cb,--cont-batching", &o.cont_batching, "continuous batching (always on)");
  f.add_int("--max-queue", &o.ep.max_queue, "requests waiting beyond the free slots; more get 503", "OSPREY_MAX_QUEUE");
  f.add_int("--body-limit", &o.body_limit_mib, "largest request body in MiB; larger gets 413", "OSPREY_BODY_LIMIT");
  f.add_choice("--kv-type", &o.kv_type, {"f16", "f32"}, "KV cache element type", "OSPREY_KV_TYPE");
  f.add_float("--temp", &s.temperature, "default temperature (<= 0: greedy)", "OSPREY_TEMP");
  f.add_u64("--seed", &s.seed, "default seed (4294967295: random)", "OSPREY_SEED");
  f.add_int("--top-k", &s.top_k, "default top-k (<= 0: off)");
  f.add_float("--top-p", &s.top_p, "default top-p (1: off)");
  f.add_float("--min-p", &s.min_p, "default min-p (0: off)");
  f.add_float("--repeat-penalty", &s.repeat_penalty, "default repetition penalty (1: off)");
  f.add_int("--repeat-last-n", &s.repeat_last_n, "default penalty window in tokens (0: off, -1: all)");
  f.add_float("--rope-freq-base", &o.mp.rope_freq_base, "RoPE base frequency (0: from the model)");
  f.add_float("--rope-freq-scale", &o.mp.rope_freq_scale, "RoPE linear scale (0: from the model)");
  f.add_bool("--log-disable", &o.log_disable, "no log output", "OSPREY_LOG_DISABLE");
  f.add_string("-ngl,--gpu-layers,--n-gpu-layers", &o.gpu_layers, "accepted for compatibility; this build runs on the CPU");
  f.add_string("-ts,--tensor-split", &o.tensor_split, "accepted for compatibility; this build runs on the CPU");
  f.add_string("-mg,--main-gpu", &o.main_gpu, "accepted for compatibility; this build runs on the CPU");
}

Result<std::string> read_file(const std::string& what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::io_error(fmt::format("cannot read {} '{}'", what, path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status check_options(ServeOptions& o) {
  if (o.model.empty()) return base::invalid_argument("-m MODEL is required");
  if (o.ep.n_slots < 1) return base::invalid_argument(fmt::format("-np: expected >= 1, got {}", o.ep.n_slots));
  if (o.n_ctx < 0) return base::invalid_argument(fmt::format("-c: expected >= 0, got {}", o.n_ctx));
  if (o.tp.port < 0 || o.tp.port > 65535)
    return base::invalid_argument(fmt::format("--port: expected 0..65535, got {}", o.tp.port));
  if (o.tp.timeout_s < 1) return base::invalid_argument(fmt::format("-to: expected >= 1, got {}", o.tp.timeout_s));
  if (o.threads_http < 1) return base::invalid_argument(fmt::format("--threads-http: expected >= 1, got {}", o.threads_http));
  if (o.body_limit_mib < 1) return base::invalid_argument(fmt::format("--body-limit: expected >= 1, got {}", o.body_limit_mib));
  if (!o.cont_batching) return base::invalid_argument("continuous batching is always on");
  if (o.no_slots) o.ap.slots = false;
  if (!o.api_key_file.empty()) {
    OSP_ASSIGN_OR_RETURN(std::string keys, read_file("API key file", o.api_key_file));
    std::istringstream in(keys);
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) o.ap.api_keys.push_back(line);
    }
  }
  if (!o.chat_template_file.empty()) {
    OSP_ASSIGN_OR_RETURN(o.ap.chat_template, read_file("chat template file", o.chat_template_file));
  } else if (!o.chat_template.empty()) {
    auto builtin = chat::builtin_template_source(o.chat_template);
    o.ap.chat_template = builtin.ok() ? builtin.value() : o.chat_template;
  }
  if (!o.system_prompt_file.empty()) {
    OSP_ASSIGN_OR_RETURN(o.ap.system_prompt, read_file("system prompt file", o.system_prompt_file));
  }
  o.tp.n_threads = o.threads_http;
  o.tp.max_body_bytes = static_cast<size_t>(o.body_limit_mib) << 20;
  o.ep.n_ctx = o.n_ctx;
  o.mp.n_ctx = o.n_ctx > 0 ? std::max(1, o.n_ctx / o.ep.n_slots) : 0;
  return base::ok_status();
}

void print_startup(base::Logger& log, const runtime::Engine& e, const runtime::ModelBackend& b, double load_ms,
                   const ServeOptions& o, int port) {
  const auto& info = e.model();
  auto st = e.stats();
  log.info("model: {} ({}), {} parameters, {:.1f} MiB of weights, loaded in {:.0f} ms", info.path, info.description,
           info.n_params, info.weight_bytes / 1048576.0, load_ms);
  log.info("vocab {}, trained context {}, chat template: {}", info.n_vocab, info.n_ctx_train,
           o.ap.chat_template.empty() ? (info.chat_template.empty() ? "chatml (built-in)" : "from the model")
                                      : "from the command line");
  log.info("slots: {} x {} tokens of context; batch {} tokens; queue {}; threads {} (batch {}), http {}",
           e.params().n_slots, e.n_ctx_slot(), e.params().n_batch, e.params().max_queue, b.n_threads(),
           b.n_threads_batch(), o.threads_http);
  log.info("memory: weights {:.1f} MiB (mapped) + KV cache {:.1f} MiB ({} blocks, {})", info.weight_bytes / 1048576.0,
           st.kv_bytes / 1048576.0, st.kv_blocks_total, o.kv_type);
  log.info("listening on http://{}:{}{}", o.tp.host, port, o.ap.api_keys.empty() ? "" : " (API key required)");
}

}  // namespace

int serve_main(int argc, char** argv) {
  ServeOptions o;
  Flags flags("usage: osprey serve -m MODEL [options]",
              "Serves the model over HTTP: OpenAI /v1/chat/completions, /v1/completions, /v1/models;\n"
              "llama.cpp /completion, /tokenize, /detokenize, /props, /slots, /metrics; GET /health.");
  register_flags(flags, o);
  Status s = flags.parse(argc, argv);
  if (flags.help_requested()) {
    std::fputs(flags.help().c_str(), stdout);
    return 0;
  }
  if (s.ok() && !flags.positional().empty())
    s = base::invalid_argument(fmt::format("unexpected argument '{}'", flags.positional()[0]));
  if (s.ok()) s = check_options(o);
  if (!s.ok()) {
    fmt::print(stderr, "osprey serve: {}\n", s.message());
    return 1;
  }
  base::Logger log(stderr, o.log_disable ? base::LogLevel::kOff : base::LogLevel::kInfo);
  if (!o.gpu_layers.empty() || !o.tensor_split.empty() || !o.main_gpu.empty())
    log.warn("GPU flags (-ngl, -ts, -mg) are ignored: this build runs on the CPU");

  server::ApiServer api(o.ap, log);
  server::Router router;
  api.register_routes(router);
  server::HttpServer http(o.tp, [&](server::HttpRequest&& req, server::ResponderPtr r) {
    api.dispatch(router, req, std::move(r));
  }, log);
  if (Status ls = http.listen(); !ls.ok()) {
    fmt::print(stderr, "osprey serve: {}\n", ls.message());
    return 1;
  }
  std::atomic<runtime::Engine*> live{nullptr};
  std::atomic<bool> stopping{false};
  http.stop_on_signals([&] {
    stopping = true;
    if (runtime::Engine* e = live.load()) e->shutdown();  // ends every stream with a final event
  });
  http.start();  // /health answers 503 while the model loads
  log.info("loading {} (listening on {}:{})", o.model, o.tp.host, http.port());

  base::Stopwatch sw;
  runtime::ModelBackendParams bp{o.n_threads, o.n_threads_batch,
                                 o.kv_type == "f32" ? tensor::DType::kF32 : tensor::DType::kF16};
  auto backend = runtime::ModelBackend::load(o.model, o.mp, bp);
  if (!backend.ok()) {
    log.error("cannot load '{}': {}", o.model, backend.status().to_string());
    http.stop();
    http.wait();
    return 1;
  }
  double load_ms = sw.elapsed_ms();
  runtime::ModelBackend* b = backend.value().get();
  auto engine = runtime::Engine::create(std::move(backend).value(), o.ep, log);
  Status es = engine.ok() ? api.set_engine(engine.value().get()) : engine.status();
  if (!es.ok()) {
    log.error("{}", es.message());
    http.stop();
    http.wait();
    return 1;
  }
  live = engine.value().get();
  if (stopping) engine.value()->shutdown();  // a signal came while loading
  print_startup(log, *engine.value(), *b, load_ms, o, http.port());
  http.wait();
  engine.value()->shutdown();
  log.info("stopped");
  return 0;
}

}  // namespace osprey::tools
