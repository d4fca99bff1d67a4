// Menu recipes (managers): what each of a brand's menu items and modifiers uses of the prepped products, so that orders
// take it off stock. A modifier may take away ("no sauce": a negative quantity); a recipe with nothing in it says the
// item uses nothing. What was sold without a recipe is listed, most sold first, to be given one.
"use strict";

const menu = { brand: null, brands: [], editing: null };

app.screens["menu"] = {
  manager: true,
  async enter() {
    const visit = app.visits;
    menu.brands = await api("/brands");
    if (!stillOn(visit)) return;
    el("product-skus").replaceChildren(...app.products.map((p) => new Option(p.name, p.sku)));
    el("menu-brand").replaceChildren(...menu.brands.map((b) => new Option(b.name, b.id)));
    menu.brand = menu.brands.some((b) => b.id === menu.brand) ? menu.brand : menu.brands[0]?.id ?? null;
    el("menu-brand").value = menu.brand ?? "";
    el("menu-form").hidden = true;
    await showMenu(visit);
  },
};

async function showMenu(visit) {
  if (!menu.brand) return;
  const shown = menu.brand;
  const brand = encodeURIComponent(shown);
  const find = el("menu-find").value.trim();
  const query = new URLSearchParams({ brand: shown, ...(find ? { search: find } : {}) });
  const [allRecipes, unmapped] = await Promise.all([api(`/brands/${brand}/menu-recipes`), api(`/menu-recipes/unmapped?${query}`)]);
  // An answer for a brand no longer chosen, another search (or a screen left) is dropped: it would show another list.
  if (!stillOn(visit) || shown !== menu.brand || find !== el("menu-find").value.trim()) return;
  const wanted = find.toLowerCase();
  const recipes = allRecipes.filter((r) => !wanted || r.menuSku.toLowerCase().includes(wanted) || (r.name ?? "").toLowerCase().includes(wanted));
  const names = new Map(app.products.map((p) => [p.sku, p]));
  el("menu-unmapped").replaceChildren(...unmapped.map((item) => {
    const li = document.createElement("li");
    li.className = "line card unmapped";
    li.innerHTML = '<div class="what"><span class="name"></span><span class="detail"></span></div><button type="button" class="primary">Add recipe</button>';
    li.querySelector(".name").textContent = item.name ?? item.menuSku;
    li.querySelector(".detail").textContent = `${item.kind === "modifier" ? "Modifier" : "Item"} ${item.menuSku} · sold ${item.timesSold}× without a recipe`;
    li.querySelector("button").onclick = () => editRecipe({ kind: item.kind, menuSku: item.menuSku, name: item.name, components: [] }, true);
    return li;
  }));
  el("menu-unmapped-none").hidden = unmapped.length > 0;
  el("menu-unmapped-none").textContent = find ? `Nothing sold without a recipe matches "${find}".` : "Everything sold has a recipe.";
  el("menu-list").replaceChildren(...recipes.map((recipe) => {
    const li = document.createElement("li");
    li.className = "line card recipe";
    li.dataset.sku = recipe.menuSku;
    li.innerHTML = '<div class="what"><span class="name"></span><span class="detail"></span></div><button type="button">Change</button>';
    li.querySelector(".name").textContent = `${recipe.name ?? recipe.menuSku}${recipe.kind === "modifier" ? " (modifier)" : ""}`;
    li.querySelector(".detail").textContent = recipe.components.length === 0 ? "Uses nothing"
      : recipe.components.map((c) => `${number(c.enteredQuantity)} ${c.enteredUnit} ${names.get(c.sku)?.name ?? c.sku}`).join(" · ");
    li.querySelector("button").onclick = () => editRecipe(recipe, false);
    return li;
  }));
}

