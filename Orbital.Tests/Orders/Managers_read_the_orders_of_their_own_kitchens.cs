using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// Orders name their guests: a manager reads the orders of the stores at the kitchens they work at, not another
/// kitchen's; what spans every store (dead letters, recovery) is for those who work everywhere.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Managers_read_the_orders_of_their_own_kitchens(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_london_manager_reads_londons_orders_and_not_austins()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var webhook = orbital.AnonymousClient(ResourceNames.OrdersService);
        var londonOrder = Otter.NewId();
        var austinOrder = Otter.NewId();
        var austin = Otter.Event("orders.new_order", Otter.Order(austinOrder, Otter.Item("1", "burger", "Smash burger", 1)));
        austin["metadata"]!["storeId"] = "smash-club-austin";
        (await webhook.SendAsync(Otter.Event("orders.new_order", Otter.Order(londonOrder, Otter.Item("1", "burger", "Smash burger", 1))), cancellationToken)).EnsureSuccessStatusCode();
        (await webhook.SendAsync(austin, cancellationToken)).EnsureSuccessStatusCode();
        using var everywhere = orbital.CreateClient(ResourceNames.OrdersService);
        await everywhere.WaitForOrderAsync(londonOrder);
        await everywhere.WaitForOrderAsync(austinOrder);

        using var london = orbital.AnonymousClient(ResourceNames.OrdersService);
        london.DefaultRequestHeaders.Authorization = new("Bearer", PrepAccess.Token(role: "manager", locations: ["london"]));
        using var own = await london.GetAsync($"/orders/{londonOrder}", cancellationToken);
        using var other = await london.GetAsync($"/orders/{austinOrder}", cancellationToken);
        using var otherStore = await london.GetAsync("/orders?storeId=smash-club-austin", cancellationToken);
        var listed = await london.GetFromJsonAsync<JsonElement>("/orders?limit=500", cancellationToken);
        using var deadLetters = await london.GetAsync("/dead-letters/orders.otter_events", cancellationToken);
        using var deadLettersEverywhere = await everywhere.GetAsync("/dead-letters/orders.otter_events", cancellationToken);

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherStore.StatusCode);
        var stores = listed.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("storeId").GetString()).Distinct().ToList();
        Assert.NotEmpty(stores);
        Assert.All(stores, store => Assert.EndsWith("-london", store, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, deadLetters.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deadLettersEverywhere.StatusCode);
    }
}
