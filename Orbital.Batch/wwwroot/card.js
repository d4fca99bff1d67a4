// One batch item as a card: how many of what, with which modifiers, the guest's note and any allergy (never cut
// short), and the orders it serves, each with its ticket, brand, channel, promised time and its own share.
"use strict";

function card(item, now) {
  const node = el("card").content.firstElementChild.cloneNode(true);
  const since = new Date(item.status === "in_progress" && item.startedAt ? item.startedAt : item.fireAt).getTime();
  const minutes = (now - since) / 60000;
  node.dataset.id = item.id;
  node.dataset.status = item.status;
  node.classList.toggle("aging", minutes >= thresholds.agingMinutes && minutes < thresholds.lateMinutes);
  node.classList.toggle("late", minutes >= thresholds.lateMinutes);
  node.classList.toggle("changed", item.changed);
  node.classList.toggle("allergy-card", Boolean(item.allergyNote));
  node.querySelector(".quantity").textContent = `${item.quantity}×`;
  node.querySelector(".name").textContent = item.name;
  node.querySelector(".age").textContent = minutes >= 0 ? clock(minutes) : `in ${clock(-minutes)}`;
  node.querySelector(".modifiers").replaceChildren(...item.modifiers.map((m) => Object.assign(document.createElement("li"), { textContent: m })));
  const allergy = node.querySelector(".allergy");
  allergy.hidden = !item.allergyNote;
  allergy.querySelector(".allergy-text").textContent = item.allergyNote ?? "";
  // The allergy banner already says a line's note when that note is the allergy.
  node.querySelector(".note").textContent = item.note && item.note !== item.allergyNote ? item.note : "";
  node.querySelector(".flag").textContent = item.flag ?? (item.changed ? "Changed" : "");
  node.querySelector(".orders").replaceChildren(...orderRows(item, now));
  node.querySelector(".meta").textContent = `#${item.id}`;
  const start = node.querySelector(".start");
  start.hidden = item.status !== "pending";
  start.onclick = () => act(item, "start");
  node.querySelector(".bump").onclick = () => act(item, "complete");
  node.onclick = (click) => { if (click.target.tagName !== "BUTTON") select(item.id); };
  return node;
}

function orderRows(item, now) {
  // An item from before orders were listed (an old event replayed) still says how many it serves.
  if (!item.orders) return [Object.assign(document.createElement("li"), { textContent: `${item.orderCount} order${item.orderCount === 1 ? "" : "s"}` })];
  const rows = item.orders.map((order) => {
    const li = document.createElement("li");
    li.className = "order";
    const promised = order.readyBy ? new Date(order.readyBy).getTime() : null;
    const late = promised !== null && promised < now;
    li.classList.toggle("late", late);
    li.classList.toggle("allergic", order.allergy);
    const parts = [
      ["share", `${order.quantity}×`],
      ["ticket", `#${order.friendlyId || order.orderId.slice(0, 6)}`],
      ["guest", order.firstName ?? ""],
      ["brand", order.brand ?? ""],
      ["channel", channelName(order.channel)],
      ["promise", promised === null ? "" : late ? `${time(promised)} · late ${clock((now - promised) / 60000)}` : time(promised)],
    ];
    for (const [kind, text] of parts) {
      if (!text) continue;
      li.append(Object.assign(document.createElement("span"), { className: kind, textContent: text }));
    }
    if (order.note) li.append(Object.assign(document.createElement("div"), { className: "order-note", textContent: `“${order.note}”` }));
    return li;
  });
  const more = item.orderCount - item.orders.length;
  if (more > 0) rows.push(Object.assign(document.createElement("li"), { className: "more", textContent: `+ ${more} more order${more === 1 ? "" : "s"}` }));
  return rows;
}
