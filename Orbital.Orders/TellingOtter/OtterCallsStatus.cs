using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Orders.Operators;
using Orbital.Orders.Recovery;

namespace Orbital.Orders.TellingOtter;

/// <summary>The calls telling Otter of the kitchen's steps: owed now and the oldest's age; given up on (refused by Otter for good).</summary>
public sealed record OtterCallsStatus(bool Configured, long Pending, double? OldestPendingSeconds, long Failed);

public static class OtterCallsStatusApi
{
    public static IEndpointRouteBuilder MapOtterCallsStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/operations/otter-calls", async Task<Ok<OtterCallsStatus>> (OtterCallsStatusReader reader, CancellationToken cancellationToken) =>
                TypedResults.Ok(await reader.ReadAsync(cancellationToken)))
            .WithTags("Operations").WithName("GetOtterCallsStatus").RequireAuthorization(OperatorAccess.EveryStorePolicy)
            .WithSummary("Calls owed to Otter now, the oldest's age, and those given up on");
        return app;
    }
}

/// <summary>
/// <c>GET /operations/otter-calls</c> for operators (Batch's operations page shows it), and the same as gauges
/// <c>orbital.otter.calls.pending</c> and <c>orbital.otter.calls.oldest_pending_age</c>, read every 15 s in the background.
/// </summary>
public sealed partial class OtterCallsStatusReader : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private readonly NpgsqlDataSource _dataSource;
    private readonly IOptions<OtterApiOptions> _api;
    private readonly TimeProvider _time;
    private readonly ILogger<OtterCallsStatusReader> _logger;
    private volatile OtterCallsStatus? _last;

    public OtterCallsStatusReader(NpgsqlDataSource dataSource, IOptions<OtterApiOptions> api, IMeterFactory meters, TimeProvider time, ILogger<OtterCallsStatusReader> logger)
    {
        _dataSource = dataSource;
        _api = api;
        _time = time;
        _logger = logger;
        var meter = meters.Create("Orbital.Orders.TellingOtter");
        meter.CreateObservableGauge("orbital.otter.calls.pending", () => _last is { } last ? [new Measurement<long>(last.Pending)] : Array.Empty<Measurement<long>>(),
            unit: "{call}", description: "Calls telling Otter of a kitchen's step, owed now.");
        meter.CreateObservableGauge("orbital.otter.calls.oldest_pending_age", () => _last is { } last ? [new Measurement<double>(last.OldestPendingSeconds ?? 0)] : Array.Empty<Measurement<double>>(),
            unit: "s", description: "How long the oldest call owed to Otter has waited.");
    }

    /// <param name="withFailed">Also count the calls given up on: a scan of every call, for an operator's request, not for the gauges.</param>
    public async Task<OtterCallsStatus> ReadAsync(CancellationToken cancellationToken, bool withFailed = true)
    {
        try
        {
            // The owed calls come from the sender's partial index.
            await using var command = _dataSource.CreateCommand(withFailed
                ? "SELECT count(*), min(occurred_at), (SELECT count(*) FROM otter.otter_calls WHERE state = 'failed') FROM otter.otter_calls WHERE state = 'pending'"
                : "SELECT count(*), min(occurred_at), 0::bigint FROM otter.otter_calls WHERE state = 'pending'");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var oldest = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
            return new OtterCallsStatus(_api.Value.IsConfigured, reader.GetInt64(0),
                oldest is { } at ? Math.Max(0, (_time.GetUtcNow() - at).TotalSeconds) : null, reader.GetInt64(2));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return new OtterCallsStatus(_api.Value.IsConfigured, 0, null, 0);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _last = await ReadAsync(stoppingToken, withFailed: false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.ReadFailed(_logger, ex.GetBaseException().Message);
            }

            await Task.Delay(Interval, _time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the calls owed to Otter for their gauges failed: {Reason}")]
        public static partial void ReadFailed(ILogger logger, string reason);
    }
}
