// The node's HTTP API and status page: routes each request, checks the bearer token, answers
// from the database and the in-process metrics, and audits every access to study data
// (event "api.access"). Endpoints are listed in docs/http-api.md.
#pragma once

#include "config/node_config.h"
#include "node/http_queries.h"
#include "node/http_server.h"
#include "node/metrics.h"
#include "storage/node_store.h"

#include <filesystem>
#include <functional>
#include <string>

namespace radnode::node {

struct HttpApiContext {
    config::NodeConfig config; // as the node started: state directory, disk minimum
    storage::NodeStore& store; // for the audit log
    const Metrics& metrics;
    std::function<bool()> listenerUp;
};

class HttpApi {
public:
    // `bearerToken` empty: no authentication (the caller allows that on loopback only).
    HttpApi(HttpApiContext context, std::string bearerToken);

    HttpResponse handle(const HttpRequest& request);

private:
    HttpResponse route(const HttpRequest& request);
    HttpResponse ready();
    HttpResponse metricsText();

    HttpApiContext context_;
    std::string bearerToken_;
    HttpQueries queries_;
};

// The token in `file`, surrounding whitespace removed. Throws when the file cannot be read,
// is empty, or may be read by other users.
std::string readBearerToken(const std::filesystem::path& file);

} // namespace radnode::node
