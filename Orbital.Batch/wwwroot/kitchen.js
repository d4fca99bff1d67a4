// Orbital kitchen screen, opened as /?kitchen=K&station=S: paints a station's board from /stations/{id}/board?kitchen=K,
// then follows the kitchen's /orders/events from the board's watermark, so nothing that changed after the board was read
// is missed. Items are kept by id and an event only replaces an item with a newer version, so replays and races are
// harmless. Open items of an earlier business day are shown apart and left out of the all-day counts.
// A screen is paired before it shows anything (screen.js).
"use strict";

const params = new URLSearchParams(location.search);
const thresholds = {
  agingMinutes: Number(params.get("agingMinutes") ?? 5),
  lateMinutes: Number(params.get("lateMinutes") ?? 8),
};
const screenName = params.get("screen") ?? "screen";

const state = { kitchen: null, timeZone: undefined, station: null, businessDay: null, items: new Map(), bumped: [], source: null, lastEventId: null, selected: null, offSale: new Map() };

/** Picks the option named, adding it when the list does not have it (a station Otter named but the setup does not). */
function choose(select, wanted) {
  select.value = wanted;
  if (select.value !== wanted && wanted) {
    select.add(new Option(wanted, wanted));
    select.value = wanted;
  }
}

/** Where a screen opens once paired: the kitchen and station the code was made for (other settings in the address stay). */
function pairedAddress(answer) {
  const address = new URLSearchParams(location.search);
  address.set("kitchen", answer.kitchen);
  if (answer.station) address.set("station", answer.station); else address.delete("station");
  return `/?${address}`;
}

async function loadKitchens() {
  const { kitchens } = await get("/kitchens");
  const select = el("kitchen");
  // The kitchens this screen may open: the one it was paired for, and the unassigned one.
  const cooking = kitchens.filter((k) => k.kind === "kitchen");
  select.replaceChildren(...cooking.map((k) => new Option(k.name, k.id)));
  const wanted = params.get("kitchen") ?? localStorage.getItem("orbital.kitchen");
  if (wanted && !cooking.some((k) => k.id === wanted)) {
    notice(`This screen is paired for ${cooking[0]?.name ?? "another kitchen"}: it cannot open ${wanted}.`);
  }
  select.value = cooking.some((k) => k.id === wanted) ? wanted : cooking[0]?.id;
  state.kitchens = cooking;
  select.onchange = () => switchKitchen(select.value, null);
  el("station").onchange = () => switchStation(el("station").value);
  await switchKitchen(select.value, params.get("station") ?? localStorage.getItem("orbital.station"));
}

async function switchKitchen(kitchen, wantedStation) {
  state.kitchen = kitchen;
  // Promised times are the kitchen's clock, whatever the screen's own time zone.
  state.timeZone = state.kitchens?.find((k) => k.id === kitchen)?.timeZone;
  localStorage.setItem("orbital.kitchen", kitchen);
  const stations = await get(`/stations?${new URLSearchParams({ kitchen })}`);
  const select = el("station");
  select.replaceChildren(...stations.map((s) => new Option(`${s.name}${s.openItems ? ` (${s.openItems})` : ""}`, s.id)));
  choose(select, wantedStation && (stations.some((s) => s.id === wantedStation) || params.get("station") === wantedStation) ? wantedStation : stations[0]?.id);
  await switchStation(select.value);
}

async function switchStation(station) {
  state.station = station;
  localStorage.setItem("orbital.station", station);
  // The address names the screen: bookmark it, or open it on the station's tablet.
  const address = new URLSearchParams(location.search);
  address.set("kitchen", state.kitchen);
  address.set("station", station);
  history.replaceState(null, "", `?${address}`);
  state.bumped = [];
  await loadBoardAndFollow();
}

/** The board as of its watermark, then every event after it. */
async function loadBoardAndFollow() {
  if (state.source) state.source.close();
  state.items.clear();
  const board = await get(`/stations/${encodeURIComponent(state.station)}/board?${new URLSearchParams({ kitchen: state.kitchen })}`);
  for (const item of board.items) apply(item);
  state.lastEventId = board.lastEventId;
  state.businessDay = board.businessDay;
  state.offSale = new Map();
  applyOffSale(state.offSale, { suspended: board.offSale ?? [], unsuspended: [] });
  render();
  connect();
}

