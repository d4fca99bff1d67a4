using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orbital.Orders.Recovery;
using Orbital.Tests.Infrastructure;
using Orbital.OtterStandIn;

namespace Orbital.Tests.Orders;

/// <summary>The real Otter API client, with its real HTTP pipeline, against the local stand-in of Otter's Public API.</summary>
public sealed class The_Otter_feed_client_pages_backs_off_and_renews_its_token : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private OtterApiStandIn _otter = null!;
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _otter = await OtterApiStandIn.StartAsync();
        _services = Client(OtterApiStandIn.ClientSecret);
    }

    [Fact]
    public async Task It_reads_every_page_of_a_store_feed_within_the_window()
    {
        var store = $"store-{Guid.NewGuid():N}";
        var expected = Enumerable.Range(0, 120).Select(i => AddOrder(store, Now.AddMinutes(-100 + (i * 0.5)))).ToHashSet();
        AddOrder(store, Now.AddHours(-5));
        AddOrder($"{store}-other", Now.AddMinutes(-30));

        var read = await ReadAsync(_services, store);

        Assert.Equal(expected, read.ToHashSet());
        Assert.Equal(read.Count, read.Distinct().Count());
        var requests = _otter.FeedRequests.Where(r => r.StartsWith(store + " ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Contains("limit=50", r, StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Contains("token=NTA%3D", StringComparison.Ordinal));
    }

    [Fact]
    public async Task It_waits_out_a_429_and_then_reads_the_feed()
    {
        var store = $"store-{Guid.NewGuid():N}";
        var orderId = AddOrder(store, Now.AddMinutes(-10));
        _otter.RateLimitNext(2);

        var read = await ReadAsync(_services, store);

        Assert.Equal([orderId], read);
        Assert.Equal(2, _otter.RateLimitsServed);
    }

    [Fact]
    public async Task It_keeps_its_token_and_renews_it_once_when_Otter_refuses_it()
    {
        var store = $"store-{Guid.NewGuid():N}";
        var orderId = AddOrder(store, Now.AddMinutes(-10));

        await ReadAsync(_services, store);
        await ReadAsync(_services, store);
        Assert.Equal(1, _otter.TokensIssued);

        _otter.RevokeTokens();
        var read = await ReadAsync(_services, store);

        Assert.Equal([orderId], read);
        Assert.Equal(2, _otter.TokensIssued);
    }

    [Fact]
    public async Task Wrong_credentials_fail_with_Otters_answer()
    {
        await using var services = Client("not-the-secret");

        var error = await Assert.ThrowsAsync<OtterApiException>(() => ReadAsync(services, "store-any"));

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.Contains("invalid_client", error.Message, StringComparison.Ordinal);
    }

    private string AddOrder(string store, DateTimeOffset orderedAt)
    {
        var orderId = Otter.NewId();
        var order = Otter.Order(orderId, Otter.Item("line-1", "fries", "Fries", 1));
        order["orderedAt"] = orderedAt.ToString("O");
        _otter.AddOrder(store, order);
        return orderId;
    }

    private static async Task<List<string>> ReadAsync(ServiceProvider services, string store)
    {
        var feed = services.GetRequiredService<IOtterOrderFeed>();
        var ids = new List<string>();
        await foreach (var order in feed.ReadOrdersAsync(store, Now.AddHours(-3), Now, TestContext.Current.CancellationToken))
        {
            ids.Add(JsonNode.Parse(order.GetRawText())!["externalIdentifiers"]!["id"]!.GetValue<string>());
        }

        return ids;
    }

    private ServiceProvider Client(string clientSecret)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Otter:Api:BaseUrl"] = _otter.BaseUrl.ToString(),
            ["Otter:Api:ClientId"] = OtterApiStandIn.ClientId,
            ["Otter:Api:ClientSecret"] = clientSecret,
            ["Otter:Api:RetryDelay"] = "00:00:00.100",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddOtterApiClient(configuration);
        return services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _otter.DisposeAsync();
    }
}
