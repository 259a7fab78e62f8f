#include "src/runtime/kl_base.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace osprey::runtime {

namespace {

constexpr char kMagic[8] = {'O', 'S', 'P', 'K', 'L', 'B', '1', '\0'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kMaxVocab = 1u << 24;
constexpr uint32_t kMaxCtx = 1u << 22;

Status io(const std::string& what, const std::string& path) {
  return base::io_error(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
}

bool put(std::FILE* f, const void* p, size_t n) { return std::fwrite(p, 1, n, f) == n; }
bool get(std::FILE* f, void* p, size_t n) { return std::fread(p, 1, n, f) == n; }

}  // namespace

double log_rest(const float* logprobs, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logprobs[i]));
  return sum >= 1.0 ? -INFINITY : std::log1p(-sum);
}

Result<std::unique_ptr<KlBaseWriter>> KlBaseWriter::create(const std::string& path, const KlBaseHeader& h) {
  if (h.tokens.size() != static_cast<size_t>(h.n_chunks) * h.n_ctx)
    return base::invalid_argument(fmt::format("KL base: {} tokens, expected n_chunks {} x n_ctx {}",
                                              h.tokens.size(), h.n_chunks, h.n_ctx));
  std::unique_ptr<KlBaseWriter> w(new KlBaseWriter());
  w->path_ = path;
  w->tmp_ = path + ".tmp";
  w->top_k_ = h.top_k;
  w->f_ = std::fopen(w->tmp_.c_str(), "wb");
  if (w->f_ == nullptr) return io("cannot create", w->tmp_);
  const uint32_t flags = h.bos_first ? 1u : 0u;
  const uint32_t n_tokens = static_cast<uint32_t>(h.tokens.size());
  const uint32_t fields[] = {kVersion, h.n_vocab, h.n_ctx, h.n_chunks, h.top_k, flags, n_tokens};
  if (!put(w->f_, kMagic, sizeof(kMagic)) || !put(w->f_, fields, sizeof(fields)) ||
      !put(w->f_, h.tokens.data(), h.tokens.size() * sizeof(int32_t)))
    return io("cannot write", w->tmp_);
  return w;
}

KlBaseWriter::~KlBaseWriter() {
  if (f_ != nullptr) {
    std::fclose(f_);
    ::unlink(tmp_.c_str());
  }
}

Status KlBaseWriter::write(const KlBaseRecord& r) {
  if (r.ids.size() != top_k_ || r.logprobs.size() != top_k_)
    return base::internal_error(fmt::format("KL base record has {} ids, expected {}", r.ids.size(), top_k_));
  if (!put(f_, &r.logprob_next, 4) || !put(f_, &r.logprob_rest, 4) || !put(f_, r.ids.data(), 4 * top_k_) ||
      !put(f_, r.logprobs.data(), 4 * top_k_))
    return io("cannot write", tmp_);
  return base::ok_status();
}

Status KlBaseWriter::commit() {
  const bool ok = std::fflush(f_) == 0 && ::fsync(fileno(f_)) == 0;
  std::fclose(f_);
  f_ = nullptr;
  if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    Status s = io("cannot finish", path_);
    ::unlink(tmp_.c_str());
    return s;
  }
  return base::ok_status();
}

Result<std::unique_ptr<KlBaseReader>> KlBaseReader::open(const std::string& path) {
  std::unique_ptr<KlBaseReader> r(new KlBaseReader());
  r->path_ = path;
  r->f_ = std::fopen(path.c_str(), "rb");
  if (r->f_ == nullptr) return io("cannot open", path);
  char magic[8];
  uint32_t fields[7];
  if (!get(r->f_, magic, 8) || std::memcmp(magic, kMagic, 8) != 0)
    return base::invalid_argument(fmt::format("'{}' is not an osprey KL base file (magic OSPKLB1 missing)", path));
  if (!get(r->f_, fields, sizeof(fields)))
    return base::invalid_argument(fmt::format("'{}': the header is truncated", path));
  if (fields[0] != kVersion)
    return base::invalid_argument(fmt::format("'{}': version {}, expected {}", path, fields[0], kVersion));
  KlBaseHeader& h = r->header_;
  h.n_vocab = fields[1];
  h.n_ctx = fields[2];
  h.n_chunks = fields[3];
  h.top_k = fields[4];
  h.bos_first = (fields[5] & 1u) != 0;
  if (h.n_vocab == 0 || h.n_vocab > kMaxVocab || h.n_ctx < 4 || h.n_ctx > kMaxCtx || h.top_k == 0 ||
      h.top_k > h.n_vocab || h.n_chunks == 0 || h.n_chunks > (1u << 20) ||
      static_cast<uint64_t>(fields[6]) != static_cast<uint64_t>(h.n_chunks) * h.n_ctx)
    return base::invalid_argument(fmt::format(
        "'{}': implausible header (n_vocab {}, n_ctx {}, n_chunks {}, top_k {}, n_tokens {})", path, h.n_vocab,
        h.n_ctx, h.n_chunks, h.top_k, fields[6]));
  // The file must hold exactly the header, the tokens and every record.
  uint64_t records = 0, record_bytes = 0, want = 0;
  const bool overflow = __builtin_mul_overflow(uint64_t{h.n_chunks}, uint64_t{h.scored_per_chunk()}, &records) ||
                        __builtin_mul_overflow(records, 8ull + 8ull * h.top_k, &record_bytes) ||
                        __builtin_add_overflow(record_bytes, 8 + sizeof(fields) + 4ull * fields[6], &want);
  if (overflow) return base::invalid_argument(fmt::format("'{}': the header describes an impossible size", path));
  if (std::fseek(r->f_, 0, SEEK_END) != 0) return io("cannot seek", path);
  const long size = std::ftell(r->f_);
  if (size < 0 || static_cast<uint64_t>(size) != want)
    return base::invalid_argument(fmt::format("'{}' has {} bytes, expected {} for its header", path, size, want));
  if (std::fseek(r->f_, 8 + sizeof(fields), SEEK_SET) != 0) return io("cannot seek", path);
  h.tokens.resize(fields[6]);
  if (!get(r->f_, h.tokens.data(), 4ull * fields[6])) return io("cannot read", path);
  for (int32_t t : h.tokens)
    if (t < 0 || static_cast<uint32_t>(t) >= h.n_vocab)
      return base::invalid_argument(fmt::format("'{}': token id {} outside 0..{}", path, t, h.n_vocab - 1));
  return r;
}

KlBaseReader::~KlBaseReader() {
  if (f_ != nullptr) std::fclose(f_);
}

Status KlBaseReader::read(KlBaseRecord* r) {
  const uint32_t k = header_.top_k;
  r->ids.resize(k);
  r->logprobs.resize(k);
  if (!get(f_, &r->logprob_next, 4) || !get(f_, &r->logprob_rest, 4) || !get(f_, r->ids.data(), 4 * k) ||
      !get(f_, r->logprobs.data(), 4 * k))
    return base::invalid_argument(fmt::format("'{}': a record is truncated", path_));
  for (int32_t id : r->ids)
    if (id < 0 || static_cast<uint32_t>(id) >= header_.n_vocab)
      return base::invalid_argument(fmt::format("'{}': token id {} outside 0..{}", path_, id, header_.n_vocab - 1));
  return base::ok_status();
}

}  // namespace osprey::runtime
