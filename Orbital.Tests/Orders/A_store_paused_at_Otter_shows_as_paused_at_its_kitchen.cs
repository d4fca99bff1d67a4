using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// <c>storefront.pause_store</c> and <c>unpause_store</c> through the webhook: the store's kitchen shows it paused on the
/// pass (live, and on its first paint) and in <c>GET /kitchens</c>, until Otter unpauses it; the newest word wins.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_store_paused_at_Otter_shows_as_paused_at_its_kitchen(OrbitalAppFixture orbital)
{
    private const string Store = "wok-this-way-london";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_paused_store_shows_on_its_pass_and_in_the_kitchens_until_Otter_unpauses_it_and_an_older_word_changes_nothing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var pass = await SseClient.ConnectAsync(orbital.BatchAddress(), station: "@expo", kitchen: "london");
        var pausedAt = DateTimeOffset.UtcNow;
        await SendAsync("storefront.pause_store", new JsonObject(), pausedAt, cancellationToken);

        var paused = await pass.WaitForAsync(e => StoreOf(e) is { } s && s.GetProperty("paused").GetBoolean(), Within, "the pause on the pass's stream");
        Assert.Equal("Wok This Way", StoreOf(paused)!.Value.GetProperty("brandName").GetString());
        using var batch = orbital.BatchClient();
        Assert.NotNull(await PausedSinceAsync(batch, cancellationToken));
        var board = await batch.GetFromJsonAsync<JsonElement>("/kitchens/london/expo", cancellationToken);
        Assert.Contains(board.GetProperty("pausedStores").EnumerateArray(), s => s.GetProperty("storeId").GetString() == Store);

        // An unpause Otter sent before the pause arrives late: the store stays paused. A newer pause then goes through,
        // and the stream never showed the store unpaused in between.
        await SendAsync("storefront.unpause_store", JsonValue.Create("closure-older"), pausedAt.AddMinutes(-1), cancellationToken);
        await SendAsync("storefront.pause_store", new JsonObject(), pausedAt.AddSeconds(1), cancellationToken);
        await pass.WaitForAsync(e => StoreOf(e) is { } s && s.GetProperty("changedAt").GetDateTimeOffset() > pausedAt, Within, "the newer pause");
        Assert.DoesNotContain(pass.Received, e => StoreOf(e) is { } s && !s.GetProperty("paused").GetBoolean());

        await SendAsync("storefront.unpause_store", JsonValue.Create("4109d2c9-8bc5-413c-af3e-1c92aa381e41"), pausedAt.AddSeconds(2), cancellationToken);
        await pass.WaitForAsync(e => StoreOf(e) is { } s && !s.GetProperty("paused").GetBoolean(), Within, "the unpause on the pass's stream");
        Assert.Null(await PausedSinceAsync(batch, cancellationToken));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_store_status_Batch_cannot_use_goes_to_the_dead_letter_queue_with_its_reason()
    {
        _ = TestContext.Current.CancellationToken;
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var poisonId = $"poison-{Guid.NewGuid():N}";
        var withNul = new Orbital.Contracts.Stores.StoreStatus
        {
            EventId = $"{poisonId}-nul", StoreId = "store\0id", Paused = true,
            ChangedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        };
        var withoutTime = new Orbital.Contracts.Stores.StoreStatus { EventId = $"{poisonId}-time", StoreId = Store, Paused = true };
        await broker.PublishAsync(Exchanges.StoreStatus, [0xff, 0xff, 0xff, 0x01], poisonId);
        await broker.PublishAsync(Exchanges.StoreStatus, Google.Protobuf.MessageExtensions.ToByteArray(withNul), $"{poisonId}-nul");
        await broker.PublishAsync(Exchanges.StoreStatus, Google.Protobuf.MessageExtensions.ToByteArray(withoutTime), $"{poisonId}-time");

        var letters = new List<(string Body, IReadOnlyDictionary<string, string?> Headers, RabbitMQ.Client.IReadOnlyBasicProperties Properties)>();
        await Poll.UntilAsync(async _ =>
        {
            while (await broker.GetAsync(Topology.DeadLetterQueueFor(Queues.BatchStoreStatus)) is { } letter)
            {
                letters.Add(letter);
            }

            return letters;
        }, seen => seen.Count(l => l.Properties.MessageId?.StartsWith(poisonId, StringComparison.Ordinal) == true) == 3, Within, "the three store statuses dead-lettered");
        Assert.Contains("Not a StoreStatus", letters.Single(l => l.Properties.MessageId == poisonId).Headers[MessageHeaders.DeadLetterReason]);
        Assert.Contains("NUL", letters.Single(l => l.Properties.MessageId == $"{poisonId}-nul").Headers[MessageHeaders.DeadLetterReason]);
        Assert.Contains("a time", letters.Single(l => l.Properties.MessageId == $"{poisonId}-time").Headers[MessageHeaders.DeadLetterReason]);
    }

    private static JsonElement? StoreOf(SseEvent e) =>
        e.Type == "store" && e.Json.TryGetProperty("store", out var store) && store.GetProperty("storeId").GetString() == Store ? store : null;

    private static async Task<DateTimeOffset?> PausedSinceAsync(HttpClient batch, CancellationToken cancellationToken)
    {
        var kitchens = await batch.GetFromJsonAsync<JsonElement>("/kitchens", cancellationToken);
        var store = kitchens.GetProperty("kitchens").EnumerateArray().Single(k => k.GetProperty("id").GetString() == "london")
            .GetProperty("stores").EnumerateArray().Single(s => s.GetProperty("storeId").GetString() == Store);
        return store.TryGetProperty("pausedSince", out var since) && since.ValueKind == JsonValueKind.String ? since.GetDateTimeOffset() : null;
    }

    private async Task SendAsync(string eventType, JsonNode payload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var webhook = Otter.Event(eventType, payload, at);
        webhook["metadata"]!["storeId"] = Store;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        using var response = await orders.SendAsync(webhook, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
