// A bump bar (or any keyboard) drives the screen alone: arrows move between cards (up and down within a column, left
// and right across columns), digits 1–9 pick the nth card, Space starts, Enter bumps, R recalls the last bump.
// Keys typed into the pairing form or a list box are theirs, not the bump bar's.
"use strict";

function cardColumns() {
  return ["earlier", "fire-now", "cooking", "later"]
    .map((id) => [...el(id).querySelectorAll(".card")])
    .filter((cards) => cards.length > 0 && !cards[0].closest("[hidden]"));
}

function select(id) {
  state.selected = id;
  showSelection();
}

/** Marks the selected card; when it is gone (bumped here or elsewhere), the first card is selected instead. */
function showSelection() {
  const cards = cardColumns().flat();
  if (!cards.some((c) => Number(c.dataset.id) === state.selected)) state.selected = cards.length ? Number(cards[0].dataset.id) : null;
  for (const node of cards) {
    const selected = Number(node.dataset.id) === state.selected;
    node.classList.toggle("selected", selected);
    node.setAttribute("aria-selected", String(selected));
  }
}

function move(key) {
  const columns = cardColumns();
  if (columns.length === 0) return;
  let column = columns.findIndex((cards) => cards.some((c) => Number(c.dataset.id) === state.selected));
  if (column < 0) column = 0;
  let row = Math.max(0, columns[column].findIndex((c) => Number(c.dataset.id) === state.selected));
  if (key === "ArrowDown") {
    if (row + 1 < columns[column].length) row++;
    else if (column + 1 < columns.length) { column++; row = 0; }
  } else if (key === "ArrowUp") {
    if (row > 0) row--;
    else if (column > 0) { column--; row = columns[column].length - 1; }
  } else if (key === "ArrowRight" && column + 1 < columns.length) {
    column++;
    row = Math.min(row, columns[column].length - 1);
  } else if (key === "ArrowLeft" && column > 0) {
    column--;
    row = Math.min(row, columns[column].length - 1);
  }
  const target = columns[column][row];
  select(Number(target.dataset.id));
  target.scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (press) => {
  if (press.target.closest?.("input, select, textarea") || !el("pairing").hidden || press.ctrlKey || press.altKey || press.metaKey) return;
  const key = press.key;
  const item = state.items.get(state.selected);
  if (key.startsWith("Arrow")) {
    move(key);
  } else if (/^[1-9]$/.test(key)) {
    const target = cardColumns().flat()[Number(key) - 1];
    if (target) select(Number(target.dataset.id));
  } else if ((key === " " || key === "s" || key === "S") && item?.status === "pending") {
    act(item, "start");
  } else if ((key === "Enter" || key === "b" || key === "B") && item) {
    // The next card in line is selected once this one leaves the screen.
    const cards = cardColumns().flat();
    const next = cards[cards.findIndex((c) => Number(c.dataset.id) === item.id) + 1];
    act(item, "complete").then(() => { if (next && !state.items.has(item.id)) select(Number(next.dataset.id)); });
  } else if ((key === "r" || key === "R") && state.bumped.length > 0) {
    act(state.bumped[0], "recall");
  } else {
    return;
  }
  press.preventDefault();
});
