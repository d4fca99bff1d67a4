using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Orbital.Prep.Auth;

/// <param name="Locations">The locations a manager or prep cook works at (an admin works at every one).</param>
/// <param name="AllLocations">Every location, present and future (an area manager).</param>
public sealed record PrepUser(
    Guid Id, string Username, string DisplayName, string Role, bool Active, string PasswordHash, IReadOnlyList<string> Locations, bool AllLocations)
{
    public bool WorksAt(string locationId) => Role == StaffRoles.Admin || AllLocations || Locations.Contains(locationId, StringComparer.Ordinal);
}

/// <summary>Users and refresh tokens in <c>prep.users</c> and <c>prep.refresh_tokens</c>; passwords with ASP.NET Core Identity's hasher (PBKDF2).</summary>
public sealed class UserStore(NpgsqlDataSource dataSource, IOptions<AuthOptions> options, TimeProvider time)
{
    private static readonly PasswordHasher<PrepUser> Hasher = new();

    private const string Columns = "id, username, display_name, role, active, password_hash, locations, all_locations";

    public async Task<PrepUser?> FindAsync(string username, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM prep.users WHERE username = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<PrepUser?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM prep.users WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<List<PrepUser>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM prep.users ORDER BY username");
        var users = new List<PrepUser>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(Read(reader));
        }

        return users;
    }

    /// <summary>A hash of a password nobody has, verified when there is no such user, so that costs the same as a real one.</summary>
    private static readonly PrepUser NoUser = new(Guid.Empty, string.Empty, string.Empty, string.Empty, false, string.Empty, [], false);
    private static readonly string NoUserHash = Hasher.HashPassword(NoUser, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));

    public static bool Verify(PrepUser? user, string password) =>
        Hasher.VerifyHashedPassword(user ?? NoUser, user?.PasswordHash ?? NoUserHash, password) != PasswordVerificationResult.Failed && user is not null;

    /// <summary>Creates a user; false when the username is taken.</summary>
    public async Task<PrepUser?> CreateAsync(
        string username, string displayName, string role, string password, IReadOnlyList<string> locations, bool allLocations, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var user = new PrepUser(Guid.CreateVersion7(), username, displayName, role, true, string.Empty, locations, allLocations);
        user = user with { PasswordHash = Hasher.HashPassword(user, password) };
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO prep.users (id, username, display_name, password_hash, role, active, created_at, updated_at, locations, all_locations)
            VALUES ($1, $2, $3, $4, $5, true, $6, $6, $7, $8) ON CONFLICT (username) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = user.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        command.Parameters.Add(new NpgsqlParameter { Value = displayName });
        command.Parameters.Add(new NpgsqlParameter { Value = user.PasswordHash });
        command.Parameters.Add(new NpgsqlParameter { Value = role });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = locations.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = allLocations });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? user : null;
    }

    /// <summary>Changes what is given (null leaves a field as it is); a deactivation or a new password ends every login.</summary>
    public async Task<PrepUser?> UpdateAsync(
        Guid id, string? displayName, string? role, bool? active, string? password, IReadOnlyList<string>? locations, bool? allLocations,
        CancellationToken cancellationToken)
    {
        var existing = await FindAsync(id, cancellationToken);
        if (existing is null)
        {
            return null;
        }

        var hash = password is null ? existing.PasswordHash : Hasher.HashPassword(existing, password);
        await using var command = dataSource.CreateCommand(
            "UPDATE prep.users SET display_name = $2, role = $3, active = $4, password_hash = $5, updated_at = $6, locations = $7, all_locations = $8 WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = displayName ?? existing.DisplayName });
        command.Parameters.Add(new NpgsqlParameter { Value = role ?? existing.Role });
        command.Parameters.Add(new NpgsqlParameter { Value = active ?? existing.Active });
        command.Parameters.Add(new NpgsqlParameter { Value = hash });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = (locations ?? existing.Locations).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = allLocations ?? existing.AllLocations });
        await command.ExecuteNonQueryAsync(cancellationToken);
        if (active == false || password is not null)
        {
            await RevokeAllAsync(id, cancellationToken);
        }

        return await FindAsync(id, cancellationToken);
    }

    /// <summary>The first refresh token of a login.</summary>
    public async Task StoreRefreshTokenAsync(Guid userId, Guid familyId, string token, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var insert = dataSource.CreateCommand(
            "INSERT INTO prep.refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)");
        insert.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
        insert.Parameters.Add(new NpgsqlParameter { Value = userId });
        insert.Parameters.Add(new NpgsqlParameter { Value = familyId });
        insert.Parameters.Add(new NpgsqlParameter { Value = TokenService.Hash(token) });
        insert.Parameters.Add(new NpgsqlParameter { Value = now });
        insert.Parameters.Add(new NpgsqlParameter { Value = now + options.Value.RefreshTokenLifetime });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Rotates a refresh token in one statement: the old token is marked used only if it is still unused, unexpired and
    /// its user active, and its successor is written by the same statement, so of two concurrent calls with one token
    /// exactly one gets a successor. A token that was already used or revoked revokes its whole family: someone is
    /// replaying an old token (or racing the owner with it), so every token of that login stops working.
    /// </summary>
    /// <returns>The user the new token belongs to, or null; and whether the old token was a replay.</returns>
    public async Task<(Guid? UserId, bool Reused)> RotateRefreshTokenAsync(string token, string successor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var hash = TokenService.Hash(token);
        await using (var rotate = dataSource.CreateCommand(
            """
            WITH claimed AS (
                UPDATE prep.refresh_tokens t SET revoked_at = $2, replaced_by = $3
                FROM prep.users u
                WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.id = t.user_id AND u.active
                RETURNING t.user_id, t.family_id)
            INSERT INTO prep.refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)
            SELECT $3, user_id, family_id, $4, $2, $5 FROM claimed
            RETURNING user_id
            """))
        {
            rotate.Parameters.Add(new NpgsqlParameter { Value = hash });
            rotate.Parameters.Add(new NpgsqlParameter { Value = now });
            rotate.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
            rotate.Parameters.Add(new NpgsqlParameter { Value = TokenService.Hash(successor) });
            rotate.Parameters.Add(new NpgsqlParameter { Value = now + options.Value.RefreshTokenLifetime });
            if (await rotate.ExecuteScalarAsync(cancellationToken) is Guid userId)
            {
                return (userId, false);
            }
        }

        // Not rotated: unknown, expired, the user deactivated, or used before. Only the last is a replay.
        await using var revokeFamily = dataSource.CreateCommand(
            """
            UPDATE prep.refresh_tokens SET revoked_at = coalesce(revoked_at, $2)
            WHERE family_id = (SELECT family_id FROM prep.refresh_tokens WHERE token_hash = $1 AND revoked_at IS NOT NULL)
            """);
        revokeFamily.Parameters.Add(new NpgsqlParameter { Value = hash });
        revokeFamily.Parameters.Add(new NpgsqlParameter { Value = now });
        return (null, await revokeFamily.ExecuteNonQueryAsync(cancellationToken) > 0);
    }

    public async Task RevokeFamilyOfAsync(string token, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE prep.refresh_tokens SET revoked_at = coalesce(revoked_at, $2)
            WHERE family_id = (SELECT family_id FROM prep.refresh_tokens WHERE token_hash = $1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = TokenService.Hash(token) });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task RevokeAllAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE prep.refresh_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE user_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM prep.users)");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<PrepUser?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static PrepUser Read(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.GetString(5),
            reader.GetFieldValue<string[]>(6), reader.GetBoolean(7));
}
