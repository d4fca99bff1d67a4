using System.Globalization;
using System.Text;
using Orbital.Prep.Forecast;

namespace Orbital.Bench;

/// <summary>
/// The backtest that chose the forecast prep rule (README: Sales-driven prep). A generated year of one prepped
/// product's demand at one kitchen (weekday pattern, a season, noise) is prepped for each morning by each rule, sold
/// oldest first through the day, and thrown away when past its shelf life; what was sold (never more than was there, as
/// the orders a kitchen records) is the history the forecast reads. Reported per rule: waste and lost sales as shares
/// of demand, and the days something ran out. No servers: the rule's own code (<see cref="ForecastRule"/>) is run.
/// </summary>
public static class PrepBacktest
{
    private const int WarmUpDays = 42, Days = 364, Seed = 20261201;
    private const decimal BatchSize = 10, PortionsPerDay = 40;
    private static readonly double[] WeekdayFactor = [1.2, 0.7, 0.8, 0.9, 1.0, 1.4, 1.6]; // Sunday first

    /// <summary>The table for a product kept one day (made each morning, thrown away at close) and for one kept three.</summary>
    public static string Run() => Run(1) + Environment.NewLine + Run(2) + Environment.NewLine + Run(3);

    private static string Run(int shelfLifeDays)
    {
        var start = new DateOnly(2025, 1, 6).AddDays(-WarmUpDays);
        var random = new Random(Seed);
        var demand = Enumerable.Range(0, WarmUpDays + Days).Select(i => Demand(start.AddDays(i), random)).ToArray();
        var results = new List<(string Rule, Outcome Outcome)>
        {
            ("PAR set once (6 weeks' weekday mean + 20 %)", Simulate(start, demand, shelfLifeDays, ParSetOnce)),
            ("PAR reviewed every 4 weeks (same way)", Simulate(start, demand, shelfLifeDays, ParReviewed)),
        };
        foreach (var k in new[] { 0m, 0.5m, 1m, 1.5m, 2m })
        {
            var chosen = k == ForecastRule.SafetyFactorFor(shelfLifeDays * 24) ? " (chosen)" : "";
            results.Add(($"Forecast, safety {k.ToString(CultureInfo.InvariantCulture)} σ{chosen}", Simulate(start, demand, shelfLifeDays, Forecast(k))));
        }

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"Kept {shelfLifeDays} day(s): {Days} days after {WarmUpDays} days of history; demand {demand.Skip(WarmUpDays).Sum():N0} portions; batches of {BatchSize}.");
        table.AppendLine();
        table.AppendLine("| Rule | Wasted (% of demand) | Lost sales (% of demand) | Days something ran out |");
        table.AppendLine("|---|---:|---:|---:|");
        foreach (var (rule, outcome) in results)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {rule} | {outcome.Wasted / outcome.Demand:P1} | {outcome.Short / outcome.Demand:P1} | {outcome.DaysShort} |");
        }

        return table.ToString();
    }

    private sealed record Outcome(decimal Demand, decimal Wasted, decimal Short, int DaysShort);

    /// <summary>Portions a morning's rule preps: the day, the stock on hand, what was sold on each earlier day (index = day).</summary>
    private delegate decimal Rule(int day, DateOnly date, decimal onHand, IReadOnlyList<decimal> sold, IReadOnlyList<DateOnly> dates);

    private static decimal Demand(DateOnly date, Random random)
    {
        var season = 1 + 0.35 * Math.Sin(2 * Math.PI * (date.DayOfYear - 80) / 365.0);
        var mean = (double)PortionsPerDay * WeekdayFactor[(int)date.DayOfWeek] * season;
        // Normal noise around the mean, as wide as a Poisson count's (Box–Muller).
        var noise = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return Math.Max(0, Math.Round((decimal)(mean + noise * Math.Sqrt(mean))));
    }

    private static Outcome Simulate(DateOnly start, decimal[] demand, int shelfLifeDays, Rule rule)
    {
        var lots = new List<(int MadeOn, decimal Left)>();
        var sold = new List<decimal>();
        var dates = new List<DateOnly>();
        decimal totalDemand = 0, wasted = 0, missing = 0;
        var daysShort = 0;
        for (var day = 0; day < demand.Length; day++)
        {
            var date = start.AddDays(day);
            var onHand = lots.Sum(l => l.Left);
            var prep = day < WarmUpDays ? Math.Ceiling(demand[day] / BatchSize) * BatchSize : rule(day, date, onHand, sold, dates);
            if (prep > 0)
            {
                lots.Add((day, prep));
            }

            var wanted = demand[day];
            var served = 0m;
            for (var i = 0; i < lots.Count && served < wanted; i++)
            {
                var take = Math.Min(lots[i].Left, wanted - served);
                lots[i] = (lots[i].MadeOn, lots[i].Left - take);
                served += take;
            }

            lots.RemoveAll(l => l.Left == 0);
            var expired = lots.Where(l => day - l.MadeOn + 1 >= shelfLifeDays).ToList();
            lots.RemoveAll(l => day - l.MadeOn + 1 >= shelfLifeDays);
            sold.Add(served);
            dates.Add(date);
            if (day >= WarmUpDays)
            {
                totalDemand += wanted;
                wasted += expired.Sum(l => l.Left);
                missing += wanted - served;
                daysShort += served < wanted ? 1 : 0;
            }
        }

        return new Outcome(totalDemand, wasted, missing, daysShort);
    }

    private static decimal Batches(decimal portions) => Math.Ceiling(Math.Max(0, portions) / BatchSize) * BatchSize;

    /// <summary>A weekday's PAR from the sales of the given window: its mean on that weekday + 20 %.</summary>
    private static decimal Par(DateOnly date, IReadOnlyList<decimal> sold, IReadOnlyList<DateOnly> dates, int from, int to) =>
        Enumerable.Range(from, to - from).Where(i => dates[i].DayOfWeek == date.DayOfWeek).Select(i => sold[i]).DefaultIfEmpty(0).Average() * 1.2m;

    private static decimal ParSetOnce(int day, DateOnly date, decimal onHand, IReadOnlyList<decimal> sold, IReadOnlyList<DateOnly> dates) =>
        Batches(Par(date, sold, dates, 0, WarmUpDays) - onHand);

    private static decimal ParReviewed(int day, DateOnly date, decimal onHand, IReadOnlyList<decimal> sold, IReadOnlyList<DateOnly> dates)
    {
        var reviewedOn = day - ((day - WarmUpDays) % 28);
        return Batches(Par(date, sold, dates, reviewedOn - 28, reviewedOn) - onHand);
    }

    private static Rule Forecast(decimal safetyFactor) => (day, date, onHand, sold, dates) =>
    {
        var history = new Dictionary<DateOnly, IReadOnlyDictionary<string, decimal>>();
        for (var i = Math.Max(0, day - 42); i < day; i++)
        {
            history[dates[i]] = new Dictionary<string, decimal> { ["product"] = sold[i] };
        }

        return ForecastRule.For("product", date, history, safetyFactor) is { } forecast
            ? ForecastRule.Batches(forecast, onHand, BatchSize) * BatchSize
            : 0;
    };
}
