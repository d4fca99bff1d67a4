using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Places;
using Orbital.Contracts;
using Orbital.Warehouse;
using Orbital.Tests.Infrastructure;
using StackExchange.Redis;

namespace Orbital.Tests.Batch;

/// <summary>The places cache against the real local warehouse and Redis of the running system, and without them.</summary>
[Collection(OrbitalCollection.Name)]
public sealed class The_places_survive_their_sources_going_away(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_failed_refresh_keeps_the_last_good_copy()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = new NpgsqlConnectionStringBuilder(await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase));
        await using var forwarder = new TcpForwarder(database.Port);
        forwarder.Start();
        database.Port = forwarder.Port;
        database.Timeout = 2;
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.Redis));
        var cache = Cache(dataSource, redis);

        Assert.Equal(PlacesOrigin.Warehouse, await cache.RefreshAsync(cancellationToken));
        var loaded = cache.Current;
        await forwarder.CutAsync();

        Assert.Equal(PlacesOrigin.Warehouse, await cache.RefreshAsync(cancellationToken));
        Assert.Same(loaded, cache.Current);
        Assert.Equal("grill", cache.Current.MenuItem("london", "smash-club", "burger")?.StationId);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Without_the_warehouse_an_instance_starts_with_the_copy_in_redis_and_without_both_with_the_demo_setup()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var unreachable = new NpgsqlConnectionStringBuilder(await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase)) { Port = new TcpForwarder(0).Port, Timeout = 2 };
        await using var deadDatabase = NpgsqlDataSource.Create(unreachable.ConnectionString);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.Redis));
        // The copy the running Batch service wrote when it loaded the setup.
        var written = await Poll.UntilAsync(_ => redis.GetDatabase().StringGetAsync(PlacesCache.RedisKey),
            value => !value.IsNullOrEmpty, TimeSpan.FromSeconds(30), "the Batch service to write its places to Redis");
        Assert.Contains("\"fries\"", written.ToString(), StringComparison.Ordinal);

        var fromRedis = Cache(deadDatabase, redis);
        Assert.Equal(PlacesOrigin.RedisCache, await fromRedis.RefreshAsync(cancellationToken));
        Assert.Equal("fryer", fromRedis.Current.MenuItem("austin", "fry-society", "fries")?.StationId);
        Assert.True(fromRedis.Current.Version > 0);

        await using var deadRedis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{new TcpForwarder(0).Port},abortConnect=false,connectTimeout=500,syncTimeout=500,asyncTimeout=500");
        var fromDemo = Cache(deadDatabase, deadRedis);
        Assert.Equal(PlacesOrigin.DemoFile, await fromDemo.RefreshAsync(cancellationToken));
        Assert.Equal(DemoPlaces.Load().MenuItems.Count, fromDemo.Current.Setup.MenuItems.Count);
    }

    private static PlacesCache Cache(NpgsqlDataSource dataSource, IConnectionMultiplexer redis) =>
        new(new LocalWarehouse(dataSource, Options.Create(new WarehouseOptions())), redis, Options.Create(new PlacesOptions()), TimeProvider.System, NullLogger<PlacesCache>.Instance);
}
