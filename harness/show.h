// Show(x): the one-line text of a protocol value in traces and `show`.
// Integers print as numbers; any type with `std::string ToString() const`
// prints as that. Protocols give their Node, Msg, Op and Obs a ToString.
#ifndef FAULTLINE_HARNESS_SHOW_H_
#define FAULTLINE_HARNESS_SHOW_H_

#include <concepts>
#include <string>

namespace faultline {

template <typename T>
std::string Show(const T& value) {
  if constexpr (std::integral<T>) {
    return std::to_string(value);
  } else {
    return value.ToString();
  }
}

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_SHOW_H_
