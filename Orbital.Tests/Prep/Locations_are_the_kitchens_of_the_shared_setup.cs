using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NodaTime;
using Orbital.Places;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// Prep's locations are the places of the one setup every service shares: the demo kitchens and commissary are there,
/// a location Prep adds is a kitchen Batch knows, its dates are its own (prep list, PAR weekday) and its reports run
/// on its own clock.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Locations_are_the_kitchens_of_the_shared_setup(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_setups_kitchens_and_commissaries_are_preps_locations_and_a_new_one_reaches_batch()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var locations = await manager.GetFromJsonAsync<List<JsonElement>>("/locations", cancellationToken);
        Assert.Contains(locations!, l => l.GetProperty("id").GetString() == "london" && l.GetProperty("kind").GetString() == "store" && l.GetProperty("timeZone").GetString() == "Europe/London");
        Assert.Contains(locations!, l => l.GetProperty("id").GetString() == "london-commissary" && l.GetProperty("kind").GetString() == "commissary");

        var id = $"store-{Guid.NewGuid():N}";
        using (var created = await manager.PutAsJsonAsync($"/locations/{id}", new { name = "Dallas Deep Ellum", kind = "store", timeZone = "America/Chicago" }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.Equal("America/Chicago", (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("timeZone").GetString());
        }

        using var batch = orbital.BatchClient();
        var kitchens = await Poll.UntilAsync(token => batch.GetFromJsonAsync<JsonElement>("/kitchens", token),
            list => list.GetProperty("kitchens").EnumerateArray().Any(k => k.GetProperty("id").GetString() == id), TimeSpan.FromSeconds(10), "Batch to know Prep's new location");
        Assert.Equal("Dallas Deep Ellum", kitchens.GetProperty("kitchens").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id).GetProperty("name").GetString());

        using var badZone = await manager.PutAsJsonAsync($"/locations/{id}", new { name = "Dallas", kind = "store", timeZone = "America/Dallas" }, cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, badZone.StatusCode);
        Assert.Contains("America/Dallas", await badZone.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_prep_list_is_for_the_locations_own_business_day()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        // One of these two is on another date than UTC at any moment: UTC−11 before 15:00 UTC, UTC+14 from 14:00 UTC.
        var (zone, expected) = new[] { "Pacific/Pago_Pago", "Pacific/Kiritimati" }
            .Select(z => (Zone: z, Day: BusinessDay(z)))
            .First(z => z.Day != DateOnly.FromDateTime(DateTime.UtcNow));
        var id = $"store-{Guid.NewGuid():N}";
        (await manager.PutAsJsonAsync($"/locations/{id}", new { name = $"Island {zone}", kind = "store", timeZone = zone }, cancellationToken)).EnsureSuccessStatusCode();

        var list = await manager.GetFromJsonAsync<JsonElement>($"/locations/{id}/prep-list", cancellationToken);

        Assert.Equal(expected, DateOnly.Parse(list.GetProperty("date").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((int)expected.DayOfWeek, list.GetProperty("weekday").GetInt32());
        var generated = DateTimeOffset.Parse(list.GetProperty("generatedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeZoneProviders.Tzdb[zone].GetUtcOffset(Instant.FromDateTimeOffset(generated)).ToTimeSpan(), generated.Offset);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_locations_reports_run_on_its_own_clock()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        // The report location of the test system: its jobs were registered at start; a new time zone moves them.
        (await manager.PutAsJsonAsync($"/locations/{OrbitalAppFixture.ReportsLocation}", new { name = "Reports store", kind = "store", timeZone = "America/Chicago" }, cancellationToken))
            .EnsureSuccessStatusCode();

        var jobs = await Poll.UntilAsync(token => manager.GetFromJsonAsync<List<JsonElement>>("/reports/jobs", token),
            list => list!.Any(j => j.GetProperty("id").GetString() == $"prep-list-report:{OrbitalAppFixture.ReportsLocation}" && j.GetProperty("timeZone").GetString() == "America/Chicago"),
            TimeSpan.FromSeconds(15), "the prep-list report to run on Chicago time");
        var prepList = jobs!.Single(j => j.GetProperty("id").GetString() == $"prep-list-report:{OrbitalAppFixture.ReportsLocation}");
        // "30 5 * * *" is 05:30 in Chicago: 11:30 UTC in winter, 10:30 in summer.
        var next = prepList.GetProperty("nextRun").GetDateTime();
        Assert.Equal(30, next.Minute);
        Assert.Contains(next.Hour, new[] { 10, 11 });
        Assert.Equal("UTC", jobs!.Single(j => j.GetProperty("id").GetString() == "pars-sync").GetProperty("timeZone").GetString());
    }

    private static DateOnly BusinessDay(string zone) =>
        BusinessDays.Of(SystemClock.Instance.GetCurrentInstant(), DateTimeZoneProviders.Tzdb[zone], new LocalTime(4, 0));
}
