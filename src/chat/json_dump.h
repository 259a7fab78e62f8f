// Python json.dumps on template values, as Hugging Face's tojson filter calls it.
#pragma once

#include <optional>
#include <string>

#include "src/base/status.h"
#include "src/chat/value.h"

namespace osprey::chat {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // present: one item per line, this string per level
  std::string item_sep = ", ";
  std::string key_sep = ": ";
  bool sort_keys = false;
};

// Appends the JSON text of v to out; fails on values JSON cannot hold (Undefined, namespace,
// non-scalar keys) or when out would grow past max_bytes.
Status py_json_dumps(const Value& v, const JsonDumpOptions& opts, size_t max_bytes,
                     std::string& out);

}  // namespace osprey::chat
