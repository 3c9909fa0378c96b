#include "harness/fuzz_command.h"
#include "harness/trace_commands.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "harness/assert.h"
#include "harness/cli.h"
#include "harness/registry.h"
#include "harness/verdict.h"

namespace faultline {
namespace {

struct FuzzRequest {
  const Entry* entry = nullptr;
  Config config;
  double seconds = 30;
  uint64_t seed = 1;
  std::string trace_dir = "faultline-traces";
  std::string trace_path;
  std::string fuzzer;
  bool shrink = true;  // shrink the counterexample found (--no-shrink)
};

std::string DefaultFuzzer() {
  if (const char* bin = std::getenv("FAULTLINE_FUZZ_BIN"); bin && *bin) return bin;
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "fuzz_tape";
  std::string path(self, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + "fuzz_tape";
}

absl::Status SetFuzzOption(FuzzRequest& r, const std::string& name,
                           const std::string& value) {
  if (name == "seconds") {
    if (!absl::SimpleAtod(value, &r.seconds) || !(r.seconds >= 1) || r.seconds > 1e6) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad value '", value, "' for --seconds: expected a number from 1 to 1000000"));
    }
    return absl::OkStatus();
  }
  if (name == "seed") {
    if (!absl::SimpleAtoi(value, &r.seed) || r.seed == 0 || r.seed > 0x7fffffff) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad value '", value, "' for --seed: expected an integer from 1 to 2147483647"));
    }
    return absl::OkStatus();
  }
  if (name == "trace-dir") { r.trace_dir = value; return absl::OkStatus(); }
  if (name == "o") { r.trace_path = value; return absl::OkStatus(); }
  if (name == "fuzzer") { r.fuzzer = value; return absl::OkStatus(); }
  return SetConfigValue(*r.entry, r.config, name, value);
}

absl::StatusOr<FuzzRequest> ParseFuzz(const std::vector<std::string>& args) {
  FuzzRequest r;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!absl::StartsWith(args[i], "-") || args[i] == "-") {
      positional.push_back(args[i]);
      continue;
    }
    std::string name = args[i].substr(absl::StartsWith(args[i], "--") ? 2 : 1);
    if (name == "no-shrink") {
      r.shrink = false;
      continue;
    }
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      options.emplace_back(name.substr(0, eq), name.substr(eq + 1));
      continue;
    }
    if (i + 1 == args.size()) {
      return absl::InvalidArgumentError(absl::StrCat("option --", name, " needs a value"));
    }
    options.emplace_back(name, args[++i]);
  }
  if (positional.size() != 1) {
    return absl::InvalidArgumentError("expected exactly one protocol name");
  }
  r.entry = FindEntry(positional[0]);
  if (r.entry == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown protocol '", positional[0], "' (see 'faultline list')"));
  }
  r.config = DefaultConfig(*r.entry);
  for (const auto& [name, value] : options) {
    FL_RETURN_IF_ERROR(SetFuzzOption(r, name, value));
  }
  if (r.fuzzer.empty()) r.fuzzer = DefaultFuzzer();
  if (access(r.fuzzer.c_str(), X_OK) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no fuzzer binary at '", r.fuzzer, "' (build the fuzz_tape target, or "
        "pass --fuzzer PATH)"));
  }
  return r;
}

