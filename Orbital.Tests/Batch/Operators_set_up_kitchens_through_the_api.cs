using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Places;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// <c>PUT /kitchens/setup</c>: only an admin changes the setup; a setup with bad rows changes nothing and names them; a
/// good one reaches every running Batch instance within seconds (not at the next scheduled refresh) and the next
/// order of a new store is cooked in its kitchen. The demo setup is put back at the end.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Operators_set_up_kitchens_through_the_api(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Only_an_admin_changes_the_setup_and_a_bad_one_changes_nothing_and_names_each_row()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var batch = orbital.BatchClient();
        var before = (await batch.GetFromJsonAsync<JsonElement>("/kitchens", cancellationToken)).GetProperty("setupVersion").GetInt64();
        var demo = DemoPlaces.Load();
        var bad = demo with
        {
            Kitchens = [.. demo.Kitchens, new Orbital.Places.Kitchen("lisbon", "Lisbon", "Europe/Lisboa")],
            Stores = [.. demo.Stores, new Store("smash-club-london", "austin", "smash-club")],
            Stations = [.. demo.Stations, new Station("madrid", "grill", "Grill", 1)],
        };

        using var nobody = new HttpClient { BaseAddress = orbital.BatchAddress() };
        using (var anonymous = await nobody.PutAsJsonAsync("/kitchens/setup", demo, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var manager = await SendAsync(batch, HttpMethod.Put, "/kitchens/setup", "manager", demo))
        {
            Assert.Equal(HttpStatusCode.Forbidden, manager.StatusCode);
        }

        using var refused = await SendAsync(batch, HttpMethod.Put, "/kitchens/setup", "admin", bad);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var rows = problem.GetProperty("problems").EnumerateArray().Select(p => $"{p.GetProperty("table").GetString()} {p.GetProperty("row").GetInt32()}").ToList();
        Assert.Equal(["kitchens 4", "stores 7", "stations 11"], rows);
        Assert.Equal(before, (await batch.GetFromJsonAsync<JsonElement>("/kitchens", cancellationToken)).GetProperty("setupVersion").GetInt64());

        using var garbled = new HttpRequestMessage(HttpMethod.Put, "/kitchens/setup") { Content = new StringContent("""{"kitchens":[],"brandz":[]}""", System.Text.Encoding.UTF8, "application/json") };
        garbled.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PrepAccess.Token(role: "admin"));
        using var unreadable = await batch.SendAsync(garbled, cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_new_kitchen_reaches_every_instance_within_seconds_and_its_store_cooks_there()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // No broker for this one: it must not take the running system's orders; it only has to learn the setup.
        await using var second = await orbital.StartBatchInstanceAsync(withBroker: false);
        using var secondClient = second.CreateClient();
        await Poll.UntilAsync(token => Kitchens(secondClient, token), kitchens => kitchens.Contains("london"), TimeSpan.FromSeconds(60),
            () => $"the second instance to load the setup. Output:\n{second.Output}");

        using var batch = orbital.BatchClient();
        var kitchen = $"test-{Guid.NewGuid():N}"[..20];
        var demo = DemoPlaces.Load();
        var withNewKitchen = demo with
        {
            Kitchens = [.. demo.Kitchens, new Orbital.Places.Kitchen(kitchen, "Test kitchen", "Asia/Tokyo", "05:00")],
            Stores = [.. demo.Stores, new Store($"fry-society-{kitchen}", kitchen, "fry-society")],
            Stations = [.. demo.Stations, new Station(kitchen, "fryer", "Fryer", 1)],
        };
        try
        {
            using (var applied = await SendAsync(batch, HttpMethod.Put, "/kitchens/setup", "admin", withNewKitchen))
            {
                Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
                Assert.True((await applied.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("changed").GetBoolean());
            }

            // The scheduled refresh is five minutes away: only the announcement can bring it this fast.
            await Poll.UntilAsync(token => Kitchens(secondClient, token), kitchens => kitchens.Contains(kitchen), TimeSpan.FromSeconds(10), "the second instance to know the new kitchen");

            using (var again = await SendAsync(batch, HttpMethod.Put, "/kitchens/setup", "admin", withNewKitchen))
            {
                Assert.False((await again.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("changed").GetBoolean());
            }

            await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
            var order = Infrastructure.Kitchen.Order("ignored", Otter.NewId(), 1, ("1", "nuggets", 2));
            order.StoreId = $"fry-society-{kitchen}";
            await broker.PublishAsync(order);
            var items = await Poll.UntilAsync(
                token => batch.GetFromJsonAsync<List<JsonElement>>($"/batch-items?kitchen={kitchen}&station=fryer", token)!,
                found => found!.Count > 0, TimeSpan.FromSeconds(30), "the nuggets in the new kitchen");
            Assert.Equal("Chicken nuggets (6)", Assert.Single(items!).GetProperty("name").GetString());
        }
        finally
        {
            using var restored = await SendAsync(batch, HttpMethod.Put, "/kitchens/setup", "admin", demo);
            restored.EnsureSuccessStatusCode();
        }
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Two_setups_sent_at_once_are_applied_one_after_the_other_never_mixed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var batch = orbital.BatchClient();
        var demo = DemoPlaces.Load();
        PlacesSetup With(string kitchen) => demo with
        {
            Kitchens = [.. demo.Kitchens, new Orbital.Places.Kitchen(kitchen, kitchen, "Etc/UTC")],
            Stations = [.. demo.Stations, new Station(kitchen, "grill", "Grill", 1)],
        };
        try
        {
            var sent = await Task.WhenAll(SendAsync(batch, HttpMethod.Put, "/kitchens/setup", "admin", With("race-a")),
                SendAsync(batch, HttpMethod.Put, "/kitchens/setup", "admin", With("race-b")));
            var versions = new List<long>();
            foreach (var response in sent)
            {
                using (response)
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    versions.Add((await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("version").GetInt64());
                }
            }

            Assert.Equal(1, Math.Abs(versions[0] - versions[1]));
            var kitchens = await Kitchens(batch, cancellationToken);
            Assert.Single(kitchens, k => k is "race-a" or "race-b");
        }
        finally
        {
            using var restored = await SendAsync(batch, HttpMethod.Put, "/kitchens/setup", "admin", demo);
            restored.EnsureSuccessStatusCode();
        }
    }

    private static async Task<List<string>> Kitchens(HttpClient client, CancellationToken cancellationToken)
    {
        var list = await client.GetFromJsonAsync<JsonElement>("/kitchens", cancellationToken);
        return [.. list.GetProperty("kitchens").EnumerateArray().Select(k => k.GetProperty("id").GetString()!)];
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string role, PlacesSetup setup)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(setup, PlacesJson.Default.PlacesSetup) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PrepAccess.Token(role: role));
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
