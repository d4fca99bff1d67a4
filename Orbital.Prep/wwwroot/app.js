// Orbital Prep for prep cooks on a tablet: sign in, pick the location (remembered), today's prep list most urgent first
// with "Made" (which records the new count), and counting by scanning or searching a product. Scans carry an id of
// their own (Idempotency-Key), so one sent again after a dropped connection never counts twice.
"use strict";

const state = { locationId: null, products: [], byBarcode: new Map(), selected: null, scanKey: null };
const locationKey = "orbital.prep.location";

function el(id) { return document.getElementById(id); }

function show(id) {
  for (const screen of document.querySelectorAll("#app > .screen")) screen.hidden = screen.id !== id;
  for (const link of document.querySelectorAll("header nav a")) link.classList.toggle("current", link.dataset.screen === id);
}

function notice(text) {
  el("notice").hidden = !text;
  el("notice").textContent = text ?? "";
}

function problemIn(node, problem) {
  node.hidden = !problem;
  node.textContent = problem ? problem.message : "";
}

const number = (value) => Number(value).toLocaleString(undefined, { maximumFractionDigits: 3 });

async function start() {
  el("login-form").onsubmit = async (event) => {
    event.preventDefault();
    problemIn(el("login-problem"), null);
    try {
      await signIn(el("username").value.trim(), el("password").value);
      el("password").value = "";
      await enter();
    } catch (problem) {
      problemIn(el("login-problem"), problem);
    }
  };
  el("sign-out").onclick = async () => {
    await signOut();
    showLogin();
  };
  window.addEventListener("orbital:signed-out", showLogin);
  window.addEventListener("hashchange", route);
  try {
    if (await resume()) await enter();
    else showLogin();
  } catch (problem) {
    showLogin();
    problemIn(el("login-problem"), problem);
  }
}

function showLogin() {
  el("app").hidden = true;
  el("login").hidden = false;
  el("username").focus();
}

async function enter() {
  el("login").hidden = true;
  el("app").hidden = false;
  el("who").textContent = `${session.me.username} · ${session.me.role.replace("_", " ")}`;
  const locations = await api("/locations");
  const select = el("location");
  select.replaceChildren(...locations.map((l) => new Option(l.name, l.id)));
  const remembered = localStorage.getItem(locationKey);
  state.locationId = locations.some((l) => l.id === remembered) ? remembered : locations[0]?.id ?? null;
  select.value = state.locationId ?? "";
  select.onchange = () => {
    state.locationId = select.value;
    localStorage.setItem(locationKey, state.locationId);
    route();
  };
  if (!state.locationId) {
    notice("Your account works at no location yet: ask a manager.");
    return;
  }
  state.products = await api("/products");
  state.byBarcode = new Map(state.products.flatMap((p) => p.barcodes.map((b) => [b, p])));
  scanner.onScan = onScan;
  route();
}

function route() {
  const screen = location.hash === "#count" ? "count" : "prep-list";
  show(screen);
  notice(null);
  if (screen === "prep-list") loadPrepList();
  else el("search").focus();
}

// ---- Prep list --------------------------------------------------------------------------------------------------

async function loadPrepList() {
  try {
    const list = await api(`/locations/${encodeURIComponent(state.locationId)}/prep-list`);
    el("prep-list-title").textContent = `Prep for ${list.locationName}, ${new Date(`${list.date}T12:00:00`).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" })}`;
    // Most urgent first: what is furthest below its PAR, as a share of the PAR.
    const lines = list.lines.slice().sort((a, b) => (b.toPrep > 0) - (a.toPrep > 0) || b.shortfall / (b.par || 1) - a.shortfall / (a.par || 1));
    el("prep-lines").replaceChildren(...lines.map(prepLine));
    if (lines.length === 0) notice("Nothing to prep: no PARs are set for today at this location.");
  } catch (problem) {
    notice(problem.message);
  }
}

