using System.Net;
using System.Net.Http.Json;
using System.Text;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;
using Orbital.Tests.Prep;

namespace Orbital.Tests.Foundation;

/// <summary>
/// No caller, signed in or not, can make a service hold megabytes: bodies are capped (64 KiB, more only where a route
/// needs it), and the fields that are kept or used as keys are bounded before anything keeps them.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Request_bodies_and_fields_are_bounded(OrbitalAppFixture orbital)
{
    /// <summary>
    /// A post that waits for "100 Continue" before sending its body, as a careful client does: the service refuses by the
    /// declared length at once, and the client is not left writing megabytes into a closed connection.
    /// </summary>
    private static Task<HttpResponseMessage> PostHugeAsync(HttpClient client, string path, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_anonymous_login_with_a_five_megabyte_username_is_refused_with_413()
    {
        using var client = orbital.Anonymous();

        using var response = await PostHugeAsync(client, "/auth/login", $$"""{"username":"{{new string('x', 5 * 1024 * 1024)}}","password":"p"}""");

        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_login_with_a_username_no_user_can_have_is_refused_with_400()
    {
        using var client = orbital.Anonymous();

        using var response = await client.PostAsJsonAsync("/auth/login", new { username = new string('x', 20_000), password = "whatever-it-is" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_kitchen_action_names_its_screen_in_a_hundred_characters_and_brings_no_more_than_64_KiB()
    {
        using var batch = orbital.BatchClient();

        using var longName = await batch.PostAsJsonAsync("/batch-items/1/start", new { by = new string('x', 101) }, TestContext.Current.CancellationToken);
        using var bigBody = await PostHugeAsync(batch, "/batch-items/1/start", $$"""{"by":"{{new string('x', 5 * 1024 * 1024)}}"}""");

        Assert.Equal(HttpStatusCode.BadRequest, longName.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bigBody.StatusCode);
        Assert.Equal("application/problem+json", bigBody.Content.Headers.ContentType?.MediaType);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_PAR_import_may_be_larger_than_other_bodies()
    {
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var rows = string.Concat(Enumerable.Range(0, 6_000).Select(i => $"no-such-sku-{i},1,2\n"));
        Assert.True(Encoding.UTF8.GetByteCount(rows) > 64 * 1024);

        using var response = await manager.PostAsync($"/locations/{store}/pars/import", new StringContent(rows, Encoding.UTF8, "text/csv"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }
}
