using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

[Collection(OrbitalCollection.Name)]
public sealed class Webhooks_refuse_what_Otter_did_not_sign_or_send_well(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Bad_signatures_bodies_and_sizes_get_problem_details_and_nothing_is_stored()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var refusedIds = new List<string>();
        JsonElement Refusable(out byte[] body)
        {
            var otterEvent = Otter.Event("orders.new_order", Otter.Order(Otter.NewId(), Otter.Item("l1", "fries", "Fries", 1)));
            refusedIds.Add(otterEvent["eventId"]!.GetValue<string>());
            body = Encoding.UTF8.GetBytes(otterEvent.ToJsonString());
            return JsonSerializer.SerializeToElement(otterEvent);
        }

        Refusable(out var wrongSecret);
        await ExpectProblemAsync(orders.SendRawAsync(wrongSecret, cancellationToken, signature: Otter.Sign(wrongSecret, "not-the-webhook-secret")), HttpStatusCode.Unauthorized, "signature");
        Refusable(out var unsigned);
        await ExpectProblemAsync(orders.SendRawAsync(unsigned, cancellationToken, signed: false), HttpStatusCode.Unauthorized, "signature");
        Refusable(out var garbledSignature);
        await ExpectProblemAsync(orders.SendRawAsync(garbledSignature, cancellationToken, signature: "not base64 at all"), HttpStatusCode.Unauthorized, "signature");
        Refusable(out var tampered);
        var signatureOfOriginal = Otter.Sign(tampered);
        tampered[^2] = (byte)' ';
        await ExpectProblemAsync(orders.SendRawAsync(tampered, cancellationToken, signature: signatureOfOriginal), HttpStatusCode.Unauthorized, "signature");

        await ExpectProblemAsync(orders.SendRawAsync("{\"eventId\": \"x\", "u8.ToArray(), cancellationToken), HttpStatusCode.BadRequest, "JSON");
        await ExpectProblemAsync(orders.SendRawAsync("[1,2,3]"u8.ToArray(), cancellationToken), HttpStatusCode.BadRequest, "JSON");
        var missing = await ExpectProblemAsync(orders.SendRawAsync("{\"eventType\": \"orders.new_order\"}"u8.ToArray(), cancellationToken), HttpStatusCode.BadRequest, "eventId");
        Assert.Contains("metadata", missing);

        var huge = Encoding.UTF8.GetBytes($"{{\"eventId\":\"{Otter.NewId()}\",\"eventType\":\"orders.new_order\",\"metadata\":{{\"payload\":{{\"note\":\"{new string('x', 1024 * 1024)}\"}}}}}}");
        await ExpectProblemAsync(orders.SendRawAsync(huge, cancellationToken), HttpStatusCode.RequestEntityTooLarge, "large");

        using var ping = await orders.SendAsync(Otter.Event("ping.ping", new System.Text.Json.Nodes.JsonObject()), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);

        // A good event sent after the bad ones: once it is stored, everything before it has been through the consumer.
        var sentinelOrder = Otter.NewId();
        using var sentinel = await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(sentinelOrder, Otter.Item("l1", "fries", "Fries", 1))), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, sentinel.StatusCode);
        await orders.WaitForOrderAsync(sentinelOrder);

        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var command = database.CreateCommand("SELECT count(*) FROM otter.raw_events WHERE event_id = ANY($1) OR event_type = 'ping.ping'");
        command.Parameters.Add(new NpgsqlParameter { Value = refusedIds.ToArray() });
        Assert.Equal(0L, await command.ExecuteScalarAsync(cancellationToken));
    }

    private static async Task<string> ExpectProblemAsync(Task<HttpResponseMessage> sending, HttpStatusCode status, string mentions)
    {
        using var response = await sending;
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        var text = $"{problem.GetProperty("title").GetString()} {problem.GetProperty("detail").GetString()}";
        Assert.Contains(mentions, text, StringComparison.OrdinalIgnoreCase);
        return text;
    }
}
