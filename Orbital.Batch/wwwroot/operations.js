// Orbital operations: one kitchen's night at a glance (orders per quarter hour, ticket times, open and late items,
// screens) and the system's queues, dead letters, outboxes and calls owed to Otter, drawn with Chart.js and read again
// every 15 seconds. The data comes from /operations/kitchens/{kitchen} and /operations/system (README: Operations page).
"use strict";

const refreshEvery = 15_000;
const colors = { orders: "#1f5f8b", median: "#4a90c2", p90: "#e67e22", open: "#95a5a6", late: "#c0392b", screens: "#1f7a4d", waiting: "#1f5f8b", oldest: "#e67e22", dead: "#c0392b", backlog: "#8e44ad" };
const charts = {};
let kitchenId = null;

function el(id) { return document.getElementById(id); }

async function get(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (response.status === 401) {
    location.assign(`/operations/login?returnUrl=${encodeURIComponent("/operations")}`);
    throw new Error("signed out");
  }
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

function bar(id, labels, datasets, options = {}) {
  const data = { labels, datasets: datasets.map((d) => ({ borderRadius: 4, ...d })) };
  if (charts[id]) {
    charts[id].data = data;
    charts[id].update();
    return;
  }
  charts[id] = new Chart(el(id), {
    type: "bar",
    data,
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: datasets.length > 1 } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, ...options.scales },
      ...options.extra,
    },
  });
}

const minutes = (seconds) => (seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10);

function drawKitchen(kitchen) {
  const quarters = kitchen.ordersPer15Minutes;
  bar("orders-chart", quarters.map((q) => q.label), [{ label: "Orders", data: quarters.map((q) => q.orders), backgroundColor: colors.orders }]);
  const cooking = kitchen.stations.filter((s) => s.stationId !== "" && s.stationId !== "@expo");
  bar("tickets-chart", cooking.map((s) => s.name), [
    { label: "Median", data: cooking.map((s) => minutes(s.ticketMedianSeconds)), backgroundColor: colors.median },
    { label: "90th percentile", data: cooking.map((s) => minutes(s.ticketP90Seconds)), backgroundColor: colors.p90 },
  ], { scales: { y: { beginAtZero: true } } });
  bar("items-chart", cooking.map((s) => s.name), [
    { label: "Open", data: cooking.map((s) => s.openItems), backgroundColor: colors.open },
    { label: "Late", data: cooking.map((s) => s.lateItems), backgroundColor: colors.late },
  ]);
  bar("screens-chart", kitchen.stations.map((s) => s.name), [{ label: "Screens", data: kitchen.stations.map((s) => s.screens), backgroundColor: colors.screens }]);

  const late = cooking.reduce((sum, s) => sum + s.lateItems, 0);
  el("tile-orders").textContent = quarters.length ? quarters[quarters.length - 1].orders : 0;
  el("tile-late").textContent = late;
  el("tile-late").parentElement.classList.toggle("alert", late > 0);
  el("tile-screens").textContent = kitchen.stations.reduce((sum, s) => sum + s.screens, 0);
}

function drawSystem(system) {
  const queues = system.services.flatMap((service) => service.queues);
  bar("queues-chart", queues.map((q) => q.queue), [
    { label: "Waiting", data: queues.map((q) => q.waiting), backgroundColor: colors.waiting, yAxisID: "y" },
    { label: "Oldest waiting (s)", data: queues.map((q) => q.oldestWaitingSeconds), backgroundColor: colors.oldest, yAxisID: "age" },
  ], { scales: { age: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "seconds" } } } });
  bar("dead-letters-chart", queues.map((q) => q.queue), [{ label: "Dead letters", data: queues.map((q) => q.deadLetters), backgroundColor: colors.dead }]);

  const backlog = system.services.filter((s) => s.outbox).map((s) => ({ label: `${s.service} outbox`, value: s.outbox.pending }));
  if (system.otterCalls) backlog.push({ label: "Calls owed to Otter", value: system.otterCalls.pending });
  bar("backlog-chart", backlog.map((b) => b.label), [{ label: "Waiting", data: backlog.map((b) => b.value), backgroundColor: colors.backlog }]);

  const dead = queues.reduce((sum, q) => sum + q.deadLetters, 0);
  el("tile-dead").textContent = dead;
  el("tile-dead").parentElement.classList.toggle("alert", dead > 0);
  const otter = system.otterCalls;
  el("tile-otter").textContent = otter ? otter.pending : "?";
  el("tile-otter-label").textContent = !otter ? "calls owed to Otter (Orders did not answer)"
    : !otter.configured ? "calls owed to Otter (Otter's API not configured)"
    : otter.oldestPendingSeconds ? `calls owed to Otter, oldest ${Math.round(otter.oldestPendingSeconds)} s` : "calls owed to Otter";

  const problems = Object.entries(system.unavailable).map(([service, reason]) => `${service}: ${reason}`)
    .concat(queues.filter((q) => q.problem).map((q) => `${q.queue}: ${q.problem}`));
  el("notice").hidden = problems.length === 0;
  el("notice").textContent = problems.length ? `Not shown: ${problems.join("; ")}` : "";
}

async function refresh() {
  try {
    const [kitchen, system] = await Promise.all([get(`/operations/kitchens/${encodeURIComponent(kitchenId)}`), get("/operations/system")]);
    drawKitchen(kitchen);
    drawSystem(system);
    el("updated").textContent = `Updated ${new Date().toLocaleTimeString()} · every ${refreshEvery / 1000} s`;
  } catch (error) {
    el("updated").textContent = `Not updated: ${error.message}`;
  }
}

async function start() {
  const { kitchens } = await get("/operations/kitchens");
  const select = el("kitchen");
  select.replaceChildren(...kitchens.map((k) => new Option(k.name, k.id)));
  const wanted = new URLSearchParams(location.search).get("kitchen") ?? localStorage.getItem("orbital.operations.kitchen");
  kitchenId = kitchens.some((k) => k.id === wanted) ? wanted : kitchens[0]?.id;
  select.value = kitchenId;
  select.onchange = () => {
    kitchenId = select.value;
    localStorage.setItem("orbital.operations.kitchen", kitchenId);
    refresh();
  };
  if (!kitchenId) {
    el("updated").textContent = "No kitchens are set up yet.";
    return;
  }
  await refresh();
  setInterval(refresh, refreshEvery);
}

start();
