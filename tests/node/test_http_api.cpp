// The HTTP API, /metrics and the status page of a running node, queried with curl and
// headless Chromium after a synthetic study went through it; the token logic; bad requests.
#include "node/demo_model.h"
#include "node/live_node.h"
#include "node/metrics.h"
#include "test_support.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <thread>

using namespace radnode::test;
using nlohmann::json;

namespace {

struct HttpReply {
    int status = 0;
    std::string body; // with the headers in front when curl was given -i
};

// One request with curl; `options` go before the URL (-X PUT, -H ..., -i).
HttpReply curl(int port, const std::string& target, const std::string& options = "") {
    const auto result = runCommand("curl -s -S --max-time 20 -w '\\n%{http_code}' " + options + " 'http://127.0.0.1:" +
                                   std::to_string(port) + target + "'");
    HttpReply reply;
    const auto newline = result.output.rfind('\n');
    REQUIRE_MESSAGE(newline != std::string::npos, result.output);
    reply.status = std::atoi(result.output.c_str() + newline + 1);
    reply.body = result.output.substr(0, newline);
    return reply;
}

json curlJson(int port, const std::string& target, int expectedStatus, const std::string& options = "") {
    const auto reply = curl(port, target, options);
    CHECK_MESSAGE(reply.status == expectedStatus, (target + " -> " + std::to_string(reply.status) + ": " + reply.body));
    try {
        return json::parse(reply.body);
    } catch (const std::exception& error) {
        FAIL_CHECK((target + " did not answer JSON (" + error.what() + "): " + reply.body));
        return json();
    }
}

} // namespace

TEST_CASE("latency histograms are cumulative Prometheus buckets with +Inf, sum and count") {
    radnode::node::Metrics metrics;
    metrics.observe(radnode::node::Stage::Analysis, 0.003);
    metrics.observe(radnode::node::Stage::Analysis, 0.7);
    metrics.observe(radnode::node::Stage::Analysis, 1000); // beyond the last bound: +Inf only
    const auto snapshot = metrics.latency(radnode::node::Stage::Analysis);
    CHECK(snapshot.buckets.front() == 1);                     // le 0.005
    CHECK(snapshot.buckets[7] == 2);                          // le 1
    CHECK(snapshot.buckets.back() == 2);                      // le 600
    CHECK(snapshot.count == 3);
    CHECK(snapshot.sumSeconds == doctest::Approx(1000.703));
    CHECK(metrics.latency(radnode::node::Stage::Receive).count == 0);
    std::string text;
    radnode::node::appendLatencyHistograms(text, metrics);
    CHECK(text.find("# TYPE radnode_stage_duration_seconds histogram\n") != std::string::npos);
    CHECK(text.find("radnode_stage_duration_seconds_bucket{stage=\"analysis\",le=\"0.005\"} 1\n") != std::string::npos);
    CHECK(text.find("radnode_stage_duration_seconds_bucket{stage=\"analysis\",le=\"+Inf\"} 3\n") != std::string::npos);
    CHECK(text.find("radnode_stage_duration_seconds_count{stage=\"delivery\"} 0\n") != std::string::npos);
}

