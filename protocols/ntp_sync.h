// NTP-style clock synchronisation (Mills, RFC 5905, sections 8 and 10;
// lecture notes 002, "Network Time Protocol", and 004), as a transition system
// over discrete real time.
//
// A client sends a request at its clock time t1; the server stamps its arrival
// t2 and its reply t3 (here in one step: no server processing delay); the
// client receives the reply at t4. It computes the round-trip delay
// delta = (t4 - t1) - (t3 - t2) and the offset theta = ((t2 - t1) + (t3 - t4)) / 2,
// discards samples whose delay exceeds `delay_accept` (NTP's clock filter
// keeps low-delay samples: their error bound is small), then, as the notes
// say: |theta| < step_min slews (the clock runs one unit per tick faster or
// slower until the offset is absorbed), step_min <= |theta| < ignore_min
// steps (the clock is set at once), |theta| >= ignore_min is ignored.
//
// Model: real time is a tick counter up to `horizon`. The server is the
// reference: its clock reads kScale units per tick. Client c's clock advances
// kScale + drift_c units per tick (client 1 fast by `drift`, client 2 slow by
// `drift`, ...) plus one unit per tick while slewing. Each message takes a
// whole number of ticks, 0 to `delay_max`: a tick is not enabled while a
// message has been in flight for delay_max ticks. Which client sends, when
// messages arrive and when time passes are the harness's choices; so is each
// client's initial offset (initial states: one per combination of kOffsets).
//
// Property offset-error (Mills' bound): when a sample is taken, the true
// offset theta_true = S(T4) - C(T4) satisfies
//   |theta - theta_true| <= delta/2 + epsilon,
// where epsilon = (drift + 1 if the clock slewed meanwhile) * (T4 - T1) is
// the rate error accumulated during the exchange (NTP's dispersion); without
// drift or slewing it is exactly delta/2. Property step-accuracy: right after a step the client is
// within delay_accept/2 + epsilon (+1/2 for rounding) of the server.
// Sometimes error-bound-attained shows the first bound is tight. Everything
// is compared doubled, so no halving rounds.
//
// Buggy variants:
//   kNoHalving      theta = (t2 - t1) + (t3 - t4), the average not halved
//   kIgnoreDelay    theta = t3 - t4: the reply is assumed to take no time
//   kNoDelayFilter  steps on samples however long their round trip
#ifndef FAULTLINE_PROTOCOLS_NTP_SYNC_H_
#define FAULTLINE_PROTOCOLS_NTP_SYNC_H_

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/assert.h"
#include "harness/model.h"
#include "harness/stable_hash.h"

namespace faultline {

struct NtpOptions {
  int clients = 2;
  int rounds = 2;        // exchanges per client
  int horizon = 4;       // ticks of real time
  int delay_max = 2;     // ticks a message can take
  int drift = 1;         // units per tick
  int delay_accept = 16; // units: samples with a longer round trip are dropped
  int step_min = 32;     // units: smaller offsets are slewed
  int ignore_min = 512;  // units: larger offsets are ignored
  enum class Bug { kNone, kNoHalving, kIgnoreDelay, kNoDelayFilter } bug = Bug::kNone;
};

class NtpSync {
 public:
  static constexpr int kClientsMax = 3;
  static constexpr int32_t kScale = 16;  // clock units per tick of real time
  // Initial offsets S - C: one slewed, one stepped, one ignored.
  static constexpr std::array<int32_t, 3> kOffsets = {10, -48, 600};
  enum Phase : uint8_t { kIdle, kRequest, kReply };
  enum Outcome : uint8_t { kNoSample, kDiscarded, kSlewed, kStepped, kIgnored };

  struct Client {
    int32_t clock = 0;
    Phase phase = kIdle;
    int8_t sent_at = 0;    // tick the message in flight was sent
    int8_t t1_tick = 0;    // ghost: real time T1 of the current exchange
    int8_t samples = 0;
    int32_t t1 = 0, t2 = 0;  // t3 == t2: the server replies at once
    int32_t slew_left = 0;
    bool slewed_meanwhile = false;  // ghost: slewing during this exchange
    // The last sample, as the client computed it, and ghosts to judge it.
    Outcome outcome = kNoSample;
    int32_t theta2 = 0, delta = 0;  // 2*theta and delta (units)
    int32_t true2 = 0, epsilon = 0;  // ghosts: 2*theta_true, drift bound
    int32_t after_step2 = 0;         // ghost: 2*|S - C| right after a step
    auto operator<=>(const Client&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Client& c) {
      return H::combine(std::move(h), c.clock, c.phase, c.sent_at, c.t1_tick,
                        c.samples, c.t1, c.t2, c.slew_left, c.slewed_meanwhile,
                        c.outcome, c.theta2,
                        c.delta, c.true2, c.epsilon, c.after_step2);
    }
  };
  struct State {
    int8_t now = 0;
    std::array<Client, kClientsMax> clients{};
    template <typename H>
    friend H AbslHashValue(H h, const State& s) {
      return H::combine(std::move(h), s.now, s.clients);
    }
  };
  enum Kind : uint8_t { kTick, kSend, kServe, kReceive };
  struct Action {
    Kind kind;
    int client = 0;
  };

