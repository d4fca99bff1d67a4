using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Scanning;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

[Collection(OrbitalCollection.Name)]
public sealed class Scans_and_transfer_units_move_inventory_and_reach_the_scans_exchange(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_product_scan_updates_on_hand_and_its_event_reaches_a_queue_bound_to_scans()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var subscriber = await broker.BindTestQueueAsync(Exchanges.Scans);
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var barcode = $"400{Random.Shared.NextInt64(1_000_000_000, 9_999_999_999)}";
        var limes = await manager.ProductAsync("Limes", "each", batchSize: 1, conversions: new() { ["case"] = 40 }, barcode: barcode);
        using var cook = await orbital.SignedInAsync("prep_cook");

        using var received = await cook.PostAsJsonAsync("/scans", new { barcode, locationId = store, action = "receive", quantity = 2, unit = "case" }, cancellationToken);
        using var wasted = await cook.PostAsJsonAsync("/scans", new { barcode, locationId = store, action = "waste", quantity = 5, reason = "spoiled" }, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, received.StatusCode);
        Assert.Equal(HttpStatusCode.OK, wasted.StatusCode);
        var onHand = (await cook.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/inventory", cancellationToken))!.Single();
        Assert.Equal(75m, onHand.GetProperty("quantity").GetDecimal());

        var events = new List<ScanEvent>();
        await Poll.UntilAsync(async _ =>
        {
            while (await broker.GetRawAsync(subscriber) is { } body)
            {
                events.Add(ScanEvent.Parser.ParseFrom(body));
            }

            return events;
        }, seen => seen.Count(e => e.LocationId == store) == 2, TimeSpan.FromSeconds(30), "two scan events on the scans exchange");
        var receipt = events.Single(e => e.Action == ScanAction.Receive);
        Assert.Equal(limes, receipt.ProductSku);
        Assert.Equal(80, receipt.Quantity);
        Assert.Equal("each", receipt.Unit);
        Assert.StartsWith("prep_cook-", receipt.ScannedBy, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_unknown_barcode_gets_404_and_is_recorded()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var barcode = $"unknown-{Guid.NewGuid():N}";

        using var response = await manager.PostAsJsonAsync("/scans", new { barcode, locationId = store, action = "count", quantity = 1 }, cancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.PrepDatabase));
        await using var command = database.CreateCommand("SELECT outcome FROM prep.scans WHERE barcode = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = barcode });
        Assert.Equal("unknown_barcode", await command.ExecuteScalarAsync(cancellationToken));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_transfer_unit_dispatched_and_received_short_records_the_discrepancy()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var commissary = await manager.LocationAsync("commissary");
        var store = await manager.LocationAsync();
        var dough = await manager.ProductAsync("Pizza dough", "kg", batchSize: 5);
        using var cook = await orbital.SignedInAsync("prep_cook");
        (await cook.PostAsJsonAsync($"/locations/{commissary}/counts", new { lines = new object[] { new { sku = dough, quantity = 50 } } }, cancellationToken)).Dispose();

        using var created = await manager.PostAsJsonAsync("/transfer-units", new { sku = dough, quantity = 10, originLocationId = commissary, destinationLocationId = store }, cancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var unit = await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var id = unit.GetProperty("id").GetString();
        var label = unit.GetProperty("barcode").GetString()!;

        using var tooEarly = await cook.PostAsJsonAsync("/scans", new { barcode = label, locationId = store, action = "receive" }, cancellationToken);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooEarly.StatusCode);
        using (var dispatched = await manager.PostAsync($"/transfer-units/{id}/dispatch", null, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, dispatched.StatusCode);
        }

        using var wrongPlace = await cook.PostAsJsonAsync("/scans", new { barcode = label, locationId = commissary, action = "receive" }, cancellationToken);
        using var receivedShort = await cook.PostAsJsonAsync("/scans", new { barcode = label, locationId = store, action = "receive", quantity = 9.5 }, cancellationToken);
        using var receivedTwice = await cook.PostAsJsonAsync("/scans", new { barcode = label, locationId = store, action = "receive" }, cancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongPlace.StatusCode);
        Assert.Equal(HttpStatusCode.OK, receivedShort.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, receivedTwice.StatusCode);
        var after = await cook.GetFromJsonAsync<JsonElement>($"/transfer-units/{id}", cancellationToken);
        Assert.Equal("received", after.GetProperty("status").GetString());
        Assert.Equal(-0.5m, after.GetProperty("discrepancy").GetDecimal());
        Assert.Equal(40m, await OnHandAsync(cook, commissary, dough));
        Assert.Equal(9.5m, await OnHandAsync(cook, store, dough));
        var inventory = await cook.GetFromJsonAsync<JsonElement>($"/locations/{store}/transfer-units", cancellationToken);
        Assert.Equal(label, inventory.GetProperty("onHand").EnumerateArray().Single().GetProperty("barcode").GetString());
        Assert.Equal(label, inventory.GetProperty("discrepancies").EnumerateArray().Single().GetProperty("barcode").GetString());
    }

    private static async Task<decimal> OnHandAsync(HttpClient client, string location, string sku) =>
        (await client.GetFromJsonAsync<List<JsonElement>>($"/locations/{location}/inventory", TestContext.Current.CancellationToken))!
            .Single(o => o.GetProperty("sku").GetString() == sku).GetProperty("quantity").GetDecimal();
}
