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
        var factory = new ConnectionFactory { Uri = new Uri(connectionString) };
        await using var connection = await factory.CreateConnectionAsync();
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
    public static async Task<Result> RunAsync(HttpClient orders, Uri batch, int rate, TimeSpan duration)
    {
        var station = $"bench-e2e-{Guid.NewGuid():N}";
        var sent = new ConcurrentDictionary<string, long>();
        var latencies = new Latencies();
        var byWindow = Enumerable.Range(0, (int)Math.Ceiling(duration / Window) + 1).Select(_ => new Latencies()).ToArray();
        var seen = new ConcurrentDictionary<string, byte>();
        var start = Stopwatch.GetTimestamp();
        await using var screen = await Screen.ConnectAsync(batch, Demo.Kitchen, station, (_, kitchenEvent, _) =>
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

public static class Pipeline
{
    public sealed record Result(double OrdersPerSecond, double AcceptedSeconds, double StoredSeconds, double BatchedSeconds);

    /// <summary>
    /// As fast as 64 senders go: orders of 5 lines, timed until the last one is batched; with the moments the last
    /// webhook was accepted and the last order stored by Orders, which say which stage held the rest back.
    /// </summary>
    /// <param name="storeOf">The store of the i-th order; by default one store the setup does not have (so one kitchen, the unassigned one).</param>
    public static async Task<Result> RunAsync(HttpClient orders, string ordersDatabase, string batchDatabase, int count, Func<int, string>? storeOf = null)
    {
        var store = $"bench-pipeline-{Guid.NewGuid():N}";
        storeOf ??= _ => store;
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid().ToString()).ToArray();
        string[] menu = ["burger", "fries", "nuggets", "lemonade", "milkshake", "chicken-sandwich", "sweet-potato-fries"];
        var next = -1;
        var clock = Stopwatch.StartNew();
        var sending = Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var lines = Enumerable.Range(0, 5).Select(l => (menu[(i + l) % menu.Length], 1 + (l % 2))).ToList();
                using var response = await orders.SendAsync(Webhooks.Request(Webhooks.NewOrder(ids[i], storeOf(i), "grill", lines)));
                response.EnsureSuccessStatusCode();
            }
        }));

        await using var ordersDb = NpgsqlDataSource.Create(ordersDatabase);
        await using var batchDb = NpgsqlDataSource.Create(batchDatabase);
        double? accepted = null, stored = null;
        while (true)
        {
            if (accepted is null && sending.IsCompleted)
            {
                await sending;
                accepted = clock.Elapsed.TotalSeconds;
            }

            if (stored is null && await CountAsync(ordersDb, "SELECT count(*) FROM otter.orders WHERE id = ANY($1)", ids) >= count)
            {
                stored = clock.Elapsed.TotalSeconds;
            }

            if (stored is not null && await CountAsync(batchDb, "SELECT count(*) FROM batch.orders WHERE order_id = ANY($1)", ids) >= count)
            {
                var batched = clock.Elapsed.TotalSeconds;
                return new Result(count / batched, accepted ?? batched, stored.Value, batched);
            }

            await Task.Delay(50);
        }
    }

    private static async Task<long> CountAsync(NpgsqlDataSource database, string sql, string[] ids)
    {
        await using var command = database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The same orders (one row and five item rows each) written with multi-row INSERTs, 500 orders a statement.</summary>
    public static async Task<double> BareInsertAsync(string ordersDatabase, int count)
    {
        await using var database = NpgsqlDataSource.Create(ordersDatabase);
        var schema = $"bench_{Guid.NewGuid():N}"[..20];
        await using (var create = database.CreateCommand(
            $"CREATE SCHEMA {schema}; CREATE TABLE {schema}.orders (id text PRIMARY KEY, store_id text, status text, total numeric, payload jsonb, updated_at timestamptz);" +
            $"CREATE TABLE {schema}.order_items (id bigserial PRIMARY KEY, order_id text, line_id text, sku text, name text, quantity int, modifiers jsonb)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var clock = Stopwatch.StartNew();
        foreach (var chunk in Enumerable.Range(0, count).Chunk(500))
        {
            await using var batch = database.CreateBatch();
            var ids = chunk.Select(_ => Guid.NewGuid().ToString()).ToArray();
            var order = new NpgsqlBatchCommand($"INSERT INTO {schema}.orders SELECT id, 'bench', 'NEW_ORDER', 21.6, '{{\"source\":\"ubereats\"}}', now() FROM unnest($1::text[]) id");
            order.Parameters.Add(new NpgsqlParameter { Value = ids });
            var items = new NpgsqlBatchCommand($"INSERT INTO {schema}.order_items (order_id, line_id, sku, name, quantity, modifiers) SELECT id, 'line-' || n, 'sku-' || n, 'Item', 1, '[{{\"name\":\"Salt\"}}]' FROM unnest($1::text[]) id, generate_series(1, 5) n");
            items.Parameters.Add(new NpgsqlParameter { Value = ids });
            batch.BatchCommands.Add(order);
            batch.BatchCommands.Add(items);
            await batch.ExecuteNonQueryAsync();
        }

        var rate = count / clock.Elapsed.TotalSeconds;
        await using var drop = database.CreateCommand($"DROP SCHEMA {schema} CASCADE");
        await drop.ExecuteNonQueryAsync();
        return rate;
    }
}

public static class FanOut
{
    public sealed record Result(int Connected, int Expected, Latencies Latencies, IReadOnlyList<(string Part, double Percent)> Cpu);

    /// <summary>
    /// <paramref name="screens"/> screens on one station of one Batch instance; structured orders published straight to the
    /// broker at 20 a second; delivery latency = arrival on each screen − the batch item's creation time.
    /// </summary>
    public static async Task<Result> RunAsync(string rabbitMq, Uri batch, int screens, TimeSpan duration)
    {
        var station = $"bench-fanout-{Guid.NewGuid():N}";
        var latencies = new Latencies();
        var clients = new List<Screen>();
        try
        {
            foreach (var chunk in Enumerable.Range(0, screens).Chunk(100))
            {
                clients.AddRange(await Task.WhenAll(chunk.Select(_ => Screen.ConnectAsync(batch, Demo.Kitchen, station, (_, kitchenEvent, received) =>
                {
                    if (kitchenEvent.GetProperty("type").GetString() == "created")
                    {
                        latencies.Add(received - kitchenEvent.GetProperty("item").GetProperty("createdAt").GetDateTimeOffset());
                    }
                }))));
            }

            var ready = await Task.WhenAll(clients.Select(async c => await Task.WhenAny(c.Ready.Task, Task.Delay(TimeSpan.FromSeconds(60))) == c.Ready.Task));
            var connected = ready.Count(r => r);

            var factory = new ConnectionFactory { Uri = new Uri(rabbitMq) };
            await using var connection = await factory.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            var published = 0;
            var cpu = new CpuUse();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                var order = new StructuredOrder
                {
                    OrderId = Guid.NewGuid().ToString(),
                    FriendlyId = "FANOUT",
                    StoreId = Demo.Store,
                    Status = OrderStatus.New,
                    EventKind = OrderEventKind.New,
                    Version = 1,
                    OrderedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    ReadyBy = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(10)),
                };
                order.Lines.Add(new OrderLine { LineId = "1", Sku = $"fanout-{published}", Name = "Fan-out dish", Quantity = 1, StationId = station });
                await channel.BasicPublishAsync(Exchanges.StructuredOrderData, string.Empty, mandatory: false,
                    new BasicProperties { Persistent = true, ContentType = ContentTypes.Protobuf }, order.ToByteArray());
                published++;
                await Task.Delay(50);
            }

            var shares = cpu.Shares();

            var expected = published * connected;
            var wait = Stopwatch.StartNew();
            while (latencies.Count < expected && wait.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
            }

            return new Result(connected, expected, latencies, shares);
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }
}

public static class Backlog
{
    /// <summary>Waits until the consumers have caught up, so one measurement does not run in the wake of the last.</summary>
    public static async Task DrainAsync(string rabbitMq)
    {
        var factory = new ConnectionFactory { Uri = new Uri(rabbitMq) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            var waiting = await channel.MessageCountAsync(Queues.OrdersOtterEvents) + await channel.MessageCountAsync(Queues.BatchStructuredOrders);
            if (waiting == 0)
            {
                return;
            }

            await Task.Delay(500);
        }
    }
}

public static class ServiceMemory
{
    /// <summary>Resident memory of a service process started by the AppHost, found by its name on the command line.</summary>
    public static double RssMegabytes(string service)
    {
        var name = service switch
        {
            ResourceNames.OrdersService => "Orbital.Orders",
            ResourceNames.BatchService => "Orbital.Batch",
            _ => "Orbital.Prep",
        };
        double best = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (!commandLine.Contains(name, StringComparison.Ordinal) || commandLine.Contains("Orbital.Bench", StringComparison.Ordinal))
                {
                    continue;
                }

                var rss = File.ReadLines(Path.Combine(directory, "status")).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (rss is not null)
                {
                    best = Math.Max(best, double.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024);
                }
            }
            catch (IOException)
            {
            }
        }

        return best;
    }
}

