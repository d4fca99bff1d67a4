using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Tests.Infrastructure;
using ZXing;

namespace Orbital.Tests.Prep;

/// <summary>
/// A transfer unit's label is a 4×6 inch PDF whose Code 128 and QR code both scan as the unit's label code, with the
/// product, quantity, route and dates in the origin's time zone; dispatching more than the origin has on hand is refused
/// until the manager says to send it anyway.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Transfer_units_are_labelled_and_dispatched_with_a_warning_past_on_hand(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_label_scans_as_the_units_code_and_says_what_where_and_until_when_in_the_origins_time()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var commissary = await manager.LocationAsync("commissary");
        (await manager.PutAsJsonAsync($"/locations/{commissary}", new { name = "Central kitchen", kind = "commissary", timeZone = "America/Chicago" }, cancellationToken))
            .EnsureSuccessStatusCode().Dispose();
        var store = await manager.LocationAsync();
        var sku = $"soup-{Guid.NewGuid():N}"[..20];
        (await manager.PutAsJsonAsync($"/products/{sku}", new { name = "Tomato soup", unit = "l", batchSize = 10, shelfLifeHours = 72 }, cancellationToken))
            .EnsureSuccessStatusCode().Dispose();
        using var created = await manager.PostAsJsonAsync("/transfer-units", new { sku, quantity = 12.5, originLocationId = commissary, destinationLocationId = store }, cancellationToken);
        var unit = await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var (id, code) = (unit.GetProperty("id").GetString(), unit.GetProperty("barcode").GetString()!);
        var packed = TimeZoneInfo.ConvertTime(unit.GetProperty("createdAt").GetDateTimeOffset(), TimeZoneInfo.FindSystemTimeZoneById("America/Chicago"));

        using var response = await manager.GetAsync($"/transfer-units/{id}/label.pdf", cancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var label = PrintedLabel.Read(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        Assert.Equal((288, 432), ((int)label.WidthPoints, (int)label.HeightPoints));
        Assert.Contains((BarcodeFormat.CODE_128, code), label.Codes);
        Assert.Contains((BarcodeFormat.QR_CODE, code), label.Codes);
        Assert.Contains("Tomato soup", label.Text, StringComparison.Ordinal);
        Assert.Contains("12.5 l", label.Text, StringComparison.Ordinal);
        Assert.Contains("From Central kitchen", label.Text, StringComparison.Ordinal);
        Assert.Contains("Packed " + packed.ToString("ddd d MMM yyyy HH:mm", CultureInfo.InvariantCulture), label.Text, StringComparison.Ordinal);
        Assert.Contains("Use by " + packed.AddHours(72).ToString("ddd d MMM yyyy HH:mm", CultureInfo.InvariantCulture), label.Text, StringComparison.Ordinal);
        Assert.Contains("Times in America/Chicago", label.Text, StringComparison.Ordinal);

        using var outsider = await orbital.SignedInAsync("prep_cook", await manager.LocationAsync());
        using var notTheirs = await outsider.GetAsync($"/transfer-units/{id}/label.pdf", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, notTheirs.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Dispatching_more_than_on_hand_is_refused_until_sent_anyway()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var commissary = await manager.LocationAsync("commissary");
        var store = await manager.LocationAsync();
        var dough = await manager.ProductAsync("Pizza dough", "kg", batchSize: 5);
        (await manager.PostAsJsonAsync($"/locations/{commissary}/counts", new { lines = new object[] { new { sku = dough, quantity = 4 } } }, cancellationToken))
            .EnsureSuccessStatusCode().Dispose();
        using var created = await manager.PostAsJsonAsync("/transfer-units", new { sku = dough, quantity = 6, originLocationId = commissary, destinationLocationId = store }, cancellationToken);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString();

        using var refused = await manager.PostAsync($"/transfer-units/{id}/dispatch", null, cancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Equal("More than on hand", problem.GetProperty("title").GetString());
        Assert.Equal(4m, problem.GetProperty("onHand").GetDecimal());
        Assert.Equal("created", (await manager.GetFromJsonAsync<JsonElement>($"/transfer-units/{id}", cancellationToken)).GetProperty("status").GetString());

        using var sent = await manager.PostAsJsonAsync($"/transfer-units/{id}/dispatch", new { overOnHand = true }, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("dispatched", (await sent.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("status").GetString());
        var onHand = (await manager.GetFromJsonAsync<List<JsonElement>>($"/locations/{commissary}/inventory", cancellationToken))!.Single(o => o.GetProperty("sku").GetString() == dough);
        Assert.Equal(-2m, onHand.GetProperty("quantity").GetDecimal());
    }
}
