using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

[Collection(OrbitalCollection.Name)]
public sealed class Requests_that_cannot_be_read_get_a_400_problem(OrbitalAppFixture orbital)
{
    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [InlineData(ResourceNames.BatchService, "/batch-items/1/start", "{not json")]
    [InlineData(ResourceNames.BatchService, "/batch-items/1/complete", "{\"expectedVersion\": \"seven\"}")]
    [InlineData(ResourceNames.PrepService, "/auth/login", "{\"username\": ")]
    [InlineData(ResourceNames.PrepService, "/auth/refresh", "[1, 2, 3]")]
    public async Task A_malformed_or_wrongly_typed_body_is_a_400_problem_not_a_500(string service, string path, string body)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = orbital.CreateClient(service);

        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Equal("The request could not be read", problem.GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [InlineData(ResourceNames.OrdersService, "/orders?storeId=store%00one")]
    [InlineData(ResourceNames.BatchService, "/batch-items?station=fryer%00")]
    // (In the path itself Kestrel refuses %00 before any route sees it, with a bare 400.)
    public async Task A_NUL_character_in_a_query_parameter_is_a_400_problem_not_a_500(string service, string pathAndQuery)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = orbital.CreateClient(service);

        using var response = await client.GetAsync(pathAndQuery, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_NUL_character_in_a_login_is_a_400_problem_not_a_500()
    {
        using var client = orbital.Anonymous();

        using var response = await client.PostAsJsonAsync("/auth/login", new { username = "ad\u0000min", password = "orbital-dev-admin" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
