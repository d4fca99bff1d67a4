// Orbital Prep's shell: sign in, the location (remembered on this tablet), the screens a role may open, and where a
// scan goes. Each screen (prep-list.js, count.js, …) registers itself in app.screens; this file loads last and starts.
"use strict";

const locationKey = "orbital.prep.location";
const isManager = () => session.me?.role === "manager" || session.me?.role === "admin";
const isAdmin = () => session.me?.role === "admin";
/** Whether the signed-in person may open the screen: managers' screens and the admin's are not shown to the rest. */
const mayOpen = (screen) => !(screen.manager && !isManager()) && !(screen.admin && !isAdmin());

/** The signed-in person's location: its id, name, kind and time zone. */
const here = () => app.locations.find((l) => l.id === app.locationId);

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
  scanner.onScan = onScan;
  try {
    if (await resume()) await enter();
    else showLogin();
  } catch (problem) {
    showLogin();
    problemIn(el("login-problem"), problem);
  }
}

function showLogin() {
  delete document.body.dataset.ready;
  el("app").hidden = true;
  el("login").hidden = false;
  el("username").focus();
}

async function enter() {
  el("login").hidden = true;
  el("app").hidden = false;
  el("who").textContent = `${session.me.username} · ${session.me.role.replace("_", " ")}`;
  // A prep cook is not shown what only a manager may do (the API refuses it to them anyway).
  for (const link of document.querySelectorAll("header nav a[data-manager]")) link.hidden = !isManager();
  for (const link of document.querySelectorAll("header nav a[data-admin]")) link.hidden = !isAdmin();
  app.locations = await api("/locations");
  const select = el("location");
  select.replaceChildren(...app.locations.map((l) => new Option(l.name, l.id)));
  const remembered = localStorage.getItem(locationKey);
  app.locationId = app.locations.some((l) => l.id === remembered) ? remembered : app.locations[0]?.id ?? null;
  select.value = app.locationId ?? "";
  select.onchange = () => {
    app.locationId = select.value;
    localStorage.setItem(locationKey, app.locationId);
    route();
    refreshStockWarning();
  };
  if (!app.locationId) {
    notice("Your account works at no location yet: ask a manager.");
    return;
  }
  await loadProducts();
  await route();
  refreshStockWarning();
  // The first screen has loaded: what a test (or a kiosk script) waits for before using the app.
  document.body.dataset.ready = "true";
}

async function loadProducts() {
  app.products = await api("/products");
  app.byBarcode = new Map(app.products.flatMap((p) => p.barcodes.map((b) => [b, p])));
}

/** Opens the screen the address names; a screen the person may not use opens the prep list instead. */
async function route() {
  let id = location.hash.slice(1);
  const refused = app.screens[id] !== undefined && !mayOpen(app.screens[id]);
  const forWhom = refused && app.screens[id].admin ? "admins" : "managers";
  if (!app.screens[id] || refused) {
    id = "prep-list";
    history.replaceState(null, "", "#prep-list");
  }
  notice(null);
  app.current = id;
  const visit = ++app.visits;
  for (const node of document.querySelectorAll("#app > .screen")) node.hidden = node.id !== id;
  for (const link of document.querySelectorAll("header nav a")) link.classList.toggle("current", link.dataset.screen === id);
  if (app.locationId) await app.screens[id].enter();
  // Said after the screen has loaded, unless another visit began meanwhile (its own screen says what it needs).
  if (refused && visit === app.visits) notice(`That screen is for ${forWhom}.`);
}

/** Opens a screen from code (a scan), without a second load from the address changing. */
async function go(id) {
  if (app.current === id) return;
  history.pushState(null, "", `#${id}`);
  await route();
}

/**
 * A scan, whichever screen is open: a product's barcode counts it (or logs its waste on the waste screen); a transfer
 * unit's label receives it (or throws the whole unit away on the waste screen).
 */
async function onScan(code) {
  if (!app.locationId || el("app").hidden) return;
  // A screen that reads scans its own way (products: a scan names a barcode) takes it.
  if (app.screens[app.current]?.onScan) return app.screens[app.current].onScan(code);
  const product = app.byBarcode.get(code);
  if (product) {
    const id = app.current === "waste" ? "waste" : "count";
    await go(id);
    app.screens[id].scannedProduct(product, code);
    return;
  }
  try {
    const unit = await api(`/transfer-units?barcode=${encodeURIComponent(code)}`);
    const id = app.current === "waste" && unit.status === "received" ? "waste" : "receive";
    await go(id);
    app.screens[id].scannedUnit(unit);
  } catch (problem) {
    notice(problem.status === 404 ? `Nothing has the barcode ${code}: it is no product's and no transfer unit's.` : problem.message);
  }
}

start();
