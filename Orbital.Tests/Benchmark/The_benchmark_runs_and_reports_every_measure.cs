using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Benchmark;

/// <summary>The benchmark starts a system of its own: it runs alone, like the fault suite.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchmarkCollection
{
    public const string Name = "Orbital benchmark";
}

/// <summary>
/// A few seconds of every measure, to keep the benchmark program working. It says nothing of speed: only that each
/// measure ran, reported its figures, and lost nothing.
/// </summary>
[Collection(BenchmarkCollection.Name)]
public sealed class The_benchmark_runs_and_reports_every_measure
{
    [Fact(Timeout = 300_000)]
    public async Task A_short_run_writes_every_figure_and_loses_no_order()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var json = Path.Combine(Path.GetTempPath(), $"orbital-bench-{Guid.NewGuid():N}.json");
        var output = await RunBenchmarkAsync(
            ["--ingest-concurrency", "1,8", "--ingest-seconds", "1", "--e2e-rate", "50", "--e2e-seconds", "3", "--pipeline-orders", "200", "--kitchens", "3", "--screens", "20", "--fanout-seconds", "2", "--json", json],
            cancellationToken);

        try
        {
            var report = JsonNode.Parse(await File.ReadAllTextAsync(json, cancellationToken))!;
            Assert.True(report["startupSeconds"]!.GetValue<double>() > 0, output);
            Assert.Equal(2, report["ingest"]!.AsArray().Count);
            Assert.All(report["ingest"]!.AsArray(), run =>
            {
                Assert.True(run!["perSecond"]!.GetValue<double>() > 0, output);
                Assert.Equal(0, run["failures"]!.GetValue<int>());
            });
            Assert.True(report["bareBrokerPerSecond"]!.GetValue<double>() > 0, output);
            Assert.True(report["endToEnd"]!["sent"]!.GetValue<int>() > 0, output);
            Assert.Equal(0, report["endToEnd"]!["lost"]!.GetValue<int>());
            Assert.True(report["pipeline"]!["ordersPerSecond"]!.GetValue<double>() > 0, output);
            Assert.True(report["pipeline"]!["bareInsertOrdersPerSecond"]!.GetValue<double>() > 0, output);
            Assert.Equal(3, report["kitchens"]!["kitchens"]!.GetValue<int>());
            Assert.True(report["kitchens"]!["oneInstanceOrdersPerSecond"]!.GetValue<double>() > 0, output);
            Assert.True(report["kitchens"]!["twoInstancesOrdersPerSecond"]!.GetValue<double>() > 0, output);
            var fanOut = Assert.Single(report["fanOut"]!.AsArray())!;
            Assert.Equal(20, fanOut["connected"]!.GetValue<int>());
            Assert.Equal(fanOut["expected"]!.GetValue<int>(), fanOut["deliveries"]!.GetValue<int>());
            foreach (var service in new[] { "orders", "batch", "prep" })
            {
                Assert.True(report["rssMegabytes"]![service]!["idle"]!.GetValue<double>() > 0, $"{service} has no idle RSS");
            }
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static async Task<string> RunBenchmarkAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = ServiceProcess.BuiltProject("Orbital.Bench");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string text;
        lock (output)
        {
            text = output.ToString();
        }

        Assert.True(process.ExitCode == 0, $"The benchmark exited with {process.ExitCode}:\n{text}");
        return text;
    }
}