function connect() {
  setConnection("connecting", "Connecting…");
  const query = new URLSearchParams({ kitchen: state.kitchen, station: state.station });
  if (state.lastEventId !== null) query.set("lastEventId", state.lastEventId);
  const source = new EventSource(`/orders/events?${query}`);
  state.source = source;
  source.addEventListener("ready", () => setConnection("live", "Live"));
  source.addEventListener("reset", () => startScreen(loadBoardAndFollow));
  source.addEventListener("unpaired", () => showPairing("A manager unpaired this screen. Enter a new code to pair it again."));
  for (const type of ["created", "changed", "started", "completed", "recalled", "voided"]) {
    source.addEventListener(type, (message) => {
      state.lastEventId = message.lastEventId;
      const event = JSON.parse(message.data);
      if (type === "completed") remember(event.item);
      // Recalled on any screen: it is cooking again, not bumped, on every screen.
      if (type === "recalled") forget(event.item);
      apply(event.item);
      render();
    });
  }
  // The kitchen ran out of something one of this station's items needs: the item is off sale at Otter ("86").
  source.addEventListener("availability", (message) => {
    state.lastEventId = message.lastEventId;
    applyOffSale(state.offSale, JSON.parse(message.data).availability);
    render();
  });
  source.onerror = () => {
    setConnection("reconnecting", "Reconnecting…");
    // The browser gives up on a refused stream (not paired any more, too many open): find out which, and go on.
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(() => startScreen(loadBoardAndFollow), 2000);
    }
  };
}


function apply(item) {
  const known = state.items.get(item.id);
  if (known && known.version > item.version) return;
  if (item.status === "pending" || item.status === "in_progress") state.items.set(item.id, item);
  else state.items.delete(item.id);
}

function remember(item) {
  state.bumped = [item, ...state.bumped.filter((b) => b.id !== item.id)].slice(0, 5);
}

function forget(item) {
  state.bumped = state.bumped.filter((b) => b.id !== item.id);
}


async function act(item, action) {
  const response = await fetch(`/batch-items/${item.id}/${action}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ expectedVersion: item.version, by: screenName }),
  });
  if (response.status === 401) return showPairing();
  const body = await response.json();
  if (response.ok) {
    if (action === "complete") remember(body);
    apply(body);
    if (action === "recall") state.bumped = state.bumped.filter((b) => b.id !== body.id);
  } else if (response.status === 409) {
    // Someone else acted first: say so, and show the item as it is now.
    const current = await get(`/batch-items/${item.id}`);
    apply(current);
    if (current.status !== "done") forget(current);
    notice(`${item.name}: already ${current.status === "in_progress" ? "cooking" : current.status === "done" ? "bumped" : current.status} on another screen`);
  } else {
    notice(body.detail ?? `${action} failed (${response.status})`);
  }
  render();
}

function render() {
  const now = Date.now();
  const columns = { "fire-now": [], cooking: [], later: [], earlier: [] };
  const items = [...state.items.values()].sort((a, b) => new Date(a.fireAt) - new Date(b.fireAt) || a.id - b.id);
  const earlierDay = (item) => state.businessDay && item.businessDay < state.businessDay;
  for (const item of items) {
    const column = earlierDay(item) ? "earlier" : item.status === "in_progress" ? "cooking" : new Date(item.fireAt).getTime() > now ? "later" : "fire-now";
    columns[column].push(card(item, now));
  }
  for (const [id, cards] of Object.entries(columns)) el(id).replaceChildren(...cards);
  showSelection();
  el("off-sale").textContent = offSaleText(state.offSale);
  el("off-sale").hidden = state.offSale.size === 0;
  el("earlier-section").hidden = columns.earlier.length === 0;

  const counts = new Map();
  // All day counts what is still wanted today: portions cancelled while cooking are not, nor another day's leftovers.
  for (const item of items.filter((i) => i.businessDay === state.businessDay)) {
    const wanted = item.quantity - (item.cancelledQuantity ?? 0);
    if (wanted > 0) counts.set(item.name, (counts.get(item.name) ?? 0) + wanted);
  }
  el("all-day").replaceChildren(...[...counts].sort((a, b) => b[1] - a[1]).map(([name, quantity]) => {
    const li = document.createElement("li");
    li.innerHTML = `<span></span><strong></strong>`;
    li.firstChild.textContent = name;
    li.lastChild.textContent = quantity;
    return li;
  }));
  el("bumped").replaceChildren(...state.bumped.map((item) => {
    const li = document.createElement("li");
    li.textContent = `${item.quantity}× ${item.name}`;
    const recall = document.createElement("button");
    recall.textContent = "Recall";
    recall.onclick = () => act(item, "recall");
    li.append(recall);
    return li;
  }));
}

setInterval(render, 1000);
startScreen(loadKitchens);
