#include "harness/trace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/assert.h"
#include "harness/stable_hash.h"

namespace faultline {
namespace {

constexpr int64_t kTraceBytesMax = int64_t{256} << 20;
constexpr int64_t kStepsMax = 10'000'000;

std::string Hex(uint64_t v) { return absl::StrFormat("%016x", v); }

std::string OneLine(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

uint64_t Checksum(absl::string_view body) { return StableHash(body); }

absl::Status Bad(int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
}

bool ParseHex(absl::string_view s, uint64_t* out) {
  return s.size() == 16 && absl::SimpleHexAtoi(s, out);
}

// Reads "KEY VALUE" from `line`; the value is the rest of the line.
bool Field(absl::string_view line, absl::string_view key, std::string* value) {
  if (!absl::ConsumePrefix(&line, key) || !absl::ConsumePrefix(&line, " ")) {
    return false;
  }
  *value = std::string(line);
  return true;
}

absl::Status ParseStep(absl::string_view line, int number, TraceStep* step) {
  // step N choice C digest D EVENT…
  std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(' ', 6));
  int64_t n = 0;
  if (f.size() != 7 || f[0] != "step" || f[2] != "choice" ||
      f[4] != "digest" || !absl::SimpleAtoi(f[1], &n) ||
      !absl::SimpleAtoi(f[3], &step->choice) ||
      !ParseHex(f[5], &step->digest) || f[6].empty()) {
    return Bad(number, "expected 'step N choice C digest HEX EVENT'");
  }
  step->event = std::string(f[6]);
  return absl::OkStatus();
}

// "NAME (bounded: B steps after heal at step H)": a bounded-liveness miss.
std::string PropertyLine(const Trace& t) {
  if (!t.bounded()) return OneLine(t.property);
  return absl::StrCat(OneLine(t.property), " (bounded: ", t.liveness_steps,
                      " steps after heal at step ", t.heal_step, ")");
}

absl::Status ParseProperty(Trace& t) {
  const size_t at = t.property.find(" (bounded: ");
  if (at == std::string::npos) return absl::OkStatus();
  absl::string_view rest = absl::string_view(t.property).substr(at + 11);
  std::vector<absl::string_view> f = absl::StrSplit(rest, ' ');
  if (f.size() != 7 || f[1] != "steps" || f[2] != "after" || f[3] != "heal" ||
      f[4] != "at" || f[5] != "step" || !absl::ConsumeSuffix(&f[6], ")") ||
      !absl::SimpleAtoi(f[0], &t.liveness_steps) || t.liveness_steps < 1 ||
      !absl::SimpleAtoi(f[6], &t.heal_step) || t.heal_step < 0) {
    return Bad(4, "expected 'property NAME (bounded: B steps after heal at step H)'"
                  " with B >= 1 and H >= 0");
  }
  t.property.resize(at);
  return absl::OkStatus();
}

}  // namespace

std::string FormatTrace(const Trace& t) {
  std::string body = absl::StrCat(
      "faultline-trace ", kTraceVersion, "\n", "protocol ", OneLine(t.protocol),
      "\n", "config ", OneLine(t.config), "\n", "property ",
      PropertyLine(t), "\n", "found-by ", OneLine(t.found_by), "\n",
      "init ", t.init, " digest ", Hex(t.init_digest), "\n", "steps ",
      t.steps.size(), "\n");
  if (t.loop_start == Trace::kStops) absl::StrAppend(&body, "loop stops\n");
  if (t.loop_start >= 0) absl::StrAppend(&body, "loop ", t.loop_start, "\n");
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const TraceStep& s = t.steps[i];
    absl::StrAppend(&body, "step ", i + 1, " choice ", s.choice, " digest ",
                    Hex(s.digest), " ", OneLine(s.event), "\n");
  }
  return absl::StrCat(body, "end ", Hex(Checksum(body)), "\n");
}

