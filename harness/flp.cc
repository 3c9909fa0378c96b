#include "harness/flp.h"

#include "absl/strings/str_cat.h"

namespace faultline {

std::string ValenceText(Valence v, bool exact) {
  FL_CHECK(v <= kBivalent);
  static constexpr const char* kTexts[] = {"{}", "{0}", "{1}", "{0,1}"};
  return absl::StrCat(exact ? "" : ">=", kTexts[v]);
}

// The adversary's run is admissible: only deliveries (and, in models that
// have them, timers and requests) happen; no loss, duplication, crash or
// partition.
bool IsFault(const Event& e) {
  switch (e.kind) {
    case EventKind::kDeliver:
    case EventKind::kFire:
    case EventKind::kRequest:
      return false;
    default:
      return true;
  }
}

}  // namespace faultline
