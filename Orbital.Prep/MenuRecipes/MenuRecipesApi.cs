using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orbital.Places;
using Orbital.Prep.Auth;
using Orbital.Prep.Catalog;

namespace Orbital.Prep.MenuRecipes;

/// <summary>
/// <c>/brands/{brandId}/menu-recipes</c>: what each of a brand's menu items and modifiers uses of the prepped products.
/// Staff read them; managers change them. <c>/menu-recipes/unmapped</c>: what was sold without a recipe.
/// </summary>
public static class MenuRecipesApi
{
    public const int MaxMenuSkuLength = 100, MaxComponents = 50;

    public static IEndpointRouteBuilder MapMenuRecipesApi(this IEndpointRouteBuilder app)
    {
        // The brands of the setup of places, whose menus the recipes are for.
        app.MapGet("/brands", async (PlacesCache places, CancellationToken cancellationToken) =>
        {
            await places.EnsureLoadedAsync(cancellationToken);
            return TypedResults.Ok(places.Current.Setup.Brands.OrderBy(b => b.Name, StringComparer.OrdinalIgnoreCase).ToList());
        }).WithTags("Menu recipes");
        var recipes = app.MapGroup("/brands/{brandId}/menu-recipes").WithTags("Menu recipes");
        recipes.MapGet("/", ListAsync);
        recipes.MapGet("/{kind}/{menuSku}", GetAsync);
        recipes.MapPut("/{kind}/{menuSku}", PutAsync).RequireAuthorization(PrepPolicies.Manager);
        recipes.MapDelete("/{kind}/{menuSku}", DeleteAsync).RequireAuthorization(PrepPolicies.Manager);
        app.MapGet("/menu-recipes/unmapped", UnmappedAsync).WithTags("Menu recipes").RequireAuthorization(PrepPolicies.Manager);
        return app;
    }

