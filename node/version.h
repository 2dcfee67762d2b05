// The radnode version, as written into SR Algorithm Identification and diagnostics.
#pragma once

#include <string>

namespace radnode::node {
std::string version();
}
