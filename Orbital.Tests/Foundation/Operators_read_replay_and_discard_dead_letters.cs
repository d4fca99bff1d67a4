using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Contracts.Otter;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// Every service lists the dead letters of each queue it consumes; an operator who works everywhere reads them (reason,
/// attempts, time, a preview of the body) without taking them, replays one or all, and discards one or all, each
/// discarded letter kept in the audit trail with who did it.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Operators_read_replay_and_discard_dead_letters(OrbitalAppFixture orbital)
{
    private const string OtterEvents = "/dead-letters/" + Queues.OrdersOtterEvents;

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_dead_letter_is_read_with_its_reason_attempts_time_and_preview_and_stays_where_it_is()
    {
        _ = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var (eventId, orderId) = await SendPoisonAsync(orders);

        var letter = await WaitForLetterAsync(orders, eventId);
        var again = await ReadLettersAsync(orders);

        Assert.Equal(OtterEventEnvelope.Descriptor.FullName, letter.GetProperty("type").GetString());
        Assert.Contains("quantity", letter.GetProperty("reason").GetString());
        Assert.True(letter.GetProperty("attempts").GetInt32() >= 1);
        Assert.True(DateTimeOffset.TryParse(letter.GetProperty("deadLetteredAt").GetString(), out _));
        // The Otter webhook inside the envelope is shown as the JSON Otter sent, not as base64.
        Assert.Contains(orderId, letter.GetProperty("preview").GetString());
        Assert.True(letter.GetProperty("bodyBytes").GetInt32() > 0);
        Assert.Contains(again, l => l.GetProperty("messageId").GetString() == eventId);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_discarded_dead_letter_leaves_its_queue_and_is_kept_in_the_audit_trail_with_who_discarded_it()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = await SignedInOrdersClientAsync();
        var discarded = await SendPoisonAsync(orders);
        var kept = await SendPoisonAsync(orders);
        await WaitForLetterAsync(orders, discarded.EventId);
        await WaitForLetterAsync(orders, kept.EventId);

        using var discard = await orders.DeleteAsync($"{OtterEvents}/letters/{discarded.EventId}", cancellationToken);
        using var discardAgain = await orders.DeleteAsync($"{OtterEvents}/letters/{discarded.EventId}", cancellationToken);
        var left = await ReadLettersAsync(orders);
        var audit = await orders.GetFromJsonAsync<JsonElement>($"{OtterEvents}/audit?max=500", cancellationToken);

        Assert.Equal(HttpStatusCode.OK, discard.StatusCode);
        Assert.Equal(1, (await discard.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("discarded").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, discardAgain.StatusCode);
        Assert.Equal("application/problem+json", discardAgain.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(left, l => l.GetProperty("messageId").GetString() == discarded.EventId);
        Assert.Contains(left, l => l.GetProperty("messageId").GetString() == kept.EventId);
        var entry = Assert.Single(audit.GetProperty("entries").EnumerateArray(), e => e.GetProperty("letter").GetProperty("messageId").GetString() == discarded.EventId);
        Assert.Equal("discarded", entry.GetProperty("action").GetString());
        Assert.Equal(UsernameOf(orders), entry.GetProperty("doneBy").GetString());
        Assert.Contains(discarded.OrderId, entry.GetProperty("letter").GetProperty("preview").GetString());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Replaying_one_dead_letter_sends_only_that_one_back_through_its_consumer()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = await SignedInOrdersClientAsync();
        var replayed = await SendPoisonAsync(orders);
        var left = await SendPoisonAsync(orders);
        var before = await WaitForLetterAsync(orders, replayed.EventId);
        var leftBefore = await WaitForLetterAsync(orders, left.EventId);

        using var replay = await orders.PostAsync($"{OtterEvents}/letters/{replayed.EventId}/replay", content: null, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var result = await replay.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Equal(replayed.EventId, Assert.Single(result.GetProperty("letters").EnumerateArray()).GetProperty("messageId").GetString());
        // Still poison, so its consumer handles it again and dead-letters it anew.
        var after = await WaitForLetterAsync(orders, replayed.EventId,
            l => l.GetProperty("deadLetteredAt").GetString() != before.GetProperty("deadLetteredAt").GetString());
        Assert.Contains("quantity", after.GetProperty("reason").GetString());
        var leftAfter = await WaitForLetterAsync(orders, left.EventId);
        Assert.Equal(leftBefore.GetProperty("deadLetteredAt").GetString(), leftAfter.GetProperty("deadLetteredAt").GetString());
        var audit = (await orders.GetFromJsonAsync<JsonElement>($"{OtterEvents}/audit?max=500", cancellationToken)).GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal("replayed", Assert.Single(audit, e => e.GetProperty("letter").GetProperty("messageId").GetString() == replayed.EventId).GetProperty("action").GetString());
        Assert.DoesNotContain(audit, e => e.GetProperty("letter").GetProperty("messageId").GetString() == left.EventId);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Every_service_lists_the_queues_it_consumes_and_only_an_operator_of_every_kitchen_reads_them()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        using var batch = orbital.CreateClient(ResourceNames.BatchService);
        using var prep = await orbital.SignedInAsync("manager");
        using var oneKitchen = orbital.AnonymousClient(ResourceNames.BatchService);
        oneKitchen.DefaultRequestHeaders.Authorization = new("Bearer", PrepAccess.Token(role: "manager", locations: ["kitchen-london"]));
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var untyped = $"untyped-{Guid.NewGuid():N}";
        var unreadable = $"unreadable-{Guid.NewGuid():N}";
        var refused = Kitchen.Order(Kitchen.NewStation(), Otter.NewId(), 1, ("1", "gyoza", 6));
        refused.Version = 0;
        var refusedId = $"refused-{Guid.NewGuid():N}";
        await broker.PublishAsync(Exchanges.StructuredOrderData, [0xff, 0xff, 0xff, 0x01], untyped);
        await broker.PublishAsync(Exchanges.StructuredOrderData, [0xff, 0xff, 0xff, 0x01], unreadable, StructuredOrder.Descriptor.FullName);
        await broker.PublishAsync(Exchanges.StructuredOrderData, Google.Protobuf.MessageExtensions.ToByteArray(refused), refusedId, StructuredOrder.Descriptor.FullName);

        Assert.Equal([Queues.OrdersKitchenOrderEvents, Queues.OrdersMenuAvailability, Queues.OrdersOtterEvents], await QueuesOfAsync(orders));
        Assert.Equal([Queues.BatchMenuAvailability, Queues.BatchStockWarnings, Queues.BatchStoreStatus, Queues.BatchStructuredOrders], await QueuesOfAsync(batch));
        Assert.Equal([Queues.PrepStructuredOrders], await QueuesOfAsync(prep));
        // With no type nothing says how to read a body: its start in base64. A protobuf of Orbital's is shown as JSON.
        Assert.Equal("base64:////AQ==", (await WaitForLetterAsync(batch, untyped, queue: Queues.BatchStructuredOrders)).GetProperty("preview").GetString());
        var letter = await WaitForLetterAsync(batch, unreadable, queue: Queues.BatchStructuredOrders);
        Assert.Contains("Not a StructuredOrder", letter.GetProperty("reason").GetString());
        Assert.StartsWith("(not a readable StructuredOrder", letter.GetProperty("preview").GetString(), StringComparison.Ordinal);
        var refusedLetter = await WaitForLetterAsync(batch, refusedId, queue: Queues.BatchStructuredOrders);
        Assert.Contains("positive version", refusedLetter.GetProperty("reason").GetString());
        Assert.Contains($"\"orderId\":\"{refused.OrderId}\"", refusedLetter.GetProperty("preview").GetString());
        using var forbidden = await oneKitchen.GetAsync("/dead-letters", cancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using var noSuchQueue = await batch.GetAsync("/dead-letters/orders.otter_events", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, noSuchQueue.StatusCode);
        Assert.Equal("application/problem+json", noSuchQueue.Content.Headers.ContentType?.MediaType);
        using var tooMany = await batch.GetAsync($"/dead-letters/{Queues.BatchStructuredOrders}?max=100000", cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        // A NUL in the path is refused by the server itself, before any route; other control characters by the route.
        using var nulInId = await batch.DeleteAsync($"/dead-letters/{Queues.BatchStructuredOrders}/letters/a%00b", cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, nulInId.StatusCode);
        using var controlInId = await batch.DeleteAsync($"/dead-letters/{Queues.BatchStructuredOrders}/letters/a%01b", cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, controlInId.StatusCode);
        Assert.Equal("application/problem+json", controlInId.Content.Headers.ContentType?.MediaType);
        using var hugeId = await batch.DeleteAsync($"/dead-letters/{Queues.BatchStructuredOrders}/letters/{new string('x', 5000)}", cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, hugeId.StatusCode);
    }

    private async Task<HttpClient> SignedInOrdersClientAsync()
    {
        using var prep = await orbital.SignedInAsync("manager");
        var orders = orbital.AnonymousClient(ResourceNames.OrdersService);
        orders.DefaultRequestHeaders.Authorization = prep.DefaultRequestHeaders.Authorization;
        return orders;
    }

    private static string UsernameOf(HttpClient client)
    {
        var payload = client.DefaultRequestHeaders.Authorization!.Parameter!.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=')));
        return JsonDocument.Parse(json).RootElement.GetProperty("name").GetString()!;
    }

    /// <summary>An Otter order whose quantity is out of bounds: the consumer dead-letters it at once.</summary>
    private static async Task<(string EventId, string OrderId)> SendPoisonAsync(HttpClient orders)
    {
        var orderId = Otter.NewId();
        var poison = Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "fries", "Fries", 5000)));
        using var response = await orders.SendAsync(poison, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (poison["eventId"]!.GetValue<string>(), orderId);
    }

    private static async Task<List<JsonElement>> ReadLettersAsync(HttpClient client, string queue = Queues.OrdersOtterEvents)
    {
        var page = await client.GetFromJsonAsync<JsonElement>($"/dead-letters/{queue}?max=500", TestContext.Current.CancellationToken);
        return [.. page.GetProperty("letters").EnumerateArray()];
    }

    private static async Task<JsonElement> WaitForLetterAsync(
        HttpClient client, string messageId, Func<JsonElement, bool>? also = null, string queue = Queues.OrdersOtterEvents)
    {
        var letters = await Poll.UntilAsync(_ => ReadLettersAsync(client, queue),
            read => read.Any(l => l.GetProperty("messageId").GetString() == messageId && (also is null || also(l))),
            TimeSpan.FromSeconds(30), $"dead letter {messageId}");
        return letters.First(l => l.GetProperty("messageId").GetString() == messageId && (also is null || also(l)));
    }

    private static async Task<List<string>> QueuesOfAsync(HttpClient client)
    {
        var counts = await client.GetFromJsonAsync<JsonElement>("/dead-letters", TestContext.Current.CancellationToken);
        return [.. counts.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("queue").GetString()!)];
    }
}
