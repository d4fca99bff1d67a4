using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// A 200 means the order will be cooked. A NUL or half a surrogate pair in any text is cleaned out (the bytes Otter sent
/// kept for audit); a time no order can have is refused at the door, where Otter hears of it.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Text_PostgreSQL_cannot_hold_is_cleaned_and_times_no_order_has_are_refused(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_order_with_NUL_characters_and_lone_surrogates_in_its_text_is_stored_without_them()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        var order = Otter.Order(orderId, Otter.Item("l1", "burger", "Bur\u0000ger", 1, Otter.Modifier("no\u0000 onion")));
        order["customerNote"] = "no peanuts\u0000, allergy";
        order["items"]![0]!["note"] = "well\u0000 done";
        order["customer"]!["name"] = "Ada\u0000";
        var otterEvent = Otter.Event("orders.new_order", order);
        var json = otterEvent.ToJsonString();
        var body = Encoding.UTF8.GetBytes(json);
        Assert.Contains("\\u0000", json, StringComparison.Ordinal);

        using (var response = await orders.SendRawAsync(body, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var stored = await orders.WaitForOrderAsync(orderId);
        Assert.Equal("no peanuts, allergy", stored.GetProperty("customerNote").GetString());
        var line = stored.GetProperty("lines")[0];
        Assert.Equal("Burger", line.GetProperty("name").GetString());
        Assert.Equal("well done", line.GetProperty("note").GetString());
        Assert.Equal("no onion", line.GetProperty("modifiers")[0].GetProperty("name").GetString());

        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var command = database.CreateCommand("SELECT body->'metadata'->'payload'->>'customerNote', original_body FROM otter.raw_events WHERE event_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = otterEvent["eventId"]!.GetValue<string>() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        Assert.True(await reader.ReadAsync(cancellationToken));
        Assert.Equal("no peanuts, allergy", reader.GetString(0));
        Assert.Equal(body, reader.GetFieldValue<byte[]>(1));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_order_with_a_lone_surrogate_in_its_note_keeps_the_rest_of_the_note()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        // A lone high surrogate can only be written as an escape; System.Text.Json would not write one.
        var json = Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "fries", "Fries", 1))).ToJsonString()
            .Replace("ring twice", "ring \\ud83d twice", StringComparison.Ordinal);

        using (var response = await orders.SendRawAsync(Encoding.UTF8.GetBytes(json), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal("ring \uFFFD twice", (await orders.WaitForOrderAsync(orderId)).GetProperty("customerNote").GetString());
    }

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [InlineData("eventTime", "9999-12-31T23:59:59Z")]
    [InlineData("orderedAt", "9999-01-01T00:00:00Z")]
    [InlineData("pickupTime", "0001-01-01T00:00:00Z")]
    [InlineData("deliveryTime", "1900-01-01T00:00:00Z")]
    public async Task A_time_no_order_can_have_is_refused_with_a_problem_naming_it(string field, string value)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        var otterEvent = Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "fries", "Fries", 1)));
        var order = otterEvent["metadata"]!["payload"]!;
        switch (field)
        {
            case "eventTime": otterEvent["eventTime"] = value; break;
            case "orderedAt": order["orderedAt"] = value; break;
            default: order["fulfillmentInfo"]![field] = value; break;
        }

        using var response = await orders.SendAsync(otterEvent, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Contains(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var read = await orders.GetAsync($"/orders/{orderId}", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }
}
