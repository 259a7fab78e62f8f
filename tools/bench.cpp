// `osprey bench`: llama-bench's interface for osprey. Measures the machine first (memory read
// bandwidth, fp32 FMA peak; src/base/roofline.h) and prints every result with the share of the
// ceiling it reaches: tg against bandwidth / weight bytes, pp against FMA peak / (2 x params).
//   osprey bench -m a.gguf [-m b.gguf] [-p 512] [-n 128] [-pg 512,128] [-t 2] [-b 512] [-r 5]
//                [-o md|csv|json|jsonl] [--progress] [--batched [--batched-seqs 1,2,4,8,16]]
// Lists take comma-separated values ("-p 128,512", "-t 1,2"); each combination is one test.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "src/base/cpu_features.h"
#include "src/base/timer.h"
#include "src/kernels/dispatch.h"
#include "src/model/model.h"
#include "tools/bench_report.h"

namespace osprey::tools {

namespace {

struct BenchOptions {
  std::vector<std::string> models;
  std::vector<int> n_prompt = {512};
  std::vector<int> n_gen = {128};
  std::vector<std::pair<int, int>> pg;
  std::vector<int> threads;
  int n_batch = 512;
  int reps = 5;
  BenchFormat format = BenchFormat::kMarkdown;
  bool progress = false;
  bool batched = false;
  std::vector<int> batched_seqs = {1, 2, 4, 8, 16};
  int batched_gen = 32;
};

const char* kUsage =
    "usage: osprey bench -m MODEL [-m MODEL ...] [options]\n"
    "  -m, --model FILE        GGUF model (repeatable, or comma-separated)\n"
    "  -p, --n-prompt N[,N]    prompt lengths (default 512; 0 skips)\n"
    "  -n, --n-gen N[,N]       generated lengths (default 128; 0 skips)\n"
    "  -pg PP,TG               a prompt of PP then TG generated tokens (repeatable)\n"
    "  -t, --threads N[,N]     thread counts (default: all cores)\n"
    "  -b, --batch-size N      prompt tokens per forward step (default 512); -ub is the same size\n"
    "  -r, --repetitions N     timed runs per test after one warm-up (default 5)\n"
    "  -o, --output FMT        md, csv, json or jsonl (default md)\n"
    "  --progress              progress lines on stderr\n"
    "  --batched               aggregate decode t/s with several sequences at once\n"
    "  --batched-seqs N[,N]    sequence counts for --batched (default 1,2,4,8,16)\n"
    "  --batched-gen N         decode steps per --batched test (default 32)\n";

Result<std::vector<int>> parse_ints(const std::string& flag, const std::string& v) {
  std::vector<int> out;
  size_t b = 0;
  while (b <= v.size()) {
    size_t e = v.find(',', b);
    if (e == std::string::npos) e = v.size();
    const std::string item = v.substr(b, e - b);
    char* end = nullptr;
    const long x = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || x < 0 || x > 1000000)
      return base::invalid_argument(fmt::format("{}: expected non-negative integers, got '{}'", flag, v));
    out.push_back(static_cast<int>(x));
    b = e + 1;
  }
  return out;
}

// A flag that takes exactly one value: a list is refused, not cut to one of its items.
Result<int> parse_one_int(const std::string& flag, const std::string& v) {
  OSP_ASSIGN_OR_RETURN(auto x, parse_ints(flag, v));
  if (x.size() != 1)
    return base::invalid_argument(fmt::format("{}: expected one value (lists are not supported here), got '{}'", flag, v));
  return x[0];
}

Status parse_args(int argc, char** argv, BenchOptions& o) {
  bool p_set = false, n_set = false;
  std::optional<std::string> batch_flag;  // the first of -b / -ub given
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= argc) return base::invalid_argument(fmt::format("{}: expected a value", a));
      return std::string(argv[++i]);
    };
    if (a == "--progress") { o.progress = true; continue; }
    if (a == "--batched") { o.batched = true; continue; }
    if (a == "-h" || a == "--help") return base::invalid_argument("help");
    // Refuse an unknown flag before taking a value, so it is named even when it ends the line or
    // is followed by another flag (which it would otherwise swallow as its value).
    static const std::set<std::string> kValueFlags = {
        "-m", "--model", "-p", "--n-prompt", "-n", "--n-gen", "-pg", "-t", "--threads", "-b", "--batch-size",
        "-ub", "--ubatch-size", "-r", "--repetitions", "--batched-seqs", "--batched-gen", "-o", "--output"};
    if (!kValueFlags.count(a)) return base::invalid_argument(fmt::format("unknown flag '{}'", a));
    OSP_ASSIGN_OR_RETURN(const std::string v, value());
    if (a == "-m" || a == "--model") {
      for (size_t b = 0; b <= v.size();) {
        size_t e = v.find(',', b);
        if (e == std::string::npos) e = v.size();
        if (e > b) o.models.push_back(v.substr(b, e - b));
        b = e + 1;
      }
    } else if (a == "-p" || a == "--n-prompt") {
      OSP_ASSIGN_OR_RETURN(auto x, parse_ints(a, v));
      if (!p_set) o.n_prompt.clear();
      o.n_prompt.insert(o.n_prompt.end(), x.begin(), x.end());
      p_set = true;
    } else if (a == "-n" || a == "--n-gen") {
      OSP_ASSIGN_OR_RETURN(auto x, parse_ints(a, v));
      if (!n_set) o.n_gen.clear();
      o.n_gen.insert(o.n_gen.end(), x.begin(), x.end());
      n_set = true;
    } else if (a == "-pg") {
      OSP_ASSIGN_OR_RETURN(auto x, parse_ints(a, v));
      if (x.size() != 2) return base::invalid_argument(fmt::format("-pg: expected PP,TG, got '{}'", v));
      o.pg.emplace_back(x[0], x[1]);
    } else if (a == "-t" || a == "--threads") {
      OSP_ASSIGN_OR_RETURN(o.threads, parse_ints(a, v));
    } else if (a == "-b" || a == "--batch-size" || a == "-ub" || a == "--ubatch-size") {
      // One forward step is both llama.cpp's logical and physical batch: -b and -ub name the same
      // size, so giving both with different values is refused rather than one silently winning.
      OSP_ASSIGN_OR_RETURN(const int x, parse_one_int(a, v));
      if (batch_flag.has_value() && x != o.n_batch)
        return base::invalid_argument(fmt::format(
            "{} {} contradicts {} {}: osprey has one batch size per forward step (-b and -ub are the same)", a, x,
            *batch_flag, o.n_batch));
      o.n_batch = x;
      batch_flag = a;
    } else if (a == "-r" || a == "--repetitions") {
      OSP_ASSIGN_OR_RETURN(o.reps, parse_one_int(a, v));
    } else if (a == "--batched-seqs") {
      OSP_ASSIGN_OR_RETURN(o.batched_seqs, parse_ints(a, v));
    } else if (a == "--batched-gen") {
      OSP_ASSIGN_OR_RETURN(o.batched_gen, parse_one_int(a, v));
    } else if (a == "-o" || a == "--output") {
      static const std::map<std::string, BenchFormat> kFormats = {
          {"md", BenchFormat::kMarkdown}, {"csv", BenchFormat::kCsv}, {"json", BenchFormat::kJson},
          {"jsonl", BenchFormat::kJsonl}};
      auto it = kFormats.find(v);
      if (it == kFormats.end()) return base::invalid_argument(fmt::format("-o: expected md, csv, json or jsonl, got '{}'", v));
      o.format = it->second;
    } else {
      return base::invalid_argument(fmt::format("unknown flag '{}'", a));
    }
  }
  if (o.models.empty()) return base::invalid_argument("-m MODEL is required");
  if (o.threads.empty()) o.threads = {static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
  for (int t : o.threads)
    if (t < 1) return base::invalid_argument(fmt::format("-t: expected >= 1, got {}", t));
  if (o.n_batch < 1) return base::invalid_argument(fmt::format("-b: expected >= 1, got {}", o.n_batch));
  if (o.reps < 1) return base::invalid_argument(fmt::format("-r: expected >= 1, got {}", o.reps));
  return base::ok_status();
}