absl::StatusOr<Trace> ParseTrace(absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.empty() || !absl::StartsWith(lines[0], "faultline-trace ")) {
    return absl::InvalidArgumentError(
        "not a faultline trace (the first line must be 'faultline-trace 1')");
  }
  int version = 0;
  if (!absl::SimpleAtoi(lines[0].substr(16), &version)) {
    return Bad(1, absl::StrCat("unreadable format version '",
                               OneLine(lines[0].substr(16, 40)),
                               "' (this faultline reads version ",
                               kTraceVersion, ")"));
  }
  if (version != kTraceVersion) {
    // Never guess at another version's layout: say which way to go.
    return absl::InvalidArgumentError(absl::StrCat(
        "trace format version ", version, " is not readable by this faultline "
        "(it reads version ", kTraceVersion, "): ",
        version < kTraceVersion
            ? "the trace is older; re-record the counterexample with this "
              "faultline's check or simulate"
            : "the trace is newer; replay it with the faultline that wrote it "
              "or upgrade"));
  }
  Trace t;
  std::string init_line, steps_line;
  const bool header = lines.size() > 7 && Field(lines[1], "protocol", &t.protocol) &&
                      Field(lines[2], "config", &t.config) &&
                      Field(lines[3], "property", &t.property) &&
                      Field(lines[4], "found-by", &t.found_by) &&
                      Field(lines[5], "init", &init_line) &&
                      Field(lines[6], "steps", &steps_line);
  if (!header) {
    return absl::InvalidArgumentError(
        "trace is truncated or malformed: the header needs protocol, config, "
        "property, found-by, init and steps lines");
  }
  FL_RETURN_IF_ERROR(ParseProperty(t));
  std::vector<absl::string_view> init = absl::StrSplit(init_line, ' ');
  int64_t step_count = 0;
  if (init.size() != 3 || init[1] != "digest" ||
      !absl::SimpleAtoi(init[0], &t.init) || t.init < 0 ||
      !ParseHex(init[2], &t.init_digest)) {
    return Bad(6, "expected 'init N digest HEX'");
  }
  if (!absl::SimpleAtoi(steps_line, &step_count) || step_count < 0 ||
      step_count > kStepsMax) {
    return Bad(7, "expected 'steps N' with 0 <= N <= 10000000");
  }
  size_t first_step = 7;
  std::string loop;
  if (lines.size() > 7 && Field(lines[7], "loop", &loop)) {
    first_step = 8;
    if (loop == "stops") {
      t.loop_start = Trace::kStops;
    } else if (!absl::SimpleAtoi(loop, &t.loop_start) || t.loop_start < 0 ||
               t.loop_start > step_count) {
      return Bad(8, "expected 'loop stops' or 'loop K' with 0 <= K <= steps");
    }
  }
  if (t.bounded() && (t.heal_step > step_count || t.loop_start != Trace::kSafety)) {
    return Bad(4, "a bounded-liveness trace heals at a step it has and has no loop line");
  }
  const size_t end_line = first_step + static_cast<size_t>(step_count);
  if (lines.size() < end_line + 2 || !absl::StartsWith(lines[end_line], "end ")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "trace is truncated: it announces ", step_count,
        " steps but does not end with them and an 'end' line"));
  }
  uint64_t checksum = 0;
  if (!ParseHex(lines[end_line].substr(4), &checksum)) {
    return Bad(static_cast<int>(end_line + 1), "expected 'end HEX'");
  }
  const size_t body_size = lines[end_line].data() - text.data();
  if (checksum != Checksum(text.substr(0, body_size))) {
    return absl::InvalidArgumentError(
        "trace has been modified or corrupted: its checksum does not match "
        "its contents");
  }
  for (size_t i = first_step; i < end_line; ++i) {
    TraceStep step;
    FL_RETURN_IF_ERROR(ParseStep(lines[i], static_cast<int>(i + 1), &step));
    t.steps.push_back(std::move(step));
  }
  for (size_t i = end_line + 1; i < lines.size(); ++i) {
    if (!lines[i].empty()) return Bad(static_cast<int>(i + 1), "text after 'end'");
  }
  return t;
}

absl::StatusOr<Trace> ReadTraceFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  if (st.st_size > kTraceBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": too large for a trace (over 256 MiB)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<Trace> trace = ParseTrace(buffer.str());
  if (!trace.ok()) {
    return absl::Status(trace.status().code(),
                        absl::StrCat(path, ": ", trace.status().message()));
  }
  return trace;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  }
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n =
        write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      close(fd);
      unlink(tmp.c_str());
      return absl::InternalError(absl::StrCat("cannot write ", tmp, ": ", reason));
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", reason));
  }
  return absl::OkStatus();
}

std::string UnusedPath(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return path;
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  const bool has_ext = dot != std::string::npos &&
                       (slash == std::string::npos || dot > slash);
  const std::string stem = has_ext ? path.substr(0, dot) : path;
  const std::string ext = has_ext ? path.substr(dot) : "";
  for (int i = 2;; ++i) {
    std::string candidate = absl::StrCat(stem, "-", i, ext);
    if (stat(candidate.c_str(), &st) != 0) return candidate;
  }
}

}  // namespace faultline
