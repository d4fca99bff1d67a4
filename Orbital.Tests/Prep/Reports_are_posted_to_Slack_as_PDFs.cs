using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Tests.Infrastructure;
using UglyToad.PdfPig;

namespace Orbital.Tests.Prep;

[Collection(OrbitalCollection.Name)]
public sealed class Reports_are_posted_to_Slack_as_PDFs(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_prep_list_job_posts_a_PDF_whose_text_is_the_prep_list_and_the_same_PDF_can_be_downloaded()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync(id: OrbitalAppFixture.ReportsLocation);
        var pickles = await manager.ProductAsync("Pickled onions", "kg", batchSize: 3);
        // The location's own business day (its time zone, its day start), as the job will see it.
        var weekday = (await manager.GetFromJsonAsync<JsonElement>($"/locations/{store}/prep-list", cancellationToken)).GetProperty("weekday").GetInt32();
        (await manager.PutAsJsonAsync($"/locations/{store}/pars/{pickles}/{weekday}", new { quantity = 10 }, cancellationToken)).Dispose();
        (await manager.PostAsJsonAsync($"/locations/{store}/counts", new { lines = new object[] { new { sku = pickles, quantity = 2 } } }, cancellationToken)).Dispose();
        var before = orbital.SlackApi.Shared.Count;

        await RunAsync(manager, $"prep-list-report:{store}");

        var posted = await Poll.UntilAsync(_ => Task.FromResult(orbital.SlackApi.Shared.Skip(before).FirstOrDefault(f => f.FileName.StartsWith("prep-list-", StringComparison.Ordinal))),
            file => file is not null, TimeSpan.FromSeconds(30), "the prep list in the Slack stand-in");
        Assert.Equal(OrbitalAppFixture.ReportsChannel, posted!.ChannelId);
        Assert.Contains("products to prep", posted.Comment, StringComparison.Ordinal);
        var words = Words(posted.Content);
        // PAR 10, 2 on hand → 8 short → 3 batches of 3 kg = 9.
        Assert.Contains("Prep", words);
        Assert.Contains("Pickled", words);
        Assert.Contains(Row(words, "Pickled"), row => row.SequenceEqual(["Pickled", "onions", "10", "2", "9", "3", "×", "3", "kg"]));

        using var download = await manager.GetAsync($"/locations/{store}/prep-list.pdf", cancellationToken);
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Pickled", Words(await download.Content.ReadAsByteArrayAsync(cancellationToken)));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_transfer_unit_job_posts_the_locations_transfer_units()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync(id: OrbitalAppFixture.ReportsLocation);
        var commissary = await manager.LocationAsync("commissary");
        var stock = await manager.ProductAsync("Chicken stock", "l", batchSize: 10);
        using var created = await manager.PostAsJsonAsync("/transfer-units", new { sku = stock, quantity = 20, originLocationId = commissary, destinationLocationId = store }, cancellationToken);
        var unit = await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        // Nothing was counted at the commissary: sent anyway, as a manager may when counts lag.
        (await manager.PostAsJsonAsync($"/transfer-units/{unit.GetProperty("id").GetString()}/dispatch", new { overOnHand = true }, cancellationToken)).EnsureSuccessStatusCode().Dispose();
        var before = orbital.SlackApi.Shared.Count;

        await RunAsync(manager, $"transfer-units-report:{store}");

        var posted = await Poll.UntilAsync(_ => Task.FromResult(orbital.SlackApi.Shared.Skip(before).FirstOrDefault(f => f.FileName.StartsWith("transfer-units-", StringComparison.Ordinal))),
            file => file is not null, TimeSpan.FromSeconds(30), "the transfer-unit report in the Slack stand-in");
        var words = Words(posted!.Content);
        Assert.Contains(unit.GetProperty("barcode").GetString(), words);
        Assert.Contains("Incoming", words);
    }

    private static async Task RunAsync(HttpClient manager, string jobId)
    {
        using var run = await manager.PostAsync($"/reports/jobs/{Uri.EscapeDataString(jobId)}/run", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
    }

    private static List<string> Words(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return [.. document.GetPages().SelectMany(page => page.GetWords()).Select(word => word.Text)];
    }

    /// <summary>The words from <paramref name="first"/> to the end of its table row (rows end with the unit column).</summary>
    private static IEnumerable<string[]> Row(List<string> words, string first)
    {
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i] == first)
            {
                yield return [.. words.Skip(i).Take(9)];
            }
        }
    }
}
