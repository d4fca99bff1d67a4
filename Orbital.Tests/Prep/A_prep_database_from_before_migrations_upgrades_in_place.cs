using Microsoft.Extensions.Logging.Abstractions;
using Orbital.Prep.Data;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// Schema prep, made by the hand-written DDL before migrations and holding data, is taken over by the migrations
/// without losing a row; two instances starting together upgrade it once; a new database is created whole.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_prep_database_from_before_migrations_upgrades_in_place(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Data_made_by_the_old_ddl_is_kept_and_two_instances_upgrade_it_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(orbital);
        var assembly = typeof(PrepSchema).Assembly;
        var script = assembly.GetManifestResourceNames().Single(n => n.EndsWith("0001_staff_products_counts_pars_transfers.sql", StringComparison.Ordinal));
        using (var reader = new StreamReader(assembly.GetManifestResourceStream(script)!))
        await using (var old = database.DataSource.CreateCommand(await reader.ReadToEndAsync(cancellationToken)
            + "INSERT INTO prep.products (sku, name, unit, created_at, updated_at) VALUES ('tomato', 'Tomatoes', 'kg', now(), now());"
            + "INSERT INTO prep.users (id, username, display_name, password_hash, role, created_at, updated_at) VALUES (gen_random_uuid(), 'cook', 'Cook', 'x', 'prep_cook', now(), now());"))
        {
            await old.ExecuteNonQueryAsync(cancellationToken);
        }

        var first = new PrepSchema(database.DataSource, TimeProvider.System, NullLogger<PrepSchema>.Instance);
        var second = new PrepSchema(database.DataSource, TimeProvider.System, NullLogger<PrepSchema>.Instance);
        await Task.WhenAll(first.UpgradeAsync(cancellationToken), second.UpgradeAsync(cancellationToken));

        await using var check = database.DataSource.CreateCommand(
            """
            SELECT (SELECT name FROM prep.products WHERE sku = 'tomato'), (SELECT count(*) FROM prep.schema_migrations), to_regclass('messaging.outbox') IS NOT NULL,
                   (SELECT all_locations FROM prep.users WHERE username = 'cook')
            """);
        await using var result = await check.ExecuteReaderAsync(cancellationToken);
        Assert.True(await result.ReadAsync(cancellationToken));
        Assert.Equal("Tomatoes", result.GetString(0));
        Assert.Equal(first.Scripts.Count, result.GetInt64(1));
        Assert.True(result.GetBoolean(2));
        // An account from before locations keeps reaching every location, as it did.
        Assert.True(result.GetBoolean(3));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_new_database_is_created_whole()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(orbital);

        await new PrepSchema(database.DataSource, TimeProvider.System, NullLogger<PrepSchema>.Instance).UpgradeAsync(cancellationToken);

        await using var check = database.DataSource.CreateCommand("SELECT to_regclass('prep.scans') IS NOT NULL AND to_regclass('prep.pars') IS NOT NULL");
        Assert.True((bool)(await check.ExecuteScalarAsync(cancellationToken))!);
    }
}
