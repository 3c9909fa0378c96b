#include <iostream>
#include <string>
#include <vector>

#include "harness/cli.h"
#include "harness/huge_pages.h"

int main(int argc, char** argv) {
  faultline::RunWithHugePages(argv);
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return faultline::RunCli(args, std::cout, std::cerr);
}
