using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orbital.Bench;

/// <summary>
/// Screens are paired before they stream (README: Kitchen screens): the benchmark signs in at Prep as the development
/// admin, makes a pairing code per screen and trades each for that screen's credential, as a kitchen would.
/// </summary>
public sealed class ScreenPairing(HttpClient batch, HttpClient prep, string adminPassword)
{
    private string? _token;

    public async Task<string> AdminTokenAsync()
    {
        if (_token is null)
        {
            using var response = await prep.PostAsJsonAsync("/auth/login", new { username = "admin", password = adminPassword });
            response.EnsureSuccessStatusCode();
            _token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        }

        return _token;
    }

    /// <summary>The <c>Authorization</c> values of <paramref name="count"/> new screens of the kitchen's station.</summary>
    public async Task<string[]> PairAsync(string kitchen, string station, int count)
    {
        var token = await AdminTokenAsync();
        var credentials = new string[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(count, 16)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/kitchens/{kitchen}/screens/pairing-codes") { Content = JsonContent.Create(new { station, name = $"bench {i}" }) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var made = await batch.SendAsync(request);
                made.EnsureSuccessStatusCode();
                var code = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
                using var paired = await batch.PostAsJsonAsync("/screens/pair", new { code, cookie = false });
                paired.EnsureSuccessStatusCode();
                credentials[i] = $"Screen {(await paired.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("credential").GetString()}";
            }
        }));
        return credentials;
    }
}
