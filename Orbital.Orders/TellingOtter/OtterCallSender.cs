using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Orders.Data;
using Orbital.Orders.Recovery;

namespace Orbital.Orders.TellingOtter;

/// <summary>
/// Makes the calls Otter is owed, oldest first and one order's calls in order (confirm before ready-to-pickup before
/// fulfill), paced under Otter's limits. One instance sends at a time (it holds an advisory lock on a connection of its
/// own), so the pacing holds however many instances run. A call is marked sent only once Otter accepted it; 429, 5xx,
/// timeouts and network errors try again later with back-off; a call Otter refuses for good is kept as failed, with why.
/// </summary>
public sealed partial class OtterCallSender(
    NpgsqlDataSource dataSource,
    OtterOrderCalls otter,
    OrdersSchema schema,
    IOptions<OtterCallsOptions> options,
    IOptions<OtterApiOptions> api,
    TimeProvider time,
    ILogger<OtterCallSender> logger) : BackgroundService
{
    private const long LeaderLock = 7432101;
    private const int CallsPerLook = 100;
    private static readonly TimeSpan MinimumBetweenLooks = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!api.Value.IsConfigured)
        {
            Log.NotTelling(logger);
            return;
        }

        try
        {
            await schema.WaitUntilReadyAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var settings = options.Value;
        var pacer = OtterCallPacer.For(settings);
        // When each store endpoint at Otter's limit has room again: its calls are left out of the looks until then.
        var waiting = new Dictionary<(string Store, string Endpoint), DateTimeOffset>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var leader = await dataSource.OpenConnectionAsync(stoppingToken);
                await using (var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LeaderLock})", leader))
                {
                    if (!(bool)(await take.ExecuteScalarAsync(stoppingToken))!)
                    {
                        // Another instance sends; this one stands by in case it goes.
                        await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken);
                        continue;
                    }
                }

                Log.Leading(logger);
                waiting.Clear();
                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        var attempted = await SendDueAsync(pacer, waiting, settings, stoppingToken);
                        var now = time.GetUtcNow();
                        pacer.Forget(now);
                        // While it has calls to make it looks again shortly; otherwise once a poll interval (or when
                        // the first store endpoint at its limit has room, if sooner), for new calls and for those whose
                        // back-off or Otter's window is over. (Waiting on the lead's own connection also finds out at
                        // once when that connection, and with it the lead, is lost.)
                        var idle = settings.PollInterval;
                        if (waiting.Count > 0 && waiting.Values.Min() - now is var room && room < idle)
                        {
                            idle = room > MinimumBetweenLooks ? room : MinimumBetweenLooks;
                        }

                        if (attempted > 0)
                        {
                            await Task.Delay(MinimumBetweenLooks, time, stoppingToken);
                        }
                        else
                        {
                            await leader.WaitAsync(idle, stoppingToken);
                        }
                    }
                }
                finally
                {
                    await StepDownAsync(leader);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // PostgreSQL went away: the lock went with the connection; try to lead again shortly.
                Log.Interrupted(logger, ex.GetBaseException().Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Gives the lead up on a connection that still works: back in the pool it would keep holding the lock (the pool
    /// resets a session only when it lends it again), and no instance could lead meanwhile.
    /// </summary>
    private static async Task StepDownAsync(NpgsqlConnection leader)
    {
        if (leader.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", leader);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The connection is gone, and the session's lock with it.
        }
    }

    /// <returns>How many calls it tried.</returns>
    private async Task<int> SendDueAsync(
        OtterCallPacer pacer, Dictionary<(string Store, string Endpoint), DateTimeOffset> waiting, OtterCallsOptions settings, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = new List<DueCall>();
        await using (var select = dataSource.CreateCommand(
            """
            SELECT c.id, c.order_id, c.store_id, c.source, c.endpoint, c.body::text, c.attempts, c.occurred_at, c.trace_parent
            FROM otter.otter_calls c
            WHERE c.state = 'pending' AND c.next_attempt_at <= $1
              AND NOT EXISTS (SELECT 1 FROM otter.otter_calls e WHERE e.order_id = c.order_id AND e.state = 'pending' AND e.id < c.id)
              AND c.store_id || E'\n' || c.endpoint <> ALL($3)
            ORDER BY c.next_attempt_at, c.id
            LIMIT $2
            """))
        {
            foreach (var (key, slot) in waiting.ToList())
            {
                if (slot <= now)
                {
                    waiting.Remove(key);
                }
            }

            select.Parameters.Add(new NpgsqlParameter { Value = now });
            select.Parameters.Add(new NpgsqlParameter { Value = CallsPerLook });
            // A pending call's store id is printable ASCII (the others are kept as failed), so a line feed keeps keys apart.
            select.Parameters.Add(new NpgsqlParameter { Value = waiting.Keys.Select(k => $"{k.Store}\n{k.Endpoint}").ToArray() });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(new DueCall(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8)));
            }
        }

        var attempted = 0;
        foreach (var call in due)
        {
            now = time.GetUtcNow();
            if (now - call.OccurredAt > settings.GiveUpAfter)
            {
                await UpdateAsync(call.Id, "failed", call.Attempts, now, null, $"not accepted within {settings.GiveUpAfter}: given up", cancellationToken);
                Log.GivenUp(logger, call.Endpoint, call.OrderId);
                continue;
            }

            var key = (call.StoreId, call.Endpoint);
            if (waiting.ContainsKey(key))
            {
                // Its store endpoint reached Otter's limit earlier in this look: the older calls go first.
                continue;
            }

            var endpointWait = pacer.WaitForEndpoint(call.StoreId, call.Endpoint, now);
            if (endpointWait > TimeSpan.Zero)
            {
                // The store endpoint is at Otter's limit. Its calls are left out of the looks until it has room, then
                // go oldest first: nothing is written meanwhile (a busy store's backlog would otherwise cost a write per
                // call), and other stores' calls go.
                waiting[key] = now + endpointWait;
                continue;
            }

            if (pacer.WaitForAny(now) > TimeSpan.Zero)
            {
                // This second's calls are made: the rest of the look waits for the next one.
                break;
            }

            pacer.Sent(call.StoreId, call.Endpoint, now);
            attempted++;
            // The call is part of the order's trace, from the webhook through the kitchen to Otter.
            using var activity = ActivityContext.TryParse(call.TraceParent, null, isRemote: true, out var step)
                ? TellingOtterTelemetry.Source.StartActivity($"tell otter {call.Endpoint}", ActivityKind.Client, step)
                : TellingOtterTelemetry.Source.StartActivity($"tell otter {call.Endpoint}", ActivityKind.Client);
            activity?.SetTag("otter.order_id", call.OrderId);
            activity?.SetTag("otter.store_id", call.StoreId);
            var outcome = await otter.SendAsync(call.StoreId, call.Source, call.OrderId, call.Endpoint, call.Body, settings.AttemptTimeout, cancellationToken);
            var attempts = call.Attempts + 1;
            now = time.GetUtcNow();
            switch (outcome.Result)
            {
                case OtterCallResult.Accepted:
                    await UpdateAsync(call.Id, "sent", attempts, now, outcome.Status, null, cancellationToken, sentAt: now);
                    Log.Sent(logger, call.Endpoint, call.OrderId, attempts);
                    break;
                case OtterCallResult.Refused:
                    activity?.SetStatus(ActivityStatusCode.Error, outcome.Error);
                    await UpdateAsync(call.Id, "failed", attempts, now, outcome.Status, outcome.Error, cancellationToken);
                    Log.Refused(logger, call.Endpoint, call.OrderId, outcome.Error);
                    break;
                default:
                    var delay = BackOff(settings, attempts);
                    await UpdateAsync(call.Id, "pending", attempts, now + delay, outcome.Status, outcome.Error, cancellationToken);
                    Log.WillRetry(logger, call.Endpoint, call.OrderId, outcome.Error, delay.TotalSeconds);
                    break;
            }
        }

        return attempted;
    }

    /// <summary>Doubles from the first delay up to the longest, with ±20% jitter so that many calls failed together do not return together.</summary>
    private static TimeSpan BackOff(OtterCallsOptions settings, int attempts)
    {
        var doubled = settings.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 20));
        var capped = Math.Min(doubled, settings.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }

    private async Task UpdateAsync(
        long id, string state, int attempts, DateTimeOffset nextAttemptAt, int? status, string? error, CancellationToken cancellationToken, DateTimeOffset? sentAt = null)
    {
        await using var update = dataSource.CreateCommand(
            """
            UPDATE otter.otter_calls SET state = $2, attempts = $3, next_attempt_at = $4, last_status = $5, last_error = $6, sent_at = coalesce($7, sent_at)
            WHERE id = $1
            """);
        update.Parameters.Add(new NpgsqlParameter { Value = id });
        update.Parameters.Add(new NpgsqlParameter { Value = state });
        update.Parameters.Add(new NpgsqlParameter { Value = attempts });
        update.Parameters.Add(new NpgsqlParameter { Value = nextAttemptAt });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)error?.Replace("\0", "", StringComparison.Ordinal) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)sentAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record DueCall(long Id, string OrderId, string StoreId, string Source, string Endpoint, string? Body, int Attempts, DateTimeOffset OccurredAt, string? TraceParent);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1711, Level = LogLevel.Warning,
            Message = "Otter is not being told of the kitchen's steps: Otter:Api (BaseUrl, ClientId, ClientSecret) is not configured. Orders are cooked all the same.")]
        public static partial void NotTelling(ILogger logger);

        [LoggerMessage(EventId = 1712, Level = LogLevel.Information, Message = "This instance makes the calls Otter is owed")]
        public static partial void Leading(ILogger logger);

        [LoggerMessage(EventId = 1713, Level = LogLevel.Information, Message = "Otter accepted {Endpoint} for order {OrderId} (attempt {Attempts})")]
        public static partial void Sent(ILogger logger, string endpoint, string orderId, int attempts);

        [LoggerMessage(EventId = 1714, Level = LogLevel.Error, Message = "Otter refused {Endpoint} for order {OrderId} for good: {Error}")]
        public static partial void Refused(ILogger logger, string endpoint, string orderId, string? error);

        [LoggerMessage(EventId = 1715, Level = LogLevel.Warning, Message = "{Endpoint} for order {OrderId} not accepted ({Error}); trying again in {Seconds:F1} s")]
        public static partial void WillRetry(ILogger logger, string endpoint, string orderId, string? error, double seconds);

        [LoggerMessage(EventId = 1716, Level = LogLevel.Error, Message = "{Endpoint} for order {OrderId} given up: Otter did not accept it in time")]
        public static partial void GivenUp(ILogger logger, string endpoint, string orderId);

        [LoggerMessage(EventId = 1717, Level = LogLevel.Warning, Message = "Calling Otter interrupted ({Reason}); resuming shortly")]
        public static partial void Interrupted(ILogger logger, string reason);
    }
}
