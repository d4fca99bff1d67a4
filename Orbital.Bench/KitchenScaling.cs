using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orbital.Bench;

/// <summary>
/// Whether kitchens write in parallel: the pipeline with its orders spread over many kitchens (each its own event
/// sequence and batch keys), through the one Batch instance of the AppHost and then through it and a second instance
/// started beside it on the same databases, broker and Redis. The setup is given the bench's kitchens for the run and
/// put back afterwards.
/// </summary>
public static class KitchenScaling
{
    public sealed record Result(int Kitchens, Pipeline.Result One, Pipeline.Result Two, IReadOnlyList<(string Part, double Percent)> CpuOne, IReadOnlyList<(string Part, double Percent)> CpuTwo);

    public sealed record Connections(string RabbitMq, string OrdersDatabase, string BatchDatabase, string Redis, string WarehouseDatabase, string VerificationKey);

    public static async Task<Result> RunAsync(HttpClient orders, HttpClient batch, ScreenPairing pairing, Connections servers, int kitchens, int count)
    {
        var token = await pairing.AdminTokenAsync();
        var original = await SendAsync(batch, HttpMethod.Get, "/kitchens/setup", token, null);
        var setup = JsonNode.Parse(original)!.AsObject();
        var ids = Enumerable.Range(1, kitchens).Select(k => $"bench-{k:D2}").ToList();
        foreach (var id in ids)
        {
            setup["kitchens"]!.AsArray().Add(new JsonObject { ["id"] = id, ["name"] = $"Bench kitchen {id[^2..]}", ["timeZone"] = "Europe/London", ["dayStartsAt"] = "04:00", ["hasExpo"] = false, ["kind"] = "kitchen" });
            foreach (var (station, order) in new[] { ("grill", 1), ("fryer", 2), ("wok", 3), ("drinks", 4) })
            {
                setup["stations"]!.AsArray().Add(new JsonObject { ["kitchenId"] = id, ["id"] = station, ["name"] = station, ["displayOrder"] = order });
            }

            setup["stores"]!.AsArray().Add(new JsonObject { ["storeId"] = $"smash-club-{id}", ["kitchenId"] = id, ["brandId"] = "smash-club" });
        }

        await SendAsync(batch, HttpMethod.Put, "/kitchens/setup", token, setup.ToJsonString());
        try
        {
            string StoreOf(int i) => $"smash-club-{ids[i % ids.Count]}";
            // A warm-up, not measured: the first run of a fresh system pays for its JIT and its cold caches.
            await Pipeline.RunAsync(orders, servers.OrdersDatabase, servers.BatchDatabase, Math.Max(count / 5, 200), StoreOf);
            await Backlog.DrainAsync(servers.RabbitMq);
            var cpu = new CpuUse();
            var one = await Pipeline.RunAsync(orders, servers.OrdersDatabase, servers.BatchDatabase, count, StoreOf);
            var cpuOne = cpu.Shares();
            await Backlog.DrainAsync(servers.RabbitMq);

            using var second = StartSecondBatch(servers);
            try
            {
                await WaitHealthyAsync(second.Address);
                cpu = new CpuUse();
                var two = await Pipeline.RunAsync(orders, servers.OrdersDatabase, servers.BatchDatabase, count, StoreOf);
                var cpuTwo = cpu.Shares();
                await Backlog.DrainAsync(servers.RabbitMq);
                return new Result(kitchens, one, two, cpuOne, cpuTwo);
            }
            finally
            {
                second.Process.Kill(entireProcessTree: true);
                await second.Process.WaitForExitAsync();
            }
        }
        finally
        {
            await SendAsync(batch, HttpMethod.Put, "/kitchens/setup", token, original);
        }
    }

    private sealed record SecondInstance(Process Process, Uri Address) : IDisposable
    {
        public void Dispose() => Process.Dispose();
    }

    /// <summary>The Batch service as this build made it, as a process of its own, on the AppHost's servers.</summary>
    private static SecondInstance StartSecondBatch(Connections servers)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orbital.sln")))
        {
            directory = directory.Parent;
        }

        var dll = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Orbital.sln not found above the bench."), "Orbital.Batch", "bin", configuration, "net10.0", "Orbital.Batch.dll");
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["ConnectionStrings__rabbitmq"] = servers.RabbitMq;
        start.Environment["ConnectionStrings__batchdb"] = servers.BatchDatabase;
        start.Environment["ConnectionStrings__redis"] = servers.Redis;
        start.Environment["ConnectionStrings__warehousedb"] = servers.WarehouseDatabase;
        start.Environment["Auth__VerificationKey"] = servers.VerificationKey;
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start a second Batch instance.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SecondInstance(process, new Uri($"http://127.0.0.1:{port}"));
    }

    private static async Task WaitHealthyAsync(Uri address)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                using var response = await client.GetAsync("/health");
                if (response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("\"status\":\"Healthy\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"The second Batch instance at {address} was not healthy within 90 s.");
    }

    private static async Task<string> SendAsync(HttpClient client, HttpMethod method, string path, string token, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {body}");
    }
}
