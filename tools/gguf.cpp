// `osprey gguf dump FILE` and `osprey gguf validate FILE`: inspect and check GGUF files.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "src/gguf/gguf_reader.h"

namespace osprey::tools {

namespace {

constexpr const char* kUsage =
    "usage: osprey gguf dump FILE [--max-elements N]\n"
    "       osprey gguf validate FILE\n"
    "\n"
    "  dump      prints the version, alignment, every metadata key with its type and value (arrays\n"
    "            longer than N elements are abbreviated; default 8) and every tensor with its type,\n"
    "            shape (ne[0] first), offset in the data section and size in bytes\n"
    "  validate  parses the whole file; prints \"ok\" and exits 0, or prints the error and exits 1\n";

void dump(const gguf::GgufFile& f, size_t max_elements) {
  fmt::print("file: {}\n", f.name());
  fmt::print("version: {}\nalignment: {}\nfile size: {} bytes\ndata offset: {}\n", f.version(), f.alignment(),
             f.file_size(), f.data_offset());
  fmt::print("metadata: {} keys\n", f.metadata().size());
  for (const auto& [key, value] : f.metadata())
    fmt::print("  {}: {} = {}\n", key, value.type_display(), value.to_display(max_elements, 120));
  size_t total = 0;
  for (const auto& t : f.tensors()) total += t.n_bytes;
  fmt::print("tensors: {} ({} bytes)\n", f.tensors().size(), total);
  for (const auto& t : f.tensors()) {
    const tensor::DTypeInfo& info = tensor::info(t.type);
    fmt::print("  {}: {}{} [{}] offset {} {} bytes\n", t.name, info.name, info.supported ? "" : " (unsupported)",
               fmt::join(t.shape, ", "), t.offset, t.n_bytes);
  }
}

}  // namespace

int gguf_main(int argc, char** argv) {
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc < 3) {
    std::fputs(kUsage, stderr);
    return 1;
  }
  const std::string action = argv[1];
  const std::string path = argv[2];
  size_t max_elements = 8;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--max-elements") == 0 && i + 1 < argc && action == "dump") {
      char* end = nullptr;
      unsigned long long n = std::strtoull(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0') {
        fmt::print(stderr, "osprey gguf: --max-elements expects a number, got '{}'\n", argv[i]);
        return 1;
      }
      max_elements = static_cast<size_t>(n);
    } else {
      fmt::print(stderr, "osprey gguf: unexpected argument '{}'\n{}", argv[i], kUsage);
      return 1;
    }
  }
  if (action != "dump" && action != "validate") {
    fmt::print(stderr, "osprey gguf: unknown action '{}' (expected dump or validate)\n{}", action, kUsage);
    return 1;
  }
  Result<gguf::GgufFile> f = gguf::GgufFile::open(path);
  if (!f.ok()) {
    fmt::print(stderr, "error: {}\n", f.status().to_string());
    return 1;
  }
  if (action == "validate") {
    fmt::print("ok\n");
    return 0;
  }
  dump(f.value(), max_elements);
  return 0;
}

}  // namespace osprey::tools
