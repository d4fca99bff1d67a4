using Microsoft.Extensions.Hosting;

namespace Orbital.Messaging;

/// <summary>Opens the AMQP connection in the background at start, so the first request or health probe finds it ready.</summary>
internal sealed class BrokerConnector(RabbitMqConnection connection) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await connection.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before the broker came up.
        }
    }
}
