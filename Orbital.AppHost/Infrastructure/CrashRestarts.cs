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
    private static readonly string[] StoppedByRequest = ["Terminated", "Stopping"];
    private static readonly string[] Crashed = [KnownResourceStates.Finished, KnownResourceStates.Exited, KnownResourceStates.FailedToStart];

    private readonly ConcurrentDictionary<string, Supervision> _resources = new(StringComparer.Ordinal);

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

            var supervision = _resources.GetOrAdd(update.ResourceId, _ => new Supervision());
            var state = update.Snapshot.State?.Text;
            if (state == supervision.LastState)
            {
                continue;
            }

            var previous = supervision.LastState;
            supervision.LastState = state;
            if (state == KnownResourceStates.Running)
            {
                supervision.StartedAt = time.GetUtcNow();
            }
            else if (state is not null && Crashed.Contains(state) && previous is not null && !Crashed.Contains(previous)
                && !StoppedByRequest.Contains(previous) && !supervision.RestartPending)
            {
                supervision.RestartPending = true;
                var delay = supervision.NextDelay(time.GetUtcNow(), options.Value);
                var exitCode = update.Snapshot.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
                // In the AppHost's log and in the resource's own console log on the dashboard.
                LogCrashed(logger, update.ResourceId, state, exitCode, delay.TotalSeconds);
                LogCrashed(resourceLogs.GetLogger(update.ResourceId), update.ResourceId, state, exitCode, delay.TotalSeconds);
                _ = RestartAfterAsync(update.ResourceId, delay, stoppingToken);
            }
        }
    }

    private async Task RestartAfterAsync(string resourceId, TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            var supervision = _resources[resourceId];
            while (true)
            {
                await Task.Delay(delay, time, stoppingToken);
                if (supervision.LastState is null || !Crashed.Contains(supervision.LastState))
                {
                    supervision.RestartPending = false;
                    return; // Someone started it meanwhile.
                }

                var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken);
                if (result.Success)
                {
                    // Started; if it ends again (or cannot start because what it waits for is down), the next crash
                    // schedules the next attempt with a longer wait.
                    supervision.RestartPending = false;
                    return;
                }

                delay = supervision.NextDelay(time.GetUtcNow(), options.Value);
                LogRestartFailed(logger, resourceId, result.Message ?? "no reason given", delay.TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping: nothing is to be restarted.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRestartError(logger, resourceId, ex);
        }
    }

    private sealed class Supervision
    {
        private int _crashesInARow;

        public string? LastState { get; set; }

        /// <summary>When it last reached Running; cleared by a crash, so that attempts that never run keep backing off.</summary>
        public DateTimeOffset? StartedAt { get; set; }

        public bool RestartPending { get; set; }

        public TimeSpan NextDelay(DateTimeOffset now, RestartOptions options)
        {
            if (StartedAt is { } started && now - started >= options.StableAfter)
            {
                _crashesInARow = 0;
            }

            StartedAt = null;
            _crashesInARow++;
            var delay = options.FirstDelay * Math.Pow(2, Math.Min(_crashesInARow - 1, 16));
            return delay < options.MaxDelay ? delay : options.MaxDelay;
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "{Resource} ended without being stopped ({State}, exit code {ExitCode}); starting it again in {Delay} s")]
    private static partial void LogCrashed(ILogger logger, string resource, string state, string exitCode, double delay);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Error, Message = "Could not start {Resource} again: {Reason}; trying again in {Delay} s")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string reason, double delay);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Could not start {Resource} again")]
    private static partial void LogRestartError(ILogger logger, string resource, Exception exception);
}