// One test: n_seq sequences, each a prompt of n_prompt tokens (in batches of n_batch) followed by
// n_gen decode steps (one token per sequence per step).
struct TestSpec {
  int n_prompt = 0, n_gen = 0, n_seq = 1;
  bool batched = false;  // a --batched test: only the decode part is timed
};

class Runner {
 public:
  Runner(model::Model& m, base::ThreadPool& pool, int n_batch) : m_(m), pool_(pool), n_batch_(n_batch) {}

  struct Timing {
    double prompt_ns = 0, gen_ns = 0;
  };
  // One run of `t` on a fresh cache: nanoseconds of the prompt part and of the decode part.
  Result<Timing> run(const TestSpec& t) {
    // Whole KV blocks per sequence, plus one for the block a sequence may end in.
    const int per_seq = ((t.n_prompt + t.n_gen + 1 + 15) / 16 + 1) * 16;
    const int n_ctx = t.n_seq * per_seq;
    if (!kv_ || kv_->params().n_ctx_total < n_ctx) {
      OSP_ASSIGN_OR_RETURN(kv_, model::KvCache::create(m_.kv_params(n_ctx)));
    }
    kv_->clear();
    Timing out;
    base::Stopwatch sw;
    for (int s = 0; s < t.n_seq; ++s)
      for (int p0 = 0; p0 < t.n_prompt; p0 += n_batch_) {
        batch_.clear();
        const int n = std::min(n_batch_, t.n_prompt - p0);
        for (int i = 0; i < n; ++i) batch_.add(random_token(), p0 + i, s, p0 + i == t.n_prompt - 1);
        OSP_RETURN_IF_ERROR(m_.forward(batch_, *kv_, pool_, &logits_));
      }
    out.prompt_ns = sw.elapsed_ms() * 1e6;
    sw.reset();
    for (int g = 0; g < t.n_gen; ++g) {
      batch_.clear();
      for (int s = 0; s < t.n_seq; ++s) batch_.add(random_token(), t.n_prompt + g, s, true);
      OSP_RETURN_IF_ERROR(m_.forward(batch_, *kv_, pool_, &logits_));
    }
    out.gen_ns = sw.elapsed_ms() * 1e6;
    return out;
  }

