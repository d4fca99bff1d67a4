namespace Orbital.Prep.MenuRecipes;

/// <summary>What a sold thing is on Otter's order: a line's item, or a modifier chosen on it.</summary>
public static class MenuKinds
{
    public const string Item = "item";
    public const string Modifier = "modifier";
}

/// <summary>
/// What one of a brand's menu items or modifiers uses of prepped products, per one sold. A modifier's quantities are
/// added to its line's (negative for "no sauce"); an item's are positive. No components: it uses nothing, on purpose.
/// </summary>
public sealed record MenuRecipe(
    string BrandId, string Kind, string MenuSku, string? Name, IReadOnlyList<MenuRecipeComponent> Components, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>A prepped product and how much of it, in its base unit, with the quantity and unit as they were entered.</summary>
public sealed record MenuRecipeComponent(string Sku, decimal Quantity, decimal EnteredQuantity, string EnteredUnit);

/// <summary>A menu item or modifier sold without a recipe: it used nothing, and the manager sees it until it gets one.</summary>
public sealed record UnmappedMenuItem(string BrandId, string Kind, string MenuSku, string? Name, DateTimeOffset FirstSoldAt, DateTimeOffset LastSoldAt, long TimesSold);

public sealed record MenuRecipeRequest(string? Name, List<MenuRecipeComponentRequest>? Components);

public sealed record MenuRecipeComponentRequest(string? Sku, decimal? Quantity, string? Unit);
