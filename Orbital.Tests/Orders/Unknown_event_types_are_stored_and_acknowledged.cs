using Npgsql;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

[Collection(OrbitalCollection.Name)]
public sealed class Unknown_event_types_are_stored_and_acknowledged(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_event_type_orbital_does_not_act_on_is_kept_for_the_record_not_dead_lettered()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var unknown = Otter.Event("menus.menu_publish", new System.Text.Json.Nodes.JsonObject { ["menuId"] = "m1" });
        var unknownId = unknown["eventId"]!.GetValue<string>();

        (await orders.SendAsync(unknown, cancellationToken)).Dispose();
        var marker = Otter.NewId();
        (await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(marker, Otter.Item("l1", "fries", "Fries", 1))), cancellationToken)).Dispose();
        await orders.WaitForOrderAsync(marker);

        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var command = database.CreateCommand("SELECT state FROM otter.raw_events WHERE event_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = unknownId });
        Assert.Equal("ignored", await command.ExecuteScalarAsync(cancellationToken));
    }
}
