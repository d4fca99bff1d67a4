// Counting: scan a product (or search it), type how many in any of its units. A count far from what the system expects
// asks "are you sure?" once. A scanned count carries an Idempotency-Key, so a retry after a dropped connection counts once.
"use strict";

const counting = { selected: null, confirming: null };

app.screens["count"] = {
  async enter() {
    el("on-hand").hidden = true;
    el("on-hand-show").textContent = "Show";
    el("search").focus();
  },
  scannedProduct(product, barcode) {
    choose(product, barcode);
  },
};

async function choose(product, barcode) {
  notice(null);
  counting.selected = { product, barcode, key: newKey(), expected: null };
  counting.confirming = null;
  el("results").replaceChildren();
  el("search").value = "";
  el("count-form").hidden = false;
  el("count-product").textContent = product.name;
  el("count-unit").replaceChildren(...unitsOf(product).map((u) => new Option(u, u)));
  el("count-quantity").value = "";
  fieldProblems(el("count-form"), null, el("count-problem"));
  el("count-confirm").hidden = true;
  el("count-save").textContent = "Save count";
  el("count-on-hand").textContent = "";
  el("count-quantity").focus();
  try {
    const onHand = (await api(`/locations/${encodeURIComponent(app.locationId)}/inventory`)).find((o) => o.sku === product.sku);
    if (counting.selected?.product !== product) return;
    counting.selected.expected = onHand ? onHand.quantity : null;
    el("count-on-hand").textContent = onHand ? `The system has ${number(onHand.quantity)} ${product.unit}.` : "Never counted here.";
  } catch {
    // The count works without it.
  }
}

/** Far from what the system expects: under a third of it or over three times it. */
function wild(expected, counted) {
  return expected !== null && expected > 0 && (counted < expected / 3 || counted > expected * 3);
}

async function saveCount(event) {
  event.preventDefault();
  const { product, barcode, key, expected } = counting.selected;
  const quantity = Number(el("count-quantity").value);
  const unit = el("count-unit").value;
  fieldProblems(el("count-form"), null, el("count-problem"));
  const entry = `${quantity} ${unit}`;
  if (wild(expected, toBase(product, quantity, unit)) && counting.confirming !== entry) {
    counting.confirming = entry;
    el("count-confirm").textContent = `Are you sure? ${number(quantity)} ${unit} is far from the ${number(expected)} ${product.unit} the system expects. Check the unit, then save again.`;
    el("count-confirm").hidden = false;
    el("count-save").textContent = `Yes, save ${number(quantity)} ${unit}`;
    return;
  }
  try {
    if (barcode) {
      // Retried as it is (same key) when the connection drops: the API answers a repeat with the first answer.
      await withRetries(() => api("/scans", {
        method: "POST", headers: { "Idempotency-Key": key },
        body: { barcode, locationId: app.locationId, action: "count", quantity, unit },
      }));
    } else {
      await withRetries(() => api(`/locations/${encodeURIComponent(app.locationId)}/counts`, { method: "POST", body: { area: "count", lines: [{ sku: product.sku, quantity, unit }] } }));
    }
    const li = document.createElement("li");
    li.textContent = `${product.name}: ${number(quantity)} ${unit} ✓`;
    el("counted").prepend(li);
    el("count-form").hidden = true;
    counting.selected = null;
    el("search").focus();
  } catch (problem) {
    fieldProblems(el("count-form"), problem, el("count-problem"));
  }
}

el("count-form").onsubmit = saveCount;
for (const id of ["count-quantity", "count-unit"]) {
  el(id).addEventListener("input", () => {
    counting.confirming = null;
    el("count-confirm").hidden = true;
    el("count-save").textContent = "Save count";
  });
}
el("search").oninput = () => buttonList(el("results"), searchProducts(el("search").value), (p) => `${p.name} (${p.sku})`, (p) => choose(p, null));
el("search").onkeydown = (event) => {
  // A barcode typed by hand, then Enter (a scanner's burst is taken by scanner.js before this).
  if (event.key !== "Enter") return;
  event.preventDefault();
  const text = el("search").value.trim();
  if (app.byBarcode.has(text)) choose(app.byBarcode.get(text), text);
};

/** What the location holds of each product by the last count or movement, and who or what changed it last. */
async function showOnHand() {
  try {
    const onHand = await api(`/locations/${encodeURIComponent(app.locationId)}/inventory`);
    const names = new Map(app.products.map((p) => [p.sku, p]));
    const rows = onHand.map((o) => ({ ...o, product: names.get(o.sku) })).sort((a, b) => (a.product?.name ?? a.sku).localeCompare(b.product?.name ?? b.sku));
    el("on-hand").querySelector("tbody").replaceChildren(...rows.map((o) => {
      const tr = document.createElement("tr");
      for (const text of [o.product?.name ?? o.sku, `${number(o.quantity)} ${o.product?.unit ?? ""}`, `${localTime(o.updatedAt, here()?.timeZone)} · ${o.source}${o.updatedBy ? ` · ${o.updatedBy}` : ""}`]) {
        tr.append(Object.assign(document.createElement("td"), { textContent: text }));
      }
      return tr;
    }));
    el("on-hand").hidden = false;
    el("on-hand-show").textContent = "Refresh";
  } catch (problem) {
    notice(problem.message);
  }
}

el("on-hand-show").onclick = showOnHand;
