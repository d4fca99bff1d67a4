using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Orbital.Prep.Auth;
using Orbital.Prep.Catalog;
using Orbital.Prep.Inventory;
using Orbital.Prep.Scanning;

namespace Orbital.Prep.Waste;

/// <summary><c>/locations/{id}/waste</c>: anyone working at a location logs what was thrown away and why, and reads the log.</summary>
public static class WasteApi
{
    public const decimal MaxQuantity = 1_000_000m;

    public static IEndpointRouteBuilder MapWasteApi(this IEndpointRouteBuilder app)
    {
        var waste = app.MapGroup("/locations/{locationId}/waste").WithTags("Waste").RequireLocationAccess();
        waste.MapPost("/", LogAsync);
        waste.MapGet("/", ListAsync);
        return app;
    }

    /// <summary>
    /// Logs waste of a product (searched for, not scanned: a scan sends <c>POST /scans</c> with action waste). Sent again with
    /// the same <c>Idempotency-Key</c>, it answers with the first entry and takes nothing off twice.
    /// </summary>
    public static async Task<Results<Created<WasteEntry>, Ok<WasteEntry>, ValidationProblem, ProblemHttpResult>> LogAsync(
        string locationId, WasteRequest request, InventoryStore inventory, ProductCatalog catalog, NpgsqlDataSource dataSource, ClaimsPrincipal user,
        TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        if (ScansApi.ReadIdempotencyKey(http) is not (true, var key))
        {
            return ScansApi.InvalidIdempotencyKey();
        }

        if (await inventory.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        var product = string.IsNullOrWhiteSpace(request.Sku) ? null : await catalog.FindAsync(request.Sku, cancellationToken);
        var errors = Validate(request.Reason, request.Note);
        if (product is null)
        {
            errors["sku"] = [$"No product '{request.Sku}'."];
        }

        decimal? quantity = null;
        if (request.Quantity is not (> 0 and <= MaxQuantity))
        {
            errors["quantity"] = [$"How much was thrown away: more than 0, at most {MaxQuantity:N0}."];
        }
        else if (product is not null && (quantity = product.ToBase(request.Quantity.Value, request.Unit)) is null)
        {
            errors["unit"] = [$"{product.Name} is counted in {string.Join(", ", new[] { product.Unit }.Concat(product.Conversions.Keys))}, not '{request.Unit}'."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The waste was not logged");
        }

        var entry = new WasteEntry(Guid.CreateVersion7(), locationId, product!.Sku, null, quantity!.Value, request.Quantity!.Value, request.Unit ?? product.Unit,
            request.Reason!, NoteOrNull(request.Note), user.Identity!.Name!, time.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (logged, recorded) = await WasteLog.RecordAsync(connection, transaction, entry, scanId: null, key, moveStock: true, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return recorded ? TypedResults.Created($"/locations/{locationId}/waste", logged) : TypedResults.Ok(logged);
    }

    /// <summary>The last <paramref name="days"/> days of waste at the location (1 to 31, 7 by default), latest first.</summary>
    public static async Task<Results<Ok<List<WasteEntry>>, ProblemHttpResult>> ListAsync(
        string locationId, int? days, InventoryStore inventory, NpgsqlDataSource dataSource, TimeProvider time, CancellationToken cancellationToken)
    {
        if (days is < 1 or > 31)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid days", detail: "days is 1 to 31.");
        }

        if (await inventory.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        return TypedResults.Ok(await WasteLog.SinceAsync(dataSource, locationId, time.GetUtcNow().AddDays(-(days ?? 7)), cancellationToken));
    }

    /// <summary>A reason from the list, and a note the reason "other" needs: the problems by field, empty when there are none.</summary>
    public static Dictionary<string, string[]> Validate(string? reason, string? note)
    {
        var errors = new Dictionary<string, string[]>();
        if (reason is null || !WasteLog.Reasons.Contains(reason, StringComparer.Ordinal))
        {
            errors["reason"] = [$"Say why: {string.Join(", ", WasteLog.Reasons)}."];
        }

        if (note is { Length: > WasteLog.MaxNoteLength } || (note is not null && note.Any(c => char.IsControl(c) && c is not '\n')))
        {
            errors["note"] = [$"A note is at most {WasteLog.MaxNoteLength} characters of text."];
        }
        else if (reason == "other" && NoteOrNull(note) is null)
        {
            errors["note"] = ["Say what happened: the reason is \"other\"."];
        }

        return errors;
    }

    public static string? NoteOrNull(string? note) => string.IsNullOrWhiteSpace(note) ? null : note.Trim();
}

public sealed record WasteRequest(string? Sku, decimal? Quantity, string? Unit, string? Reason, string? Note);
