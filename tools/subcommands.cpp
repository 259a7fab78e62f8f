#include "tools/subcommands.h"

namespace osprey::tools {

// One declaration and one table row per subcommand, defined in tools/<name>.cpp. Keep alphabetical.

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> kList = {
  };
  return kList;
}

}  // namespace osprey::tools