function prepLine(line) {
  const node = el("prep-line").content.firstElementChild.cloneNode(true);
  node.dataset.sku = line.sku;
  node.querySelector(".name").textContent = line.name;
  node.querySelector(".amount").textContent = line.toPrep > 0
    ? `Make ${line.batches} batch${line.batches === 1 ? "" : "es"} · ${number(line.toPrep)} ${line.unit}`
    : "Nothing to make";
  node.querySelector(".stock").textContent = `On hand ${number(line.onHand)} ${line.unit}${line.counted ? "" : " (never counted)"} · PAR ${number(line.par)} ${line.unit}`;
  const made = node.querySelector(".made");
  made.disabled = line.toPrep <= 0;
  made.onclick = async () => {
    made.disabled = true;
    problemIn(node.querySelector(".problem"), null);
    try {
      // Made means what was there plus what was made is now there: that is the count recorded.
      await api(`/locations/${encodeURIComponent(state.locationId)}/counts`, {
        method: "POST", body: { area: "prep", lines: [{ sku: line.sku, quantity: line.onHand + line.toPrep, unit: line.unit }] },
      });
      node.classList.add("done");
      made.textContent = "Made ✓ counted";
      node.querySelector(".stock").textContent = `On hand ${number(line.onHand + line.toPrep)} ${line.unit} · PAR ${number(line.par)} ${line.unit}`;
    } catch (problem) {
      made.disabled = false;
      problemIn(node.querySelector(".problem"), problem);
    }
  };
  return node;
}

// ---- Counting ---------------------------------------------------------------------------------------------------

function onScan(code) {
  if (location.hash !== "#count") location.hash = "#count";
  const product = state.byBarcode.get(code);
  if (!product) {
    el("search").value = code;
    showResults([]);
    notice(`No product has the barcode ${code}.`);
    return;
  }
  choose(product, code);
}

function showResults(products) {
  el("results").replaceChildren(...products.slice(0, 8).map((product) => {
    const li = document.createElement("li");
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: `${product.name} (${product.sku})` });
    button.onclick = () => choose(product, null);
    li.append(button);
    return li;
  }));
}

async function choose(product, barcode) {
  notice(null);
  state.selected = { product, barcode };
  state.scanKey = crypto.randomUUID();
  showResults([]);
  el("search").value = "";
  el("count-form").hidden = false;
  el("count-product").textContent = product.name;
  el("count-unit").replaceChildren(...[product.unit, ...Object.keys(product.conversions)].map((u) => new Option(u, u)));
  el("count-quantity").value = "";
  problemIn(el("count-problem"), null);
  el("count-on-hand").textContent = "";
  el("count-quantity").focus();
  try {
    const onHand = (await api(`/locations/${encodeURIComponent(state.locationId)}/inventory`)).find((o) => o.sku === product.sku);
    el("count-on-hand").textContent = onHand ? `The system has ${number(onHand.quantity)} ${product.unit}.` : "Never counted here.";
  } catch {
    // The count works without it.
  }
}

async function saveCount(event) {
  event.preventDefault();
  const { product, barcode } = state.selected;
  const quantity = Number(el("count-quantity").value);
  const unit = el("count-unit").value;
  problemIn(el("count-problem"), null);
  try {
    if (barcode) {
      // Retried as it is (same key) when the connection drops: the API answers a repeat with the first answer.
      await withRetries(() => api("/scans", {
        method: "POST", headers: { "Idempotency-Key": state.scanKey },
        body: { barcode, locationId: state.locationId, action: "count", quantity, unit },
      }));
    } else {
      await api(`/locations/${encodeURIComponent(state.locationId)}/counts`, { method: "POST", body: { area: "count", lines: [{ sku: product.sku, quantity, unit }] } });
    }
    const li = document.createElement("li");
    li.textContent = `${product.name}: ${number(quantity)} ${unit} ✓`;
    el("counted").prepend(li);
    el("count-form").hidden = true;
    state.selected = null;
    el("search").focus();
  } catch (problem) {
    problemIn(el("count-problem"), problem);
  }
}

async function withRetries(send) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (problem) {
      if (problem.status !== 0 || attempt === 3) throw problem;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

el("count-form").onsubmit = saveCount;
el("search").oninput = () => {
  const text = el("search").value.trim().toLowerCase();
  showResults(text.length < 2 ? [] : state.products.filter((p) => p.name.toLowerCase().includes(text) || p.sku.toLowerCase().includes(text)));
};
el("search").onkeydown = (event) => {
  // A barcode typed by hand, then Enter (a scanner's burst is taken by scanner.js before this).
  if (event.key !== "Enter") return;
  event.preventDefault();
  const text = el("search").value.trim();
  if (state.byBarcode.has(text)) choose(state.byBarcode.get(text), text);
};

start();
