// fuzz-links: osprey_gguf
// libFuzzer entry for the GGUF reader: parses the input; when it parses, reads every tensor byte,
// calls every getter on every key, and checks that the writer reproduces a file the reader accepts
// with the same metadata and tensors.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "src/gguf/gguf_reader.h"
#include "src/gguf/gguf_writer.h"

namespace {

using osprey::gguf::GgufFile;
using osprey::gguf::GgufWriter;

void require(bool cond, const char* what) {
  if (!cond) {
    std::fprintf(stderr, "gguf_fuzz: invariant broken: %s\n", what);
    std::abort();
  }
}

void touch_getters(const GgufFile& f) {
  for (const auto& [key, value] : f.metadata()) {
    require(f.find(key) == &value, "find returns the listed value");
    (void)f.get_string(key);
    (void)f.get_int(key);
    (void)f.get_u32(key);
    (void)f.get_float(key);
    (void)f.get_bool(key);
    (void)f.get_string_array(key);
    (void)f.get_float_array(key);
    (void)f.get_int_array(key);
    (void)value.to_display();
    for (size_t i = 0; i < value.array_size() && i < 4; ++i) (void)value.element(i).to_display();
  }
  require(!f.get_int("\x01missing").ok(), "a missing key is an error");
}

uint64_t touch_tensors(const GgufFile& f) {
  uint64_t sum = 0;
  for (const auto& t : f.tensors()) {
    require(f.find_tensor(t.name) == &t, "find_tensor returns the listed tensor");
    const uint8_t* p = f.tensor_data(t);
    for (size_t i = 0; i < t.n_bytes; ++i) sum += p[i];
  }
  return sum;
}

// Writes the parsed file again and parses the result: metadata and tensors must survive.
void round_trip(const GgufFile& f) {
  GgufWriter w;
  w.set_version(f.version());
  w.copy_metadata(f);
  for (const auto& t : f.tensors())
    require(w.add_tensor(t.name, t.type, t.shape, f.tensor_bytes(t)).ok(), "writer accepts what the reader accepted");
  auto bytes = w.write_to_buffer();
  require(bytes.ok(), "writer writes what the reader accepted");
  auto again = GgufFile::parse(bytes.value());
  if (!again.ok()) std::fprintf(stderr, "%s\n", again.status().to_string().c_str());
  require(again.ok(), "reader accepts the writer's output");
  const GgufFile& g = again.value();
  require(g.metadata().size() == f.metadata().size(), "same metadata count");
  for (size_t i = 0; i < g.metadata().size(); ++i)
    require(g.metadata()[i].first == f.metadata()[i].first && g.metadata()[i].second == f.metadata()[i].second,
            "same metadata entries");
  require(g.tensors().size() == f.tensors().size(), "same tensor count");
  for (size_t i = 0; i < g.tensors().size(); ++i) {
    const auto& a = f.tensors()[i];
    const auto& b = g.tensors()[i];
    require(a.name == b.name && a.type == b.type && a.shape == b.shape && a.n_bytes == b.n_bytes, "same tensor info");
    require(std::equal(f.tensor_bytes(a).begin(), f.tensor_bytes(a).end(), g.tensor_bytes(b).begin()),
            "same tensor bytes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = GgufFile::parse(std::span<const uint8_t>(data, size), "fuzz");
  if (!parsed.ok()) {
    require(!parsed.status().message().empty(), "errors carry a message");
    return 0;
  }
  const GgufFile& f = parsed.value();
  touch_getters(f);
  volatile uint64_t sink = touch_tensors(f);
  (void)sink;
  round_trip(f);
  return 0;
}
