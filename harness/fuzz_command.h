// `faultline fuzz NAME [--seconds S] [--seed N] [-o FILE] [--trace-dir DIR]
// [--fuzzer PATH] [world and protocol options]`.
//
// Coverage-guided fuzzing of a registered protocol. The libFuzzer engine runs
// in a separate binary, fuzz_tape (fuzz/fuzz_tape.cc, built with
// -fsanitize=fuzzer beside `faultline`), which this command executes with
// fork/exec: linking libFuzzer into `faultline` itself would give the CLI
// libFuzzer's main and signal handlers. The input bytes are the decision
// tape; a crashing input (a violated Always property) is read back, re-run
// here through the same Explore(kBytes) path and written as an ordinary trace
// that `replay` and `show` read.
//
// Where the fuzzer is: --fuzzer PATH, else $FAULTLINE_FUZZ_BIN, else
// fuzz_tape in the directory of the running `faultline`.
#ifndef FAULTLINE_HARNESS_FUZZ_COMMAND_H_
#define FAULTLINE_HARNESS_FUZZ_COMMAND_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/checker.h"
#include "harness/trace.h"

namespace faultline {

int RunFuzz(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err);

// The run a fuzzer input encodes (Strategy::kBytes), as a trace if it
// violates an Always property; an error otherwise.
absl::StatusOr<Trace> TraceFromFuzzInput(const Checker& checker,
                                         const Limits& limits,
                                         const std::vector<uint8_t>& bytes);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_FUZZ_COMMAND_H_
