using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

[Collection(OrbitalCollection.Name)]
public sealed class Two_screens_bumping_the_same_item_one_wins(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_second_bump_gets_409_and_the_cooking_session_is_recorded_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        using var screenA = orbital.BatchClient();
        using var screenB = orbital.BatchClient();
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "ramen", 3)));
        var item = (await screenA.WaitForItemsAsync(station, items => items.Count == 1, "the ramen")).Single();
        var id = item.GetProperty("id").GetInt64();
        var version = item.GetProperty("version").GetInt64();

        using var started = await screenA.PostAsJsonAsync($"/batch-items/{id}/start", new { expectedVersion = version, by = "screen-a" }, cancellationToken);
        started.EnsureSuccessStatusCode();
        var startedVersion = (await started.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("version").GetInt64();

        var bumps = await Task.WhenAll(
            screenA.PostAsJsonAsync($"/batch-items/{id}/complete", new { expectedVersion = startedVersion, by = "screen-a" }, cancellationToken),
            screenB.PostAsJsonAsync($"/batch-items/{id}/complete", new { expectedVersion = startedVersion, by = "screen-b" }, cancellationToken));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], bumps.Select(b => b.StatusCode).Order());
        var loser = bumps.Single(b => b.StatusCode == HttpStatusCode.Conflict);
        Assert.Equal("application/problem+json", loser.Content.Headers.ContentType?.MediaType);
        var problem = await loser.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Equal("done", problem.GetProperty("currentStatus").GetString());

        using var recalled = await screenB.PostAsJsonAsync($"/batch-items/{id}/recall", new { by = "screen-b" }, cancellationToken);
        Assert.Equal("in_progress", (await recalled.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("status").GetString());
        using var unknown = await screenB.PostAsync("/batch-items/999999999/start", null, cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase));
        await using var sessions = database.CreateCommand(
            "SELECT started_by, completed_by, completed_quantity FROM batch.batch_item_sessions WHERE batch_item_id = $1 ORDER BY id");
        sessions.Parameters.Add(new NpgsqlParameter { Value = id });
        var rows = new List<(string?, string?, int?)>();
        await using (var reader = await sessions.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2)));
            }
        }

        var winner = bumps.Single(b => b.StatusCode == HttpStatusCode.OK) == bumps[0] ? "screen-a" : "screen-b";
        Assert.Equal([("screen-a", winner, 3), ("screen-b", null, null)], rows);
    }
}
