// The node's status page, served at "/": one self-contained HTML page (no external assets)
// whose script reads the HTTP API and lists recent studies with their job state, model scores
// and delivery status, refreshing itself every 10 seconds. With a bearer token, open it as
// /#token=TOKEN: the script sends the token with each API call.
#pragma once

#include <string>

namespace radnode::node {

const std::string& statusPageHtml();

} // namespace radnode::node
