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

    public static async Task<Results<Ok<Product>, ProblemHttpResult>> PutAsync(
        string sku, ProductRequest request, ProductCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add("name is required");
        }

        if (string.IsNullOrWhiteSpace(request.Unit))
        {
            errors.Add("unit (the base unit counts and PARs are kept in) is required");
        }

        if (request.BatchSize is <= 0)
        {
            errors.Add("batchSize must be positive");
        }

        if (request.Conversions?.Any(c => c.Value <= 0) == true)
        {
            errors.Add("every conversion factor must be positive");
        }

        if (request.Recipe?.Any(i => i.Quantity <= 0 || string.IsNullOrWhiteSpace(i.Sku)) == true)
        {
            errors.Add("every recipe ingredient needs a sku and a positive quantity");
        }

        if (errors.Count > 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid product", detail: string.Join("; ", errors) + ".");
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
