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
        var pacer = new OtterCallPacer(settings.PerStoreEndpointPerMinute, settings.PerSecond);
        // The next free turn of each store endpoint at Otter's limit, and the calls already given a turn.
        var waiting = new Dictionary<(string Store, string Endpoint), DateTimeOffset>();
        var slotted = new HashSet<long>();
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
                slotted.Clear();
                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        var attempted = await SendDueAsync(pacer, waiting, slotted, settings, stoppingToken);
                        pacer.Forget(time.GetUtcNow());
                        // While it has calls to make it looks again shortly; otherwise once a poll interval, for new
                        // calls and for those whose back-off or Otter's window is over. (Waiting on the lead's own
                        // connection also finds out at once when that connection, and with it the lead, is lost.)
                        if (attempted > 0)
                        {
                            await Task.Delay(MinimumBetweenLooks, time, stoppingToken);
                        }
                        else
                        {
                            await leader.WaitAsync(settings.PollInterval, stoppingToken);
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
        OtterCallPacer pacer, Dictionary<(string Store, string Endpoint), DateTimeOffset> waiting, HashSet<long> slotted, OtterCallsOptions settings,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = new List<DueCall>();
        await using (var select = dataSource.CreateCommand(
            """
            SELECT c.id, c.order_id, c.store_id, c.source, c.endpoint, c.body::text, c.attempts, c.occurred_at
            FROM otter.otter_calls c
            WHERE c.state = 'pending' AND c.next_attempt_at <= $1
              AND NOT EXISTS (SELECT 1 FROM otter.otter_calls e WHERE e.order_id = c.order_id AND e.state = 'pending' AND e.id < c.id)
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
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(new DueCall(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7)));
            }
        }

        var attempted = 0;
        var deferred = new List<(long Id, DateTimeOffset Slot)>();
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
            var endpointWait = pacer.WaitForEndpoint(call.StoreId, call.Endpoint, now);
            // A call given its turn earlier goes when the window has room; a newer one queues behind those given turns.
            var hadTurn = slotted.Remove(call.Id);
            if (endpointWait > TimeSpan.Zero || (!hadTurn && waiting.ContainsKey(key)))
            {
                // The store endpoint is at Otter's limit: the call is given its turn, the next free slot after those
                // already given, and written once with it. A busy store's backlog leaves the front of the queue instead
                // of being read again at every look, and other stores' calls go meanwhile.
                var slot = waiting.TryGetValue(key, out var next) && next > now + endpointWait ? next : now + endpointWait;
                waiting[key] = slot + pacer.EndpointSpacing;
                deferred.Add((call.Id, slot));
                slotted.Add(call.Id);
                continue;
            }

            if (pacer.WaitForAny(now) > TimeSpan.Zero)
            {
                // This second's calls are made: the rest of the look waits for the next one.
                break;
            }

            pacer.Sent(call.StoreId, call.Endpoint, now);
            attempted++;
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

        if (deferred.Count > 0)
        {
            await using var later = dataSource.CreateCommand(
                "UPDATE otter.otter_calls c SET next_attempt_at = d.slot FROM unnest($1::bigint[], $2::timestamptz[]) AS d(id, slot) WHERE c.id = d.id");
            later.Parameters.Add(new NpgsqlParameter { Value = deferred.Select(d => d.Id).ToArray() });
            later.Parameters.Add(new NpgsqlParameter { Value = deferred.Select(d => d.Slot).ToArray() });
            await later.ExecuteNonQueryAsync(cancellationToken);
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

    private sealed record DueCall(long Id, string OrderId, string StoreId, string Source, string Endpoint, string? Body, int Attempts, DateTimeOffset OccurredAt);

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
