using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orbital.Batch.Warehouse;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;
using Orbital.Warehouse;

namespace Orbital.Tests.Warehouse;

[Collection(OrbitalCollection.Name)]
public sealed class Session_sync_copies_each_cooking_session_once(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task First_run_copies_all_second_nothing_a_completed_session_updates_and_a_killed_run_resumes_exactly()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var bed = await WarehouseTestBed.CreateAsync(orbital, batchSize: 3);
        // The warehouse table as the sync created it before kitchens: ensuring it adds the kitchen column in place.
        await using (var before = bed.WarehouseDatabase.CreateCommand(
            $"""
            CREATE SCHEMA {bed.Schema};
            CREATE TABLE {bed.Schema}.batch_item_sessions (session_id bigint PRIMARY KEY, batch_item_id bigint, station_id text, sku text, quantity bigint,
                planned_prep_seconds bigint, started_at timestamptz, started_by text, completed_at timestamptz, completed_by text, completed_quantity bigint,
                cook_seconds numeric(38,6), updated_at timestamptz);
            """))
        {
            await before.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var batch = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase));
        var station = Kitchen.NewStation();
        await using (var item = batch.CreateCommand(
            """
            INSERT INTO batch.batch_items (kitchen_id, station_id, sku, name, modifier_signature, modifiers, quantity, fire_at, latest_fire_at, status, batchable,
                                           max_batch_size, created_at, updated_at, business_day)
            VALUES ('london', $1, 'wings', 'Wings', '', '[]', 6, now(), now(), 'in_progress', true, 10, now(), now(), current_date) RETURNING id
            """))
        {
            item.Parameters.Add(new NpgsqlParameter { Value = station });
            var itemId = (long)(await item.ExecuteScalarAsync(cancellationToken))!;
            for (var i = 0; i < 8; i++)
            {
                await using var session = batch.CreateCommand(
                    """
                    INSERT INTO batch.batch_item_sessions (kitchen_id, batch_item_id, station_id, sku, quantity, planned_prep_seconds, started_at, started_by, completed_at, completed_by,
                                                           completed_quantity, updated_at)
                    VALUES ('london', $1, $2, 'wings', 6, 420, now() - interval '10 minutes', 'cook', now() - interval '3 minutes', 'cook', 6, now() - interval '1 minute')
                    """);
                session.Parameters.Add(new NpgsqlParameter { Value = itemId });
                session.Parameters.Add(new NpgsqlParameter { Value = station });
                await session.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await Assert.ThrowsAsync<IOException>(() => Job(batch, bed, new WarehouseThatDies(bed.Warehouse, dieAfterUpserts: 1)).SyncAsync(cancellationToken));
        await Job(batch, bed).SyncAsync(cancellationToken);

        var rows = await bed.RowsAsync("batch_item_sessions", "station_id = $1", station);
        Assert.Equal(8, rows.Count);
        Assert.Equal(8, rows.Select(r => r[0]).Distinct().Count());
        Assert.All(rows, r => Assert.Equal(420m, Math.Round((decimal)r[11]!)));
        Assert.All(rows, r => Assert.Equal("london", r[13]));
        Assert.Equal(0, (await Job(batch, bed).SyncAsync(cancellationToken)).RowsSynced);

        await using (var recook = batch.CreateCommand("UPDATE batch.batch_item_sessions SET completed_quantity = 5, updated_at = now() WHERE id = (SELECT min(id) FROM batch.batch_item_sessions WHERE station_id = $1)"))
        {
            recook.Parameters.Add(new NpgsqlParameter { Value = station });
            await recook.ExecuteNonQueryAsync(cancellationToken);
        }

        Assert.Equal(1, (await Job(batch, bed).SyncAsync(cancellationToken)).RowsSynced);
        rows = await bed.RowsAsync("batch_item_sessions", "station_id = $1", station);
        Assert.Equal(8, rows.Count);
        Assert.Equal(5L, rows[0][10]);
    }

    private static SessionDataSync Job(NpgsqlDataSource batch, WarehouseTestBed bed, IWarehouse? warehouse = null) =>
        new(batch, warehouse ?? bed.Warehouse, bed.Options, TimeProvider.System, bed.Metrics, NullLogger<SessionDataSync>.Instance);
}
