using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Orbital.Places;
using Orbital.Prep.Locations;
using Orbital.Tests.Infrastructure;
using Orbital.Warehouse;
using StackExchange.Redis;

namespace Orbital.Tests.Prep;

/// <summary>
/// A location's "today" (the default prep-list date, a report's date, a count's business day) is its business day in
/// its own time zone, on a <see cref="FakeTimeProvider"/>; the places are the demo setup (the cache's last resort
/// when neither the warehouse nor Redis answers).
/// </summary>
public sealed class A_locations_dates_follow_its_own_clock
{
    [Fact]
    public async Task Austin_and_london_are_on_different_days_at_the_same_instant_and_austin_catches_up_at_its_own_four_oclock()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 5, 0, 0, TimeSpan.Zero));
        var registry = new LocationRegistry(await DemoPlacesAsync(clock), writer: null!, clock);

        Assert.Equal(new DateOnly(2026, 11, 30), registry.Today("london"));
        Assert.Equal(new DateOnly(2026, 11, 29), registry.Today("austin"));
        Assert.Equal(TimeSpan.FromHours(-6), registry.Now("austin").Offset);
        Assert.Equal(23, registry.Now("austin").Hour);

        clock.Advance(TimeSpan.FromHours(5) - TimeSpan.FromMinutes(1)); // 03:59 in Austin
        Assert.Equal(new DateOnly(2026, 11, 29), registry.Today("austin"));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new DateOnly(2026, 11, 30), registry.Today("austin"));
        // A location the setup does not have keeps the UTC date, as before there were time zones.
        Assert.Equal(new DateOnly(2026, 11, 30), registry.Today("somewhere-unknown"));
    }

    [Fact]
    public async Task A_count_just_after_midnight_in_london_is_the_evening_befores()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 7, 4, 23, 30, 0, TimeSpan.Zero)); // 00:30 BST on the 5th
        var registry = new LocationRegistry(await DemoPlacesAsync(clock), writer: null!, clock);

        Assert.Equal(new DateOnly(2026, 7, 4), registry.BusinessDay("london", clock.GetUtcNow()));
        Assert.Equal(new DateTimeOffset(2026, 7, 5, 0, 30, 0, TimeSpan.FromHours(1)), registry.LocalTime("london", clock.GetUtcNow()));
        _ = cancellationToken;
    }

    private static async Task<PlacesCache> DemoPlacesAsync(TimeProvider clock)
    {
        var nowhere = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = new TcpForwarder(0).Port, Username = "none", Timeout = 1 };
        var warehouse = new LocalWarehouse(NpgsqlDataSource.Create(nowhere.ConnectionString), Options.Create(new WarehouseOptions()));
        var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{new TcpForwarder(0).Port},abortConnect=false,connectTimeout=200,syncTimeout=200,asyncTimeout=200");
        var cache = new PlacesCache(warehouse, redis, Options.Create(new PlacesOptions()), clock, NullLogger<PlacesCache>.Instance);
        Assert.Equal(PlacesOrigin.DemoFile, await cache.RefreshAsync(TestContext.Current.CancellationToken));
        return cache;
    }
}
