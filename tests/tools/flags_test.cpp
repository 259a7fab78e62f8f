#include "tools/flags.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace osprey::tools {
namespace {

Status parse(Flags& f, std::vector<std::string> args) {
  args.insert(args.begin(), "cmd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return f.parse(static_cast<int>(argv.size()), argv.data());
}

struct Opts {
  std::string model;
  int n = 16;
  float temp = 0.8f;
  uint64_t seed = 7;
  bool flag = false;
  std::string kv = "f16";
};

Flags make(Opts& o) {
  Flags f("usage: cmd [options]", "About text.");
  f.add_string("-m,--model", &o.model, "model file", "OSPREY_TEST_MODEL");
  f.add_int("-n,--n-predict", &o.n, "tokens");
  f.add_float("--temp", &o.temp, "temperature");
  f.add_u64("--seed", &o.seed, "seed");
  f.add_bool("--flag", &o.flag, "a switch");
  f.add_choice("--kv-type", &o.kv, {"f16", "f32"}, "cache type");
  return f;
}

TEST(Flags, ParsesEveryKindAndBothSpellings) {
  Opts o;
  Flags f = make(o);
  ASSERT_TRUE(parse(f, {"-m", "a.gguf", "--n-predict=5", "--temp", "-0.5", "--seed", "42", "--flag",
                        "--kv-type", "f32", "extra"}).ok());
  EXPECT_EQ(o.model, "a.gguf");
  EXPECT_EQ(o.n, 5);
  EXPECT_EQ(o.temp, -0.5f);
  EXPECT_EQ(o.seed, 42u);
  EXPECT_TRUE(o.flag);
  EXPECT_EQ(o.kv, "f32");
  EXPECT_EQ(f.positional(), std::vector<std::string>{"extra"});
  EXPECT_TRUE(f.was_set("-n"));
  EXPECT_FALSE(f.help_requested());
}

TEST(Flags, ErrorsNameTheFlag) {
  Opts o;
  Flags f = make(o);
  Status s = parse(f, {"--bogus"});
  EXPECT_NE(s.message().find("unknown flag '--bogus'"), std::string::npos) << s.message();
  s = parse(f, {"-n", "five"});
  EXPECT_NE(s.message().find("-n: expected an integer, got 'five'"), std::string::npos) << s.message();
  s = parse(f, {"--kv-type", "q4"});
  EXPECT_NE(s.message().find("--kv-type: expected one of f16|f32, got 'q4'"), std::string::npos) << s.message();
  s = parse(f, {"--temp"});
  EXPECT_NE(s.message().find("--temp expects a value"), std::string::npos) << s.message();
  s = parse(f, {"--seed", "-3"});
  EXPECT_FALSE(s.ok());
}

TEST(Flags, EnvironmentFillsUnsetFlagsAndTheCommandLineWins) {
  Opts o;
  Flags f = make(o);
  setenv("OSPREY_TEST_MODEL", "env.gguf", 1);
  ASSERT_TRUE(parse(f, {}).ok());
  EXPECT_EQ(o.model, "env.gguf");
  Opts o2;
  Flags f2 = make(o2);
  ASSERT_TRUE(parse(f2, {"-m", "cli.gguf"}).ok());
  EXPECT_EQ(o2.model, "cli.gguf");
  unsetenv("OSPREY_TEST_MODEL");
}

TEST(Flags, HelpListsEveryFlagWithDefaults) {
  Opts o;
  Flags f = make(o);
  ASSERT_TRUE(parse(f, {"--help"}).ok());
  EXPECT_TRUE(f.help_requested());
  const std::string h = f.help();
  for (const char* part : {"usage: cmd", "About text.", "-m, --model S", "[env OSPREY_TEST_MODEL]",
                           "-n, --n-predict N", "(default: 16)", "--temp X", "(default: 0.8)", "--flag ",
                           "--kv-type f16|f32", "-h, --help"})
    EXPECT_NE(h.find(part), std::string::npos) << part << "\n" << h;
}

}  // namespace
}  // namespace osprey::tools
