// Transparent huge pages for malloc's heap, for the binaries that search.
#ifndef FAULTLINE_HARNESS_HUGE_PAGES_H_
#define FAULTLINE_HARNESS_HUGE_PAGES_H_

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace faultline {

// A search touches its frontier and visited set once per page as they grow;
// with 4 KiB pages the faults were about a tenth of `faultline check
// two-phase-commit --nodes 4` (12,235 of them; about 1,100 with huge pages).
// glibc reads its tunables only at start-up, so the program runs itself
// again, once, with glibc.malloc.hugetlb=1 set. A GLIBC_TUNABLES that already
// names that tunable (e.g. `glibc.malloc.hugetlb=0`) is left alone; if the
// exec fails, the program goes on as it is. Call first thing in main().
inline void RunWithHugePages(char** argv) {
  constexpr char kName[] = "GLIBC_TUNABLES";
  constexpr char kTunable[] = "glibc.malloc.hugetlb=1";
  const char* old = std::getenv(kName);
  if (old != nullptr && std::strstr(old, "glibc.malloc.hugetlb") != nullptr) {
    return;
  }
  const std::string saved = old == nullptr ? "" : old;
  const std::string value = saved.empty() ? kTunable : saved + ":" + kTunable;
  if (setenv(kName, value.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  if (old == nullptr) {
    unsetenv(kName);
  } else {
    setenv(kName, saved.c_str(), 1);
  }
}

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_HUGE_PAGES_H_
