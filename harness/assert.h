// Always-on assertions for engine invariants.
//
// FL_CHECK(cond) is never compiled out: a broken invariant in a model checker
// silently turns into a wrong verdict, which is worse than stopping. A failed
// check prints one line naming the place and exits with code 3 ("internal
// error" in the CLI contract), never with a stack trace. Bad user input must be
// rejected with absl::Status before it can reach an FL_CHECK.
#ifndef FAULTLINE_HARNESS_ASSERT_H_
#define FAULTLINE_HARNESS_ASSERT_H_

#include <cstdio>
#include <cstdlib>

namespace faultline::internal {
[[noreturn]] inline void CheckFailed(const char* file, int line,
                                     const char* cond) {
  std::fprintf(stderr, "faultline: internal error: %s:%d: check failed: %s\n",
               file, line, cond);
  std::fflush(stderr);
  std::_Exit(3);
}
}  // namespace faultline::internal

#define FL_CHECK(cond)                                                   \
  do {                                                                   \
    if (!(cond)) ::faultline::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (0)

// Abseil 20220623 has no ABSL_RETURN_IF_ERROR; these are the usual two.
#define FL_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::absl::Status fl_status_ = (expr);          \
    if (!fl_status_.ok()) return fl_status_;     \
  } while (0)

#define FL_CONCAT_INNER(a, b) a##b
#define FL_CONCAT(a, b) FL_CONCAT_INNER(a, b)
#define FL_ASSIGN_OR_RETURN(lhs, expr) \
  FL_ASSIGN_OR_RETURN_IMPL(FL_CONCAT(fl_or_, __LINE__), lhs, expr)
#define FL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#endif  // FAULTLINE_HARNESS_ASSERT_H_
