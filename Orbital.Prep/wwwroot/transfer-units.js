// Transfer units (managers): make one from this location to another, print its label (a PDF with its barcode and QR
// code), dispatch it. Dispatching more than the location has on hand asks first: counts lag, so it is allowed, never silently.
"use strict";

const transfers = { product: null };

app.screens["transfer-units"] = {
  manager: true,
  async enter() {
    el("tu-title").textContent = `Transfer units from ${here()?.name ?? app.locationId}`;
    el("tu-destination").replaceChildren(...app.locations.filter((l) => l.id !== app.locationId).map((l) => new Option(l.name, l.id)));
    fieldProblems(el("tu-form"), null, el("tu-problem"));
    await showOutgoing();
  },
};

function chooseTransferProduct(product) {
  transfers.product = product;
  el("tu-search").value = product.name;
  el("tu-results").replaceChildren();
  el("tu-unit").replaceChildren(...unitsOf(product).map((u) => new Option(u, u)));
  el("tu-quantity").focus();
}

async function createTransferUnit(event) {
  event.preventDefault();
  fieldProblems(el("tu-form"), null, el("tu-problem"));
  if (!transfers.product) {
    fieldProblems(el("tu-form"), new ApiProblem(400, "Choose a product", null, { fields: { sku: ["Search for the product and pick it."] } }), el("tu-problem"));
    return;
  }
  try {
    // Not retried: a second send would make a second unit. A dropped connection is said, and the list shows what exists.
    await api("/transfer-units", {
      method: "POST",
      body: { sku: transfers.product.sku, quantity: Number(el("tu-quantity").value), unit: el("tu-unit").value, originLocationId: app.locationId, destinationLocationId: el("tu-destination").value },
    });
    transfers.product = null;
    el("tu-search").value = "";
    el("tu-quantity").value = "";
    await showOutgoing();
  } catch (problem) {
    fieldProblems(el("tu-form"), problem, el("tu-problem"));
    if (problem.status === 0) await showOutgoing();
  }
}

/** Units made here and not yet received, newest first, each with its label and (until sent) Dispatch. */
async function showOutgoing() {
  try {
    const units = await api(`/locations/${encodeURIComponent(app.locationId)}/transfer-units`);
    el("tu-outgoing").replaceChildren(...units.outgoing.map(outgoingUnit));
    el("tu-none").hidden = units.outgoing.length > 0;
  } catch (problem) {
    notice(problem.message);
  }
}

function outgoingUnit(unit) {
  const node = el("tu-line").content.firstElementChild.cloneNode(true);
  const product = app.products.find((p) => p.sku === unit.sku);
  node.dataset.barcode = unit.barcode;
  node.querySelector(".name").textContent = `${product?.name ?? unit.sku} · ${number(unit.quantitySent)} ${product?.unit ?? ""}`;
  node.querySelector(".route").textContent = `${unit.barcode} → ${app.locations.find((l) => l.id === unit.destinationLocationId)?.name ?? unit.destinationLocationId} · ${unit.status === "created" ? "not sent yet" : `dispatched ${localTime(unit.dispatchedAt, here()?.timeZone)}`}`;
  const problem = node.querySelector(".problem");
  node.querySelector(".label").onclick = async () => {
    problemIn(problem, null);
    try {
      await download(`/transfer-units/${unit.id}/label.pdf`, `label-${unit.barcode}.pdf`);
    } catch (p) {
      problemIn(problem, p);
    }
  };
  const dispatch = node.querySelector(".dispatch");
  dispatch.hidden = unit.status !== "created";
  dispatch.onclick = async () => {
    const anyway = dispatch.dataset.anyway === "true";
    problemIn(problem, null);
    dispatch.disabled = true;
    try {
      // Dispatching twice is refused by the API (the unit is no longer "created"): safe to send again.
      await withRetries(() => api(`/transfer-units/${unit.id}/dispatch`, { method: "POST", body: { overOnHand: anyway } }));
      await showOutgoing();
    } catch (p) {
      dispatch.disabled = false;
      if (p.status === 409 && p.title === "More than on hand") {
        node.querySelector(".confirm").textContent = `Only ${number(p.body.onHand ?? 0)} ${product?.unit ?? ""} on hand here by the last count. Dispatch anyway?`;
        dispatch.dataset.anyway = "true";
        dispatch.textContent = "Dispatch anyway";
      } else {
        problemIn(problem, p);
        // A dispatch whose answer was lost and then refused as already done: the list says what the unit is now.
        if (p.status === 409) await showOutgoing();
      }
    }
  };
  return node;
}

el("tu-form").onsubmit = createTransferUnit;
el("tu-search").oninput = () => {
  transfers.product = null;
  buttonList(el("tu-results"), searchProducts(el("tu-search").value), (p) => `${p.name} (${p.sku})`, chooseTransferProduct);
};
