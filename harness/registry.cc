#include "harness/registry.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "harness/assert.h"

namespace faultline {
namespace {

constexpr int64_t kFaultBudgetMax = 50;

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
    if (value != "async" && value != "sync") {
      return Invalid(key, value, "async or sync");
    }
    w.timers = value == "sync" ? TimerModel::kSynchronous
                               : TimerModel::kAsynchronous;
    return absl::OkStatus();
  }
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
  if (key == "links" || key == "timers" || key == "crash") return true;
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
      absl::StrCat("unknown option '", key, "' for ", entry.name));
}

std::string FormatConfig(const Entry& entry, const Config& c) {
  std::vector<std::string> parts;
  if (entry.has_world) {
    const WorldOptions& w = c.world;
    parts.push_back(absl::StrCat(
        "links=", w.links == LinkOrder::kFifo ? "fifo" : "unordered"));
    parts.push_back(absl::StrCat(
        "timers=", w.timers == TimerModel::kSynchronous ? "sync" : "async"));
    parts.push_back(absl::StrCat(
        "crash=", w.crash == CrashModel::kRecover ? "recover" : "stop"));
    for (const Budget& b : kBudgets) {
      parts.push_back(absl::StrCat(b.name, "=", w.*b.field));
    }
  }
  for (const auto& [name, value] : c.params) {
    parts.push_back(absl::StrCat(name, "=", value));
  }
  return absl::StrJoin(parts, " ");
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
  return c;
}

}  // namespace faultline
