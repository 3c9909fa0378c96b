// Parameterized tests over every registered model: the entry names and a
// gtest-safe test name for each ("paxos:no-quorum" -> "paxos_no_quorum").
#ifndef FAULTLINE_TESTS_REGISTRY_PARAMS_H_
#define FAULTLINE_TESTS_REGISTRY_PARAMS_H_

#include <cctype>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/registry.h"

namespace faultline {

inline std::vector<std::string> EntryNames() {
  std::vector<std::string> names;
  for (const Entry& e : Registry()) names.push_back(e.name);
  return names;
}

inline std::string EntryTestName(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

}  // namespace faultline

#endif  // FAULTLINE_TESTS_REGISTRY_PARAMS_H_
