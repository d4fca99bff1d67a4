// Today's prep list for the location, most urgent first; "Made" on a line records the count it leaves.
"use strict";

app.screens["prep-list"] = {
  async enter() {
    const visit = app.visits;
    try {
      const list = await api(`/locations/${encodeURIComponent(app.locationId)}/prep-list`);
      if (!stillOn(visit)) return;
      el("prep-list-title").textContent = `Prep for ${list.locationName}, ${new Date(`${list.date}T12:00:00`).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" })}`;
      // Most urgent first: what is furthest below its PAR, as a share of the PAR.
      const lines = list.lines.slice().sort((a, b) => (b.toPrep > 0) - (a.toPrep > 0) || b.shortfall / (b.par || 1) - a.shortfall / (a.par || 1));
      el("prep-lines").replaceChildren(...lines.map(prepLine));
      if (lines.length === 0) notice("Nothing to prep: no PARs are set for today at this location, and it has too few weeks of sales for a forecast.");
    } catch (problem) {
      if (stillOn(visit)) notice(problem.message);
    }
  },
};

function prepLine(line) {
  const node = el("prep-line").content.firstElementChild.cloneNode(true);
  node.dataset.sku = line.sku;
  node.querySelector(".name").textContent = line.name;
  node.querySelector(".amount").textContent = line.toPrep > 0
    ? `Make ${line.batches} batch${line.batches === 1 ? "" : "es"} · ${number(line.toPrep)} ${line.unit}`
    : "Nothing to make";
  const par = line.par === null ? "no PAR" : `PAR ${number(line.par)} ${line.unit}`;
  node.querySelector(".stock").textContent = `On hand ${number(line.onHand)} ${line.unit}${line.counted ? "" : " (never counted)"} · ${par}`;
  // Which figure the line follows, and the other one beside it.
  node.querySelector(".why-text").textContent = line.why ?? "";
  node.querySelector(".basis").textContent = line.basis === "forecast" ? "By forecast" : "By PAR";
  node.querySelector(".basis").classList.toggle("forecast", line.basis === "forecast");
  const made = node.querySelector(".made");
  made.disabled = line.toPrep <= 0;
  made.onclick = async () => {
    made.disabled = true;
    problemIn(node.querySelector(".problem"), null);
    try {
      // Made means what was there plus what was made is now there: that is the count recorded. A count sets on-hand,
      // so sending it again after a dropped connection leaves the same amount.
      await withRetries(() => api(`/locations/${encodeURIComponent(app.locationId)}/counts`, {
        method: "POST", body: { area: "prep", lines: [{ sku: line.sku, quantity: line.onHand + line.toPrep, unit: line.unit }] },
      }));
      node.classList.add("done");
      made.textContent = "Made ✓ counted";
      node.querySelector(".stock").textContent = `On hand ${number(line.onHand + line.toPrep)} ${line.unit} · ${par}`;
    } catch (problem) {
      made.disabled = false;
      problemIn(node.querySelector(".problem"), problem);
    }
  };
  return node;
}

el("prep-list-print").onclick = async () => {
  try {
    await download(`/locations/${encodeURIComponent(app.locationId)}/prep-list.pdf`, `prep-list-${app.locationId}.pdf`);
  } catch (problem) {
    notice(problem.message);
  }
};
