// Receiving: scan a transfer unit's label (or pick one on its way here), confirm what arrived or correct it. What
// differs from what was sent is recorded as a discrepancy. The receipt is sent as a scan with an Idempotency-Key, so a
// retry after a dropped connection receives it once.
"use strict";

const receiving = { unit: null, key: null };

app.screens["receive"] = {
  async enter() {
    el("receive-form").hidden = receiving.unit === null;
    await showIncoming();
  },
  scannedUnit(unit) {
    take(unit);
  },
};

function take(unit) {
  notice(null);
  const product = app.products.find((p) => p.sku === unit.sku);
  const unitName = product?.unit ?? "";
  if (unit.status !== "dispatched" || unit.destinationLocationId !== app.locationId) {
    notice(unit.status === "received"
      ? `${unit.barcode} was received ${unit.receivedAt ? localTime(unit.receivedAt, here()?.timeZone) : ""} by ${unit.receivedBy ?? "someone"}.`
      : unit.destinationLocationId !== app.locationId
        ? `${unit.barcode} is going to ${nameOf(unit.destinationLocationId)}, not here.`
        : `${unit.barcode} has not been dispatched yet (it is ${unit.status}).`);
    return;
  }
  receiving.unit = unit;
  receiving.key = newKey();
  el("receive-form").hidden = false;
  el("receive-product").textContent = product?.name ?? unit.sku;
  el("receive-what").textContent = `${unit.barcode} · ${number(unit.quantitySent)} ${unitName} sent from ${nameOf(unit.originLocationId)}${unit.dispatchedAt ? `, ${localTime(unit.dispatchedAt, here()?.timeZone)}` : ""}`;
  el("receive-unit").textContent = unitName;
  el("receive-quantity").value = unit.quantitySent;
  showDifference();
  fieldProblems(el("receive-form"), null, el("receive-problem"));
  el("receive-quantity").focus();
  el("receive-quantity").select();
}

const nameOf = (locationId) => app.locations.find((l) => l.id === locationId)?.name ?? locationId;

function showDifference() {
  const unit = receiving.unit;
  const received = Number(el("receive-quantity").value);
  const difference = received - unit.quantitySent;
  const unitName = el("receive-unit").textContent;
  el("receive-difference").textContent = el("receive-quantity").value === "" || difference === 0 ? ""
    : `${number(Math.abs(difference))} ${unitName} ${difference < 0 ? "short" : "over"}: recorded as a discrepancy.`;
  el("receive-save").textContent = difference === 0 ? "Received as sent ✓" : `Receive ${number(received)} ${unitName}`;
}

async function receive(event) {
  event.preventDefault();
  const { unit, key } = { unit: receiving.unit, key: receiving.key };
  const quantity = Number(el("receive-quantity").value);
  fieldProblems(el("receive-form"), null, el("receive-problem"));
  try {
    await withRetries(() => api("/scans", {
      method: "POST", headers: { "Idempotency-Key": key },
      body: { barcode: unit.barcode, locationId: app.locationId, action: "receive", quantity },
    }));
    const li = document.createElement("li");
    const difference = quantity - unit.quantitySent;
    li.textContent = `${el("receive-product").textContent}: ${number(quantity)} ${el("receive-unit").textContent} ✓${difference === 0 ? "" : ` (${number(difference)} against what was sent)`}`;
    el("received").prepend(li);
    el("receive-form").hidden = true;
    receiving.unit = null;
    await showIncoming();
  } catch (problem) {
    fieldProblems(el("receive-form"), problem, el("receive-problem"));
  }
}

/** Transfer units dispatched to this location and not yet received: a unit whose label will not scan is picked here. */
async function showIncoming() {
  try {
    const units = await api(`/locations/${encodeURIComponent(app.locationId)}/transfer-units`);
    buttonList(el("incoming"), units.incoming, (u) => `${app.products.find((p) => p.sku === u.sku)?.name ?? u.sku} · ${number(u.quantitySent)} · ${u.barcode} from ${nameOf(u.originLocationId)}`, take);
    el("incoming-none").hidden = units.incoming.length > 0;
  } catch (problem) {
    notice(problem.message);
  }
}

el("receive-form").onsubmit = receive;
el("receive-quantity").oninput = showDifference;

el("tu-inventory-print").onclick = async () => {
  try {
    await download(`/locations/${encodeURIComponent(app.locationId)}/transfer-units.pdf`, `transfer-units-${app.locationId}.pdf`);
  } catch (problem) {
    notice(problem.message);
  }
};
