#include "node/http_server.h"

#include "node/json_writer.h"
#include "node/log.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <optional>
#include <stdexcept>
#include <thread>

namespace radnode::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

HttpResponse errorResponse(int status, const std::string& reason) {
    JsonWriter json;
    json.beginObject();
    json.field("error", reason);
    json.endObject();
    return HttpResponse{status, "application/json", json.str() + "\n", {}};
}

// One client connection: read a request within the time limit, answer it, and read the next
// while the client keeps the connection alive. Owned by the handlers queued on its strand.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, const HttpServerSettings& settings, const HttpHandler& handler,
               std::atomic<int>& openConnections)
        : stream_(std::move(socket)), settings_(settings), handler_(handler), openConnections_(openConnections) {
        ++openConnections_;
        beast::error_code ignored;
        const auto remote = stream_.socket().remote_endpoint(ignored);
        if (!ignored) peerAddress_ = remote.address().to_string();
    }
    ~Connection() { --openConnections_; }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void start() { asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Connection::read, shared_from_this())); }

private:
    void read() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(settings_.maxHeaderBytes));
        parser_->body_limit(settings_.maxBodyBytes);
        // One deadline for the whole request: a client trickling bytes cannot hold a connection.
        stream_.expires_after(settings_.requestTimeout);
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::onRead, shared_from_this()));
    }

    void onRead(beast::error_code error, std::size_t) {
        if (error == http::error::end_of_stream || error == beast::error::timeout || error == asio::error::operation_aborted ||
            error == asio::error::connection_reset || error == asio::error::eof) {
            return close();
        }
        if (error == http::error::body_limit) {
            return send(errorResponse(413, "request body larger than " + std::to_string(settings_.maxBodyBytes) + " bytes"), true);
        }
        if (error == http::error::header_limit) {
            return send(errorResponse(431, "request header larger than " + std::to_string(settings_.maxHeaderBytes) + " bytes"),
                        true);
        }
        if (error) return send(errorResponse(400, "malformed HTTP request: " + error.message()), true);

        const auto& message = parser_->get();
        HttpRequest request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        const auto question = request.target.find('?');
        request.path = request.target.substr(0, question);
        if (question != std::string::npos) request.query = request.target.substr(question + 1);
        request.authorization = std::string(message[http::field::authorization]);
        request.body = message.body();
        request.peerAddress = peerAddress_;
        HttpResponse response;
        try {
            response = handler_(request);
        } catch (const std::exception& failure) {
            logEvent(LogLevel::Error, "http.error", {{"path", request.path}, {"reason", failure.what()}});
            response = errorResponse(500, failure.what());
        }
        send(response, !message.keep_alive());
    }

    void send(const HttpResponse& answer, bool closeAfter) {
        response_ = {};
        response_.version(11);
        response_.result(static_cast<unsigned>(answer.status));
        response_.set(http::field::server, "radnode");
        response_.set(http::field::content_type, answer.contentType);
        response_.set(http::field::cache_control, "no-store");
        for (const auto& [name, value] : answer.headers) response_.set(name, value);
        response_.keep_alive(!closeAfter);
        response_.body() = answer.body;
        response_.prepare_payload();
        stream_.expires_after(settings_.requestTimeout);
        http::async_write(stream_, response_, [self = shared_from_this(), closeAfter](beast::error_code error, std::size_t) {
            if (error) return;
            if (closeAfter) {
                self->close();
            } else {
                self->read();
            }
        });
    }

    // Half-close, then read and drop what the client still sends (say, the rest of a body
    // over the limit): closing with unread data would reset the connection and could lose
    // the response we just sent.
    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(std::chrono::seconds(2));
        drain();
    }

    void drain() {
        stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code error, std::size_t) {
            if (!error) self->drain();
        });
    }

    beast::tcp_stream stream_;
    const HttpServerSettings& settings_;
    const HttpHandler& handler_;
    std::atomic<int>& openConnections_;
    std::string peerAddress_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    std::array<char, 4096> discard_{};
};

} // namespace

struct HttpServer::Impl {
    Impl(HttpServerSettings s, HttpHandler h) : settings(std::move(s)), handler(std::move(h)) {}

    // Declared before the io_context: connections destroyed with it still use these.
    HttpServerSettings settings;
    HttpHandler handler;
    std::atomic<int> openConnections{0};
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::vector<std::thread> threads;
    int port = 0;

    void accept() {
        acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
            if (error == asio::error::operation_aborted || !acceptor.is_open()) return;
            if (error) {
                logEvent(LogLevel::Warning, "http.accept_failed", {{"reason", error.message()}});
            } else if (openConnections >= settings.maxConnections) {
                beast::error_code ignored;
                socket.close(ignored); // over the limit: the client retries later
            } else {
                std::make_shared<Connection>(std::move(socket), settings, handler, openConnections)->start();
            }
            accept();
        });
    }
};

HttpServer::HttpServer(HttpServerSettings settings, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
    auto& impl = *impl_;
    const std::string where = impl.settings.bindAddress + ":" + std::to_string(impl.settings.port);
    beast::error_code error;
    const auto address = asio::ip::make_address(impl.settings.bindAddress, error);
    if (error) throw std::runtime_error("HTTP bind address '" + impl.settings.bindAddress + "' is not a numeric IP address");
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl.settings.port));
    impl.acceptor.open(endpoint.protocol(), error);
    if (!error) impl.acceptor.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) impl.acceptor.bind(endpoint, error);
    if (!error) impl.acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) throw std::runtime_error("HTTP API cannot listen on " + where + ": " + error.message());
    impl.port = impl.acceptor.local_endpoint().port();
    impl.accept();
    for (int i = 0; i < std::max(1, impl.settings.threads); ++i) {
        impl.threads.emplace_back([&impl] {
            try {
                impl.io.run();
            } catch (const std::exception& failure) {
                logEvent(LogLevel::Error, "http.thread_failed", {{"reason", failure.what()}});
            }
        });
    }
}

void HttpServer::stop() {
    auto& impl = *impl_;
    if (impl.threads.empty()) return;
    impl.io.stop(); // a handler already running finishes first
    for (auto& thread : impl.threads) thread.join();
    impl.threads.clear();
    beast::error_code ignored;
    impl.acceptor.close(ignored); // open connections close when the server is destroyed
}

int HttpServer::port() const { return impl_->port; }

} // namespace radnode::node
