// PCRE2-backed regex splitting.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "src/tokenizer/pretokenizer.h"

#include <fmt/format.h>
#include <pcre2.h>

#include "src/tokenizer/utf8.h"

namespace osprey::tokenizer {

struct PreTokenizer::Regex {
  pcre2_code* code = nullptr;
  ~Regex() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer() = default;
PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

Result<PreTokenizer> PreTokenizer::create(const std::vector<std::string>& regexes) {
  PreTokenizer p;
  for (const std::string& pattern : regexes) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    auto r = std::make_unique<Regex>();
    r->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                            PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY, &err,
                            &offset, nullptr);
    if (r->code == nullptr) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof(msg));
      return base::invalid_argument(fmt::format("pre-tokenizer regex '{}': PCRE2 error at offset {}: {}",
                                                pattern, offset, reinterpret_cast<const char*>(msg)));
    }
    // JIT is an optimization: when it is unavailable the interpreter gives the same matches.
    (void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
    p.regexes_.push_back(std::move(r));
  }
  return p;
}

namespace {

// Holds the per-call match state (match data, JIT stack), so a const PreTokenizer is thread-safe.
class MatchState {
 public:
  MatchState() {
    md_ = pcre2_match_data_create(4, nullptr);
    ctx_ = pcre2_match_context_create(nullptr);
  }
  ~MatchState() {
    pcre2_jit_stack_free(stack_);
    pcre2_match_context_free(ctx_);
    pcre2_match_data_free(md_);
  }
  MatchState(const MatchState&) = delete;
  MatchState& operator=(const MatchState&) = delete;

  bool ok() const { return md_ != nullptr; }
  // Finds the next match in s at or after `start`; false when there is none (or on a match error).
  bool next(const pcre2_code* code, std::string_view s, size_t start, size_t& ms, size_t& me) {
    int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), start, 0, md_, ctx_);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT && stack_ == nullptr && ctx_ != nullptr) {
      // The default 32 KiB JIT stack suits almost all text; deep backtracking gets a larger one.
      stack_ = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
      if (stack_ != nullptr) {
        pcre2_jit_stack_assign(ctx_, nullptr, stack_);
        rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), start, 0, md_, ctx_);
      }
    }
    if (rc < 0) return false;
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md_);
    ms = ov[0];
    me = ov[1];
    return ms <= me && me <= s.size() && ms >= start;
  }

 private:
  pcre2_match_data* md_ = nullptr;
  pcre2_match_context* ctx_ = nullptr;
  pcre2_jit_stack* stack_ = nullptr;
};

// Cuts one piece with one regex into matches and gaps.
void split_one(const pcre2_code* code, MatchState& st, std::string_view s, std::vector<std::string_view>& out) {
  size_t start = 0, last = 0, ms = 0, me = 0;
  while (start < s.size() && st.next(code, s, start, ms, me)) {
    if (ms > last) out.push_back(s.substr(last, ms - last));
    if (me > ms) {
      out.push_back(s.substr(ms, me - ms));
      last = start = me;
    } else {
      start = ms + utf8_char_len(s.substr(ms));  // an empty match: step over one character
    }
  }
  if (last < s.size()) out.push_back(s.substr(last));
}

}  // namespace

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& out) const {
  if (text.empty()) return;
  if (regexes_.empty()) {
    out.push_back(text);
    return;
  }
  std::vector<std::string_view> cur{text}, next;
  for (size_t i = 0; i < regexes_.size(); ++i) {
    MatchState st;
    if (!st.ok()) continue;  // out of memory for match data: leave the pieces as they are
    std::vector<std::string_view>& dst = i + 1 == regexes_.size() ? out : next;
    if (&dst == &next) next.clear();
    for (std::string_view piece : cur) split_one(regexes_[i]->code, st, piece, dst);
    if (&dst == &next) cur.swap(next);
  }
}

}  // namespace osprey::tokenizer
