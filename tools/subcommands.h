// The list of osprey subcommands. Each entry point takes argv with argv[0] = the command name.
#pragma once

#include <vector>

namespace osprey::tools {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*main)(int argc, char** argv);
};

const std::vector<Subcommand>& subcommands();

}  // namespace osprey::tools
