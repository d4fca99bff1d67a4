// PARs (managers): what the location should hold of each product on each weekday, in a grid that saves a cell when it
// is left, and a CSV file to export, edit in a spreadsheet and import again (every bad row named, nothing half-imported).
"use strict";

// Monday first, as a kitchen's week is written; the API numbers days from Sunday = 0.
const weekdays = [[1, "Mon"], [2, "Tue"], [3, "Wed"], [4, "Thu"], [5, "Fri"], [6, "Sat"], [0, "Sun"]];
const dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

app.screens["pars"] = {
  manager: true,
  async enter() {
    el("pars-title").textContent = `PARs at ${here()?.name ?? app.locationId}`;
    problemIn(el("pars-problem"), null);
    el("pars-bad-rows").replaceChildren();
    await showGrid();
  },
};

async function showGrid() {
  try {
    const pars = await api(`/locations/${encodeURIComponent(app.locationId)}/pars`);
    const bySku = new Map();
    for (const par of pars) (bySku.get(par.sku) ?? bySku.set(par.sku, new Map()).get(par.sku)).set(par.weekday, par.quantity);
    // Products with PARs first, then the rest to give one.
    const products = app.products.slice().sort((a, b) => bySku.has(b.sku) - bySku.has(a.sku) || a.name.localeCompare(b.name));
    el("pars-grid").querySelector("tbody").replaceChildren(...products.map((product) => parRow(product, bySku.get(product.sku) ?? new Map())));
    filterGrid();
  } catch (problem) {
    problemIn(el("pars-problem"), problem);
  }
}

function parRow(product, pars) {
  const row = document.createElement("tr");
  row.dataset.sku = product.sku;
  row.dataset.name = product.name.toLowerCase();
  const name = document.createElement("th");
  name.scope = "row";
  name.innerHTML = "<span></span><small></small>";
  name.querySelector("span").textContent = product.name;
  name.querySelector("small").textContent = `${product.sku} · ${product.unit}`;
  row.append(name);
  for (const [weekday] of weekdays) {
    const cell = document.createElement("td");
    const input = Object.assign(document.createElement("input"), { type: "number", min: "0", step: "any", inputMode: "decimal" });
    input.setAttribute("aria-label", `${product.name}, ${dayNames[weekday]}`);
    input.dataset.weekday = weekday;
    input.value = pars.has(weekday) ? pars.get(weekday) : "";
    input.dataset.saved = input.value;
    const problem = Object.assign(document.createElement("p"), { className: "cell-problem", hidden: true });
    problem.setAttribute("role", "alert");
    input.onchange = () => saveCell(product, weekday, input, problem);
    cell.append(input, problem);
    row.append(cell);
  }
  return row;
}

async function saveCell(product, weekday, input, problem) {
  const path = `/locations/${encodeURIComponent(app.locationId)}/pars/${encodeURIComponent(product.sku)}/${weekday}`;
  problemIn(problem, null);
  input.classList.remove("saved", "bad");
  try {
    // Setting or removing a PAR is the same whether sent once or twice: safe to retry.
    if (input.value === "") {
      if (input.dataset.saved !== "") await withRetries(() => api(path, { method: "DELETE" }).catch((p) => { if (p.status !== 404) throw p; }));
    } else {
      await withRetries(() => api(path, { method: "PUT", body: { quantity: Number(input.value) } }));
    }
    input.dataset.saved = input.value;
    input.classList.add("saved");
  } catch (p) {
    input.classList.add("bad");
    problemIn(problem, p);
  }
}

function filterGrid() {
  const text = el("pars-filter").value.trim().toLowerCase();
  for (const row of el("pars-grid").querySelectorAll("tbody tr")) row.hidden = text.length > 0 && !row.dataset.name.includes(text) && !row.dataset.sku.toLowerCase().includes(text);
}

async function importPars() {
  const file = el("pars-file").files[0];
  problemIn(el("pars-problem"), null);
  el("pars-bad-rows").replaceChildren();
  if (!file) {
    problemIn(el("pars-problem"), new ApiProblem(400, "Choose a CSV file first", "One PAR a row: sku,weekday,quantity[,unit]."));
    return;
  }
  try {
    const result = await api(`/locations/${encodeURIComponent(app.locationId)}/pars/import`, { method: "POST", raw: await file.text(), headers: { "Content-Type": "text/csv" } });
    notice(`Imported ${result.imported} PAR${result.imported === 1 ? "" : "s"} from ${file.name}.`);
    el("pars-file").value = "";
    await showGrid();
  } catch (problem) {
    problemIn(el("pars-problem"), problem);
    el("pars-bad-rows").replaceChildren(...problem.rows.map((r) => Object.assign(document.createElement("li"), { textContent: `Row ${r.row}: ${r.message}` })));
  }
}

async function exportPars() {
  problemIn(el("pars-problem"), null);
  try {
    await download(`/locations/${encodeURIComponent(app.locationId)}/pars.csv`, `pars-${app.locationId}.csv`);
  } catch (problem) {
    problemIn(el("pars-problem"), problem);
  }
}

el("pars-grid").querySelector("thead tr").append(...weekdays.map(([, name]) => Object.assign(document.createElement("th"), { textContent: name, scope: "col" })));
el("pars-import").onclick = importPars;
el("pars-export").onclick = exportPars;
el("pars-filter").oninput = filterGrid;