  explicit NtpSync(NtpOptions o);
  NtpSync(const NtpSync&) = delete;  // properties point into it

  int InitCount() const {
    int n = 1;
    for (int c = 0; c < o_.clients; ++c) n *= static_cast<int>(kOffsets.size());
    return n;
  }
  State Init(int index) const;
  void Actions(const State& s, std::vector<Action>& out) const;
  void Step(State& s, const Action& a, std::string* narration) const;
  std::string Describe(const State& s, const Action& a) const;
  std::string DescribeState(const State& s) const;
  uint64_t Digest(const State& s) const { return StableHash(s); }
  bool Dedupable() const { return true; }
  const std::vector<Property<State>>& properties() const { return properties_; }

 private:
  int32_t Server(const State& s) const { return kScale * s.now; }
  int32_t Rate(int c) const { return kScale + (c % 2 == 0 ? o_.drift : -o_.drift); }
  void Tick(State& s) const;
  void Receive(State& s, Client& c) const;
  void Adjust(Client& c, int32_t theta) const;
  bool AnyClient(const State& s, Outcome outcome) const {
    for (int c = 0; c < o_.clients; ++c) {
      if (s.clients[c].outcome == outcome) return true;
    }
    return false;
  }

  NtpOptions o_;
  std::vector<Property<State>> properties_;
};

inline NtpSync::NtpSync(NtpOptions o) : o_(o) {
  FL_CHECK(o_.clients >= 1 && o_.clients <= kClientsMax);
  FL_CHECK(o_.horizon < 100 && o_.rounds < 100);
  properties_ = {
      Always<State>("offset-error",
                    [this](const State& s) {
                      for (int c = 0; c < o_.clients; ++c) {
                        const Client& k = s.clients[c];
                        if (k.outcome == kNoSample) continue;
                        if (std::abs(k.theta2 - k.true2) > k.delta + 2 * k.epsilon) return false;
                      }
                      return true;
                    }),
      Always<State>("step-accuracy",
                    [this](const State& s) {
                      for (int c = 0; c < o_.clients; ++c) {
                        const Client& k = s.clients[c];
                        if (k.outcome != kStepped) continue;
                        if (k.after_step2 > o_.delay_accept + 2 * k.epsilon + 1) return false;
                      }
                      return true;
                    }),
      // The bound is tight: some sample's error is exactly delta/2 + epsilon.
      Sometimes<State>("error-bound-attained",
                       [this](const State& s) {
                         for (int c = 0; c < o_.clients; ++c) {
                           const Client& k = s.clients[c];
                           if (k.outcome != kNoSample &&
                               std::abs(k.theta2 - k.true2) == k.delta + 2 * k.epsilon) {
                             return true;
                           }
                         }
                         return false;
                       }),
      Sometimes<State>("slewed", [this](const State& s) { return AnyClient(s, kSlewed); }),
      Sometimes<State>("stepped", [this](const State& s) { return AnyClient(s, kStepped); }),
      Sometimes<State>("ignored", [this](const State& s) { return AnyClient(s, kIgnored); }),
  };
}

inline NtpSync::State NtpSync::Init(int index) const {
  FL_CHECK(index >= 0 && index < InitCount());
  State s;
  for (int c = 0; c < o_.clients; ++c) {
    s.clients[c].clock = -kOffsets[index % kOffsets.size()];  // S(0) = 0
    index /= static_cast<int>(kOffsets.size());
  }
  return s;
}

inline void NtpSync::Actions(const State& s, std::vector<Action>& out) const {
  out.clear();
  bool overdue = false;  // a message has taken delay_max ticks: it must arrive
  for (int c = 0; c < o_.clients; ++c) {
    const Client& k = s.clients[c];
    if (k.phase == kIdle && k.samples < o_.rounds) out.push_back({kSend, c});
    if (k.phase == kRequest) out.push_back({kServe, c});
    if (k.phase == kReply) out.push_back({kReceive, c});
    overdue |= k.phase != kIdle && s.now - k.sent_at >= o_.delay_max;
  }
  if (!overdue && s.now < o_.horizon) out.push_back({kTick});
}

inline void NtpSync::Step(State& s, const Action& a, std::string*) const {
  Client& k = s.clients[a.client];
  switch (a.kind) {
    case kTick: return Tick(s);
    case kSend:
      FL_CHECK(k.phase == kIdle);
      k.phase = kRequest;
      k.sent_at = s.now;
      k.t1_tick = s.now;
      k.t1 = k.clock;
      k.slewed_meanwhile = false;
      return;
    case kServe:
      FL_CHECK(k.phase == kRequest);
      k.phase = kReply;
      k.t2 = Server(s);
      k.sent_at = s.now;
      return;
    case kReceive:
      FL_CHECK(k.phase == kReply);
      return Receive(s, k);
  }
}

inline void NtpSync::Tick(State& s) const {
  FL_CHECK(s.now < o_.horizon);
  ++s.now;
  for (int c = 0; c < o_.clients; ++c) {
    Client& k = s.clients[c];
    const int32_t slew = k.slew_left > 0 ? 1 : k.slew_left < 0 ? -1 : 0;
    k.clock += Rate(c) + slew;
    k.slew_left -= slew;
    k.slewed_meanwhile |= slew != 0 && k.phase != kIdle;
  }
}

inline void NtpSync::Receive(State& s, Client& k) const {
  const int32_t t1 = k.t1, t2 = k.t2, t3 = k.t2, t4 = k.clock;
  k.phase = kIdle;
  ++k.samples;
  k.delta = (t4 - t1) - (t3 - t2);
  switch (o_.bug) {
    case NtpOptions::Bug::kNoHalving: k.theta2 = 2 * ((t2 - t1) + (t3 - t4)); break;
    case NtpOptions::Bug::kIgnoreDelay: k.theta2 = 2 * (t3 - t4); break;
    default: k.theta2 = (t2 - t1) + (t3 - t4);
  }
  k.true2 = 2 * (Server(s) - t4);
  // The clock's rate differed from the server's by at most this per tick.
  const int32_t rate_error = o_.drift + (k.slewed_meanwhile ? 1 : 0);
  k.epsilon = rate_error * (s.now - k.t1_tick);
  if (k.delta > o_.delay_accept && o_.bug != NtpOptions::Bug::kNoDelayFilter) {
    k.outcome = kDiscarded;
    return;
  }
  Adjust(k, k.theta2 / 2);  // rounds toward zero: off by at most half a unit
  if (k.outcome == kStepped) k.after_step2 = 2 * std::abs(Server(s) - k.clock);
}

// The notes' three regimes by the size of the offset.
inline void NtpSync::Adjust(Client& k, int32_t theta) const {
  const int32_t size = std::abs(theta);
  if (size >= o_.ignore_min) {
    k.outcome = kIgnored;
  } else if (size >= o_.step_min) {
    k.outcome = kStepped;
    k.clock += theta;
    k.slew_left = 0;
  } else {
    k.outcome = kSlewed;
    k.slew_left = theta;
  }
}

inline std::string NtpSync::Describe(const State&, const Action& a) const {
  switch (a.kind) {
    case kTick: return "tick";
    case kSend: return absl::StrCat("c", a.client + 1, " sends request");
    case kServe: return absl::StrCat("server answers c", a.client + 1);
    case kReceive: return absl::StrCat("c", a.client + 1, " receives reply");
  }
  return "?";
}

inline std::string NtpSync::DescribeState(const State& s) const {
  static constexpr const char* kPhases[] = {"idle", "request in flight", "reply in flight"};
  static constexpr const char* kOutcomes[] = {"none", "discarded", "slewed", "stepped",
                                              "ignored"};
  std::string out = absl::StrCat("  time ", s.now, ": server clock ", Server(s), "\n");
  for (int c = 0; c < o_.clients; ++c) {
    const Client& k = s.clients[c];
    absl::StrAppend(&out, "  c", c + 1, ": clock ", k.clock, " (off by ", Server(s) - k.clock,
                    ") ", kPhases[k.phase], " slew_left=", k.slew_left, " last sample: ",
                    kOutcomes[k.outcome]);
    if (k.outcome != kNoSample) {
      absl::StrAppend(&out, " 2theta=", k.theta2, " delta=", k.delta, " 2theta_true=",
                      k.true2, " epsilon=", k.epsilon);
    }
    if (c + 1 < o_.clients) absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_NTP_SYNC_H_
