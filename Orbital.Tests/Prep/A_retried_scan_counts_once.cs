using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// A scanner on flaky Wi-Fi sends the same scan again when it hears nothing. With the same Idempotency-Key, the first
/// answer is given again and the stock moves once, also when the retry races the first attempt.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_retried_scan_counts_once(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_same_idempotency_key_gets_the_first_answer_and_moves_stock_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var barcode = $"401{Random.Shared.NextInt64(1_000_000_000, 9_999_999_999)}";
        await manager.ProductAsync("Lemons", "each", batchSize: 1, barcode: barcode);
        using var cook = await orbital.SignedInAsync("prep_cook");

        async Task<HttpResponseMessage> ScanAsync(string key, int quantity)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/scans")
            {
                Content = JsonContent.Create(new { barcode, locationId = store, action = "receive", quantity }),
            };
            request.Headers.Add("Idempotency-Key", key);
            return await cook.SendAsync(request, cancellationToken);
        }

        var first = Guid.NewGuid().ToString();
        var racing = await Task.WhenAll(ScanAsync(first, 10), ScanAsync(first, 10), ScanAsync(first, 10));
        using var later = await ScanAsync(first, 10);
        using var another = await ScanAsync(Guid.NewGuid().ToString(), 3);

        Assert.All(racing.Append(later), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var scanIds = new List<string?>();
        foreach (var response in racing.Append(later))
        {
            scanIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("scanId").GetString());
        }

        Assert.Single(scanIds.Distinct());
        Assert.Equal(HttpStatusCode.OK, another.StatusCode);
        var onHand = (await cook.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/inventory", cancellationToken))!.Single();
        Assert.Equal(13m, onHand.GetProperty("quantity").GetDecimal());
        foreach (var response in racing)
        {
            response.Dispose();
        }
    }
}
