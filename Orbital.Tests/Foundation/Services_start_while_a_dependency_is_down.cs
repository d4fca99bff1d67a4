using System.Net;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// A service started while its broker is unreachable still starts and answers, reports itself degraded,
/// and connects by itself once the broker answers. The broker is the fixture's real RabbitMQ, reached
/// through a forwarder that refuses connections until the test opens it.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Services_start_while_a_dependency_is_down(OrbitalAppFixture orbital)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string, string> Services => new()
    {
        { "Orbital.Orders", ResourceNames.OrdersDatabase },
        { "Orbital.Batch", ResourceNames.BatchDatabase },
        { "Orbital.Prep", ResourceNames.PrepDatabase },
    };

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [MemberData(nameof(Services))]
    public async Task A_service_starts_without_its_broker_reports_degraded_and_recovers_when_the_broker_returns(string project, string database)
    {
        var rabbitMq = new Uri(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        await using var broker = new TcpForwarder(rabbitMq.Port);
        await using var service = ServiceProcess.Start(project, new Dictionary<string, string>
        {
            [$"ConnectionStrings__{ResourceNames.RabbitMq}"] = new UriBuilder(rabbitMq) { Port = broker.Port }.Uri.ToString(),
            [$"ConnectionStrings__{database}"] = await orbital.ConnectionStringAsync(database),
            [$"ConnectionStrings__{ResourceNames.Redis}"] = await orbital.ConnectionStringAsync(ResourceNames.Redis),
            [$"ConnectionStrings__{ResourceNames.WarehouseDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase),
            ["Otter__WebhookSecret"] = Otter.WebhookSecret,
            // Prep signs access tokens; the others only check them.
            [project == "Orbital.Prep" ? "Auth__SigningKey" : "Auth__VerificationKey"] = project == "Orbital.Prep" ? PrepAccess.SigningKey : PrepAccess.VerificationKey,
        });
        using var client = service.CreateClient();

        await Poll.UntilAsync(
            token => client.GetAsync("/ping", token),
            response => response.StatusCode == HttpStatusCode.OK,
            Timeout, () => $"{project} to answer /ping with its broker unreachable. Output:\n{service.Output}");
        var degraded = await client.GetHealthAsync(TestContext.Current.CancellationToken);
        Assert.Equal("Degraded", degraded.Status);
        Assert.Equal("Degraded", degraded.Entries[ResourceNames.RabbitMq].Status);
        Assert.Contains(degraded.Entries, entry => entry.Key != ResourceNames.RabbitMq && entry.Key != "self" && entry.Value.Status == "Healthy");

        broker.Start();

        var recovered = await Poll.UntilAsync(
            token => client.GetHealthAsync(token),
            health => health.Status == "Healthy",
            Timeout, $"{project} to report healthy once its broker answers");
        Assert.Equal("Healthy", recovered.Entries[ResourceNames.RabbitMq].Status);
    }
}