TEST_CASE("after a study went through the node, the API, /metrics and the status page show it") {
    REQUIRE(haveProgram("curl"));
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("sqlite3"));
    TempDir dir;
    writeText(dir / "demo-model.yaml", radnode::node::demoModelYaml());
    writeText(dir / "node.yaml", "models:\n  - file: demo-model.yaml\n");
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 11 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "study")) files += entry.is_regular_file();

    const int httpPort = freeLoopbackPort();
    LiveNode node(dir, {"--config", (dir / "node.yaml").string(), "--http-port", std::to_string(httpPort)});
    REQUIRE(node.port != httpPort);
    REQUIRE_MESSAGE(waitForPort(httpPort, 10000), readText(dir / "node.log"));

    // Before anything arrived: alive, ready, empty lists.
    CHECK(curlJson(httpPort, "/healthz", 200)["status"] == "alive");
    const auto ready = curlJson(httpPort, "/readyz", 200);
    CHECK(ready["ready"] == true);
    CHECK(ready["checks"]["database"] == "ok");
    CHECK(curlJson(httpPort, "/api/v1/results", 200).empty());

    const auto sent = runCommand("storescu -aec RADNODE -aet MODALITY -R +sd 127.0.0.1 " + std::to_string(node.port) +
                                 " '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);
    json results;
    for (int waited = 0; waited < 240 && results.empty(); ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        results = json::parse(curl(httpPort, "/api/v1/results").body);
    }
    REQUIRE_MESSAGE(results.size() == 1, readText(dir / "node.log"));

    const auto database = dir / "state" / "radnode.sqlite";
    const std::string accession = sqlite(database, "SELECT accession_number FROM studies");
    REQUIRE(accession.rfind("SYN", 0) == 0);
    const auto& result = results[0];
    CHECK(result["accession_number"] == accession);
    CHECK(result["study_uid"] == sqlite(database, "SELECT study_uid FROM studies"));
    CHECK(result["sr_sop_instance_uid"] == sqlite(database, "SELECT sr_sop_instance_uid FROM results"));
    CHECK(result["superseded"] == false);
    REQUIRE(result["scores"].size() == 1);
    const auto& score = result["scores"][0];
    CHECK(score["model"] == "radnode-demo-us");
    CHECK(score["scored"] == true);
    REQUIRE(score["probability"].is_number());
    const double probability = score["probability"].get<double>();
    CHECK(probability > 0.0);
    CHECK(probability < 1.0);
    CHECK_FALSE(score["class"].get<std::string>().empty());
    CHECK(score["flags"].is_array());
    // `since` is a time: the result is in from today, and nothing is newer than tomorrow.
    CHECK(curlJson(httpPort, "/api/v1/results?since=2000-01-01", 200).size() == 1);
    CHECK(curlJson(httpPort, "/api/v1/results?since=2999-01-01T00:00:00Z", 200).empty());

    const auto studies = curlJson(httpPort, "/api/v1/studies", 200);
    REQUIRE(studies.size() == 1);
    CHECK(studies[0]["accession_number"] == accession);
    CHECK(studies[0]["instances"] == files);
    CHECK(studies[0]["job"]["state"] == "done");
    CHECK(studies[0]["result"]["scores"][0]["probability"] == probability);
    CHECK(curlJson(httpPort, "/api/v1/jobs?state=done", 200).size() == 1);
    CHECK(curlJson(httpPort, "/api/v1/jobs?state=failed", 200).empty());
    const auto received = curlJson(httpPort, "/api/v1/audit?event=instance.received&calling_ae=MODALITY", 200);
    CHECK(received.size() == static_cast<std::size_t>(files));
    CHECK(curlJson(httpPort, "/api/v1/audit?accession=" + accession + "&event=result.created", 200).size() == 1);

    const auto metrics = curl(httpPort, "/metrics", "-i");
    CHECK(metrics.status == 200);
    const auto& text = metrics.body;
    CHECK(text.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
    CHECK(text.find("radnode_listener_up 1\n") != std::string::npos);
    CHECK(text.find("radnode_associations_accepted_total 1\n") != std::string::npos);
    CHECK(text.find("radnode_instances_received_total{sop_class_uid=\"1.2.840.10008.5.1.4.1.1.66.4\"} 1\n") !=
          std::string::npos); // the SEG
    CHECK(text.find("radnode_jobs{state=\"done\"} 1\n") != std::string::npos);
    CHECK(text.find("radnode_jobs{state=\"failed\"} 0\n") != std::string::npos);
    CHECK(text.find("radnode_job_queue_depth 0\n") != std::string::npos);
    CHECK(text.find("radnode_results_total 1\n") != std::string::npos);
    CHECK(text.find("radnode_deliveries{state=\"pending\"} 0\n") != std::string::npos);
    CHECK(text.find("radnode_stage_duration_seconds_count{stage=\"receive\"} " + std::to_string(files) + "\n") !=
          std::string::npos);
    CHECK(text.find("radnode_stage_duration_seconds_count{stage=\"analysis\"} 1\n") != std::string::npos);
    CHECK(text.find("# TYPE radnode_rejections_total counter\n") != std::string::npos);

    // Bad requests: each a JSON error that names the problem.
    CHECK(curlJson(httpPort, "/api/v1/nothing", 404)["error"].get<std::string>().find("/api/v1/nothing") !=
          std::string::npos);
    const auto wrongMethod = curl(httpPort, "/api/v1/results", "-i -X DELETE");
    CHECK(wrongMethod.status == 405);
    CHECK(wrongMethod.body.find("Allow: GET") != std::string::npos);
    CHECK(curlJson(httpPort, "/api/v1/jobs?state=bogus", 400)["error"].get<std::string>().find("'bogus'") !=
          std::string::npos);
    CHECK(curlJson(httpPort, "/api/v1/results?snice=2026-01-01", 400)["error"].get<std::string>().find("'snice'") !=
          std::string::npos);
    CHECK(curlJson(httpPort, "/api/v1/results?since=yesterday", 400)["error"].get<std::string>().find("'yesterday'") !=
          std::string::npos);
    CHECK(curlJson(httpPort, "/api/v1/studies?limit=0", 400)["error"].get<std::string>().find("limit") !=
          std::string::npos);
    writeText(dir / "big.json", std::string(100 * 1024, ' '));
    CHECK(curlJson(httpPort, "/api/v1/studies", 413, "-X PUT -H 'Expect:' --data-binary @'" + (dir / "big.json").string() + "'")
              ["error"].get<std::string>().find("larger than") != std::string::npos);
    CHECK(curlJson(httpPort, "/api/v1/studies", 400, "-X 'NOT A METHOD'")["error"].get<std::string>().find("malformed") !=
          std::string::npos);

    // The status page, rendered by a real browser engine with its script run.
    if (haveProgram("chromium")) {
        const auto page = runCommand("chromium --headless --no-sandbox --disable-gpu --user-data-dir='" +
                                     (dir / "chromium").string() + "' --virtual-time-budget=5000 --dump-dom " +
                                     "'http://127.0.0.1:" + std::to_string(httpPort) + "/' 2>/dev/null");
        CHECK(page.exitCode == 0);
        char shown[16];
        std::snprintf(shown, sizeof shown, "%.3f", probability);
        CHECK_MESSAGE(page.output.find("<td>" + accession + "</td>") != std::string::npos, page.output);
        CHECK_MESSAGE(page.output.find("<td>" + std::string(shown) + "</td>") != std::string::npos, page.output);
        CHECK_MESSAGE(page.output.find("Ready") != std::string::npos, page.output);
    } else {
        FAIL_CHECK("chromium is not installed (scripts/setup.sh installs it): the status page was not rendered");
    }

    // Clinical covariates for the study: stored, and the study re-scored with them.
    const std::string studyUid = result["study_uid"];
    const std::string clinical = "/api/v1/studies/" + studyUid + "/clinical";
    const auto accepted = curlJson(httpPort, clinical, 200, "-X PUT --data '{\"ki67\": 35, \"us_node_status\": \"positive\"}'");
    CHECK(accepted["status"] == "rescoring");
    CHECK(accepted["values"]["ki67"] == "35");
    CHECK(curlJson(httpPort, clinical, 400, "-X PUT --data '{\"ki67\": 120}'")["error"].get<std::string>().find("ki67") !=
          std::string::npos);
    CHECK(curlJson(httpPort, clinical, 400, "-X PUT --data '[1, 2]'")["error"].get<std::string>().find("JSON object") !=
          std::string::npos);
    CHECK(curlJson(httpPort, clinical, 400, "-X PUT --data 'ki67=35'")["error"].get<std::string>().find("not JSON") !=
          std::string::npos);
    CHECK(curlJson(httpPort, "/api/v1/studies/1.2.x/clinical", 400, "-X PUT --data '{\"ki67\": 35}'")["error"]
              .get<std::string>()
              .find("not a Study Instance UID") != std::string::npos);
    CHECK(curl(httpPort, clinical).status == 405);

    CHECK(node.process->stop() == 0);
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'clinical.rescore'") == "1");
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'api.access' AND study_uid = '" + studyUid +
                               "' AND detail LIKE 'PUT %200'") == "1");
    // Access to study data is audited; probes and scrapes are not.
    CHECK(std::stoi(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'api.access' AND detail LIKE "
                                     "'GET /api/v1/results%200'")) >= 3);
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'api.access' AND detail LIKE "
                           "'DELETE /api/v1/results 405'") == "1");
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'api.access' AND detail LIKE '%/metrics%'") == "0");
}

