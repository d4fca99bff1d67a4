using Npgsql;
using NpgsqlTypes;
using Orbital.Prep.Inventory;

namespace Orbital.Prep.Waste;

/// <summary>One thing thrown away: in the product's base unit, and as the cook entered it.</summary>
public sealed record WasteEntry(
    Guid Id, string LocationId, string Sku, Guid? TransferUnitId, decimal Quantity, decimal EnteredQuantity, string EnteredUnit,
    string Reason, string? Note, string LoggedBy, DateTimeOffset LoggedAt);

/// <summary>
/// The waste log in <c>prep.waste</c>. Writing an entry takes the quantity off the location's on-hand in the same
/// transaction; an entry sent again with the same key by the same person finds the first one and changes nothing.
/// </summary>
public static class WasteLog
{
    /// <summary>Why food is thrown away, in the words a kitchen uses; "other" wants a note.</summary>
    public static readonly string[] Reasons = ["spoiled", "expired", "dropped", "burnt", "overproduced", "returned", "other"];

    public const int MaxNoteLength = 500;

    private const string Columns = "id, location_id, sku, transfer_unit_id, quantity, entered_quantity, entered_unit, reason, note, logged_by, logged_at";

    /// <summary>
    /// Records the entry and takes it off on-hand, unless this person already logged an entry with
    /// <paramref name="idempotencyKey"/>: then that first entry is the answer (Recorded false) and nothing moves.
    /// <paramref name="moveStock"/> is false when the caller moves the stock itself (a wasted transfer unit).
    /// </summary>
    public static async Task<(WasteEntry Entry, bool Recorded)> RecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, WasteEntry entry, Guid? scanId, string? idempotencyKey, bool moveStock,
        CancellationToken cancellationToken)
    {
        await using (var insert = new NpgsqlCommand(
            $"""
            INSERT INTO prep.waste ({Columns}, scan_id, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (logged_by, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = entry.Id });
            insert.Parameters.Add(new NpgsqlParameter { Value = entry.LocationId });
            insert.Parameters.Add(new NpgsqlParameter { Value = entry.Sku });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.TransferUnitId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            insert.Parameters.Add(new NpgsqlParameter { Value = entry.Quantity });
            insert.Parameters.Add(new NpgsqlParameter { Value = entry.EnteredQuantity });
            insert.Parameters.Add(new NpgsqlParameter { Value = entry.EnteredUnit });
            insert.Parameters.Add(new NpgsqlParameter { Value = entry.Reason });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.Note ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = entry.LoggedBy });
            insert.Parameters.Add(new NpgsqlParameter { Value = entry.LoggedAt });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)scanId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)idempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                // The same key's first entry committed before this one got its turn at the unique index.
                return (await FirstAsync(connection, transaction, entry.LoggedBy, idempotencyKey!, cancellationToken), false);
            }
        }

        if (moveStock)
        {
            await InventoryStore.ApplyAsync(connection, transaction, entry.LocationId, entry.Sku, -entry.Quantity, absolute: false, entry.LoggedBy, "waste",
                entry.LoggedAt, cancellationToken);
        }

        return (entry, true);
    }

    /// <summary>A location's waste since <paramref name="since"/>, latest first (at most 500 entries).</summary>
    public static async Task<List<WasteEntry>> SinceAsync(NpgsqlDataSource dataSource, string locationId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM prep.waste WHERE location_id = $1 AND logged_at >= $2 ORDER BY logged_at DESC, id DESC LIMIT 500");
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        command.Parameters.Add(new NpgsqlParameter { Value = since });
        var entries = new List<WasteEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(Read(reader));
        }

        return entries;
    }

    private static async Task<WasteEntry> FirstAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string by, string key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM prep.waste WHERE logged_by = $1 AND idempotency_key = $2", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    private static WasteEntry Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
        reader.GetDecimal(4), reader.GetDecimal(5), reader.GetString(6), reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10));
}
