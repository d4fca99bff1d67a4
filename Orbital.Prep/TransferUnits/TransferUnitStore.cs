using Npgsql;
using NpgsqlTypes;
using Orbital.Prep.Inventory;

namespace Orbital.Prep.TransferUnits;

public sealed record TransferUnit(
    Guid Id, string Barcode, string Sku, decimal QuantitySent, decimal? QuantityReceived, decimal? Discrepancy,
    string OriginLocationId, string DestinationLocationId, string Status,
    DateTimeOffset CreatedAt, string? CreatedBy, DateTimeOffset? DispatchedAt, DateTimeOffset? ReceivedAt, string? ReceivedBy);

public enum TransferOutcome
{
    Done,
    NotFound,
    /// <summary>The transfer unit is not in a state that allows this, or it is at the wrong location.</summary>
    Conflict,
}

/// <summary>
/// Transfer units: one product in a labelled container sent from one location (usually the commissary) to another.
/// Dispatch takes the quantity off the origin's on-hand; receiving adds what actually arrived to the destination's
/// and records the difference from what was sent.
/// </summary>
public sealed class TransferUnitStore(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        id, barcode, sku, quantity_sent, quantity_received, origin_location_id, destination_location_id, status,
        created_at, created_by, dispatched_at, received_at, received_by
        """;

    public static string NewBarcode() => "TU-" + Convert.ToHexString(Guid.NewGuid().ToByteArray()[..6]);

    public async Task<TransferUnit> CreateAsync(string sku, decimal quantity, string origin, string destination, string by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await using var command = dataSource.CreateCommand(
            $"""
            INSERT INTO prep.transfer_units (id, barcode, sku, quantity_sent, origin_location_id, destination_location_id, status, created_at, created_by, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, 'created', $7, $8, $7) RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = NewBarcode() });
        command.Parameters.Add(new NpgsqlParameter { Value = sku });
        command.Parameters.Add(new NpgsqlParameter { Value = quantity });
        command.Parameters.Add(new NpgsqlParameter { Value = origin });
        command.Parameters.Add(new NpgsqlParameter { Value = destination });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    public async Task<TransferUnit?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, "id = $1", id, forUpdate: false, cancellationToken);
    }

    public async Task<TransferUnit?> FindByBarcodeAsync(string barcode, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, "barcode = $1", barcode, forUpdate: false, cancellationToken);
    }

    public static Task<TransferUnit?> FindForUpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken) =>
        FindAsync(connection, transaction, "id = $1", id, forUpdate: true, cancellationToken);

    public static Task<TransferUnit?> FindByBarcodeForUpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string barcode, CancellationToken cancellationToken) =>
        FindAsync(connection, transaction, "barcode = $1", barcode, forUpdate: true, cancellationToken);

    public async Task<List<TransferUnit>> ForLocationAsync(string locationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM prep.transfer_units WHERE destination_location_id = $1 OR origin_location_id = $1 ORDER BY created_at DESC LIMIT 1000");
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        var units = new List<TransferUnit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            units.Add(Read(reader));
        }

        return units;
    }

    public async Task<(TransferOutcome Outcome, TransferUnit? Unit)> DispatchAsync(Guid id, string by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var unit = await FindAsync(connection, transaction, "id = $1", id, forUpdate: true, cancellationToken);
        if (unit is null)
        {
            return (TransferOutcome.NotFound, null);
        }

        if (unit.Status != "created")
        {
            return (TransferOutcome.Conflict, unit);
        }

        await SetAsync(connection, transaction, id, "status = 'dispatched', dispatched_at = $2, updated_at = $2", now, cancellationToken);
        await InventoryStore.ApplyAsync(connection, transaction, unit.OriginLocationId, unit.Sku, -unit.QuantitySent, absolute: false, by, "transfer-out", now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (TransferOutcome.Done, await FindAsync(id, cancellationToken));
    }

    /// <summary>Receives a dispatched transfer unit at its destination, inside the caller's transaction.</summary>
    public static async Task<(TransferOutcome Outcome, string? Reason)> ReceiveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TransferUnit unit, string locationId, decimal? quantityReceived, string by, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (unit.Status != "dispatched")
        {
            return (TransferOutcome.Conflict, $"transfer unit {unit.Barcode} is {unit.Status}, not dispatched");
        }

        if (unit.DestinationLocationId != locationId)
        {
            return (TransferOutcome.Conflict, $"transfer unit {unit.Barcode} is going to {unit.DestinationLocationId}, not {locationId}");
        }

        var received = quantityReceived ?? unit.QuantitySent;
        await using (var command = new NpgsqlCommand(
            "UPDATE prep.transfer_units SET status = 'received', quantity_received = $2, received_at = $3, received_by = $4, updated_at = $3 WHERE id = $1",
            connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = unit.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = received });
            command.Parameters.Add(new NpgsqlParameter { Value = now });
            command.Parameters.Add(new NpgsqlParameter { Value = by });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await InventoryStore.ApplyAsync(connection, transaction, locationId, unit.Sku, received, absolute: false, by, "transfer-in", now, cancellationToken);
        return (TransferOutcome.Done, null);
    }

    /// <summary>A received transfer unit used up or thrown away at its location.</summary>
    public static async Task<(TransferOutcome Outcome, string? Reason)> CloseAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TransferUnit unit, string locationId, string status, string by, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (unit.Status != "received" || unit.DestinationLocationId != locationId)
        {
            return (TransferOutcome.Conflict, $"transfer unit {unit.Barcode} is {unit.Status} at {unit.DestinationLocationId}; only a received unit can be {status} where it is");
        }

        await SetAsync(connection, transaction, unit.Id, $"status = '{status}', updated_at = $2", now, cancellationToken);
        await InventoryStore.ApplyAsync(connection, transaction, locationId, unit.Sku, -(unit.QuantityReceived ?? unit.QuantitySent), absolute: false, by, status, now, cancellationToken);
        return (TransferOutcome.Done, null);
    }

    private static async Task SetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string assignments, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"UPDATE prep.transfer_units SET {assignments} WHERE id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<TransferUnit?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string where, object key, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM prep.transfer_units WHERE {where}{(forUpdate ? " FOR UPDATE" : string.Empty)}", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static TransferUnit Read(NpgsqlDataReader reader)
    {
        decimal? received = reader.IsDBNull(4) ? null : reader.GetDecimal(4);
        var sent = reader.GetDecimal(3);
        return new TransferUnit(
            reader.GetGuid(0), reader.GetString(1), reader.GetString(2), sent, received, received is { } r ? r - sent : null,
            reader.GetString(5), reader.GetString(6), reader.GetString(7),
            reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetString(9),
            reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
            reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
            reader.IsDBNull(12) ? null : reader.GetString(12));
    }
}
