using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// Each service serves an OpenAPI document and a page to read it, and the document lists every route the service maps:
/// the routes are taken from the service's own endpoint table (the service built in this process, its background work
/// left out), the document from the running service.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed partial class Each_service_describes_every_route_it_maps(OrbitalAppFixture orbital)
{
    /// <summary>
    /// Routes left out of the documents on purpose: the liveness ping, the expo screen's page (a page for a browser, as
    /// the kitchen screen's static files are), and the documents and their page themselves.
    /// </summary>
    private static bool Undocumented(string route) =>
        route is "GET /ping" or "GET /expo" || route.StartsWith("GET /openapi/", StringComparison.Ordinal) || route.StartsWith("GET /scalar/", StringComparison.Ordinal);

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Orders_documents_every_route()
    {
        _ = TestContext.Current.CancellationToken;
        await DocumentsEveryRouteAsync<Orbital.Orders.Webhooks.OtterEventIntake>(ResourceNames.OrdersService);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Batch_documents_every_route()
    {
        _ = TestContext.Current.CancellationToken;
        await DocumentsEveryRouteAsync<Orbital.Batch.Screens.ScreenDevices>(ResourceNames.BatchService);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Prep_documents_every_route()
    {
        _ = TestContext.Current.CancellationToken;
        await DocumentsEveryRouteAsync<Orbital.Prep.Inventory.InventoryStore>(ResourceNames.PrepService);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_route_behind_a_token_says_so_and_names_its_problem_responses()
    {
        _ = TestContext.Current.CancellationToken;
        var document = await ServedDocumentAsync(ResourceNames.OrdersService);
        var paths = document.GetProperty("paths");

        var orders = paths.GetProperty("/orders").GetProperty("get");
        var webhook = paths.GetProperty("/webhooks/otter").GetProperty("post");

        Assert.Equal("Bearer", Assert.Single(Assert.Single(orders.GetProperty("security").EnumerateArray()).EnumerateObject()).Name);
        Assert.True(orders.GetProperty("responses").TryGetProperty("401", out var unauthorized));
        Assert.True(unauthorized.GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.True(orders.GetProperty("responses").TryGetProperty("403", out _));
        Assert.False(webhook.TryGetProperty("security", out _));
        Assert.True(webhook.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(webhook.GetProperty("responses").TryGetProperty("401", out _));
        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("type").GetString());
    }

    private async Task DocumentsEveryRouteAsync<TEntryPoint>(string service) where TEntryPoint : class
    {
        var mapped = await MappedRoutesAsync<TEntryPoint>();
        var document = await ServedDocumentAsync(service);
        using var page = await orbital.AnonymousClient(service).GetAsync(OpenApiPage, TestContext.Current.CancellationToken);

        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Name != "parameters").Select(op => $"{op.Name.ToUpperInvariant()} {path.Name}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(mapped);
        var missing = mapped.Except(documented).Where(route => !Undocumented(route)).ToList();
        Assert.True(missing.Count == 0, $"Mapped but not in the document: {string.Join(", ", missing)}");
        Assert.Empty(documented.Except(mapped));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    private const string OpenApiPage = "/scalar/v1";

    private async Task<JsonElement> ServedDocumentAsync(string service)
    {
        using var client = orbital.AnonymousClient(service);
        return await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// The routes the service maps, as "METHOD /path" with route constraints dropped as OpenAPI writes them: read from the
    /// endpoint table of the service built in this process with placeholder connection strings and no background work.
    /// </summary>
    private static async Task<IReadOnlySet<string>> MappedRoutesAsync<TEntryPoint>() where TEntryPoint : class
    {
        await using var factory = new WebApplicationFactory<TEntryPoint>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            foreach (var name in new[] { ResourceNames.OrdersDatabase, ResourceNames.BatchDatabase, ResourceNames.PrepDatabase, ResourceNames.WarehouseDatabase })
            {
                web.UseSetting($"ConnectionStrings:{name}", "Host=127.0.0.1;Port=9;Database=none;Username=none;Password=none");
            }

            web.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", "amqp://none:none@127.0.0.1:9");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Redis}", "127.0.0.1:9,abortConnect=false");
            web.UseSetting("Auth:SigningKey", PrepAccess.SigningKey);
            web.UseSetting("Auth:VerificationKey", PrepAccess.VerificationKey);
            web.UseSetting("Otter:WebhookSecret", Otter.WebhookSecret);
            web.ConfigureTestServices(services => services.RemoveAll<IHostedService>());
        });
        await Task.Yield();
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        return endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(method => $"{method} {PathOf(endpoint)}"))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static string PathOf(RouteEndpoint endpoint)
    {
        var path = Constraint().Replace(endpoint.RoutePattern.RawText ?? string.Empty, "}").Replace("?}", "}", StringComparison.Ordinal);
        path = "/" + path.Trim('/');
        return path;
    }

    [GeneratedRegex(@":[^}]*\}")]
    private static partial Regex Constraint();
}
