// Stock (everyone): what the location has on hand now (the last count, less what orders used since), what orders used
// of it in the last hour, and when each product runs out at that rate; what is off sale at Otter because of it.
// Managers mark a product out ("86") and turn off taking items off sale when a product runs out. Every screen shows a
// warning under the header while a product is out or runs out soon.
"use strict";

app.screens["stock"] = {
  async enter() {
    await showStock(app.visits);
  },
};

/** "about 19:40" in the location's clock (with the day when it is not today there). */
function runsOut(iso) {
  const timeZone = here()?.timeZone;
  const at = new Date(iso);
  const day = (d) => d.toLocaleDateString(undefined, { timeZone });
  const time = at.toLocaleTimeString(undefined, { timeZone, hour: "2-digit", minute: "2-digit" });
  return day(at) === day(new Date()) ? `about ${time}` : `about ${at.toLocaleDateString(undefined, { timeZone, weekday: "short" })} ${time}`;
}

function stockState(product) {
  if (product.state === "out") return "Out";
  return product.runsOutAt ? `Runs out at ${runsOut(product.runsOutAt)}` : "Not selling";
}

async function showStock(visit) {
  const where = encodeURIComponent(app.locationId);
  const [stock, availability] = await Promise.all([api(`/locations/${where}/stock`), api(`/locations/${where}/availability`)]);
  if (!stillOn(visit)) return;
  const manager = isManager();
  const marked = new Set(availability.markedOut.map((m) => m.sku));
  el("stock-auto").checked = availability.autoSuspend;
  el("stock-auto").disabled = !manager;
  el("stock-rows").replaceChildren(...stock.products.map((product) => {
    const row = document.createElement("tr");
    row.className = `state-${product.state}`;
    row.dataset.sku = product.sku;
    row.innerHTML = "<th></th><td class=\"num\"></td><td class=\"num\"></td><td class=\"runs-out\"></td><td class=\"act\"></td>";
    row.children[0].textContent = product.name;
    row.children[1].textContent = `${number(product.onHand)} ${product.unit}`;
    row.children[2].textContent = product.usedLastHour > 0 ? `${number(product.usedLastHour)} ${product.unit}` : "–";
    row.children[3].textContent = stockState(product);
    if (manager) {
      const button = Object.assign(document.createElement("button"), { type: "button" });
      button.textContent = marked.has(product.sku) ? "Back on" : "86 it";
      button.className = marked.has(product.sku) ? "marked" : "";
      button.onclick = () => markOut(product, !marked.has(product.sku));
      row.children[4].append(button);
    }
    return row;
  }));
  el("stock-empty").hidden = stock.products.length > 0;
  el("off-sale").replaceChildren(...availability.offSale.map((item) => {
    const li = document.createElement("li");
    li.textContent = `${item.name ?? item.menuSku} at ${item.storeId}: ${item.reason === "marked_out" ? "marked out" : "out of"} ${item.outOf.join(", ")} · since ${runsOut(item.since).replace("about ", "")}`;
    return li;
  }));
  el("off-sale-none").hidden = availability.offSale.length > 0;
  // A commissary sees which of the kitchens it supplies are running short (their times in their own clocks).
  const names = new Map(app.locations.map((l) => [l.id, l]));
  el("supplied").replaceChildren(...stock.suppliedShortages.map((s) => {
    const li = document.createElement("li");
    const place = names.get(s.locationId);
    const when = s.state === "out" ? "is out" : `runs out at about ${new Date(s.runsOutAt).toLocaleTimeString(undefined, { timeZone: place?.timeZone, hour: "2-digit", minute: "2-digit" })}`;
    li.textContent = `${place?.name ?? s.locationId}: ${s.name} ${when}`;
    return li;
  }));
  el("supplied-section").hidden = stock.suppliedShortages.length === 0;
  showStockWarning(stock);
}

async function markOut(product, out) {
  const path = `/locations/${encodeURIComponent(app.locationId)}/marked-out/${encodeURIComponent(product.sku)}`;
  try {
    // Marking out twice, or taking the mark off twice, ends the same: safe to retry.
    await withRetries(() => api(path, { method: out ? "PUT" : "DELETE" }).catch((problem) => {
      if (!out && problem.status === 404) return null;
      throw problem;
    }));
    notice(out ? `${product.name} is marked out: the items that need it come off sale.` : `${product.name} is back on: its items go back on sale unless it is out.`);
    await showStock(app.visits);
  } catch (problem) {
    notice(problem.message);
  }
}

/** The warning under the header on every screen: what is out, and what runs out within the warning time. */
function showStockWarning(stock) {
  const short = stock.products.filter((p) => p.state !== "ok");
  const said = short.slice(0, 4).map((p) => (p.state === "out" ? `${p.name} is out` : `${p.name} runs out at ${runsOut(p.runsOutAt)}`));
  const text = [...said, ...(short.length > 4 ? [`${short.length - 4} more`] : [])].join(" · ");
  el("stock-warning").hidden = !text;
  el("stock-warning-text").textContent = text;
}

async function refreshStockWarning() {
  if (!app.locationId || el("app").hidden) return;
  try {
    showStockWarning(await api(`/locations/${encodeURIComponent(app.locationId)}/stock`));
  } catch {
    // The warning waits for the next look; the screens say what went wrong when they load.
  }
}

el("stock-auto").onchange = async () => {
  const autoSuspend = el("stock-auto").checked;
  try {
    await withRetries(() => api(`/locations/${encodeURIComponent(app.locationId)}/availability`, { method: "PUT", body: { autoSuspend } }));
    notice(autoSuspend ? "Items come off sale when a product they need runs out." : "Running out no longer takes items off sale here (a product marked out still does).");
    await showStock(app.visits);
  } catch (problem) {
    el("stock-auto").checked = !autoSuspend;
    notice(problem.message);
  }
};
el("stock-refresh").onclick = () => showStock(app.visits);
setInterval(refreshStockWarning, 60_000);
