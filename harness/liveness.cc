#include "harness/liveness.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace faultline {

// The graph restricted to the non-goal states of one property that are
// reachable from an initial state through non-goal states only.
struct LivenessGraph::Search {
  const LivenessGraph& g;
  std::vector<uint32_t> begin;    // edges of state s: by_from[begin[s]..begin[s+1])
  std::vector<uint32_t> by_from;  // edge ids, grouped by source, in order
  std::vector<uint32_t> order;    // reachable non-goal states, BFS order
  std::vector<uint32_t> rank;     // position in `order`, kNone if not in it
  std::vector<uint32_t> parent;   // BFS edge into each state; kNone at roots

  Search(const LivenessGraph& graph, size_t k) : g(graph) {
    const size_t n = g.states();
    begin.assign(n + 1, 0);
    for (const Edge& e : g.edges_) ++begin[e.from + 1];
    for (size_t s = 0; s < n; ++s) begin[s + 1] += begin[s];
    by_from.resize(g.edges_.size());
    std::vector<uint32_t> fill(begin.begin(), begin.end() - 1);
    for (uint32_t i = 0; i < g.edges_.size(); ++i) by_from[fill[g.edges_[i].from]++] = i;
    rank.assign(n, kNone);
    parent.assign(n, kNone);
    std::deque<uint32_t> queue;
    for (uint32_t s = 0; s < n; ++s) {
      if (!Bit(g.triggers_[s], k) || Bit(g.goals_[s], k)) continue;
      rank[s] = 0;
      queue.push_back(s);
    }
    while (!queue.empty()) {
      const uint32_t s = queue.front();
      queue.pop_front();
      rank[s] = static_cast<uint32_t>(order.size());
      order.push_back(s);
      for (uint32_t i = begin[s]; i < begin[s + 1]; ++i) {
        const Edge& e = g.edges_[by_from[i]];
        if (Bit(g.goals_[e.to], k) || rank[e.to] != kNone) continue;
        rank[e.to] = 0;  // queued; the real rank is set when popped
        parent[e.to] = by_from[i];
        queue.push_back(e.to);
      }
    }
  }

  bool InSet(uint32_t s) const { return rank[s] != kNone; }

  // From an initial state to `s`: the search tree to the trigger state the
  // non-goal BFS started from, then that BFS's edges.
  Tape TapeTo(uint32_t s) const {
    std::vector<uint32_t> choices;
    while (parent[s] != kNone) {
      const Edge& e = g.edges_[parent[s]];
      choices.push_back(g.Choice(parent[s]));
      s = e.from;
    }
    while (g.init_of_[s] < 0) {
      FL_CHECK(g.tree_parent_[s] != kNone);
      const Edge& e = g.edges_[g.tree_parent_[s]];
      choices.push_back(g.Choice(g.tree_parent_[s]));
      s = e.from;
    }
    std::reverse(choices.begin(), choices.end());
    return Tape{g.init_of_[s], std::move(choices)};
  }

  // Strongly connected components with a cycle (Tarjan, iterative).
  std::vector<std::vector<uint32_t>> CyclicComponents() const {
    const size_t n = g.states();
    std::vector<uint32_t> index(n, kNone), low(n, 0);
    std::vector<bool> on_stack(n, false);
    std::vector<uint32_t> stack;
    std::vector<std::pair<uint32_t, uint32_t>> calls;  // state, next edge slot
    std::vector<std::vector<uint32_t>> out;
    uint32_t counter = 0;
    auto open = [&](uint32_t v) {
      index[v] = low[v] = counter++;
      stack.push_back(v);
      on_stack[v] = true;
      calls.push_back({v, begin[v]});
    };
    for (uint32_t root : order) {
      if (index[root] != kNone) continue;
      open(root);
      while (!calls.empty()) {
        const uint32_t v = calls.back().first;
        if (calls.back().second < begin[v + 1]) {
          const uint32_t w = g.edges_[by_from[calls.back().second++]].to;
          if (!InSet(w)) continue;
          if (index[w] == kNone) {
            open(w);
          } else if (on_stack[w]) {
            low[v] = std::min(low[v], index[w]);
          }
          continue;
        }
        calls.pop_back();
        if (!calls.empty()) {
          const uint32_t u = calls.back().first;
          low[u] = std::min(low[u], low[v]);
        }
        if (low[v] != index[v]) continue;
        std::vector<uint32_t> component;
        uint32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          component.push_back(w);
        } while (w != v);
        if (component.size() > 1 || HasSelfLoop(v)) out.push_back(std::move(component));
      }
    }
    return out;
  }

  bool HasSelfLoop(uint32_t v) const {
    for (uint32_t i = begin[v]; i < begin[v + 1]; ++i) {
      if (g.edges_[by_from[i]].to == v) return true;
    }
    return false;
  }

  // Shortest path of edge ids from a to b inside `member` states.
  std::vector<uint32_t> PathWithin(uint32_t a, uint32_t b,
                                   const absl::flat_hash_set<uint32_t>& member) const {
    absl::flat_hash_map<uint32_t, uint32_t> via;  // state -> edge into it
    std::deque<uint32_t> queue{a};
    via[a] = kNone;
    while (!queue.empty() && !via.contains(b)) {
      const uint32_t s = queue.front();
      queue.pop_front();
      for (uint32_t i = begin[s]; i < begin[s + 1]; ++i) {
        const Edge& e = g.edges_[by_from[i]];
        if (member.contains(e.to) && via.emplace(e.to, by_from[i]).second) {
          queue.push_back(e.to);
        }
      }
    }
    FL_CHECK(via.contains(b));
    std::vector<uint32_t> path;
    for (uint32_t s = b; via.at(s) != kNone; s = g.edges_[via.at(s)].from) {
      path.push_back(via.at(s));
    }
    std::reverse(path.begin(), path.end());
    return path;
  }
};