    /// <summary>What was sold without a recipe, the latest first (at most 200; <paramref name="search"/> narrows it by SKU or name).</summary>
    public static async Task<Results<Ok<List<UnmappedMenuItem>>, ValidationProblem>> UnmappedAsync(
        string? brand, string? search, MenuRecipeStore store, CancellationToken cancellationToken)
    {
        if (search is { Length: > MaxMenuSkuLength } || search?.Any(char.IsControl) == true || brand is { Length: > MaxMenuSkuLength })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["search"] = [$"Up to {MaxMenuSkuLength} characters, printable."] });
        }

        return TypedResults.Ok(await store.UnmappedAsync(brand, string.IsNullOrWhiteSpace(search) ? null : search.Trim(), cancellationToken));
    }

    public static async Task<Results<Ok<List<MenuRecipe>>, ProblemHttpResult>> ListAsync(
        string brandId, PlacesCache places, MenuRecipeStore store, CancellationToken cancellationToken) =>
        await UnknownBrandAsync(places, brandId, cancellationToken) is { } unknown ? unknown : TypedResults.Ok(await store.ListAsync(brandId, cancellationToken));

    public static async Task<Results<Ok<MenuRecipe>, ProblemHttpResult>> GetAsync(
        string brandId, string kind, string menuSku, PlacesCache places, MenuRecipeStore store, CancellationToken cancellationToken)
    {
        if (await UnknownBrandAsync(places, brandId, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        return KindOf(kind) is { } menuKind && await store.FindAsync(brandId, menuKind, menuSku, cancellationToken) is { } recipe
            ? TypedResults.Ok(recipe)
            : NoRecipe(brandId, kind, menuSku);
    }

    /// <summary>
    /// Replaces the recipe of a menu item or modifier whole. Checked field by field: a component is a product that
    /// exists, once, in one of its units; an item uses more than nothing of each, a modifier may take away (a negative
    /// quantity); no components says the item uses nothing.
    /// </summary>
    public static async Task<Results<Ok<MenuRecipe>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string brandId, string kind, string menuSku, MenuRecipeRequest request, PlacesCache places, MenuRecipeStore store, ProductCatalog catalog,
        ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await UnknownBrandAsync(places, brandId, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        var errors = new Dictionary<string, string[]>();
        var menuKind = KindOf(kind);
        if (menuKind is null)
        {
            errors["kind"] = ["A recipe is for an 'item' (a line of an order) or a 'modifier' (chosen on a line)."];
        }

        if (menuSku.Length > MaxMenuSkuLength || menuSku.Any(char.IsControl) || string.IsNullOrWhiteSpace(menuSku))
        {
            errors["menuSku"] = [$"The SKU as Otter sends it, up to {MaxMenuSkuLength} characters."];
        }

        if (request.Name is { } name && (name.Length > ProductsApi.MaxNameLength || name.Any(char.IsControl)))
        {
            errors["name"] = [$"A name is up to {ProductsApi.MaxNameLength} characters."];
        }

        var components = new List<MenuRecipeComponent>();
        var given = request.Components ?? [];
        if (given.Count > MaxComponents)
        {
            errors["components"] = [$"Up to {MaxComponents} components."];
            given = [];
        }

        for (var i = 0; i < given.Count; i++)
        {
            var field = $"components[{i}]";
            var component = given[i];
            var product = string.IsNullOrWhiteSpace(component.Sku) || component.Sku.Length > ProductsApi.MaxSkuLength
                ? null
                : await catalog.FindAsync(component.Sku, cancellationToken);
            if (product is null)
            {
                errors[$"{field}.sku"] = [$"No product '{component.Sku}': a component is a prepped product of the catalogue."];
                continue;
            }

            if (given.Take(i).Any(earlier => earlier.Sku == component.Sku))
            {
                errors[$"{field}.sku"] = [$"{product.Name} is already a component: one row per product."];
                continue;
            }

            var lowest = menuKind == MenuKinds.Modifier ? -ProductsApi.MaxAmount : 0m;
            if (component.Quantity is not { } quantity || quantity == 0 || quantity < lowest || quantity > ProductsApi.MaxAmount)
            {
                errors[$"{field}.quantity"] = [menuKind == MenuKinds.Modifier
                    ? $"How much one of these adds (or, negative, takes away): not 0, at most {ProductsApi.MaxAmount:N0} either way."
                    : $"How much one of these uses: more than 0, at most {ProductsApi.MaxAmount:N0}."];
                continue;
            }

            if (product.ToBase(quantity, component.Unit) is not { } inBase)
            {
                errors[$"{field}.unit"] = [$"{product.Name} is counted in {string.Join(", ", new[] { product.Unit }.Concat(product.Conversions.Keys))}, not '{component.Unit}'."];
                continue;
            }

            components.Add(new MenuRecipeComponent(product.Sku, inBase, quantity, component.Unit ?? product.Unit));
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid menu recipe");
        }

        var recipe = new MenuRecipe(brandId, menuKind!, menuSku, request.Name, components, time.GetUtcNow(), user.Identity?.Name ?? "unknown");
        await store.SaveAsync(recipe, cancellationToken);
        return TypedResults.Ok((await store.FindAsync(brandId, menuKind!, menuSku, cancellationToken))!);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string brandId, string kind, string menuSku, PlacesCache places, MenuRecipeStore store, CancellationToken cancellationToken)
    {
        if (await UnknownBrandAsync(places, brandId, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        return KindOf(kind) is { } menuKind && await store.DeleteAsync(brandId, menuKind, menuSku, cancellationToken)
            ? TypedResults.NoContent()
            : NoRecipe(brandId, kind, menuSku);
    }

    private static string? KindOf(string kind) => kind switch
    {
        MenuKinds.Item => MenuKinds.Item,
        MenuKinds.Modifier => MenuKinds.Modifier,
        _ => null,
    };

    private static async Task<ProblemHttpResult?> UnknownBrandAsync(PlacesCache places, string brandId, CancellationToken cancellationToken)
    {
        await places.EnsureLoadedAsync(cancellationToken);
        return places.Current.Brand(brandId) is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such brand", detail: $"Brand '{Shown(brandId)}' is not in the setup of places.")
            : null;
    }

    private static ProblemHttpResult NoRecipe(string brandId, string kind, string menuSku) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "No such menu recipe", detail: $"{Shown(brandId)} has no recipe for {Shown(kind)} '{Shown(menuSku)}'.");

    /// <summary>A value from the address, shortened and without control characters, for a problem's text.</summary>
    private static string Shown(string value) => new([.. value.Take(MaxMenuSkuLength).Where(c => !char.IsControl(c))]);
}
