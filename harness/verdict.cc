#include "harness/verdict.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace faultline {

namespace {

// Why a run without a violation is not complete.
std::string Shortfall(const Outcome& o) {
  if (o.lossy && o.stop == Stop::kComplete && !o.depth_cut) {
    return absl::StrCat(
        "lossy: the visited set became a bitstate array at ", o.lossy_since_states,
        " states to stay within the memory bound; states may have been missed; "
        "no violation among those explored");
  }
  std::string s = absl::StrCat(
      "stopped by ", o.stop == Stop::kComplete ? "depth_max" : StopName(o.stop));
  if (!o.note.empty()) absl::StrAppend(&s, " (", o.note, ")");
  if (o.lossy) absl::StrAppend(&s, "; lossy since ", o.lossy_since_states, " states");
  absl::StrAppend(&s, "; no violation within these bounds");
  return s;
}

}  // namespace

// Pass only when every reachable state was seen and no Sometimes is missing.
Verdict Judge(const Checker& checker, const Outcome& o) {
  const std::vector<PropertyInfo> props = checker.Properties();
  std::vector<std::string> unreached;
  for (size_t i = 0; i < props.size(); ++i) {
    if (props[i].kind == PropertyKind::kSometimes && !o.sometimes_reached[i]) {
      unreached.push_back(props[i].name);
    }
  }
  std::vector<std::string> unchecked;
  for (size_t i = 0; i < props.size(); ++i) {
    const PropertyInfo& p = props[i];
    if (p.kind == PropertyKind::kEventually && !o.liveness_checked &&
        (o.properties_off >> i & 1) == 0) {
      unchecked.push_back(p.name);
    }
  }
  Verdict s;
  if (o.stop == Stop::kViolation && o.heal_step >= 0) {
    s.name = kBoundedLivenessVerdict;
    s.property = props[o.violated].name;
    s.exit_code = 1;
    s.detail = absl::StrCat("not reached within ", o.liveness_steps,
                            " steps after the heal at step ", o.heal_step,
                            " (or the run stopped first); ");
    return s;
  }
  if (o.stop == Stop::kViolation) {
    s.name = "violation";
    s.property = props[o.violated].name;
    s.exit_code = 1;
    if (o.loop_start >= 0) {
      s.detail = absl::StrCat("a fair run loops forever (from step ", o.loop_start,
                              ") without reaching the goal; ");
    } else if (o.loop_start == -1) {
      s.detail = "a fair run stops without reaching the goal; ";
    }
    return s;
  }
  // A lossy visited set may have skipped states: never complete.
  const bool complete = o.stop == Stop::kComplete && !o.depth_cut && !o.lossy;
  if (complete && !unreached.empty()) {
    s.name = "vacuous";
    s.property = absl::StrJoin(unreached, ",");
    s.detail = absl::StrCat("every reachable state was explored and sometimes(",
                            s.property, ") never held: the model does nothing");
    s.exit_code = 1;
    return s;
  }
  if (complete && !unchecked.empty()) {
    s.name = "bounds-exhausted";
    s.detail = absl::StrCat("safety checked on every reachable state; liveness (",
                            absl::StrJoin(unchecked, ","),
                            ") is checked only by exhaustive search (bfs, dfs)");
    return s;
  }
  s.name = complete ? "pass" : "bounds-exhausted";
  s.detail = complete ? "every reachable state explored" : Shortfall(o);
  if (o.liveness_steps > 0) {
    absl::StrAppend(&s.detail, "; every run met its owed goals (",
                    absl::StrJoin(unchecked, ","), ") within ", o.liveness_steps,
                    " steps after the heal (bounded liveness, not a proof)");
  } else if (!complete && !unchecked.empty()) {
    absl::StrAppend(&s.detail, "; liveness (", absl::StrJoin(unchecked, ","),
                    ") needs a complete search and was not checked");
  }
  if (!complete && !unreached.empty()) {
    absl::StrAppend(&s.detail, "; sometimes(", absl::StrJoin(unreached, ","),
                    ") not reached");
  }
  return s;
}

}  // namespace faultline
