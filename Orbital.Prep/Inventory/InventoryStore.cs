using Npgsql;
using NpgsqlTypes;
using Orbital.Prep.Locations;

namespace Orbital.Prep.Inventory;

public sealed record OnHand(string Sku, decimal Quantity, DateTimeOffset UpdatedAt, string? UpdatedBy, string Source);

/// <summary>On-hand quantities (base units) in schema <c>prep</c>, per location of the registry.</summary>
public sealed class InventoryStore(NpgsqlDataSource dataSource, LocationRegistry locations)
{
    /// <summary>The location (from the shared registry of places) on-hand quantities are kept for.</summary>
    public Task<Location?> FindLocationAsync(string id, CancellationToken cancellationToken) => locations.FindAsync(id, cancellationToken);

    public async Task<Dictionary<string, OnHand>> OnHandAsync(string locationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT sku, quantity, updated_at, updated_by, source FROM prep.on_hand WHERE location_id = $1 ORDER BY sku");
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        var onHand = new Dictionary<string, OnHand>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            onHand[reader.GetString(0)] = new OnHand(reader.GetString(0), reader.GetDecimal(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4));
        }

        return onHand;
    }

    /// <summary>Sets (a count) or moves (a receipt, use or waste) on-hand for one product, inside the caller's transaction.</summary>
    public static async Task<decimal> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string locationId, string sku, decimal quantity, bool absolute,
        string by, string source, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO prep.on_hand (location_id, sku, quantity, updated_at, updated_by, source) VALUES ($1, $2, $3, $5, $6, $7)
            ON CONFLICT (location_id, sku) DO UPDATE SET
                quantity = CASE WHEN $4 THEN EXCLUDED.quantity ELSE prep.on_hand.quantity + EXCLUDED.quantity END,
                updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by, source = EXCLUDED.source
            RETURNING quantity
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        command.Parameters.Add(new NpgsqlParameter { Value = sku });
        command.Parameters.Add(new NpgsqlParameter { Value = quantity });
        command.Parameters.Add(new NpgsqlParameter { Value = absolute, NpgsqlDbType = NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        command.Parameters.Add(new NpgsqlParameter { Value = source });
        return (decimal)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