// Runs the fuzzer to completion (or kills it at seconds + 60); its output
// goes to `log`. Returns the wait status.
absl::StatusOr<int> RunFuzzer(const FuzzRequest& r, const std::string& work,
                              const std::string& log) {
  const int64_t len_max = std::min<int64_t>(2 * r.entry->limits.depth_max + 16, 4096);
  std::vector<std::string> argv = {
      r.fuzzer, absl::StrCat("-max_total_time=", static_cast<int64_t>(r.seconds)),
      absl::StrCat("-seed=", r.seed), absl::StrCat("-artifact_prefix=", work, "/"),
      absl::StrCat("-max_len=", len_max), "-print_final_stats=1"};
  const std::string config = FormatConfig(*r.entry, r.config);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    setenv("FAULTLINE_FUZZ_PROTOCOL", r.entry->name.c_str(), 1);
    setenv("FAULTLINE_FUZZ_CONFIG", config.c_str(), 1);
    std::vector<char*> cargv;
    for (std::string& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(r.seconds + 60);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return absl::InternalError("the fuzzer did not stop at its time limit");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return status;
}

// The first crash artifact in `work`, or "".
std::string FindCrash(const std::string& work) {
  std::string found;
  if (DIR* d = opendir(work.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (absl::StartsWith(name, "crash-") && (found.empty() || name < found)) found = name;
    }
    closedir(d);
  }
  return found.empty() ? "" : absl::StrCat(work, "/", found);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t ExecutedUnits(const std::string& log) {
  const std::string text = Slurp(log);
  const size_t at = text.find("stat::number_of_executed_units:");
  int64_t n = 0;
  if (at == std::string::npos) return 0;
  const size_t start = text.find_first_of("0123456789", at);
  const size_t end = text.find_first_not_of("0123456789", start);
  if (start == std::string::npos) return 0;
  return absl::SimpleAtoi(text.substr(start, end - start), &n) ? n : 0;
}

std::string TraceFileName(const FuzzRequest& r, const std::string& property) {
  if (!r.trace_path.empty()) return r.trace_path;
  const std::string base = absl::StrReplaceAll(r.entry->name, {{":", "."}});
  return UnusedPath(absl::StrCat(r.trace_dir, "/", base, ".", property, ".trace"));
}

int Fail(std::ostream& err, absl::string_view message, int code) {
  err << "faultline: " << message << "\n";
  return code;
}

// Turns the crash input into a trace file; prints the summary's tail.
int ReportCrash(const FuzzRequest& r, const std::string& crash,
                std::string* path, std::ostream& out, std::ostream& err) {
  const std::string bytes_text = Slurp(crash);
  const std::vector<uint8_t> bytes(bytes_text.begin(), bytes_text.end());
  const std::unique_ptr<Checker> checker = r.entry->make(r.config);
  absl::StatusOr<Trace> trace = TraceFromFuzzInput(*checker, r.entry->limits, bytes);
  if (!trace.ok()) {
    return Fail(err, absl::StrCat("the fuzzer's crash input ", crash,
                                  " does not violate a property here: ",
                                  trace.status().message()), kExitInternal);
  }
  trace->protocol = r.entry->name;
  trace->config = FormatConfig(*r.entry, r.config);
  trace->found_by = absl::StrCat("fuzz seed=", r.seed, " input=", crash);
  if (checker->Replay(*trace, nullptr).kind != ReplayResult::Kind::kReproduced) {
    return Fail(err, "nondeterminism detected: the fuzzer's counterexample does "
                     "not replay", kExitInternal);
  }
  // Fuzzer inputs are long and noisy: shrink like the other sampling modes.
  if (r.shrink) *trace = ShrinkFoundTrace(*checker, *trace, out);
  *path = TraceFileName(r, trace->property);
  if (absl::Status st = WriteFileAtomically(*path, FormatTrace(*trace)); !st.ok()) {
    return Fail(err, st.message(), kExitUsage);
  }
  out << "found by: " << trace->found_by << "\n"
      << "verdict: violation (" << trace->property << "): " << trace->steps.size()
      << " steps\n";
  return kExitViolation;
}

}  // namespace

absl::StatusOr<Trace> TraceFromFuzzInput(const Checker& checker, const Limits& limits,
                                         const std::vector<uint8_t>& bytes) {
  ExploreOptions options;
  options.strategy = Strategy::kBytes;
  options.limits = limits;
  options.limits.runs_max = 1;
  options.bytes = std::span<const uint8_t>(bytes.data(), bytes.size());
  const Outcome o = checker.Explore(options);
  if (o.stop != Stop::kViolation) {
    return absl::NotFoundError("the run it encodes violates no Always property");
  }
  Trace trace = checker.Record(o.tape);
  trace.property = checker.Properties()[o.violated].name;
  return trace;
}

int RunFuzz(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  absl::StatusOr<FuzzRequest> parsed = ParseFuzz(args);
  if (!parsed.ok()) return Fail(err, parsed.status().message(), kExitUsage);
  const FuzzRequest& r = *parsed;
  out << "faultline fuzz " << r.entry->name << "\n"
      << absl::StrFormat("options: engine=libfuzzer fuzzer=%s seconds=%g seed=%d\n",
                         r.fuzzer, r.seconds, r.seed)
      << "config: " << FormatConfig(*r.entry, r.config) << "\n";
  out.flush();
  mkdir(r.trace_dir.c_str(), 0755);
  std::string work = absl::StrCat(r.trace_dir, "/fuzz-XXXXXX");
  if (mkdtemp(work.data()) == nullptr) {
    return Fail(err, absl::StrCat("cannot create a directory under ", r.trace_dir),
                kExitUsage);
  }
  const std::string log = work + "/fuzzer.log";
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<int> status = RunFuzzer(r, work, log);
  const double seconds = std::chrono::duration<double>(
      std::chrono::steady_clock::now() - start).count();
  if (!status.ok()) return Fail(err, status.status().message(), kExitInternal);
  const std::string crash = FindCrash(work);
  int code = kExitOk;
  std::string path;
  if (!crash.empty()) {
    code = ReportCrash(r, crash, &path, out, err);
    if (code != kExitViolation) return code;
  } else if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return Fail(err, absl::StrCat("the fuzzer failed without a crash input; see ", log),
                kExitInternal);
  } else {
    out << "verdict: bounds-exhausted: fuzzed for " << r.seconds
        << " s; no violation within these bounds\n";
  }
  out << absl::StrFormat("explored: %d fuzzer inputs, %.2f s (log %s)\n",
                         ExecutedUnits(log), seconds, log);
  if (!path.empty()) {
    out << "trace: " << path << "\nreplay: faultline replay " << path << "\n";
  }
  return code;
}

}  // namespace faultline
