using System.Text.Json;
using Microsoft.Extensions.Options;
using Orbital.Warehouse;
using Orbital.Batch.Batching;
using StackExchange.Redis;

namespace Orbital.Batch.ReferenceData;

/// <summary>
/// Stations, items and brands in memory, used on every order. Loaded from the warehouse (local PostgreSQL by default,
/// seeded with the demo menu; Snowflake when configured) and refreshed on a schedule. A failed refresh keeps the last good copy; with no copy at all the one last
/// written to Redis is used, and failing that the seed file shipped with the service. Each good load is written to
/// Redis so that another instance starting while PostgreSQL is down still batches with the real mappings.
/// </summary>
public sealed partial class ReferenceDataCache(
    IWarehouse warehouse,
    IConnectionMultiplexer redis,
    SeedMenu seed,
    IOptions<BatchingOptions> options,
    TimeProvider time,
    ILogger<ReferenceDataCache> logger) : BackgroundService
{
    public const string RedisKey = "orbital:batch:reference-data";

    private volatile Snapshot _current = new(KitchenReferenceData.Empty, ReferenceDataOrigin.None, DateTimeOffset.MinValue);

    public KitchenReferenceData Current => _current.Data;

    public ReferenceDataOrigin Origin => _current.Origin;

    public DateTimeOffset LoadedAt => _current.LoadedAt;

    /// <summary>Loads now; returns where the copy in use came from.</summary>
    public async Task<ReferenceDataOrigin> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var data = await ReferenceDataTables.ReadAsync(warehouse, timeout.Token);
            if (data.Items.Count > 0)
            {
                _current = new Snapshot(data, ReferenceDataOrigin.Database, time.GetUtcNow());
                await SaveToRedisAsync(data);
                return ReferenceDataOrigin.Database;
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.RefreshFailed(logger, _current.Origin.ToString(), ex.GetBaseException().Message);
        }

        if (_current.Origin is ReferenceDataOrigin.None or ReferenceDataOrigin.SeedFile && await LoadFromRedisAsync() is { } cached)
        {
            _current = new Snapshot(cached, ReferenceDataOrigin.RedisCache, time.GetUtcNow());
        }
        else if (_current.Origin == ReferenceDataOrigin.None)
        {
            _current = new Snapshot(seed.Load(), ReferenceDataOrigin.SeedFile, time.GetUtcNow());
        }

        return _current.Origin;
    }

    /// <summary>Makes sure some copy is loaded before the first order is batched.</summary>
    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_current.Origin == ReferenceDataOrigin.None)
        {
            await RefreshAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var origin = await RefreshAsync(stoppingToken);
            Log.Loaded(logger, origin.ToString(), _current.Data.Stations.Count, _current.Data.Items.Count);
            // Until the database answers, try again soon; afterwards on the configured schedule.
            var wait = origin == ReferenceDataOrigin.Database ? options.Value.ReferenceRefreshInterval : TimeSpan.FromSeconds(5);
            await Task.Delay(wait, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task SaveToRedisAsync(KitchenReferenceData data)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(RedisKey, JsonSerializer.SerializeToUtf8Bytes(data, ReferenceDataJson.Default.KitchenReferenceData));
        }
        catch (Exception ex)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }
    }

    private async Task<KitchenReferenceData?> LoadFromRedisAsync()
    {
        try
        {
            var value = await redis.GetDatabase().StringGetAsync(RedisKey);
            return value.IsNullOrEmpty ? null : JsonSerializer.Deserialize((byte[])value!, ReferenceDataJson.Default.KitchenReferenceData);
        }
        catch (Exception ex)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
            return null;
        }
    }

    private sealed record Snapshot(KitchenReferenceData Data, ReferenceDataOrigin Origin, DateTimeOffset LoadedAt);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Reference data refresh failed, keeping the copy from {Origin}: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string origin, string reason);

        [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "Reference data from {Origin}: {Stations} stations, {Items} items")]
        public static partial void Loaded(ILogger logger, string origin, int stations, int items);

        [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Redis unavailable for the reference data copy: {Reason}")]
        public static partial void RedisUnavailable(ILogger logger, string reason);
    }
}
