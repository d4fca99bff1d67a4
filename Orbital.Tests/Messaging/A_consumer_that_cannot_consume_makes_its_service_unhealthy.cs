using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Messaging;

/// <summary>
/// A consumer that cannot consume (its queue was declared with other arguments, say) retries for ever; the service
/// must not stay green meanwhile. Past the stall timeout, with the broker reachable, the service is unhealthy and says why.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_consumer_that_cannot_consume_makes_its_service_unhealthy(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_refused_queue_declaration_turns_the_consumers_check_unhealthy_after_the_stall_timeout()
    {
        var rabbitMq = await orbital.ConnectionStringAsync(ResourceNames.RabbitMq);
        await using var broker = await Broker.ConnectAsync(rabbitMq);
        var queue = Broker.UniqueName("queue");
        await broker.DeclareClassicQueueAsync(queue);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await MessagingHost.StartAsync(rabbitMq, builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Services.AddSingleton(new Deliveries());
            builder.Services.AddSingleton(new Gate());
            builder.AddMessageConsumer<ScriptedHandler>(queue, Broker.UniqueName("exchange"));
        });
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var early = await Poll.UntilAsync(token => ConsumersAsync(health, token),
            entry => entry.Description?.Contains("PRECONDITION_FAILED", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(30), "the refused declaration to be reported");
        time.Advance(TimeSpan.FromSeconds(31));
        var late = await ConsumersAsync(health, TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Degraded, early.Status);
        Assert.Equal(HealthStatus.Unhealthy, late.Status);
        Assert.Contains(queue, late.Description, StringComparison.Ordinal);
        Assert.Contains("PRECONDITION_FAILED", late.Description, StringComparison.Ordinal);
        await broker.DeleteQueueAsync(queue);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_consumer_that_consumes_is_healthy()
    {
        _ = TestContext.Current.CancellationToken;
        var rabbitMq = await orbital.ConnectionStringAsync(ResourceNames.RabbitMq);
        await using var host = await MessagingHost.StartAsync(rabbitMq, builder =>
        {
            builder.Services.AddSingleton(new Deliveries());
            builder.Services.AddSingleton(new Gate());
            builder.AddMessageConsumer<ScriptedHandler>(Broker.UniqueName("queue"), Broker.UniqueName("exchange"));
        });
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var entry = await Poll.UntilAsync(token => ConsumersAsync(health, token), e => e.Status == HealthStatus.Healthy, TimeSpan.FromSeconds(30), "the consumer to consume");

        Assert.Contains("consuming", entry.Description, StringComparison.Ordinal);
    }

    private static async Task<HealthReportEntry> ConsumersAsync(HealthCheckService health, CancellationToken cancellationToken) =>
        (await health.CheckHealthAsync(r => r.Name == "consumers", cancellationToken)).Entries["consumers"];
}
