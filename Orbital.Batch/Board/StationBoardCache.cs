using System.Text.Json;
using Npgsql;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Places;
using StackExchange.Redis;

namespace Orbital.Batch.Board;

/// <summary>
/// The open batch items of each station of each kitchen, kept in Redis (a hash per kitchen station, item id → view) so that a screen that opens
/// paints at once without scanning the database. Every write, the periodic rebuild from PostgreSQL included, keeps the
/// highest version of each item, so instances writing in any order agree and a rebuild never undoes a newer change.
/// When Redis is down or a station has not been built yet, the board is read from PostgreSQL instead. Each board comes
/// with a watermark: an event id of its kitchen that the board already reflects, from which a screen follows the events.
/// </summary>
public sealed partial class StationBoardCache(
    IConnectionMultiplexer redis,
    NpgsqlDataSource dataSource,
    BatchSchema schema,
    PlacesCache places,
    TimeProvider time,
    ILogger<StationBoardCache> logger) : BackgroundService
{
    private static readonly TimeSpan RebuildInterval = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after its commit a change is surely in Redis (the committing instance writes it right after the commit).
    /// A board read from Redis is given the watermark of the events at least this old, so a screen replays the last
    /// few seconds rather than miss a change whose Redis write was still on its way.
    /// </summary>
    private static readonly TimeSpan RedisWriteAllowance = TimeSpan.FromSeconds(2);

    // KEYS: items hash, versions hash. ARGV: item id, version, view JSON or '' when the item left the board.
    private const string KeepNewest = """
        local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        if tonumber(ARGV[2]) <= current then return 0 end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
        return 1
        """;

    // Ids are free text (Otter's station ids): the kitchen's is length-prefixed so no pair of ids can name another's keys.
    private static string Board(string kitchenId, string stationId) => $"orbital:batch:board:{kitchenId.Length}:{kitchenId}:{stationId}";

    public static string ItemsKey(string kitchenId, string stationId) => $"{Board(kitchenId, stationId)}:items";

    public static string VersionsKey(string kitchenId, string stationId) => $"{Board(kitchenId, stationId)}:versions";

    public static string BuiltKey(string kitchenId, string stationId) => $"{Board(kitchenId, stationId)}:built";

    public async Task UpdateAsync(IEnumerable<BatchItemView> items, CancellationToken cancellationToken)
    {
        try
        {
            var database = redis.GetDatabase();
            var writes = items.Select(item => database.ScriptEvaluateAsync(
                KeepNewest,
                [ItemsKey(item.KitchenId, item.StationId), VersionsKey(item.KitchenId, item.StationId)],
                [item.Id, item.Version, IsOpen(item) ? JsonSerializer.Serialize(item, KitchenJson.Default.BatchItemView) : string.Empty]));
            await Task.WhenAll(writes).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }
    }

    /// <summary>
    /// The station's open batch items, from Redis when it has them, else from PostgreSQL; and the id of an event of the
    /// kitchen that the board reflects with everything before it.
    /// </summary>
    public async Task<(List<BatchItemView> Items, string Source, long LastEventId)> ReadAsync(string kitchenId, string stationId, CancellationToken cancellationToken)
    {
        try
        {
            var database = redis.GetDatabase();
            if (await database.KeyExistsAsync(BuiltKey(kitchenId, stationId)))
            {
                // Taken before the board is read: every change up to it is in Redis by now.
                var watermark = await SettledWatermarkAsync(kitchenId, cancellationToken);
                var entries = await database.HashValuesAsync(ItemsKey(kitchenId, stationId));
                var items = entries.Select(e => JsonSerializer.Deserialize((byte[])e!, KitchenJson.Default.BatchItemView)!)
                    .Where(IsOpen).OrderBy(i => i.FireAt).ThenBy(i => i.Id).ToList();
                return (items, "redis", watermark);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }

        var (fromDatabase, lastEventIds) = await ReadFromDatabaseAsync(kitchenId, stationId, cancellationToken);
        await TryMergeStationAsync(kitchenId, stationId, fromDatabase, cancellationToken);
        var lastEventId = lastEventIds.GetValueOrDefault(kitchenId);
        return (fromDatabase, "database", lastEventId);
    }

    /// <summary>Open batch items and each kitchen's last event, read in one snapshot, so the one is exactly as new as the other.</summary>
    public async Task<(List<BatchItemView> Items, Dictionary<string, long> LastEventIds)> ReadFromDatabaseAsync(
        string? kitchenId, string? stationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var items = new List<BatchItemView>();
        await using (var command = new NpgsqlCommand(
            $"SELECT {BatchItemRows.ViewColumns} FROM {BatchItemRows.ViewSource} WHERE bi.status IN ('pending', 'in_progress') AND ($1::text IS NULL OR bi.station_id = $1) AND ($2::text IS NULL OR bi.kitchen_id = $2) ORDER BY bi.fire_at, bi.id",
            connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)stationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)kitchenId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(BatchItemRows.ReadView(reader));
            }
        }

        var lastEventIds = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var last = new NpgsqlCommand("SELECT kitchen_id, last_id FROM batch.kitchen_event_counters", connection, transaction))
        await using (var reader = await last.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                lastEventIds[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return (items, lastEventIds);
    }

    private async Task<long> SettledWatermarkAsync(string kitchenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(id), 0) FROM batch.kitchen_events WHERE kitchen_id = $2 AND created_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() - RedisWriteAllowance });
        command.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitUntilReadyAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = RebuildInterval;
            try
            {
                await RebuildAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.RebuildFailed(logger, ex.GetBaseException().Message);
                wait = TimeSpan.FromSeconds(10);
            }

            await Task.Delay(wait, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RebuildAsync(CancellationToken cancellationToken)
    {
        var (open, _) = await ReadFromDatabaseAsync(kitchenId: null, stationId: null, cancellationToken);
        var stations = new HashSet<(string Kitchen, string Station)>(open.Select(i => (i.KitchenId, i.StationId)));
        stations.UnionWith(places.Current.Setup.Stations.Select(s => (s.KitchenId, s.Id)));

        foreach (var (kitchenId, stationId) in stations)
        {
            await MergeStationAsync(kitchenId, stationId, [.. open.Where(i => i.KitchenId == kitchenId && i.StationId == stationId)], cancellationToken);
        }

        Log.Rebuilt(logger, stations.Count, open.Count);
    }

    /// <summary>
    /// Brings a station's board up to what PostgreSQL held when <paramref name="open"/> was read, without undoing anything
    /// newer: each item is written only over an older version, and an item on the board that the snapshot did not hold
    /// open is looked up again and removed only if it is closed now (it may have been created after the snapshot).
    /// </summary>
    private async Task MergeStationAsync(string kitchenId, string stationId, List<BatchItemView> open, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        await UpdateAsync(open, cancellationToken);
        var onBoard = (await database.HashKeysAsync(ItemsKey(kitchenId, stationId))).Select(k => (long)k).ToHashSet();
        onBoard.ExceptWith(open.Select(i => i.Id));
        if (onBoard.Count > 0)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var now = await BatchItemRows.ReadViewsAsync(connection, null, [.. onBoard], cancellationToken);
            var gone = onBoard.Except(now.Select(i => i.Id)).ToArray();
            await UpdateAsync(now, cancellationToken);
            if (gone.Length > 0)
            {
                await database.HashDeleteAsync(ItemsKey(kitchenId, stationId), [.. gone.Select(id => (RedisValue)id)]);
            }
        }

        await PruneVersionsAsync(database, kitchenId, stationId, cancellationToken);
        await database.StringSetAsync(BuiltKey(kitchenId, stationId), time.GetUtcNow().ToString("O"));
    }

    /// <summary>
    /// Forgets the versions of items that left the board a while ago (closed for over a minute, or gone from PostgreSQL),
    /// so the versions hash does not grow with every item ever cooked. A recent one is kept: it still turns away a late,
    /// older write that would put a bumped item back on the board.
    /// </summary>
    private async Task PruneVersionsAsync(IDatabase database, string kitchenId, string stationId, CancellationToken cancellationToken)
    {
        var onBoard = (await database.HashKeysAsync(ItemsKey(kitchenId, stationId))).Select(k => (long)k).ToHashSet();
        var offBoard = (await database.HashKeysAsync(VersionsKey(kitchenId, stationId))).Select(k => (long)k).Where(id => !onBoard.Contains(id)).ToArray();
        if (offBoard.Length == 0)
        {
            return;
        }

        await using var command = dataSource.CreateCommand(
            """
            SELECT wanted.id FROM unnest($1::bigint[]) AS wanted(id)
            LEFT JOIN batch.batch_items bi ON bi.id = wanted.id
            WHERE bi.id IS NULL OR (bi.status IN ('done', 'voided') AND bi.updated_at < $2)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = offBoard });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() - TimeSpan.FromMinutes(1) });
        var forget = new List<RedisValue>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                forget.Add(reader.GetInt64(0));
            }
        }

        if (forget.Count > 0)
        {
            await database.HashDeleteAsync(VersionsKey(kitchenId, stationId), [.. forget]);
        }
    }

    private async Task TryMergeStationAsync(string kitchenId, string stationId, List<BatchItemView> items, CancellationToken cancellationToken)
    {
        try
        {
            await MergeStationAsync(kitchenId, stationId, items, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }
    }

    private static bool IsOpen(BatchItemView item) => item.Status is "pending" or "in_progress";

    private static partial class Log
    {
        [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Station boards not updated in Redis (screens read PostgreSQL meanwhile): {Reason}")]
        public static partial void RedisUnavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = 2502, Level = LogLevel.Warning, Message = "Station boards not rebuilt, trying again soon: {Reason}")]
        public static partial void RebuildFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2503, Level = LogLevel.Debug, Message = "Station boards rebuilt: {Stations} stations, {Items} open batch items")]
        public static partial void Rebuilt(ILogger logger, int stations, int items);
    }
}
