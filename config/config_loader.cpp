#include "config/config_loader.h"

#include "config/pyradiomics_params.h"

#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

namespace radnode::config {

namespace fs = std::filesystem;

namespace {

std::string formatError(const std::string& file, int line, const std::string& key, const std::string& reason) {
    std::string text = file;
    if (line > 0) text += ":" + std::to_string(line);
    text += ": ";
    if (!key.empty()) text += key + ": ";
    return text + reason;
}

// ---- schema: the keys each mapping may hold -------------------------------------------------

// Mapping schemas by name; "[]" marks the entries of a list.
const std::map<std::string, std::vector<std::string>>& knownKeys() {
    static const std::map<std::string, std::vector<std::string>> keys{
        {"", {"listener", "storage", "assembly", "workers", "delivery", "destinations", "analysis", "models",
              "http", "log_level", "log_include_phi", "audit"}},
        {"listener", {"ae_title", "port", "allowed_peers", "max_associations", "max_associations_per_peer", "max_pdu",
                      "dimse_timeout", "acse_timeout", "minimum_free_disk", "tls"}},
        {"listener.allowed_peers[]", {"ae_title", "host", "certificate_cn", "certificate_sha256"}},
        {"listener.tls", {"certificate", "private_key", "trusted_certificates", "require_peer_certificate", "profile"}},
        {"storage", {"state_directory", "database", "file_store", "retention"}},
        {"assembly", {"quiet_period", "seg_window"}},
        {"workers", {"count", "max_attempts", "lease_duration"}},
        {"delivery",
         {"max_age", "initial_backoff", "max_backoff", "series_description", "series_number", "summary_images"}},
        {"destinations[]",
         {"name", "ae_title", "host", "port", "calling_ae_title", "tls", "sr_format", "storage_commitment",
          "storage_commitment_timeout"}},
        {"destinations[].tls", {"certificate", "private_key", "trusted_certificates", "check_host_name", "profile"}},
        {"analysis", {"rings_mm", "pyradiomics_params", "age_from_dicom"}},
        {"models[]", {"file"}},
        {"http", {"enabled", "bind", "port", "token_file"}},
        {"audit", {"syslog"}},
        {"audit.syslog",
         {"enabled", "host", "port", "app_name", "source_id", "transport", "ca_file", "certificate_file",
          "private_key_file"}},
    };
    return keys;
}

// Case, '_' and '-' folded away: catches camelCase and kebab-case spellings.
std::string folded(const std::string& key) {
    std::string out;
    for (char c : key) {
        if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// Edit distance with adjacent transpositions counting as one edit.
std::size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

// " (did you mean ...?)" for a near miss in the same mapping, or for a key that belongs to
// another section; empty when nothing is close.
std::string suggestionFor(const std::string& unknown, const std::string& schema) {
    const std::string key = folded(unknown);
    std::string best;
    std::size_t bestDistance = key.size() < 5 ? 2 : 3;
    for (const auto& candidate : knownKeys().at(schema)) {
        const std::size_t distance = editDistance(key, folded(candidate));
        if (distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    if (!best.empty()) return " (did you mean '" + best + "'?)";
    // Sections before list entries: `port` at the top is more likely listener.port.
    std::vector<std::string> elsewhere;
    for (const bool listEntries : {false, true}) {
        for (const auto& [otherSchema, keys] : knownKeys()) {
            const bool isList = otherSchema.find("[]") != std::string::npos;
            if (otherSchema == schema || isList != listEntries) continue;
            for (const auto& candidate : keys) {
                if (folded(candidate) == key) elsewhere.push_back("'" + otherSchema + "." + candidate + "'");
            }
        }
    }
    if (elsewhere.empty()) return "";
    std::string text = " (did you mean " + elsewhere[0];
    for (std::size_t i = 1; i < elsewhere.size(); ++i) text += " or " + elsewhere[i];
    return text + "?)";
}

// ---- values with their place in the file ----------------------------------------------------

// Where the text came from: its name for messages, and where relative paths start.
struct Source {
    std::string name;
    fs::path baseDirectory;
};

// One value of the file with what an error about it must name.
struct Value {
    const Source* source;
    YAML::Node node;
    int line;         // 1-based
    std::string path; // "listener.port"

    [[noreturn]] void fail(const std::string& reason) const { throw ConfigError(source->name, line, path, reason); }
};

int lineOf(const YAML::Node& node, int fallback) {
    const int line = node.Mark().line;
    return line >= 0 ? line + 1 : fallback;
}

std::string describe(const YAML::Node& node) {
    if (node.IsNull()) return "nothing";
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a mapping";
    return "'" + node.Scalar() + "'";
}

// A mapping of the file: every key checked against its schema, each kept once.
class Section {
public:
    // A null value (`listener:` with nothing under it) is an empty mapping: all defaults.
    Section(const Value& value, const std::string& schema) {
        if (value.node.IsNull()) return;
        if (!value.node.IsMap()) value.fail("expected a mapping of keys, got " + describe(value.node));
        const auto& known = knownKeys().at(schema);
        for (auto it = value.node.begin(); it != value.node.end(); ++it) {
            const int keyLine = lineOf(it->first, value.line);
            if (!it->first.IsScalar()) {
                throw ConfigError(value.source->name, keyLine, value.path, "keys must be plain names");
            }
            const std::string name = it->first.Scalar();
            const std::string path = value.path.empty() ? name : value.path + "." + name;
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                throw ConfigError(value.source->name, keyLine, path, "unknown key" + suggestionFor(name, schema));
            }
            if (const auto first = entries_.find(name); first != entries_.end()) {
                throw ConfigError(value.source->name, keyLine, path,
                                  "duplicate key (first given at line " + std::to_string(first->second.keyLine) + ")");
            }
            // Errors about a scalar point at it; about anything else, at its key.
            const int line = it->second.IsScalar() ? lineOf(it->second, keyLine) : keyLine;
            entries_.emplace(name, Entry{Value{value.source, it->second, line, path}, keyLine});
        }
    }

    std::optional<Value> get(const std::string& key) const {
        const auto found = entries_.find(key);
        if (found == entries_.end()) return std::nullopt;
        return found->second.value;
    }

private:
    struct Entry {
        Value value;
        int keyLine;
    };
    std::map<std::string, Entry> entries_;
};

// The elements of a list; a null value (`destinations:` alone) is an empty list.
std::vector<Value> listElements(const Value& value) {
    std::vector<Value> elements;
    if (value.node.IsNull()) return elements;
    if (!value.node.IsSequence()) value.fail("expected a list, got " + describe(value.node));
    for (std::size_t i = 0; i < value.node.size(); ++i) {
        const YAML::Node element = value.node[i];
        elements.push_back(Value{value.source, element, lineOf(element, value.line),
                                 value.path + "[" + std::to_string(i) + "]"});
    }
    return elements;
}

// ---- scalar types ------------------------------------------------------------------------------

std::string scalarText(const Value& value, const std::string& expected) {
    if (value.node.IsNull()) value.fail("needs a value (" + expected + "); leave the key out to keep the default");
    if (!value.node.IsScalar()) value.fail("expected " + expected + ", got " + describe(value.node));
    return value.node.Scalar();
}

// A quoted scalar is a string in YAML, so `port: "104"` is not a number.
bool quoted(const YAML::Node& node) { return node.Tag() == "!"; }

long long asInteger(const Value& value, long long min, long long max) {
    const std::string text = scalarText(value, "an integer");
    long long number = 0;
    const char* last = text.data() + text.size();
    const auto parsed = std::from_chars(text.data(), last, number);
    if (quoted(value.node) || text.empty() || parsed.ec != std::errc() || parsed.ptr != last) {
        value.fail("expected an integer, got " + describe(value.node));
    }
    if (number < min || number > max) {
        value.fail(std::to_string(number) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    }
    return number;
}

double asNumber(const Value& value) {
    const std::string text = scalarText(value, "a number");
    double number = 0.0;
    const char* last = text.data() + text.size();
    const auto parsed = std::from_chars(text.data(), last, number);
    if (quoted(value.node) || text.empty() || parsed.ec != std::errc() || parsed.ptr != last ||
        !std::isfinite(number)) {
        value.fail("expected a number, got " + describe(value.node));
    }
    return number;
}

std::string asString(const Value& value) {
    const std::string text = scalarText(value, "a string");
    if (text.empty()) value.fail("must not be empty");
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) value.fail("contains a control character");
    }
    return text;
}

// A non-negative number with an optional unit from `units` (none: `plainFactor`), returned as
// a whole number of the base unit named by `resolution`.
long double withUnit(const Value& value, const std::string& expected,
                     const std::vector<std::pair<std::string, long double>>& units, long double plainFactor,
                     const std::string& resolution) {
    const std::string text = scalarText(value, expected);
    double number = 0.0;
    const char* last = text.data() + text.size();
    const auto parsed = std::from_chars(text.data(), last, number);
    if (text.empty() || parsed.ec != std::errc() || !std::isfinite(number)) {
        value.fail("expected " + expected + ", got " + describe(value.node));
    }
    std::string unit(parsed.ptr, last);
    unit.erase(0, unit.find_first_not_of(' '));
    long double factor = plainFactor;
    if (!unit.empty()) {
        const auto found = std::find_if(units.begin(), units.end(), [&](const auto& u) { return u.first == unit; });
        if (found == units.end()) value.fail("unknown unit '" + unit + "' in '" + text + "': expected " + expected);
        factor = found->second;
    }
    if (number < 0) value.fail("must not be negative, got '" + text + "'");
    const long double amount = static_cast<long double>(number) * factor;
    if (amount > 1e18L) value.fail("'" + text + "' is too large");
    if (std::fabs(amount - std::round(amount)) > 1e-6L * std::max(1.0L, amount)) {
        value.fail("'" + text + "' is not a whole number of " + resolution);
    }
    return std::round(amount);
}

const std::string kDurationForm = "a duration such as 10s, 500ms, 5m, 24h or plain seconds";

std::chrono::milliseconds asDuration(const Value& value) {
    static const std::vector<std::pair<std::string, long double>> units{
        {"ms", 1.0L}, {"s", 1e3L}, {"m", 60e3L}, {"h", 3600e3L}, {"d", 86400e3L}};
    const long double milliseconds = withUnit(value, kDurationForm, units, 1e3L, "milliseconds");
    return std::chrono::milliseconds(static_cast<long long>(milliseconds));
}

std::chrono::seconds asWholeSeconds(const Value& value) {
    const auto duration = asDuration(value);
    if (duration.count() % 1000 != 0) value.fail("has a resolution of one second, got " + describe(value.node));
    return std::chrono::duration_cast<std::chrono::seconds>(duration);
}

// Timeouts handed to DCMTK as an int of seconds.
int asSecondsInt(const Value& value, long long minSeconds) {
    const long long seconds = asWholeSeconds(value).count();
    if (seconds < minSeconds) value.fail("must be at least " + std::to_string(minSeconds) + "s");
    if (seconds > std::numeric_limits<int>::max()) value.fail("is too long");
    return static_cast<int>(seconds);
}

std::uint64_t asByteSize(const Value& value) {
    static const std::vector<std::pair<std::string, long double>> units{
        {"B", 1.0L},    {"kB", 1e3L},          {"KB", 1e3L},          {"MB", 1e6L},
        {"GB", 1e9L},   {"TB", 1e12L},         {"KiB", 1024.0L},      {"MiB", 1048576.0L},
        {"GiB", 1073741824.0L}, {"TiB", 1099511627776.0L}};
    return static_cast<std::uint64_t>(
        withUnit(value, "a size such as 512MiB, 2GB or plain bytes", units, 1.0L, "bytes"));
}

// PS3.5 AE VR: at most 16 characters of the default repertoire, no backslash, no control
// characters, not only spaces. Leading and trailing spaces are not significant in DICOM, so a
// title that has them would not be the title the user meant.
std::string asAeTitle(const Value& value, bool allowWildcard) {
    const std::string text = scalarText(value, "an AE title");
    if (allowWildcard && text == "*") return text;
    if (text.empty() || text.find_first_not_of(' ') == std::string::npos) value.fail("an AE title must not be empty");
    if (text.size() > 16) value.fail("AE title '" + text + "' is longer than 16 characters");
    for (unsigned char c : text) {
        if (c == '\\') value.fail("AE title '" + text + "' contains a backslash");
        if (c < 0x20 || c >= 0x7f) value.fail("AE title contains a control or non-ASCII character");
    }
    if (text.front() == ' ' || text.back() == ' ') value.fail("AE title '" + text + "' has leading or trailing spaces");
    return text;
}

// PS3.5 LO VR: at most 64 characters, no backslash, no control characters.
std::string asLongString(const Value& value) {
    const std::string text = asString(value);
    if (text.size() > 64) value.fail("is longer than 64 characters (DICOM LO)");
    if (text.find('\\') != std::string::npos) value.fail("contains a backslash");
    return text;
}

// The listener compares the peer's numeric address with this text, so a host name would never
// match; the canonical form ("::1", not "0:0::1") is what it will see.
std::string asIpAddress(const Value& value) {
    const std::string text = scalarText(value, "an IP address");
    unsigned char buffer[sizeof(in6_addr)];
    char canonical[INET6_ADDRSTRLEN];
    for (const int family : {AF_INET, AF_INET6}) {
        if (inet_pton(family, text.c_str(), buffer) == 1 && inet_ntop(family, buffer, canonical, sizeof canonical)) {
            return canonical;
        }
    }
    value.fail("'" + text + "' is not a numeric IPv4 or IPv6 address (peers are matched by address, not name)");
}

fs::path asPath(const Value& value) {
    const fs::path path = asString(value);
    return path.is_absolute() ? path : (value.source->baseDirectory / path).lexically_normal();
}

bool asBoolean(const Value& value); // with the http section below

// A file the node will read when it starts (TLS keys and certificates): a missing or unreadable
// one is reported now, with its line, rather than at the first association.
fs::path asReadableFile(const Value& value, const std::string& what) {
    const fs::path path = asPath(value);
    std::error_code error;
    if (!fs::is_regular_file(path, error)) value.fail("no such " + what + " file: " + path.string());
    if (!std::ifstream(path)) value.fail("cannot read " + what + " file " + path.string());
    return path;
}

// `openssl x509 -fingerprint -sha256` prints "AB:CD:..."; some tools print plain hex. Stored as
// lower-case pairs joined by ':', the form the listener computes for a peer's certificate.
std::string asSha256Fingerprint(const Value& value) {
    const std::string text = scalarText(value, "a SHA-256 fingerprint");
    std::string hex;
    for (const char c : text) {
        if (c == ':' || c == ' ') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) value.fail("'" + text + "' is not a hexadecimal fingerprint");
        hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (hex.size() != 64) value.fail("a SHA-256 fingerprint has 32 bytes (64 hex digits), got " + describe(value.node));
    std::string pairs;
    for (std::size_t i = 0; i < hex.size(); i += 2) pairs += (i ? ":" : "") + hex.substr(i, 2);
    return pairs;
}

// listener.tls (forListener) or destinations[].tls: the same files, each side's own policy key.
TlsConfig readTls(const Value& value, bool forListener) {
    const Section section(value, forListener ? "listener.tls" : "destinations[].tls");
    if (value.node.IsNull()) value.fail("needs at least trusted_certificates (see docs/tls.md)");
    TlsConfig tls;
    const auto certificate = section.get("certificate");
    const auto privateKey = section.get("private_key");
    if (certificate) tls.certificate = asReadableFile(*certificate, "certificate");
    if (privateKey) tls.privateKey = asReadableFile(*privateKey, "private key");
    if (const auto v = section.get("trusted_certificates")) {
        if (v->node.IsSequence()) {
            for (const auto& element : listElements(*v)) {
                tls.trustedCertificates.push_back(asReadableFile(element, "trusted certificate"));
            }
        } else {
            tls.trustedCertificates.push_back(asReadableFile(*v, "trusted certificate"));
        }
    }
    if (const auto v = section.get("require_peer_certificate")) tls.requirePeerCertificate = asBoolean(*v);
    if (const auto v = section.get("check_host_name")) tls.checkHostName = asBoolean(*v);
    if (const auto v = section.get("profile")) {
        tls.profile = asString(*v);
        if (tls.profile != "bcp195-nd" && tls.profile != "bcp195" && tls.profile != "bcp195-extended") {
            v->fail("unknown TLS profile '" + tls.profile + "' (bcp195-nd, bcp195, bcp195-extended)");
        }
    }
    if (forListener && (!certificate || !privateKey)) {
        value.fail("a TLS listener needs 'certificate' and 'private_key' (what it shows its peers)");
    }
    if (!forListener && static_cast<bool>(certificate) != static_cast<bool>(privateKey)) {
        value.fail("'certificate' and 'private_key' go together: give both (a client certificate) or neither");
    }
    const bool mustVerify = !forListener || tls.requirePeerCertificate;
    if (mustVerify && tls.trustedCertificates.empty()) {
        value.fail(forListener ? "needs 'trusted_certificates' (the CAs that sign peer certificates) while "
                                 "require_peer_certificate is true"
                               : "needs 'trusted_certificates' (the CAs that sign the destination's certificate)");
    }
    return tls;
}

// ---- sections ----------------------------------------------------------------------------------

AllowedPeer readAllowedPeer(const Value& value) {
    const Section section(value, "listener.allowed_peers[]");
    AllowedPeer peer;
    const auto aeTitle = section.get("ae_title");
    if (!aeTitle) value.fail("needs 'ae_title' (the peer's calling AE title, or \"*\" for any)");
    peer.aeTitle = asAeTitle(*aeTitle, true);
    if (const auto host = section.get("host"); host && !host->node.IsNull()) peer.host = asIpAddress(*host);
    if (const auto v = section.get("certificate_cn"); v && !v->node.IsNull()) peer.certificateCn = asString(*v);
    if (const auto v = section.get("certificate_sha256"); v && !v->node.IsNull()) {
        peer.certificateSha256 = asSha256Fingerprint(*v);
    }
    return peer;
}

// A certificate binding without TLS would never see a certificate and refuse the peer always.
void checkCertificateBindings(const Value& listenerValue, const ListenerConfig& listener) {
    if (listener.tls) return;
    const Section section(listenerValue, "listener");
    const auto peers = section.get("allowed_peers");
    if (!peers) return;
    const auto elements = listElements(*peers);
    for (std::size_t i = 0; i < elements.size() && i < listener.allowedPeers.size(); ++i) {
        const auto& peer = listener.allowedPeers[i];
        if (!peer.certificateCn.empty() || !peer.certificateSha256.empty()) {
            elements[i].fail("binds a certificate to AE " + peer.aeTitle + ", but listener.tls is not set");
        }
    }
}

void readListener(const Value& value, ListenerConfig& listener) {
    const Section section(value, "listener");
    if (const auto v = section.get("ae_title")) listener.aeTitle = asAeTitle(*v, false);
    if (const auto v = section.get("port")) listener.port = static_cast<int>(asInteger(*v, 1, 65535));
    if (const auto v = section.get("allowed_peers")) {
        for (const auto& element : listElements(*v)) listener.allowedPeers.push_back(readAllowedPeer(element));
    }
    if (const auto v = section.get("max_associations")) {
        listener.maxAssociations = static_cast<int>(asInteger(*v, 1, 1000));
    }
    if (const auto v = section.get("max_associations_per_peer")) {
        listener.maxAssociationsPerPeer = static_cast<int>(asInteger(*v, 1, 1000));
    }
    if (listener.maxAssociationsPerPeer > listener.maxAssociations) {
        const auto v = section.get("max_associations_per_peer");
        (v ? *v : *section.get("max_associations"))
            .fail("max_associations_per_peer (" + std::to_string(listener.maxAssociationsPerPeer) +
                  ") exceeds max_associations (" + std::to_string(listener.maxAssociations) + ")");
    }
    if (const auto v = section.get("max_pdu")) {
        // PS3.8 lets a Maximum Length of 0 mean "unlimited", but DCMTK's acceptor only
        // handles PDUs of 4096..131072 bytes.
        const std::uint64_t bytes = asByteSize(*v);
        if (bytes < 4096 || bytes > 131072) {
            v->fail(std::to_string(bytes) + " bytes is outside 4096..131072 (DCMTK's receive PDU limits; 0 = "
                    "unlimited is not supported)");
        }
        listener.maxPdu = static_cast<unsigned>(bytes);
    }
    if (const auto v = section.get("dimse_timeout")) listener.dimseTimeoutSeconds = asSecondsInt(*v, 1);
    if (const auto v = section.get("acse_timeout")) listener.acseTimeoutSeconds = asSecondsInt(*v, 1);
    if (const auto v = section.get("minimum_free_disk")) listener.minimumFreeDiskBytes = asByteSize(*v);
    if (const auto v = section.get("tls"); v) listener.tls = readTls(*v, true);
    checkCertificateBindings(value, listener);
}

void readStorage(const Value& value, StorageConfig& storage) {
    const Section section(value, "storage");
    if (const auto v = section.get("state_directory")) storage.stateDirectory = asPath(*v);
    if (const auto v = section.get("database"); v && !v->node.IsNull()) storage.database = asPath(*v);
    if (const auto v = section.get("file_store"); v && !v->node.IsNull()) storage.fileStore = asPath(*v);
    if (const auto v = section.get("retention")) {
        storage.retention = asDuration(*v);
        if (storage.retention.count() != 0 && storage.retention < std::chrono::hours(1)) {
            v->fail("must be 0 (keep images for ever) or at least 1h, e.g. 90d");
        }
    }
}

void readAssembly(const Value& value, AssemblyConfig& assembly) {
    const Section section(value, "assembly");
    if (const auto v = section.get("quiet_period")) assembly.quietPeriod = asDuration(*v);
    if (const auto v = section.get("seg_window")) assembly.segWindow = asDuration(*v);
}

void readWorkers(const Value& value, WorkerConfig& workers) {
    const Section section(value, "workers");
    if (const auto v = section.get("count")) workers.workers = static_cast<int>(asInteger(*v, 1, 256));
    if (const auto v = section.get("max_attempts")) workers.maxAttempts = static_cast<int>(asInteger(*v, 1, 100));
    if (const auto v = section.get("lease_duration")) {
        workers.leaseDuration = asWholeSeconds(*v);
        if (workers.leaseDuration.count() < 1) v->fail("must be at least 1s");
    }
}

void readDelivery(const Value& value, DeliveryConfig& delivery) {
    const Section section(value, "delivery");
    if (const auto v = section.get("max_age")) delivery.maxAge = asWholeSeconds(*v);
    if (const auto v = section.get("initial_backoff")) {
        delivery.initialBackoff = asWholeSeconds(*v);
        if (delivery.initialBackoff.count() < 1) v->fail("must be at least 1s");
    }
    if (const auto v = section.get("max_backoff")) delivery.maxBackoff = asWholeSeconds(*v);
    if (delivery.maxBackoff < delivery.initialBackoff) {
        const auto v = section.get("max_backoff");
        (v ? *v : *section.get("initial_backoff"))
            .fail("max_backoff (" + std::to_string(delivery.maxBackoff.count()) +
                  "s) is shorter than initial_backoff (" + std::to_string(delivery.initialBackoff.count()) + "s)");
    }
    if (const auto v = section.get("series_description")) delivery.seriesDescription = asLongString(*v);
    if (const auto v = section.get("summary_images")) delivery.summaryImages = asBoolean(*v);
    if (const auto v = section.get("series_number")) {
        delivery.seriesNumber = static_cast<int>(asInteger(*v, 1, std::numeric_limits<std::int32_t>::max()));
    }
}

Destination readDestination(const Value& value) {
    const Section section(value, "destinations[]");
    const auto required = [&](const char* key, const char* what) {
        const auto found = section.get(key);
        if (!found) value.fail(std::string("needs '") + key + "' (" + what + ")");
        return *found;
    };
    Destination destination;
    destination.name = asString(required("name", "how logs and the outbox refer to it"));
    destination.aeTitle = asAeTitle(required("ae_title", "the called AE title"), false);
    const Value host = required("host", "address or name to connect to");
    destination.host = asString(host);
    if (destination.host.find(' ') != std::string::npos) host.fail("'" + destination.host + "' contains a space");
    if (const auto v = section.get("port")) destination.port = static_cast<int>(asInteger(*v, 1, 65535));
    if (const auto v = section.get("calling_ae_title"); v && !v->node.IsNull()) {
        destination.callingAeTitle = asAeTitle(*v, false);
    }
    if (const auto v = section.get("tls")) destination.tls = readTls(*v, false);
    if (const auto v = section.get("sr_format")) {
        const std::string format = asString(*v);
        if (format == "enhanced") destination.srFormat = SrFormat::Enhanced;
        else if (format != "comprehensive-3d") v->fail("unknown SR format '" + format + "' (comprehensive-3d, enhanced)");
    }
    if (const auto v = section.get("storage_commitment")) destination.storageCommitment = asBoolean(*v);
    if (const auto v = section.get("storage_commitment_timeout")) {
        destination.storageCommitmentTimeout = asWholeSeconds(*v);
        if (destination.storageCommitmentTimeout.count() < 1) v->fail("must be at least 1s");
    }
    return destination;
}

void readDestinations(const Value& value, std::vector<Destination>& destinations) {
    std::map<std::string, int> firstLine;
    for (const auto& element : listElements(value)) {
        destinations.push_back(readDestination(element));
        const auto [first, added] = firstLine.emplace(destinations.back().name, element.line);
        if (!added) {
            throw ConfigError(element.source->name, element.line, element.path + ".name",
                              "duplicate destination name '" + first->first + "' (first at line " +
                                  std::to_string(first->second) + ")");
        }
    }
}

void readAnalysis(const Value& value, AnalysisConfig& analysis) {
    const Section section(value, "analysis");
    if (const auto v = section.get("age_from_dicom")) analysis.ageFromDicom = asBoolean(*v);
    if (const auto v = section.get("rings_mm")) {
        analysis.ringsMm.clear();
        for (const auto& element : listElements(*v)) {
            const double ring = asNumber(element);
            if (ring <= 0) element.fail("a ring width must be positive, got " + describe(element.node));
            if (std::find(analysis.ringsMm.begin(), analysis.ringsMm.end(), ring) != analysis.ringsMm.end()) {
                element.fail("ring width " + element.node.Scalar() + " mm is listed twice");
            }
            analysis.ringsMm.push_back(ring);
        }
    }
    if (const auto v = section.get("pyradiomics_params"); v && !v->node.IsNull()) {
        const fs::path file = asPath(*v);
        try {
            analysis.params = readPyradiomicsParams(file);
        } catch (const std::exception& error) {
            v->fail(error.what());
        }
        analysis.pyradiomicsParams = file;
    }
}

void readModels(const Value& value, std::vector<ModelRef>& models) {
    for (const auto& element : listElements(value)) {
        const Section section(element, "models[]");
        const auto file = section.get("file");
        if (!file) element.fail("needs 'file' (the model file, YAML)");
        const fs::path path = asPath(*file);
        std::error_code error;
        if (!fs::is_regular_file(path, error)) file->fail("no such model file: " + path.string());
        models.push_back(ModelRef{path});
    }
}

bool asBoolean(const Value& value) {
    const std::string text = scalarText(value, "true or false");
    if (!quoted(value.node) && (text == "true" || text == "yes")) return true;
    if (!quoted(value.node) && (text == "false" || text == "no")) return false;
    value.fail("expected true or false, got " + describe(value.node));
}

void readHttp(const Value& value, HttpConfig& http) {
    const Section section(value, "http");
    if (const auto v = section.get("enabled")) http.enabled = asBoolean(*v);
    const auto bind = section.get("bind");
    if (bind) http.bind = asIpAddress(*bind);
    if (const auto v = section.get("port")) http.port = static_cast<int>(asInteger(*v, 1, 65535));
    if (const auto v = section.get("token_file"); v && !v->node.IsNull()) {
        const fs::path path = asPath(*v);
        std::error_code error;
        if (!fs::is_regular_file(path, error)) v->fail("no such token file: " + path.string());
        http.tokenFile = path;
    }
    // Anyone on the network could read results otherwise.
    if (http.enabled && !isLoopbackAddress(http.bind) && !http.tokenFile) {
        bind->fail("'" + http.bind + "' is not a loopback address: set http.token_file (bearer token) to serve on it");
    }
}

// RFC 5424 header fields: printable ASCII, no spaces, bounded length.
std::string asSyslogField(const Value& value, std::size_t maxLength) {
    const std::string text = asString(value);
    if (text.empty() || text.size() > maxLength) {
        value.fail("expected 1 to " + std::to_string(maxLength) + " characters, got " + describe(value.node));
    }
    for (const char c : text) {
        if (c < 33 || c > 126) value.fail("'" + text + "' must be printable ASCII without spaces (an RFC 5424 header field)");
    }
    return text;
}

void readAudit(const Value& value, AuditSyslogConfig& syslog) {
    const Section section(value, "audit");
    const auto syslogValue = section.get("syslog");
    if (!syslogValue) return;
    const Section settings(*syslogValue, "audit.syslog");
    if (const auto v = settings.get("enabled")) syslog.enabled = asBoolean(*v);
    if (const auto v = settings.get("host")) syslog.host = asSyslogField(*v, 255);
    if (const auto v = settings.get("port")) syslog.port = static_cast<int>(asInteger(*v, 1, 65535));
    if (const auto v = settings.get("app_name")) syslog.appName = asSyslogField(*v, 48);
    if (const auto v = settings.get("source_id")) syslog.sourceId = asString(*v);
    const auto transport = settings.get("transport");
    if (transport) {
        const std::string name = asString(*transport);
        if (name != "udp" && name != "tls") transport->fail("unknown transport '" + name + "' (udp, tls)");
        syslog.transport = name == "tls" ? SyslogTransport::Tls : SyslogTransport::Udp;
    }
    const auto caFile = settings.get("ca_file");
    const auto certificateFile = settings.get("certificate_file");
    const auto privateKeyFile = settings.get("private_key_file");
    if (syslog.transport == SyslogTransport::Udp) {
        // TLS files with UDP would mean audit messages in clear that the site meant to protect.
        for (const auto& v : {caFile, certificateFile, privateKeyFile}) {
            if (v) v->fail("is for transport: tls (transport is udp)");
        }
        return;
    }
    if (!settings.get("port")) syslog.port = 6514; // RFC 5425's port
    if (!caFile) {
        transport->fail("tls needs 'ca_file' (the CAs that sign the collector's certificate)");
    }
    syslog.caFile = asReadableFile(*caFile, "CA");
    if (static_cast<bool>(certificateFile) != static_cast<bool>(privateKeyFile)) {
        (certificateFile ? *certificateFile : *privateKeyFile)
            .fail("'certificate_file' and 'private_key_file' go together: give both (a client certificate) or neither");
    }
    if (certificateFile) syslog.certificateFile = asReadableFile(*certificateFile, "certificate");
    if (privateKeyFile) syslog.privateKeyFile = asReadableFile(*privateKeyFile, "private key");
}

NodeConfig readConfig(const std::string& yamlText, const Source& source) {
    YAML::Node root;
    try {
        root = YAML::Load(yamlText);
    } catch (const YAML::ParserException& error) {
        throw ConfigError(source.name, error.mark.line + 1, "", "YAML syntax: " + error.msg);
    }
    const Value top{&source, root, 1, ""};
    const Section section(top, "");

    NodeConfig config = defaultConfig();
    config.storage.database.clear(); // re-derived below from the configured state directory
    config.storage.fileStore.clear();
    if (const auto v = section.get("listener")) readListener(*v, config.listener);
    if (const auto v = section.get("storage")) readStorage(*v, config.storage);
    if (const auto v = section.get("assembly")) readAssembly(*v, config.assembly);
    if (const auto v = section.get("workers")) readWorkers(*v, config.workers);
    if (const auto v = section.get("delivery")) readDelivery(*v, config.delivery);
    if (const auto v = section.get("destinations")) readDestinations(*v, config.destinations);
    if (const auto v = section.get("analysis")) readAnalysis(*v, config.analysis);
    if (const auto v = section.get("models")) readModels(*v, config.models);
    if (const auto v = section.get("http")) readHttp(*v, config.http);
    if (const auto v = section.get("log_level")) {
        // The levels node/log.h knows.
        const std::string level = asString(*v);
        if (level != "debug" && level != "info" && level != "warning" && level != "error") {
            v->fail("unknown log level '" + level + "' (debug, info, warning, error)");
        }
        config.logLevel = level;
    }
    if (const auto v = section.get("audit")) readAudit(*v, config.auditSyslog);
    if (const auto v = section.get("log_include_phi")) {
        config.logIncludePhi = asBoolean(*v);
        // Patient identifiers in journald are for a debugging session, not for routine running.
        if (config.logIncludePhi && config.logLevel != "debug") {
            v->fail("patient identifiers in the logs need log_level: debug (now '" + config.logLevel + "')");
        }
    }
    resolveDerivedPaths(config);
    return config;
}

} // namespace

ConfigError::ConfigError(std::string file_, int line_, std::string key_, std::string reason_)
    : std::runtime_error(formatError(file_, line_, key_, reason_)), file(std::move(file_)), line(line_),
      key(std::move(key_)), reason(std::move(reason_)) {}

NodeConfig defaultConfig() {
    NodeConfig config; // the defaults live in the struct definitions (node_config.h)
    resolveDerivedPaths(config);
    return config;
}

NodeConfig parseConfig(const std::string& yamlText, const std::string& sourceName) {
    return readConfig(yamlText, Source{sourceName, fs::path(sourceName).parent_path()});
}

NodeConfig loadConfig(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError(file.string(), 0, "", "cannot read the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(file.string(), 0, "", "error while reading the configuration file");
    std::error_code error;
    const fs::path absolute = fs::absolute(file, error);
    return readConfig(text.str(), Source{file.string(), (error ? file : absolute).parent_path()});
}

} // namespace radnode::config
