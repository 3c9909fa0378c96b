// Linearizability of a concurrent history against a sequential specification
// (Herlihy & Wing 1990).
//
// The search is Wing & Gong's (1993): repeatedly pick an operation that may
// take effect next (no unpicked operation responded before it was invoked),
// apply it to the specification, and backtrack when its output differs from
// the recorded one. Like Lowe (2017) and Porcupine, it memoises the pairs
// (set of picked operations, specification state) already known to fail, so
// each pair is explored once. An operation that never responded (pending) may
// take effect at any point after its invocation, with any output, or not at
// all. When the specification says operations on different keys are
// independent (a Key() member), the history is split by key and each part is
// checked alone, which is exponentially cheaper (Porcupine's partitioning).
//
// A sequential specification Spec provides
//   using State;   // copyable, ==, AbslHashValue
//   using Input;   // what a client asked
//   using Output;  // what it was told; ==
//   State Init() const;
//   Output Step(State&, const Input&) const;  // deterministic
// and optionally
//   int Key(const Input&) const;  // operations on different keys commute
//
//   std::vector<Operation<KvSpec>> h = {
//       {{KvInput::kPut, 0, 1}, 0, /*invoke=*/0, /*response=*/1},
//       {{KvInput::kGet, 0}, 1, 2, 3}};
//   bool ok = IsLinearizable(KvSpec{}, h);
//
// Cost: exponential in the number of concurrent operations of one part in the
// worst case; histories are limited to 64 operations per part.
#ifndef FAULTLINE_PROPERTIES_LINEARIZABILITY_H_
#define FAULTLINE_PROPERTIES_LINEARIZABILITY_H_

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "harness/assert.h"

namespace faultline {

inline constexpr int64_t kPending = std::numeric_limits<int64_t>::max();

// One operation of a history: invoke and response are instants of real time
// (any increasing numbering, e.g. positions in a world's history); response
// is kPending if it never came, and then output means nothing.
template <typename Spec>
struct Operation {
  typename Spec::Input input;
  typename Spec::Output output{};
  int64_t invoke = 0;
  int64_t response = kPending;
};

template <typename Spec>
concept KeyedSpec = requires(const Spec& s, const typename Spec::Input& in) {
  { s.Key(in) } -> std::convertible_to<int>;
};

namespace internal {

template <typename Spec>
class LinearizabilitySearch {
 public:
  using State = typename Spec::State;
  LinearizabilitySearch(const Spec& spec, const std::vector<Operation<Spec>>& ops)
      : spec_(spec), ops_(ops) {
    FL_CHECK(ops_.size() <= 64);
    for (size_t i = 0; i < ops_.size(); ++i) {
      FL_CHECK(ops_[i].invoke < ops_[i].response);
      if (ops_[i].response != kPending) completed_ |= uint64_t{1} << i;
    }
  }

  // A witness order (indices into ops), or nothing if there is none.
  std::optional<std::vector<int>> Run() {
    std::vector<int> order;
    if (Search(0, spec_.Init(), order)) return order;
    return std::nullopt;
  }

 private:
  bool Search(uint64_t done, const State& state, std::vector<int>& order) {
    if ((done & completed_) == completed_) return true;
    if (failed_.contains({done, state})) return false;
    // The earliest response among operations not yet picked bounds which
    // invocations may come next.
    int64_t horizon = kPending;
    for (size_t j = 0; j < ops_.size(); ++j) {
      if (((done >> j) & 1) == 0) horizon = std::min(horizon, ops_[j].response);
    }
    for (size_t i = 0; i < ops_.size(); ++i) {
      const Operation<Spec>& op = ops_[i];
      if (((done >> i) & 1) != 0 || op.invoke >= horizon) continue;
      State next = state;
      const auto output = spec_.Step(next, op.input);
      if (op.response != kPending && !(output == op.output)) continue;
      order.push_back(static_cast<int>(i));
      if (Search(done | (uint64_t{1} << i), next, order)) return true;
      order.pop_back();
    }
    failed_.insert({done, state});
    return false;
  }

  const Spec& spec_;
  const std::vector<Operation<Spec>>& ops_;
  uint64_t completed_ = 0;
  absl::flat_hash_set<std::pair<uint64_t, State>> failed_;  // lookups only
};

}  // namespace internal

// A witness: the order in which the operations of `ops` take effect (pending
// operations that never took effect are left out), or nothing if `ops` is
// not linearizable. Does not partition.
template <typename Spec>
std::optional<std::vector<int>> Linearize(const Spec& spec,
                                          const std::vector<Operation<Spec>>& ops) {
  return internal::LinearizabilitySearch<Spec>(spec, ops).Run();
}

// The history split by key, in increasing key order (one part if the spec has
// no Key()). Each part keeps the operations' relative order.
template <typename Spec>
std::vector<std::vector<Operation<Spec>>> PartitionByKey(
    const Spec& spec, const std::vector<Operation<Spec>>& ops) {
  if constexpr (KeyedSpec<Spec>) {
    std::map<int, std::vector<Operation<Spec>>> parts;  // ordered: deterministic
    for (const auto& op : ops) parts[spec.Key(op.input)].push_back(op);
    std::vector<std::vector<Operation<Spec>>> out;
    for (auto& [key, part] : parts) out.push_back(std::move(part));
    return out;
  } else {
    return {ops};
  }
}

// True if `ops` is linearizable; checks each key's part alone when it can
// (linearizability is local: Herlihy & Wing, Theorem 1).
template <typename Spec>
bool IsLinearizable(const Spec& spec, const std::vector<Operation<Spec>>& ops) {
  for (const auto& part : PartitionByKey(spec, ops)) {
    if (!Linearize(spec, part).has_value()) return false;
  }
  return true;
}

// A map from small integer keys to integers (absent keys read 0): the
// sequential specification of a key-value store. Put returns 0.
struct KvInput {
  enum Kind : int8_t { kPut, kGet };
  Kind kind;
  int8_t key;
  int8_t value = 0;  // kPut
  auto operator<=>(const KvInput&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const KvInput& in) {
    return H::combine(std::move(h), in.kind, in.key, in.value);
  }
  std::string ToString() const {
    return kind == kPut ? absl::StrCat("put(k", key, "=", value, ")")
                        : absl::StrCat("get(k", key, ")");
  }
};

struct KvSpec {
  using State = std::vector<int>;  // value per key
  using Input = KvInput;
  using Output = int;
  State Init() const { return {}; }
  Output Step(State& s, const Input& in) const {
    FL_CHECK(in.key >= 0);
    if (static_cast<size_t>(in.key) >= s.size()) s.resize(in.key + 1, 0);
    if (in.kind == KvInput::kGet) return s[in.key];
    s[in.key] = in.value;
    return 0;
  }
  int Key(const Input& in) const { return in.key; }
};

}  // namespace faultline

#endif  // FAULTLINE_PROPERTIES_LINEARIZABILITY_H_
