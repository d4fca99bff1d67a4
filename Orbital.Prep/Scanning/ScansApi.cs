using System.Security.Claims;
using System.Text.Json;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;
using Orbital.Contracts;
using Orbital.Contracts.Scanning;
using Orbital.Messaging;
using Orbital.Messaging.Outbox;
using Orbital.Prep.Auth;
using Orbital.Prep.Catalog;
using Orbital.Prep.Inventory;
using Orbital.Prep.TransferUnits;
using Orbital.Prep.Waste;

namespace Orbital.Prep.Scanning;

/// <summary>
/// <c>POST /scans</c>: a barcode scanned at a location. It resolves to a transfer unit or a master product, is applied
/// to inventory, recorded, and a <see cref="ScanEvent"/> goes to the <c>scans</c> exchange through the outbox in the
/// same transaction, so a committed scan is never lost. An unknown barcode is recorded too and answered 404.
/// </summary>
public static class ScansApi
{
    public static IEndpointRouteBuilder MapScansApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/scans", ScanAsync).WithTags("Scanning");
        return app;
    }

    /// <summary>The header a scanner sends with a key of its own per scan, the same on every retry of that scan.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public const int MaxIdempotencyKeyLength = 100;

    public static async Task<Results<Ok<ScanResult>, ProblemHttpResult>> ScanAsync(
        ScanRequest request, ProductCatalog catalog, InventoryStore inventory, NpgsqlDataSource dataSource, ClaimsPrincipal user, TimeProvider time,
        HttpRequest http, CancellationToken cancellationToken)
    {
        if (ReadIdempotencyKey(http) is not (true, var idempotencyKey))
        {
            return InvalidIdempotencyKey();
        }

        if (string.IsNullOrWhiteSpace(request.Barcode) || string.IsNullOrWhiteSpace(request.LocationId))
        {
            return Problem(StatusCodes.Status400BadRequest, "Barcode and location required", "Send barcode, locationId and action.");
        }

        if (!Enum.TryParse<ScanKind>(request.Action, ignoreCase: true, out var action) || !Enum.IsDefined(action))
        {
            return Problem(StatusCodes.Status400BadRequest, "Unknown action", "action is one of receive, count, consume, waste.");
        }

        if (request.Quantity is < 0 or > WasteApi.MaxQuantity)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid quantity", $"A scanned quantity is 0 to {WasteApi.MaxQuantity:N0}.");
        }

        if (action == ScanKind.Waste && WasteApi.Validate(request.Reason, request.Note) is { Count: > 0 } wasteErrors)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(wasteErrors) { Status = StatusCodes.Status400BadRequest, Title = "The waste was not logged" });
        }

        if (!user.WorksAt(request.LocationId))
        {
            return StaffAccess.NotYourLocation(request.LocationId);
        }

        if (await inventory.FindLocationAsync(request.LocationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(request.LocationId);
        }

        var by = user.Identity!.Name!;
        var now = time.GetUtcNow();
        var scanId = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (idempotencyKey is not null && await FirstAnswerAsync(connection, transaction, by, idempotencyKey, cancellationToken) is { } first)
        {
            await transaction.CommitAsync(cancellationToken);
            return first.Result is { } result
                ? TypedResults.Ok(result)
                : Problem(StatusCodes.Status404NotFound, "Unknown barcode", $"'{request.Barcode}' is neither a transfer unit nor a product barcode. The scan was recorded ({first.ScanId}).");
        }

        var unit = await TransferUnitStore.FindByBarcodeForUpdateAsync(connection, transaction, request.Barcode, cancellationToken);
        var sku = unit is null ? await catalog.SkuForBarcodeAsync(request.Barcode, cancellationToken) : null;
        var product = sku is null ? null : await catalog.FindAsync(sku, cancellationToken);

        if (unit is null && product is null)
        {
            await RecordAsync(connection, transaction, scanId, request, action, "unknown", null, null, null, "unknown_barcode", by, now, idempotencyKey, null, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return Problem(StatusCodes.Status404NotFound, "Unknown barcode",
                $"'{request.Barcode}' is neither a transfer unit nor a product barcode. The scan was recorded ({scanId}).");
        }

        decimal quantity;
        string unitName;
        if (unit is not null)
        {
            var (outcome, reason) = action switch
            {
                ScanKind.Receive => await TransferUnitStore.ReceiveAsync(connection, transaction, unit, request.LocationId, request.Quantity, by, now, cancellationToken),
                ScanKind.Consume => await TransferUnitStore.CloseAsync(connection, transaction, unit, request.LocationId, "consumed", by, now, cancellationToken),
                ScanKind.Waste => await TransferUnitStore.CloseAsync(connection, transaction, unit, request.LocationId, "wasted", by, now, cancellationToken),
                _ => (TransferOutcome.Conflict, "a transfer unit is received, consumed or wasted; count the product instead"),
            };
            if (outcome != TransferOutcome.Done)
            {
                await transaction.RollbackAsync(cancellationToken);
                return Problem(StatusCodes.Status422UnprocessableEntity, "Scan does not apply", reason!);
            }

            quantity = action == ScanKind.Receive ? request.Quantity ?? unit.QuantitySent : unit.QuantityReceived ?? unit.QuantitySent;
            unitName = (await catalog.FindAsync(unit.Sku, cancellationToken))?.Unit ?? string.Empty;
            sku = unit.Sku;
            if (action == ScanKind.Waste && quantity > 0)
            {
                // The whole unit goes: CloseAsync took it off on-hand; the log says why.
                await WasteLog.RecordAsync(connection, transaction,
                    new WasteEntry(Guid.CreateVersion7(), request.LocationId, sku, unit.Id, quantity, quantity, unitName, request.Reason!, WasteApi.NoteOrNull(request.Note), by, now),
                    scanId, idempotencyKey: null, moveStock: false, cancellationToken);
            }
        }
        else
        {
            if (product!.ToBase(request.Quantity ?? 1, request.Unit) is not { } inBase)
            {
                await transaction.RollbackAsync(cancellationToken);
                return Problem(StatusCodes.Status422UnprocessableEntity, "Unknown unit", $"{product.Sku} has no conversion for '{request.Unit}' (base unit {product.Unit}).");
            }

            if (action == ScanKind.Count && request.Quantity is null)
            {
                await transaction.RollbackAsync(cancellationToken);
                return Problem(StatusCodes.Status400BadRequest, "Quantity required", "A count scan says how many there are.");
            }

            if (action == ScanKind.Waste)
            {
                if (inBase <= 0)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return Problem(StatusCodes.Status400BadRequest, "Quantity required", "Waste is more than nothing: say how much was thrown away.");
                }

                await WasteLog.RecordAsync(connection, transaction,
                    new WasteEntry(Guid.CreateVersion7(), request.LocationId, product.Sku, null, inBase, request.Quantity ?? 1, request.Unit ?? product.Unit,
                        request.Reason!, WasteApi.NoteOrNull(request.Note), by, now),
                    scanId, idempotencyKey: null, moveStock: true, cancellationToken);
            }
            else
            {
                var delta = action == ScanKind.Consume ? -inBase : inBase;
                await InventoryStore.ApplyAsync(connection, transaction, request.LocationId, product.Sku, delta, absolute: action == ScanKind.Count, by,
                    $"scan-{action.ToString().ToLowerInvariant()}", now, cancellationToken);
            }
            quantity = inBase;
            unitName = product.Unit;
        }

        var answer = new ScanResult(scanId, unit is null ? "product" : "transfer_unit", sku!, unit?.Id, quantity, unitName);
        await RecordAsync(connection, transaction, scanId, request, action, answer.Resolved, sku, unit?.Id, quantity, "applied", by, now, idempotencyKey, answer, cancellationToken);
        var scanEvent = new ScanEvent
        {
            ScanId = scanId.ToString(),
            Barcode = request.Barcode,
            LocationId = request.LocationId,
            Action = action switch
            {
                ScanKind.Receive => ScanAction.Receive,
                ScanKind.Count => ScanAction.Count,
                ScanKind.Consume => ScanAction.Consume,
                _ => ScanAction.Waste,
            },
            ProductSku = sku ?? string.Empty,
            TransferUnitId = unit?.Id.ToString() ?? string.Empty,
            Quantity = (double)quantity,
            Unit = unitName,
            ScannedBy = by,
            ScannedAt = Timestamp.FromDateTimeOffset(now),
        };
        await OutboxWriter.EnqueueAsync(connection, transaction, Exchanges.Scans,
            new OutgoingMessage(scanEvent.ToByteArray(), scanEvent.ScanId, ScanEvent.Descriptor.FullName, ContentTypes.Protobuf), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(answer);
    }

    /// <summary>
    /// The answer already given to this user's scan with this key, if any. The key is locked for the transaction, so a
    /// retry that arrives while the first is still being applied waits for it and then gets its answer.
    /// </summary>
    private static async Task<(Guid ScanId, ScanResult? Result)?> FirstAnswerAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string by, string key, CancellationToken cancellationToken)
    {
        await using (var lockKey = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1 || E'\\n' || $2, 0))", connection, transaction))
        {
            lockKey.Parameters.Add(new NpgsqlParameter { Value = by });
            lockKey.Parameters.Add(new NpgsqlParameter { Value = key });
            await lockKey.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var find = new NpgsqlCommand("SELECT id, response::text FROM prep.scans WHERE scanned_by = $1 AND idempotency_key = $2", connection, transaction);
        find.Parameters.Add(new NpgsqlParameter { Value = by });
        find.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return (reader.GetGuid(0), reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<ScanResult>(reader.GetString(1), JsonSerializerOptions.Web));
    }

    private static async Task RecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, ScanRequest request, ScanKind action, string resolved, string? sku, Guid? unitId,
        decimal? quantity, string outcome, string by, DateTimeOffset now, string? idempotencyKey, ScanResult? answer, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO prep.scans (id, barcode, location_id, action, resolved, sku, transfer_unit_id, quantity, outcome, scanned_by, scanned_at, idempotency_key, response)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Barcode! });
        command.Parameters.Add(new NpgsqlParameter { Value = request.LocationId! });
        command.Parameters.Add(new NpgsqlParameter { Value = action.ToString().ToLowerInvariant() });
        command.Parameters.Add(new NpgsqlParameter { Value = resolved });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)sku ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)unitId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)quantity ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
        command.Parameters.Add(new NpgsqlParameter { Value = outcome });
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)idempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = answer is null ? DBNull.Value : JsonSerializer.Serialize(answer, JsonSerializerOptions.Web),
            NpgsqlDbType = NpgsqlDbType.Text,
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The request's <see cref="IdempotencyKeyHeader"/>: none (null, valid), or one of at most 100 printable characters.</summary>
    public static (bool Valid, string? Value) ReadIdempotencyKey(HttpRequest http)
    {
        var key = http.Headers[IdempotencyKeyHeader].ToString() is { Length: > 0 } value ? value : null;
        return (key is null || (key.Length <= MaxIdempotencyKeyLength && !key.Any(char.IsControl)), key);
    }

    public static ProblemHttpResult InvalidIdempotencyKey() => Problem(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key",
        $"{IdempotencyKeyHeader} is at most {MaxIdempotencyKeyLength} printable characters (a UUID per scan is ideal).");

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(statusCode: status, title: title, detail: detail);
}

public enum ScanKind
{
    Receive = 1,
    Count = 2,
    Consume = 3,
    Waste = 4,
}

/// <param name="Reason">Why it was thrown away (action waste only): one of <see cref="WasteLog.Reasons"/>.</param>
/// <param name="Note">What happened, for waste; the reason "other" needs one.</param>
public sealed record ScanRequest(string? Barcode, string? LocationId, string? Action, decimal? Quantity, string? Unit, string? Reason = null, string? Note = null);

public sealed record ScanResult(Guid ScanId, string Resolved, string Sku, Guid? TransferUnitId, decimal Quantity, string Unit);
