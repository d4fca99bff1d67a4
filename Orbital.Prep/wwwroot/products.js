// Products (managers): find one (by name, SKU or by scanning it), change what the kitchen needs to count and prep it:
// its base unit and other units, barcodes (a scan while the form is open adds one), batch size, shelf life, recipe.
"use strict";

const editing = { sku: null, isNew: false };

app.screens["products"] = {
  manager: true,
  async enter() {
    el("product-form").hidden = editing.sku === null && !editing.isNew;
    el("product-skus").replaceChildren(...app.products.map((p) => new Option(p.name, p.sku)));
    showProductList();
  },
  /** A scan here: a product's barcode opens it; another code is added to the product being edited, or starts a new one. */
  onScan(code) {
    const product = app.byBarcode.get(code);
    if (product) return editProduct(product);
    if (el("product-form").hidden) newProduct();
    const barcodes = el("product-barcodes");
    if (!barcodes.value.split(/\s+/).includes(code)) barcodes.value = `${barcodes.value.trim()}\n${code}`.trim();
    notice(`Barcode ${code} added: save to keep it.`);
  },
};

function showProductList() {
  const found = el("product-filter").value.trim().length >= 2 ? searchProducts(el("product-filter").value) : app.products.slice(0, 8);
  buttonList(el("product-results"), found, (p) => `${p.name} (${p.sku}) · ${p.unit}`, editProduct);
}

function newProduct() {
  editProduct({ sku: "", name: "", unit: "", category: null, storage: null, shelfLifeHours: null, batchSize: 1, barcodes: [], conversions: {}, recipe: [] }, true);
}

function editProduct(product, isNew = false) {
  notice(null);
  editing.sku = isNew ? null : product.sku;
  editing.isNew = isNew;
  const form = el("product-form");
  form.hidden = false;
  el("product-results").replaceChildren();
  fieldProblems(form, null, el("product-problem"));
  el("product-heading").textContent = isNew ? "New product" : product.name;
  el("product-sku").value = product.sku;
  el("product-sku").readOnly = !isNew;
  el("product-name").value = product.name;
  el("product-unit").value = product.unit;
  el("product-category").value = product.category ?? "";
  el("product-storage").value = product.storage ?? "";
  el("product-batch").value = product.batchSize;
  el("product-shelf-life").value = product.shelfLifeHours ?? "";
  el("product-barcodes").value = product.barcodes.join("\n");
  el("product-conversions").replaceChildren(...Object.entries(product.conversions).map(([unit, factor]) => conversionRow(unit, factor)));
  el("product-recipe").replaceChildren(...product.recipe.map((i) => ingredientRow(i.sku, i.quantity, i.unit)));
  (isNew ? el("product-sku") : el("product-name")).focus();
}

function conversionRow(unit = "", factor = "") {
  const row = el("conversion-row").content.firstElementChild.cloneNode(true);
  row.querySelector(".unit-name").value = unit;
  row.querySelector(".factor").value = factor;
  row.querySelector(".remove").onclick = () => row.remove();
  return row;
}

function ingredientRow(sku = "", quantity = "", unit = "") {
  const row = el("ingredient-row").content.firstElementChild.cloneNode(true);
  row.querySelector(".ingredient").value = sku;
  row.querySelector(".quantity").value = quantity;
  row.querySelector(".unit-name").value = unit;
  row.querySelector(".remove").onclick = () => row.remove();
  return row;
}

async function saveProduct(event) {
  event.preventDefault();
  const form = el("product-form");
  const sku = editing.isNew ? el("product-sku").value.trim() : editing.sku;
  const optional = (id) => el(id).value.trim() || null;
  const body = {
    name: el("product-name").value.trim(),
    unit: el("product-unit").value.trim(),
    category: optional("product-category"),
    storage: optional("product-storage"),
    batchSize: Number(el("product-batch").value),
    shelfLifeHours: el("product-shelf-life").value === "" ? null : Number(el("product-shelf-life").value),
    barcodes: el("product-barcodes").value.split(/\s+/).filter(Boolean),
    conversions: Object.fromEntries([...el("product-conversions").children].map((r) => [r.querySelector(".unit-name").value.trim(), Number(r.querySelector(".factor").value)])),
    recipe: [...el("product-recipe").children].map((r) => ({
      sku: r.querySelector(".ingredient").value.trim(), quantity: Number(r.querySelector(".quantity").value), unit: r.querySelector(".unit-name").value.trim(),
    })),
  };
  fieldProblems(form, null, el("product-problem"));
  if (!sku) {
    fieldProblems(form, new ApiProblem(400, "Invalid product", null, { fields: { sku: ["A new product needs a SKU."] } }), el("product-problem"));
    return;
  }
  if (editing.isNew && app.products.some((p) => p.sku === sku)) {
    fieldProblems(form, new ApiProblem(409, "Invalid product", null, { fields: { sku: [`${sku} is already a product: open it to change it.`] } }), el("product-problem"));
    return;
  }
  try {
    // The same product sent twice is the same product: safe to retry.
    const saved = await withRetries(() => api(`/products/${encodeURIComponent(sku)}`, { method: "PUT", body }));
    await loadProducts();
    notice(`${saved.name} saved.`);
    editing.sku = null;
    editing.isNew = false;
    form.hidden = true;
    el("product-filter").value = saved.name;
    showProductList();
  } catch (problem) {
    fieldProblems(form, problem, el("product-problem"));
  }
}

el("product-form").onsubmit = saveProduct;
el("product-new").onclick = () => newProduct();
el("product-cancel").onclick = () => { editing.sku = null; editing.isNew = false; el("product-form").hidden = true; };
el("product-add-unit").onclick = () => el("product-conversions").append(conversionRow());
el("product-add-ingredient").onclick = () => el("product-recipe").append(ingredientRow());
el("product-filter").oninput = showProductList;
