using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using Orbital.Messaging;

namespace Orbital.Orders.Data;

/// <summary>
/// Applies the EF Core migrations (and the outbox table) at start, retrying while PostgreSQL is down, so the
/// service starts without its database; the consumer waits for the schema before it writes anything.
/// </summary>
public sealed partial class OrdersSchema(IServiceScopeFactory scopes, NpgsqlDataSource dataSource, TimeProvider time, ILogger<OrdersSchema> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
                // EF reads its history table before creating it, and logs the failure as an error on every first
                // start; created here first (the script EF itself would run), there is nothing to fail.
                await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), stoppingToken);
                await db.Database.MigrateAsync(stoppingToken);
                await MessagingSchema.EnsureCreatedAsync(dataSource, stoppingToken);
                _ready.TrySetResult();
                Log.Migrated(logger);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Whatever stops the migration now (server down, starting up, refusing connections) is retried:
                // a failed background service would stop the whole host.
                Log.NotYet(logger, delay.TotalSeconds, ex.GetBaseException().Message);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Orders schema is up to date")]
        public static partial void Migrated(ILogger logger);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Could not migrate the orders schema yet, trying again in {DelaySeconds} s: {Reason}")]
        public static partial void NotYet(ILogger logger, double delaySeconds, string reason);
    }
}
