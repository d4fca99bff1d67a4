using System.Globalization;

namespace Orbital.Bench;

/// <summary>Durations, rates and sizes: defaults give the full run; small values make a run of about a minute.</summary>
public sealed record BenchOptions
{
    public int[] IngestConcurrency { get; init; } = [1, 8, 32, 64];
    public TimeSpan IngestDuration { get; init; } = TimeSpan.FromSeconds(10);
    public int EndToEndRate { get; init; } = 200;
    public TimeSpan EndToEndDuration { get; init; } = TimeSpan.FromSeconds(60);
    public int PipelineOrders { get; init; } = 10_000;
    public int[] Screens { get; init; } = [1_000, 2_500, 5_000];
    public TimeSpan FanOutDuration { get; init; } = TimeSpan.FromSeconds(10);
    public string? JsonPath { get; init; }
    public int? ConsumerConcurrency { get; init; }
    public string[] Only { get; init; } = AllMeasures;

    /// <summary>Runs the prep rules' backtest only (no servers) and prints its table.</summary>
    public bool Backtest { get; init; }

    public int Kitchens { get; init; } = 20;

    /// <summary>The AppHost's clustered mode: three RabbitMQ nodes and <see cref="Instances"/> of each service.</summary>
    public bool Clustered { get; init; }

    public int Instances { get; init; } = 2;

    /// <summary>Clustered: this far into the end-to-end run, the RabbitMQ node leading the order queues is killed (SIGKILL).</summary>
    public TimeSpan? KillNodeAt { get; init; }
    public static readonly string[] AllMeasures = ["ingest", "e2e", "pipeline", "kitchens", "fanout"];

    public bool Runs(string measure) => Only.Contains(measure, StringComparer.Ordinal);

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--ingest-concurrency" => options with { IngestConcurrency = Ints(Next()) },
                "--ingest-seconds" => options with { IngestDuration = Seconds(Next()) },
                "--e2e-rate" => options with { EndToEndRate = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--e2e-seconds" => options with { EndToEndDuration = Seconds(Next()) },
                "--pipeline-orders" => options with { PipelineOrders = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--screens" => options with { Screens = Ints(Next()) },
                "--fanout-seconds" => options with { FanOutDuration = Seconds(Next()) },
                "--json" => options with { JsonPath = Next() },
                "--consumer-concurrency" => options with { ConsumerConcurrency = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--only" => options with { Only = Names(Next()) },
                "--backtest" => options with { Backtest = true },
                "--kitchens" => options with { Kitchens = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--clustered" => options with { Clustered = true },
                "--instances" => options with { Instances = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--kill-node-at" => options with { KillNodeAt = Seconds(Next()) },
                "--quick" => options with
                {
                    IngestConcurrency = [1, 32], IngestDuration = TimeSpan.FromSeconds(3), EndToEndDuration = TimeSpan.FromSeconds(10),
                    PipelineOrders = 1_000, Screens = [200], FanOutDuration = TimeSpan.FromSeconds(3),
                },
                "--help" or "-h" => throw new ArgumentException(Usage),
                var other => throw new ArgumentException($"Unknown option {other}.\n{Usage}"),
            };
        }

        return options;
    }

    public const string Usage = """
        dotnet run --project Orbital.Bench -c Release -- [options]
          --ingest-concurrency 1,8,32,64   webhook senders in parallel, one ingest run each
          --ingest-seconds 10              length of each ingest run (and of the bare broker run)
          --e2e-rate 200 --e2e-seconds 60  steady webhook rate and length of the end-to-end run
          --pipeline-orders 10000          orders of 5 lines for the pipeline throughput run
          --kitchens 20                    kitchens the pipeline's orders are spread over, one Batch instance against two
          --screens 1000,2500,5000         SSE clients for each fan-out run
          --fanout-seconds 10              length of each fan-out run
          --json bench.json                also write the figures as JSON
          --consumer-concurrency 1         deliveries each Orders and Batch consumer handles at once (Messaging:ConsumerConcurrency)
          --only pipeline,fanout           run only these of ingest, e2e, pipeline, kitchens, fanout (start-up and memory always)
          --quick                          a run of about a minute
          --backtest                       only the prep rules' backtest on a generated year (no servers): its table
          --clustered                      the AppHost's clustered mode: three RabbitMQ nodes, --instances of each service
          --instances 2                    instances of each service in clustered mode (1 to compare)
          --kill-node-at 20                clustered: SIGKILL the RabbitMQ node leading the order queues this far into the e2e run
        """;

    private static int[] Ints(string value) => [.. value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))];

    private static string[] Names(string value)
    {
        var names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = names.Except(AllMeasures).ToList();
        return unknown.Count == 0 ? names : throw new ArgumentException($"--only takes {string.Join(", ", AllMeasures)}; not {string.Join(", ", unknown)}");
    }

    private static TimeSpan Seconds(string value) => TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
}