/// <summary>
/// CPU time used by each part of the system over a measurement, from <c>/proc/*/stat</c>: on a machine this small the
/// services, the servers and the benchmark share two cores, and this says which part used them.
/// </summary>
public sealed class CpuUse
{
    private static readonly (string Part, string Match)[] Parts =
    [
        ("Orders", "Orbital.Orders"), ("Batch", "Orbital.Batch"), ("Prep", "Orbital.Prep"), ("PostgreSQL", "postgres"),
        ("RabbitMQ", "beam.smp"), ("Redis", "redis-server"), ("AppHost", "Orbital.AppHost"), ("Benchmark", "Orbital.Bench"),
    ];

    private readonly Dictionary<string, double> _start = Snapshot();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Each part's share of the whole machine since this was created, in percent (100 = every core busy).</summary>
    public IReadOnlyList<(string Part, double Percent)> Shares()
    {
        var end = Snapshot();
        var capacity = _clock.Elapsed.TotalSeconds * Environment.ProcessorCount;
        return [.. Parts.Select(p => (p.Part, 100 * (end.GetValueOrDefault(p.Part) - _start.GetValueOrDefault(p.Part)) / capacity))];
    }

    public static string Describe(IReadOnlyList<(string Part, double Percent)> shares) =>
        string.Join(", ", shares.Where(s => s.Percent >= 0.5).OrderByDescending(s => s.Percent).Select(s => $"{s.Part} {s.Percent:F0}%"));

    private static Dictionary<string, double> Snapshot()
    {
        var ticksPerSecond = 100.0; // USER_HZ on Linux
        var seconds = new Dictionary<string, double>();
        foreach (var directory in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                var part = Parts.FirstOrDefault(p => commandLine.Contains(p.Match, StringComparison.Ordinal)).Part;
                if (part is null)
                {
                    continue;
                }

                // The fields after the command name in parentheses: utime and stime are the 12th and 13th of them.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var used = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / ticksPerSecond;
                seconds[part] = seconds.GetValueOrDefault(part) + used;
            }
            catch (IOException)
            {
            }
        }

        return seconds;
    }
}

/// <summary>A store and its kitchen of the demo setup (README): the screens measured follow that kitchen's stream.</summary>
public static class Demo
{
    public const string Store = "smash-club-london";
    public const string Kitchen = "london";
}
