using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Orbital.Prep.Auth;

public sealed record PrepUser(Guid Id, string Username, string DisplayName, string Role, bool Active, string PasswordHash);

/// <summary>Users and refresh tokens in <c>prep.users</c> and <c>prep.refresh_tokens</c>; passwords with ASP.NET Core Identity's hasher (PBKDF2).</summary>
public sealed class UserStore(NpgsqlDataSource dataSource, IOptions<AuthOptions> options, TimeProvider time)
{
    private static readonly PasswordHasher<PrepUser> Hasher = new();

    public async Task<PrepUser?> FindAsync(string username, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, username, display_name, role, active, password_hash FROM prep.users WHERE username = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<PrepUser?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, username, display_name, role, active, password_hash FROM prep.users WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<List<PrepUser>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, username, display_name, role, active, password_hash FROM prep.users ORDER BY username");
        var users = new List<PrepUser>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(Read(reader));
        }

        return users;
    }

    public static bool Verify(PrepUser user, string password) =>
        Hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    /// <summary>Creates a user; false when the username is taken.</summary>
    public async Task<PrepUser?> CreateAsync(string username, string displayName, string role, string password, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var user = new PrepUser(Guid.CreateVersion7(), username, displayName, role, true, string.Empty);
        user = user with { PasswordHash = Hasher.HashPassword(user, password) };
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO prep.users (id, username, display_name, password_hash, role, active, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, true, $6, $6) ON CONFLICT (username) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = user.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        command.Parameters.Add(new NpgsqlParameter { Value = displayName });
        command.Parameters.Add(new NpgsqlParameter { Value = user.PasswordHash });
        command.Parameters.Add(new NpgsqlParameter { Value = role });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? user : null;
    }

    public async Task<PrepUser?> UpdateAsync(Guid id, string? displayName, string? role, bool? active, string? password, CancellationToken cancellationToken)
    {
        var existing = await FindAsync(id, cancellationToken);
        if (existing is null)
        {
            return null;
        }

        var hash = password is null ? existing.PasswordHash : Hasher.HashPassword(existing, password);
        await using var command = dataSource.CreateCommand(
            "UPDATE prep.users SET display_name = $2, role = $3, active = $4, password_hash = $5, updated_at = $6 WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = displayName ?? existing.DisplayName });
        command.Parameters.Add(new NpgsqlParameter { Value = role ?? existing.Role });
        command.Parameters.Add(new NpgsqlParameter { Value = active ?? existing.Active });
        command.Parameters.Add(new NpgsqlParameter { Value = hash });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
        if (active == false || password is not null)
        {
            await RevokeAllAsync(id, cancellationToken);
        }

        return await FindAsync(id, cancellationToken);
    }

    public async Task StoreRefreshTokenAsync(Guid userId, Guid familyId, string token, CancellationToken cancellationToken, Guid? replacing = null)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7();
        await using var batch = dataSource.CreateBatch();
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO prep.refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)");
        insert.Parameters.Add(new NpgsqlParameter { Value = id });
        insert.Parameters.Add(new NpgsqlParameter { Value = userId });
        insert.Parameters.Add(new NpgsqlParameter { Value = familyId });
        insert.Parameters.Add(new NpgsqlParameter { Value = TokenService.Hash(token) });
        insert.Parameters.Add(new NpgsqlParameter { Value = now });
        insert.Parameters.Add(new NpgsqlParameter { Value = now + options.Value.RefreshTokenLifetime });
        batch.BatchCommands.Add(insert);
        if (replacing is { } old)
        {
            var revoke = new NpgsqlBatchCommand("UPDATE prep.refresh_tokens SET revoked_at = $2, replaced_by = $3 WHERE id = $1");
            revoke.Parameters.Add(new NpgsqlParameter { Value = old });
            revoke.Parameters.Add(new NpgsqlParameter { Value = now });
            revoke.Parameters.Add(new NpgsqlParameter { Value = id });
            batch.BatchCommands.Add(revoke);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Takes a refresh token for rotation. A token that was already rotated or revoked revokes its whole family:
    /// someone is replaying an old token, so every token of that login stops working.
    /// </summary>
    public async Task<(RefreshTokenRecord? Token, bool Reused)> ClaimRefreshTokenAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        RefreshTokenRecord? record = null;
        await using (var command = new NpgsqlCommand(
            "SELECT id, user_id, family_id, expires_at, revoked_at FROM prep.refresh_tokens WHERE token_hash = $1 FOR UPDATE", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = TokenService.Hash(token) });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                record = new RefreshTokenRecord(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetFieldValue<DateTimeOffset>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
            }
        }

        if (record is null)
        {
            return (null, false);
        }

        if (record.RevokedAt is not null)
        {
            await using var revokeFamily = new NpgsqlCommand(
                "UPDATE prep.refresh_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE family_id = $1", connection, transaction);
            revokeFamily.Parameters.Add(new NpgsqlParameter { Value = record.FamilyId });
            revokeFamily.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
            await revokeFamily.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (null, true);
        }

        await transaction.CommitAsync(cancellationToken);
        return record.ExpiresAt <= time.GetUtcNow() ? (null, false) : (record, false);
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
        new(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.GetString(5));
}

public sealed record RefreshTokenRecord(Guid Id, Guid UserId, Guid FamilyId, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt);
