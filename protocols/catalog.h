// The registry table is split by group so each group's entries live beside
// its protocols; catalog.cc concatenates them in `faultline list` order.
#ifndef FAULTLINE_PROTOCOLS_CATALOG_H_
#define FAULTLINE_PROTOCOLS_CATALOG_H_

#include <vector>

#include "harness/registry.h"

namespace faultline {

std::vector<Entry> CoreEntries();          // catalog.cc: two generals, paxos, 2PC spec
std::vector<Entry> CoordinationEntries();  // catalog_coordination.cc: clocks, FDs, mutex, election
std::vector<Entry> MulticastEntries();     // catalog_multicast.cc
std::vector<Entry> ReplicationEntries();   // catalog_replication.cc: raft, kv, commit
std::vector<Entry> ByzantineEntries();     // catalog_byzantine.cc

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_CATALOG_H_
