using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// Once a location has sold on a weekday in at least 4 of the last 6 weeks, its prep list for that weekday follows the
/// forecast: the mean of what those days used (a day with sales but none of the product counts as nothing; a day
/// without any sale is left out), plus safety (two standard deviations for a product that keeps days, one for one that
/// keeps hours), less what is on hand, in whole batches. The
/// PAR's figure stands beside it. With fewer weeks the PAR is followed, and the line says so. A product that keeps
/// only hours counts only what was used that long into the business day.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Prep_lists_follow_the_forecast_once_there_are_weeks_of_sales(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd * 2)]
    public async Task The_forecast_equals_a_hand_computation_and_too_few_weeks_fall_back_to_the_PAR()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (kitchen, store) = await orbital.SellingKitchenAsync();
        using var manager = await orbital.SignedInAsync("manager", kitchen);
        var sauce = await manager.ProductAsync("Burger sauce", "kg", batchSize: 2);
        var guac = $"guac-{Guid.NewGuid():N}"[..24];
        (await manager.PutAsJsonAsync($"/products/{guac}", new { name = "Guacamole", unit = "kg", batchSize = 0.5, shelfLifeHours = 6 }, cancellationToken)).EnsureSuccessStatusCode().Dispose();
        var burger = $"burger-{Guid.NewGuid():N}";
        var fries = $"fries-{Guid.NewGuid():N}";
        var bowl = $"guac-bowl-{Guid.NewGuid():N}";
        await manager.RecipeAsync("item", burger, (sauce, 0.1m, null));
        await manager.RecipeAsync("item", fries);
        await manager.RecipeAsync("item", bowl, (guac, 0.25m, null));
        var london = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        // The kitchen's business day starts at 04:00 London time.
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, london).AddHours(-4).DateTime);
        var day = today.AddDays(7);
        DateTimeOffset At(DateOnly date, int hour) =>
            new(date.ToDateTime(new TimeOnly(hour, 0)), london.GetUtcOffset(date.ToDateTime(new TimeOnly(hour, 0))));
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));

        // A week ago: fries only (a day of sales, no sauce). Two to six weeks ago: 10, 20, 30, 40, 50 burgers at noon, and
        // a guacamole bowl at noon (past its 6 hours' shelf life into the day) except two weeks ago, at 06:00 (within it).
        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.OrderedAt(At(day.AddDays(-7), 12), store, Otter.NewId(), 1, (fries, 3, [])));
        for (var week = 2; week <= 6; week++)
        {
            var date = day.AddDays(-7 * week);
            await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.OrderedAt(At(date, 12), store, Otter.NewId(), 1, (burger, 10 * (week - 1), [])));
            await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.OrderedAt(At(date, week == 2 ? 6 : 12), store, Otter.NewId(), 1, (bowl, 2, [])));
        }

        await Poll.UntilAsync(_ => manager.OnHandAsync(kitchen, sauce), onHand => onHand == -15, TimeSpan.FromSeconds(30), "the burgers of five weeks");
        await Poll.UntilAsync(_ => manager.OnHandAsync(kitchen, guac), onHand => onHand == -2.5m, TimeSpan.FromSeconds(30), "the bowls of five weeks");
        await manager.CountAsync(kitchen, sauce, 1);
        await manager.CountAsync(kitchen, guac, 0);
        (await manager.PutAsJsonAsync($"/locations/{kitchen}/pars/{sauce}/{(int)day.DayOfWeek}", new { quantity = 8 }, cancellationToken)).EnsureSuccessStatusCode().Dispose();
        (await manager.PutAsJsonAsync($"/locations/{kitchen}/pars/{sauce}/{(int)day.AddDays(1).DayOfWeek}", new { quantity = 8 }, cancellationToken)).EnsureSuccessStatusCode().Dispose();

        var list = await manager.GetFromJsonAsync<JsonElement>($"/locations/{kitchen}/prep-list?date={day:yyyy-MM-dd}", cancellationToken);
        var line = Line(list, sauce);

        // By hand: the six days used 0, 1, 2, 3, 4, 5 kg; mean 2.5; population standard deviation sqrt(17.5 / 6); the
        // sauce keeps 72 hours, so two of them are its safety.
        double[] used = [0, 1, 2, 3, 4, 5];
        var mean = used.Average();
        var deviation = Math.Sqrt(used.Sum(u => (u - mean) * (u - mean)) / used.Length);
        var batches = (int)Math.Ceiling((mean + 2 * deviation - 1) / 2);
        Assert.Equal("forecast", line.GetProperty("basis").GetString());
        Assert.Equal(used.Select(u => (decimal)u), line.GetProperty("forecast").GetProperty("history").EnumerateArray().Select(h => h.GetDecimal()));
        Assert.Equal((decimal)mean, line.GetProperty("forecast").GetProperty("expectedUsage").GetDecimal());
        Assert.Equal(Math.Round(2 * (decimal)deviation, 3), line.GetProperty("forecast").GetProperty("safetyStock").GetDecimal());
        Assert.Equal(batches, line.GetProperty("batches").GetInt32());
        Assert.Equal(batches * 2m, line.GetProperty("toPrep").GetDecimal());
        // The PAR's figure beside it: 8 − 1 on hand = 7, in batches of 2: 8.
        Assert.Equal(8m, line.GetProperty("parToPrep").GetDecimal());
        Assert.Contains("Forecast: 2.5 kg used on average over the last 6", line.GetProperty("why").GetString());
        // Guacamole keeps 6 hours: only the bowls sold by 10:00 count (two weeks ago: 0.5 kg); no PAR, so the forecast alone.
        var guacLine = Line(list, guac);
        Assert.Equal([0m, 0.5m, 0m, 0m, 0m, 0m], guacLine.GetProperty("forecast").GetProperty("history").EnumerateArray().Select(h => h.GetDecimal()));
        Assert.Equal(JsonValueKind.Null, guacLine.GetProperty("par").ValueKind);
        // Kept hours, not days: one standard deviation (of 0, 0.5, 0, 0, 0, 0) is its safety.
        var guacMean = 0.5 / 6;
        var guacDeviation = Math.Sqrt((Math.Pow(0.5 - guacMean, 2) + 5 * Math.Pow(guacMean, 2)) / 6);
        Assert.Equal(Math.Round((decimal)guacDeviation, 3), guacLine.GetProperty("forecast").GetProperty("safetyStock").GetDecimal());

        // The next day of the week has no sales in any of the last six weeks: the PAR, and why.
        var next = Line(await manager.GetFromJsonAsync<JsonElement>($"/locations/{kitchen}/prep-list?date={day.AddDays(1):yyyy-MM-dd}", cancellationToken), sauce);
        Assert.Equal("par", next.GetProperty("basis").GetString());
        Assert.Equal(8m, next.GetProperty("toPrep").GetDecimal());
        Assert.Equal(JsonValueKind.Null, next.GetProperty("forecast").ValueKind);
        Assert.Equal($"PAR: 0 of the last 6 {day.AddDays(1).DayOfWeek}s had sales here; a forecast needs 4.", next.GetProperty("why").GetString());
    }

    private static JsonElement Line(JsonElement list, string sku) =>
        list.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("sku").GetString() == sku);
}
