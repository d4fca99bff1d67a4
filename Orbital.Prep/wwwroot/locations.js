// Locations (managers): the stores and commissaries they work at, with each one's time zone (its business day, its
// reports' schedule and its labels' times follow it). Adding a location takes someone who works at every location.
"use strict";

const places = { editing: null };
const kindNames = { store: "Store", commissary: "Commissary" };

app.screens["locations"] = {
  manager: true,
  async enter() {
    el("location-zones").replaceChildren(...(Intl.supportedValuesOf?.("timeZone") ?? []).map((zone) => new Option(zone, zone)));
    el("location-new").hidden = !session.me.allLocations && session.me.role !== "admin";
    clearLocationForm();
    showLocations();
  },
};

function showLocations() {
  el("location-list").replaceChildren(...app.locations.map((place) => {
    const li = document.createElement("li");
    li.className = "line card place";
    li.dataset.id = place.id;
    li.innerHTML = '<div class="what"><span class="name"></span><span class="detail"></span></div><button type="button">Change</button>';
    li.querySelector(".name").textContent = place.name;
    li.querySelector(".detail").textContent = `${kindNames[place.kind] ?? place.kind} · ${place.id} · ${place.timeZone}`;
    li.querySelector("button").onclick = () => editLocation(place);
    return li;
  }));
}

function clearLocationForm() {
  places.editing = null;
  el("location-form").hidden = true;
}

function editLocation(place) {
  places.editing = place;
  el("location-form").hidden = false;
  el("location-heading").textContent = place ? `Change ${place.name}` : "New location";
  el("location-id").value = place?.id ?? "";
  el("location-id").readOnly = Boolean(place);
  el("location-name").value = place?.name ?? "";
  el("location-kind").value = place?.kind ?? "store";
  el("location-zone").value = place?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  problemIn(el("location-problem"), null);
  (place ? el("location-name") : el("location-id")).focus();
}

async function saveLocation(event) {
  event.preventDefault();
  problemIn(el("location-problem"), null);
  const id = el("location-id").value.trim();
  if (!/^[A-Za-z0-9._-]+$/.test(id)) {
    problemIn(el("location-problem"), new ApiProblem(400, "Invalid id", "An id is letters, digits, dots, dashes and underscores, such as london-soho."));
    return;
  }
  try {
    // Setting a location to the same name, kind and zone twice changes nothing: safe to retry.
    await withRetries(() => api(`/locations/${encodeURIComponent(id)}`, {
      method: "PUT", body: { name: el("location-name").value.trim(), kind: el("location-kind").value, timeZone: el("location-zone").value.trim() },
    }));
    app.locations = await api("/locations");
    const select = el("location");
    select.replaceChildren(...app.locations.map((l) => new Option(l.name, l.id)));
    select.value = app.locationId;
    notice(`${el("location-name").value.trim()} saved.`);
    clearLocationForm();
    showLocations();
  } catch (problem) {
    problemIn(el("location-problem"), problem);
  }
}

el("location-form").onsubmit = saveLocation;
el("location-new").onclick = () => editLocation(null);
el("location-cancel").onclick = clearLocationForm;
