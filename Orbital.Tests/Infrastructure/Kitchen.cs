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
    /// Another Batch instance, a process of its own on the fixture's servers (or on <paramref name="batchDatabase"/>).
    /// Without <paramref name="withBroker"/> it gets an address where no broker answers, so it takes none of the
    /// running system's orders.
    /// </summary>
    public static async Task<ServiceProcess> StartBatchInstanceAsync(this OrbitalAppFixture orbital, bool withBroker, string? batchDatabase = null) =>
        ServiceProcess.Start("Orbital.Batch", new Dictionary<string, string>
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

    /// <summary>Waits until the station's batch items satisfy <paramref name="done"/>.</summary>
    public static Task<List<JsonElement>> WaitForItemsAsync(this HttpClient batch, string station, Func<List<JsonElement>, bool> done, string what) =>
        Poll.UntilAsync(_ => batch.ItemsAsync(station), done, TimeSpan.FromSeconds(30), what);
}
