using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Batch.Batching;
using Orbital.Batch.ReferenceData;
using Orbital.Contracts;
using Orbital.Warehouse;
using Orbital.Tests.Infrastructure;
using StackExchange.Redis;

namespace Orbital.Tests.Batch;

/// <summary>The reference data cache against the real local warehouse and Redis of the running system, and without them.</summary>
[Collection(OrbitalCollection.Name)]
public sealed class Reference_data_survives_its_sources_going_away(OrbitalAppFixture orbital)
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

        Assert.Equal(ReferenceDataOrigin.Database, await cache.RefreshAsync(cancellationToken));
        var loaded = cache.Current;
        await forwarder.CutAsync();

        Assert.Equal(ReferenceDataOrigin.Database, await cache.RefreshAsync(cancellationToken));
        Assert.Same(loaded, cache.Current);
        Assert.Equal("grill", cache.Current.ItemsBySku["burger"].StationId);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Without_the_database_an_instance_starts_with_the_copy_in_redis_and_without_both_with_the_seed_file()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var unreachable = new NpgsqlConnectionStringBuilder(await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase)) { Port = new TcpForwarder(0).Port, Timeout = 2 };
        await using var deadDatabase = NpgsqlDataSource.Create(unreachable.ConnectionString);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.Redis));
        // The copy the running Batch service wrote when it loaded the reference tables.
        var written = await Poll.UntilAsync(_ => redis.GetDatabase().StringGetAsync(ReferenceDataCache.RedisKey),
            value => !value.IsNullOrEmpty, TimeSpan.FromSeconds(30), "the Batch service to write its reference data to Redis");
        Assert.Contains("\"fries\"", written.ToString(), StringComparison.Ordinal);

        var fromRedis = Cache(deadDatabase, redis);
        Assert.Equal(ReferenceDataOrigin.RedisCache, await fromRedis.RefreshAsync(cancellationToken));
        Assert.Equal("fryer", fromRedis.Current.ItemsBySku["fries"].StationId);

        await using var deadRedis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{new TcpForwarder(0).Port},abortConnect=false,connectTimeout=500,syncTimeout=500,asyncTimeout=500");
        var fromSeed = Cache(deadDatabase, deadRedis);
        Assert.Equal(ReferenceDataOrigin.SeedFile, await fromSeed.RefreshAsync(cancellationToken));
        Assert.Equal(new SeedMenu().Load().Items.Count, fromSeed.Current.Items.Count);
    }

    private static ReferenceDataCache Cache(NpgsqlDataSource dataSource, IConnectionMultiplexer redis) =>
        new(new LocalWarehouse(dataSource, Options.Create(new WarehouseOptions())), redis, new SeedMenu(), Options.Create(new BatchingOptions()), TimeProvider.System, NullLogger<ReferenceDataCache>.Instance);
}
