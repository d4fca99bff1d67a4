// What every screen of Orbital Prep shares: finding elements, the notice under the header, problems shown next to the
// field they concern, numbers and units as a cook reads them, keys that make a retried request count once.
"use strict";

/** The app's state; each screen's file adds itself to app.screens, and app.js (loaded last) starts it. */
const app = { locationId: null, locations: [], products: [], byBarcode: new Map(), screens: {}, current: null, visits: 0 };

/** Whether the screen opened on visit number `visit` is still the one shown: a slow answer for an earlier visit is dropped. */
const stillOn = (visit) => visit === app.visits;

function el(id) { return document.getElementById(id); }

function notice(text) {
  el("notice").hidden = !text;
  el("notice").textContent = text ?? "";
}

/** Shows a problem (or clears it) in its node. */
function problemIn(node, problem) {
  node.hidden = !problem;
  node.textContent = problem ? problem.message : "";
}

/**
 * Shows what the API said about each field next to it (the form's [data-for] nodes) and the rest in the form's general
 * problem node; clears them all when problem is null.
 */
function fieldProblems(form, problem, general) {
  const fields = Object.fromEntries(Object.entries(problem?.fields ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  let shown = false;
  for (const node of form.querySelectorAll("[data-for]")) {
    const messages = fields[node.dataset.for.toLowerCase()];
    node.hidden = !messages;
    node.textContent = messages ? messages.join(" ") : "";
    shown ||= Boolean(messages);
  }
  problemIn(general, problem && !shown ? problem : null);
}

const number = (value) => Number(value).toLocaleString(undefined, { maximumFractionDigits: 3 });

/** A product's units, its base unit first. */
const unitsOf = (product) => [product.unit, ...Object.keys(product.conversions)];

/** A quantity in one of the product's units, in its base unit. */
function toBase(product, quantity, unit) {
  if (unit === product.unit) return quantity;
  const factor = Object.entries(product.conversions).find(([u]) => u.toLowerCase() === unit.toLowerCase())?.[1];
  return factor === undefined ? null : quantity * factor;
}

/**
 * An id of this tablet's own for one action, sent again with every retry of it (Idempotency-Key). crypto.randomUUID
 * exists only on https or localhost; a tablet reaching Prep on the kitchen's network by address has getRandomValues.
 */
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Sends again, up to three times, what failed for want of a connection; only for requests that carry an Idempotency-Key. */
async function withRetries(send, { attempts = 3, delayMs = 1000 } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await send();
      if (attempt > 1) notice(null);
      return result;
    } catch (problem) {
      if (problem.status !== 0 || attempt === attempts) {
        if (attempt > 1) notice(null);
        throw problem;
      }
      notice(`No connection: trying again (${attempt} of ${attempts - 1})…`);
      await new Promise((resolve) => setTimeout(resolve, delayMs * attempt));
    }
  }
}

/** A moment as the location's clock shows it. */
function localTime(iso, timeZone) {
  return new Date(iso).toLocaleString(undefined, { timeZone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** A list of buttons, one a thing to choose (search results, units on their way). */
function buttonList(node, items, label, choose) {
  node.replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: label(item) });
    button.onclick = () => choose(item);
    li.append(button);
    return li;
  }));
}

/** Products whose name or SKU holds the text (at least two characters). */
function searchProducts(text) {
  const wanted = text.trim().toLowerCase();
  return wanted.length < 2 ? [] : app.products.filter((p) => p.name.toLowerCase().includes(wanted) || p.sku.toLowerCase().includes(wanted)).slice(0, 8);
}

/** Fetches a file the API makes (a PDF, a CSV) with the session's token and hands it to the browser as a download. */
async function download(path, fileName) {
  const file = await api(path, { as: "blob" });
  const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(file), download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
