using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Orbital.Contracts;
using Orbital.OtterStandIn;

namespace Orbital.Tests.Infrastructure;

/// <summary>
/// The whole system, started once per test collection through the real AppHost: local PostgreSQL, RabbitMQ and Redis
/// processes (or containers where a runtime answers) with fresh data and free ports, and the three services.
/// </summary>
public class OrbitalAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The servers the fixture waits for: a variant with more (a broker's cluster nodes) says so.</summary>
    protected virtual IReadOnlyList<string> Servers =>
        [ResourceNames.Postgres, ResourceNames.OrdersDatabase, ResourceNames.BatchDatabase, ResourceNames.PrepDatabase, ResourceNames.WarehouseDatabase, ResourceNames.RabbitMq, ResourceNames.Redis];

    /// <summary>AppHost settings of a variant of the system (clustered mode).</summary>
    protected virtual IEnumerable<string> Settings => [];

    private static readonly string[] Services = [ResourceNames.OrdersService, ResourceNames.BatchService, ResourceNames.PrepService];

    private DistributedApplication? _app;
    private OtterApiStandIn? _otterApi;
    private FakeSlackApi? _slackApi;
    private OtlpCollector? _telemetry;

    /// <summary>The location whose Prep reports go to <see cref="ReportsChannel"/> in the Slack stand-in.</summary>
    public const string ReportsLocation = "store-reports";
    public const string ReportsChannel = "C0ORBITALREPORTS";

    /// <summary>The local Slack Web API the Prep service's reports are posted to.</summary>
    /// <summary>The spans every service exported during the run.</summary>
    public OtlpCollector Telemetry => _telemetry ?? throw new InvalidOperationException("The collector has not started.");

    public FakeSlackApi SlackApi => _slackApi ?? throw new InvalidOperationException("The Slack stand-in has not started.");

    /// <summary>The local Otter Public API the Orders service's missed-order recovery reads.</summary>
    public OtterApiStandIn OtterApi => _otterApi ?? throw new InvalidOperationException("The Otter stand-in has not started.");

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        _otterApi = await OtterApiStandIn.StartAsync();
        _otterApi.CallLimitPerMinute = 200_000;
        _otterApi.CallLimitPerSecond = 2_000;
        _slackApi = await FakeSlackApi.StartAsync();
        _telemetry = await OtlpCollector.StartAsync();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Orbital_AppHost>(
            [
                "--Orbital:Infrastructure:Ephemeral=true",
                // The development secrets, given outright so that the tests do not depend on the AppHost's environment.
                $"--Parameters:otter-webhook-secret={Otter.WebhookSecret}",
                $"--Parameters:prep-jwt-signing-key={PrepAccess.SigningKey}",
                $"--Parameters:prep-jwt-verification-key={PrepAccess.VerificationKey}",
                $"--Parameters:prep-admin-password={PrepAccess.AdminPassword}",
                $"--Otter:Api:BaseUrl={_otterApi.BaseUrl}",
                $"--Otter:Api:ClientId={OtterApiStandIn.ClientId}",
                $"--Otter:Api:ClientSecret={OtterApiStandIn.ClientSecret}",
                "--Otter:Api:RetryDelay=00:00:00.200",
                "--Otter:Recovery:SettleDelay=00:00:00",
                // The suite confirms thousands of orders of one store within minutes (at Otter's 30 a minute a test's
                // call would wait behind them for many minutes): the pace is raised here, Otter's stand-in with it,
                // and the pacing at Otter's real limits is a test of its own (Calls_to_Otter_keep_within_its_limits).
                "--Otter:Calls:PerStoreEndpointPerMinute=100000",
                "--Otter:Calls:PerSecond=1000",
                "--Otter:Calls:FirstRetryDelay=00:00:00.200",
                "--Otter:Calls:MaxRetryDelay=00:00:02",
                "--Otter:Calls:AttemptTimeout=00:00:02",
                "--Otter:Calls:PollInterval=00:00:00.250",
                $"--Slack:ApiBaseUrl={_slackApi.BaseUrl}",
                $"--Slack:BotToken={FakeSlackApi.BotToken}",
                $"--Reports:Locations:0:LocationId={ReportsLocation}",
                $"--Reports:Locations:0:SlackChannel={ReportsChannel}",
                .. Settings,
            ], timeout.Token);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        // The services export their telemetry to a collector of the tests' own, as they would to the dashboard's.
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", _telemetry.Endpoint.ToString().TrimEnd('/'))
                .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "500")
                // Often enough for the metrics test to see every service's gauges within a poll, rarely enough to cost nothing.
                .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "10000");
        }

        // Clients share pooled handlers; a cookie one test receives (the jobs dashboard's) must not sign in the next test's client.
        builder.Services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler((handler, _) =>
        {
            if (handler is SocketsHttpHandler sockets)
            {
                sockets.UseCookies = false;
            }
            else if (handler is HttpClientHandler classic)
            {
                classic.UseCookies = false;
            }
        }));

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        // Watched from the start (the watch replays what was written before it): each line the services log until healthy.
        using var starting = new CancellationTokenSource();
        var watching = Services.Select(service => (service, Task: WatchLogsAsync(service, starting.Token))).ToList();
        foreach (var resource in Servers.Concat(Services))
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        // No event says "everything written before healthy has arrived": the consoles reach the AppHost through a
        // stream, and a second more lets what is still on its way in (the watch ends then; nothing is asserted on time).
        await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token);
        await starting.CancelAsync();
        foreach (var (service, task) in watching)
        {
            _startupLogs[service] = await task;
        }
    }

    /// <summary>What each service wrote to its console from its start until the whole system was healthy.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> StartupLogs => _startupLogs;

    private readonly Dictionary<string, IReadOnlyList<string>> _startupLogs = new(StringComparer.Ordinal);

    private async Task<IReadOnlyList<string>> WatchLogsAsync(string resource, CancellationToken until)
    {
        // By the resource, not its name: a project's console is kept under the id of its running instance.
        var model = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        return await ConsoleLines.UntilAsync(App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(model), until);
    }

    /// <summary>
    /// A client of a service. The Orders and Batch services' clients carry a manager's access token, as an operator's
    /// would: Orders' operator routes need one (<c>Operator_routes_need_a_managers_token</c> checks that they do), and
    /// every Batch route needs a paired screen or staff (<c>Kitchen_screens_are_paired</c>).
    /// </summary>
    public HttpClient CreateClient(string service)
    {
        var client = AnonymousClient(service);
        if (service is ResourceNames.OrdersService or ResourceNames.BatchService)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", PrepAccess.Token(role: "manager", expires: DateTimeOffset.UtcNow.AddMinutes(30)));
        }

        return client;
    }

    public HttpClient AnonymousClient(string service)
    {
        var client = App.CreateHttpClient(service);
        client.Timeout = TimeSpan.FromSeconds(30);
        return client;
    }

    public async Task<string> ConnectionStringAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        return await App.GetConnectionStringAsync(resource, timeout.Token)
            ?? throw new InvalidOperationException($"{resource} has no connection string.");
    }

    /// <summary>Runs a dashboard command (start, stop, restart, or one of Orbital's) on a resource and checks that it succeeded.</summary>
    public async Task<string?> ExecuteCommandAsync(string resource, string command)
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        var result = await commands.ExecuteCommandAsync(resource, command, timeout.Token);
        Assert.True(result.Success, $"{command} on {resource} failed: {result.Message}");
        return result.Message;
    }

    /// <summary>
    /// Kills a server's or service's process and its children with SIGKILL, as a crash or the out-of-memory killer would,
    /// and waits until the AppHost has seen it end.
    /// </summary>
    public async Task KillAsync(string resource)
    {
        Assert.True(App.ResourceNotifications.TryGetCurrentState(resource, out var current), $"{resource} is not known to the AppHost");
        var pid = current.Snapshot.Properties.SingleOrDefault(p => p.Name == "executable.pid")?.Value;
        Assert.True(pid is not null, $"{resource} has no process id (state {current.Snapshot.State?.Text})");
        using (var process = System.Diagnostics.Process.GetProcessById(Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture)))
        {
            process.Kill(entireProcessTree: true);
        }

        // Seen ending, or already running again as another process: a restart quick enough to leave no other state in
        // the snapshots the wait reads would otherwise be missed (seen on CI: postgres up again, the wait ran out).
        var killed = Convert.ToString(pid, System.Globalization.CultureInfo.InvariantCulture);
        using var timeout = new CancellationTokenSource(WaitTimeout);
        await App.ResourceNotifications.WaitForResourceAsync(resource,
            e => (e.Snapshot.State?.Text is { } state && state != KnownResourceStates.Running && state != KnownResourceStates.Starting)
                || Convert.ToString(e.Snapshot.Properties.SingleOrDefault(p => p.Name == "executable.pid")?.Value, System.Globalization.CultureInfo.InvariantCulture) is { } now && now != killed,
            timeout.Token);
    }

    public async Task WaitForStateAsync(string resource, string state)
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        await App.ResourceNotifications.WaitForResourceAsync(resource, state, timeout.Token);
    }

    /// <summary>
    /// Waits until the resource runs and its health checks pass. Reads the snapshot's health rather than Aspire's
    /// WaitForResourceHealthyAsync, which also waits for a resource-ready event that a server restarted after a kill
    /// may never raise again (seen: postgres healthy for half a minute while that wait ran out).
    /// </summary>
    public async Task WaitForHealthyAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        await App.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy, timeout.Token);
    }

    /// <summary>Reads a service's <c>/health</c> report.</summary>
    public async Task<HealthReport> HealthAsync(string service, CancellationToken cancellationToken)
    {
        using var client = CreateClient(service);
        return await client.GetHealthAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_otterApi is not null)
        {
            await _otterApi.DisposeAsync();
        }

        if (_slackApi is not null)
        {
            await _slackApi.DisposeAsync();
        }

        if (_telemetry is not null)
        {
            await _telemetry.DisposeAsync();
        }
    }
}

public sealed record HealthReport(string Status, Dictionary<string, HealthEntry> Entries);

public static class HealthClientExtensions
{
    public static async Task<HealthReport> GetHealthAsync(this HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("/health", cancellationToken);
        return await response.Content.ReadFromJsonAsync<HealthReport>(JsonSerializerOptions.Web, cancellationToken)
            ?? throw new InvalidOperationException($"{client.BaseAddress} returned an empty health report.");
    }
}

public sealed record HealthEntry(string Status, string? Description);

[CollectionDefinition(Name)]
public sealed class OrbitalCollection : ICollectionFixture<OrbitalAppFixture>
{
    public const string Name = "Orbital end to end";
}
