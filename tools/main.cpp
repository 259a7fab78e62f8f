// osprey: one binary, many subcommands. Each subcommand lives in its own tools/<name>.cpp and is
// listed in tools/subcommands.h.
#include <cstdio>
#include <cstring>
#include <string>

#include "tools/subcommands.h"

int main(int argc, char** argv) {
  using osprey::tools::subcommands;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::printf("usage: osprey <command> [options]\n\ncommands:\n");
    for (const auto& c : subcommands()) std::printf("  %-16s %s\n", c.name, c.summary);
    std::printf("\nRun 'osprey <command> --help' for a command's options.\n");
    return argc < 2 ? 1 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("osprey 0.1.0\n");
    return 0;
  }
  for (const auto& c : subcommands())
    if (argv[1] == std::string(c.name)) return c.main(argc - 1, argv + 1);
  std::fprintf(stderr, "osprey: unknown command '%s' (run 'osprey --help' for the list)\n", argv[1]);
  return 1;
}
