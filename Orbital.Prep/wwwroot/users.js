// Users (admins): who may sign in, in which role, at which locations; a new password for someone who forgot theirs.
// Deactivating an account or changing its password signs it out everywhere (the API revokes its sessions).
"use strict";

const people = { editing: null, all: [], asked: 0, shown: null };
const roleNames = { prep_cook: "Prep cook", manager: "Manager", admin: "Admin" };

app.screens["users"] = {
  admin: true,
  async enter() {
    el("user-locations").replaceChildren(...app.locations.map((l) => {
      const label = Object.assign(document.createElement("label"), { className: "check" });
      label.append(Object.assign(document.createElement("input"), { type: "checkbox", value: l.id }), ` ${l.name}`);
      return label;
    }));
    clearUserForm();
    people.shown = null;
    await showUsers();
  },
};

async function showUsers() {
  // Answers can cross (the screen's first list, then the one after a save): an older one never replaces a newer one.
  const asked = ++people.asked;
  try {
    const all = await api("/auth/users");
    if (asked !== people.asked) return;
    people.all = all;
    filterUsers();
  } catch (problem) {
    notice(problem.message);
  }
}

function filterUsers() {
  const text = el("user-filter").value.trim().toLowerCase();
  const shown = people.all.filter((u) => !text || u.username.toLowerCase().includes(text) || u.displayName.toLowerCase().includes(text)).slice(0, 100);
  // The same rows are left as they are: a row rebuilt under a finger swallows the tap (pressed on the old button,
  // released on the new one).
  const shape = JSON.stringify(shown);
  if (shape === people.shown) return;
  people.shown = shape;
  el("user-list").replaceChildren(...shown.map((user) => {
    const li = document.createElement("li");
    li.className = `line card person${user.active ? "" : " inactive"}`;
    li.dataset.username = user.username;
    const where = user.role === "admin" || user.allLocations ? "every location" : user.locations.map((id) => app.locations.find((l) => l.id === id)?.name ?? id).join(", ");
    li.innerHTML = '<div class="what"><span class="name"></span><span class="detail"></span></div><button type="button">Change</button>';
    li.querySelector(".name").textContent = `${user.displayName} (${user.username})`;
    li.querySelector(".detail").textContent = `${roleNames[user.role] ?? user.role} · ${where}${user.active ? "" : " · inactive"}`;
    li.querySelector("button").onclick = () => editUser(user);
    return li;
  }));
}

function clearUserForm() {
  people.editing = null;
  el("user-heading").textContent = "New user";
  el("user-save").textContent = "Create user";
  el("user-username").value = "";
  el("user-username").readOnly = false;
  el("user-display").value = "";
  el("user-role").value = "prep_cook";
  el("user-password").value = "";
  el("user-password").placeholder = "";
  el("user-all").checked = false;
  el("user-active").checked = true;
  for (const box of el("user-locations").querySelectorAll("input")) box.checked = box.value === app.locationId;
  problemIn(el("user-problem"), null);
}

function editUser(user) {
  people.editing = user;
  el("user-heading").textContent = `Change ${user.username}`;
  el("user-save").textContent = "Save changes";
  el("user-username").value = user.username;
  el("user-username").readOnly = true;
  el("user-display").value = user.displayName;
  el("user-role").value = user.role;
  el("user-password").value = "";
  el("user-password").placeholder = "unchanged";
  el("user-all").checked = user.allLocations;
  el("user-active").checked = user.active;
  for (const box of el("user-locations").querySelectorAll("input")) box.checked = user.locations.includes(box.value);
  problemIn(el("user-problem"), null);
  el("user-display").focus();
  el("user-form").scrollIntoView();
}

async function saveUser(event) {
  event.preventDefault();
  problemIn(el("user-problem"), null);
  const locations = [...el("user-locations").querySelectorAll("input:checked")].map((box) => box.value);
  const common = { displayName: el("user-display").value.trim(), role: el("user-role").value, locations, allLocations: el("user-all").checked };
  const password = el("user-password").value || null;
  try {
    // Not retried: an account made twice is refused the second time, which would read as a failure.
    let done;
    if (people.editing) {
      await api(`/auth/users/${people.editing.id}`, { method: "PUT", body: { ...common, active: el("user-active").checked, password } });
      done = `${people.editing.username} changed.`;
    } else {
      const username = el("user-username").value.trim();
      await api("/auth/users", { method: "POST", body: { ...common, username, password } });
      done = `${username} can sign in now.`;
    }
    clearUserForm();
    // Said once the list shows it, so what the notice says is what the list shows.
    await showUsers();
    notice(done);
  } catch (problem) {
    problemIn(el("user-problem"), problem);
  }
}

el("user-form").onsubmit = saveUser;
el("user-cancel").onclick = clearUserForm;
el("user-filter").oninput = filterUsers;
