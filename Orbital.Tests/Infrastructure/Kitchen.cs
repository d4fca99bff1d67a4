using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Orbital.Contracts;
using Orbital.Contracts.Orders;

namespace Orbital.Tests.Infrastructure;

/// <summary>Helpers for the Batch service's tests: a station of one's own, structured orders, reading the board.</summary>
public static class Kitchen
{
    /// <summary>The demo kitchen the tests cook in, and a store of it (README).</summary>
    public const string Id = "london";

    public const string StoreId = "smash-club-london";

    /// <summary>A station no other test uses, so a test sees only its own batch items.</summary>
    public static string NewStation() => $"test-station-{Guid.NewGuid():N}";

    public static Uri BatchAddress(this OrbitalAppFixture orbital) => orbital.App.GetEndpoint(ResourceNames.BatchService, "http");

    /// <summary>
    /// A client of Batch as a member of kitchen staff who works at every kitchen (Batch's routes need a paired screen or
    /// staff; <c>Kitchen_screens_are_paired</c> tests the screens' side).
    /// </summary>
    public static HttpClient BatchClient(this OrbitalAppFixture orbital, string role = "prep_cook") => BatchClient(orbital.BatchAddress(), role);

    /// <summary>A pairing code for a screen of the kitchen (and station), made as a manager who works everywhere.</summary>
    public static async Task<string> PairingCodeAsync(this OrbitalAppFixture orbital, string kitchen = Id, string? station = null, string? name = null)
    {
        using var manager = orbital.BatchClient("manager");
        using var response = await manager.PostAsJsonAsync($"/kitchens/{Uri.EscapeDataString(kitchen)}/screens/pairing-codes", new { station, name },
            TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"pairing code for {kitchen}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("code").GetString()!;
    }

    /// <summary>A screen paired for the kitchen (and station) that is not a browser: its <c>Authorization</c> value and device id.</summary>
    public static async Task<(string Authorization, string DeviceId)> PairScreenAsync(this OrbitalAppFixture orbital, string kitchen = Id, string? station = null)
    {
        var code = await orbital.PairingCodeAsync(kitchen, station);
        using var anonymous = new HttpClient { BaseAddress = orbital.BatchAddress() };
        using var response = await anonymous.PostAsJsonAsync("/screens/pair", new { code, cookie = false }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var paired = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return ($"Screen {paired.GetProperty("credential").GetString()}", paired.GetProperty("deviceId").GetString()!);
    }

    /// <summary>
    /// A kitchen of the test's own, with a pass (expo) and a Smash Club store, added to the setup as it stands and known
    /// to Batch before this returns: a test that reads a whole pass is not slowed by the hundreds of orders the rest of
    /// the suite leaves at London's. Returns the kitchen's id and its store's.
    /// </summary>
    public static async Task<(string KitchenId, string StoreId)> OwnKitchenAsync(this OrbitalAppFixture orbital)
    {
        var (kitchen, stores) = await orbital.OwnKitchenAsync(["smash-club"]);
        return (kitchen, stores[0]);
    }

    /// <summary>As <see cref="OwnKitchenAsync(OrbitalAppFixture)"/>, with a store of each brand (<c>{brand}-{kitchen}</c>), in that order.</summary>
    public static async Task<(string KitchenId, string[] StoreIds)> OwnKitchenAsync(this OrbitalAppFixture orbital, string[] brands)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var kitchen = $"pass-{Guid.NewGuid():N}"[..16];
        var stores = brands.Select(brand => $"{brand}-{kitchen}").ToArray();
        using var admin = orbital.BatchClient("admin");
        var setup = (await admin.GetFromJsonAsync("/kitchens/setup", Orbital.Places.PlacesJson.Default.PlacesSetup, cancellationToken))!;
        var withMine = setup with
        {
            Kitchens = [.. setup.Kitchens, new Orbital.Places.Kitchen(kitchen, $"Test pass {kitchen[5..]}", "Europe/London", HasExpo: true)],
            Stores = [.. setup.Stores, .. brands.Select((brand, i) => new Orbital.Places.Store(stores[i], kitchen, brand))],
            // The brand's menu cooks at stations every kitchen of its stores has: London's, by the same ids.
            Stations = [.. setup.Stations, .. setup.Stations.Where(s => s.KitchenId == Id).Select(s => s with { KitchenId = kitchen })],
        };
        using (var applied = await admin.PutAsJsonAsync("/kitchens/setup", withMine, Orbital.Places.PlacesJson.Default.PlacesSetup, cancellationToken))
        {
            Assert.True(applied.IsSuccessStatusCode, $"adding kitchen {kitchen}: {(int)applied.StatusCode} {await applied.Content.ReadAsStringAsync(cancellationToken)}");
        }

        await Poll.UntilAsync(async token => (await admin.GetFromJsonAsync<JsonElement>("/kitchens", token)).GetProperty("kitchens").EnumerateArray()
            .Any(k => k.GetProperty("id").GetString() == kitchen), known => known, TimeSpan.FromSeconds(30), $"Batch to know kitchen {kitchen}");
        return (kitchen, stores);
    }

    public static HttpClient BatchClient(Uri batch, string role = "prep_cook") => new()
    {
        BaseAddress = batch,
        DefaultRequestHeaders = { Authorization = new("Bearer", PrepAccess.Token(role: role, expires: DateTimeOffset.UtcNow.AddHours(2))) },
    };

    /// <summary>
    /// Another Batch instance, a process of its own on the fixture's servers (or on <paramref name="batchDatabase"/>).
    /// Without <paramref name="withBroker"/> it gets an address where no broker answers, so it takes none of the
    /// running system's orders.
    /// </summary>
    /// <param name="settings">More configuration, as environment variables (<c>Screens__MaxReplayEvents</c>).</param>
    public static async Task<ServiceProcess> StartBatchInstanceAsync(
        this OrbitalAppFixture orbital, bool withBroker, string? batchDatabase = null, IReadOnlyDictionary<string, string>? settings = null) =>
        ServiceProcess.Start("Orbital.Batch", new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            [$"ConnectionStrings__{ResourceNames.RabbitMq}"] = withBroker
                ? await orbital.ConnectionStringAsync(ResourceNames.RabbitMq)
                : $"amqp://guest:guest@127.0.0.1:{new TcpForwarder(0).Port}/",
            [$"ConnectionStrings__{ResourceNames.BatchDatabase}"] = batchDatabase ?? await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase),
            [$"ConnectionStrings__{ResourceNames.Redis}"] = await orbital.ConnectionStringAsync(ResourceNames.Redis),
            [$"ConnectionStrings__{ResourceNames.WarehouseDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase),
            ["Auth__VerificationKey"] = PrepAccess.VerificationKey,
        });

