// The registry table is split by group so each group's entries live beside
// its protocols; catalog.cc concatenates them in `faultline list` order.
#ifndef FAULTLINE_PROTOCOLS_CATALOG_H_
#define FAULTLINE_PROTOCOLS_CATALOG_H_

#include <vector>

#include "harness/registry.h"

namespace faultline {

std::vector<Entry> CoreEntries();          // catalog.cc: two generals, paxos, 2PC spec
std::vector<Entry> CoordinationEntries();  // catalog_coordination.cc: clocks, failure detectors
std::vector<Entry> MutexElectionEntries(); // catalog_mutex.cc: mutual exclusion, election
std::vector<Entry> MulticastEntries();     // catalog_multicast.cc
std::vector<Entry> RaftEntries();          // catalog_raft.cc: raft, replicated kv
std::vector<Entry> ReplicationEntries();   // catalog_replication.cc: commit, primary-backup
std::vector<Entry> ByzantineEntries();     // catalog_byzantine.cc
std::vector<Entry> FlpEntries();           // catalog_flp.cc: consensus under FLP

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_CATALOG_H_
