// The registry: every protocol and model `faultline` can check, by name.
//
// An entry names a model, says whether it must pass or must fail (and which
// property a failing one violates), carries its default world and bounds,
// declares its parameters, and builds a Checker from a Config. The table
// itself lives in protocols/catalog.cc.
#ifndef FAULTLINE_HARNESS_REGISTRY_H_
#define FAULTLINE_HARNESS_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "harness/checker.h"
#include "harness/explore.h"
#include "harness/world.h"

namespace faultline {

using Params = std::map<std::string, int64_t>;  // ordered: prints the same

struct ParamSpec {
  std::string name;
  int64_t default_value;
  int64_t min;
  int64_t max;
  std::string help;
};

struct Config {
  WorldOptions world;
  Params params;
};

struct Entry {
  std::string name;  // kebab-case; buggy variants are PROTOCOL:BUG
  std::string description;
  bool expect_pass = true;
  std::string violates;  // for expect_pass == false: the property it breaks
  bool has_world = true;  // false for plain transition systems (no faults)
  WorldOptions world;     // default world: links, timers, fault budgets
  Limits limits;          // default exploration bounds
  std::vector<ParamSpec> params;
  // The parameter that the generic `--nodes N` sets, so that scripts can
  // scale any entry the same way (bench/scaling.py). Entries with a parameter
  // named "nodes" need not say; empty otherwise means the entry has no node
  // count and `--nodes` is refused. It is the entry's own scaling parameter,
  // not always the total number of nodes (paxos: acceptors, beside its two
  // proposers; two-phase-commit: participants, beside the coordinator).
  std::string nodes_param;
  // Optional: rejects parameter combinations the protocol cannot take (each
  // parameter alone is range-checked from `params`), with one clear message.
  std::function<absl::Status(const Config&)> validate;
  // Non-empty: the protocol's system model has no crash-recovery (its handlers
  // assume a node never restarts with blank volatile state), so crash=recover
  // with a crash budget is refused with this reason instead of tripping an
  // assertion inside a handler.
  std::string no_crash_recovery;
  std::function<std::unique_ptr<Checker>(const Config&)> make;
};

// All entries, in the order `faultline list` prints them.
const std::vector<Entry>& Registry();
const Entry* FindEntry(absl::string_view name);

// The entry's defaults.
Config DefaultConfig(const Entry& entry);

// Sets one world option or parameter by its name as in the trace's config
// line and on the command line (without the leading "--"). Rejects unknown
// names and out-of-range values with one clear message.
absl::Status SetConfigValue(const Entry& entry, Config& config,
                            absl::string_view key, absl::string_view value);
bool IsConfigKey(const Entry& entry, absl::string_view key);

// The parameter `--nodes` stands for (Entry::nodes_param, else a parameter
// named "nodes"), or "" when the entry has no node count.
std::string NodesParam(const Entry& entry);

// The entry's own check of a whole configuration (Entry::validate).
absl::Status ValidateConfig(const Entry& entry, const Config& config);

// "key=value ..." with every key, in a fixed order, and its inverse.
std::string FormatConfig(const Entry& entry, const Config& config);
absl::StatusOr<Config> ParseConfig(const Entry& entry, absl::string_view text);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_REGISTRY_H_
