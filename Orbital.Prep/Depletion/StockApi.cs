using Microsoft.AspNetCore.Http.HttpResults;
using Orbital.Prep.Auth;
using Orbital.Prep.Inventory;

namespace Orbital.Prep.Depletion;

/// <summary><c>/locations/{id}/stock</c>: live on-hand with the rate of sale and when each product runs out, for anyone working there.</summary>
public static class StockApi
{
    public static IEndpointRouteBuilder MapStockApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/locations/{locationId}/stock", GetAsync).WithTags("Inventory").RequireLocationAccess();
        return app;
    }

    public static async Task<Results<Ok<LocationStock>, ProblemHttpResult>> GetAsync(
        string locationId, InventoryStore inventory, LiveStock stock, CancellationToken cancellationToken) =>
        await inventory.FindLocationAsync(locationId, cancellationToken) is null
            ? InventoryApi.UnknownLocation(locationId)
            : TypedResults.Ok(await stock.ReadAsync(locationId, cancellationToken));
}
