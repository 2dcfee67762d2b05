#include "node/http_api.h"

#include "node/clinical_inputs.h"
#include "node/log.h"
#include "node/status_page.h"
#include "node/utc_time.h"
#include "node/version.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace radnode::node {

using nlohmann::json;

namespace {

// A request the API refuses, with the status and a reason the client can act on.
struct ApiError : std::runtime_error {
    ApiError(int status_, const std::string& reason, std::string allow_ = "")
        : std::runtime_error(reason), status(status_), allow(std::move(allow_)) {}
    int status;
    std::string allow; // the methods the resource takes, for a 405
};

std::string dump(const json& value) {
    // Patient IDs may come in any DICOM character set: never fail on bytes that are not UTF-8.
    return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

HttpResponse jsonResponse(int status, const json& value) { return HttpResponse{status, "application/json", dump(value), {}}; }

HttpResponse errorResponse(int status, const std::string& reason) { return jsonResponse(status, json{{"error", reason}}); }

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percentDecoded(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%') {
            const int high = i + 2 < text.size() ? hexDigit(text[i + 1]) : -1;
            const int low = high >= 0 ? hexDigit(text[i + 2]) : -1;
            if (low < 0) throw ApiError(400, "malformed percent-encoding in '" + text + "'");
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// The query parameters of a request; a parameter the endpoint does not know is an error,
// so a typo never silently widens a query.
std::map<std::string, std::string> queryParameters(const HttpRequest& request, const std::vector<std::string>& known) {
    std::map<std::string, std::string> parameters;
    std::stringstream pairs(request.query);
    std::string pair;
    while (std::getline(pairs, pair, '&')) {
        if (pair.empty()) continue;
        const auto equals = pair.find('=');
        const std::string name = percentDecoded(pair.substr(0, equals));
        const std::string value = equals == std::string::npos ? "" : percentDecoded(pair.substr(equals + 1));
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            throw ApiError(400, "unknown query parameter '" + name + "' for " + request.path +
                                    (known.empty() ? " (it takes none)" : " (known: " + list + ")"));
        }
        parameters[name] = value;
    }
    return parameters;
}

int limitParameter(const std::map<std::string, std::string>& parameters, int fallback) {
    const auto found = parameters.find("limit");
    if (found == parameters.end()) return fallback;
    try {
        std::size_t used = 0;
        const int limit = std::stoi(found->second, &used);
        if (used == found->second.size() && limit >= 1 && limit <= 10000) return limit;
    } catch (const std::exception&) {
    }
    throw ApiError(400, "limit '" + found->second + "' is not a number from 1 to 10000");
}

std::int64_t timeParameter(const std::map<std::string, std::string>& parameters, const std::string& name,
                           std::int64_t fallback) {
    const auto found = parameters.find(name);
    if (found == parameters.end()) return fallback;
    try {
        return parseUtcTime(found->second, name);
    } catch (const std::invalid_argument& error) {
        throw ApiError(400, error.what());
    }
}

std::string parameter(const std::map<std::string, std::string>& parameters, const std::string& name) {
    const auto found = parameters.find(name);
    return found == parameters.end() ? "" : found->second;
}

json optionalNumber(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

json flagList(const std::string& flags) {
    json list = json::array();
    std::stringstream items(flags);
    std::string flag;
    while (std::getline(items, flag, ',')) {
        if (!flag.empty()) list.push_back(flag);
    }
    return list;
}

json scoreJson(const storage::ScoreRecord& score, const std::string& family) {
    return json{{"model", score.modelName},
                {"model_version", score.modelVersion},
                {"family", family},
                {"scored", score.scored},
                {"reason", score.reason},
                {"probability", optionalNumber(score.probability)},
                {"rad_score", optionalNumber(score.radScore)},
                {"threshold", score.threshold},
                {"class", score.predictedClass},
                {"flags", flagList(score.flags)}};
}

json resultJson(const ResultSummary& result) {
    json scores = json::array();
    for (std::size_t i = 0; i < result.scores.size(); ++i) {
        scores.push_back(scoreJson(result.scores[i], i < result.scoreFamilies.size() ? result.scoreFamilies[i] : ""));
    }
    json deliveries = json::array();
    for (const auto& delivery : result.deliveries) {
        deliveries.push_back(json{{"destination", delivery.destination},
                                  {"state", delivery.state},
                                  {"attempts", delivery.attempts},
                                  {"last_status", delivery.lastStatus},
                                  {"last_error", delivery.lastError},
                                  {"commitment", delivery.commitment.empty() ? json(nullptr) : json(delivery.commitment)}});
    }
    return json{{"result_id", result.id},
                {"job_id", result.jobId},
                {"study_uid", result.studyUid},
                {"patient_id", result.patientId},
                {"accession_number", result.accessionNumber},
                {"sr_sop_instance_uid", result.srSopInstanceUid},
                {"sr_series_uid", result.srSeriesUid},
                {"created", isoTime(result.createdAt)},
                {"supersedes", result.supersedes ? json(*result.supersedes) : json(nullptr)},
                {"superseded", result.superseded},
                {"scores", scores},
                {"deliveries", deliveries}};
}

json jobJson(const storage::JobRow& job) {
    return json{{"id", job.id},
                {"study_uid", job.studyUid},
                {"state", storage::jobStateName(job.state)},
                {"attempts", job.attempts},
                {"last_error", job.lastError},
                {"created", isoTime(job.createdAt)},
                {"updated", isoTime(job.updatedAt)}};
}

// Prometheus label values: backslash, double quote and newline escaped.
std::string labelValue(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

void family(std::string& out, const std::string& name, const std::string& type, const std::string& help) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const std::string& name, const std::string& labels, double value) {
    char number[32];
    std::snprintf(number, sizeof number, "%.17g", value);
    out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + number + "\n";
}

std::uint64_t freeDiskBytes(const std::filesystem::path& directory) {
    struct statvfs disk {};
    if (::statvfs(directory.c_str(), &disk) != 0) return 0;
    return static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize;
}

// What needs no token: liveness for a supervisor, and the page (it holds no data; its script
// sends the token with each API call).
bool isPublic(const std::string& path) { return path == "/healthz" || path == "/"; }

// Probes and scrapes poll all day and reveal no study data: auditing each would drown the
// trail. A refused token is audited wherever it was tried.
bool isAudited(const std::string& path, int status) {
    return status == 401 || (path != "/healthz" && path != "/readyz" && path != "/metrics");
}

// Compares in a time that does not depend on where the strings differ.
bool sameSecret(const std::string& given, const std::string& expected) {
    if (given.size() != expected.size()) return false; // the length is no secret worth hiding
    unsigned char difference = 0;
    for (std::size_t i = 0; i < given.size(); ++i) difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
    return difference == 0;
}

// "/api/v1/studies/UID/clinical" -> UID; empty for any other path.
std::string clinicalStudyUid(const std::string& path) {
    const std::string prefix = "/api/v1/studies/", suffix = "/clinical";
    if (path.size() <= prefix.size() + suffix.size() || path.rfind(prefix, 0) != 0 ||
        path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) {
        return "";
    }
    return path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
}

// The covariates of a PUT body, {"ki67": 35, "us_node_status": "positive"}, as key/value text.
std::vector<std::pair<std::string, std::string>> clinicalValues(const std::string& body) {
    const json object = json::parse(body, nullptr, false);
    if (object.is_discarded()) throw ApiError(400, "the body is not JSON (expected an object of clinical values)");
    if (!object.is_object() || object.empty()) {
        throw ApiError(400, "expected a JSON object of clinical values, e.g. {\"ki67\": 35}");
    }
    std::vector<std::pair<std::string, std::string>> values;
    for (const auto& [key, value] : object.items()) {
        if (value.is_string()) {
            values.emplace_back(key, value.get<std::string>());
        } else if (value.is_number()) {
            values.emplace_back(key, value.dump());
        } else {
            throw ApiError(400, "clinical value '" + key + "' must be a number or a string, got " + value.dump());
        }
    }
    return values;
}

} // namespace

std::string readBearerToken(const std::filesystem::path& file) {
    struct stat status {};
    if (::stat(file.c_str(), &status) != 0) throw std::runtime_error("cannot read the HTTP token file " + file.string());
    if (status.st_mode & S_IROTH) {
        throw std::runtime_error("HTTP token file " + file.string() + " may be read by any user: chmod o-r it");
    }
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) throw std::runtime_error("cannot read the HTTP token file " + file.string());
    std::string token = text.str();
    const auto first = token.find_first_not_of(" \t\r\n");
    const auto last = token.find_last_not_of(" \t\r\n");
    if (first == std::string::npos) throw std::runtime_error("HTTP token file " + file.string() + " is empty");
    return token.substr(first, last - first + 1);
}

HttpApi::HttpApi(HttpApiContext context, std::string bearerToken)
    : context_(std::move(context)), bearerToken_(std::move(bearerToken)), queries_(context_.config.storage.database) {}

HttpResponse HttpApi::handle(const HttpRequest& request) {
    HttpResponse response;
    try {
        if (!bearerToken_.empty() && !isPublic(request.path)) {
            const std::string prefix = "Bearer ";
            if (request.authorization.rfind(prefix, 0) != 0) {
                throw ApiError(401, "this node requires a bearer token (header 'Authorization: Bearer TOKEN')");
            }
            if (!sameSecret(request.authorization.substr(prefix.size()), bearerToken_)) {
                throw ApiError(401, "the bearer token is not this node's token");
            }
        }
        response = route(request);
    } catch (const ApiError& error) {
        response = errorResponse(error.status, error.what());
        if (error.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"radnode\"");
        if (!error.allow.empty()) response.headers.emplace_back("Allow", error.allow);
    } catch (const std::exception& error) {
        logEvent(LogLevel::Error, "http.error", {{"path", request.path}, {"reason", error.what()}});
        response = errorResponse(500, error.what());
    }
    if (isAudited(request.path, response.status)) {
        try {
            std::string studyUid = clinicalStudyUid(request.path);
            if (studyUid.size() > 64 || studyUid.find_first_not_of("0123456789.") != std::string::npos) studyUid.clear();
            context_.store.audit(storage::AuditEvent{"api.access", studyUid, "", "", request.peerAddress, std::nullopt,
                                                     request.method + " " + request.target + " " +
                                                         std::to_string(response.status)});
        } catch (const std::exception& error) {
            logEvent(LogLevel::Error, "audit.failed", {{"reason", error.what()}});
        }
    }
    // The path only: query strings may carry patient IDs, which stay out of the logs.
    logEvent(LogLevel::Debug, "http.request",
             {{"method", request.method}, {"path", request.path}, {"status", std::to_string(response.status)}});
    return response;
}

HttpResponse HttpApi::route(const HttpRequest& request) {
    const std::string& path = request.path;
    const auto onlyGet = [&] {
        if (request.method != "GET") {
            throw ApiError(405, request.method + " is not allowed on " + path + " (GET only)", "GET");
        }
    };
    if (path == "/healthz") {
        onlyGet();
        queryParameters(request, {});
        return jsonResponse(200, json{{"status", "alive"}, {"version", version()}});
    }
    if (path == "/readyz") {
        onlyGet();
        queryParameters(request, {});
        return ready();
    }
    if (path == "/metrics") {
        onlyGet();
        queryParameters(request, {});
        return metricsText();
    }
    if (path == "/" || path == "/index.html") {
        onlyGet();
        return HttpResponse{200, "text/html; charset=utf-8", statusPageHtml(), {}};
    }
    if (path == "/api/v1/studies") {
        onlyGet();
        const auto parameters = queryParameters(request, {"limit"});
        json studies = json::array();
        for (const auto& study : queries_.recentStudies(limitParameter(parameters, 50))) {
            studies.push_back(json{{"study_uid", study.studyUid},
                                   {"patient_id", study.patientId},
                                   {"accession_number", study.accessionNumber},
                                   {"first_received", isoTime(study.firstReceivedAt)},
                                   {"last_received", isoTime(study.lastReceivedAt)},
                                   {"instances", study.instances},
                                   {"job", study.latestJob ? jobJson(*study.latestJob) : json(nullptr)},
                                   {"result", study.latestResult ? resultJson(*study.latestResult) : json(nullptr)}});
        }
        return jsonResponse(200, studies);
    }
    if (path == "/api/v1/jobs") {
        onlyGet();
        const auto parameters = queryParameters(request, {"state", "limit"});
        const std::string state = parameter(parameters, "state");
        if (!state.empty() && state != "queued" && state != "running" && state != "done" && state != "failed") {
            throw ApiError(400, "state '" + state + "' is not one of queued, running, done, failed");
        }
        json jobs = json::array();
        for (const auto& row : queries_.jobs(state, limitParameter(parameters, 100))) {
            json job = jobJson(row.job);
            job["accession_number"] = row.accessionNumber;
            jobs.push_back(job);
        }
        return jsonResponse(200, jobs);
    }
    if (path == "/api/v1/results") {
        onlyGet();
        const auto parameters = queryParameters(request, {"since", "limit"});
        json results = json::array();
        for (const auto& result : queries_.results(timeParameter(parameters, "since", 0), limitParameter(parameters, 100))) {
            results.push_back(resultJson(result));
        }
        return jsonResponse(200, results);
    }
    if (const std::string studyUid = clinicalStudyUid(path); !studyUid.empty()) {
        if (request.method != "PUT") {
            throw ApiError(405, request.method + " is not allowed on " + path + " (PUT only)", "PUT");
        }
        queryParameters(request, {});
        const bool validUid = studyUid.size() <= 64 && studyUid.find_first_not_of("0123456789.") == std::string::npos;
        if (!validUid) throw ApiError(400, "'" + studyUid + "' is not a Study Instance UID");
        ClinicalUpdate update;
        update.studyUid = studyUid;
        update.values = clinicalValues(request.body);
        update.source = "http " + request.peerAddress;
        ClinicalUpdateOutcome outcome;
        try {
            outcome = setClinicalInputs(context_.store, update);
        } catch (const std::invalid_argument& error) {
            throw ApiError(400, error.what());
        }
        json values = json::object();
        for (const auto& [key, value] : update.values) values[key] = value;
        // A study with a result is re-scored (its new SR supersedes the last); otherwise the
        // values wait for its first analysis.
        return jsonResponse(200, json{{"study_uid", studyUid},
                                      {"values", values},
                                      {"status", outcome.studiesRescored.empty() ? "stored" : "rescoring"}});
    }
    if (path == "/api/v1/audit") {
        onlyGet();
        // The filters of `radnode audit`, under the same names.
        const auto parameters = queryParameters(
            request, {"study", "patient", "accession", "event", "calling_ae", "since", "until", "limit"});
        storage::AuditFilter filter;
        filter.studyUid = parameter(parameters, "study");
        filter.patientId = parameter(parameters, "patient");
        filter.accessionNumber = parameter(parameters, "accession");
        filter.event = parameter(parameters, "event");
        filter.callingAe = parameter(parameters, "calling_ae");
        if (parameters.count("since")) filter.since = timeParameter(parameters, "since", 0);
        if (parameters.count("until")) filter.until = timeParameter(parameters, "until", 0);
        filter.limit = limitParameter(parameters, 1000);
        json events = json::array();
        for (const auto& row : context_.store.auditEvents(filter)) {
            events.push_back(json{{"id", row.id},
                                  {"time", isoTime(row.at)},
                                  {"event", row.event.event},
                                  {"study_uid", row.event.studyUid},
                                  {"sop_instance_uid", row.event.sopInstanceUid},
                                  {"calling_ae", row.event.callingAe},
                                  {"peer_address", row.event.peerAddress},
                                  {"job_id", row.event.jobId ? json(*row.event.jobId) : json(nullptr)},
                                  {"detail", row.event.detail}});
        }
        return jsonResponse(200, events);
    }
    throw ApiError(404, "no such resource: " + path);
}

HttpResponse HttpApi::ready() {
    json checks = json::object();
    std::string reason;
    const auto check = [&](const std::string& name, const std::string& problem) {
        checks[name] = problem.empty() ? "ok" : problem;
        if (!problem.empty() && reason.empty()) reason = name + ": " + problem;
    };
    check("listener", context_.listenerUp() ? "" : "the DICOM listener is not accepting associations");
    check("database", queries_.writeProblem());
    const auto& config = context_.config;
    const std::uint64_t free = freeDiskBytes(config.storage.stateDirectory);
    const std::uint64_t minimum = config.listener.minimumFreeDiskBytes;
    check("disk", minimum > 0 && free < minimum
                      ? std::to_string(free) + " bytes free on " + config.storage.stateDirectory.string() +
                            ", below the minimum of " + std::to_string(minimum)
                      : "");
    json body{{"ready", reason.empty()}, {"checks", checks}};
    if (!reason.empty()) body["reason"] = reason;
    return jsonResponse(reason.empty() ? 200 : 503, body);
}

HttpResponse HttpApi::metricsText() {
    const auto counts = queries_.counts();
    std::string out;
    family(out, "radnode_build_info", "gauge", "The running radnode version.");
    sample(out, "radnode_build_info", "version=\"" + labelValue(version()) + "\"", 1);
    family(out, "radnode_listener_up", "gauge", "1 while the DICOM listener accepts associations.");
    sample(out, "radnode_listener_up", "", context_.listenerUp() ? 1 : 0);
    family(out, "radnode_associations_accepted_total", "counter", "DICOM associations accepted since the node started.");
    sample(out, "radnode_associations_accepted_total", "", static_cast<double>(context_.metrics.associationsAccepted()));
    family(out, "radnode_rejections_total", "counter",
           "Refused associations (by reason) and refused instances (by DIMSE status), from the audit log.");
    for (const auto& count : counts.associationRefusals) {
        sample(out, "radnode_rejections_total", "stage=\"association\",reason=\"" + labelValue(count.label) + "\"",
               static_cast<double>(count.count));
    }
    for (const auto& count : counts.instanceRefusals) {
        sample(out, "radnode_rejections_total", "stage=\"instance\",reason=\"" + labelValue(count.label) + "\"",
               static_cast<double>(count.count));
    }
    family(out, "radnode_instances_received_total", "counter", "Instances stored (every version), by SOP Class UID.");
    for (const auto& count : counts.instancesBySopClass) {
        sample(out, "radnode_instances_received_total", "sop_class_uid=\"" + labelValue(count.label) + "\"",
               static_cast<double>(count.count));
    }
    family(out, "radnode_jobs", "gauge", "Analysis jobs by state.");
    std::int64_t queued = 0;
    for (const auto& count : counts.jobsByState) {
        sample(out, "radnode_jobs", "state=\"" + count.label + "\"", static_cast<double>(count.count));
        if (count.label == "queued") queued = count.count;
    }
    family(out, "radnode_job_queue_depth", "gauge", "Analysis jobs waiting for a worker.");
    sample(out, "radnode_job_queue_depth", "", static_cast<double>(queued));
    family(out, "radnode_results_total", "counter", "Results (SRs) created.");
    sample(out, "radnode_results_total", "", static_cast<double>(counts.results));
    family(out, "radnode_deliveries", "gauge", "Deliveries of results to destinations, by state.");
    for (const auto& count : counts.deliveriesByState) {
        sample(out, "radnode_deliveries", "state=\"" + count.label + "\"", static_cast<double>(count.count));
    }
    family(out, "radnode_storage_commitments", "gauge", "Storage Commitment transactions, by state.");
    for (const auto& count : counts.commitmentsByState) {
        sample(out, "radnode_storage_commitments", "state=\"" + count.label + "\"", static_cast<double>(count.count));
    }
    family(out, "radnode_free_disk_bytes", "gauge", "Free space on the state directory's file system.");
    sample(out, "radnode_free_disk_bytes", "", static_cast<double>(freeDiskBytes(context_.config.storage.stateDirectory)));
    appendLatencyHistograms(out, context_.metrics);
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", out, {}};
}

} // namespace radnode::node
