using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Orbital.Prep.Auth;
using Orbital.Prep.Catalog;
using Orbital.Prep.Locations;

namespace Orbital.Prep.Inventory;

/// <summary>Locations, counts and on-hand. A count overwrites on-hand for the products counted and leaves the others alone.</summary>
public static class InventoryApi
{
    public static IEndpointRouteBuilder MapInventoryApi(this IEndpointRouteBuilder app)
    {
        // A manager changes the locations they work at; adding one, which nobody works at yet, takes someone who works at every location.
        var locations = app.MapGroup("/locations").WithTags("Inventory").RequireLocationAccess();
        locations.MapGet("/", async (LocationRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
            TypedResults.Ok((await registry.ListAsync(ct)).Where(l => user.WorksAt(l.Id)).ToList()));
        locations.MapPut("/{locationId}", PutLocationAsync).RequireAuthorization(PrepPolicies.Manager);
        locations.MapGet("/{locationId}/inventory", GetOnHandAsync);
        locations.MapPost("/{locationId}/counts", SubmitCountAsync);
        locations.MapGet("/{locationId}/counts", CountHistoryAsync);
        return app;
    }

    /// <summary>Adds the location to the shared setup of places, or changes its name, kind or time zone (README: Kitchens).</summary>
    public static async Task<Results<Ok<Location>, ProblemHttpResult>> PutLocationAsync(
        string locationId, LocationRequest request, LocationRegistry registry, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Kind is not (LocationRegistry.Store or LocationRegistry.Commissary))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid location",
                detail: "A location needs a name and a kind of 'store' or 'commissary'.");
        }

        try
        {
            var (location, problems) = await registry.SaveAsync(locationId, request.Name, request.Kind, request.TimeZone, user.Identity?.Name ?? "manager", cancellationToken);
            return location is not null
                ? TypedResults.Ok(location)
                : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid location",
                    detail: string.Join(" ", problems.Where(p => p.Table == "kitchens").DefaultIfEmpty(problems[0]).Select(p => p.Problem)),
                    extensions: new Dictionary<string, object?> { ["problems"] = problems });
        }
        catch (Orbital.Places.SetupLockUnavailableException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Locations cannot be changed right now", detail: ex.Message);
        }
    }

    public static async Task<Results<Ok<List<OnHand>>, ProblemHttpResult>> GetOnHandAsync(string locationId, InventoryStore store, CancellationToken cancellationToken) =>
        await store.FindLocationAsync(locationId, cancellationToken) is null
            ? UnknownLocation(locationId)
            : TypedResults.Ok((await store.OnHandAsync(locationId, cancellationToken)).Values.ToList());

    /// <summary>One person's count of one area; several may count different areas of the same location.</summary>
    public static async Task<Results<Created<CountReceipt>, ProblemHttpResult>> SubmitCountAsync(
        string locationId, CountRequest request, InventoryStore store, ProductCatalog catalog, NpgsqlDataSource dataSource,
        LocationRegistry locations, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await store.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return UnknownLocation(locationId);
        }

        if (request.Lines is not { Count: > 0 })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Empty count", detail: "A count has at least one line.");
        }

        var errors = new List<string>();
        var lines = new List<(string Sku, decimal Base, decimal Entered, string Unit)>();
        foreach (var (line, index) in request.Lines.Select((l, i) => (l, i + 1)))
        {
            var product = string.IsNullOrWhiteSpace(line.Sku) ? null : await catalog.FindAsync(line.Sku, cancellationToken);
            if (product is null)
            {
                errors.Add($"line {index}: unknown product '{line.Sku}'");
            }
            else if (line.Quantity < 0)
            {
                errors.Add($"line {index}: quantity is negative");
            }
            else if (product.ToBase(line.Quantity, line.Unit) is not { } inBase)
            {
                errors.Add($"line {index}: {product.Sku} has no conversion for unit '{line.Unit}' (base unit {product.Unit})");
            }
            else
            {
                lines.Add((product.Sku, inBase, line.Quantity, line.Unit ?? product.Unit));
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The count has errors", detail: string.Join("; ", errors) + ".");
        }

        var by = user.Identity!.Name!;
        var now = time.GetUtcNow();
        var countId = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var count = new NpgsqlCommand("INSERT INTO prep.counts (id, location_id, area, counted_by, submitted_at) VALUES ($1, $2, $3, $4, $5)", connection, transaction))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = countId });
            count.Parameters.Add(new NpgsqlParameter { Value = locationId });
            count.Parameters.Add(new NpgsqlParameter { Value = (object?)request.Area ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            count.Parameters.Add(new NpgsqlParameter { Value = by });
            count.Parameters.Add(new NpgsqlParameter { Value = now });
            await count.ExecuteNonQueryAsync(cancellationToken);
        }

        // The same product twice in one count: the lines add up (two shelves of the same thing).
        foreach (var group in lines.GroupBy(l => l.Sku))
        {
            var total = group.Sum(l => l.Base);
            await using var line = new NpgsqlCommand(
                "INSERT INTO prep.count_lines (count_id, sku, quantity, entered_quantity, entered_unit) VALUES ($1, $2, $3, $4, $5)", connection, transaction);
            line.Parameters.Add(new NpgsqlParameter { Value = countId });
            line.Parameters.Add(new NpgsqlParameter { Value = group.Key });
            line.Parameters.Add(new NpgsqlParameter { Value = total });
            line.Parameters.Add(new NpgsqlParameter { Value = group.Sum(l => l.Entered) });
            line.Parameters.Add(new NpgsqlParameter { Value = string.Join("+", group.Select(l => l.Unit).Distinct()) });
            await line.ExecuteNonQueryAsync(cancellationToken);
            await InventoryStore.ApplyAsync(connection, transaction, locationId, group.Key, total, absolute: true, by, "count", now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/locations/{locationId}/counts/{countId}", new CountReceipt(countId, locationId, request.Area, by,
            locations.LocalTime(locationId, now), lines.Select(l => l.Sku).Distinct().Count(), locations.BusinessDay(locationId, now)));
    }

    public static async Task<Results<Ok<List<CountReceipt>>, ProblemHttpResult>> CountHistoryAsync(
        string locationId, int? limit, InventoryStore store, NpgsqlDataSource dataSource, LocationRegistry locations, CancellationToken cancellationToken)
    {
        if (await store.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return UnknownLocation(locationId);
        }

        await using var command = dataSource.CreateCommand(
            """
            SELECT c.id, c.area, c.counted_by, c.submitted_at, (SELECT count(*)::int FROM prep.count_lines l WHERE l.count_id = c.id)
            FROM prep.counts c WHERE c.location_id = $1 ORDER BY c.submitted_at DESC LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(limit ?? 50, 1, 500) });
        var counts = new List<CountReceipt>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var submittedAt = reader.GetFieldValue<DateTimeOffset>(3);
            counts.Add(new CountReceipt(reader.GetGuid(0), locationId, reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                locations.LocalTime(locationId, submittedAt), reader.GetInt32(4), locations.BusinessDay(locationId, submittedAt)));
        }

        return TypedResults.Ok(counts);
    }

    public static ProblemHttpResult UnknownLocation(string locationId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such location", detail: $"Location {locationId} does not exist.");
}

/// <param name="TimeZone">IANA time zone (e.g. Europe/London); left out, a new location is in UTC and an existing one keeps its own.</param>
public sealed record LocationRequest(string? Name, string? Kind, string? TimeZone = null);

public sealed record CountLineRequest(string? Sku, decimal Quantity, string? Unit);

public sealed record CountRequest(string? Area, List<CountLineRequest>? Lines);

/// <param name="SubmittedAt">In the location's local time (with its offset).</param>
/// <param name="BusinessDay">The location's business day the count belongs to.</param>
public sealed record CountReceipt(Guid Id, string LocationId, string? Area, string CountedBy, DateTimeOffset SubmittedAt, int Products, DateOnly BusinessDay);