    public static StructuredOrder Order(string station, string orderId, long version, params (string LineId, string Sku, int Quantity)[] lines)
    {
        var order = new StructuredOrder
        {
            OrderId = orderId,
            FriendlyId = orderId[..6],
            StoreId = StoreId,
            Status = OrderStatus.New,
            EventKind = version == 1 ? OrderEventKind.New : OrderEventKind.Updated,
            OrderedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            ReadyBy = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(10)),
            Version = version,
        };
        order.Lines.AddRange(lines.Select(l => new OrderLine { LineId = l.LineId, Sku = l.Sku, Name = $"Item {l.Sku}", Quantity = l.Quantity, StationId = station }));
        return order;
    }

    public static Task PublishAsync(this Broker broker, StructuredOrder order) =>
        broker.PublishAsync(Exchanges.StructuredOrderData, order.ToByteArray());

    /// <summary>A station's board as a screen of <paramref name="kitchen"/> reads it first.</summary>
    public static async Task<JsonElement> BoardAsync(this HttpClient batch, string station, string kitchen = Id) =>
        await batch.GetFromJsonAsync<JsonElement>($"/stations/{Uri.EscapeDataString(station)}/board?kitchen={Uri.EscapeDataString(kitchen)}", TestContext.Current.CancellationToken);

    public static async Task<List<JsonElement>> ItemsAsync(this HttpClient batch, string station, string status = "pending,in_progress,done,voided")
    {
        var items = await batch.GetFromJsonAsync<List<JsonElement>>($"/batch-items?station={Uri.EscapeDataString(station)}&status={status}", TestContext.Current.CancellationToken);
        return items ?? [];
    }

    /// <summary>Bumps the station's only batch item once it is there, as a screen would; the item as bumped.</summary>
    public static async Task<JsonElement> BumpOnlyItemAsync(this HttpClient batch, string station, string kitchen = Id)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var item = Assert.Single(await batch.WaitForItemsAsync(station, items => items.Count == 1, $"the item at {station}"));
        Assert.Equal(kitchen, item.GetProperty("kitchenId").GetString());
        using var bump = await batch.PostAsJsonAsync($"/batch-items/{item.GetProperty("id").GetInt64()}/complete",
            new { expectedVersion = item.GetProperty("version").GetInt64() }, cancellationToken);
        bump.EnsureSuccessStatusCode();
        return await bump.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    /// <summary>Waits until the station's batch items satisfy <paramref name="done"/>.</summary>
    public static Task<List<JsonElement>> WaitForItemsAsync(this HttpClient batch, string station, Func<List<JsonElement>, bool> done, string what) =>
        Poll.UntilAsync(_ => batch.ItemsAsync(station), done, TimeSpan.FromSeconds(30), what);
}
