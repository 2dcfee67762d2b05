// `radnode audit` and `radnode outbox`: what an operator asks of a node's state directory.
#include "config/config_loader.h"
#include "dicom/sr_content.h"
#include "node/command_line.h"
#include "node/commands.h"
#include "node/state_directory.h"
#include "node/csv.h"
#include "node/json_writer.h"
#include "node/utc_time.h"
#include "storage/node_store.h"

#include <boost/program_options.hpp>

#include <iomanip>
#include <iostream>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

// The store of a state directory given directly or through the node's configuration.
// The store named by --state-dir or --config (node/state_directory.h).
std::unique_ptr<storage::NodeStore> openStore(const po::variables_map& vm) {
    return openStateStore(vm.count("config") ? vm["config"].as<std::string>() : std::string(),
                          vm.count("state-dir") ? vm["state-dir"].as<std::string>() : std::string());
}

} // namespace

int runAuditCommand(int argc, char** argv) {
    po::options_description options("radnode audit [options]");
    storage::AuditFilter filter;
    std::string since, until, format = "table";
    options.add_options()("help,h", "this help")
        ("state-dir", po::value<std::string>(), "the node's state directory")
        ("config", po::value<std::string>(), "the node's configuration (to find the state directory)")
        ("study", po::value(&filter.studyUid), "Study Instance UID")
        ("patient", po::value(&filter.patientId), "Patient ID")
        ("accession", po::value(&filter.accessionNumber), "Accession Number")
        ("event", po::value(&filter.event), "event name, e.g. instance.received, job.failed, delivery.succeeded")
        ("calling-ae", po::value(&filter.callingAe), "calling AE title")
        ("since", po::value(&since), "from this time (UTC)")
        ("until", po::value(&until), "up to this time (UTC)")
        ("limit", po::value(&filter.limit)->default_value(1000), "at most this many events")
        ("format", po::value(&format), "table, csv or json");
    po::variables_map vm;
    if (const auto exitCode = parseOptions("audit", argc, argv, options, vm)) return *exitCode;
    if (filter.limit < 1) return usageError("audit", "--limit must be at least 1");
    std::vector<storage::AuditRow> rows;
    try {
        if (format != "table" && format != "csv" && format != "json") {
            throw std::invalid_argument("--format must be table, csv or json");
        }
        if (!since.empty()) filter.since = parseUtcTime(since, "--since");
        if (!until.empty()) filter.until = parseUtcTime(until, "--until");
        rows = openStore(vm)->auditEvents(filter);
    } catch (const std::exception& error) {
        std::cerr << "radnode audit: " << error.what() << "\n";
        return 2;
    }
    if (format == "json") {
        JsonWriter json;
        json.beginArray();
        for (const auto& row : rows) {
            json.beginObject();
            json.field("id", static_cast<double>(row.id));
            json.field("time", isoTime(row.at));
            json.field("event", row.event.event);
            json.field("study_uid", row.event.studyUid);
            json.field("sop_instance_uid", row.event.sopInstanceUid);
            json.field("calling_ae", row.event.callingAe);
            json.field("peer_address", row.event.peerAddress);
            json.key("job_id");
            if (row.event.jobId) {
                json.value(static_cast<double>(*row.event.jobId));
            } else {
                json.null();
            }
            json.field("detail", row.event.detail);
            json.endObject();
        }
        json.endArray();
        std::cout << json.str() << "\n";
    } else if (format == "csv") {
        std::cout << "id,time,event,study_uid,sop_instance_uid,calling_ae,peer_address,job_id,detail\n";
        for (const auto& row : rows) {
            const auto& e = row.event;
            std::cout << row.id << ',' << isoTime(row.at) << ',' << csvField(e.event) << ',' << csvField(e.studyUid) << ','
                      << csvField(e.sopInstanceUid) << ',' << csvField(e.callingAe) << ',' << csvField(e.peerAddress)
                      << ',' << (e.jobId ? std::to_string(*e.jobId) : "") << ',' << csvField(e.detail) << "\n";
        }
    } else {
        for (const auto& row : rows) {
            const auto& e = row.event;
            std::cout << isoTime(row.at) << "  " << std::left << std::setw(22) << e.event << std::right;
            if (!e.callingAe.empty()) std::cout << " ae=" << e.callingAe;
            if (!e.studyUid.empty()) std::cout << " study=" << e.studyUid;
            if (!e.sopInstanceUid.empty()) std::cout << " sop=" << e.sopInstanceUid;
            if (e.jobId) std::cout << " job=" << *e.jobId;
            if (!e.detail.empty()) std::cout << "  " << e.detail;
            std::cout << "\n";
        }
    }
    return 0;
}

