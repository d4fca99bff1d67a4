using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Orbital.Prep.Auth;
using Orbital.Prep.Catalog;
using Orbital.Prep.Inventory;
using Orbital.Prep.Reports;

namespace Orbital.Prep.TransferUnits;

/// <summary><c>/transfer-units</c>: create and dispatch (managers), receive (anyone in the kitchen), TU inventory per location.</summary>
public static class TransferUnitsApi
{
    public static IEndpointRouteBuilder MapTransferUnitsApi(this IEndpointRouteBuilder app)
    {
        var units = app.MapGroup("/transfer-units").WithTags("Transfer units");
        units.MapPost("/", CreateAsync).RequireAuthorization(PrepPolicies.Manager);
        units.MapGet("/{id:guid}", async Task<Results<Ok<TransferUnit>, ProblemHttpResult>> (Guid id, TransferUnitStore store, ClaimsPrincipal user, CancellationToken ct) =>
            await store.FindAsync(id, ct) is { } unit && (user.WorksAt(unit.OriginLocationId) || user.WorksAt(unit.DestinationLocationId))
                ? TypedResults.Ok(unit)
                : NotFound(id));
        // What a scanned label is, before receiving it: the app shows what was sent so the cook can confirm or correct it.
        units.MapGet("/", async Task<Results<Ok<TransferUnit>, ProblemHttpResult>> (string? barcode, TransferUnitStore store, ClaimsPrincipal user, CancellationToken ct) =>
            string.IsNullOrWhiteSpace(barcode) || barcode.Length > 100
                ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Barcode required", detail: "Ask for ?barcode= a transfer unit's label.")
                : await store.FindByBarcodeAsync(barcode, ct) is { } unit && (user.WorksAt(unit.OriginLocationId) || user.WorksAt(unit.DestinationLocationId))
                    ? TypedResults.Ok(unit)
                    : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such transfer unit", detail: $"No transfer unit has the label {barcode}."));
        units.MapGet("/{id:guid}/label.pdf", LabelAsync).Produces(StatusCodes.Status200OK, contentType: "application/pdf");
        units.MapPost("/{id:guid}/dispatch", DispatchAsync).RequireAuthorization(PrepPolicies.Manager);
        units.MapPost("/{id:guid}/receive", ReceiveAsync);
        app.MapGet("/locations/{locationId}/transfer-units", InventoryAsync).WithTags("Transfer units").RequireLocationAccess();
        app.MapGet("/locations/{locationId}/transfer-units.pdf", InventoryPdfAsync).WithTags("Transfer units").RequireLocationAccess()
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf");
        return app;
    }

    public static async Task<Results<Created<TransferUnit>, ProblemHttpResult>> CreateAsync(
        NewTransferUnitRequest request, TransferUnitStore store, ProductCatalog catalog, InventoryStore inventory, ClaimsPrincipal user, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Sku) || await catalog.FindAsync(request.Sku, cancellationToken) is not { } product)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unknown product", detail: $"Product '{request.Sku}' does not exist.");
        }

        if (product.ToBase(request.Quantity, request.Unit) is not { } quantity || quantity <= 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid quantity",
                detail: $"The quantity must be positive, in {product.Unit} or a unit {product.Sku} has a conversion for.");
        }

        foreach (var location in new[] { request.OriginLocationId, request.DestinationLocationId })
        {
            if (string.IsNullOrWhiteSpace(location) || await inventory.FindLocationAsync(location, cancellationToken) is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unknown location", detail: $"Location '{location}' does not exist.");
            }
        }

        // Sent from the caller's own location (a commissary's manager sends to stores).
        if (!user.WorksAt(request.OriginLocationId!))
        {
            return StaffAccess.NotYourLocation(request.OriginLocationId!);
        }

        if (request.OriginLocationId == request.DestinationLocationId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Same origin and destination", detail: "A transfer goes somewhere else.");
        }

        var unit = await store.CreateAsync(product.Sku, quantity, request.OriginLocationId!, request.DestinationLocationId!, user.Identity!.Name!, time.GetUtcNow(), cancellationToken);
        return TypedResults.Created($"/transfer-units/{unit.Id}", unit);
    }

    /// <summary>The unit's printable label (PDF, 4×6 inches), for its origin and its destination.</summary>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> LabelAsync(
        Guid id, TransferUnitStore store, ProductCatalog catalog, InventoryStore inventory, TransferUnitLabels labels, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(id, cancellationToken) is not { } unit || !(user.WorksAt(unit.OriginLocationId) || user.WorksAt(unit.DestinationLocationId)))
        {
            return NotFound(id);
        }

        var product = await catalog.FindAsync(unit.Sku, cancellationToken);
        var origin = await inventory.FindLocationAsync(unit.OriginLocationId, cancellationToken);
        var destination = await inventory.FindLocationAsync(unit.DestinationLocationId, cancellationToken);
        if (origin is null || destination is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Location gone",
                detail: $"Transfer unit {unit.Barcode} goes from {unit.OriginLocationId} to {unit.DestinationLocationId}, and one of them is no longer in the setup.");
        }

        var label = new TransferUnitLabel(unit, product?.Name ?? unit.Sku, product?.Unit ?? string.Empty, product?.ShelfLifeHours, origin, destination);
        return TypedResults.File(labels.Label(label), "application/pdf", $"label-{unit.Barcode}.pdf");
    }

    /// <summary>
    /// Sends the unit: its quantity comes off the origin's on-hand. More than the origin has on hand is refused (409,
    /// with what it has) unless the request says <c>overOnHand: true</c>: counts lag, so it is allowed, never silently.
    /// </summary>
    public static async Task<Results<Ok<TransferUnit>, ProblemHttpResult>> DispatchAsync(
        Guid id, DispatchRequest? request, TransferUnitStore store, InventoryStore inventory, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        // Dispatched by its origin: a unit someone cannot see is, to them, a unit that does not exist.
        if (await store.FindAsync(id, cancellationToken) is not { } existing || !(user.WorksAt(existing.OriginLocationId) || user.WorksAt(existing.DestinationLocationId)))
        {
            return NotFound(id);
        }

        if (!user.WorksAt(existing.OriginLocationId))
        {
            return StaffAccess.NotYourLocation(existing.OriginLocationId);
        }

        if (existing.Status == "created" && request?.OverOnHand != true)
        {
            var onHand = (await inventory.OnHandAsync(existing.OriginLocationId, cancellationToken)).GetValueOrDefault(existing.Sku)?.Quantity ?? 0;
            if (onHand < existing.QuantitySent)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "More than on hand",
                    detail: $"{existing.OriginLocationId} has {onHand:0.###} of {existing.Sku} on hand and this unit takes {existing.QuantitySent:0.###}. "
                        + "Count again, or dispatch anyway (overOnHand: true).",
                    extensions: new Dictionary<string, object?> { ["onHand"] = onHand, ["quantity"] = existing.QuantitySent });
            }
        }

        var (outcome, unit) = await store.DispatchAsync(id, user.Identity!.Name!, time.GetUtcNow(), cancellationToken);
        return outcome switch
        {
            TransferOutcome.Done => TypedResults.Ok(unit!),
            TransferOutcome.NotFound => NotFound(id),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Cannot dispatch", detail: $"Transfer unit {unit!.Barcode} is {unit.Status}."),
        };
    }

    public static async Task<Results<Ok<TransferUnit>, ProblemHttpResult>> ReceiveAsync(
        Guid id, ReceiveRequest request, TransferUnitStore store, NpgsqlDataSource dataSource, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.LocationId) || request.QuantityReceived < 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid receipt", detail: "Say where it was received (locationId); a received quantity is not negative.");
        }

        if (!user.WorksAt(request.LocationId))
        {
            return StaffAccess.NotYourLocation(request.LocationId);
        }

        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var unit = await TransferUnitStore.FindForUpdateAsync(connection, transaction, id, cancellationToken);
            if (unit is null)
            {
                return NotFound(id);
            }

            var (outcome, reason) = await TransferUnitStore.ReceiveAsync(connection, transaction, unit, request.LocationId, request.QuantityReceived, user.Identity!.Name!,
                time.GetUtcNow(), cancellationToken);
            if (outcome != TransferOutcome.Done)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Cannot receive", detail: reason);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return TypedResults.Ok((await store.FindAsync(id, cancellationToken))!);
    }

    public static async Task<Results<Ok<TransferUnitInventory>, ProblemHttpResult>> InventoryAsync(
        string locationId, InventoryStore inventory, TransferUnitStore store, CancellationToken cancellationToken) =>
        await BuildInventoryAsync(locationId, inventory, store, cancellationToken) is { } result ? TypedResults.Ok(result) : InventoryApi.UnknownLocation(locationId);

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> InventoryPdfAsync(
        string locationId, InventoryStore inventory, TransferUnitStore store, PdfReports pdf, CancellationToken cancellationToken) =>
        await BuildInventoryAsync(locationId, inventory, store, cancellationToken) is { } result
            ? TypedResults.File(pdf.TransferUnits(result), "application/pdf", $"transfer-units-{locationId}.pdf")
            : InventoryApi.UnknownLocation(locationId);

    public static async Task<TransferUnitInventory?> BuildInventoryAsync(string locationId, InventoryStore inventory, TransferUnitStore store, CancellationToken cancellationToken)
    {
        if (await inventory.FindLocationAsync(locationId, cancellationToken) is not { } location)
        {
            return null;
        }

        var units = await store.ForLocationAsync(locationId, cancellationToken);
        return new TransferUnitInventory(
            location.Id,
            location.Name,
            OnHand: [.. units.Where(u => u.DestinationLocationId == locationId && u.Status == "received")],
            Incoming: [.. units.Where(u => u.DestinationLocationId == locationId && u.Status == "dispatched")],
            Outgoing: [.. units.Where(u => u.OriginLocationId == locationId && u.Status is "created" or "dispatched")],
            Discrepancies: [.. units.Where(u => u.DestinationLocationId == locationId && u.Discrepancy is not null and not 0)]);
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such transfer unit", detail: $"Transfer unit {id} does not exist.");
}

public sealed record NewTransferUnitRequest(string? Sku, decimal Quantity, string? Unit, string? OriginLocationId, string? DestinationLocationId);

/// <param name="OverOnHand">Send it even though the origin's count says it has less on hand.</param>
public sealed record DispatchRequest(bool OverOnHand = false);

public sealed record ReceiveRequest(string? LocationId, decimal? QuantityReceived);

public sealed record TransferUnitInventory(
    string LocationId, string LocationName, List<TransferUnit> OnHand, List<TransferUnit> Incoming, List<TransferUnit> Outgoing, List<TransferUnit> Discrepancies);
