using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// Kitchen screens are paired, as kitchen display vendors do it: nobody reads or works a kitchen's boards without a
/// paired screen's credential (for that kitchen) or a staff token; a manager's code pairs a screen once; a revoked
/// screen is out; a screen or person holds a bounded number of streams, and a screen far behind is not replayed the log.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Kitchen_screens_are_paired(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Without_a_paired_screen_or_staff_token_every_kitchen_route_is_refused_but_the_screen_itself_loads()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var anonymous = new HttpClient { BaseAddress = orbital.BatchAddress() };
        var wrong = new List<string>();
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/kitchens"),
            (HttpMethod.Get, "/stations?kitchen=london"),
            (HttpMethod.Get, "/stations/grill/board?kitchen=london"),
            (HttpMethod.Get, "/batch-items?kitchen=london"),
            (HttpMethod.Get, "/batch-items/all-day?kitchen=london"),
            (HttpMethod.Get, "/batch-items/1"),
            (HttpMethod.Post, "/batch-items/1/start"),
            (HttpMethod.Post, "/batch-items/1/complete"),
            (HttpMethod.Post, "/batch-items/1/recall"),
            (HttpMethod.Get, "/orders/events?kitchen=london"),
            (HttpMethod.Get, "/screens/me"),
            (HttpMethod.Post, "/kitchens/london/screens/pairing-codes"),
        })
        {
            using var request = new HttpRequestMessage(method, path);
            if (method == HttpMethod.Post)
            {
                request.Content = JsonContent.Create(new { });
            }

            request.Headers.TryAddWithoutValidation("Cookie", "orbital-screen=0123456789abcdef0123456789abcdef.made-up-secret");
            using var response = await anonymous.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                wrong.Add($"{method} {path} → {(int)response.StatusCode}");
            }
        }

        using var page = await anonymous.GetAsync("/", cancellationToken);
        Assert.Empty(wrong);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_code_pairs_one_screen_once_for_its_kitchen_only()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        var code = await orbital.PairingCodeAsync("london", station, "Grill tablet");
        using var anonymous = new HttpClient { BaseAddress = orbital.BatchAddress() };

        using var first = await anonymous.PostAsJsonAsync("/screens/pair", new { code }, cancellationToken);
        using var again = await anonymous.PostAsJsonAsync("/screens/pair", new { code = code.Replace("-", "", StringComparison.Ordinal), cookie = false }, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("orbital-screen=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var paired = await first.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Equal("london", paired.GetProperty("kitchen").GetString());
        Assert.Equal(station, paired.GetProperty("station").GetString());
        Assert.Equal(JsonValueKind.Null, paired.GetProperty("credential").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);

        using var screen = new HttpClient { BaseAddress = orbital.BatchAddress() };
        screen.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        using var ownBoard = await screen.GetAsync($"/stations/{station}/board?kitchen=london", cancellationToken);
        using var otherBoard = await screen.GetAsync($"/stations/{station}/board?kitchen=austin", cancellationToken);
        using var unassigned = await screen.GetAsync("/stations/unassigned/board?kitchen=unassigned", cancellationToken);
        using var everywhere = await screen.GetAsync("/batch-items", cancellationToken);
        var kitchens = await screen.GetFromJsonAsync<JsonElement>("/kitchens", cancellationToken);

        Assert.Equal(HttpStatusCode.OK, ownBoard.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherBoard.StatusCode);
        Assert.Equal("Not your kitchen", (await otherBoard.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, unassigned.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, everywhere.StatusCode);
        Assert.Equal(["london", "unassigned"], kitchens.GetProperty("kitchens").EnumerateArray().Select(k => k.GetProperty("id").GetString()).Order());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_manager_pairs_and_lists_screens_of_their_own_kitchen_only()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // Signed in at Prep as a manager of Austin: the token Prep issues says where they work.
        using var prep = await orbital.SignedInAsync("manager", "austin");
        using var manager = new HttpClient { BaseAddress = orbital.BatchAddress() };
        manager.DefaultRequestHeaders.Authorization = prep.DefaultRequestHeaders.Authorization;

        using var austinCode = await manager.PostAsJsonAsync("/kitchens/austin/screens/pairing-codes", new { station = "grill" }, cancellationToken);
        using var londonCode = await manager.PostAsJsonAsync("/kitchens/london/screens/pairing-codes", new { station = "grill" }, cancellationToken);
        using var londonScreens = await manager.GetAsync("/kitchens/london/screens", cancellationToken);
        using var londonRevoke = await manager.DeleteAsync($"/kitchens/london/screens/{Guid.NewGuid()}", cancellationToken);

        Assert.Equal(HttpStatusCode.Created, austinCode.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, londonCode.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, londonScreens.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, londonRevoke.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Ten_screens_entering_one_code_at_once_pair_one()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // An instance of its own: the nine refused codes would count against this address on the shared one, and hold
        // up the other tests' pairing for a minute.
        await using var batch = await StartInstanceAsync(new Dictionary<string, string>());
        var code = await orbital.PairingCodeAsync("london");
        using var anonymous = new HttpClient { BaseAddress = batch.Address };

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await anonymous.PostAsJsonAsync("/screens/pair", new { code, cookie = false }, cancellationToken);
            return response.StatusCode;
        }));

        Assert.Equal(1, answers.Count(a => a == HttpStatusCode.OK));
        Assert.Equal(9, answers.Count(a => a == HttpStatusCode.BadRequest));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_screen_cannot_bump_another_kitchens_item_and_a_revoked_screen_is_out_at_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var austinOrder = Kitchen.Order(station, Otter.NewId(), 1, ("1", $"brisket-{Guid.NewGuid():N}", 1));
        austinOrder.StoreId = "smash-club-austin";
        await broker.PublishAsync(austinOrder);
        using var staff = orbital.BatchClient();
        var austinItem = (await staff.WaitForItemsAsync(station, items => items.Count == 1, "austin's item")).Single();

        var (credential, deviceId) = await orbital.PairScreenAsync("london", station);
        using var londonScreen = new HttpClient { BaseAddress = orbital.BatchAddress() };
        londonScreen.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", credential);
        using var bumpAustin = await londonScreen.PostAsJsonAsync($"/batch-items/{austinItem.GetProperty("id").GetInt64()}/complete", new { }, cancellationToken);
        using var readAustin = await londonScreen.GetAsync($"/batch-items/{austinItem.GetProperty("id").GetInt64()}", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, bumpAustin.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, readAustin.StatusCode);
        Assert.Equal("pending", (await staff.GetFromJsonAsync<JsonElement>($"/batch-items/{austinItem.GetProperty("id").GetInt64()}", cancellationToken)).GetProperty("status").GetString());

        await using var stream = await SseClient.ConnectAsync(orbital.BatchAddress(), station, kitchen: "london", authorization: credential);
        using var manager = orbital.BatchClient("manager");
        var listed = await manager.GetFromJsonAsync<List<JsonElement>>("/kitchens/london/screens", cancellationToken);
        Assert.Contains(listed!, d => d.GetProperty("id").GetString()!.Replace("-", "", StringComparison.Ordinal) == deviceId.Replace("-", "", StringComparison.Ordinal));
        using (var revoke = await manager.DeleteAsync($"/kitchens/london/screens/{deviceId}", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using var afterRevoke = await londonScreen.GetAsync($"/stations/{station}/board?kitchen=london", cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        // The open stream is told at its next heartbeat, and ends.
        await stream.WaitForAsync(e => e.Type == "unpaired", TimeSpan.FromSeconds(40), "the revoked screen's stream to say it was unpaired");
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Wrong_codes_are_throttled_streams_are_capped_per_screen_and_a_screen_far_behind_reloads_instead_of_replaying()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // An instance of its own with small limits, so the throttle it trips holds up no other test's pairing.
        await using var batch = await StartInstanceAsync(new Dictionary<string, string>
        {
            ["Screens__FailedPairingsPerAddressPerMinute"] = "3",
            ["Screens__StreamsPerScreen"] = "2",
            ["Screens__MaxReplayEvents"] = "5",
        });

        using var anonymous = new HttpClient { BaseAddress = batch.Address };
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            using var wrong = await anonymous.PostAsJsonAsync("/screens/pair", new { code = "0000-000" + attempt }, cancellationToken);
            statuses.Add(wrong.StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);

        // London's stream gets more than 5 events, more than this instance replays.
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        for (var i = 0; i < 6; i++)
        {
            await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", $"toast-{i}-{Guid.NewGuid():N}", 1)));
        }

        using var staff = orbital.BatchClient();
        await staff.WaitForItemsAsync(station, items => items.Count == 6, "six items on the test's station");
        var (credential, _) = await orbital.PairScreenAsync("london", station);
        await using var one = await SseClient.ConnectAsync(batch.Address, station, authorization: credential);
        await using var two = await SseClient.ConnectAsync(batch.Address, station, authorization: credential);
        using var screen = new HttpClient { BaseAddress = batch.Address };
        screen.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", credential);
        using (var third = await screen.GetAsync($"/orders/events?kitchen=london&station={station}", HttpCompletionOption.ResponseHeadersRead, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        }

        await one.DisposeAsync();
        await using var behind = await Poll.UntilAsync(
            async _ => await TryConnectAsync(batch.Address, station, credential, lastEventId: "0"), s => s is not null, TimeSpan.FromSeconds(10), "a stream once one was closed");
        // Replaying all of London's events is refused: the board is reloaded instead.
        var reset = await behind!.WaitForAsync(e => e.Type is "reset" or "created" or "changed", TimeSpan.FromSeconds(10), "the answer to a screen far behind");
        Assert.Equal("reset", reset.Type);
    }

    /// <summary>A Batch instance of the test's own (its own throttle and stream counts), on the fixture's servers, once healthy.</summary>
    private async Task<ServiceProcess> StartInstanceAsync(Dictionary<string, string> settings)
    {
        var batch = await orbital.StartBatchInstanceAsync(withBroker: true, settings: settings);
        using var probe = batch.CreateClient();
        await Poll.UntilAsync(token => probe.GetHealthAsync(token), health => health.Status == "Healthy",
            TimeSpan.FromSeconds(60), () => $"the test's Batch instance to be healthy. Output:\n{batch.Output}");
        return batch;
    }

    private static async Task<SseClient?> TryConnectAsync(Uri batch, string station, string credential, string lastEventId)
    {
        try
        {
            return await SseClient.ConnectAsync(batch, station, lastEventId, authorization: credential);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
