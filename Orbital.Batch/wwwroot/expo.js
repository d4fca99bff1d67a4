// Orbital expo (the pass), opened as /expo?kitchen=K: paints the kitchen's orders at the pass from /kitchens/K/expo,
// then follows the pass's stream (/orders/events?kitchen=K&station=@expo) from the list's watermark. Orders are kept by
// id and an event only replaces an order with a newer version. An order whose lines are all bumped is ready to pack;
// the expeditor marks it ready (Otter is told), then handed off; recall undoes the last step.
"use strict";

const params = new URLSearchParams(location.search);
const screenName = params.get("screen") ?? "expo";
const state = { kitchen: params.get("kitchen"), timeZone: undefined, hasExpo: true, stations: new Map(), orders: new Map(), paused: new Map(), offSale: new Map(), shortages: [], source: null, lastEventId: null, selected: null };
const stateNames = { cooking: "Cooking", ready_to_pack: "Ready to pack", ready: "Ready · waiting for pickup", handed_off: "Handed off" };
const lineStates = { waiting: "waiting", cooking: "cooking", done: "done ✓" };
const courierStates = {
  REQUESTED: "Courier requested", ALLOCATED: "Courier on the way", ARRIVED_AT_PICKUP: "Courier here", PICKED_UP: "Courier left",
  ARRIVED_AT_DROP_OFF: "Courier at the door", COMPLETED: "Delivered", CANCELED: "Courier cancelled",
};

function pairedAddress(answer) {
  return `/expo?${new URLSearchParams({ kitchen: answer.kitchen })}`;
}

async function start() {
  const { kitchens } = await get("/kitchens");
  const cooking = kitchens.filter((k) => k.kind === "kitchen");
  const kitchen = cooking.find((k) => k.id === state.kitchen) ?? cooking[0];
  if (state.kitchen && kitchen?.id !== state.kitchen) notice(`This screen cannot open ${state.kitchen}: showing ${kitchen?.name}.`);
  state.kitchen = kitchen.id;
  state.timeZone = kitchen.timeZone;
  history.replaceState(null, "", `/expo?${new URLSearchParams({ kitchen: kitchen.id })}`);
  el("kitchen-name").textContent = kitchen.name;
  const stations = await get(`/stations?${new URLSearchParams({ kitchen: kitchen.id })}`);
  for (const station of stations) state.stations.set(station.id, station);
  await loadAndFollow();
}

async function loadAndFollow() {
  if (state.source) state.source.close();
  const board = await get(`/kitchens/${encodeURIComponent(state.kitchen)}/expo`);
  state.orders.clear();
  state.hasExpo = board.hasExpo;
  for (const order of board.orders) apply(order);
  state.paused = new Map((board.pausedStores ?? []).map((store) => [store.storeId, store]));
  state.offSale = new Map();
  applyOffSale(state.offSale, { suspended: board.offSale ?? [], unsuspended: [] });
  state.shortages = board.shortages ?? [];
  state.lastEventId = board.lastEventId;
  render();
  connect();
}

function connect() {
  setConnection("connecting", "Connecting…");
  const query = new URLSearchParams({ kitchen: state.kitchen, station: "@expo", lastEventId: state.lastEventId });
  const source = new EventSource(`/orders/events?${query}`);
  state.source = source;
  source.addEventListener("ready", () => setConnection("live", "Live"));
  source.addEventListener("reset", () => startScreen(loadAndFollow));
  source.addEventListener("unpaired", () => showPairing("A manager unpaired this screen. Enter a new code to pair it again."));
  source.addEventListener("order", (message) => {
    state.lastEventId = message.lastEventId;
    apply(JSON.parse(message.data).order);
    renderSoon();
  });
  source.addEventListener("store", (message) => {
    state.lastEventId = message.lastEventId;
    const store = JSON.parse(message.data).store;
    if (store.paused) state.paused.set(store.storeId, store);
    else state.paused.delete(store.storeId);
    renderSoon();
  });
  source.addEventListener("availability", (message) => {
    state.lastEventId = message.lastEventId;
    applyOffSale(state.offSale, JSON.parse(message.data).availability);
    renderSoon();
  });
  // What the kitchen is about to run out of: the whole list each time.
  source.addEventListener("shortages", (message) => {
    state.lastEventId = message.lastEventId;
    state.shortages = JSON.parse(message.data).shortages ?? [];
    renderSoon();
  });
  source.onerror = () => {
    setConnection("reconnecting", "Reconnecting…");
    if (source.readyState === EventSource.CLOSED) setTimeout(() => startScreen(loadAndFollow), 2000);
  };
}

