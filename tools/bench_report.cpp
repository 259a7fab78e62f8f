#include "tools/bench_report.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace osprey::tools {

namespace {

std::string human_size(uint64_t bytes) {
  const double mib = static_cast<double>(bytes) / (1024.0 * 1024.0);
  return mib >= 1024.0 ? fmt::format("{:.2f} GiB", mib / 1024.0) : fmt::format("{:.2f} MiB", mib);
}

std::string human_params(uint64_t n) {
  const double v = static_cast<double>(n);
  if (v >= 1e9) return fmt::format("{:.2f} B", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  return fmt::format("{:.2f} K", v / 1e3);
}

double pct(const BenchResult& r) { return r.ceiling_ts > 0 ? 100.0 * r.avg_ts / r.ceiling_ts : 0.0; }

nlohmann::json to_json(const BenchMachine& m, const BenchResult& r) {
  nlohmann::json j;
  j["build_commit"] = "";
  j["build_number"] = 0;
  j["cpu_info"] = m.cpu_info;
  j["gpu_info"] = "";
  j["backends"] = "CPU";
  j["model_filename"] = r.model_filename;
  j["model_type"] = r.model_type;
  j["model_size"] = r.model_size;
  j["model_n_params"] = r.model_n_params;
  j["n_batch"] = r.n_batch;
  j["n_ubatch"] = r.n_batch;
  j["batched"] = r.batched;  // osprey: a --batched row (n_seq sequences decoding together)
  j["n_threads"] = r.n_threads;
  j["type_k"] = "f16";
  j["type_v"] = "f16";
  j["n_gpu_layers"] = 0;
  j["use_mmap"] = true;
  j["n_prompt"] = r.n_prompt;
  j["n_gen"] = r.n_gen;
  j["n_seq"] = r.n_seq;
  j["test_time"] = r.test_time;
  j["avg_ns"] = static_cast<uint64_t>(r.avg_ns);
  j["stddev_ns"] = static_cast<uint64_t>(r.stddev_ns);
  j["avg_ts"] = r.avg_ts;
  j["stddev_ts"] = r.stddev_ts;
  nlohmann::json samples = nlohmann::json::array();  // integers, as llama-bench writes them (and avg_ns here)
  for (double v : r.samples_ns) samples.push_back(static_cast<uint64_t>(v));
  j["samples_ns"] = samples;
  nlohmann::json ts = nlohmann::json::array();
  const double tokens = static_cast<double>(r.n_seq) * (r.n_prompt + r.n_gen);
  for (double ns : r.samples_ns) ts.push_back(ns > 0 ? tokens * 1e9 / ns : 0.0);
  j["samples_ts"] = ts;
  // osprey's roofline fields.
  j["kernels"] = m.kernels;
  j["mem_read_gbs"] = m.ceilings.read_gbs_nt;
  j["fma_gflops"] = m.ceilings.fma_gflops_nt;
  j["amx_gflops"] = m.ceilings.amx_gflops_nt;
  j["ceiling_ts"] = r.ceiling_ts;
  j["ceiling_kind"] = r.ceiling_kind;
  j["pct_of_ceiling"] = pct(r);
  return j;
}

const char* kCsvFields[] = {"model_filename", "model_type", "model_size", "model_n_params", "n_batch", "n_threads",
                            "n_prompt", "n_gen", "n_seq", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts",
                            "ceiling_ts", "ceiling_kind", "pct_of_ceiling", "mem_read_gbs", "fma_gflops", "amx_gflops", "test_time"};

std::string csv_value(const nlohmann::json& v) {
  if (v.is_string()) {
    std::string s = v.get<std::string>(), out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }
  return v.dump();
}

}  // namespace

std::string BenchResult::test_name() const {
  std::string t;
  if (batched) return fmt::format("batch{} tg{}", n_seq, n_gen);
  if (n_prompt > 0) t = fmt::format("pp{}", n_prompt);
  if (n_gen > 0) t += fmt::format("{}tg{}", t.empty() ? "" : "+", n_gen);
  return t;
}

void BenchResult::finish() {
  const double n = static_cast<double>(samples_ns.size());
  if (n == 0) return;
  const double tokens = static_cast<double>(n_seq) * (n_prompt + n_gen);
  double s = 0, sts = 0;
  for (double v : samples_ns) s += v, sts += tokens * 1e9 / v;
  avg_ns = s / n;
  avg_ts = sts / n;
  double var = 0, var_ts = 0;
  for (double v : samples_ns) {
    var += (v - avg_ns) * (v - avg_ns);
    const double ts = tokens * 1e9 / v;
    var_ts += (ts - avg_ts) * (ts - avg_ts);
  }
  stddev_ns = n > 1 ? std::sqrt(var / (n - 1)) : 0.0;
  stddev_ts = n > 1 ? std::sqrt(var_ts / (n - 1)) : 0.0;
}

static std::string threads(int n) { return n == 1 ? "1 thread" : fmt::format("{} threads", n); }

std::string bench_header(BenchFormat f, const BenchMachine& m) {
  if (f == BenchFormat::kMarkdown) {
    const base::Ceilings& c = m.ceilings;
    const std::string amx =
        c.amx_gflops_nt > 0 ? fmt::format("; AMX-BF16 peak {:.0f} GFLOP/s ({})", c.amx_gflops_nt, threads(c.threads))
                            : std::string();
    return fmt::format(
        "machine: {}; kernels: {}\nceilings: memory read {:.1f} GB/s ({}), {:.1f} GB/s (1 thread); "
        "fp32 FMA peak {:.1f} GFLOP/s ({}){}\n"
        "(tg ceiling = read bandwidth / weight bytes; pp ceiling = compute peak / (2 x params), the AMX peak "
        "when the prompt's chunks are long enough to run on AMX tiles, else the fp32 FMA peak, which int8 "
        "kernels can exceed)\n\n"
        "| model | size | params | type | threads | test | t/s | % of ceiling |\n"
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n",
        m.cpu_info, m.kernels, c.read_gbs_nt, threads(c.threads), c.read_gbs_1t, c.fma_gflops_nt, threads(c.threads),
        amx);
  }
  if (f == BenchFormat::kCsv) {
    std::string h;
    for (const char* k : kCsvFields) h += (h.empty() ? "" : ",") + std::string(k);
    return h + "\n";
  }
  return "";
}

std::string bench_row(BenchFormat f, const BenchMachine& m, const BenchResult& r) {
  switch (f) {
    case BenchFormat::kMarkdown:
      return fmt::format("| {} | {} | {} | {} | {} | {} | {:.2f} ± {:.2f} | {:.0f} % of {:.1f} ({}) |\n",
                         r.model_type, human_size(r.model_size), human_params(r.model_n_params), r.weight_type,
                         r.n_threads, r.test_name(), r.avg_ts, r.stddev_ts, pct(r), r.ceiling_ts, r.ceiling_kind);
    case BenchFormat::kCsv: {
      const nlohmann::json j = to_json(m, r);
      std::string row;
      for (const char* k : kCsvFields) row += (row.empty() ? "" : ",") + csv_value(j[k]);
      return row + "\n";
    }
    case BenchFormat::kJsonl:
      return to_json(m, r).dump() + "\n";
    case BenchFormat::kJson:
      return "";
  }
  return "";
}

std::string bench_json_array(const BenchMachine& m, const std::vector<BenchResult>& rs) {
  nlohmann::json a = nlohmann::json::array();
  for (const BenchResult& r : rs) a.push_back(to_json(m, r));
  return a.dump(2) + "\n";
}

}  // namespace osprey::tools
