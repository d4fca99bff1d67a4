using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using HangfireLogProvider = Hangfire.Logging.LogProvider;
using Hangfire.PostgreSql;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Orbital.Scheduling;

/// <summary>
/// Starts this service's Hangfire server once PostgreSQL answers (retrying with back-off until it does), registers
/// the recurring jobs, and stops the server at shutdown, letting running jobs finish within the shutdown timeout.
/// </summary>
public sealed partial class ScheduledJobs(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    IEnumerable<RecurringJobRegistration> registrations,
    IEnumerable<IRecurringJobTimeZones> timeZones,
    IOptions<ScheduledJobsOptions> options,
    IHostEnvironment environment,
    ILoggerFactory loggers) : BackgroundService
{
    private static readonly TimeSpan MaxStartDelay = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = loggers.CreateLogger<ScheduledJobs>();
    private readonly SemaphoreSlim _registering = new(1, 1);
    private volatile JobStorage? _storage;

    public string Schema => options.Value.Schema;

    public bool IsRunning => _storage is not null;

    /// <summary>Runs a recurring job now. Null when the server has not started yet (PostgreSQL unreachable so far).</summary>
    public string? Trigger(string recurringJobId)
    {
        var storage = _storage;
        if (storage is null)
        {
            return null;
        }

        if (!registrations.Any(r => string.Equals(r.Id, recurringJobId, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"No recurring job '{recurringJobId}' is registered.", nameof(recurringJobId));
        }

        return new RecurringJobManager(storage).TriggerJob(recurringJobId);
    }

    /// <summary>The recurring jobs as Hangfire sees them; empty until the server has started.</summary>
    public IReadOnlyList<RecurringJobDto> RecurringJobs()
    {
        var storage = _storage;
        if (storage is null)
        {
            return [];
        }

        using var connection = storage.GetConnection();
        return connection.GetRecurringJobs();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        HangfireLogProvider.SetCurrentLogProvider(new AspNetCoreLogProvider(loggers));

        var delay = TimeSpan.FromSeconds(1);
        JobStorage? storage = null;
        while (storage is null && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                storage = CreateStorage(settings);
                await RegisterRecurringJobsAsync(storage, settings, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                storage = null;
                Log.StartFailed(_logger, settings.Schema, delay.TotalSeconds, ex.GetBaseException().Message);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxStartDelay.Ticks));
            }
        }

        if (storage is null)
        {
            return;
        }

        using var server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                ServerName = $"{environment.ApplicationName}:{Environment.MachineName}:{Environment.ProcessId}",
                WorkerCount = settings.WorkerCount,
                Activator = new AspNetCoreJobActivator(scopes),
                ShutdownTimeout = settings.ShutdownTimeout,
                SchedulePollingInterval = TimeSpan.FromSeconds(1),
            },
            storage);
        _storage = storage;
        Log.Started(_logger, settings.Schema, registrations.Count());

        await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        _storage = null;
        server.SendStop();
        await server.WaitForShutdownAsync(CancellationToken.None);
    }

    private PostgreSqlStorage CreateStorage(ScheduledJobsOptions settings) =>
        new(new DataSourceConnectionFactory(dataSource), new PostgreSqlStorageOptions
        {
            SchemaName = settings.Schema,
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = settings.QueuePollInterval,
        });

    /// <summary>
    /// Registers the recurring jobs again, each in its time zone as it is now (a location whose time zone changed): a
    /// no-op until the server has started, which registers them itself.
    /// </summary>
    public async Task ReregisterAsync(CancellationToken cancellationToken)
    {
        if (_storage is { } storage)
        {
            await RegisterRecurringJobsAsync(storage, options.Value, cancellationToken);
        }
    }

    private async Task RegisterRecurringJobsAsync(JobStorage storage, ScheduledJobsOptions settings, CancellationToken cancellationToken)
    {
        await _registering.WaitAsync(cancellationToken);
        try
        {
            RegisterRecurringJobs(storage, settings, await TimeZonesAsync(settings, cancellationToken));
        }
        finally
        {
            _registering.Release();
        }
    }

    /// <summary>Each job's time zone: what a service's <see cref="IRecurringJobTimeZones"/> says, else <c>ScheduledJobs:TimeZone</c>.</summary>
    private async Task<Dictionary<string, string>> TimeZonesAsync(ScheduledJobsOptions settings, CancellationToken cancellationToken)
    {
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            string? zone = null;
            foreach (var source in timeZones)
            {
                zone ??= await source.TimeZoneOfAsync(registration, cancellationToken);
            }

            // A zone this machine's time zone data does not have would stop every job from being registered: fall back.
            zones[registration.Id] = zone is not null && TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _) ? zone : settings.TimeZone;
        }

        return zones;
    }

    private void RegisterRecurringJobs(JobStorage storage, ScheduledJobsOptions settings, Dictionary<string, string> zones)
    {
        var manager = new RecurringJobManager(storage);
        foreach (var registration in registrations)
        {
            var cron = settings.Schedules.GetValueOrDefault(registration.Id, registration.DefaultCron);
            if (string.Equals(cron, "never", StringComparison.OrdinalIgnoreCase))
            {
                manager.RemoveIfExists(registration.Id);
                Log.Disabled(_logger, registration.Id);
                continue;
            }

            var job = registration.Argument is null
                ? new Job(registration.JobType, Method(registration.JobType, typeof(CancellationToken)), CancellationToken.None)
                : new Job(registration.JobType, Method(registration.JobType, typeof(string), typeof(CancellationToken)), registration.Argument, CancellationToken.None);
            var zone = zones[registration.Id];
            manager.AddOrUpdate(registration.Id, job, cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(zone) });
            Log.Registered(_logger, registration.Id, cron, zone);
        }
    }

    private static System.Reflection.MethodInfo Method(Type jobType, params Type[] parameters) =>
        jobType.GetMethod(nameof(IScheduledJob.RunAsync), parameters)
            ?? throw new InvalidOperationException($"{jobType} has no RunAsync({string.Join(", ", parameters.Select(p => p.Name))}).");

    /// <summary>The storage once the server runs, for the dashboard; null before.</summary>
    public JobStorage? Storage => _storage;

    /// <summary>Hangfire's connections come from the service's own pooled data source.</summary>
    private sealed class DataSourceConnectionFactory(NpgsqlDataSource dataSource) : IConnectionFactory
    {
        public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Scheduled jobs (schema {Schema}) not started, retrying in {DelaySeconds} s: {Reason}")]
        public static partial void StartFailed(ILogger logger, string schema, double delaySeconds, string reason);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Scheduled jobs server started in schema {Schema} with {JobCount} recurring jobs")]
        public static partial void Started(ILogger logger, string schema, int jobCount);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Recurring job {JobId} runs on '{Cron}' ({TimeZone})")]
        public static partial void Registered(ILogger logger, string jobId, string cron, string timeZone);

        [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Recurring job {JobId} is turned off by configuration")]
        public static partial void Disabled(ILogger logger, string jobId);
    }
}
