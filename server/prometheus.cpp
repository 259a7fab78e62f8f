#include "server/prometheus.h"

#include <fmt/format.h>

#include "server/api_server.h"

namespace osprey::server {

namespace {

void head(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void counter(std::string& out, const char* name, const char* help, double v) {
  head(out, name, "counter", help);
  out += fmt::format("{} {}\n", name, v);
}

void gauge(std::string& out, const char* name, const char* help, double v) {
  head(out, name, "gauge", help);
  out += fmt::format("{} {}\n", name, v);
}

void histogram(std::string& out, const char* name, const char* help, const runtime::Histogram& h) {
  head(out, name, "histogram", help);
  for (size_t i = 0; i < h.bounds.size(); ++i)
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, h.bounds[i], h.counts[i]);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, h.count);
  out += fmt::format("{}_sum {}\n{}_count {}\n", name, h.sum, name, h.count);
}

}  // namespace

std::string prometheus_text(const runtime::EngineStats& s, const HttpCounters& http) {
  std::string o;
  head(o, "osprey_http_responses_total", "counter", "HTTP responses by status class.");
  o += fmt::format("osprey_http_responses_total{{class=\"2xx\"}} {}\n", http.ok.load());
  o += fmt::format("osprey_http_responses_total{{class=\"4xx\"}} {}\n", http.client_errors.load());
  o += fmt::format("osprey_http_responses_total{{class=\"5xx\"}} {}\n", http.server_errors.load());
  counter(o, "osprey_requests_accepted_total", "Generation requests accepted by the engine.",
          static_cast<double>(s.requests_accepted));
  counter(o, "osprey_requests_rejected_total", "Generation requests refused because the queue was full.",
          static_cast<double>(s.requests_rejected));
  counter(o, "osprey_requests_finished_total", "Generation requests that completed.",
          static_cast<double>(s.requests_finished));
  counter(o, "osprey_requests_cancelled_total", "Generation requests cancelled (client gone).",
          static_cast<double>(s.requests_cancelled));
  counter(o, "osprey_requests_failed_total", "Generation requests that ended with an error.",
          static_cast<double>(s.requests_failed));
  counter(o, "osprey_prompt_tokens_total", "Prompt tokens evaluated.", static_cast<double>(s.prompt_tokens));
  counter(o, "osprey_prompt_tokens_cached_total", "Prompt tokens reused from a slot's cache.",
          static_cast<double>(s.prompt_tokens_cached));
  counter(o, "osprey_generated_tokens_total", "Tokens generated.", static_cast<double>(s.generated_tokens));
  counter(o, "osprey_engine_steps_total", "Engine steps (forward passes).", static_cast<double>(s.steps));
  counter(o, "osprey_engine_step_tokens_total", "Tokens over all forward passes.",
          static_cast<double>(s.step_tokens));
  counter(o, "osprey_engine_busy_seconds_total", "Time spent in forward passes.", s.busy_seconds);
  gauge(o, "osprey_queue_depth", "Requests waiting for a slot.", s.queue_depth);
  gauge(o, "osprey_slots_busy", "Slots running a request.", s.slots_busy);
  gauge(o, "osprey_slots_total", "Slots (-np).", s.slots_total);
  gauge(o, "osprey_kv_blocks_used", "KV cache blocks in use (running and cached sequences).", s.kv_blocks_used);
  gauge(o, "osprey_kv_blocks_total", "KV cache blocks in the pool.", s.kv_blocks_total);
  gauge(o, "osprey_kv_cache_usage_ratio", "Fraction of KV cache blocks in use.",
        s.kv_blocks_total > 0 ? static_cast<double>(s.kv_blocks_used) / s.kv_blocks_total : 0.0);
  gauge(o, "osprey_kv_cache_bytes", "Bytes of the KV cache pool.", static_cast<double>(s.kv_bytes));
  histogram(o, "osprey_queue_wait_seconds", "Time from arrival to a slot.", s.queue_wait);
  histogram(o, "osprey_time_to_first_token_seconds", "Time from arrival to the first generated token.",
            s.time_to_first_token);
  histogram(o, "osprey_inter_token_latency_seconds", "Time between consecutive tokens of a sequence.",
            s.inter_token_latency);
  histogram(o, "osprey_request_duration_seconds", "Time from arrival to the end of a completed request.",
            s.request_duration);
  return o;
}

}  // namespace osprey::server
