namespace Orbital.Prep.Forecast;

/// <summary>
/// What a product is expected to be used for on a day, from the same weekday's sales at the location over the last
/// <see cref="MaxWeeks"/> weeks (days without any sale there left out: the location was closed), and the safety stock
/// against a day busier than usual.
/// </summary>
/// <param name="History">What orders used of it on each of those days, newest first.</param>
public sealed record UsageForecast(decimal Expected, decimal SafetyStock, IReadOnlyList<decimal> History);

/// <summary>
/// The forecast prep rule: expected usage is the mean of the same weekday over the last 4 to 6 weeks with sales
/// (Restaurant365's estimated usage), safety stock is <see cref="SafetyFactor"/> standard deviations of those days, and
/// recommended prep = expected usage + safety stock − on hand, rounded up to whole batches (Crunchtime's projected
/// consumption + minimum − available). Fewer than <see cref="MinWeeks"/> such days: no forecast, the PAR is used.
/// The safety is the backtest's choice (README: Sales-driven prep): what is left of a product kept two days or more is
/// sold the next day, so more safety costs it almost no waste (2 σ); what is kept less is thrown away at close (1 σ).
/// </summary>
public static class ForecastRule
{
    public const int MinWeeks = 4, MaxWeeks = 6;

    public const decimal SafetyFactor = 1.0m, SafetyFactorKeeping = 2.0m;

    /// <summary>Standard deviations of safety for a product kept <paramref name="shelfLifeHours"/> (unknown: as one that keeps).</summary>
    public static decimal SafetyFactorFor(int? shelfLifeHours) => shelfLifeHours is < 48 ? SafetyFactor : SafetyFactorKeeping;

    /// <summary>The same weekday in each of the last <see cref="MaxWeeks"/> weeks before <paramref name="day"/>, newest first.</summary>
    public static IEnumerable<DateOnly> SameWeekdays(DateOnly day) => Enumerable.Range(1, MaxWeeks).Select(week => day.AddDays(-7 * week));

    /// <summary>
    /// The forecast of one product for <paramref name="day"/>; null with fewer than <see cref="MinWeeks"/> days of sales.
    /// <paramref name="salesDays"/>: what orders used per product on each business day the location sold anything.
    /// </summary>
    public static UsageForecast? For(string sku, DateOnly day, IReadOnlyDictionary<DateOnly, IReadOnlyDictionary<string, decimal>> salesDays, decimal safetyFactor = SafetyFactor)
    {
        var history = SameWeekdays(day).Where(salesDays.ContainsKey).Select(d => salesDays[d].GetValueOrDefault(sku)).ToList();
        if (history.Count < MinWeeks)
        {
            return null;
        }

        var mean = history.Average();
        var variance = history.Sum(u => (u - mean) * (u - mean)) / history.Count;
        var deviation = (decimal)Math.Sqrt((double)variance);
        return new UsageForecast(Round(mean), Round(safetyFactor * deviation), history);
    }

    /// <summary>How many weeks of the same weekday had sales (what a prep list says when it falls back to PARs).</summary>
    public static int WeeksWithSales(DateOnly day, IReadOnlyDictionary<DateOnly, IReadOnlyDictionary<string, decimal>> salesDays) =>
        SameWeekdays(day).Count(salesDays.ContainsKey);

    /// <summary>Batches to prep: expected usage + safety stock − on hand (never below nothing on hand), rounded up to whole batches.</summary>
    public static int Batches(UsageForecast forecast, decimal onHand, decimal batchSize) =>
        (int)Math.Ceiling(Math.Max(0, forecast.Expected + forecast.SafetyStock - Math.Max(0, onHand)) / batchSize);

    private static decimal Round(decimal value) => Math.Round(value, 3, MidpointRounding.AwayFromZero);
}
