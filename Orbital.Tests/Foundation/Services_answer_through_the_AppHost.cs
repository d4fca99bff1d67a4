using System.Net;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

[Collection(OrbitalCollection.Name)]
public sealed class Services_answer_through_the_AppHost(OrbitalAppFixture orbital)
{
    public static TheoryData<string> Services => [ResourceNames.OrdersService, ResourceNames.BatchService, ResourceNames.PrepService];

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [MemberData(nameof(Services))]
    public async Task Every_service_answers_ping(string service)
    {
        using var client = orbital.CreateClient(service);

        using var response = await client.GetAsync("/ping", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pong", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [MemberData(nameof(Services))]
    public async Task Every_service_reports_each_dependency_healthy(string service)
    {
        var health = await orbital.HealthAsync(service, TestContext.Current.CancellationToken);

        Assert.Equal("Healthy", health.Status);
        var dependencies = health.Entries.Keys.ToList();
        Assert.Contains(dependencies, name => name.Contains("postgres", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(dependencies, name => name.Contains("redis", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(ResourceNames.RabbitMq, dependencies);
        Assert.All(health.Entries.Values, entry => Assert.Equal("Healthy", entry.Status));
    }

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [MemberData(nameof(Services))]
    public async Task Every_service_answers_alive(string service)
    {
        using var client = orbital.CreateClient(service);

        using var response = await client.GetAsync("/alive", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
