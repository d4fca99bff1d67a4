using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// The orchestrator probes /health early and gives up quickly on a busy machine. Its giving up is not the database's
/// failure: the checks run to their own end, and nothing logs "Unhealthy: the operation was canceled" (the error badge
/// a fresh start showed under load).
/// </summary>
public sealed class A_prober_that_gives_up_fails_no_health_check
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_check_outlives_a_probe_that_hung_up_and_logs_no_error()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var logs = new ConcurrentQueue<(LogLevel Level, string Category, string Message)>();
        var finished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.Logging.ClearProviders().AddProvider(new Recorder(logs)).AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Debug);
        builder.Services.AddHealthChecks().AddAsyncCheck("slow-database", async ct =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            finished.TrySetResult(true);
            return HealthCheckResult.Healthy();
        });
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(cancellationToken);

        using var prober = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMilliseconds(100) };
        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => prober.GetAsync("/health", cancellationToken));

        Assert.True(await finished.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken), "the check ran to its end");
        // The health service logs each check's end, then the whole run's: once that is logged, nothing more will be.
        await Poll.UntilAsync(_ => Task.FromResult(logs.Any(entry => entry.Category.EndsWith("DefaultHealthCheckService", StringComparison.Ordinal)
                && entry.Message.StartsWith("Health check processing with combined status", StringComparison.Ordinal))).WaitAsync(cancellationToken),
            done => done, TimeSpan.FromSeconds(10),
            () => $"the health service to log the end of the run; it logged: {string.Join(" | ", logs.Where(e => e.Category.Contains("HealthCheck", StringComparison.Ordinal)).Select(e => $"{e.Level} {e.Category}: {e.Message}"))}");
        Assert.DoesNotContain(logs, entry => entry.Level >= LogLevel.Error);
        await app.StopAsync(cancellationToken);
    }

    private sealed class Recorder(ConcurrentQueue<(LogLevel, string, string)> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(logs, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string, string)> logs, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs.Enqueue((logLevel, category, formatter(state, exception)));
        }
    }
}
