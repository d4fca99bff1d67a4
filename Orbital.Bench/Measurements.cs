using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Messaging;
using RabbitMQ.Client;

namespace Orbital.Bench;

public static class Ingest
{
    /// <summary>Closed loop: <paramref name="concurrency"/> senders, each sending its next webhook when the last is answered.</summary>
    public static async Task<(double PerSecond, Latencies Latencies, int Failures)> RunAsync(HttpClient orders, int concurrency, TimeSpan duration)
    {
        var latencies = new Latencies();
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async sender =>
        {
            while (clock.Elapsed < duration)
            {
                var body = Webhooks.NewOrder(Guid.NewGuid().ToString(), "bench-ingest", "bench-ingest", [("fries", 1)]);
                var started = Stopwatch.GetTimestamp();
                using var response = await orders.SendAsync(Webhooks.Request(body));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started));
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        return (latencies.Count / clock.Elapsed.TotalSeconds, latencies, failures);
    }

    /// <summary>The same payload published straight to RabbitMQ with confirms, 64 in flight, to a durable fanout bound to a quorum queue.</summary>
    public static async Task<double> BareBrokerAsync(string connectionString, byte[] payload, TimeSpan duration)
    {
        var address = BrokerAddress.Parse(connectionString);
        await using var connection = await address.ConnectAsync(address.Factory(), CancellationToken.None);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var exchange = $"bench.bare.{Guid.NewGuid():N}";
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync(exchange, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await channel.QueueBindAsync(exchange, exchange, string.Empty);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var published = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                await channel.BasicPublishAsync(exchange, string.Empty, mandatory: false, properties, payload);
                Interlocked.Increment(ref published);
            }
        }));
        var rate = published / clock.Elapsed.TotalSeconds;
        await channel.QueueDeleteAsync(exchange);
        await channel.ExchangeDeleteAsync(exchange);
        return rate;
    }
}

public static class EndToEnd
{
    /// <summary>The orders' latencies, and the same split by when each order was sent (one per <see cref="Window"/>).</summary>
    public sealed record Result(int Sent, int Lost, Latencies Latencies, IReadOnlyList<Latencies> ByWindow);

    /// <summary>Wide enough for a few thousand samples each: the first windows show a service still warming up.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    /// <summary>Open loop at a steady rate: each order's line has its own SKU, so its kitchen event names the order.</summary>
    public static async Task<Result> RunAsync(HttpClient orders, Uri batch, ScreenPairing pairing, int rate, TimeSpan duration)
    {
        var station = $"bench-e2e-{Guid.NewGuid():N}";
        var credential = (await pairing.PairAsync(Demo.Kitchen, station, 1))[0];
        var sent = new ConcurrentDictionary<string, long>();
        var latencies = new Latencies();
        var byWindow = Enumerable.Range(0, (int)Math.Ceiling(duration / Window) + 1).Select(_ => new Latencies()).ToArray();
        var seen = new ConcurrentDictionary<string, byte>();
        var start = Stopwatch.GetTimestamp();
        await using var screen = await Screen.ConnectAsync(batch, Demo.Kitchen, station, credential, (_, kitchenEvent, _) =>
        {
            var sku = kitchenEvent.GetProperty("item").GetProperty("sku").GetString()!;
            if (kitchenEvent.GetProperty("type").GetString() == "created" && sent.TryGetValue(sku, out var at) && seen.TryAdd(sku, 0))
            {
                var latency = Stopwatch.GetElapsedTime(at);
                latencies.Add(latency);
                byWindow[Math.Min(byWindow.Length - 1, (int)(Stopwatch.GetElapsedTime(start, at) / Window))].Add(latency);
            }
        });
        await screen.Ready.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var clock = Stopwatch.StartNew();
        start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>();
        for (var i = 0; clock.Elapsed < duration; i++)
        {
            var sku = $"e2e-{i}";
            var body = Webhooks.NewOrder(Guid.NewGuid().ToString(), Demo.Store, station, [(sku, 1)]);
            sent[sku] = Stopwatch.GetTimestamp();
            inFlight.Add(SendAsync(orders, body));
            var wait = interval * (i + 1) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }

        await Task.WhenAll(inFlight);
        var deadline = Stopwatch.StartNew();
        while (seen.Count < sent.Count && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        return new Result(sent.Count, sent.Count - seen.Count, latencies, [.. byWindow.Where(w => w.Count > 0)]);
    }

    private static async Task SendAsync(HttpClient orders, byte[] body)
    {
        using var response = await orders.SendAsync(Webhooks.Request(body));
        response.EnsureSuccessStatusCode();
    }
}

/// <summary>A store and its kitchen of the demo setup (README): the screens measured follow that kitchen's stream.</summary>
public static class Demo
{
    public const string Store = "smash-club-london";
    public const string Kitchen = "london";
}
