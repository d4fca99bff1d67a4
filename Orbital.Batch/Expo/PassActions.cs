using Npgsql;
using NpgsqlTypes;
using Orbital.Batch.Data;
using Orbital.Batch.Events;

namespace Orbital.Batch.Expo;

public enum PassAction
{
    /// <summary>Packed: the order waits at the pass for its courier or guest.</summary>
    Ready,
    HandOff,
    /// <summary>Undoes the last step: handed off back to ready, ready back to ready to pack.</summary>
    Recall,
}

/// <summary>
/// What the expeditor does at the pass, each one conditional update of the order's row: two expo screens acting on
/// one order at once get one success and one conflict, and the kitchen's stream hears of the change.
/// </summary>
public sealed class PassActions(NpgsqlDataSource dataSource, KitchenEventBus bus, TimeProvider time)
{
    /// <param name="force">Mark ready though lines are not bumped (a station forgot to bump); never silently.</param>
    public async Task<(PassActionResult Result, PassOrderView? Order)> ApplyAsync(
        string kitchenId, string orderId, PassAction action, long? expectedVersion, bool force, string? by, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var set = action switch
        {
            PassAction.Ready => """
                ready_at = $3, ready_marked_by = $4
                WHERE ready_at IS NULL AND handed_off_at IS NULL AND ($5 OR ready_to_pack_at IS NOT NULL)
                """,
            PassAction.HandOff => """
                handed_off_at = $3, handed_off_by = $4
                WHERE ready_at IS NOT NULL AND handed_off_at IS NULL
                """,
            PassAction.Recall => """
                handed_off_at = NULL, handed_off_by = NULL,
                ready_at = CASE WHEN handed_off_at IS NULL THEN NULL ELSE ready_at END,
                ready_marked_by = CASE WHEN handed_off_at IS NULL THEN NULL ELSE ready_marked_by END
                WHERE (ready_at IS NOT NULL OR handed_off_at IS NOT NULL)
                """,
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
        await using (var update = new NpgsqlCommand(
            $"""
            UPDATE batch.orders SET expo_version = expo_version + 1, {set}
              AND order_id = $1 AND kitchen_id = $2 AND status NOT IN ('Canceled', 'Rejected') AND ($6::bigint IS NULL OR expo_version = $6)
            """, connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = orderId });
            update.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
            update.Parameters.Add(new NpgsqlParameter { Value = now });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)by ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            update.Parameters.Add(new NpgsqlParameter { Value = force });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)expectedVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            var changed = await update.ExecuteNonQueryAsync(cancellationToken) == 1;
            var current = (await PassRows.ReadViewsAsync(connection, transaction, [orderId], cancellationToken)).SingleOrDefault();
            if (current is null || current.KitchenId != kitchenId)
            {
                return (PassActionResult.NotFound, null);
            }

            if (!changed)
            {
                return (PassActionResult.Conflict, current);
            }

            await TellingOtter.EnqueueAsync(connection, transaction, [orderId], estimates: null, now, cancellationToken);
            var events = await BatchItemRows.AppendEventsAsync(connection, transaction, [KitchenChange.Of(current)], now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            await bus.PublishAsync(events);
            return (PassActionResult.Done, current);
        }
    }
}

public enum PassActionResult
{
    Done,
    NotFound,
    Conflict,
}
