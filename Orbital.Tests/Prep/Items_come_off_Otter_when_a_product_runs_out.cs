using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Orbital.Contracts;
using Orbital.OtterStandIn;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// When a kitchen runs out of a prepped product it counts, every menu item and modifier that needs it is taken off sale
/// at Otter for that kitchen's stores of the item's brand (and no others), once, however Otter's limits answer on the
/// way; when stock comes in again they are put back, once. A manager's mark ("86") does the same whatever the count
/// says, and a location can turn the automatic suspension off.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Items_come_off_Otter_when_a_product_runs_out(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd * 2)]
    public async Task Running_out_suspends_the_right_items_at_the_right_stores_once_and_a_receipt_puts_them_back_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (kitchen, stores) = await orbital.SellingKitchenAsync(["smash-club", "wok-this-way"]);
        var (smash, wok) = (stores[0], stores[1]);
        using var manager = await orbital.SignedInAsync("manager");
        var patty = await manager.ProductAsync("Smash patty", "each", batchSize: 40);
        var potatoes = await manager.ProductAsync("Potatoes", "kg", batchSize: 10);
        var burger = $"burger-{Guid.NewGuid():N}";
        var extraPatty = $"extra-patty-{Guid.NewGuid():N}";
        var fries = $"fries-{Guid.NewGuid():N}";
        var pattyBao = $"patty-bao-{Guid.NewGuid():N}";
        await manager.RecipeAsync("item", burger, (patty, 1, null));
        await manager.RecipeAsync("modifier", extraPatty, (patty, 1, null));
        await manager.RecipeAsync("item", fries, (potatoes, 0.2m, null));
        await manager.RecipeAsync("wok-this-way", "item", pattyBao, (patty, 1, null));
        await manager.CountAsync(kitchen, patty, 3);
        await manager.CountAsync(kitchen, potatoes, 50);
        // Otter's limit answers the first suspension of the burger store: it goes again, and is made once.
        orbital.OtterApi.ScriptMenuCalls(smash, 429);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));

        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.Order(smash, Otter.NewId(), 1, (burger, 2, []), (fries, 1, [])));
        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.Order(wok, Otter.NewId(), 1, (pattyBao, 1, [])));

        await Poll.UntilAsync(_ => Task.FromResult(orbital.OtterApi.SuspendedEntities(smash).Count + orbital.OtterApi.SuspendedEntities(wok).Count),
            count => count == 3, TimeSpan.FromSeconds(60), "three items off sale at Otter");
        Assert.Equal(new[] { burger, extraPatty }.Order(StringComparer.Ordinal), orbital.OtterApi.SuspendedEntities(smash));
        Assert.Equal([pattyBao], orbital.OtterApi.SuspendedEntities(wok));
        Assert.Equal([429, 202], Calls(smash, "suspend").Select(c => c.Status));
        var accepted = Calls(smash, "suspend").Last();
        Assert.StartsWith("Out of Smash patty", accepted.Note, StringComparison.Ordinal);
        Assert.Single(Calls(wok, "suspend"));
        var availability = await manager.GetFromJsonAsync<JsonElement>($"/locations/{kitchen}/availability", cancellationToken);
        Assert.True(availability.GetProperty("autoSuspend").GetBoolean());
        Assert.Equal(3, availability.GetProperty("offSale").GetArrayLength());
        Assert.All(availability.GetProperty("offSale").EnumerateArray(), i => Assert.Equal("ran_out", i.GetProperty("reason").GetString()));

        // A unit of patties from a commissary arrives: the items go back on sale.
        var commissary = await manager.LocationAsync("commissary");
        using (var made = await manager.PostAsJsonAsync("/transfer-units",
            new { sku = patty, quantity = 40, unit = "each", originLocationId = commissary, destinationLocationId = kitchen }, cancellationToken))
        {
            made.EnsureSuccessStatusCode();
            var unit = (await made.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString();
            (await manager.PostAsJsonAsync($"/transfer-units/{unit}/dispatch", new { overOnHand = true }, cancellationToken)).EnsureSuccessStatusCode().Dispose();
            (await manager.PostAsJsonAsync($"/transfer-units/{unit}/receive", new { locationId = kitchen }, cancellationToken)).EnsureSuccessStatusCode().Dispose();
        }

        await Poll.UntilAsync(_ => Task.FromResult(orbital.OtterApi.SuspendedEntities(smash).Count + orbital.OtterApi.SuspendedEntities(wok).Count),
            count => count == 0, TimeSpan.FromSeconds(60), "the items back on sale at Otter");
        // Once: a look made after it all changes nothing, and Orders owes Otter nothing more for these stores.
        await manager.PutAsJsonAsync($"/locations/{kitchen}/availability", new { autoSuspend = true }, cancellationToken);
        await Poll.UntilAsync(_ => PendingMenuCallsAsync(smash, wok), pending => pending == 0, TimeSpan.FromSeconds(30), "no menu call owed");
        Assert.Single(Calls(smash, "suspend"), c => c.Status == 202);
        Assert.Single(Calls(smash, "unsuspend"), c => c.Status == 202);
        Assert.Single(Calls(wok, "suspend"), c => c.Status == 202);
        Assert.Single(Calls(wok, "unsuspend"), c => c.Status == 202);
        Assert.Equal(new[] { burger, extraPatty }.Order(StringComparer.Ordinal), Calls(smash, "unsuspend").Single().EntityIds.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(orbital.OtterApi.MenuCalls, c => c.EntityIds.Contains(fries));
        Assert.DoesNotContain(orbital.OtterApi.MenuCalls, c => c.StoreId == Kitchen.StoreId && c.EntityIds.Contains(burger));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd * 2)]
    public async Task A_manager_marks_a_product_out_and_a_location_can_stop_running_out_from_suspending()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (kitchen, store) = await orbital.SellingKitchenAsync();
        using var manager = await orbital.SignedInAsync("manager", kitchen);
        using var cook = await orbital.SignedInAsync("prep_cook", kitchen);
        var sauce = await manager.ProductAsync("Burger sauce", "kg", batchSize: 2);
        var patty = await manager.ProductAsync("Smash patty", "each", batchSize: 40);
        var burger = $"burger-{Guid.NewGuid():N}";
        var plain = $"plain-patty-{Guid.NewGuid():N}";
        await manager.RecipeAsync("item", burger, (patty, 1, null), (sauce, 0.03m, null));
        await manager.RecipeAsync("item", plain, (patty, 1, null));
        await manager.CountAsync(kitchen, sauce, 4);
        await manager.CountAsync(kitchen, patty, 1);

        using (var forbidden = await cook.PutAsync($"/locations/{kitchen}/marked-out/{sauce}", null, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using (var marked = await manager.PutAsync($"/locations/{kitchen}/marked-out/{sauce}", null, cancellationToken))
        {
            marked.EnsureSuccessStatusCode();
        }

        await Poll.UntilAsync(_ => Task.FromResult(orbital.OtterApi.SuspendedEntities(store)), s => s.Count == 1, TimeSpan.FromSeconds(60), "the burger off sale");
        Assert.Equal([burger], orbital.OtterApi.SuspendedEntities(store));
        Assert.Equal("Marked out by the kitchen", Calls(store, "suspend").Last().Note);

        // Automatic suspension off: the last patty sold takes nothing more off sale; the manager's mark still holds.
        using (var off = await manager.PutAsJsonAsync($"/locations/{kitchen}/availability", new { autoSuspend = false }, cancellationToken))
        {
            Assert.False((await off.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("autoSuspend").GetBoolean());
        }

        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.Order(store, Otter.NewId(), 1, (plain, 1, [])));
        await Poll.UntilAsync(_ => manager.OnHandAsync(kitchen, patty), onHand => onHand == 0, TimeSpan.FromSeconds(30), "the last patty sold");
        await manager.PutAsJsonAsync($"/locations/{kitchen}/availability", new { autoSuspend = false }, cancellationToken);
        Assert.Equal([burger], orbital.OtterApi.SuspendedEntities(store));

        using (var unmarked = await manager.DeleteAsync($"/locations/{kitchen}/marked-out/{sauce}", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, unmarked.StatusCode);
        }

        await Poll.UntilAsync(_ => Task.FromResult(orbital.OtterApi.SuspendedEntities(store)), s => s.Count == 0, TimeSpan.FromSeconds(60), "the burger back on sale");
        using var again = await manager.DeleteAsync($"/locations/{kitchen}/marked-out/{sauce}", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    private List<OtterApiStandIn.MenuCall> Calls(string store, string action) =>
        [.. orbital.OtterApi.MenuCalls.Where(c => c.StoreId == store && c.Action == action)];

    private async Task<long> PendingMenuCallsAsync(params string[] stores)
    {
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var command = database.CreateCommand("SELECT count(*) FROM otter.otter_calls WHERE order_id = ANY($1) AND state = 'pending'");
        command.Parameters.Add(new NpgsqlParameter { Value = stores.Select(s => $"menu:{s}").ToArray() });
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
