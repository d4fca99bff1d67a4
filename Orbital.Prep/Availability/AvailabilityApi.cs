using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Orbital.Prep.Auth;
using Orbital.Prep.Catalog;
using Orbital.Prep.Inventory;

namespace Orbital.Prep.Availability;

public sealed record MarkedOut(string Sku, string Name, DateTimeOffset MarkedAt, string MarkedBy);

public sealed record OffSaleItem(string StoreId, string BrandId, string Kind, string MenuSku, string? Name, IReadOnlyList<string> OutOf, string Reason, DateTimeOffset Since);

/// <summary>What a location's stock keeps off sale, and how: automatically when a product runs out, or by a manager's mark.</summary>
public sealed record LocationAvailability(string LocationId, bool AutoSuspend, IReadOnlyList<MarkedOut> MarkedOut, IReadOnlyList<OffSaleItem> OffSale);

public sealed record AvailabilityRequest(bool? AutoSuspend);

/// <summary>
/// <c>/locations/{id}/availability</c>: what is off sale at the location's stores and why (anyone working there), whether
/// running out takes items off sale by itself (managers turn it off and on); <c>/locations/{id}/marked-out/{sku}</c>: a
/// manager marks a prepped product out ("86") or takes the mark off.
/// </summary>
public static class AvailabilityApi
{
    public static IEndpointRouteBuilder MapAvailabilityApi(this IEndpointRouteBuilder app)
    {
        var location = app.MapGroup("/locations/{locationId}").WithTags("Menu availability").RequireLocationAccess();
        location.MapGet("/availability", GetAsync);
        location.MapPut("/availability", PutAsync).RequireAuthorization(PrepPolicies.Manager);
        location.MapPut("/marked-out/{sku}", MarkOutAsync).RequireAuthorization(PrepPolicies.Manager);
        location.MapDelete("/marked-out/{sku}", UnmarkAsync).RequireAuthorization(PrepPolicies.Manager);
        return app;
    }

    public static async Task<Results<Ok<LocationAvailability>, ProblemHttpResult>> GetAsync(
        string locationId, InventoryStore inventory, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await inventory.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT coalesce((SELECT auto_suspend FROM prep.location_availability WHERE location_id = $1), true)") { Parameters = { new() { Value = locationId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT m.sku, p.name, m.marked_at, m.marked_by FROM prep.marked_out m JOIN prep.products p ON p.sku = m.sku WHERE m.location_id = $1 ORDER BY p.name")
        { Parameters = { new() { Value = locationId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT store_id, brand_id, kind, menu_sku, name, out_of, reason, since FROM prep.suspended_menu_items WHERE location_id = $1 ORDER BY since, store_id, menu_sku")
        { Parameters = { new() { Value = locationId } } });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var autoSuspend = reader.GetBoolean(0);
        await reader.NextResultAsync(cancellationToken);
        var marked = new List<MarkedOut>();
        while (await reader.ReadAsync(cancellationToken))
        {
            marked.Add(new MarkedOut(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3)));
        }

        await reader.NextResultAsync(cancellationToken);
        var offSale = new List<OffSaleItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            offSale.Add(new OffSaleItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<string[]>(5), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return TypedResults.Ok(new LocationAvailability(locationId, autoSuspend, marked, offSale));
    }

    /// <summary>Turns taking items off sale when a product runs out on or off for the location (a manager's mark still works).</summary>
    public static async Task<Results<Ok<LocationAvailability>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string locationId, AvailabilityRequest request, InventoryStore inventory, NpgsqlDataSource dataSource, MenuAvailabilityKeeper keeper,
        ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.AutoSuspend is not { } autoSuspend)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["autoSuspend"] = ["true or false: whether running out takes items off sale."] });
        }

        if (await inventory.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        await using (var command = dataSource.CreateCommand(
            """
            INSERT INTO prep.location_availability (location_id, auto_suspend, updated_at, updated_by) VALUES ($1, $2, $3, $4)
            ON CONFLICT (location_id) DO UPDATE SET auto_suspend = EXCLUDED.auto_suspend, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = locationId });
            command.Parameters.Add(new NpgsqlParameter { Value = autoSuspend });
            command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
            command.Parameters.Add(new NpgsqlParameter { Value = user.Identity?.Name ?? "manager" });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        // A look another instance was making may have missed this change: the next one sees it.
        await keeper.LookAsync(cancellationToken);
        keeper.Wake();
        return (await GetAsync(locationId, inventory, dataSource, cancellationToken)).Result switch
        {
            Ok<LocationAvailability> ok => ok,
            ProblemHttpResult problem => problem,
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>Marks a prepped product out at the location: the items that need it come off sale at once, whatever the count says.</summary>
    public static async Task<Results<Ok<MarkedOut>, ProblemHttpResult>> MarkOutAsync(
        string locationId, string sku, InventoryStore inventory, ProductCatalog catalog, NpgsqlDataSource dataSource, MenuAvailabilityKeeper keeper,
        ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await inventory.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        if (sku.Length > ProductsApi.MaxSkuLength || await catalog.FindAsync(sku, cancellationToken) is not { } product)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such product", detail: "Only a product of the catalogue can be marked out.");
        }

        var by = user.Identity?.Name ?? "manager";
        await using (var command = dataSource.CreateCommand(
            "INSERT INTO prep.marked_out (location_id, sku, marked_at, marked_by) VALUES ($1, $2, $3, $4) ON CONFLICT (location_id, sku) DO NOTHING"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = locationId });
            command.Parameters.Add(new NpgsqlParameter { Value = sku });
            command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
            command.Parameters.Add(new NpgsqlParameter { Value = by });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        // A look another instance was making may have missed this change: the next one sees it.
        await keeper.LookAsync(cancellationToken);
        keeper.Wake();
        return TypedResults.Ok(new MarkedOut(sku, product.Name, time.GetUtcNow(), by));
    }

    /// <summary>Takes a manager's mark off: the items come back on sale unless the product is out by its count.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> UnmarkAsync(
        string locationId, string sku, InventoryStore inventory, NpgsqlDataSource dataSource, MenuAvailabilityKeeper keeper, CancellationToken cancellationToken)
    {
        if (await inventory.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        await using (var command = dataSource.CreateCommand("DELETE FROM prep.marked_out WHERE location_id = $1 AND sku = $2"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = locationId });
            command.Parameters.Add(new NpgsqlParameter { Value = sku });
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not marked out", detail: "That product is not marked out here.");
            }
        }

        // A look another instance was making may have missed this change: the next one sees it.
        await keeper.LookAsync(cancellationToken);
        keeper.Wake();
        return TypedResults.NoContent();
    }
}
