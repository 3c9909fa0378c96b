#include "harness/registry.h"

#include <bit>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "harness/assert.h"

namespace faultline {
namespace {

constexpr int64_t kFaultBudgetMax = 50;

struct FairName {
  const char* name;
  uint8_t bit;
};

constexpr FairName kFairNames[] = {
    {"delivery", WorldOptions::kFairDelivery},
    {"timers", WorldOptions::kFairTimers},
    {"requests", WorldOptions::kFairRequests},
    {"heal", WorldOptions::kFairHeal},
    {"recover", WorldOptions::kFairRecover},
};

std::string FormatFairness(uint8_t bits) {
  std::vector<std::string> names;
  for (const FairName& f : kFairNames) {
    if (bits & f.bit) names.push_back(f.name);
  }
  return names.empty() ? "none" : absl::StrJoin(names, ",");
}

absl::Status ParseFairness(absl::string_view value, uint8_t* bits) {
  *bits = 0;
  if (value == "none") return absl::OkStatus();
  for (absl::string_view part : absl::StrSplit(value, ',')) {
    bool known = false;
    for (const FairName& f : kFairNames) {
      if (part == f.name) {
        *bits |= f.bit;
        known = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad value '", value, "' for fair: expected none or a comma list of "
          "delivery, timers, requests, heal, recover"));
    }
  }
  return absl::OkStatus();
}

struct Budget {
  const char* name;
  int WorldOptions::*field;
};

constexpr Budget kBudgets[] = {
    {"crashes", &WorldOptions::crashes_max},
    {"drops", &WorldOptions::drops_max},
    {"duplicates", &WorldOptions::duplicates_max},
    {"partitions", &WorldOptions::partitions_max},
};

absl::Status Invalid(absl::string_view key, absl::string_view value,
                     absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad value '", value, "' for ", key, ": expected ", expected));
}

// The Byzantine adversary's options (harness/byzantine.h).
bool IsAdversaryKey(absl::string_view key) {
  return key == "byzantine" || key == "traitors" || key == "replays" ||
         key == "signatures" || key == "twins" || key == "eager";
}

// Printed only for worlds with an adversary, so other entries' configuration
// lines (and the traces that carry them) stay as they were.
bool HasAdversary(const WorldOptions& w) {
  return w.byzantine_max > 0 || w.traitors != 0;
}

absl::Status SetTraitors(WorldOptions& w, absl::string_view value) {
  w.traitors = 0;
  if (value == "any") return absl::OkStatus();
  for (absl::string_view part : absl::StrSplit(value, ',')) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(part, &n) || n < 0 || n >= kNodesMax) {
      return Invalid("traitors", value, "any, or node ids such as 0,3");
    }
    w.traitors |= uint64_t{1} << n;
  }
  w.byzantine_max = std::popcount(w.traitors);
  return absl::OkStatus();
}

absl::Status SetAdversaryValue(WorldOptions& w, absl::string_view key,
                               absl::string_view value) {
  if (key == "traitors") return SetTraitors(w, value);
  if (key == "signatures" || key == "twins" || key == "eager") {
    if (value != "on" && value != "off") return Invalid(key, value, "on or off");
    bool& flag = key == "twins"   ? w.twins
                 : key == "eager" ? w.eager
                                  : w.signatures;
    flag = value == "on";
    if (w.twins && w.eager) {
      return absl::InvalidArgumentError("twins=on needs eager=off");
    }
    return absl::OkStatus();
  }
  int64_t n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < 0 || n > kFaultBudgetMax) {
    return Invalid(key, value, "an integer from 0 to 50");
  }
  if (key == "byzantine") w.traitors = 0;  // a budget: the adversary picks
  (key == "byzantine" ? w.byzantine_max : w.replays_max) = static_cast<int>(n);
  return absl::OkStatus();
}

std::string FormatAdversary(const WorldOptions& w) {
  std::vector<std::string> ids;
  for (int n = 0; n < kNodesMax; ++n) {
    if ((w.traitors >> n) & 1) ids.push_back(absl::StrCat(n));
  }
  return absl::StrCat(
      "byzantine=", w.byzantine_max,
      " traitors=", ids.empty() ? "any" : absl::StrJoin(ids, ","),
      " replays=", w.replays_max, " signatures=", w.signatures ? "on" : "off",
      " twins=", w.twins ? "on" : "off", " eager=", w.eager ? "on" : "off");
}

