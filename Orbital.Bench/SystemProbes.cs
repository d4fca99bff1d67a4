using System.Diagnostics;
using System.Globalization;
using Orbital.Contracts;
using Orbital.Messaging;
using RabbitMQ.Client;

namespace Orbital.Bench;

public static class Backlog
{
    /// <summary>Waits until the consumers have caught up, so one measurement does not run in the wake of the last.</summary>
    public static async Task DrainAsync(string rabbitMq)
    {
        var address = BrokerAddress.Parse(rabbitMq);
        await using var connection = await address.ConnectAsync(address.Factory(), CancellationToken.None);
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

    /// <summary>Each part's CPU time since this was created, in milliseconds per unit of work (an order, say).</summary>
    public IReadOnlyList<(string Part, double Milliseconds)> MillisecondsPer(int units)
    {
        var end = Snapshot();
        return [.. Parts.Select(p => (p.Part, 1000 * (end.GetValueOrDefault(p.Part) - _start.GetValueOrDefault(p.Part)) / Math.Max(1, units)))];
    }

    public static string DescribePer(IReadOnlyList<(string Part, double Milliseconds)> used) =>
        string.Join(", ", used.Where(s => s.Milliseconds >= 0.05).OrderByDescending(s => s.Milliseconds).Select(s => $"{s.Part} {s.Milliseconds:F1}"));

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
