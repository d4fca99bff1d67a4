using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Scheduling;

namespace Orbital.Warehouse;

/// <summary>Where a sync got to in its source: the last (updated time, key) copied.</summary>
public sealed record Watermark(DateTimeOffset UpdatedAt, string Key)
{
    public static Watermark Start { get; } = new(DateTimeOffset.UnixEpoch, string.Empty);
}

/// <summary>Rows to upsert and the source position they bring the watermark to.</summary>
public sealed record SyncBatch(IReadOnlyList<object?[]> Rows, Watermark Through, int SourceRows);

public sealed record SyncResult(string Job, int Batches, long RowsSynced, Watermark Watermark, TimeSpan Lag);

/// <summary>
/// An incremental, idempotent copy of one source table to the warehouse. Each run reads the source in (updated time,
/// key) order from the stored watermark, upserts each batch (thousands of rows per statement) and only then moves the
/// watermark past it. A run that dies between the two upserts the same rows again next time, which changes nothing.
/// Rows younger than the settle delay wait for the next run, so a transaction still committing is never skipped.
/// </summary>
public abstract partial class WarehouseSync(
    NpgsqlDataSource source,
    IWarehouse warehouse,
    IOptions<WarehouseOptions> options,
    TimeProvider time,
    WarehouseSyncMetrics metrics,
    ILogger logger) : IScheduledJob
{
    public abstract string JobName { get; }

    public abstract WarehouseTable Table { get; }

    /// <summary>Up to <paramref name="limit"/> source rows changed after <paramref name="after"/> and no later than <paramref name="until"/>, in order.</summary>
    protected abstract Task<SyncBatch?> ReadAsync(NpgsqlDataSource source, Watermark after, DateTimeOffset until, int limit, CancellationToken cancellationToken);

    public Task RunAsync(CancellationToken cancellationToken) => SyncAsync(cancellationToken);

    /// <summary>A source query whose parameters are, in order, the watermark's time and key, the cut-off time and the row limit.</summary>
    protected static NpgsqlCommand SourceQuery(NpgsqlDataSource source, string sql, Watermark after, DateTimeOffset until, int limit)
    {
        var command = source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = after.UpdatedAt });
        command.Parameters.Add(new NpgsqlParameter { Value = after.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = until });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        return command;
    }

    public async Task<SyncResult> SyncAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var settings = options.Value;
        await WatermarkStore.EnsureCreatedAsync(source, cancellationToken);
        await warehouse.EnsureTableAsync(Table, cancellationToken);
        var watermarkName = settings.WatermarkScope + JobName;
        var watermark = await WatermarkStore.ReadAsync(source, watermarkName, cancellationToken);
        var until = time.GetUtcNow() - settings.SettleDelay;
        long synced = 0;
        var batches = 0;
        while (await ReadAsync(source, watermark, until, settings.BatchSize, cancellationToken) is { SourceRows: > 0 } batch)
        {
            if (batch.Rows.Count > 0)
            {
                await warehouse.UpsertAsync(Table, batch.Rows, cancellationToken);
            }

            await WatermarkStore.WriteAsync(source, watermarkName, batch.Through, batch.Rows.Count, time.GetUtcNow(), cancellationToken);
            watermark = batch.Through;
            synced += batch.Rows.Count;
            batches++;
            metrics.RowsSynced.Add(batch.Rows.Count, new KeyValuePair<string, object?>("job", JobName));
            if (batch.SourceRows < settings.BatchSize)
            {
                break;
            }
        }

        var lag = watermark == Watermark.Start ? TimeSpan.Zero : time.GetUtcNow() - watermark.UpdatedAt;
        metrics.Report(JobName, lag);
        Log.Synced(logger, JobName, synced, batches, warehouse.Provider, lag.TotalSeconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new SyncResult(JobName, batches, synced, watermark, lag);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
            Message = "Warehouse sync {Job}: {Rows} rows in {Batches} batches to the {Provider} warehouse; lag {LagSeconds:F0} s; took {ElapsedMs:F0} ms")]
        public static partial void Synced(ILogger logger, string job, long rows, int batches, string provider, double lagSeconds, double elapsedMs);
    }
}

/// <summary>Watermarks in the source service's own database (schema <c>warehouse_sync</c>).</summary>
public static class WatermarkStore
{
    public static async Task EnsureCreatedAsync(NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand(
            """
            CREATE SCHEMA IF NOT EXISTS warehouse_sync;
            CREATE TABLE IF NOT EXISTS warehouse_sync.watermarks (
                job text PRIMARY KEY, updated_at timestamptz NOT NULL, last_key text NOT NULL,
                rows_synced bigint NOT NULL DEFAULT 0, last_run_at timestamptz NOT NULL);
            """);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject)
        {
            // Two jobs of one service created it at the same moment: it exists.
        }
    }

    public static async Task<Watermark> ReadAsync(NpgsqlDataSource source, string job, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand("SELECT updated_at, last_key FROM warehouse_sync.watermarks WHERE job = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = job });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new Watermark(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1)) : Watermark.Start;
    }

    public static async Task WriteAsync(NpgsqlDataSource source, string job, Watermark watermark, long rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand(
            """
            INSERT INTO warehouse_sync.watermarks (job, updated_at, last_key, rows_synced, last_run_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (job) DO UPDATE SET updated_at = EXCLUDED.updated_at, last_key = EXCLUDED.last_key,
                rows_synced = warehouse_sync.watermarks.rows_synced + EXCLUDED.rows_synced, last_run_at = EXCLUDED.last_run_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = job });
        command.Parameters.Add(new NpgsqlParameter { Value = watermark.UpdatedAt });
        command.Parameters.Add(new NpgsqlParameter { Value = watermark.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = rows });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public sealed class WarehouseSyncMetrics
{
    private readonly Dictionary<string, double> _lags = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public WarehouseSyncMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("Orbital.Warehouse");
        RowsSynced = meter.CreateCounter<long>("orbital.warehouse.rows_synced", description: "Rows upserted into the warehouse, per job");
        meter.CreateObservableGauge("orbital.warehouse.lag", () =>
        {
            lock (_lock)
            {
                return _lags.Select(l => new Measurement<double>(l.Value, new KeyValuePair<string, object?>("job", l.Key))).ToList();
            }
        }, unit: "s", description: "Age of the newest source change copied, at the end of each job's last run");
    }

    public Counter<long> RowsSynced { get; }

    public void Report(string job, TimeSpan lag)
    {
        lock (_lock)
        {
            _lags[job] = lag.TotalSeconds;
        }
    }
}
