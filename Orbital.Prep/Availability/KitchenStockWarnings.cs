using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Menus;
using Orbital.Messaging;
using Orbital.Prep.Depletion;

namespace Orbital.Prep.Availability;

/// <summary>
/// What each kitchen is running short of, told to its pass before it runs out: every product a recipe needs that the
/// kitchen keeps count of and that is out, or runs out within <see cref="LiveStock.WarnWithin"/> at the last hour's
/// rate. Compared with what was last told (<c>prep.stock_warnings</c>); a kitchen whose list changed (a product in or
/// out of it, another state, or a run-out time moved by <see cref="Moved"/> or more) gets the whole list again as a
/// <see cref="StockWarnings"/> message. Runs inside <see cref="MenuAvailabilityKeeper"/>'s look, under its lock.
/// </summary>
public static class KitchenStockWarnings
{
    public static readonly TimeSpan Moved = TimeSpan.FromMinutes(10);

    private sealed record Warning(string Sku, string Name, string State, DateTimeOffset? RunsOutAt);

    public static async Task<List<(string Exchange, OutgoingMessage Message, Dictionary<string, string> TraceHeaders)>> LookAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var wanted = await ShortNowAsync(connection, transaction, now, cancellationToken);
        var told = await ToldAsync(connection, transaction, cancellationToken);
        var messages = new List<(string, OutgoingMessage, Dictionary<string, string>)>();
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var location in wanted.Keys.Union(told.Keys).Order(StringComparer.Ordinal))
        {
            var shortNow = wanted.GetValueOrDefault(location) ?? [];
            var before = told.GetValueOrDefault(location) ?? [];
            if (Same(shortNow, before))
            {
                continue;
            }

            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM prep.stock_warnings WHERE location_id = $1") { Parameters = { new() { Value = location } } });
            if (shortNow.Count > 0)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    "INSERT INTO prep.stock_warnings (location_id, sku, state, runs_out_at) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::timestamptz[])")
                {
                    Parameters =
                    {
                        new() { Value = location },
                        new() { Value = shortNow.Select(w => w.Sku).ToArray() },
                        new() { Value = shortNow.Select(w => w.State).ToArray() },
                        new() { Value = shortNow.Select(w => (object?)w.RunsOutAt?.ToUniversalTime() ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz },
                    },
                });
            }

            var snapshot = new StockWarnings { WarningId = Guid.CreateVersion7(now).ToString(), KitchenId = location, DecidedAt = Timestamp.FromDateTimeOffset(now) };
            snapshot.Warnings.AddRange(shortNow.Select(w => new StockWarning
            {
                Sku = w.Sku, Name = w.Name, State = w.State, RunsOutAt = w.RunsOutAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
            }));
            messages.Add((Exchanges.StockWarnings,
                new OutgoingMessage(snapshot.ToByteArray(), snapshot.WarningId, StockWarnings.Descriptor.FullName, ContentTypes.Protobuf),
                MessagingTelemetry.CaptureTraceContext()));
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        return messages;
    }

    /// <summary>The same list: the same products in the same states, run-out times within <see cref="Moved"/>.</summary>
    private static bool Same(List<Warning> now, List<Warning> before) =>
        now.Count == before.Count && now.All(w => before.FirstOrDefault(b => b.Sku == w.Sku) is { } b && b.State == w.State
            && (w.RunsOutAt is null) == (b.RunsOutAt is null) && (w.RunsOutAt is null || (w.RunsOutAt.Value - b.RunsOutAt!.Value).Duration() < Moved));

    private static async Task<Dictionary<string, List<Warning>>> ShortNowAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            WITH needed AS (SELECT DISTINCT sku FROM prep.menu_recipe_components WHERE quantity > 0),
            used AS (
                SELECT s.location_id, u.sku, sum(u.quantity) AS quantity FROM prep.sold_orders s JOIN prep.order_usage u ON u.order_id = s.order_id
                WHERE s.ordered_at > $1 GROUP BY s.location_id, u.sku)
            SELECT h.location_id, h.sku, p.name, h.quantity, coalesce(used.quantity, 0)
            FROM prep.on_hand h JOIN needed n ON n.sku = h.sku JOIN prep.products p ON p.sku = h.sku
            LEFT JOIN used ON used.location_id = h.location_id AND used.sku = h.sku
            WHERE (h.quantity <= 0 OR used.quantity IS NOT NULL)
              AND (EXISTS (SELECT 1 FROM prep.counts c JOIN prep.count_lines l ON l.count_id = c.id WHERE c.location_id = h.location_id AND l.sku = h.sku)
                   OR EXISTS (SELECT 1 FROM prep.transfer_units t WHERE t.destination_location_id = h.location_id AND t.sku = h.sku AND t.received_at IS NOT NULL))
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = (now - LiveStock.RateWindow).ToUniversalTime() });
        var warnings = new Dictionary<string, List<Warning>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var level = LiveStock.Level(reader.GetString(1), reader.GetString(2), "", reader.GetDecimal(3), reader.GetDecimal(4), now, null, null);
            if (level.State != "ok")
            {
                var location = reader.GetString(0);
                (warnings.TryGetValue(location, out var list) ? list : warnings[location] = []).Add(new Warning(level.Sku, level.Name, level.State, level.RunsOutAt));
            }
        }

        return warnings;
    }

    private static async Task<Dictionary<string, List<Warning>>> ToldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT w.location_id, w.sku, coalesce(p.name, w.sku), w.state, w.runs_out_at FROM prep.stock_warnings w LEFT JOIN prep.products p ON p.sku = w.sku",
            connection, transaction);
        var told = new Dictionary<string, List<Warning>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var location = reader.GetString(0);
            (told.TryGetValue(location, out var list) ? list : told[location] = []).Add(new Warning(reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return told;
    }
}
