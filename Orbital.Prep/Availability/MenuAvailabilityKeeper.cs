using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Menus;
using Orbital.Messaging;
using Orbital.Messaging.Outbox;
using Orbital.Places;
using Orbital.Prep.Data;

namespace Orbital.Prep.Availability;

/// <summary>Section <c>Availability</c>: how often Prep looks whether menu items must come off sale or go back on.</summary>
public sealed class MenuAvailabilityOptions
{
    public const string SectionName = "Availability";

    /// <summary>The longest a change of stock waits to be seen (the order consumer wakes it at once).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan LookInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Keeps each store's menu in step with its kitchen's stock: a menu item (or modifier) whose recipe needs a prepped
/// product that is out at the kitchen (on hand at or below nothing, for a product the kitchen counts; or marked out by
/// a manager) is taken off sale at every store of its brand there, and put back when the product is in again. Each
/// change is one <see cref="MenuAvailabilityChange"/> per store, written to the outbox in the transaction that records
/// it, so Orders tells Otter and Batch shows it once each. One instance decides at a time (a transaction-level advisory
/// lock); the others skip their look.
/// </summary>
public sealed partial class MenuAvailabilityKeeper(
    NpgsqlDataSource dataSource, PrepSchema schema, PlacesCache places, TimeProvider time, IOptions<MenuAvailabilityOptions> options,
    ILogger<MenuAvailabilityKeeper> logger) : BackgroundService
{
    public const string RanOut = "ran_out", MarkedOut = "marked_out";
    private const long DecidingLock = 4242015;
    private static readonly TimeSpan MinimumBetweenLooks = TimeSpan.FromMilliseconds(500);
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Asks for a look now (stock just moved).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A look is already asked for.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await schema.WaitUntilReadyAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                var started = time.GetTimestamp();
                try
                {
                    await LookAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
                {
                    Log.LookFailed(logger, ex.GetBaseException().Message);
                }

                await _wake.WaitAsync(options.Value.LookInterval, stoppingToken);
                // A rush wakes it after every batch of orders: one look a half second is enough to follow it.
                if (time.GetElapsedTime(started) is var elapsed && elapsed < MinimumBetweenLooks)
                {
                    await Task.Delay(MinimumBetweenLooks - elapsed, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One look: what should be off sale now against what is, the difference recorded and published. Returns the changes published.</summary>
    public async Task<int> LookAsync(CancellationToken cancellationToken)
    {
        await places.EnsureLoadedAsync(cancellationToken);
        var map = places.Current;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({DecidingLock})", connection, transaction))
        {
            if (!(bool)(await lockCommand.ExecuteScalarAsync(cancellationToken))!)
            {
                return 0;
            }
        }

        var wanted = new Dictionary<(string Store, string Kind, string Sku), SuspendedItem>();
        foreach (var item in await NeededOffSaleAsync(connection, transaction, cancellationToken))
        {
            foreach (var store in map.StoresOf(item.LocationId).Where(s => s.BrandId == item.BrandId))
            {
                wanted[(store.StoreId, item.Kind, item.MenuSku)] = item with { StoreId = store.StoreId };
            }
        }

        var current = await OffSaleAsync(connection, transaction, cancellationToken);
        var now = time.GetUtcNow();
        var suspend = wanted.Where(w => !current.ContainsKey(w.Key)).Select(w => w.Value).ToList();
        var unsuspend = current.Where(c => !wanted.ContainsKey(c.Key)).Select(c => c.Value).ToList();
        // The passes hear first of what is about to run out, in the same look.
        var messages = await KitchenStockWarnings.LookAsync(connection, transaction, now, cancellationToken);
        if (suspend.Count == 0 && unsuspend.Count == 0)
        {
            await OutboxWriter.EnqueueAsync(connection, transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return messages.Count;
        }

        foreach (var store in suspend.Concat(unsuspend).GroupBy(i => i.StoreId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = store.First();
            var change = new MenuAvailabilityChange
            {
                ChangeId = Guid.CreateVersion7(now).ToString(),
                StoreId = store.Key,
                KitchenId = first.LocationId,
                BrandId = first.BrandId,
                DecidedAt = Timestamp.FromDateTimeOffset(now),
            };
            change.Suspended.AddRange(suspend.Where(i => i.StoreId == store.Key).OrderBy(i => i.MenuSku, StringComparer.Ordinal).Select(i =>
            {
                var item = new UnavailableItem { Sku = i.MenuSku, Name = i.Name ?? i.MenuSku, Reason = i.Reason };
                item.OutOf.AddRange(i.OutOf);
                return item;
            }));
            change.Unsuspended.AddRange(unsuspend.Where(i => i.StoreId == store.Key).Select(i => i.MenuSku).Order(StringComparer.Ordinal));
            messages.Add((Exchanges.MenuAvailability,
                new OutgoingMessage(change.ToByteArray(), change.ChangeId, MenuAvailabilityChange.Descriptor.FullName, ContentTypes.Protobuf),
                MessagingTelemetry.CaptureTraceContext()));
            Log.Changed(logger, store.Key, change.Suspended.Count, change.Unsuspended.Count);
        }

        await RecordAsync(connection, transaction, suspend, unsuspend, now, cancellationToken);
        await OutboxWriter.EnqueueAsync(connection, transaction, messages, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return messages.Count;
    }

    /// <summary>A menu item off sale (or to be) at a store, and why: the products it needs that are out.</summary>
    public sealed record SuspendedItem(
        string StoreId, string Kind, string MenuSku, string LocationId, string BrandId, string? Name, IReadOnlyList<string> OutOf, string Reason, DateTimeOffset Since);

    /// <summary>The menu items each location's stock says must be off sale, before they are spread over the stores.</summary>
    private async Task<List<SuspendedItem>> NeededOffSaleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            WITH needed AS (SELECT DISTINCT sku FROM prep.menu_recipe_components WHERE quantity > 0),
            out_here AS (
                -- Only products some recipe needs: the others cannot take anything off sale.
                SELECT h.location_id, h.sku, 'ran_out' AS reason FROM prep.on_hand h JOIN needed n ON n.sku = h.sku
                WHERE h.quantity <= 0
                  AND coalesce((SELECT a.auto_suspend FROM prep.location_availability a WHERE a.location_id = h.location_id), true)
                  AND (EXISTS (SELECT 1 FROM prep.counts c JOIN prep.count_lines l ON l.count_id = c.id WHERE c.location_id = h.location_id AND l.sku = h.sku)
                       OR EXISTS (SELECT 1 FROM prep.transfer_units t WHERE t.destination_location_id = h.location_id AND t.sku = h.sku AND t.received_at IS NOT NULL))
                UNION ALL
                SELECT location_id, sku, 'marked_out' FROM prep.marked_out)
            SELECT o.location_id, r.brand_id, r.kind, r.menu_sku, r.name, array_agg(DISTINCT p.name ORDER BY p.name), min(o.reason)
            FROM out_here o
            JOIN prep.menu_recipe_components c ON c.sku = o.sku AND c.quantity > 0
            JOIN prep.menu_recipes r ON r.brand_id = c.brand_id AND r.kind = c.kind AND r.menu_sku = c.menu_sku
            JOIN prep.products p ON p.sku = o.sku
            GROUP BY o.location_id, r.brand_id, r.kind, r.menu_sku, r.name
            """, connection, transaction);
        var items = new List<SuspendedItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new SuspendedItem("", reader.GetString(2), reader.GetString(3), reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<string[]>(5), reader.GetString(6), default));
        }

        return items;
    }

    private static async Task<Dictionary<(string Store, string Kind, string Sku), SuspendedItem>> OffSaleAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT store_id, kind, menu_sku, location_id, brand_id, name, out_of, reason, since FROM prep.suspended_menu_items", connection, transaction);
        var items = new Dictionary<(string, string, string), SuspendedItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var item = new SuspendedItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<string[]>(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8));
            items[(item.StoreId, item.Kind, item.MenuSku)] = item;
        }

        return items;
    }

    private static async Task RecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<SuspendedItem> suspend, List<SuspendedItem> unsuspend, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (unsuspend.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "DELETE FROM prep.suspended_menu_items s USING unnest($1::text[], $2::text[], $3::text[]) AS u (store_id, kind, menu_sku) WHERE (s.store_id, s.kind, s.menu_sku) = (u.store_id, u.kind, u.menu_sku)")
            {
                Parameters =
                {
                    new() { Value = unsuspend.Select(i => i.StoreId).ToArray() },
                    new() { Value = unsuspend.Select(i => i.Kind).ToArray() },
                    new() { Value = unsuspend.Select(i => i.MenuSku).ToArray() },
                },
            });
        }

        foreach (var item in suspend)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                INSERT INTO prep.suspended_menu_items (store_id, kind, menu_sku, location_id, brand_id, name, out_of, reason, since)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """)
            {
                Parameters =
                {
                    new() { Value = item.StoreId }, new() { Value = item.Kind }, new() { Value = item.MenuSku }, new() { Value = item.LocationId },
                    new() { Value = item.BrandId }, new() { Value = (object?)item.Name ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                    new() { Value = item.OutOf.ToArray() }, new() { Value = item.Reason }, new() { Value = now },
                },
            });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Store {StoreId}: {Suspended} menu items taken off sale, {Unsuspended} put back")]
        public static partial void Changed(ILogger logger, string storeId, int suspended, int unsuspended);

        [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Looking whether menu items must come off sale failed ({Reason}); looking again shortly")]
        public static partial void LookFailed(ILogger logger, string reason);
    }
}
