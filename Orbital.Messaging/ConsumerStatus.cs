using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Orbital.Messaging;

/// <summary>Whether each of the service's consumers is consuming, since when, and why not.</summary>
public sealed class ConsumerStatus(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ConsumerState> _states = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LastTaken> _taken = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ConsumerState> Current => _states;

    /// <summary>
    /// A delivery taken from <paramref name="queue"/>, published at <paramref name="publishedUnixSeconds"/> (AMQP's
    /// timestamp, 0 when the publisher set none). A queue is first in, first out: every message still waiting in it was
    /// published after the last one taken, so that one's age bounds theirs (<see cref="OldestWaitingAge"/>).
    /// </summary>
    public void Took(string queue, long publishedUnixSeconds)
    {
        if (publishedUnixSeconds > 0)
        {
            Volatile.Write(ref _taken.GetOrAdd(queue, _ => new LastTaken()).PublishedUnixSeconds, publishedUnixSeconds);
        }
    }

    /// <summary>
    /// How long the oldest message waiting in <paramref name="queue"/> has waited at most, when <paramref name="waiting"/>
    /// messages are ready: the age of the last one this consumer took; zero when none wait; null when this consumer has
    /// taken none since it started (then nothing here knows).
    /// </summary>
    public TimeSpan? OldestWaitingAge(string queue, uint waiting)
    {
        if (waiting == 0)
        {
            return TimeSpan.Zero;
        }

        return _taken.TryGetValue(queue, out var taken)
            ? TimeSpan.FromSeconds(Math.Max(0, time.GetUtcNow().ToUnixTimeSeconds() - Volatile.Read(ref taken.PublishedUnixSeconds)))
            : null;
    }

    private sealed class LastTaken
    {
        public long PublishedUnixSeconds;
    }

    public void Consuming(string queue) => _states[queue] = new ConsumerState(true, time.GetUtcNow(), null);

    /// <summary>Not consuming (yet, or any more): the time it stopped is kept across repeated failures.</summary>
    public void NotConsuming(string queue, string reason) =>
        _states.AddOrUpdate(queue,
            _ => new ConsumerState(false, time.GetUtcNow(), reason),
            (_, state) => state.Consuming ? new ConsumerState(false, time.GetUtcNow(), reason) : state with { Reason = reason });
}

public sealed record ConsumerState(bool Consuming, DateTimeOffset Since, string? Reason);

/// <summary>
/// Unhealthy when a consumer has not been consuming for longer than <see cref="MessagingOptions.ConsumerStallTimeout"/>
/// while the broker is reachable (a queue declared with other arguments, a permission missing: restarting will not
/// help, someone must look); degraded while the broker itself is away or a consumer is still starting.
/// </summary>
public sealed class ConsumersHealthCheck(ConsumerStatus status, RabbitMqConnection connection, IOptions<MessagingOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var data = status.Current.ToDictionary(s => s.Key, s => (object)(s.Value.Consuming ? "consuming" : $"not consuming since {s.Value.Since:O}: {s.Value.Reason}"));
        var stalled = status.Current.Where(s => !s.Value.Consuming).ToList();
        if (stalled.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{data.Count} consumer(s) consuming", data));
        }

        var description = string.Join("; ", stalled.Select(s => $"{s.Key} not consuming for {(now - s.Value.Since).TotalSeconds:0} s: {s.Value.Reason}"));
        var stuck = connection.IsOpen && stalled.Any(s => now - s.Value.Since > options.Value.ConsumerStallTimeout);
        return Task.FromResult(stuck ? HealthCheckResult.Unhealthy(description, data: data) : HealthCheckResult.Degraded(description, data: data));
    }
}