 private:
  int32_t random_token() {
    return static_cast<int32_t>(rng_() % static_cast<uint32_t>(std::max(1, m_.hparams().n_vocab)));
  }
  model::Model& m_;
  base::ThreadPool& pool_;
  int n_batch_;
  std::unique_ptr<model::KvCache> kv_;
  model::Batch batch_;
  std::vector<float> logits_;
  std::mt19937 rng_{1234};
};

std::string dominant_type(const model::Model& m) {
  std::map<std::string, uint64_t> bytes;
  for (const auto& t : m.file().tensors())
    if (t.shape.size() >= 2) bytes[tensor::dtype_name(t.type)] += t.n_bytes;
  std::string best;
  uint64_t most = 0;
  for (const auto& [name, b] : bytes)
    if (b > most) most = b, best = name;
  return best;
}

// The roofline bound for one test, in tokens/s: bandwidth for decode (each step streams every
// weight once), the compute peak for prompts, the smaller of the two for several sequences. The
// compute peak is the AMX-BF16 tile peak when the prompt's chunks are long enough for the matmul to
// put them on the tiles (kernels::prompt_kernel_min_rows of the dominant weight type), else the
// fp32 FMA peak.
void set_ceiling(BenchResult& r, const base::Ceilings& c) {
  const double bytes = static_cast<double>(r.model_size), flops = 2.0 * static_cast<double>(r.model_n_params);
  if (bytes <= 0 || flops <= 0) return;
  const std::optional<tensor::DType> wt = tensor::dtype_from_name(r.weight_type);
  const bool amx = c.amx_gflops_nt > 0 && wt.has_value() &&
                   std::min(r.n_prompt, r.n_batch) >= kernels::prompt_kernel_min_rows(*wt);
  const double tg = c.read_gbs_nt * 1e9 / bytes, pp = (amx ? c.amx_gflops_nt : c.fma_gflops_nt) * 1e9 / flops;
  const char* peak = amx ? "amx" : "fma";
  const double tokens = static_cast<double>(r.n_seq) * (r.n_prompt + r.n_gen);
  if (r.batched || (r.n_prompt == 0 && r.n_gen > 0)) {
    const double bw = tg * r.n_seq;
    const double fma = c.fma_gflops_nt * 1e9 / flops;  // decode rows never use the tiles
    r.ceiling_ts = std::min(bw, fma);
    r.ceiling_kind = bw <= fma ? "bandwidth" : "fma";
  } else if (r.n_gen == 0) {
    r.ceiling_ts = pp;
    r.ceiling_kind = peak;
  } else {  // prompt then generation: the time of each part at its ceiling
    r.ceiling_ts = tokens / (r.n_prompt / pp + r.n_gen / tg);
    r.ceiling_kind = "both";
  }
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<TestSpec> test_list(const BenchOptions& o) {
  std::vector<TestSpec> out;
  for (int p : o.n_prompt)
    if (p > 0) out.push_back({p, 0, 1});
  for (int n : o.n_gen)
    if (n > 0) out.push_back({0, n, 1});
  for (auto [p, n] : o.pg) out.push_back({p, n, 1});
  if (o.batched)
    for (int s : o.batched_seqs)
      if (s > 0 && o.batched_gen > 0) out.push_back({16, o.batched_gen, s, true});
  return out;
}

Status run_model(const std::string& path, const BenchOptions& o, const BenchMachine& mach,
                 std::vector<BenchResult>& results, int& done, int total) {
  auto loaded = model::Model::load(path, model::ModelParams{});
  if (!loaded.ok()) return loaded.status();
  model::Model& m = *loaded.value();
  for (int threads : o.threads) {
    base::ThreadPool pool(threads);
    Runner runner(m, pool, o.n_batch);
    for (const TestSpec& t : test_list(o)) {
      BenchResult r;
      r.model_filename = path;
      r.model_type = m.description();
      r.model_size = m.weight_bytes();
      r.model_n_params = static_cast<uint64_t>(m.n_params());
      r.weight_type = dominant_type(m);
      r.n_threads = threads;
      r.n_batch = o.n_batch;
      r.n_prompt = t.batched ? 0 : t.n_prompt;
      r.n_gen = t.n_gen;
      r.n_seq = t.n_seq;
      r.batched = t.batched;
      r.test_time = utc_now_iso8601();
      if (o.progress) std::fprintf(stderr, "osprey bench: %d/%d %s %s t=%d\n", ++done, total, path.c_str(), r.test_name().c_str(), threads);
      OSP_RETURN_IF_ERROR(runner.run(t).status());  // warm-up
      for (int rep = 0; rep < o.reps; ++rep) {
        OSP_ASSIGN_OR_RETURN(const Runner::Timing tm, runner.run(t));
        // Batched tests start each sequence with a short prompt; only their decode part counts.
        r.samples_ns.push_back(std::max(1.0, t.batched ? tm.gen_ns : tm.prompt_ns + tm.gen_ns));
      }
      r.finish();
      set_ceiling(r, mach.ceilings);
      results.push_back(r);
      std::fputs(bench_row(o.format, mach, r).c_str(), stdout);
      std::fflush(stdout);
    }
  }
  return base::ok_status();
}

}  // namespace

