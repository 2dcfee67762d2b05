// `radnode audit` and `radnode outbox`: what an operator asks of a node's state directory.
#include "config/config_loader.h"
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

bool parse(int argc, char** argv, po::options_description& options, po::variables_map& vm, const char* name) {
    try {
        po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
        po::notify(vm);
    } catch (const po::error& error) {
        std::cerr << "radnode " << name << ": " << error.what() << "\n" << options;
        return false;
    }
    return true;
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
    if (!parse(argc, argv, options, vm, "audit")) return 2;
    if (vm.count("help")) {
        std::cout << options;
        return 0;
    }
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

int runOutboxCommand(int argc, char** argv) {
    po::options_description options("radnode outbox [options]");
    std::int64_t retry = 0;
    options.add_options()("help,h", "this help")
        ("state-dir", po::value<std::string>(), "the node's state directory")
        ("config", po::value<std::string>(), "the node's configuration (to find the state directory)")
        ("retry", po::value(&retry), "put this failed delivery back into the queue now");
    po::variables_map vm;
    if (!parse(argc, argv, options, vm, "outbox")) return 2;
    if (vm.count("help")) {
        std::cout << options;
        return 0;
    }
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
        std::cout << std::left << std::setw(6) << "id" << std::setw(11) << "state" << std::setw(14) << "destination"
                  << std::setw(9) << "attempts" << std::setw(26) << "next attempt" << "SR / last error\n";
        for (const auto& d : store->deliveries(1000)) {
            std::cout << std::setw(6) << d.id << std::setw(11) << storage::deliveryStateName(d.state) << std::setw(14)
                      << d.destination << std::setw(9) << d.attempts << std::setw(26)
                      << (d.state == storage::DeliveryState::Pending ? isoTime(d.nextAttemptAt) : "-") << d.srSopInstanceUid;
            if (!d.lastError.empty()) std::cout << "  [" << d.lastStatus << "] " << d.lastError;
            std::cout << "\n";
        }
    } catch (const std::exception& error) {
        std::cerr << "radnode outbox: " << error.what() << "\n";
        return 2;
    }
    return 0;
}

} // namespace radnode::node
