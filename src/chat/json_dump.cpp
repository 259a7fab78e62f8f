#include "src/chat/json_dump.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out.push_back('"');
  char buf[16];
  size_t pos = 0;
  while (pos < s.size()) {
    size_t len = 1;
    const uint32_t cp = decode_utf8(s, pos, &len);
    switch (cp) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (cp < 0x20 || (ensure_ascii && cp > 0x7E)) {
          if (cp >= 0x10000 && !(cp >= 0xDC80 && cp <= 0xDCFF)) {
            const uint32_t v = cp - 0x10000;
            std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", 0xD800 + (v >> 10),
                          0xDC00 + (v & 0x3FF));
          } else {
            std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
          }
          out += buf;
        } else {
          out.append(s.substr(pos, len));
        }
    }
    pos += len;
  }
  out.push_back('"');
}

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return format_py_float(d);
}

Status not_serializable(const Value& v) {
  return base::invalid_argument(std::string("Object of type ") + type_name(v) +
                                " is not JSON serializable");
}

class Dumper {
 public:
  Dumper(const JsonDumpOptions& o, size_t max_bytes, std::string& out)
      : o_(o), max_(max_bytes), out_(out) {}

  Status dump(const Value& v, int level) {
    if (out_.size() > max_)
      return base::resource_exhausted("tojson output exceeds " + std::to_string(max_) + " bytes");
    if (level > 2 * kMaxNesting) return base::invalid_argument("tojson: value nested too deeply");
    switch (v.type()) {
      case ValueType::kNone:
        out_ += "null";
        return ok_status();
      case ValueType::kBool:
        out_ += v.as_bool() ? "true" : "false";
        return ok_status();
      case ValueType::kInt:
        out_ += std::to_string(v.as_int());
        return ok_status();
      case ValueType::kFloat:
        out_ += float_json(v.as_double());
        return ok_status();
      case ValueType::kString:
        append_json_string(out_, v.str(), o_.ensure_ascii);
        return ok_status();
      case ValueType::kList:
        if (v.list_kind() != ListKind::kList && v.list_kind() != ListKind::kTuple)
          return not_serializable(v);
        return dump_list(v.items(), level);
      case ValueType::kDict:
        return dump_dict(v.dict(), level);
      default:
        return not_serializable(v);
    }
  }

 private:
  void newline(int level) {
    out_.push_back('\n');
    for (int i = 0; i < level && out_.size() <= max_; ++i) out_ += *o_.indent;
  }

  Status dump_list(const List& items, int level) {
    if (items.empty()) {
      out_ += "[]";
      return ok_status();
    }
    out_.push_back('[');
    if (o_.indent) newline(level + 1);
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) {
        out_ += o_.item_sep;
        if (o_.indent) newline(level + 1);
      }
      OSP_RETURN_IF_ERROR(dump(items[i], level + 1));
    }
    if (o_.indent) newline(level);
    out_.push_back(']');
    return ok_status();
  }

  static Result<std::string> key_text(const Value& k) {
    switch (k.type()) {
      case ValueType::kString:
        return k.str();
      case ValueType::kFloat:
        return float_json(k.as_double());
      case ValueType::kBool:
        return std::string(k.as_bool() ? "true" : "false");
      case ValueType::kNone:
        return std::string("null");
      case ValueType::kInt:
        return std::to_string(k.as_int());
      default:
        return base::invalid_argument(std::string("keys must be str, int, float, bool or None, not ") +
                                      type_name(k));
    }
  }

  Status dump_dict(const Dict& d, int level) {
    if (d.empty()) {
      out_ += "{}";
      return ok_status();
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& e : d.entries()) entries.push_back(&e);
    if (o_.sort_keys) {
      Status err;
      std::stable_sort(entries.begin(), entries.end(), [&](const auto* a, const auto* b) {
        auto c = compare_values(a->first, b->first, "<");
        if (!c.ok()) {
          if (err.ok()) err = c.status();
          return false;
        }
        return c.value() < 0;
      });
      OSP_RETURN_IF_ERROR(err);
    }
    out_.push_back('{');
    if (o_.indent) newline(level + 1);
    bool first = true;
    for (const auto* e : entries) {
      if (!first) {
        out_ += o_.item_sep;
        if (o_.indent) newline(level + 1);
      }
      first = false;
      OSP_ASSIGN_OR_RETURN(std::string key, key_text(e->first));
      append_json_string(out_, key, o_.ensure_ascii);
      out_ += o_.key_sep;
      OSP_RETURN_IF_ERROR(dump(e->second, level + 1));
    }
    if (o_.indent) newline(level);
    out_.push_back('}');
    return ok_status();
  }

  const JsonDumpOptions& o_;
  size_t max_;
  std::string& out_;
};

}  // namespace

Status py_json_dumps(const Value& v, const JsonDumpOptions& opts, size_t max_bytes,
                     std::string& out) {
  Dumper d(opts, max_bytes, out);
  OSP_RETURN_IF_ERROR(d.dump(v, 0));
  if (out.size() > max_bytes)
    return base::resource_exhausted("tojson output exceeds " + std::to_string(max_bytes) + " bytes");
  return ok_status();
}

}  // namespace osprey::chat