int bench_main(int argc, char** argv) {
  BenchOptions o;
  if (Status s = parse_args(argc, argv, o); !s.ok()) {
    if (s.message() != "help") std::fprintf(stderr, "osprey bench: %s\n", s.to_string().c_str());
    std::fputs(kUsage, stderr);
    return s.message() == "help" ? 0 : 2;
  }
  for (const std::string& path : o.models) {  // before the seconds of measuring the machine
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
    } else {
      std::fprintf(stderr, "osprey bench: %s: cannot open the model file\n", path.c_str());
      return 1;
    }
  }
  BenchMachine mach;
  mach.cpu_info = base::detect_cpu_features().to_string();
  mach.kernels = kernels::isa_name(kernels::best_isa());
  {
    base::ThreadPool pool(*std::max_element(o.threads.begin(), o.threads.end()));
    if (o.progress) std::fprintf(stderr, "osprey bench: measuring the machine\n");
    mach.ceilings = base::measure_ceilings(pool);
  }
  std::fputs(bench_header(o.format, mach).c_str(), stdout);
  std::vector<BenchResult> results;
  int done = 0;
  const int total = static_cast<int>(o.models.size() * o.threads.size() * test_list(o).size());
  for (const std::string& path : o.models) {
    if (Status s = run_model(path, o, mach, results, done, total); !s.ok()) {
      std::fprintf(stderr, "osprey bench: %s: %s\n", path.c_str(), s.to_string().c_str());
      return 1;
    }
  }
  if (o.format == BenchFormat::kJson) std::fputs(bench_json_array(mach, results).c_str(), stdout);
  return 0;
}

}  // namespace osprey::tools
