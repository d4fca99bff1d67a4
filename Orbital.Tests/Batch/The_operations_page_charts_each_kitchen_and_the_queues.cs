using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// The operations page (/operations on Batch) is what an operator watches on a busy night: after signing in with the
/// form it charts a kitchen's orders per quarter hour, ticket times, open and late items and screens per station, and
/// every service's queues, dead letters, outboxes and calls owed to Otter; the same figures are OpenTelemetry metrics.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class The_operations_page_charts_each_kitchen_and_the_queues(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_operator_signs_in_and_sees_the_kitchens_night_and_the_queues_in_charts()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var batch = orbital.BatchClient();
        var cooked = Kitchen.NewStation();
        var waiting = Kitchen.NewStation();

        // One ticket cooked and bumped at one station; at another, a line of an order placed an hour ago, not started: late.
        await SendOrderAsync(cooked, DateTimeOffset.UtcNow, cancellationToken);
        var item = Assert.Single(await batch.WaitForItemsAsync(cooked, items => items.Count == 1, "the cooked dish"));
        using (var start = await batch.PostAsJsonAsync($"/batch-items/{item.GetProperty("id").GetInt64()}/start", new { }, cancellationToken))
        {
            start.EnsureSuccessStatusCode();
        }

        await batch.BumpOnlyItemAsync(cooked);
        await SendOrderAsync(waiting, DateTimeOffset.UtcNow.AddHours(-1), cancellationToken);
        await batch.WaitForItemsAsync(waiting, items => items.Count == 1, "the waiting dish");
        await using var screen = await SseClient.ConnectAsync(orbital.BatchAddress(), waiting);

        await using var browser = await HeadlessBrowser.OpenAsync(new Uri(orbital.BatchAddress(), $"/operations?kitchen={Kitchen.Id}"), HeadlessBrowser.WallScreen);
        var page = browser.Page;
        await Assertions.Expect(page.Locator("form button[type=submit]")).ToHaveTextAsync("Sign in");
        await page.Locator("#username").FillAsync(PrepAccess.AdminUsername);
        await page.Locator("#password").FillAsync(PrepAccess.AdminPassword);
        await page.Locator("form button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#updated")).ToContainTextAsync("Updated", new() { Timeout = 30_000 });
        Assert.Equal($"/operations?kitchen={Kitchen.Id}", new Uri(page.Url).PathAndQuery);
        await Assertions.Expect(page.Locator("#kitchen")).ToHaveValueAsync(Kitchen.Id);

        var orders = await ChartAsync(page, "orders-chart");
        Assert.True(orders.Values(0).Sum(v => v ?? 0) >= 2, "the two orders are in the last six hours' quarters");
        var tickets = await ChartAsync(page, "tickets-chart");
        Assert.NotNull(tickets.Values(0)[tickets.Labels.IndexOf(cooked)]);
        Assert.NotNull(tickets.Values(1)[tickets.Labels.IndexOf(cooked)]);
        var items = await ChartAsync(page, "items-chart");
        Assert.Equal(1, items.Values(0)[items.Labels.IndexOf(waiting)]);
        Assert.Equal(1, items.Values(1)[items.Labels.IndexOf(waiting)]);
        var screens = await ChartAsync(page, "screens-chart");
        Assert.Equal(1, screens.Values(0)[screens.Labels.IndexOf(waiting)]);
        var queues = await ChartAsync(page, "queues-chart");
        Assert.Contains(Queues.OrdersOtterEvents, queues.Labels);
        Assert.Contains(Queues.BatchStructuredOrders, queues.Labels);
        var deadLetters = await ChartAsync(page, "dead-letters-chart");
        Assert.Equal(queues.Labels, deadLetters.Labels);
        var backlog = await ChartAsync(page, "backlog-chart");
        Assert.Contains("Calls owed to Otter", backlog.Labels);
        Assert.True(int.Parse(await page.Locator("#tile-late").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await Assertions.Expect(page.Locator("#notice")).ToBeHiddenAsync();
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Only_operators_of_every_kitchen_read_it_and_a_script_without_a_session_gets_401()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var anonymous = new HttpClient { BaseAddress = orbital.BatchAddress() };
        using var localManager = Kitchen.BatchClient(orbital.BatchAddress(), role: "manager");
        localManager.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            PrepAccess.Token(role: "manager", locations: [Kitchen.Id], expires: DateTimeOffset.UtcNow.AddMinutes(10)));
        using var admin = new HttpClient { BaseAddress = orbital.BatchAddress() };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await orbital.AdminTokenAsync());

        using var script = await anonymous.GetAsync("/operations/system", cancellationToken);
        using var local = await localManager.GetAsync($"/operations/kitchens/{Kitchen.Id}", cancellationToken);
        using var noSuchKitchen = await admin.GetAsync("/operations/kitchens/atlantis", cancellationToken);
        using var westOfUtc = await admin.GetAsync("/operations/kitchens/austin", cancellationToken);
        using var system = await admin.GetAsync("/operations/system", cancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, script.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, local.StatusCode);
        Assert.Equal("application/problem+json", local.Content.Headers.ContentType?.MediaType);
        Assert.Equal("application/problem+json", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, noSuchKitchen.StatusCode);
        Assert.Equal("application/problem+json", noSuchKitchen.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, westOfUtc.StatusCode);
        var status = await system.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Empty(status.GetProperty("unavailable").EnumerateObject());
        Assert.Equal(["Orbital.Orders", "Orbital.Batch", "Orbital.Prep"],
            status.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("service").GetString()).ToArray());
        Assert.True(status.GetProperty("otterCalls").GetProperty("configured").GetBoolean());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_figures_are_exported_as_OpenTelemetry_metrics_for_the_dashboard()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        string[] batchMetrics = ["orbital.kitchen.items.open", "orbital.kitchen.items.late", "orbital.kitchen.screens", "orbital.kitchen.orders_this_quarter_hour",
            "orbital.queue.waiting", "orbital.queue.consumers", "orbital.queue.oldest_waiting_age", "orbital.queue.dead_letters", "orbital.outbox.pending"];
        string[] ordersMetrics = ["orbital.otter.calls.pending", "orbital.otter.calls.oldest_pending_age", "orbital.queue.waiting", "orbital.outbox.oldest_age"];

        await Poll.UntilAsync(_ => Task.FromResult(orbital.Telemetry.MetricsFrom(ResourceNames.BatchService)).WaitAsync(cancellationToken),
            names => batchMetrics.All(names.Contains), OrbitalAppFixture.WaitTimeout, () => $"Batch's metrics: {string.Join(", ", orbital.Telemetry.MetricsFrom(ResourceNames.BatchService).Where(n => n.StartsWith("orbital.", StringComparison.Ordinal)))}");
        await Poll.UntilAsync(_ => Task.FromResult(orbital.Telemetry.MetricsFrom(ResourceNames.OrdersService)).WaitAsync(cancellationToken),
            names => ordersMetrics.All(names.Contains), OrbitalAppFixture.WaitTimeout, () => $"Orders' metrics: {string.Join(", ", orbital.Telemetry.MetricsFrom(ResourceNames.OrdersService).Where(n => n.StartsWith("orbital.", StringComparison.Ordinal)))}");
    }

    private async Task SendOrderAsync(string station, DateTimeOffset orderedAt, CancellationToken cancellationToken)
    {
        var dish = Otter.Item("line-1", $"dish-{Guid.NewGuid():N}", "Dish", 1);
        dish["stationId"] = station;
        var order = Otter.Order(Otter.NewId(), dish);
        order["orderedAt"] = orderedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        using var response = await orders.SendAsync(Otter.Event("orders.new_order", order), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>What a chart on the page draws, read from Chart.js itself.</summary>
    private static async Task<DrawnChart> ChartAsync(IPage page, string id)
    {
        var chart = await page.EvaluateAsync<JsonElement>("id => { const c = Chart.getChart(id); return c ? { labels: c.data.labels, datasets: c.data.datasets.map(d => d.data) } : null; }", id);
        Assert.True(chart.ValueKind == JsonValueKind.Object, $"the page drew no chart {id}");
        return new DrawnChart(
            [.. chart.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!)],
            [.. chart.GetProperty("datasets").EnumerateArray().Select(d => d.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : (double?)null).ToList())]);
    }

    private sealed record DrawnChart(List<string> Labels, List<List<double?>> Datasets)
    {
        public List<double?> Values(int dataset) => Datasets[dataset];
    }
}
