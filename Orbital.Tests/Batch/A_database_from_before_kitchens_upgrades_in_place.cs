using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Orbital.Batch.Data;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// A batch database as the hand-written DDL of schema version 1 made it, with an open batch item, its order, a cooking
/// session and five kitchen events, is upgraded in place by a Batch service started on it: nothing is lost, what was
/// there is in kitchen 'default', whose screens still open, replay and bump it, and events go on from where they were.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_database_from_before_kitchens_upgrades_in_place(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_open_work_of_a_version_1_database_lands_in_the_default_kitchen_and_is_still_cooked()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(orbital);
        var itemId = await CreateVersion1DatabaseAsync(database.DataSource, cancellationToken);

        // No broker: this instance must not take the running system's orders into its own database.
        await using var batch = await orbital.StartBatchInstanceAsync(withBroker: false, batchDatabase: database.ConnectionString);
        using var client = batch.CreateClient();
        await Poll.UntilAsync(token => client.GetHealthAsync(token), health => health.Entries.TryGetValue(nameof(BatchSchema), out var schema) && schema.Status == "Healthy",
            TimeSpan.FromSeconds(60), () => $"the upgraded schema. Output:\n{batch.Output}");

        var items = await client.GetFromJsonAsync<List<JsonElement>>("/batch-items?kitchen=default", cancellationToken);
        var fries = Assert.Single(items!);
        Assert.Equal(itemId, fries.GetProperty("id").GetInt64());
        Assert.Equal(3, fries.GetProperty("quantity").GetInt32());
        Assert.Equal("default", fries.GetProperty("kitchenId").GetString());
        Assert.Equal(1, fries.GetProperty("orderCount").GetInt32());
        var kitchens = await client.GetFromJsonAsync<JsonElement>("/kitchens", cancellationToken);
        Assert.Contains(kitchens.GetProperty("kitchens").EnumerateArray(), k => k.GetProperty("id").GetString() == "default" && !k.GetProperty("known").GetBoolean());

        // A screen that had seen event 4 before the upgrade gets event 5 replayed, then the bump as event 6.
        await using var screen = await SseClient.ConnectAsync(batch.Address, station: "fryer", lastEventId: "4", kitchen: "default");
        var replayed = await screen.WaitForAsync(e => e.Number == 5, TimeSpan.FromSeconds(30), "event 5 replayed");
        Assert.Equal("default", replayed.Json.GetProperty("kitchenId").GetString());
        using (var bump = await client.PostAsJsonAsync($"/batch-items/{itemId}/complete", new { by = "after-upgrade" }, cancellationToken))
        {
            bump.EnsureSuccessStatusCode();
        }

        var bumped = await screen.WaitForAsync(e => e.Type == "completed", TimeSpan.FromSeconds(30), "the bump on the default kitchen's stream");
        Assert.Equal(6, bumped.Number);

        await using var check = database.DataSource.CreateCommand(
            """
            SELECT (SELECT count(*) FROM batch.schema_migrations), (SELECT count(*) FROM batch.batch_item_sessions WHERE kitchen_id = 'default'),
                   to_regclass('batch.schema_version') IS NULL, to_regclass('batch.event_counter') IS NULL
            """);
        await using var reader = await check.ExecuteReaderAsync(cancellationToken);
        Assert.True(await reader.ReadAsync(cancellationToken));
        // Every migration the service ships has been applied, each once.
        Assert.Equal(typeof(BatchSchema).Assembly.GetManifestResourceNames().Count(n => n.Contains(".Migrations.", StringComparison.Ordinal)), reader.GetInt64(0));
        // The session the old database held open is the one the bump closed.
        Assert.Equal(1L, reader.GetInt64(1));
        Assert.True(reader.GetBoolean(2));
        Assert.True(reader.GetBoolean(3));
    }

    /// <summary>Version 1 exactly as the old service created it (its script is kept as migration 0001), then its data.</summary>
    private static async Task<long> CreateVersion1DatabaseAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var assembly = typeof(BatchSchema).Assembly;
        var script = assembly.GetManifestResourceNames().Single(n => n.EndsWith("0001_batch_items_and_events.sql", StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(script)!);
        await using (var ddl = dataSource.CreateCommand(await reader.ReadToEndAsync(cancellationToken)))
        {
            await ddl.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var data = dataSource.CreateCommand(
            """
            INSERT INTO batch.orders (order_id, store_id, friendly_id, version, status, ready_by, updated_at)
            VALUES ('old-order', 'store-demo-1', 'OLD1', 1, 'New', now() + interval '10 minutes', now());
            INSERT INTO batch.batch_items (station_id, sku, name, modifier_signature, modifiers, quantity, fire_at, latest_fire_at, status,
                                           batchable, max_batch_size, created_at, updated_at)
            VALUES ('fryer', 'fries', 'Fries', '', '[]', 3, now(), now(), 'pending', true, 12, now(), now());
            INSERT INTO batch.batch_item_lines (batch_item_id, order_id, line_id, quantity)
            SELECT id, 'old-order', 'line-1', 3 FROM batch.batch_items;
            INSERT INTO batch.batch_item_sessions (batch_item_id, station_id, sku, quantity, planned_prep_seconds, started_at, updated_at)
            SELECT id, 'fryer', 'fries', 3, 240, now(), now() FROM batch.batch_items;
            UPDATE batch.event_counter SET last_id = 5;
            INSERT INTO batch.kitchen_events (id, station_id, type, batch_item_id, payload, created_at)
            SELECT n, 'fryer', 'created', bi.id,
                   jsonb_build_object('id', n, 'type', 'created', 'stationId', 'fryer', 'item', jsonb_build_object(
                       'id', bi.id, 'stationId', 'fryer', 'sku', 'fries', 'name', 'Fries', 'modifiers', '[]'::jsonb, 'quantity', 3,
                       'fireAt', bi.fire_at, 'status', 'pending', 'changed', false, 'flag', null, 'orderCount', 1, 'version', 1,
                       'createdAt', bi.created_at, 'updatedAt', bi.updated_at, 'startedAt', null, 'completedAt', null, 'cancelledQuantity', 0)),
                   now()
            FROM batch.batch_items bi, generate_series(1, 5) n;
            SELECT id FROM batch.batch_items;
            """);
        return (long)(await data.ExecuteScalarAsync(cancellationToken))!;
    }
}
