using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orbital.Warehouse;
using StackExchange.Redis;

namespace Orbital.Places;

/// <summary>Where the copy in use came from.</summary>
public enum PlacesOrigin
{
    None,
    Warehouse,
    RedisCache,
    DemoFile,
}

/// <summary>
/// The places in memory, used on every order. Loaded from the warehouse (local PostgreSQL by default, seeded with the
/// demo setup; Snowflake when configured), again whenever a new setup is announced on Redis (so every instance of
/// every service has it within a second or two), and on a slow schedule in case an announcement was missed. A failed
/// load keeps the last good copy; with no copy at all the one last written to Redis is used, and failing that the
/// demo setup shipped with Orbital.
/// </summary>
public sealed partial class PlacesCache(
    IWarehouse warehouse,
    IConnectionMultiplexer redis,
    IOptions<PlacesOptions> options,
    TimeProvider time,
    ILogger<PlacesCache> logger) : BackgroundService
{
    public const string RedisKey = "orbital:places:setup";
    public const string ChangedChannel = "orbital:places:changed";

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Snapshot _current = new(KitchenMap.Empty, PlacesOrigin.None, DateTimeOffset.MinValue);
    private volatile TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public KitchenMap Current => _current.Places;

    public PlacesOrigin Origin => _current.Origin;

    public DateTimeOffset LoadedAt => _current.LoadedAt;

    /// <summary>Raised (on the loading thread) when a copy of another setup version comes into use.</summary>
    public event Action<KitchenMap>? Changed;

    /// <summary>Loads now; returns where the copy in use came from.</summary>
    public async Task<PlacesOrigin> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var places = await PlacesTables.ReadAsync(warehouse, timeout.Token);
                if (places.Version > 0)
                {
                    Use(places, PlacesOrigin.Warehouse);
                    await SaveToRedisAsync(places);
                    return PlacesOrigin.Warehouse;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.RefreshFailed(logger, _current.Origin.ToString(), ex.GetBaseException().Message);
            }

            if (_current.Origin is PlacesOrigin.None or PlacesOrigin.DemoFile && await LoadFromRedisAsync() is { } cached)
            {
                Use(cached, PlacesOrigin.RedisCache);
            }
            else if (_current.Origin == PlacesOrigin.None)
            {
                Use(new KitchenMap(DemoPlaces.Load(), 0), PlacesOrigin.DemoFile);
            }

            return _current.Origin;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Makes sure some copy is loaded before the first order is placed.</summary>
    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_current.Origin == PlacesOrigin.None)
        {
            await RefreshAsync(cancellationToken);
        }
    }

    /// <summary>Tells every instance (this one included) that a new setup is in the warehouse.</summary>
    public async Task AnnounceChangeAsync(long version)
    {
        _changed.TrySetResult();
        try
        {
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(ChangedChannel), version);
        }
        catch (Exception ex)
        {
            // The others pick it up at their next scheduled refresh.
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SubscribeAsync();
        while (!stoppingToken.IsCancellationRequested)
        {
            var origin = await RefreshAsync(stoppingToken);
            Log.Loaded(logger, origin.ToString(), _current.Places.Version, _current.Places.Kitchens.Count);
            // Until the warehouse answers, try again soon; afterwards on the schedule, or at once when a change is announced.
            var wait = origin == PlacesOrigin.Warehouse ? options.Value.RefreshInterval : TimeSpan.FromSeconds(5);
            var changed = _changed;
            await Task.WhenAny(changed.Task, Task.Delay(wait, time, stoppingToken));
            if (changed.Task.IsCompleted)
            {
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            var channel = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ChangedChannel));
            channel.OnMessage(message =>
            {
                if (long.TryParse(message.Message.ToString(), out var version) && version > _current.Places.Version)
                {
                    _changed.TrySetResult();
                }
            });
        }
        catch (Exception ex)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }
    }

    private void Use(KitchenMap places, PlacesOrigin origin)
    {
        var before = _current.Places.Version;
        _current = new Snapshot(places, origin, time.GetUtcNow());
        if (places.Version != before)
        {
            Changed?.Invoke(places);
        }
    }

    private async Task SaveToRedisAsync(KitchenMap places)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(RedisKey, JsonSerializer.SerializeToUtf8Bytes(new StoredPlaces(places.Version, places.Setup), StoredPlacesJson.Default.StoredPlaces));
        }
        catch (Exception ex)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }
    }

    private async Task<KitchenMap?> LoadFromRedisAsync()
    {
        try
        {
            var value = await redis.GetDatabase().StringGetAsync(RedisKey);
            return value.IsNullOrEmpty || JsonSerializer.Deserialize((byte[])value!, StoredPlacesJson.Default.StoredPlaces) is not { } stored
                ? null
                : new KitchenMap(stored.Setup, stored.Version);
        }
        catch (Exception ex)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
            return null;
        }
    }

    private sealed record Snapshot(KitchenMap Places, PlacesOrigin Origin, DateTimeOffset LoadedAt);

    private static partial class Log
    {
        [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Places refresh failed, keeping the copy from {Origin}: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string origin, string reason);

        [LoggerMessage(EventId = 7102, Level = LogLevel.Debug, Message = "Places from {Origin}: setup version {Version}, {Kitchens} kitchens")]
        public static partial void Loaded(ILogger logger, string origin, long version, int kitchens);

        [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "Redis unavailable for the places copy or its announcements: {Reason}")]
        public static partial void RedisUnavailable(ILogger logger, string reason);
    }
}

internal sealed record StoredPlaces(long Version, PlacesSetup Setup);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StoredPlaces))]
internal sealed partial class StoredPlacesJson : JsonSerializerContext;
