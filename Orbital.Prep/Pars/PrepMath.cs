namespace Orbital.Prep.Pars;

/// <summary>
/// One product on a prep list, in the product's base unit. <see cref="ToPrep"/> and <see cref="Batches"/> follow
/// <see cref="Basis"/> (<c>par</c> or <c>forecast</c>), and <see cref="Why"/> says why; <see cref="ParToPrep"/> and
/// <see cref="Forecast"/> are both figures, side by side, where each exists.
/// </summary>
public sealed record PrepLine(
    string Sku, string Name, string Unit, decimal? Par, decimal OnHand, bool Counted, decimal Shortfall, decimal ToPrep, int Batches, decimal BatchSize,
    string Basis = PrepBasis.Par, decimal? ParToPrep = null, PrepForecast? Forecast = null, string? Why = null);

/// <summary>The forecast's figures for a line: expected usage, safety stock, what it says to prep, and the days it read (newest first).</summary>
public sealed record PrepForecast(decimal ExpectedUsage, decimal SafetyStock, decimal ToPrep, int Batches, IReadOnlyList<decimal> History);

public static class PrepBasis
{
    public const string Par = "par";
    public const string Forecast = "forecast";
}

/// <summary>
/// The prep list rule, as in MarketMan's "fill to par": to prep = max(0, PAR − on hand), rounded up to whole batches of
/// the product's batch size. A product never counted at the location counts as nothing on hand (and says so).
/// </summary>
public static class PrepMath
{
    public static PrepLine Line(string sku, string name, string unit, decimal par, decimal? onHand, decimal batchSize)
    {
        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "A batch size is positive.");
        }

        var have = Math.Max(0, onHand ?? 0);
        var shortfall = Math.Max(0, par - have);
        var batches = (int)Math.Ceiling(shortfall / batchSize);
        return new PrepLine(sku, name, unit, par, have, onHand is not null, shortfall, batches * batchSize, batches, batchSize, ParToPrep: batches * batchSize);
    }

    /// <summary>Weekday number as PARs store it: 0 = Sunday … 6 = Saturday.</summary>
    public static int Weekday(DateOnly date) => (int)date.DayOfWeek;
}
