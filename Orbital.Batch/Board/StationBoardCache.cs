using System.Text.Json;
using Npgsql;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using StackExchange.Redis;

namespace Orbital.Batch.Board;

/// <summary>
/// The open batch items of each station, kept in Redis (a hash per station, item id → view) so that a screen that opens
/// paints at once without scanning the database. Writes keep the highest version of each item, so instances writing
/// in any order agree; the whole cache is rebuilt from PostgreSQL at start and every few minutes. When Redis is down or
/// a station has not been built yet, the board is read from PostgreSQL instead.
/// </summary>
public sealed partial class StationBoardCache(
    IConnectionMultiplexer redis,
    NpgsqlDataSource dataSource,
    BatchSchema schema,
    Orbital.Batch.ReferenceData.ReferenceDataCache reference,
    TimeProvider time,
    ILogger<StationBoardCache> logger) : BackgroundService
{
    private static readonly TimeSpan RebuildInterval = TimeSpan.FromMinutes(5);

    // KEYS: items hash, versions hash. ARGV: item id, version, view JSON or '' when the item left the board.
    private const string KeepNewest = """
        local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        if tonumber(ARGV[2]) <= current then return 0 end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
        return 1
        """;

    public static string ItemsKey(string stationId) => $"orbital:batch:board:{stationId}:items";

    public static string VersionsKey(string stationId) => $"orbital:batch:board:{stationId}:versions";

    public static string BuiltKey(string stationId) => $"orbital:batch:board:{stationId}:built";

    public async Task UpdateAsync(IEnumerable<BatchItemView> items, CancellationToken cancellationToken)
    {
        try
        {
            var database = redis.GetDatabase();
            var writes = items.Select(item => database.ScriptEvaluateAsync(
                KeepNewest,
                [ItemsKey(item.StationId), VersionsKey(item.StationId)],
                [item.Id, item.Version, IsOpen(item) ? JsonSerializer.Serialize(item, KitchenJson.Default.BatchItemView) : string.Empty]));
            await Task.WhenAll(writes).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }
    }

    /// <summary>The station's open batch items, from Redis when it has them, else from PostgreSQL.</summary>
    public async Task<(List<BatchItemView> Items, string Source)> ReadAsync(string stationId, CancellationToken cancellationToken)
    {
        try
        {
            var database = redis.GetDatabase();
            if (await database.KeyExistsAsync(BuiltKey(stationId)))
            {
                var entries = await database.HashValuesAsync(ItemsKey(stationId));
                var items = entries.Select(e => JsonSerializer.Deserialize((byte[])e!, KitchenJson.Default.BatchItemView)!)
                    .Where(IsOpen).OrderBy(i => i.FireAt).ThenBy(i => i.Id).ToList();
                return (items, "redis");
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }

        var fromDatabase = await ReadFromDatabaseAsync(stationId, cancellationToken);
        await TryWriteStationAsync(stationId, fromDatabase);
        return (fromDatabase, "database");
    }

    public async Task<List<BatchItemView>> ReadFromDatabaseAsync(string? stationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {BatchItemRows.ViewColumns} FROM batch.batch_items bi WHERE bi.status IN ('pending', 'in_progress') AND ($1::text IS NULL OR bi.station_id = $1) ORDER BY bi.fire_at, bi.id");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)stationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var items = new List<BatchItemView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(BatchItemRows.ReadView(reader));
        }

        return items;
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
        var open = await ReadFromDatabaseAsync(stationId: null, cancellationToken);
        var stations = new HashSet<string>(open.Select(i => i.StationId), StringComparer.Ordinal);
        stations.UnionWith(reference.Current.Stations.Select(s => s.Id));

        foreach (var stationId in stations)
        {
            await WriteStationAsync(stationId, [.. open.Where(i => i.StationId == stationId)]);
        }

        Log.Rebuilt(logger, stations.Count, open.Count);
    }

    /// <summary>Replaces a station's board with what PostgreSQL holds and marks it complete.</summary>
    private async Task WriteStationAsync(string stationId, List<BatchItemView> items)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.KeyDeleteAsync([ItemsKey(stationId), VersionsKey(stationId)]);
        if (items.Count > 0)
        {
            _ = transaction.HashSetAsync(ItemsKey(stationId), [.. items.Select(i => new HashEntry(i.Id, JsonSerializer.Serialize(i, KitchenJson.Default.BatchItemView)))]);
            _ = transaction.HashSetAsync(VersionsKey(stationId), [.. items.Select(i => new HashEntry(i.Id, i.Version))]);
        }

        _ = transaction.StringSetAsync(BuiltKey(stationId), time.GetUtcNow().ToString("O"));
        await transaction.ExecuteAsync();
    }

    private async Task TryWriteStationAsync(string stationId, List<BatchItemView> items)
    {
        try
        {
            await WriteStationAsync(stationId, items);
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