TEST_CASE("with a token file every request but /healthz needs the bearer token") {
    REQUIRE(haveProgram("curl"));
    TempDir dir;
    writeText(dir / "token", "s3cret-token-for-tests\n");
    ::chmod((dir / "token").c_str(), 0600);
    const int httpPort = freeLoopbackPort();
    writeText(dir / "node.yaml", "http:\n  enabled: true\n  port: " + std::to_string(httpPort) + "\n  token_file: token\n");
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    REQUIRE_MESSAGE(waitForPort(httpPort, 10000), readText(dir / "node.log"));

    const auto missing = curl(httpPort, "/api/v1/results", "-i");
    CHECK(missing.status == 401);
    CHECK(missing.body.find("WWW-Authenticate: Bearer") != std::string::npos);
    CHECK(missing.body.find("requires a bearer token") != std::string::npos);
    CHECK(curlJson(httpPort, "/api/v1/results", 401, "-H 'Authorization: Bearer wrong-token'")["error"]
              .get<std::string>()
              .find("not this node's token") != std::string::npos);
    CHECK(curlJson(httpPort, "/metrics", 401).contains("error"));
    CHECK(curlJson(httpPort, "/api/v1/results", 200, "-H 'Authorization: Bearer s3cret-token-for-tests'").empty());
    CHECK(curl(httpPort, "/metrics", "-H 'Authorization: Bearer s3cret-token-for-tests'").status == 200);
    CHECK(curlJson(httpPort, "/healthz", 200)["status"] == "alive");
    CHECK(node.process->stop() == 0);
    CHECK(sqlite(dir / "state" / "radnode.sqlite",
                 "SELECT count(*) FROM audit_log WHERE event = 'api.access' AND detail LIKE '% 401'") == "3");
}

TEST_CASE("the HTTP API refuses to serve off loopback without a token, or with a token others can read") {
    TempDir dir;
    writeText(dir / "open.yaml", "http:\n  enabled: true\n  bind: 0.0.0.0\n");
    const auto open = runCommand(kRadnode + " check-config '" + (dir / "open.yaml").string() + "'");
    CHECK(open.exitCode != 0);
    CHECK_MESSAGE(open.output.find("open.yaml:3: http.bind: '0.0.0.0' is not a loopback address") != std::string::npos,
                  open.output);

    writeText(dir / "token", "readable-by-all\n");
    ::chmod((dir / "token").c_str(), 0644);
    writeText(dir / "node.yaml", "http:\n  enabled: true\n  port: " + std::to_string(freeLoopbackPort()) +
                                     "\n  token_file: token\n");
    const auto serve = runCommand(kRadnode + " serve --config '" + (dir / "node.yaml").string() + "' --state-dir '" +
                                  (dir / "state").string() + "' --port " + std::to_string(freeLoopbackPort()));
    CHECK(serve.exitCode == 1);
    CHECK_MESSAGE(serve.output.find("may be read by any user") != std::string::npos, serve.output);
}
