// Registry entries of the mutex group (see protocols/catalog.h).
#include "protocols/catalog.h"

namespace faultline {

std::vector<Entry> MutexElectionEntries() { return {}; }

}  // namespace faultline
