using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Orbital.Batch.Board;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;
using StackExchange.Redis;

namespace Orbital.Tests.Batch;

/// <summary>
/// A station's Redis board is built again from PostgreSQL (on first use, and every few minutes). A change written to
/// Redis after PostgreSQL was read must survive that; the versions of items bumped long ago are forgotten, so the board's
/// bookkeeping does not grow with every item ever cooked.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Rebuilding_a_board_never_undoes_a_newer_change(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_newer_version_in_Redis_survives_a_rebuild_and_long_bumped_items_are_forgotten()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.Redis));
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase));
        using var batch = orbital.BatchClient();
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "cooking", 2)));
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "bumped-long-ago", 1)));
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "bumped-just-now", 1)));
        var items = await batch.WaitForItemsAsync(station, found => found.Count == 3, "three batch items");
        long Id(string sku) => items.Single(i => i.GetProperty("sku").GetString() == sku).GetProperty("id").GetInt64();
        foreach (var sku in new[] { "bumped-long-ago", "bumped-just-now" })
        {
            (await batch.PostAsJsonAsync($"/batch-items/{Id(sku)}/complete", new { by = "test" }, cancellationToken)).EnsureSuccessStatusCode();
        }

        await using (var backdate = database.CreateCommand("UPDATE batch.batch_items SET updated_at = now() - interval '10 minutes' WHERE id = $1"))
        {
            backdate.Parameters.Add(new NpgsqlParameter { Value = Id("bumped-long-ago") });
            await backdate.ExecuteNonQueryAsync(cancellationToken);
        }

        // A change that reached Redis after PostgreSQL was read: version 50 of the cooking item, 9 portions.
        var redisDb = redis.GetDatabase();
        var cooking = Id("cooking");
        var newer = JsonNode.Parse((await redisDb.HashGetAsync(StationBoardCache.ItemsKey(Kitchen.Id, station), cooking)).ToString())!;
        newer["quantity"] = 9;
        newer["version"] = 50;
        await redisDb.HashSetAsync(StationBoardCache.ItemsKey(Kitchen.Id, station), cooking, newer.ToJsonString());
        await redisDb.HashSetAsync(StationBoardCache.VersionsKey(Kitchen.Id, station), cooking, 50);
        // Without its "built" mark the next board read builds the station again from PostgreSQL.
        await redisDb.KeyDeleteAsync(StationBoardCache.BuiltKey(Kitchen.Id, station));

        var rebuilt = await batch.GetFromJsonAsync<JsonElement>($"/stations/{station}/board?kitchen={Kitchen.Id}", cancellationToken);
        var afterwards = await batch.GetFromJsonAsync<JsonElement>($"/stations/{station}/board?kitchen={Kitchen.Id}", cancellationToken);

        Assert.Equal("database", rebuilt.GetProperty("source").GetString());
        Assert.Equal("redis", afterwards.GetProperty("source").GetString());
        Assert.Equal(9, afterwards.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetInt64() == cooking).GetProperty("quantity").GetInt32());
        var versions = (await redisDb.HashKeysAsync(StationBoardCache.VersionsKey(Kitchen.Id, station))).Select(k => (long)k).ToHashSet();
        Assert.DoesNotContain(Id("bumped-long-ago"), versions);
        Assert.Contains(Id("bumped-just-now"), versions);
        Assert.Contains(cooking, versions);
    }
}