function editRecipe(recipe, isNew) {
  menu.editing = { ...recipe, isNew };
  const form = el("menu-form");
  form.hidden = false;
  fieldProblems(form, null, el("menu-problem"));
  el("menu-heading").textContent = isNew ? "New menu recipe" : `Change ${recipe.name ?? recipe.menuSku}`;
  el("menu-kind").value = recipe.kind ?? "item";
  el("menu-kind").disabled = !isNew;
  el("menu-sku").value = recipe.menuSku ?? "";
  el("menu-sku").readOnly = !isNew || Boolean(recipe.menuSku);
  el("menu-name").value = recipe.name ?? "";
  el("menu-delete").hidden = isNew;
  el("menu-components").replaceChildren(...recipe.components.map((c) => componentRow(c.sku, c.enteredQuantity, c.enteredUnit)));
  if (recipe.components.length === 0) el("menu-components").append(componentRow());
  form.scrollIntoView({ block: "start" });
}

function componentRow(sku = "", quantity = "", unit = "") {
  const row = el("component-row").content.firstElementChild.cloneNode(true);
  row.querySelector(".ingredient").value = sku;
  row.querySelector(".quantity").value = quantity;
  row.querySelector(".unit-name").value = unit;
  row.querySelector(".remove").onclick = () => row.remove();
  return row;
}

async function saveRecipe(event) {
  event.preventDefault();
  const form = el("menu-form");
  const kind = el("menu-kind").value;
  const sku = el("menu-sku").value.trim();
  const rows = [...el("menu-components").children];
  // Rows left empty are not components: a recipe with none says the item uses nothing.
  const filled = rows.filter((r) => r.querySelector(".ingredient").value.trim() !== "");
  filled.forEach((row, i) => { for (const node of row.querySelectorAll("[data-for]")) node.dataset.for = `components[${i}].${node.dataset.field}`; });
  const body = {
    name: el("menu-name").value.trim() || null,
    components: filled.map((r) => ({
      sku: r.querySelector(".ingredient").value.trim(),
      quantity: Number(r.querySelector(".quantity").value),
      unit: r.querySelector(".unit-name").value.trim() || null,
    })),
  };
  fieldProblems(form, null, el("menu-problem"));
  if (!sku) {
    fieldProblems(form, new ApiProblem(400, "Invalid menu recipe", null, { fields: { menuSku: ["The SKU as Otter sends it."] } }), el("menu-problem"));
    return;
  }
  try {
    // The same recipe sent twice is the same recipe: safe to retry.
    const saved = await withRetries(() => api(`/brands/${encodeURIComponent(menu.brand)}/menu-recipes/${kind}/${encodeURIComponent(sku)}`, { method: "PUT", body }));
    notice(`${saved.name ?? saved.menuSku} saved: its orders take ${saved.components.length === 0 ? "nothing" : "what it uses"} off stock.`);
    form.hidden = true;
    await showMenu(app.visits);
  } catch (problem) {
    fieldProblems(form, problem, el("menu-problem"));
  }
}

async function deleteRecipe() {
  const { kind, menuSku } = menu.editing;
  try {
    await api(`/brands/${encodeURIComponent(menu.brand)}/menu-recipes/${kind}/${encodeURIComponent(menuSku)}`, { method: "DELETE" });
    notice(`${menuSku} has no recipe now: its orders use nothing and it is listed when sold.`);
    el("menu-form").hidden = true;
    await showMenu(app.visits);
  } catch (problem) {
    problemIn(el("menu-problem"), problem);
  }
}

el("menu-brand").onchange = async () => {
  menu.brand = el("menu-brand").value;
  el("menu-form").hidden = true;
  await showMenu(app.visits);
};
el("menu-form").onsubmit = saveRecipe;
el("menu-find").oninput = () => showMenu(app.visits);
el("menu-new").onclick = () => editRecipe({ kind: "item", menuSku: "", name: "", components: [] }, true);
el("menu-cancel").onclick = () => { el("menu-form").hidden = true; };
el("menu-delete").onclick = deleteRecipe;
el("menu-add-component").onclick = () => el("menu-components").append(componentRow());
