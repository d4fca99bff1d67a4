using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// Kitchens against the running system and its demo setup (two kitchens, London and Austin, each brand a store in
/// both): batching never crosses kitchens, brands at one kitchen batch together, and a store nobody set up still cooks.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Each_kitchen_cooks_its_own_orders(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Two_kitchens_given_the_same_sku_at_the_same_moment_share_no_batch_item_board_or_stream()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        var sku = $"wings-{Guid.NewGuid():N}";
        await using var londonScreen = await SseClient.ConnectAsync(orbital.BatchAddress(), station, kitchen: "london");
        await using var austinScreen = await SseClient.ConnectAsync(orbital.BatchAddress(), station, kitchen: "austin");
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));

        var london = At("smash-club-london", Kitchen.Order(station, Otter.NewId(), 1, ("1", sku, 2)));
        var austin = At("smash-club-austin", Kitchen.Order(station, Otter.NewId(), 1, ("1", sku, 3)));
        austin.ReadyBy = london.ReadyBy;
        await broker.PublishAsync(london);
        await broker.PublishAsync(austin);

        using var batch = orbital.BatchClient();
        var inLondon = await Poll.UntilAsync(_ => ItemsAsync(batch, "london", station), items => items.Count > 0, TimeSpan.FromSeconds(30), "London's batch item");
        var inAustin = await Poll.UntilAsync(_ => ItemsAsync(batch, "austin", station), items => items.Count > 0, TimeSpan.FromSeconds(30), "Austin's batch item");
        Assert.Equal(2, Assert.Single(inLondon).GetProperty("quantity").GetInt32());
        Assert.Equal(3, Assert.Single(inAustin).GetProperty("quantity").GetInt32());
        Assert.Equal("austin", inAustin[0].GetProperty("kitchenId").GetString());

        var londonBoard = await batch.BoardAsync(station, "london");
        var austinBoard = await batch.BoardAsync(station, "austin");
        Assert.Equal([2], londonBoard.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("quantity").GetInt32()));
        Assert.Equal([3], austinBoard.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("quantity").GetInt32()));

        // A later order to each kitchen, on the same queue: once a screen has it, the other kitchen's item (applied and
        // delivered before it) would have reached that screen too, had it been going to.
        var after = $"after-{Guid.NewGuid():N}";
        await broker.PublishAsync(At("smash-club-london", Kitchen.Order(station, Otter.NewId(), 1, ("1", after, 1))));
        await broker.PublishAsync(At("smash-club-austin", Kitchen.Order(station, Otter.NewId(), 1, ("1", after, 1))));
        await londonScreen.WaitForAsync(e => e.IsFor(after), TimeSpan.FromSeconds(30), "London's later order on London's screen");
        await austinScreen.WaitForAsync(e => e.IsFor(after), TimeSpan.FromSeconds(30), "Austin's later order on Austin's screen");
        Assert.Equal([2], londonScreen.Received.Where(e => e.IsFor(sku)).Select(e => e.Item.GetProperty("quantity").GetInt32()).Distinct());
        Assert.Equal([3], austinScreen.Received.Where(e => e.IsFor(sku)).Select(e => e.Item.GetProperty("quantity").GetInt32()).Distinct());
        Assert.All(londonScreen.Received.Where(e => e.Type != "ready"), e => Assert.Equal("london", e.Json.GetProperty("kitchenId").GetString()));
        Assert.All(austinScreen.Received.Where(e => e.Type != "ready"), e => Assert.Equal("austin", e.Json.GetProperty("kitchenId").GetString()));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Two_brands_at_one_kitchen_batch_their_fries_together()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // Fries are on both brands' menus (fryer); a modifier of this test's own keeps its batch item apart from others'.
        var salt = $"salt-{Guid.NewGuid():N}";
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var burgers = At("smash-club-london", WithModifier(Kitchen.Order("ignored", Otter.NewId(), 1, ("1", "fries", 2)), salt));
        var fries = At("fry-society-london", WithModifier(Kitchen.Order("ignored", Otter.NewId(), 1, ("1", "fries", 3)), salt));
        fries.ReadyBy = burgers.ReadyBy;
        await broker.PublishAsync(burgers);
        await broker.PublishAsync(fries);

        using var batch = orbital.BatchClient();
        var shared = await Poll.UntilAsync(_ => ItemsAsync(batch, "london", "fryer"),
            items => items.Where(i => Salted(i, salt)).Sum(i => i.GetProperty("quantity").GetInt32()) == 5, TimeSpan.FromSeconds(30), "both brands' fries");
        var item = Assert.Single(shared, i => Salted(i, salt));
        Assert.Equal(2, item.GetProperty("orderCount").GetInt32());
        Assert.Equal("fries", item.GetProperty("sku").GetString());
        _ = cancellationToken;
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_order_of_a_store_not_set_up_is_cooked_in_the_unassigned_kitchen_and_listed_for_operators()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var store = $"store-nobody-mapped-{Guid.NewGuid():N}";
        var salt = $"no-pickles-{Guid.NewGuid():N}";
        await using var screen = await SseClient.ConnectAsync(orbital.BatchAddress(), station: null, kitchen: "unassigned");
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var webhook = Otter.Event("orders.new_order", Otter.Order(Otter.NewId(), Otter.Item("line-1", "burger", "Smash burger", 2, Otter.Modifier(salt))));
        webhook["metadata"]!["storeId"] = store;
        using (var accepted = await orders.SendAsync(webhook, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        // Its burger is still a burger: cooked at the grill of the unassigned kitchen, from the menus the setup has.
        var created = await screen.WaitForAsync(e => e.Type == "created" && Salted(e.Item, salt), TimeSpan.FromSeconds(30), "the unmapped store's order on the unassigned kitchen's stream");
        Assert.Equal("grill", created.Item.GetProperty("stationId").GetString());
        Assert.Equal("Smash burger", created.Item.GetProperty("name").GetString());
        using var batch = orbital.BatchClient();

        using var nobody = new HttpClient { BaseAddress = orbital.BatchAddress() };
        using var anonymous = await nobody.GetAsync("/kitchens/unassigned-stores", cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var cook = new HttpRequestMessage(HttpMethod.Get, "/kitchens/unassigned-stores");
        cook.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PrepAccess.Token(role: "prep_cook"));
        using (var forbidden = await batch.SendAsync(cook, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        batch.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PrepAccess.Token(role: "manager"));
        var listed = await Poll.UntilAsync(_ => batch.GetFromJsonAsync<List<JsonElement>>("/kitchens/unassigned-stores", cancellationToken),
            stores => stores!.Any(s => s.GetProperty("storeId").GetString() == store), TimeSpan.FromSeconds(30), "the store in the operator's list");
        var entry = listed!.Single(s => s.GetProperty("storeId").GetString() == store);
        Assert.Equal(1, entry.GetProperty("orders").GetInt32());
        Assert.Equal(2, entry.GetProperty("openPortions").GetInt32());
        Assert.False(entry.GetProperty("mappedNow").GetBoolean());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Screens_must_say_which_kitchen_and_an_unknown_one_is_not_found()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var batch = orbital.BatchClient();
        using var noKitchen = await batch.GetAsync("/orders/events?station=grill", cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, noKitchen.StatusCode);
        Assert.Contains("london", await noKitchen.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
        using var unknown = await batch.GetAsync("/stations/grill/board?kitchen=atlantis", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);

        var kitchens = await batch.GetFromJsonAsync<JsonElement>("/kitchens", cancellationToken);
        var london = kitchens.GetProperty("kitchens").EnumerateArray().Single(k => k.GetProperty("id").GetString() == "london");
        Assert.Equal("Europe/London", london.GetProperty("timeZone").GetString());
        Assert.Contains(london.GetProperty("stores").EnumerateArray(), s => s.GetProperty("storeId").GetString() == "fry-society-london" && s.GetProperty("brandId").GetString() == "fry-society");
        Assert.Contains(london.GetProperty("stations").EnumerateArray(), s => s.GetProperty("id").GetString() == "fryer");
        Assert.Contains(kitchens.GetProperty("kitchens").EnumerateArray(), k => k.GetProperty("id").GetString() == "unassigned");
    }

    private static StructuredOrder At(string storeId, StructuredOrder order)
    {
        order.StoreId = storeId;
        return order;
    }

    private static StructuredOrder WithModifier(StructuredOrder order, string modifier)
    {
        order.Lines[0].Modifiers.Add(new LineModifier { Id = modifier, Name = modifier, Quantity = 1 });
        return order;
    }

    private static bool Salted(JsonElement item, string salt) =>
        item.GetProperty("modifiers").EnumerateArray().Any(m => m.GetString() == salt);

    private static async Task<List<JsonElement>> ItemsAsync(HttpClient batch, string kitchen, string station) =>
        await batch.GetFromJsonAsync<List<JsonElement>>($"/batch-items?kitchen={kitchen}&station={Uri.EscapeDataString(station)}", TestContext.Current.CancellationToken) ?? [];
}
