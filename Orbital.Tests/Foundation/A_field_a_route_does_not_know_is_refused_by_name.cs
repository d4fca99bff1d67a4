using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// A request body with a field its route does not take is refused with a problem that names the field, rather than
/// accepted with the field dropped: a manager who types "shelfLifeDays" hears of it instead of losing the shelf life.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_field_a_route_does_not_know_is_refused_by_name(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_product_with_shelf_life_in_days_is_refused_naming_the_field_and_not_stored()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var sku = $"misspelt-{Guid.NewGuid():N}"[..30];

        using var response = await manager.PutAsJsonAsync($"/products/{sku}", new
        {
            name = "Pickled onions",
            unit = "kg",
            batchSize = 3,
            category = "prepped",
            storage = "walk-in",
            shelfLifeDays = 3,
        }, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Contains("shelfLifeDays", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // The field, not the service's own type names.
        Assert.DoesNotContain("Orbital.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var stored = await manager.GetAsync($"/products/{sku}", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_kitchen_step_with_an_unknown_field_is_refused_at_Batch_too()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var batch = orbital.BatchClient();

        using var response = await batch.PostAsJsonAsync("/batch-items/1/complete", new { by = "cook", bumpedTwice = true }, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Contains("bumpedTwice", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
