using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orbital.Contracts;
using Orbital.Messaging;
using StackExchange.Redis;

// A consumer in a process of its own, for the tests of what a crash does to the messages in hand: it reads the queue
// named in Consumer:Queue with Orbital's consumer, notes each message it handles in a Redis set, and kills its own
// process (SIGKILL, as the out-of-memory killer would) on a message whose body is "crash".
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton(TimeProvider.System);
builder.AddRedisClient(ResourceNames.Redis);
builder.AddRabbitMqMessaging();
var queue = builder.Configuration["Consumer:Queue"] ?? throw new InvalidOperationException("Consumer:Queue is required.");
builder.AddMessageConsumer<CrashingHandler>(queue, builder.Configuration["Consumer:Exchange"] ?? queue);
await builder.Build().RunAsync();

/// <summary>Handles batches as Orbital's services do; a batch holding the crashing message ends the process.</summary>
internal sealed class CrashingHandler(IConnectionMultiplexer redis) : IMessageBatchHandler
{
    public async Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken) =>
        await HandleBatchAsync([message], cancellationToken);

    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var bodies = messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)).ToList();
        if (bodies.Contains("crash"))
        {
            Process.GetCurrentProcess().Kill();
        }

        await redis.GetDatabase().SetAddAsync($"handled:{messages[0].Queue}", [.. bodies.Select(b => (RedisValue)b)]);
    }
}
