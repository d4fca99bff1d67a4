using System.Net.Http.Json;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Contracts.Menus;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// When Prep takes a store's menu items off sale because the kitchen ran out of something they need, the station that
/// cooks each item shows it 86'd, with what ran out, and so does the pass; put back, it goes. A change that arrives again
/// after a newer one changes nothing.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Kitchen_screens_show_what_is_86d(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd * 2)]
    public async Task The_grill_shows_its_burger_86d_the_fryer_does_not_and_an_older_change_arriving_late_changes_nothing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (kitchen, store) = await orbital.OwnKitchenAsync();
        using var batch = orbital.BatchClient();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        await using var grill = await KitchenScreen.OpenAsync(orbital, "grill", kitchen);
        var decided = DateTimeOffset.UtcNow;
        var off = Change(store, kitchen, decided, suspended: [("burger", "Smash burger"), ("double-burger", "Double smash")]);
        var back = Change(store, kitchen, decided.AddSeconds(1), unsuspended: ["burger"]);

        await broker.PublishAsync(Exchanges.MenuAvailability, off.ToByteArray(), off.ChangeId, MenuAvailabilityChange.Descriptor.FullName);

        await Assertions.Expect(grill.Page.Locator("#off-sale")).ToHaveTextAsync("86: Smash burger (Smash Club): out of Smash patty · Double smash (Smash Club): out of Smash patty");
        await grill.ScreenshotAsync("kitchen-screen-86");
        var fryer = await batch.GetFromJsonAsync<JsonElement>($"/stations/fryer/board?kitchen={kitchen}", cancellationToken);
        Assert.Equal(0, fryer.GetProperty("offSale").GetArrayLength());
        var pass = await batch.GetFromJsonAsync<JsonElement>($"/kitchens/{kitchen}/expo", cancellationToken);
        Assert.Equal(["burger", "double-burger"], pass.GetProperty("offSale").EnumerateArray().Select(i => i.GetProperty("sku").GetString()));
        Assert.Equal("grill", pass.GetProperty("offSale")[0].GetProperty("stationId").GetString());

        await broker.PublishAsync(Exchanges.MenuAvailability, back.ToByteArray(), back.ChangeId, MenuAvailabilityChange.Descriptor.FullName);
        await Assertions.Expect(grill.Page.Locator("#off-sale")).ToHaveTextAsync("86: Double smash (Smash Club): out of Smash patty");

        // The first change again (a redelivery after the newer one): the burger stays on sale. A later change to the
        // store shows that the redelivery has been handled by then.
        await broker.PublishAsync(Exchanges.MenuAvailability, off.ToByteArray(), off.ChangeId, MenuAvailabilityChange.Descriptor.FullName);
        var last = Change(store, kitchen, decided.AddSeconds(2), unsuspended: ["double-burger"]);
        await broker.PublishAsync(Exchanges.MenuAvailability, last.ToByteArray(), last.ChangeId, MenuAvailabilityChange.Descriptor.FullName);
        await Assertions.Expect(grill.Page.Locator("#off-sale")).ToBeHiddenAsync();
        var board = await batch.GetFromJsonAsync<JsonElement>($"/stations/grill/board?kitchen={kitchen}", cancellationToken);
        Assert.Equal(0, board.GetProperty("offSale").GetArrayLength());
        // The unpaired screen's refused requests before pairing are logged as failed loads; nothing else went wrong.
        Assert.DoesNotContain(grill.Console, line => line.StartsWith("error", StringComparison.Ordinal) && !line.Contains("Failed to load resource", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_change_without_a_store_is_dead_lettered_with_its_reason_by_Batch_and_by_Orders()
    {
        _ = TestContext.Current.CancellationToken;
        var unusable = Change("", "nowhere", DateTimeOffset.UtcNow, suspended: [("burger", "Smash burger")]);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));

        await broker.PublishAsync(Exchanges.MenuAvailability, unusable.ToByteArray(), unusable.ChangeId, MenuAvailabilityChange.Descriptor.FullName);

        foreach (var (service, queue) in new[] { (ResourceNames.BatchService, Queues.BatchMenuAvailability), (ResourceNames.OrdersService, Queues.OrdersMenuAvailability) })
        {
            using var operators = orbital.CreateClient(service);
            var letters = await Poll.UntilAsync(
                async token => (await operators.GetFromJsonAsync<JsonElement>($"/dead-letters/{queue}?max=500", token)).GetProperty("letters").EnumerateArray().ToList(),
                read => read.Any(l => l.GetProperty("messageId").GetString() == unusable.ChangeId), TimeSpan.FromSeconds(30), $"the change in {queue}'s dead letters");
            Assert.Contains("needs a change id, a store id and a time", letters.Single(l => l.GetProperty("messageId").GetString() == unusable.ChangeId).GetProperty("reason").GetString());
        }
    }

    private static MenuAvailabilityChange Change(
        string store, string kitchen, DateTimeOffset decidedAt, (string Sku, string Name)[]? suspended = null, string[]? unsuspended = null)
    {
        var change = new MenuAvailabilityChange
        {
            ChangeId = Guid.CreateVersion7(decidedAt).ToString(),
            StoreId = store,
            KitchenId = kitchen,
            BrandId = "smash-club",
            DecidedAt = Timestamp.FromDateTimeOffset(decidedAt),
        };
        change.Suspended.AddRange((suspended ?? []).Select(s => new UnavailableItem { Sku = s.Sku, Name = s.Name, Reason = "ran_out", OutOf = { "Smash patty" } }));
        change.Unsuspended.AddRange(unsuspended ?? []);
        return change;
    }
}
