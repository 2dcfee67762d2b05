// A small HTTP/1.1 server for the node's API and status page: it accepts connections on its
// own threads, limits what a request may cost (header and body size, time to arrive, open
// connections), and hands each complete request to one handler. Boost.Beast stays inside
// http_server.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace radnode::node {

struct HttpRequest {
    std::string method;        // "GET", "PUT", ...
    std::string target;        // as sent: "/api/v1/results?since=2026-11-23"
    std::string path;          // target up to '?'
    std::string query;         // after '?', still percent-encoded
    std::string authorization; // the Authorization header, empty when absent
    std::string body;
    std::string peerAddress;
};

struct HttpResponse {
    int status = 200;
    std::string contentType = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // e.g. Allow, WWW-Authenticate
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerSettings {
    std::string bindAddress = "127.0.0.1"; // numeric IPv4 or IPv6
    int port = 0;                          // 0: any free port (see HttpServer::port())
    std::size_t maxHeaderBytes = 8 * 1024;
    std::size_t maxBodyBytes = 64 * 1024;
    std::chrono::milliseconds requestTimeout{10000}; // to receive a whole request, or send a response
    int maxConnections = 64;
    int threads = 2;
};

class HttpServer {
public:
    HttpServer(HttpServerSettings settings, HttpHandler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and listens, then serves on its own threads. Throws naming the address when the
    // socket cannot be opened (address in use, not an address of this host).
    void start();
    // Stops serving and closes the listening socket; a request being handled finishes first.
    // Open connections are closed when the server is destroyed.
    void stop();
    // The port listened on (the chosen one when settings asked for 0).
    int port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace radnode::node
