using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orbital.AppHost.Infrastructure;

/// <summary>How crashed servers and services are started again. Section <c>Orbital:Restarts</c>.</summary>
public sealed class RestartOptions
{
    public const string SectionName = "Orbital:Restarts";

    public bool Enabled { get; set; } = true;

    /// <summary>The wait before the first restart after a crash; it doubles with each crash in a row.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Running this long since its last start, a resource's next crash counts as the first again.</summary>
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Starts again, with back-off, any process the AppHost runs (PostgreSQL, RabbitMQ, Redis, the services) that ended
/// without being asked to: a crash, an out-of-memory kill, kill -9. DCP reports a process ended that way as
/// <c>Finished</c> (or <c>FailedToStart</c> when it could not start); one an operator stopped from the dashboard is
/// <c>Terminated</c>, and stays down until started again.
/// </summary>
public sealed partial class CrashRestarts(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    IOptions<RestartOptions> options,
    TimeProvider time,
    ILogger<CrashRestarts> logger) : BackgroundService
{

    private readonly ConcurrentDictionary<string, RestartSchedule> _resources = new(StringComparer.Ordinal);

    public static void AddTo(IDistributedApplicationBuilder builder)
    {
        builder.Services.AddOptions<RestartOptions>().BindConfiguration(RestartOptions.SectionName)
            .Validate(o => o.FirstDelay > TimeSpan.Zero && o.MaxDelay >= o.FirstDelay, "Restart delays must be positive, the maximum at least the first.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<CrashRestarts>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        await foreach (var update in notifications.WatchAsync(stoppingToken))
        {
            if (update.Resource is not (ExecutableResource or ProjectResource))
            {
                continue;
            }

            var supervision = _resources.GetOrAdd(update.ResourceId, _ => new RestartSchedule());
            var state = update.Snapshot.State?.Text;
            TimeSpan? restartIn;
            lock (supervision.Lock)
            {
                restartIn = supervision.Observe(state, time.GetUtcNow(), options.Value);
            }

            if (restartIn is { } delay)
            {
                var exitCode = update.Snapshot.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
                // In the AppHost's log and in the resource's own console log on the dashboard.
                LogCrashed(logger, update.ResourceId, state ?? "none", exitCode, delay.TotalSeconds);
                LogCrashed(resourceLogs.GetLogger(update.ResourceId), update.ResourceId, state ?? "none", exitCode, delay.TotalSeconds);
                _ = RestartAsync(update.ResourceId, supervision, delay, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Starts the resource after the delay; while it keeps ending before it runs (or cannot start), starts it again
    /// after longer waits, until it runs or someone stops it.
    /// </summary>
    private async Task RestartAsync(string resourceId, RestartSchedule supervision, TimeSpan delay, CancellationToken stoppingToken)
    {
        var startDue = true;
        try
        {
            while (true)
            {
                await Task.Delay(delay, time, stoppingToken);
                bool crashed;
                lock (supervision.Lock)
                {
                    if (supervision.RestartSettled())
                    {
                        return;
                    }

                    crashed = supervision.HasCrashed;
                    if (crashed && !startDue)
                    {
                        // It ended again before running: the next start waits longer.
                        delay = supervision.NextDelay(time.GetUtcNow(), options.Value);
                    }
                }

                if (!crashed)
                {
                    delay = options.Value.FirstDelay; // Starting, or waiting for what it depends on: look again shortly.
                    continue;
                }

                if (!startDue)
                {
                    LogRestartFailed(logger, resourceId, "it ended again before it ran", delay.TotalSeconds);
                    startDue = true;
                    continue;
                }

                try
                {
                    var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken);
                    if (!result.Success)
                    {
                        LogRestartFailed(logger, resourceId, result.Message ?? "no reason given", options.Value.FirstDelay.TotalSeconds);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogRestartFailed(logger, resourceId, ex.GetBaseException().Message, options.Value.FirstDelay.TotalSeconds);
                }

                startDue = false;
                delay = options.Value.FirstDelay;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping: nothing is to be restarted.
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "{Resource} ended without being stopped ({State}, exit code {ExitCode}); starting it again in {Delay} s")]
    private static partial void LogCrashed(ILogger logger, string resource, string state, string exitCode, double delay);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Error, Message = "Could not start {Resource} again: {Reason}; trying again in {Delay} s")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string reason, double delay);
}
