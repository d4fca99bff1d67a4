using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orbital.Contracts;
using Orbital.Messaging;

namespace Orbital.Tests.Infrastructure;

/// <summary>
/// A small host wired with Orbital's messaging building blocks exactly as a service wires them,
/// against the fixture's real RabbitMQ (and PostgreSQL for the outbox).
/// </summary>
public sealed class MessagingHost : IAsyncDisposable
{
    private readonly IHost _host;

    private MessagingHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public IMessagePublisher Publisher => Services.GetRequiredService<IMessagePublisher>();

    public static async Task<MessagingHost> StartAsync(
        string rabbitMqConnectionString,
        Action<HostApplicationBuilder> configure,
        IReadOnlyDictionary<string, string?>? settings = null,
        NpgsqlDataSource? dataSource = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ResourceNames.RabbitMq}"] = rabbitMqConnectionString,
            ["Messaging:RetryBaseDelay"] = "00:00:00.020",
            ["Messaging:RetryMaxDelay"] = "00:00:00.200",
            ["Messaging:Outbox:SweepInterval"] = "00:00:00.500",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddSingleton(TimeProvider.System);
        if (dataSource is not null)
        {
            builder.Services.AddSingleton(dataSource);
        }

        builder.AddRabbitMqMessaging();
        configure(builder);
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new MessagingHost(host);
    }

    public Task StopAsync() => _host.StopAsync(TestContext.Current.CancellationToken);

    /// <summary>Stops as a host does when its shutdown deadline runs out while work is still in hand.</summary>
    public async Task StopWithDeadlineAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        await _host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}

/// <summary>What a test handler saw, shared between the test and the handler instances the consumer creates.</summary>
public sealed class Deliveries
{
    private readonly ConcurrentQueue<IncomingMessage> _handled = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);

    public IReadOnlyCollection<IncomingMessage> Handled => _handled;

    public int AttemptsAt(string messageId) => _attempts.GetValueOrDefault(messageId);

    public int Attempt(IncomingMessage message) => _attempts.AddOrUpdate(message.MessageId ?? string.Empty, 1, static (_, n) => n + 1);

    public void Record(IncomingMessage message)
    {
        _handled.Enqueue(message);
        _signal.Release();
    }

    /// <summary>Waits until <paramref name="count"/> messages in all have been handled.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        while (_handled.Count < count)
        {
            try
            {
                await _signal.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {count} handled message(s); saw {_handled.Count}.");
            }
        }
    }
}
