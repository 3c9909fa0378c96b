// Properties over the history of observations (Out::Observe) of a world.
//
// Observations are what a protocol outputs: decisions, deliveries, replies.
// Checking them, rather than node state, keeps a decision made by a node that
// later crashed.
#ifndef FAULTLINE_PROPERTIES_HISTORY_H_
#define FAULTLINE_PROPERTIES_HISTORY_H_

#include <algorithm>
#include <functional>
#include <string>

#include "harness/model.h"
#include "harness/world.h"

namespace faultline {

// Always: every observation carries the same value (agreement).
template <typename P>
Property<World<P>> ObservationsAgree(std::string name) {
  return Always<World<P>>(std::move(name), [](const World<P>& w) {
    const auto& h = w.history;
    return std::all_of(h.begin(), h.end(),
                       [&](const auto& o) { return o.value == h[0].value; });
  });
}

// Always: every observation satisfies `ok` (validity, integrity).
template <typename P>
Property<World<P>> EveryObservation(
    std::string name,
    std::function<bool(const World<P>&, const typename P::Obs&)> ok) {
  return Always<World<P>>(std::move(name), [ok](const World<P>& w) {
    return std::all_of(w.history.begin(), w.history.end(),
                       [&](const auto& o) { return ok(w, o.value); });
  });
}

// Sometimes: at least `count` observations have been made.
template <typename P>
Property<World<P>> SometimesObserved(std::string name, size_t count) {
  return Sometimes<World<P>>(std::move(name), [count](const World<P>& w) {
    return w.history.size() >= count;
  });
}

}  // namespace faultline

#endif  // FAULTLINE_PROPERTIES_HISTORY_H_
