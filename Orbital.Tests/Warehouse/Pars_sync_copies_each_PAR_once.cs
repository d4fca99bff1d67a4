using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orbital.Contracts;
using Orbital.Prep.Warehouse;
using Orbital.Tests.Infrastructure;
using Orbital.Warehouse;

namespace Orbital.Tests.Warehouse;

[Collection(OrbitalCollection.Name)]
public sealed class Pars_sync_copies_each_PAR_once(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task First_run_copies_all_second_nothing_a_change_updates_and_a_killed_run_resumes_exactly()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var bed = await WarehouseTestBed.CreateAsync(orbital, batchSize: 2);
        await using var prep = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.PrepDatabase));
        var location = $"loc-{Guid.NewGuid():N}";
        var sku = $"sku-{Guid.NewGuid():N}";
        await ExecuteAsync(prep, "INSERT INTO prep.products (sku, name, unit, batch_size, created_at, updated_at) VALUES ($1, 'Aioli', 'l', 1, now(), now())", sku);
        for (var weekday = 0; weekday < 7; weekday++)
        {
            await ExecuteAsync(prep, "INSERT INTO prep.pars (location_id, sku, weekday, quantity, updated_at, updated_by) VALUES ($1, $2, $3, $4, now() - interval '1 minute', 'test')",
                location, sku, (short)weekday, 10m + weekday);
        }

        // Killed after its second batch was written but before its watermark moved.
        var killed = Job(prep, bed, new WarehouseThatDies(bed.Warehouse, dieAfterUpserts: 2));
        await Assert.ThrowsAsync<IOException>(() => killed.SyncAsync(cancellationToken));
        var partial = await bed.RowsAsync("pars", "location_id = $1", location);
        Assert.InRange(partial.Count, 0, 6);

        var resumed = await Job(prep, bed).SyncAsync(cancellationToken);
        var rows = await bed.RowsAsync("pars", "location_id = $1", location);
        Assert.Equal(7, rows.Count);
        Assert.Equal(Enumerable.Range(0, 7).Select(d => 10m + d), rows.Select(r => (decimal)r[3]!));
        Assert.True(resumed.RowsSynced >= 7 - partial.Count, $"the resumed run copies what the killed one did not ({resumed.RowsSynced} rows)");

        var second = await Job(prep, bed).SyncAsync(cancellationToken);
        Assert.Equal(0, second.RowsSynced);

        await ExecuteAsync(prep, "UPDATE prep.pars SET quantity = 99, updated_at = now() WHERE location_id = $1 AND sku = $2 AND weekday = 3", location, sku);
        var third = await Job(prep, bed).SyncAsync(cancellationToken);
        rows = await bed.RowsAsync("pars", "location_id = $1", location);
        Assert.Equal(1, third.RowsSynced);
        Assert.Equal(7, rows.Count);
        Assert.Equal(99m, (decimal)rows.Single(r => (long)r[2]! == 3)[3]!);
        Assert.Equal("l", rows[0][4]);
    }

    private static ParsSync Job(NpgsqlDataSource prep, WarehouseTestBed bed, IWarehouse? warehouse = null) =>
        new(prep, warehouse ?? bed.Warehouse, bed.Options, TimeProvider.System, bed.Metrics, NullLogger<ParsSync>.Instance);

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql, params object[] values)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
