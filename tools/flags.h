// A small command-line flag parser shared by the osprey subcommands.
//
// Flags are registered with their names ("-m,--model"), a destination, a help line and optionally
// an environment variable (OSPREY_*) that supplies the value when the flag is not on the command
// line. Values are given as "--flag value" or "--flag=value". Unknown flags and malformed values
// are errors naming the flag; "-h"/"--help" asks for help().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/base/status.h"

namespace osprey::tools {

class Flags {
 public:
  // `usage` is the first help line ("usage: osprey run -m MODEL [options]"); `about` follows it.
  Flags(std::string usage, std::string about);

  void add_string(const std::string& names, std::string* out, const std::string& help, const std::string& env = "");
  void add_int(const std::string& names, int* out, const std::string& help, const std::string& env = "");
  void add_u64(const std::string& names, uint64_t* out, const std::string& help, const std::string& env = "");
  void add_float(const std::string& names, float* out, const std::string& help, const std::string& env = "");
  // A switch: present means true ("--flag=false" also works).
  void add_bool(const std::string& names, bool* out, const std::string& help, const std::string& env = "");
  // A repeatable string: every occurrence appends (the variable gives a comma-separated list).
  void add_string_list(const std::string& names, std::vector<std::string>* out, const std::string& help,
                       const std::string& env = "");
  // A string restricted to `choices`.
  void add_choice(const std::string& names, std::string* out, std::vector<std::string> choices,
                  const std::string& help, const std::string& env = "");

  // Parses argv[1..argc) (argv[0] is the command name). Arguments that are not flags are collected
  // in positional(); a lone "--" ends the flags.
  Status parse(int argc, char** argv);
  bool help_requested() const { return help_requested_; }
  const std::vector<std::string>& positional() const { return positional_; }
  // Whether the flag (any of its names) was given on the command line or through its variable.
  bool was_set(const std::string& name) const;
  // Every flag with its names, value kind, default, environment variable and help.
  std::string help() const;

 private:
  struct Flag {
    std::vector<std::string> names;
    std::string kind;         // "" for switches, else "N", "X", "S" ...
    std::string help;
    std::string env;
    std::string default_text;
    bool is_switch = false;
    bool set = false;
    std::function<Status(const std::string& flag, const std::string& value)> assign;
  };
  void add(const std::string& names, std::string kind, const std::string& help, const std::string& env,
           std::string default_text, bool is_switch,
           std::function<Status(const std::string&, const std::string&)> assign);
  Flag* find(const std::string& name);

  std::string usage_;
  std::string about_;
  std::vector<Flag> flags_;
  std::vector<std::string> positional_;
  bool help_requested_ = false;
};

}  // namespace osprey::tools
