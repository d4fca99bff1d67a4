// Reports (managers): the location's scheduled reports (prep list, transfer units) with their times in the location's
// clock, when each last ran and how it ended, and "Run now".
"use strict";

const reportNames = { "prep-list-report": "Prep list to Slack", "transfer-units-report": "Transfer units to Slack" };

app.screens["reports"] = {
  manager: true,
  async enter() {
    el("reports-title").textContent = `Reports for ${here()?.name ?? app.locationId}`;
    await showReports();
  },
};

async function showReports() {
  try {
    // This location's reports (the service's own jobs, such as warehouse syncs, are on the jobs page at /jobs).
    const jobs = (await api("/reports/jobs")).filter((j) => j.id.endsWith(`:${app.locationId}`));
    el("report-jobs").replaceChildren(...jobs.map(reportJob));
    el("reports-none").hidden = jobs.length > 0;
  } catch (problem) {
    notice(problem.message);
  }
}

/**
 * Asks again, every two seconds for half a minute, until the job's last run is another than before, then lays the list
 * out once: not on a timer, which would rebuild the rows under a finger for nothing.
 */
async function showWhenRun(job) {
  for (let attempt = 0; attempt < 15 && app.current === "reports"; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = (await api("/reports/jobs").catch(() => [])).find((j) => j.id === job.id);
    if (now && (now.lastRunJobId !== job.lastRunJobId || now.lastRunState !== job.lastRunState)) return showReports();
  }
}

/** Hangfire's times are UTC, written without a zone. */
const utc = (text) => (/(Z|[+-]\d\d:\d\d)$/.test(text) ? text : `${text}Z`);

function reportJob(job) {
  const node = el("report-line").content.firstElementChild.cloneNode(true);
  const kind = job.id.split(":")[0];
  node.dataset.job = job.id;
  node.querySelector(".name").textContent = reportNames[kind] ?? job.id;
  const zone = job.timeZone ?? "UTC";
  node.querySelector(".schedule").textContent = `Schedule ${job.cron} (${zone})${job.nextRun ? ` · next ${localTime(utc(job.nextRun), here()?.timeZone)}` : ""}`;
  node.querySelector(".last").textContent = job.lastRun
    ? `Last run ${localTime(utc(job.lastRun), here()?.timeZone)}: ${job.lastRunState ?? "unknown"}`
    : "Not run yet";
  const run = node.querySelector(".run");
  run.onclick = async () => {
    run.disabled = true;
    problemIn(node.querySelector(".problem"), null);
    try {
      // Not retried: a second press would post the report twice.
      await api(`/reports/jobs/${encodeURIComponent(job.id)}/run`, { method: "POST" });
      run.textContent = "Started ✓";
      await showWhenRun(job);
    } catch (problem) {
      run.disabled = false;
      problemIn(node.querySelector(".problem"), problem);
    }
  };
  return node;
}