namespace {

// What an object of a delivery is, by its SOP class.
std::string objectKind(const std::string& sopClassUid) {
    if (sopClassUid == dicom::kComprehensive3dSrSopClassUid) return "Comprehensive 3D SR";
    if (sopClassUid == dicom::kEnhancedSrSopClassUid) return "Enhanced SR";
    if (sopClassUid == "1.2.840.10008.5.1.4.1.1.7") return "summary image";
    return "SOP class " + sopClassUid;
}

// The commitment state of one object: its own answer, or the transaction's while unanswered.
std::string objectCommitment(const std::optional<storage::CommitmentRow>& commitment, const std::string& sopInstanceUid) {
    if (!commitment) return "";
    for (const auto& object : commitment->objects) {
        if (object.sopInstanceUid != sopInstanceUid) continue;
        if (object.state == "failed") return "failed: " + object.failureReason;
        if (object.state == "requested") return storage::commitmentStateName(commitment->state);
        return object.state;
    }
    return "";
}

void printOutboxTable(storage::NodeStore& store) {
    std::cout << std::left << std::setw(6) << "id" << std::setw(11) << "state" << std::setw(14) << "destination"
              << std::setw(9) << "attempts" << std::setw(26) << "next attempt" << "commitment\n";
    for (const auto& d : store.deliveries(1000)) {
        const auto commitment = store.latestCommitment(d.id);
        std::cout << std::setw(6) << d.id << std::setw(11) << storage::deliveryStateName(d.state) << std::setw(14)
                  << d.destination << std::setw(9) << d.attempts << std::setw(26)
                  << (d.state == storage::DeliveryState::Pending ? isoTime(d.nextAttemptAt) : "-")
                  << (commitment ? storage::commitmentStateName(commitment->state) : "-") << "\n";
        const auto objects = store.deliveryObjects(d.id);
        if (objects.empty()) {
            std::cout << "      SR " << d.srSopInstanceUid
                      << (d.attempts == 0 ? "  (not attempted yet)" : "  (objects not recorded: sent by an earlier radnode)")
                      << "\n";
        }
        for (const auto& object : objects) {
            std::cout << "      " << std::setw(21) << objectKind(object.sopClassUid) << object.sopInstanceUid;
            const auto state = objectCommitment(commitment, object.sopInstanceUid);
            if (!state.empty()) std::cout << "  commitment " << state;
            std::cout << "\n";
        }
        if (!d.lastError.empty()) std::cout << "      last error [" << d.lastStatus << "] " << d.lastError << "\n";
        if (commitment && !commitment->detail.empty()) {
            std::cout << "      commitment " << commitment->transactionUid << ": " << commitment->detail << "\n";
        }
    }
}

void printOutboxJson(storage::NodeStore& store) {
    JsonWriter json;
    json.beginArray();
    for (const auto& d : store.deliveries(1000)) {
        const auto commitment = store.latestCommitment(d.id);
        json.beginObject();
        json.field("id", static_cast<double>(d.id));
        json.field("destination", d.destination);
        json.field("state", storage::deliveryStateName(d.state));
        json.field("attempts", static_cast<double>(d.attempts));
        json.key("next_attempt");
        if (d.state == storage::DeliveryState::Pending) {
            json.value(isoTime(d.nextAttemptAt));
        } else {
            json.null();
        }
        json.field("last_status", d.lastStatus);
        json.field("last_error", d.lastError);
        json.field("study_uid", d.studyUid);
        json.field("sr_sop_instance_uid", d.srSopInstanceUid); // the result's Comprehensive 3D SR
        json.key("objects");
        json.beginArray();
        for (const auto& object : store.deliveryObjects(d.id)) {
            json.beginObject();
            json.field("kind", objectKind(object.sopClassUid));
            json.field("sop_class_uid", object.sopClassUid);
            json.field("sop_instance_uid", object.sopInstanceUid);
            json.field("commitment", objectCommitment(commitment, object.sopInstanceUid));
            json.endObject();
        }
        json.endArray();
        json.key("commitment");
        if (commitment) {
            json.beginObject();
            json.field("transaction_uid", commitment->transactionUid);
            json.field("state", storage::commitmentStateName(commitment->state));
            json.field("requested_at", isoTime(commitment->requestedAt));
            json.key("answered_at");
            if (commitment->answeredAt) {
                json.value(isoTime(*commitment->answeredAt));
            } else {
                json.null();
            }
            json.field("reported_by", commitment->reportedBy);
            json.field("detail", commitment->detail);
            json.endObject();
        } else {
            json.null();
        }
        json.endObject();
    }
    json.endArray();
    std::cout << json.str() << "\n";
}

} // namespace

int runOutboxCommand(int argc, char** argv) {
    po::options_description options("radnode outbox [options]: each delivery, the objects it sends (which SR, which "
                                    "summary images) and their Storage Commitment state");
    std::int64_t retry = 0;
    std::string format = "table";
    options.add_options()("help,h", "this help")
        ("state-dir", po::value<std::string>(), "the node's state directory")
        ("config", po::value<std::string>(), "the node's configuration (to find the state directory)")
        ("retry", po::value(&retry), "put this failed delivery back into the queue now")
        ("format", po::value(&format), "table or json");
    po::variables_map vm;
    if (const auto exitCode = parseOptions("outbox", argc, argv, options, vm)) return *exitCode;
    if (format != "table" && format != "json") return usageError("outbox", "--format must be table or json");
    try {
        auto store = openStore(vm);
        if (vm.count("retry")) {
            if (!store->retryDelivery(retry)) {
                std::cerr << "radnode outbox: delivery " << retry << " does not exist or was already delivered\n";
                return 2;
            }
            std::cout << "delivery " << retry << " queued for a new attempt (a running node sends it within a second)\n";
            return 0;
        }
        if (format == "json") {
            printOutboxJson(*store);
        } else {
            printOutboxTable(*store);
        }
    } catch (const std::exception& error) {
        std::cerr << "radnode outbox: " << error.what() << "\n";
        return 2;
    }
    return 0;
}

} // namespace radnode::node
