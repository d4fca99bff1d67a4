// Waste: what was thrown away and why. Scan a product (or search it) and say how much, or scan a received transfer
// unit's label to throw the whole unit away. Every entry carries an Idempotency-Key: a retry never takes stock off twice.
"use strict";

const wasting = { entry: null };
const reasonNames = { spoiled: "Spoiled", expired: "Expired", dropped: "Dropped", burnt: "Burnt", overproduced: "Over-produced", returned: "Returned", other: "Other" };

app.screens["waste"] = {
  async enter() {
    el("waste-search").focus();
    await showWasted();
  },
  scannedProduct(product, barcode) {
    open({ product, barcode, unit: null });
  },
  scannedUnit(unit) {
    const product = app.products.find((p) => p.sku === unit.sku);
    open({ product, barcode: unit.barcode, unit });
  },
};

function open({ product, barcode, unit }) {
  notice(null);
  wasting.entry = { product, barcode, unit, key: newKey() };
  el("waste-results").replaceChildren();
  el("waste-search").value = "";
  el("waste-form").hidden = false;
  el("waste-product").textContent = product?.name ?? unit.sku;
  const whole = unit ? unit.quantityReceived ?? unit.quantitySent : null;
  el("waste-what").textContent = unit ? `The whole transfer unit ${unit.barcode}: ${number(whole)} ${product?.unit ?? ""}` : "";
  el("waste-amount").hidden = Boolean(unit);
  el("waste-quantity").required = !unit;
  el("waste-quantity").value = "";
  if (product) el("waste-unit").replaceChildren(...unitsOf(product).map((u) => new Option(u, u)));
  for (const radio of document.querySelectorAll("input[name=waste-reason]")) radio.checked = false;
  el("waste-note").value = "";
  fieldProblems(el("waste-form"), null, el("waste-problem"));
  (unit ? document.querySelector("input[name=waste-reason]") : el("waste-quantity")).focus();
}

async function logWaste(event) {
  event.preventDefault();
  const { product, barcode, unit, key } = wasting.entry;
  const reason = document.querySelector("input[name=waste-reason]:checked")?.value;
  const note = el("waste-note").value.trim() || null;
  const quantity = unit ? null : Number(el("waste-quantity").value);
  const unitName = unit ? null : el("waste-unit").value;
  fieldProblems(el("waste-form"), null, el("waste-problem"));
  try {
    // Sent again as it is (same key) if the connection drops: the API answers a repeat with its first answer.
    await withRetries(() => barcode
      ? api("/scans", { method: "POST", headers: { "Idempotency-Key": key }, body: { barcode, locationId: app.locationId, action: "waste", quantity, unit: unitName, reason, note } })
      : api(`/locations/${encodeURIComponent(app.locationId)}/waste`, { method: "POST", headers: { "Idempotency-Key": key }, body: { sku: product.sku, quantity, unit: unitName, reason, note } }));
    el("waste-form").hidden = true;
    wasting.entry = null;
    el("waste-search").focus();
    await showWasted();
  } catch (problem) {
    fieldProblems(el("waste-form"), problem, el("waste-problem"));
  }
}

/** Today's waste at the location, latest first, so the cook sees it was logged (and what others logged). */
async function showWasted() {
  try {
    const entries = await api(`/locations/${encodeURIComponent(app.locationId)}/waste?days=1`);
    el("wasted").replaceChildren(...entries.map((e) => {
      const li = document.createElement("li");
      const name = app.products.find((p) => p.sku === e.sku)?.name ?? e.sku;
      li.textContent = `${name}: ${number(e.enteredQuantity)} ${e.enteredUnit} · ${reasonNames[e.reason] ?? e.reason}${e.note ? ` (${e.note})` : ""} · ${e.loggedBy}, ${localTime(e.loggedAt, here()?.timeZone)}`;
      return li;
    }));
  } catch (problem) {
    notice(problem.message);
  }
}

el("waste-reasons").replaceChildren(el("waste-reasons").querySelector("legend"), ...Object.entries(reasonNames).map(([value, name]) => {
  const label = document.createElement("label");
  const radio = Object.assign(document.createElement("input"), { type: "radio", name: "waste-reason", value });
  label.append(radio, name);
  return label;
}));
el("waste-form").onsubmit = logWaste;
// A reason chosen answers "Say why": the problem goes as soon as it is.
el("waste-reasons").addEventListener("change", () => { el("waste-form").querySelector("[data-for=reason]").hidden = true; });
el("waste-search").oninput = () => buttonList(el("waste-results"), searchProducts(el("waste-search").value), (p) => `${p.name} (${p.sku})`,
  (p) => open({ product: p, barcode: null, unit: null }));