absl::Status SetWorldValue(WorldOptions& w, absl::string_view key,
                           absl::string_view value) {
  if (key == "links") {
    if (value != "unordered" && value != "fifo") {
      return Invalid(key, value, "unordered or fifo");
    }
    w.links = value == "fifo" ? LinkOrder::kFifo : LinkOrder::kUnordered;
    return absl::OkStatus();
  }
  if (key == "timers") {
    if (value != "async" && value != "sync" && value != "rounds") {
      return Invalid(key, value, "async, sync or rounds");
    }
    w.timers = value == "sync"     ? TimerModel::kSynchronous
               : value == "rounds" ? TimerModel::kRounds
                                   : TimerModel::kAsynchronous;
    return absl::OkStatus();
  }
  if (IsAdversaryKey(key)) return SetAdversaryValue(w, key, value);
  if (key == "fair") return ParseFairness(value, &w.fairness);
  if (key == "crash") {
    if (value != "stop" && value != "recover") {
      return Invalid(key, value, "stop or recover");
    }
    w.crash = value == "recover" ? CrashModel::kRecover : CrashModel::kStop;
    return absl::OkStatus();
  }
  for (const Budget& b : kBudgets) {
    if (key != b.name) continue;
    int64_t n = 0;
    if (!absl::SimpleAtoi(value, &n) || n < 0 || n > kFaultBudgetMax) {
      return Invalid(key, value, "an integer from 0 to 50");
    }
    w.*b.field = static_cast<int>(n);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown option '", key, "'"));
}

bool IsWorldKey(absl::string_view key) {
  if (key == "links" || key == "timers" || key == "crash" || key == "fair") {
    return true;
  }
  if (IsAdversaryKey(key)) return true;
  for (const Budget& b : kBudgets) {
    if (key == b.name) return true;
  }
  return false;
}

}  // namespace

const Entry* FindEntry(absl::string_view name) {
  for (const Entry& e : Registry()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

Config DefaultConfig(const Entry& entry) {
  Config c{entry.world, {}};
  for (const ParamSpec& p : entry.params) c.params[p.name] = p.default_value;
  return c;
}

bool IsConfigKey(const Entry& entry, absl::string_view key) {
  if (entry.has_world && IsWorldKey(key)) return true;
  for (const ParamSpec& p : entry.params) {
    if (p.name == key) return true;
  }
  return false;
}

std::string NodesParam(const Entry& entry) {
  for (const ParamSpec& p : entry.params) {
    if (p.name == entry.nodes_param) return p.name;
  }
  FL_CHECK(entry.nodes_param.empty());  // a declared one must be a parameter
  for (const ParamSpec& p : entry.params) {
    if (p.name == "nodes") return p.name;
  }
  return "";
}

absl::Status SetConfigValue(const Entry& entry, Config& config,
                            absl::string_view key, absl::string_view value) {
  for (const ParamSpec& p : entry.params) {
    if (p.name != key) continue;
    int64_t n = 0;
    if (!absl::SimpleAtoi(value, &n) || n < p.min || n > p.max) {
      return Invalid(key, value,
                     absl::StrCat("an integer from ", p.min, " to ", p.max));
    }
    config.params[p.name] = n;
    return absl::OkStatus();
  }
  if (!entry.has_world && IsWorldKey(key)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "option '", key, "' does not apply to ", entry.name,
        ": it is a plain transition system without a network or faults"));
  }
  if (IsWorldKey(key)) return SetWorldValue(config.world, key, value);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown option --", key, " for ", entry.name,
                   " (see 'faultline --help' and 'faultline list')"));
}

std::string FormatConfig(const Entry& entry, const Config& c) {
  std::vector<std::string> parts;
  if (entry.has_world) {
    const WorldOptions& w = c.world;
    parts.push_back(absl::StrCat(
        "links=", w.links == LinkOrder::kFifo ? "fifo" : "unordered"));
    parts.push_back(absl::StrCat(
        "timers=", w.timers == TimerModel::kSynchronous ? "sync"
                   : w.timers == TimerModel::kRounds    ? "rounds"
                                                        : "async"));
    parts.push_back(absl::StrCat(
        "crash=", w.crash == CrashModel::kRecover ? "recover" : "stop"));
    for (const Budget& b : kBudgets) {
      parts.push_back(absl::StrCat(b.name, "=", w.*b.field));
    }
    parts.push_back(absl::StrCat("fair=", FormatFairness(w.fairness)));
    if (HasAdversary(entry.world) || HasAdversary(w)) {
      parts.push_back(FormatAdversary(w));
    }
  }
  for (const auto& [name, value] : c.params) {
    parts.push_back(absl::StrCat(name, "=", value));
  }
  return absl::StrJoin(parts, " ");
}

absl::Status ValidateConfig(const Entry& entry, const Config& config) {
  if (!entry.no_crash_recovery.empty() && config.world.crash == CrashModel::kRecover &&
      config.world.crashes_max > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        entry.name, " does not model crash-recovery (", entry.no_crash_recovery,
        "): use --crash stop or --crashes 0"));
  }
  return entry.validate ? entry.validate(config) : absl::OkStatus();
}

absl::StatusOr<Config> ParseConfig(const Entry& entry, absl::string_view text) {
  Config c = DefaultConfig(entry);
  for (absl::string_view part : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (kv.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad config item '", part, "': expected key=value"));
    }
    FL_RETURN_IF_ERROR(SetConfigValue(entry, c, kv[0], kv[1]));
  }
  FL_RETURN_IF_ERROR(ValidateConfig(entry, c));
  return c;
}

}  // namespace faultline
