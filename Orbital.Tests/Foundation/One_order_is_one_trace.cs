using System.Diagnostics;
using System.Net;
using System.Text;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// An order is one trace from the webhook through Orders, the outbox, Batch, the kitchen event and its write to the
/// screen, to the call that tells Otter the kitchen has it, collected from what the services export over OTLP; and the
/// services' background polling, when it finds nothing, exports no trace at all.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class One_order_is_one_trace(OrbitalAppFixture orbital)
{
    private static readonly (string Service, string Span)[] Path =
    [
        (ResourceNames.OrdersService, "POST /webhooks/otter"),
        (ResourceNames.OrdersService, "process orders.otter_events"),
        (ResourceNames.OrdersService, "apply otter event"),
        (ResourceNames.OrdersService, "publish structured_order_data"),
        (ResourceNames.BatchService, "process batch.structured_order_data"),
        (ResourceNames.BatchService, "kitchen event created"),
        (ResourceNames.BatchService, "sse write created"),
        (ResourceNames.BatchService, "publish kitchen_order_events"),
        (ResourceNames.OrdersService, "process orders.kitchen_order_events"),
        (ResourceNames.OrdersService, "tell otter confirm"),
    ];

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_webhook_Orders_the_outbox_Batch_the_kitchen_event_the_screen_write_and_the_call_to_Otter_are_one_trace()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        var sku = $"dish-{Guid.NewGuid():N}";
        await using var screen = await SseClient.ConnectAsync(orbital.BatchAddress(), station);
        var orderId = Otter.NewId();
        var item = Otter.Item("line-0", sku, "Dish", 1);
        item["stationId"] = station;
        var webhook = Otter.Event("orders.new_order", Otter.Order(orderId, item));
        webhook["metadata"]!["storeId"] = Kitchen.StoreId;
        // Otter's request arrives in a trace of ours, so the test knows the trace id to look for.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpanId = ActivitySpanId.CreateRandom().ToHexString();

        using (var orders = orbital.AnonymousClient(ResourceNames.OrdersService))
        {
            var body = Encoding.UTF8.GetBytes(webhook.ToJsonString());
            using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/otter") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add("X-HMAC-SHA256", Otter.Sign(body));
            request.Headers.Add("traceparent", $"00-{traceId}-{callerSpanId}-01");
            using var accepted = await orders.SendAsync(request, cancellationToken);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        await screen.WaitForAsync(e => e.IsFor(sku), TimeSpan.FromSeconds(30), "the order's item on the screen");
        await Poll.UntilAsync(_ => Task.FromResult(orbital.OtterApi.AcceptedCalls(orderId).Any(c => c.Action == "confirm")),
            confirmed => confirmed, TimeSpan.FromSeconds(30), "the confirm at Otter");
        var trace = await Poll.UntilAsync(_ => Task.FromResult(orbital.Telemetry.Spans.Where(s => s.TraceId == traceId).ToList()),
            spans => Path.All(step => spans.Any(s => s.Service == step.Service && s.Name == step.Span)),
            TimeSpan.FromSeconds(30), () => "every step of the order in its trace; seen: " + string.Join(", ",
                orbital.Telemetry.Spans.Where(s => s.TraceId == traceId).Select(s => $"{s.Service}:{s.Name}").Distinct()));

        // One tree: every span hangs from another span of the trace, or from Otter's (the caller's) span.
        var ids = trace.Select(s => s.SpanId).Append(callerSpanId).ToHashSet(StringComparer.Ordinal);
        Assert.All(trace, span => Assert.True(span.ParentSpanId is not null && ids.Contains(span.ParentSpanId),
            $"{span.Service}:{span.Name} has parent {span.ParentSpanId ?? "none"}, not a span of the order's trace"));
        // The call to Otter itself (the HTTP client's span) is under the step that owed it.
        var tellOtter = trace.Single(s => s.Name == "tell otter confirm");
        Assert.Contains(trace, s => s.ParentSpanId == tellOtter.SpanId && s.Scope == "System.Net.Http");
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Background_polling_that_finds_nothing_exports_no_trace()
    {
        // The relays, the job servers and the screens' feed poll PostgreSQL several times a second in every service:
        // once each of the three services has exported again after this point, their polls of the meantime are in. (A
        // service exports when it has spans to send: a request to each makes sure it has some.)
        string[] services = [ResourceNames.OrdersService, ResourceNames.BatchService, ResourceNames.PrepService];
        var before = services.ToDictionary(s => s, orbital.Telemetry.ExportsFrom);
        foreach (var service in services)
        {
            using var client = orbital.AnonymousClient(service);
            using var _ = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        }

        await Poll.UntilAsync(_ => Task.FromResult(services.All(s => orbital.Telemetry.ExportsFrom(s) > before[s])), all => all,
            TimeSpan.FromSeconds(30), "a trace export from each service");

        var spans = orbital.Telemetry.Spans;
        var rootStatements = spans.Where(s => s.ParentSpanId is null && s.Scope == "Npgsql").ToList();

        Assert.NotEmpty(spans);
        Assert.True(rootStatements.Count == 0,
            $"{rootStatements.Count} statements exported as traces of their own, e.g. {string.Join(", ", rootStatements.Take(5).Select(s => $"{s.Service}:{s.Name}"))}");
    }
}
