using Microsoft.AspNetCore.Http.HttpResults;
using Orbital.Prep.Auth;

namespace Orbital.Prep.Catalog;

/// <summary><c>/products</c>: everyone reads the master products; managers create and change them.</summary>
public static class ProductsApi
{
    public static IEndpointRouteBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var products = app.MapGroup("/products").WithTags("Master products");
        products.MapGet("/", async (ProductCatalog catalog, CancellationToken ct) => TypedResults.Ok(await catalog.ListAsync(ct)));
        products.MapGet("/{sku}", GetAsync);
        products.MapPut("/{sku}", PutAsync).RequireAuthorization(PrepPolicies.Manager);
        return app;
    }

    public static async Task<Results<Ok<Product>, ProblemHttpResult>> GetAsync(string sku, ProductCatalog catalog, CancellationToken cancellationToken) =>
        await catalog.FindAsync(sku, cancellationToken) is { } product
            ? TypedResults.Ok(product)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such product", detail: $"Product {sku} does not exist.");

    public const int MaxSkuLength = 64, MaxNameLength = 200, MaxUnitLength = 30, MaxLabelLength = 100, MaxBarcodes = 20, MaxConversions = 20,
        MaxIngredients = 100, MaxShelfLifeHours = 24 * 366;

    public const decimal MaxAmount = 1_000_000m;

    /// <summary>
    /// Creates or replaces a product. Every field is checked and the problems are answered by field (400, <c>errors</c>),
    /// so the app shows each beside its field: lengths, printable text, positive and bounded numbers, barcodes without
    /// spaces, and a recipe whose ingredients are other products that exist.
    /// </summary>
    public static async Task<Results<Ok<Product>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string sku, ProductRequest request, ProductCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        void Check(string field, bool ok, string problem)
        {
            if (!ok && !errors.ContainsKey(field))
            {
                errors[field] = [problem];
            }
        }

        static bool Text(string? value, int max) => value is null || (value.Length <= max && !value.Any(char.IsControl));
        Check("sku", sku.Length <= MaxSkuLength && Text(sku, MaxSkuLength) && !sku.Any(char.IsWhiteSpace), $"A SKU is up to {MaxSkuLength} characters without spaces.");
        Check("name", !string.IsNullOrWhiteSpace(request.Name) && Text(request.Name, MaxNameLength), $"A name is required, up to {MaxNameLength} characters.");
        Check("unit", !string.IsNullOrWhiteSpace(request.Unit) && Text(request.Unit, MaxUnitLength),
            $"The base unit (what counts and PARs are kept in, such as kg or each) is required, up to {MaxUnitLength} characters.");
        Check("category", Text(request.Category, MaxLabelLength), $"A category is up to {MaxLabelLength} characters.");
        Check("storage", Text(request.Storage, MaxLabelLength), $"A storage place is up to {MaxLabelLength} characters.");
        Check("shelfLifeHours", request.ShelfLifeHours is null or (> 0 and <= MaxShelfLifeHours), $"Shelf life is 1 to {MaxShelfLifeHours} hours.");
        Check("batchSize", request.BatchSize is null or (> 0 and <= MaxAmount), $"A batch is more than 0 and at most {MaxAmount:N0}.");
        Check("barcodes", request.Barcodes is null || (request.Barcodes.Count <= MaxBarcodes
            && request.Barcodes.All(b => !string.IsNullOrWhiteSpace(b) && Text(b, MaxLabelLength) && !b.Any(char.IsWhiteSpace))
            && request.Barcodes.Distinct(StringComparer.Ordinal).Count() == request.Barcodes.Count),
            $"Up to {MaxBarcodes} different barcodes, each up to {MaxLabelLength} characters without spaces.");
        Check("conversions", request.Conversions is null || (request.Conversions.Count <= MaxConversions
            && request.Conversions.All(c => !string.IsNullOrWhiteSpace(c.Key) && Text(c.Key, MaxUnitLength) && c.Value is > 0 and <= MaxAmount)
            && !request.Conversions.Keys.Any(u => string.Equals(u, request.Unit, StringComparison.OrdinalIgnoreCase))),
            $"Up to {MaxConversions} other units, each named and worth more than 0 of the base unit (the base unit itself is not one).");
        Check("recipe", request.Recipe is null || (request.Recipe.Count <= MaxIngredients
            && request.Recipe.All(i => !string.IsNullOrWhiteSpace(i.Sku) && i.Sku != sku && i.Quantity is > 0 and <= MaxAmount && !string.IsNullOrWhiteSpace(i.Unit) && Text(i.Unit, MaxUnitLength))),
            $"Up to {MaxIngredients} ingredients, each another product with a quantity more than 0 and its unit.");
        if (!errors.ContainsKey("recipe") && request.Recipe is { Count: > 0 })
        {
            var missing = new List<string>();
            foreach (var ingredient in request.Recipe.Select(i => i.Sku).Distinct(StringComparer.Ordinal))
            {
                if (await catalog.FindAsync(ingredient, cancellationToken) is null)
                {
                    missing.Add(ingredient);
                }
            }

            Check("recipe", missing.Count == 0, $"No product {string.Join(", ", missing)}: an ingredient is a product of its own.");
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid product");
        }

        var product = new Product(sku, request.Name!, request.Unit!, request.Category, request.Storage, request.ShelfLifeHours, request.BatchSize ?? 1,
            request.Barcodes ?? [], request.Conversions ?? new Dictionary<string, decimal>(), request.Recipe ?? []);
        try
        {
            await catalog.SaveAsync(product, time.GetUtcNow(), cancellationToken);
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Barcode in use", detail: "One of the barcodes belongs to another product.");
        }

        return TypedResults.Ok((await catalog.FindAsync(sku, cancellationToken))!);
    }
}

public sealed record ProductRequest(
    string? Name, string? Unit, string? Category, string? Storage, int? ShelfLifeHours, decimal? BatchSize,
    List<string>? Barcodes, Dictionary<string, decimal>? Conversions, List<RecipeIngredient>? Recipe);
