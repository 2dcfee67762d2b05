#include "node/status_page.h"

namespace radnode::node {

const std::string& statusPageHtml() {
    // Every value is put into the page with textContent, never as HTML: study data comes
    // from DICOM headers and must not be able to inject markup.
    static const std::string page = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>radnode status</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin-bottom: 0.2em; }
h2 { font-size: 1.1em; margin-top: 1.5em; }
#status { margin-bottom: 1em; }
.ok { color: #176b2c; } .bad { color: #a11; font-weight: bold; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.uid { font-family: monospace; font-size: 0.85em; }
.note { color: #666; font-size: 0.85em; }
</style>
</head>
<body>
<h1>radnode</h1>
<div class="note">Research use only: scores are unverified decision support, never a diagnosis.</div>
<div id="status">loading&hellip;</div>
<h2>Recent studies</h2>
<table>
<thead><tr><th>Last received</th><th>Accession</th><th>Study UID</th><th>Instances</th><th>Job</th>
<th>Model</th><th>Probability</th><th>Class</th><th>Flags</th><th>SR</th><th>Delivery</th></tr></thead>
<tbody id="studies"></tbody>
</table>
<h2>Recent jobs</h2>
<table>
<thead><tr><th>Job</th><th>State</th><th>Attempts</th><th>Accession</th><th>Updated</th><th>Last error</th></tr></thead>
<tbody id="jobs"></tbody>
</table>
<script>
"use strict";
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) sessionStorage.setItem("radnodeToken", fromHash);
const token = sessionStorage.getItem("radnodeToken") || "";
const headers = token ? { Authorization: "Bearer " + token } : {};

async function api(path) {
  const response = await fetch(path, { headers });
  const body = await response.json();
  if (!response.ok && path !== "/readyz") throw new Error(path + ": " + (body.error || response.status));
  return body;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const [text, css] of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    if (css) td.className = css;
    tr.appendChild(td);
  }
  return tr;
}

function lines(values) { return values.length ? values.join("\n") : "-"; }
function when(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "-"; }

function studyRow(study) {
  const result = study.result;
  const scores = result ? result.scores : [];
  const job = study.job;
  return row([
    [when(study.last_received)],
    [study.accession_number || "-"],
    [study.study_uid, "uid"],
    [String(study.instances)],
    [job ? job.state + (job.last_error ? ": " + job.last_error : "") : "waiting", job && job.state === "failed" ? "bad" : ""],
    [lines(scores.map(s => s.model + " " + s.model_version))],
    [lines(scores.map(s => s.probability === null ? "not scored" : s.probability.toFixed(3)))],
    [lines(scores.map(s => s.class || s.reason || "-"))],
    [lines(scores.map(s => s.flags.join(", ") || "-"))],
    [result ? result.sr_sop_instance_uid : "-", "uid"],
    [result ? lines(result.deliveries.map(d => d.destination + ": " + d.state +
                                               (d.last_error ? " (" + d.last_error + ")" : ""))) : "-"],
  ]);
}

function jobRow(job) {
  return row([[String(job.id)], [job.state, job.state === "failed" ? "bad" : ""], [String(job.attempts)],
              [job.accession_number || "-"], [when(job.updated)], [job.last_error || ""]]);
}

function fill(id, rows) {
  const body = document.getElementById(id);
  body.replaceChildren(...rows);
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    const [ready, studies, jobs] = await Promise.all([api("/readyz"), api("/api/v1/studies?limit=50"),
                                                      api("/api/v1/jobs?limit=20")]);
    fill("studies", studies.map(studyRow));
    fill("jobs", jobs.map(jobRow));
    status.className = ready.ready ? "ok" : "bad";
    status.textContent = (ready.ready ? "Ready" : "Not ready: " + ready.reason) + " \u2014 updated " +
                         new Date().toISOString().replace("T", " ").slice(0, 19) + "Z";
  } catch (error) {
    status.className = "bad";
    status.textContent = "Cannot read the API: " + error.message;
  }
}

refresh();
setInterval(refresh, 10000);
</script>
</body>
</html>
)html";
    return page;
}

} // namespace radnode::node
