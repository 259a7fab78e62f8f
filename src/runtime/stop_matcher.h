// Stop strings over streamed text: finds a stop string split across any number of pieces and
// releases only text that can no longer be the start of one, so a stream never shows a partial
// stop string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace osprey::runtime {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops = {});

  struct Out {
    std::string text;      // safe to release now
    bool matched = false;  // a stop string ended the text; nothing after it is released
    std::string word;      // the stop string that matched
  };
  // Adds generated text. After a match, further pushes return nothing.
  Out push(std::string_view text);
  // The held-back tail, for when generation ends without a match.
  std::string flush();
  size_t held_bytes() const { return pending_.size(); }

 private:
  std::vector<std::string> stops_;  // non-empty strings only
  std::string pending_;
  bool matched_ = false;
};

}  // namespace osprey::runtime
