#include "node/version.h"

#ifndef RADNODE_VERSION
#define RADNODE_VERSION "0.0.0"
#endif

namespace radnode::node {
std::string version() { return RADNODE_VERSION; }
}
