// What the station screen and the expo screen share: a screen is paired before it shows anything. On first open (or
// once a manager unpairs it) it asks for a pairing code, and the credential it gets back lives in an HttpOnly cookie
// that these scripts never see. Each page defines `state` (with its event `source`) and `pairedAddress(answer)`.
"use strict";

const el = (id) => document.getElementById(id);

// The pairing form, the same on every screen.
el("pairing").innerHTML = `
  <h2 id="pairing-title">Pair this screen</h2>
  <p>This screen is not paired with a kitchen yet. Ask a manager for a pairing code for this kitchen (and station, for a
    station screen): they make one with <code>scripts/pair-screen.sh &lt;kitchen&gt; [station]</code>, or
    <code>POST /kitchens/{kitchen}/screens/pairing-codes</code> with their Orbital sign-in. A code works once, for 10 minutes.</p>
  <form id="pair-form" autocomplete="off">
    <label>Pairing code
      <input id="pair-code" name="code" inputmode="numeric" maxlength="20" placeholder="1234-5678" required>
    </label>
    <button type="submit">Pair</button>
  </form>
  <p id="pair-error" class="pair-error" role="alert"></p>`;

/** Answers a request, or shows the pairing form when the screen is not (or no longer) paired; any other refusal throws. */
async function get(url) {
  const response = await fetch(url);
  if (response.status === 401) {
    showPairing();
    throw new Error("not paired");
  }
  if (!response.ok) throw new Error(`${url.split("?")[0]} answered ${response.status}`);
  return response.json();
}

/** Runs a screen's start until it works: a busy or restarting Batch is said on the screen and tried again. */
function startScreen(start) {
  start().catch((error) => {
    if (!el("pairing").hidden) return;
    notice(`Cannot load the screen (${error.message}); trying again…`);
    setTimeout(() => startScreen(start), 3000);
  });
}

function showPairing(message) {
  if (state.source) state.source.close();
  document.querySelector("main").hidden = true;
  el("pairing").hidden = false;
  el("pair-error").textContent = message ?? "";
  setConnection("unpaired", "Not paired");
  el("pair-code").focus();
}

el("pair-form").onsubmit = async (submit) => {
  submit.preventDefault();
  const response = await fetch("/screens/pair", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: el("pair-code").value.trim() }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    el("pair-error").textContent = answer.detail ?? answer.title ?? `Pairing failed (${response.status}).`;
    return;
  }
  location.assign(pairedAddress(answer));
};

function setConnection(status, text) {
  const badge = el("connection");
  badge.dataset.state = status;
  badge.textContent = text;
}

function notice(text) {
  const box = el("notice");
  box.textContent = text;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { box.textContent = ""; }, 5000);
}

const channels = { ubereats: "Uber Eats", doordash: "DoorDash", grubhub: "Grubhub", deliveroo: "Deliveroo", justeat: "Just Eat",
  postmates: "Postmates", caviar: "Caviar", pos: "POS", otter: "Otter", ritual: "Ritual", skipthedishes: "SkipTheDishes" };

/** A channel as guests and couriers name it: "ubereats" is Uber Eats. */
function channelName(channel) {
  return channels[channel?.toLowerCase()] ?? channel ?? "";
}

/** A time on the kitchen's clock (`state.timeZone`), whatever the screen's own time zone. */
function time(instant) {
  return new Date(instant).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: state.timeZone });
}

/** "4:05" under an hour, "2 h 07" past it. */
function clock(minutes) {
  const total = Math.floor(minutes * 60);
  if (total >= 3600) return `${Math.floor(total / 3600)} h ${String(Math.floor(total / 60) % 60).padStart(2, "0")}`;
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** Menu items off sale ("86") by store and SKU: a board's list, then each availability event on the stream. */
function applyOffSale(offSale, change) {
  for (const item of change.suspended) offSale.set(`${item.storeId}|${item.sku}`, item);
  for (const sku of change.unsuspended) offSale.delete(`${change.storeId}|${sku}`);
}

/** "86: Smash burger (Smash Club): out of Smash patty · …", or nothing. */
function offSaleText(offSale) {
  const items = [...offSale.values()].map((i) => `${i.name ?? i.sku}${i.brandName ? ` (${i.brandName})` : ""}${i.outOf.length ? `: out of ${i.outOf.join(", ")}` : ""}`);
  return items.length === 0 ? "" : `86: ${items.join(" · ")}`;
}