namespace {

// Label -> number of states of the component where it is enabled, and the
// labels taken by edges inside the component.
struct ComponentLabels {
  absl::flat_hash_map<uint32_t, uint32_t> enabled;
  absl::flat_hash_set<uint32_t> taken;
};

}  // namespace

std::optional<LivenessGraph::Violation> LivenessGraph::FindViolation(
    const std::vector<int>& eventually) const {
  for (size_t k = 0; k < eventually.size(); ++k) {
    const Search search(*this, k);
    for (uint32_t s : search.order) {
      if (fair_count_[s] == 0) {
        return Violation{eventually[k], search.TapeTo(s), -1};
      }
    }
    const std::vector<std::vector<uint32_t>> components = search.CyclicComponents();
    const std::vector<uint32_t>* best = nullptr;
    uint32_t best_rank = kNone;
    for (const auto& c : components) {
      const absl::flat_hash_set<uint32_t> member(c.begin(), c.end());
      ComponentLabels labels;
      for (uint32_t s : c) {
        for (uint32_t l : FairEnabled(s)) ++labels.enabled[l];
        for (uint32_t i = search.begin[s]; i < search.begin[s + 1]; ++i) {
          const Edge& e = edges_[search.by_from[i]];
          if (member.contains(e.to) && e.label != kUnfair) labels.taken.insert(e.label);
        }
      }
      bool fair = true;
      for (const auto& [label, count] : labels.enabled) {
        fair &= count < c.size() || labels.taken.contains(label);
      }
      if (!fair) continue;
      uint32_t rank = kNone;
      for (uint32_t s : c) rank = std::min(rank, search.rank[s]);
      if (rank < best_rank) {
        best_rank = rank;
        best = &c;
      }
    }
    if (best == nullptr) continue;
    Violation v{eventually[k], {}, 0};
    const uint32_t start = search.order[best_rank];
    v.tape = search.TapeTo(start);
    v.loop_start = static_cast<int64_t>(v.tape.choices.size());
    for (uint32_t e : LoopThrough(search, *best, start)) {
      v.tape.choices.push_back(Choice(e));
    }
    return v;
  }
  return std::nullopt;
}

std::vector<uint32_t> LivenessGraph::LoopThrough(const Search& search,
                                                 const std::vector<uint32_t>& c,
                                                 uint32_t start) const {
  const absl::flat_hash_set<uint32_t> member(c.begin(), c.end());
  absl::flat_hash_map<uint32_t, uint32_t> enabled;
  for (uint32_t s : c) {
    for (uint32_t l : FairEnabled(s)) ++enabled[l];
  }
  std::vector<uint32_t> labels;
  for (const auto& [label, count] : enabled) labels.push_back(label);
  std::sort(labels.begin(), labels.end());  // deterministic order
  std::vector<uint32_t> loop;
  absl::flat_hash_set<uint32_t> passed{start}, taken;
  uint32_t at = start;
  auto walk = [&](const std::vector<uint32_t>& path) {
    for (uint32_t e : path) {
      loop.push_back(e);
      at = edges_[e].to;
      passed.insert(at);
      if (edges_[e].label != kUnfair) taken.insert(edges_[e].label);
    }
  };
  for (uint32_t label : labels) {
    if (taken.contains(label)) continue;
    const bool everywhere = enabled[label] == c.size();
    bool disabled_passed = false;
    for (uint32_t s : passed) {
      disabled_passed |= !Enabled(s, label);
    }
    if (disabled_passed) continue;
    for (uint32_t s : c) {
      if (everywhere) {
        for (uint32_t i = search.begin[s]; i < search.begin[s + 1]; ++i) {
          const Edge& e = edges_[search.by_from[i]];
          if (e.label != label || !member.contains(e.to)) continue;
          walk(search.PathWithin(at, s, member));
          walk({search.by_from[i]});
          goto next_label;
        }
      } else if (!Enabled(s, label)) {
        walk(search.PathWithin(at, s, member));
        goto next_label;
      }
    }
    FL_CHECK(false);  // FindViolation established that the label is served
  next_label:;
  }
  if (loop.empty()) {
    // No fair label at all: any cycle will do. Leave start by some edge.
    for (uint32_t i = search.begin[start]; i < search.begin[start + 1]; ++i) {
      if (member.contains(edges_[search.by_from[i]].to)) {
        walk({search.by_from[i]});
        break;
      }
    }
  }
  walk(search.PathWithin(at, start, member));
  FL_CHECK(!loop.empty());
  return loop;
}

}  // namespace faultline
