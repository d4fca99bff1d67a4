using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// The dashboard's commands do what they say through the running system: "Send a sample order" on Orders puts a signed
/// order through the webhook to the kitchen; "Replay dead letters" sends a service's dead letters back through its
/// consumers, as the bootstrap admin, recorded in the audit trail.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed partial class Dashboard_commands_send_an_order_and_replay_dead_letters(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Send_a_sample_order_reaches_the_kitchen()
    {
        _ = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);

        var message = await orbital.ExecuteCommandAsync(ResourceNames.OrdersService, "send-sample-order");

        var orderId = OrderIdIn().Match(message ?? string.Empty).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(orderId), $"no order id in \"{message}\"");
        var stored = await orders.WaitForOrderAsync(orderId);
        Assert.Equal("smash-club-london", stored.GetProperty("storeId").GetString());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Replay_dead_letters_sends_them_back_as_the_admin()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var poison = Otter.Event("orders.new_order", Otter.Order(Otter.NewId(), Otter.Item("l1", "fries", "Fries", 5000)));
        var eventId = poison["eventId"]!.GetValue<string>();
        using (var sent = await orders.SendAsync(poison, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        }

        await Poll.UntilAsync(token => orders.GetFromJsonAsync<JsonElement>($"/dead-letters/{Queues.OrdersOtterEvents}?max=500", token),
            page => page.GetProperty("letters").EnumerateArray().Any(l => l.GetProperty("messageId").GetString() == eventId),
            TimeSpan.FromSeconds(30), "the poison event among the dead letters");

        var message = await orbital.ExecuteCommandAsync(ResourceNames.OrdersService, "replay-dead-letters");

        Assert.Contains($"{Queues.OrdersOtterEvents}: ", message);
        var audit = await orders.GetFromJsonAsync<JsonElement>($"/dead-letters/{Queues.OrdersOtterEvents}/audit?max=500", cancellationToken);
        var entry = audit.GetProperty("entries").EnumerateArray().First(e => e.GetProperty("letter").GetProperty("messageId").GetString() == eventId);
        Assert.Equal("replayed", entry.GetProperty("action").GetString());
        Assert.Equal(PrepAccess.AdminUsername, entry.GetProperty("doneBy").GetString());
    }

    [GeneratedRegex(@"Order ([0-9a-f-]{36}) sent")]
    private static partial Regex OrderIdIn();
}
