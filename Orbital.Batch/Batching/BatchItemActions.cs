using Npgsql;
using NpgsqlTypes;
using Orbital.Batch.Board;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Batch.Expo;
using Orbital.Places;
using Microsoft.Extensions.Options;

namespace Orbital.Batch.Batching;

public enum KitchenAction
{
    Start,
    Complete,
    Recall,
}

public enum ActionResult
{
    Done,
    NotFound,
    /// <summary>Another screen got there first, or the item is not in a state this action applies to.</summary>
    Conflict,
}

/// <summary>
/// What a cook does at a screen: start a batch item (a cooking session begins), complete it (bump), recall a bumped
/// one. Each is one conditional update, so when two screens act on the same item one wins and the other gets a
/// conflict; a session row records who did what when, for comparing cook times with prep times later.
/// </summary>
public sealed class BatchItemActions(
    NpgsqlDataSource dataSource,
    KitchenEventBus bus,
    StationBoardCache board,
    PlacesCache places,
    IOptions<BatchingOptions> options,
    TimeProvider time)
{
    /// <param name="kitchens">The kitchens the caller may work (null: every one); another kitchen's item is not found.</param>
    public async Task<(ActionResult Result, BatchItemView? Item)> ApplyAsync(
        long id, KitchenAction action, long? expectedVersion, string? by, IReadOnlyList<string>? kitchens, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var (from, to, eventType) = action switch
        {
            KitchenAction.Start => (new[] { "pending" }, "in_progress", KitchenEventTypes.Started),
            KitchenAction.Complete => (new[] { "pending", "in_progress" }, "done", KitchenEventTypes.Completed),
            KitchenAction.Recall => (new[] { "done" }, "in_progress", KitchenEventTypes.Recalled),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };

        await using var update = new NpgsqlCommand(
            """
            UPDATE batch.batch_items SET status = $3, updated_at = $4, version = version + 1, changed = false,
                   started_at = CASE WHEN $3 = 'in_progress' THEN $4 ELSE started_at END,
                   completed_at = CASE WHEN $3 = 'done' THEN $4 ELSE NULL END
            WHERE id = $1 AND status = ANY($2) AND ($5::bigint IS NULL OR version = $5) AND ($6::text[] IS NULL OR kitchen_id = ANY($6))
            RETURNING kitchen_id, station_id, sku, quantity
            """, connection, transaction);
        update.Parameters.Add(new NpgsqlParameter { Value = id });
        update.Parameters.Add(new NpgsqlParameter { Value = from });
        update.Parameters.Add(new NpgsqlParameter { Value = to });
        update.Parameters.Add(new NpgsqlParameter { Value = now });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)expectedVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)kitchens?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        string kitchenId, stationId, sku;
        int quantity;
        await using (var reader = await update.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                await reader.DisposeAsync();
                var current = (await BatchItemRows.ReadViewsAsync(connection, transaction, [id], cancellationToken)).FirstOrDefault();
                // Another kitchen's item is, to this caller, no item at all.
                return current is null || (kitchens is not null && !kitchens.Contains(current.KitchenId))
                    ? (ActionResult.NotFound, null)
                    : (ActionResult.Conflict, current);
            }

            (kitchenId, stationId, sku, quantity) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3));
        }

        await RecordSessionAsync(connection, transaction, id, action, kitchenId, stationId, sku, quantity, by, now, cancellationToken);
        var view = (await BatchItemRows.ReadViewsAsync(connection, transaction, [id], cancellationToken)).Single();
        // The orders this item serves move on at the pass: ready to pack once their last line is bumped.
        var orders = await PassRows.OrdersOfItemsAsync(connection, transaction, [id], cancellationToken);
        var map = places.Current;
        await PassRows.RefreshAsync(connection, transaction, orders, [.. map.Kitchens.Where(k => !k.HasExpo).Select(k => k.Id)], now, cancellationToken);
        // In a kitchen without an expo, the last bump makes an order ready: Otter hears of it.
        await TellingOtter.EnqueueAsync(connection, transaction, orders, estimates: null, now, cancellationToken);
        List<KitchenChange> changes = [KitchenChange.Of(eventType, view)];
        if (map.Kitchen(kitchenId)?.HasExpo == true)
        {
            changes.AddRange((await PassRows.ReadViewsAsync(connection, transaction, orders, cancellationToken)).Select(KitchenChange.Of));
        }

        var events = await BatchItemRows.AppendEventsAsync(connection, transaction, changes, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        await bus.PublishAsync(events);
        await board.UpdateAsync([view], cancellationToken);
        return (ActionResult.Done, view);
    }

    private async Task RecordSessionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long id, KitchenAction action, string kitchenId, string stationId, string sku, int quantity,
        string? by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (action == KitchenAction.Complete)
        {
            await using var close = new NpgsqlCommand(
                """
                UPDATE batch.batch_item_sessions SET completed_at = $2, completed_by = $3, completed_quantity = $4, updated_at = $2
                WHERE batch_item_id = $1 AND completed_at IS NULL
                """, connection, transaction);
            close.Parameters.Add(new NpgsqlParameter { Value = id });
            close.Parameters.Add(new NpgsqlParameter { Value = now });
            close.Parameters.Add(new NpgsqlParameter { Value = (object?)by ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            close.Parameters.Add(new NpgsqlParameter { Value = quantity });
            if (await close.ExecuteNonQueryAsync(cancellationToken) > 0)
            {
                return;
            }
        }

        // A start or a recall opens a session; a bump without a start records one that started and ended at once.
        // Brands at one kitchen share batch items: the kitchen's first brand that sells the SKU gives the planned time.
        var planned = places.Current.MenuItem(kitchenId, brandId: null, sku)?.PrepSeconds ?? (int)options.Value.DefaultPrepTime.TotalSeconds;
        await using var open = new NpgsqlCommand(
            """
            INSERT INTO batch.batch_item_sessions (batch_item_id, station_id, sku, quantity, planned_prep_seconds, started_at, started_by,
                                                   completed_at, completed_by, completed_quantity, updated_at, kitchen_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $6, $11)
            """, connection, transaction);
        var completed = action == KitchenAction.Complete;
        open.Parameters.Add(new NpgsqlParameter { Value = id });
        open.Parameters.Add(new NpgsqlParameter { Value = stationId });
        open.Parameters.Add(new NpgsqlParameter { Value = sku });
        open.Parameters.Add(new NpgsqlParameter { Value = quantity });
        open.Parameters.Add(new NpgsqlParameter { Value = planned });
        open.Parameters.Add(new NpgsqlParameter { Value = now });
        open.Parameters.Add(new NpgsqlParameter { Value = (object?)by ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        open.Parameters.Add(new NpgsqlParameter { Value = completed ? now : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        open.Parameters.Add(new NpgsqlParameter { Value = completed ? (object?)by ?? DBNull.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        open.Parameters.Add(new NpgsqlParameter { Value = completed ? quantity : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        open.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
        await open.ExecuteNonQueryAsync(cancellationToken);
    }
}
