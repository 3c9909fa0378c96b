// Registry entries of the coordination group (see protocols/catalog.h).
#include "protocols/catalog.h"

namespace faultline {

std::vector<Entry> CoordinationEntries() { return {}; }

}  // namespace faultline
