using Microsoft.Extensions.Logging;
using Orbital.Warehouse;
using StackExchange.Redis;

namespace Orbital.Places;

/// <summary>What became of a setup sent: the version in force, whether it changed, or the problems that stopped it.</summary>
public sealed record SetupWriteResult(long Version, bool Changed, IReadOnlyList<SetupProblem> Problems);

/// <summary>
/// The one way a setup is changed, whichever service takes the change (Batch's setup API, Prep's locations): checked
/// whole, written as the next version while holding a lock in Redis (so two writers anywhere never pick the same
/// version, and a change to one place is made to the setup in force, not to a stale copy), then announced to every
/// instance. Without Redis nothing is written: <see cref="SetupLockUnavailableException"/>.
/// </summary>
public sealed partial class PlacesSetupWriter(IWarehouse warehouse, IConnectionMultiplexer redis, PlacesCache cache, TimeProvider time, ILogger<PlacesSetupWriter> logger)
{
    public const string LockKey = "orbital:places:setup-lock";
    private static readonly TimeSpan LockExpiry = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(15);

    /// <summary>Replaces the whole setup with <paramref name="setup"/>.</summary>
    public Task<SetupWriteResult> ReplaceAsync(PlacesSetup setup, string by, CancellationToken cancellationToken) =>
        ChangeAsync(_ => setup, by, cancellationToken);

    /// <summary>Applies <paramref name="change"/> to the setup in force (read again under the lock) and writes the result.</summary>
    public async Task<SetupWriteResult> ChangeAsync(Func<PlacesSetup, PlacesSetup> change, string by, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid().ToString("N");
        var database = redis.GetDatabase();
        await TakeLockAsync(database, token, cancellationToken);
        try
        {
            var current = await PlacesTables.ReadAsync(warehouse, cancellationToken);
            var wanted = change(current.Setup);
            var problems = SetupValidation.Validate(wanted);
            if (problems.Count > 0)
            {
                return new SetupWriteResult(current.Version, Changed: false, problems);
            }

            if (current.Version > 0 && current.Setup.SameAs(wanted))
            {
                return new SetupWriteResult(current.Version, Changed: false, []);
            }

            var version = await PlacesTables.WriteAsync(warehouse, wanted, by, time.GetUtcNow(), cancellationToken);
            Log.Applied(logger, version, by, wanted.Kitchens.Count, wanted.Stores.Count);
            await cache.AnnounceChangeAsync(version);
            await cache.RefreshAsync(cancellationToken);
            return new SetupWriteResult(version, Changed: true, []);
        }
        finally
        {
            await database.LockReleaseAsync(LockKey, token);
        }
    }

    private async Task TakeLockAsync(IDatabase database, string token, CancellationToken cancellationToken)
    {
        var waited = time.GetTimestamp();
        while (true)
        {
            try
            {
                if (await database.LockTakeAsync(LockKey, token, LockExpiry))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw new SetupLockUnavailableException($"Redis, which serialises changes to the setup, is not answering: {ex.GetBaseException().Message}", ex);
            }

            if (time.GetElapsedTime(waited) > LockWait)
            {
                throw new SetupLockUnavailableException($"Another change to the setup has held the lock for over {LockWait.TotalSeconds:F0} s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7121, Level = LogLevel.Information, Message = "Setup of places version {Version} applied by {By}: {Kitchens} kitchens, {Stores} stores")]
        public static partial void Applied(ILogger logger, long version, string by, int kitchens, int stores);
    }
}

/// <summary>The setup cannot be changed now (Redis down, or another change holding the lock); nothing was written.</summary>
public sealed class SetupLockUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
