#include "tools/flags.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace osprey::tools {

namespace {

std::vector<std::string> split_names(const std::string& names) {
  std::vector<std::string> out;
  std::stringstream ss(names);
  std::string n;
  while (std::getline(ss, n, ',')) out.push_back(n);
  return out;
}

Status bad_value(const std::string& flag, const std::string& value, const char* expected) {
  return base::invalid_argument(fmt::format("{}: expected {}, got '{}'", flag, expected, value));
}

std::string float_text(float v) { return fmt::format("{}", v); }

}  // namespace

Flags::Flags(std::string usage, std::string about) : usage_(std::move(usage)), about_(std::move(about)) {}

void Flags::add(const std::string& names, std::string kind, const std::string& help, const std::string& env,
                std::string default_text, bool is_switch,
                std::function<Status(const std::string&, const std::string&)> assign) {
  Flag f;
  f.names = split_names(names);
  f.kind = std::move(kind);
  f.help = help;
  f.env = env;
  f.default_text = std::move(default_text);
  f.is_switch = is_switch;
  f.assign = std::move(assign);
  flags_.push_back(std::move(f));
}

void Flags::add_string(const std::string& names, std::string* out, const std::string& help, const std::string& env) {
  add(names, "S", help, env, out->empty() ? "" : *out, false, [out](const std::string&, const std::string& v) {
    *out = v;
    return base::ok_status();
  });
}

void Flags::add_string_list(const std::string& names, std::vector<std::string>* out, const std::string& help,
                            const std::string& env) {
  add(names, "S", help + " (repeatable)", env, "", false, [out, env](const std::string& flag, const std::string& v) {
    if (!env.empty() && flag == env) {
      for (const auto& item : split_names(v))
        if (!item.empty()) out->push_back(item);
    } else {
      out->push_back(v);
    }
    return base::ok_status();
  });
}

void Flags::add_int(const std::string& names, int* out, const std::string& help, const std::string& env) {
  add(names, "N", help, env, std::to_string(*out), false, [out](const std::string& flag, const std::string& v) {
    char* end = nullptr;
    errno = 0;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno != 0 || x < INT32_MIN || x > INT32_MAX)
      return bad_value(flag, v, "an integer");
    *out = static_cast<int>(x);
    return base::ok_status();
  });
}

void Flags::add_u64(const std::string& names, uint64_t* out, const std::string& help, const std::string& env) {
  add(names, "N", help, env, std::to_string(*out), false, [out](const std::string& flag, const std::string& v) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || v[0] == '-' || *end != '\0' || errno != 0) return bad_value(flag, v, "a non-negative integer");
    *out = x;
    return base::ok_status();
  });
}

void Flags::add_float(const std::string& names, float* out, const std::string& help, const std::string& env) {
  add(names, "X", help, env, float_text(*out), false, [out](const std::string& flag, const std::string& v) {
    char* end = nullptr;
    errno = 0;
    const float x = std::strtof(v.c_str(), &end);
    if (v.empty() || *end != '\0' || errno != 0 || !std::isfinite(x)) return bad_value(flag, v, "a number");
    *out = x;
    return base::ok_status();
  });
}

void Flags::add_bool(const std::string& names, bool* out, const std::string& help, const std::string& env) {
  add(names, "", help, env, *out ? "true" : "", true, [out](const std::string& flag, const std::string& v) {
    if (v.empty() || v == "1" || v == "true") *out = true;
    else if (v == "0" || v == "false") *out = false;
    else return bad_value(flag, v, "true or false");
    return base::ok_status();
  });
}

void Flags::add_choice(const std::string& names, std::string* out, std::vector<std::string> choices,
                       const std::string& help, const std::string& env) {
  std::string kind;
  for (const auto& c : choices) kind += (kind.empty() ? "" : "|") + c;
  add(names, kind, help, env, *out, false,
      [out, choices, kind](const std::string& flag, const std::string& v) {
        for (const auto& c : choices)
          if (v == c) {
            *out = v;
            return base::ok_status();
          }
        return base::invalid_argument(fmt::format("{}: expected one of {}, got '{}'", flag, kind, v));
      });
}

Flags::Flag* Flags::find(const std::string& name) {
  for (auto& f : flags_)
    for (const auto& n : f.names)
      if (n == name) return &f;
  return nullptr;
}

bool Flags::was_set(const std::string& name) const {
  for (const auto& f : flags_)
    for (const auto& n : f.names)
      if (n == name) return f.set;
  return false;
}

Status Flags::parse(int argc, char** argv) {
  for (auto& f : flags_) {  // environment first; the command line overrides it
    if (f.env.empty()) continue;
    const char* v = std::getenv(f.env.c_str());
    if (v == nullptr) continue;
    Status s = f.assign(f.env, v);
    if (!s.ok()) return s;
    f.set = true;
  }
  bool flags_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9')) {
      positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      help_requested_ = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    Flag* f = find(arg);
    if (f == nullptr)
      return base::invalid_argument(fmt::format("unknown flag '{}' (see --help)", arg));
    if (!f->is_switch && !has_value) {
      if (i + 1 >= argc) return base::invalid_argument(fmt::format("{} expects a value", arg));
      value = argv[++i];
    }
    Status s = f->assign(arg, value);
    if (!s.ok()) return s;
    f->set = true;
  }
  return base::ok_status();
}

std::string Flags::help() const {
  std::string out = usage_ + "\n";
  if (!about_.empty()) out += "\n" + about_ + "\n";
  out += "\noptions:\n";
  for (const auto& f : flags_) {
    std::string left;
    for (const auto& n : f.names) left += (left.empty() ? "" : ", ") + n;
    if (!f.kind.empty()) left += " " + f.kind;
    std::string right = f.help;
    if (!f.default_text.empty()) right += fmt::format(" (default: {})", f.default_text);
    if (!f.env.empty()) right += fmt::format(" [env {}]", f.env);
    out += fmt::format("  {:<28} {}\n", left, right);
  }
  out += fmt::format("  {:<28} {}\n", "-h, --help", "show this help");
  return out;
}

}  // namespace osprey::tools
