using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orbital.Messaging;

/// <summary>Healthy while the service's AMQP connection is open; tries to open it when it is not.</summary>
public sealed class RabbitMqHealthCheck(RabbitMqConnection connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (connection.IsOpen)
        {
            return HealthCheckResult.Healthy("AMQP connection open");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var amqp = await connection.GetAsync(timeout.Token);
            return amqp.IsOpen
                ? HealthCheckResult.Healthy("AMQP connection open")
                : new HealthCheckResult(context.Registration.FailureStatus, "AMQP connection is recovering");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"RabbitMQ unreachable: {ex.GetBaseException().Message}");
        }
    }
}