function apply(order) {
  const known = state.orders.get(order.orderId);
  if (known && known.version > order.version) return;
  if (order.state === "canceled") state.orders.delete(order.orderId);
  else state.orders.set(order.orderId, order);
}

async function act(order, step, force = false) {
  const response = await fetch(`/kitchens/${encodeURIComponent(state.kitchen)}/expo/orders/${encodeURIComponent(order.orderId)}/${step}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ expectedVersion: order.version, by: screenName, force }),
  });
  if (response.status === 401) return showPairing();
  const body = await response.json().catch(() => ({}));
  if (response.ok) apply(body);
  else notice(body.detail ?? `${step} failed (${response.status})`);
  render();
}

/** Marks an order ready; one with lines still cooking only after the expeditor says so. */
function ready(order) {
  if (order.state === "ready_to_pack") return act(order, "ready");
  const waiting = order.lines.filter((l) => l.state !== "done").length;
  if (confirm(`${waiting} line(s) of #${label(order)} are not bumped. Mark it ready anyway?`)) return act(order, "ready", true);
}

function nextStep(order) {
  if (order.state === "ready_to_pack" || order.state === "cooking") return ready(order);
  if (order.state === "ready") return act(order, "handed-off");
}

function label(order) {
  return order.friendlyId || order.orderId.slice(0, 6);
}

// A busy pass holds hundreds of orders: a ticket is built again only when its order changes, and the clock only
// rewrites each ticket's promised time.
const tickets = new Map();

/** A rush brings many order events a second: the pass is laid out again at most five times a second. */
function renderSoon() {
  if (renderSoon.pending) return;
  renderSoon.pending = setTimeout(() => { renderSoon.pending = null; render(); }, 200);
}

function render() {
  const now = Date.now();
  const orders = [...state.orders.values()].sort((a, b) => new Date(a.readyBy) - new Date(b.readyBy) || a.orderId.localeCompare(b.orderId));
  for (const id of [...tickets.keys()]) if (!state.orders.has(id)) tickets.delete(id);
  const nodeOf = (order) => {
    let node = tickets.get(order.orderId);
    if (!node || node.version !== order.version) {
      node = ticket(order, now);
      node.version = order.version;
      tickets.set(order.orderId, node);
    }
    return node;
  };
  const open = orders.filter((o) => o.state !== "handed_off");
  el("open").replaceChildren(...open.map(nodeOf));
  el("handed-off").replaceChildren(...orders.filter((o) => o.state === "handed_off").reverse().map(nodeOf));
  el("no-expo").hidden = state.hasExpo;
  const count = (s) => open.filter((o) => o.state === s).length;
  el("counts").textContent = `${count("cooking")} cooking · ${count("ready_to_pack")} ready to pack · ${count("ready")} ready`;
  // A store paused at Otter takes no new orders: the pass should know before it wonders why the screens went quiet.
  const paused = [...state.paused.values()];
  el("paused").hidden = paused.length === 0;
  el("paused").textContent = `Paused at Otter: ${paused.map((p) => `${p.brandName ?? p.storeId} (${p.storeId}) since ${time(new Date(p.changedAt).getTime())}`).join(" · ")}`;
  el("off-sale").textContent = offSaleText(state.offSale);
  el("off-sale").hidden = state.offSale.size === 0;
  el("shortages").textContent = state.shortages.length === 0 ? ""
    : `Running short: ${state.shortages.map((s) => (s.state === "out" ? `${s.name} is out` : `${s.name} runs out at about ${time(new Date(s.runsOutAt).getTime())}`)).join(" · ")}`;
  el("shortages").hidden = state.shortages.length === 0;
  showSelection();
}

function showSelection() {
  const nodes = [...document.querySelectorAll(".ticket")];
  if (!nodes.some((t) => t.dataset.id === state.selected)) state.selected = nodes[0]?.dataset.id ?? null;
  for (const node of nodes) node.classList.toggle("selected", node.dataset.id === state.selected);
}

/** Each second: how late each open order is. */
function tick() {
  const now = Date.now();
  for (const [id, node] of tickets) {
    const order = state.orders.get(id);
    if (order) showPromise(node, order, now);
  }
}

function showPromise(node, order, now) {
  const promised = order.readyBy ? new Date(order.readyBy).getTime() : null;
  const late = promised !== null && promised < now && order.state !== "handed_off";
  node.classList.toggle("late", late);
  node.querySelector(".promise").textContent = promised === null ? "" : late ? `${time(promised)} · late ${clock((now - promised) / 60000)}` : time(promised);
  showCourier(node.querySelector(".courier"), order.courier, now);
}

/** Who is coming for a delivery and when, as Otter last said: "Courier on the way · Jane · DoorDash · 19:42 (in 4 min)". */
function showCourier(node, courier, now) {
  node.hidden = !courier;
  if (!courier) return;
  const expected = courier.expectedAt ? new Date(courier.expectedAt).getTime() : null;
  const coming = courier.status === "REQUESTED" || courier.status === "ALLOCATED";
  const when = expected === null || !coming ? null
    : expected > now ? `${time(expected)} (in ${Math.ceil((expected - now) / 60000)} min)` : `${time(expected)} (due now)`;
  node.dataset.status = courier.status ?? "";
  node.textContent = [courierStates[courier.status] ?? courier.status ?? "Courier", courier.firstName, courier.provider, when].filter(Boolean).join(" · ");
}

function ticket(order, now) {
  const node = el("ticket").content.firstElementChild.cloneNode(true);
  node.dataset.id = order.orderId;
  node.dataset.state = order.state;
  node.querySelector(".friendly").textContent = `#${label(order)}`;
  node.querySelector(".guest").textContent = order.firstName ?? "";
  showPromise(node, order, now);
  node.querySelector(".source").textContent = [order.brand, channelName(order.channel)].filter(Boolean).join(" · ");
  const allergies = [...new Set(order.lines.map((l) => l.allergyNote).filter(Boolean))];
  const allergy = node.querySelector(".allergy");
  allergy.hidden = !order.allergy;
  allergy.querySelector(".allergy-text").textContent = allergies.join(" · ") || order.note || "";
  node.querySelector(".note").textContent = order.note ?? "";
  node.querySelector(".stations").replaceChildren(...stationGroups(order));
  // Otter can say an order is ready before the pass does (another tablet, the POS): the expeditor sees who said so.
  node.querySelector(".state").textContent = (stateNames[order.state] ?? order.state)
    + (order.state !== "cooking" && order.state !== "ready_to_pack" && order.readyMarkedBy === "otter" ? " (marked at Otter)" : "");
  const readyButton = node.querySelector(".ready");
  readyButton.hidden = !(order.state === "ready_to_pack" || order.state === "cooking");
  readyButton.classList.toggle("early", order.state === "cooking");
  readyButton.textContent = order.state === "cooking" ? "Ready anyway…" : "Ready";
  readyButton.onclick = () => ready(order);
  const handOff = node.querySelector(".hand-off");
  handOff.hidden = order.state !== "ready";
  handOff.onclick = () => act(order, "handed-off");
  const recall = node.querySelector(".recall");
  recall.hidden = !(order.state === "ready" || order.state === "handed_off");
  recall.onclick = () => act(order, "recall");
  node.onclick = (click) => { if (click.target.tagName !== "BUTTON") { state.selected = order.orderId; showSelection(); } };
  return node;
}

/** The order's lines under the station cooking each, stations in the kitchen's order. */
function stationGroups(order) {
  const groups = new Map();
  for (const line of order.lines) {
    if (!groups.has(line.stationId)) groups.set(line.stationId, []);
    groups.get(line.stationId).push(line);
  }
  const place = (id) => state.stations.get(id)?.displayOrder ?? Number.MAX_SAFE_INTEGER;
  return [...groups].sort((a, b) => place(a[0]) - place(b[0])).map(([stationId, lines]) => {
    const group = document.createElement("div");
    group.className = "station";
    group.append(Object.assign(document.createElement("h3"), { textContent: state.stations.get(stationId)?.name ?? stationId }));
    const list = document.createElement("ul");
    for (const line of lines) {
      const li = document.createElement("li");
      li.dataset.state = line.state;
      const what = Object.assign(document.createElement("span"), { className: "what", textContent: `${line.quantity}× ${line.name}` });
      const details = [...line.modifiers, line.note].filter(Boolean);
      if (details.length) what.append(Object.assign(document.createElement("span"), { className: "detail", textContent: details.join(" · ") }));
      li.append(what, Object.assign(document.createElement("span"), { className: "pill", textContent: lineStates[line.state] ?? line.state }));
      list.append(li);
    }
    group.append(list);
    return group;
  });
}

// A bump bar at the pass: arrows move between tickets, Enter takes the selected order its next step, R recalls it.
document.addEventListener("keydown", (press) => {
  if (press.target.closest?.("input, select, textarea") || !el("pairing").hidden || press.ctrlKey || press.altKey || press.metaKey) return;
  const nodes = [...document.querySelectorAll(".ticket")];
  const at = nodes.findIndex((t) => t.dataset.id === state.selected);
  const order = state.orders.get(state.selected);
  if (press.key === "ArrowRight" || press.key === "ArrowDown") state.selected = nodes[Math.min(at + 1, nodes.length - 1)]?.dataset.id ?? null;
  else if (press.key === "ArrowLeft" || press.key === "ArrowUp") state.selected = nodes[Math.max(at - 1, 0)]?.dataset.id ?? null;
  else if (press.key === "Enter" && order) nextStep(order);
  else if ((press.key === "r" || press.key === "R") && order && (order.state === "ready" || order.state === "handed_off")) act(order, "recall");
  else return;
  press.preventDefault();
  showSelection();
});

/** Today's speed of service in the header, every half minute: confirmed → ready and ready → handed off (median, 90%). */
async function showSpeed() {
  if (!state.kitchen || !el("pairing").hidden) return;
  try {
    const speed = await get(`/kitchens/${encodeURIComponent(state.kitchen)}/speed-of-service`);
    const stage = (name) => speed.stages.find((s) => s.stage === name)?.time;
    const figure = (time) => time?.count ? `${clock(time.medianSeconds / 60)} (90% ${clock(time.p90Seconds / 60)})` : "–";
    const ready = stage("confirmed_to_ready"), pickedUp = stage("ready_to_handed_off");
    el("speed").textContent = [`Today ${speed.orders} orders`, ready?.count ? `ready in ${figure(ready)}` : "none ready yet",
      pickedUp?.count ? `picked up ${figure(pickedUp)} after ready` : null].filter(Boolean).join(" · ");
  } catch {
    // The header keeps its last figures; the stream's own state says whether the screen is connected.
  }
}

setInterval(tick, 1000);
setInterval(showSpeed, 30_000);
startScreen(async () => { await start(); showSpeed(); });
