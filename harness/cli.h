// The `faultline` command line: list, check, simulate, replay, show.
//
// Exit codes: 0 no violation, 1 violation (or a vacuous model), 2 bad usage
// or bad input, 3 internal error or nondeterminism detected.
#ifndef FAULTLINE_HARNESS_CLI_H_
#define FAULTLINE_HARNESS_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace faultline {

inline constexpr int kExitOk = 0;
inline constexpr int kExitViolation = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 3;

// Runs one command; `args` excludes the program name.
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_CLI_H_
