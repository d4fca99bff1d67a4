using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// A brand's menu recipe is checked whole before it is saved, and every problem is answered beside its field: a component
/// is a product of the catalogue, once, in one of its units; an item uses more than nothing, a modifier may take away.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_menu_recipe_is_checked_field_by_field(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Every_problem_is_named_by_its_field_and_nothing_is_saved()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var patty = await manager.ProductAsync("Smash patty", "each", batchSize: 40);
        var sauce = await manager.ProductAsync("Burger sauce", "kg", batchSize: 2, new() { ["g"] = 0.001m });
        var bun = await manager.ProductAsync("Brioche bun", "each", batchSize: 24);
        var burger = $"burger-{Guid.NewGuid():N}";

        using var refused = await manager.PutAsJsonAsync($"/brands/smash-club/menu-recipes/item/{burger}", new
        {
            name = "Smash burger",
            components = new object[]
            {
                new { sku = "no-such-product", quantity = 1 },
                new { sku = patty, quantity = -1 },
                new { sku = sauce, quantity = 30, unit = "cup" },
                new { sku = patty, quantity = 1 },
                new { sku = bun, quantity = 1e12 },
            },
        }, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("errors");
        Assert.Equal(["components[0].sku", "components[1].quantity", "components[2].unit", "components[3].sku", "components[4].quantity"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        using var missing = await manager.GetAsync($"/brands/smash-club/menu-recipes/item/{burger}", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_modifier_may_take_away_and_units_become_the_base_unit()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var sauce = await manager.ProductAsync("Burger sauce", "kg", batchSize: 2, new() { ["g"] = 0.001m });
        var noSauce = $"no-sauce-{Guid.NewGuid():N}";

        using var saved = await manager.PutAsJsonAsync($"/brands/smash-club/menu-recipes/modifier/{noSauce}",
            new { name = "No sauce", components = new[] { new { sku = sauce, quantity = -30m, unit = "g" } } }, cancellationToken);
        using var asItem = await manager.PutAsJsonAsync($"/brands/smash-club/menu-recipes/item/{noSauce}",
            new { components = new[] { new { sku = sauce, quantity = -30m, unit = "g" } } }, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var component = (await saved.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("components").EnumerateArray().Single();
        Assert.Equal(-0.03m, component.GetProperty("quantity").GetDecimal());
        Assert.Equal(-30m, component.GetProperty("enteredQuantity").GetDecimal());
        Assert.Equal("g", component.GetProperty("enteredUnit").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, asItem.StatusCode);
        var listed = await manager.GetFromJsonAsync<List<JsonElement>>("/brands/smash-club/menu-recipes", cancellationToken);
        Assert.Contains(listed!, r => r.GetProperty("menuSku").GetString() == noSauce && r.GetProperty("kind").GetString() == "modifier");
    }

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [InlineData("/brands/no-such-brand/menu-recipes/item/x", HttpStatusCode.NotFound)]
    [InlineData("/brands/smash-club/menu-recipes/dish/x", HttpStatusCode.BadRequest)]
    [InlineData("/brands/smash-club/menu-recipes/item/a%01b", HttpStatusCode.BadRequest)]
    public async Task An_unknown_brand_or_kind_or_a_control_character_is_refused(string path, HttpStatusCode expected)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");

        using var response = await manager.PutAsJsonAsync(path, new { components = Array.Empty<object>() }, cancellationToken);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_prep_cook_reads_recipes_but_cannot_change_them()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var cook = await orbital.SignedInAsync("prep_cook");

        using var read = await cook.GetAsync("/brands/smash-club/menu-recipes", cancellationToken);
        using var change = await cook.PutAsJsonAsync($"/brands/smash-club/menu-recipes/item/{Guid.NewGuid():N}", new { components = Array.Empty<object>() }, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
    }
}
