using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Orbital.Orders.Data;
using Orbital.Orders.Recovery;
using Orbital.Orders.TellingOtter;
using Orbital.OtterStandIn;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// The sender of the calls owed to Otter, on a database of its own and Otter's stand-in, at a limit of two calls a
/// minute per store endpoint: a store that reaches its limit waits for its minute, its calls going oldest first and
/// nothing written about them meanwhile (a flooded store would otherwise cost a write per call), and another store's
/// call goes at once.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_store_at_Otters_limit_holds_back_no_other_store(OrbitalAppFixture orbital)
{
    private const string BusyStore = "store-busy", QuietStore = "store-quiet";

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Its_calls_wait_unwritten_and_go_oldest_first_while_another_stores_call_goes_at_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var otter = await OtterApiStandIn.StartAsync();
        await using var database = await TestDatabase.CreateAsync(orbital);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = Sender(database, otter, time);
        var schema = services.GetRequiredService<OrdersSchema>();
        await schema.StartAsync(cancellationToken);
        await schema.WaitUntilReadyAsync(cancellationToken);

        var busy = Enumerable.Range(0, 5).Select(i => $"busy-{i}-{Guid.NewGuid():N}").ToList();
        var quiet = $"quiet-{Guid.NewGuid():N}";
        await OweConfirmsAsync(database, BusyStore, busy, time.GetUtcNow() - TimeSpan.FromSeconds(1), cancellationToken);
        await OweConfirmsAsync(database, QuietStore, [quiet], time.GetUtcNow() - TimeSpan.FromSeconds(1), cancellationToken);
        var waitingBefore = await RowsAsync(database, busy[2..], cancellationToken);

        var sender = services.GetServices<IHostedService>().OfType<OtterCallSender>().Single();
        await sender.StartAsync(cancellationToken);
        try
        {
            // The quiet store's call, owed after all of the busy store's, does not wait behind them.
            await RunUntilAsync(time, () => otter.AcceptedCalls(quiet).Count == 1, "the quiet store's confirm");
            Assert.Equal(busy[..2], BusyCalls(otter));

            // Most of a minute on, the busy store's other calls still wait, and nothing was written about them.
            await RunForAsync(time, TimeSpan.FromSeconds(50));
            Assert.Equal(busy[..2], BusyCalls(otter));
            Assert.Equal(waitingBefore, await RowsAsync(database, busy[2..], cancellationToken));

            // Its minute over, the next two go, oldest first.
            await RunUntilAsync(time, () => BusyCalls(otter).Count == 4, "the busy store's next two confirms");
            Assert.Equal(busy[..4], BusyCalls(otter));
        }
        finally
        {
            await sender.StopAsync(CancellationToken.None);
        }
    }

    private static List<string> BusyCalls(OtterApiStandIn otter) =>
        [.. otter.OrderCalls.Where(c => c.StoreId == BusyStore && c.Status == 202).Select(c => c.OrderId)];

    /// <summary>
    /// Moves the sender's clock on a tenth of a second for every twentieth of the test's, until <paramref name="done"/>
    /// or three minutes of the sender's time (a poll with a timeout: the sender's database and HTTP work is real, and
    /// needs real time to happen between the clock's steps).
    /// </summary>
    private static async Task RunUntilAsync(FakeTimeProvider time, Func<bool> done, string what)
    {
        var limit = time.GetUtcNow() + TimeSpan.FromMinutes(3);
        while (!done())
        {
            Assert.True(time.GetUtcNow() < limit, $"Waited three minutes of the sender's time for {what}.");
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static Task RunForAsync(FakeTimeProvider time, TimeSpan span)
    {
        var until = time.GetUtcNow() + span;
        return RunUntilAsync(time, () => time.GetUtcNow() >= until, "time to pass");
    }

    private static ServiceProvider Sender(TestDatabase database, OtterApiStandIn otter, FakeTimeProvider time)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(database.DataSource);
        services.AddDbContext<OrdersDbContext>(options => options
            .UseNpgsql(database.DataSource, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", OrdersDbContext.Schema))
            .UseSnakeCaseNamingConvention());
        services.AddSingleton<OrdersSchema>();
        services.AddOptions<OtterApiOptions>().Configure(api =>
        {
            api.BaseUrl = otter.BaseUrl;
            api.ClientId = OtterApiStandIn.ClientId;
            api.ClientSecret = OtterApiStandIn.ClientSecret;
        });
        services.AddOptions<OtterCallsOptions>().Configure(calls =>
        {
            calls.PerStoreEndpointPerMinute = 2;
            calls.PollInterval = TimeSpan.FromMilliseconds(100);
        });
        services.AddSingleton<OtterTokens>();
        services.AddSingleton(provider => new OtterOrderCalls(new HttpClient { BaseAddress = otter.BaseUrl }, provider.GetRequiredService<OtterTokens>()));
        services.AddHostedService<OtterCallSender>();
        return services.BuildServiceProvider();
    }

    private static async Task OweConfirmsAsync(TestDatabase database, string storeId, IReadOnlyList<string> orderIds, DateTimeOffset at, CancellationToken cancellationToken)
    {
        foreach (var orderId in orderIds)
        {
            await using var owe = database.DataSource.CreateCommand(
                """
                INSERT INTO otter.otter_calls (event_id, order_id, store_id, source, milestone, endpoint, state, attempts, occurred_at, next_attempt_at, created_at)
                VALUES ($1 || ':Accepted', $1, $2, 'ubereats', 'accepted', 'confirm', 'pending', 0, $3, $3, $3)
                """);
            owe.Parameters.Add(new NpgsqlParameter { Value = orderId });
            owe.Parameters.Add(new NpgsqlParameter { Value = storeId });
            owe.Parameters.Add(new NpgsqlParameter { Value = at });
            await owe.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Each call's row as the sender leaves it: state, attempts, next attempt and the row's version (xmin).</summary>
    private static async Task<List<string>> RowsAsync(TestDatabase database, IReadOnlyList<string> orderIds, CancellationToken cancellationToken)
    {
        await using var read = database.DataSource.CreateCommand(
            "SELECT order_id || ' ' || state || ' ' || attempts || ' ' || next_attempt_at || ' ' || xmin FROM otter.otter_calls WHERE order_id = ANY($1) ORDER BY id");
        read.Parameters.Add(new NpgsqlParameter { Value = orderIds.ToArray() });
        var rows = new List<string>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
