using System.Text.Json;
using Npgsql;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Contracts.Menus;
using Orbital.Messaging;

namespace Orbital.Batch.Kitchens;

/// <summary>A prepped product the kitchen is running short of: out, or running out at about <see cref="RunsOutAt"/>.</summary>
public sealed record Shortage(string Sku, string Name, string State, DateTimeOffset? RunsOutAt);

/// <summary>
/// Consumer of <c>stock_warnings</c>: keeps what each kitchen is running short of (Prep's newest snapshot per kitchen)
/// and tells the kitchen's pass, so the expeditor hears of it before the items go off sale.
/// </summary>
public sealed partial class Shortages(
    NpgsqlDataSource dataSource, BatchSchema schema, KitchenEventBus bus, TimeProvider time, ILogger<Shortages> logger) : IMessageHandler
{
    private const int MaxIdLength = 200, MaxWarnings = 500;

    public async Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var snapshot = Parse(message);
        await schema.WaitUntilReadyAsync(cancellationToken);
        var shortages = snapshot.Warnings.Select(w => new Shortage(w.Sku, w.Name, w.State, w.RunsOutAt?.ToDateTimeOffset())).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var upsert = new NpgsqlCommand(
            """
            INSERT INTO batch.stock_warnings AS w (kitchen_id, decided_at, warning_id, warnings) VALUES ($1, $2, $3, $4::jsonb)
            ON CONFLICT (kitchen_id) DO UPDATE SET decided_at = EXCLUDED.decided_at, warning_id = EXCLUDED.warning_id, warnings = EXCLUDED.warnings
            WHERE w.decided_at < EXCLUDED.decided_at OR (w.decided_at = EXCLUDED.decided_at AND w.warning_id < EXCLUDED.warning_id)
            """, connection, transaction))
        {
            upsert.Parameters.Add(new NpgsqlParameter { Value = snapshot.KitchenId });
            upsert.Parameters.Add(new NpgsqlParameter { Value = snapshot.DecidedAt.ToDateTimeOffset() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = snapshot.WarningId });
            upsert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(shortages, KitchenJson.Default.ListShortage) });
            if (await upsert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                Log.Older(logger, snapshot.KitchenId, snapshot.WarningId);
                return;
            }
        }

        var events = await BatchItemRows.AppendEventsAsync(connection, transaction, [KitchenChange.Of(snapshot.KitchenId, shortages)], time.GetUtcNow(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.Told(logger, snapshot.KitchenId, shortages.Count);
        await bus.PublishAsync(events);
    }

    /// <summary>What the kitchen is running short of now, for the pass's first paint.</summary>
    public static async Task<List<Shortage>> OfKitchenAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string kitchenId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT warnings::text FROM batch.stock_warnings WHERE kitchen_id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? JsonSerializer.Deserialize(json, KitchenJson.Default.ListShortage) ?? [] : [];
    }

    private static StockWarnings Parse(IncomingMessage message)
    {
        var snapshot = message.Read<StockWarnings>();
        var ids = new[] { snapshot.WarningId, snapshot.KitchenId }.Concat(snapshot.Warnings.SelectMany(w => new[] { w.Sku, w.Name, w.State }));
        return snapshot.WarningId.Length == 0 || snapshot.KitchenId.Length == 0 || snapshot.DecidedAt is null
            ? throw new PoisonMessageException("A StockWarnings needs an id, a kitchen and a time.")
            : snapshot.Warnings.Count > MaxWarnings || ids.Any(id => id.Length > MaxIdLength || id.Contains('\0', StringComparison.Ordinal))
                ? throw new PoisonMessageException($"A StockWarnings holds at most {MaxWarnings} warnings, each text at most {MaxIdLength} characters without NUL.")
                : snapshot;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2521, Level = LogLevel.Debug, Message = "Kitchen {KitchenId}: stock warning {WarningId} is older than the one held; nothing changed")]
        public static partial void Older(ILogger logger, string kitchenId, string warningId);

        [LoggerMessage(EventId = 2522, Level = LogLevel.Information, Message = "Kitchen {KitchenId} is running short of {Count} product(s)")]
        public static partial void Told(ILogger logger, string kitchenId, int count);
    }
}
