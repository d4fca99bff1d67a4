using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Orbital.Batch.Screens;

/// <summary>A paired kitchen screen: the kitchen (and station) it was paired for, and whether it is still allowed in.</summary>
public sealed record ScreenDevice(
    Guid Id, string KitchenId, string? StationId, string Name, DateTimeOffset PairedAt, string PairedBy, DateTimeOffset? LastSeenAt,
    DateTimeOffset? RevokedAt, string? RevokedBy);

/// <summary>A pairing code as its creator sees it, once: only its hash is kept.</summary>
public sealed record PairingCode(string Code, string KitchenId, string? StationId, string Name, DateTimeOffset ExpiresAt);

/// <summary>
/// Pairing codes and paired screens in <c>batch.screen_pairing_codes</c> and <c>batch.screen_devices</c>. A code is
/// eight random digits, single use, short-lived; a device's credential is its id and a 256-bit secret, of which only
/// the SHA-256 is stored. Devices are looked up through a cache of a few seconds, so that the many requests of a
/// screen do not each cost a query, and a revocation reaches every instance within that time.
/// </summary>
public sealed class ScreenDevices(NpgsqlDataSource dataSource, IOptions<ScreenOptions> options, TimeProvider time)
{
    private const string Columns = "id, kitchen_id, station_id, name, paired_at, paired_by, last_seen_at, revoked_at, revoked_by";

    private readonly ConcurrentDictionary<Guid, (ScreenDevice? Device, string? SecretHash, DateTimeOffset ReadAt)> _cache = new();
    private readonly SemaphoreSlim _revokedRefresh = new(1, 1);
    // Replaced whole, never changed: a stream reads it without a lock.
    private volatile RevokedDevices _revoked = new([], DateTimeOffset.MinValue);

    public async Task<PairingCode> CreatePairingCodeAsync(string kitchenId, string? stationId, string name, string createdBy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expiresAt = now + options.Value.PairingCodeLifetime;
        while (true)
        {
            var digits = RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
            await using var command = dataSource.CreateCommand(
                """
                INSERT INTO batch.screen_pairing_codes (code_hash, kitchen_id, station_id, name, created_at, created_by, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code_hash) DO NOTHING
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = Hash(digits) });
            command.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)stationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = name });
            command.Parameters.Add(new NpgsqlParameter { Value = now });
            command.Parameters.Add(new NpgsqlParameter { Value = createdBy });
            command.Parameters.Add(new NpgsqlParameter { Value = expiresAt });
            // A code still in the table (used or not) is never handed out twice.
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return new PairingCode($"{digits[..4]}-{digits[4..]}", kitchenId, stationId, name, expiresAt);
            }
        }
    }

    /// <summary>
    /// Trades a code for a new device and its secret, in one statement: of two screens entering the same code at once,
    /// one is paired. Null when the code is unknown, used or expired.
    /// </summary>
    public async Task<(ScreenDevice Device, string Secret)?> PairAsync(string code, CancellationToken cancellationToken)
    {
        var digits = new string([.. code.Where(char.IsAsciiDigit)]);
        if (digits.Length != 8)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7();
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var command = dataSource.CreateCommand(
            $"""
            WITH claimed AS (
                UPDATE batch.screen_pairing_codes SET used_at = $2, device_id = $3
                WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
                RETURNING kitchen_id, station_id, name, created_by)
            INSERT INTO batch.screen_devices (id, kitchen_id, station_id, name, secret_hash, paired_at, paired_by, last_seen_at)
            SELECT $3, kitchen_id, station_id, name, $4, $2, created_by, $2 FROM claimed
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Hash(digits) });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = Hash(secret) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (Read(reader), secret) : null;
    }

    /// <summary>The device whose credential this is, if it is still paired.</summary>
    public async Task<ScreenDevice?> AuthenticateAsync(Guid deviceId, string secret, CancellationToken cancellationToken) =>
        await EntryAsync(deviceId, cancellationToken) is { Device: { RevokedAt: null } device, SecretHash: { } hash }
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hash), Encoding.ASCII.GetBytes(Hash(secret)))
            ? device
            : null;

    /// <summary>
    /// Whether a device authenticated earlier is still paired. Asked by every open stream at every heartbeat, so it is
    /// answered from the set of revoked devices, read in one query at most every <see cref="ScreenOptions.DeviceCacheTime"/>
    /// by whichever stream asks first: thousands of screens cost one query, not one each.
    /// </summary>
    public async Task<bool> IsPairedAsync(Guid deviceId, CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() - _revoked.ReadAt > options.Value.DeviceCacheTime && _revokedRefresh.Wait(0, CancellationToken.None))
        {
            try
            {
                var readAt = time.GetUtcNow();
                var revoked = new HashSet<Guid>();
                await using var command = dataSource.CreateCommand("SELECT id FROM batch.screen_devices WHERE revoked_at IS NOT NULL");
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    revoked.Add(reader.GetGuid(0));
                }

                _revoked = new RevokedDevices(revoked, readAt);
            }
            finally
            {
                _revokedRefresh.Release();
            }
        }

        return !_revoked.Ids.Contains(deviceId);
    }

    private async Task<(ScreenDevice? Device, string? SecretHash, DateTimeOffset ReadAt)> EntryAsync(Guid deviceId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(deviceId, out var entry) && now - entry.ReadAt <= options.Value.DeviceCacheTime)
        {
            return entry;
        }

        await using var command = dataSource.CreateCommand($"SELECT {Columns}, secret_hash FROM batch.screen_devices WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        entry = await reader.ReadAsync(cancellationToken) ? (Read(reader), reader.GetString(9), now) : (null, null, now);
        // Only devices that exist are kept, so made-up ids cannot fill the cache.
        if (entry.Device is not null)
        {
            _cache[deviceId] = entry;
        }

        return entry;
    }

    public async Task<List<ScreenDevice>> ListAsync(string kitchenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM batch.screen_devices WHERE kitchen_id = $1 ORDER BY paired_at");
        command.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
        var devices = new List<ScreenDevice>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            devices.Add(Read(reader));
        }

        return devices;
    }

    /// <summary>Unpairs a device of the kitchen; null when the kitchen has no such device. Revoking twice keeps the first.</summary>
    public async Task<ScreenDevice?> RevokeAsync(string kitchenId, Guid deviceId, string by, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE batch.screen_devices SET revoked_at = coalesce(revoked_at, $3), revoked_by = coalesce(revoked_by, $4)
            WHERE id = $1 AND kitchen_id = $2 RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        command.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var device = Read(reader);
        // Out at once on this instance; the others read it within their cache time.
        _cache.TryRemove(deviceId, out _);
        var revoked = _revoked;
        _revoked = revoked with { Ids = [.. revoked.Ids, deviceId] };
        return device;
    }

    /// <summary>Records that the screen connected now (shown to managers as "last seen").</summary>
    public async Task TouchAsync(Guid deviceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE batch.screen_devices SET last_seen_at = $2 WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Pairing codes that expired a day ago or more are of no use, even to an audit.</summary>
    public async Task<int> ForgetOldCodesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM batch.screen_pairing_codes WHERE expires_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() - TimeSpan.FromDays(1) });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record RevokedDevices(HashSet<Guid> Ids, DateTimeOffset ReadAt);

    private static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static ScreenDevice Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        reader.IsDBNull(8) ? null : reader.GetString(8));
}
