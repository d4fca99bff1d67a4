using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Orbital.Messaging;

/// <summary>
/// The service's one AMQP connection, opened lazily and retried until the broker answers,
/// so a service starts (and serves what it can) while RabbitMQ is down.
/// Once open, the client's automatic recovery reconnects it (to another node of a cluster when its own is lost) and
/// re-declares its topology.
/// </summary>
public sealed class RabbitMqConnection(IOptions<MessagingOptions> options, TimeProvider time, ILogger<RabbitMqConnection> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private bool _disposed;

    /// <summary>True while the connection is open (it may be recovering otherwise).</summary>
    public bool IsOpen => _connection is { IsOpen: true };

    /// <summary>The last failure to connect, for health reports.</summary>
    public string? LastError { get; private set; }

    /// <summary>Returns the open connection, trying once to open it if there is none.</summary>
    public async Task<IConnection> GetAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            return existing;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { } raced)
            {
                return raced;
            }

            // One node or a cluster's list: recovery after a node's loss connects to another node of the list.
            var address = BrokerAddress.Parse(options.Value.ConnectionString!);
            var factory = address.Factory();
            factory.ClientProvidedName = options.Value.ClientName;
            factory.AutomaticRecoveryEnabled = true;
            factory.TopologyRecoveryEnabled = true;
            factory.NetworkRecoveryInterval = TimeSpan.FromSeconds(2);
            factory.RequestedConnectionTimeout = TimeSpan.FromSeconds(5);
            try
            {
                _connection = await address.ConnectAsync(factory, cancellationToken);
                LastError = null;
                MessagingLog.Connected(logger, $"{_connection.Endpoint} (of {address})");
                return _connection;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LastError = ex.GetBaseException().Message;
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Returns the open connection, waiting with back-off until the broker answers.</summary>
    public async Task<IConnection> WaitAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await GetAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not ObjectDisposedException)
            {
                MessagingLog.BrokerUnreachable(logger, delay.TotalSeconds, ex.GetBaseException().Message);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            if (_connection is { } connection)
            {
                _connection = null;
                // A connection that is recovering has no broker to say goodbye to: abort it rather than wait.
                await AmqpShutdown.RunBoundedAsync(
                    () => connection.IsOpen ? connection.CloseAsync(AmqpShutdown.StepLimit) : connection.AbortAsync(AmqpShutdown.StepLimit),
                    "closing the AMQP connection", logger);
                await AmqpShutdown.RunBoundedAsync(() =>
                {
                    connection.Dispose();
                    return Task.CompletedTask;
                }, "disposing the AMQP connection", logger);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
