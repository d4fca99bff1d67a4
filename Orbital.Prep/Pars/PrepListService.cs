using Npgsql;
using Orbital.Prep.Catalog;
using Orbital.Prep.Forecast;
using Orbital.Prep.Inventory;
using Orbital.Prep.Locations;

namespace Orbital.Prep.Pars;

public sealed record PrepList(string LocationId, string LocationName, DateOnly Date, int Weekday, DateTimeOffset GeneratedAt, List<PrepLine> Lines);

/// <summary>
/// The prep list of a location for a date, against what is on hand now: every product with a PAR that weekday, and,
/// once the location has sold on that weekday in at least 4 of the last 6 weeks, every product its orders used, by the
/// forecast (<see cref="ForecastRule"/>); each line says which figure it follows and why. The date is the location's own
/// (its business day, in its time zone) unless one is asked for.
/// </summary>
public sealed class PrepListService(NpgsqlDataSource dataSource, InventoryStore inventory, ProductCatalog catalog, LocationRegistry locations, SalesHistory sales)
{
    /// <summary>Today's list at the location: its business day now, in its time zone.</summary>
    public async Task<PrepList?> BuildForTodayAsync(string locationId, CancellationToken cancellationToken)
    {
        // Found first, so that the registry is loaded before its clock is read.
        return await locations.FindAsync(locationId, cancellationToken) is null ? null : await BuildAsync(locationId, locations.Today(locationId), cancellationToken);
    }

    public async Task<PrepList?> BuildAsync(string locationId, DateOnly date, CancellationToken cancellationToken)
    {
        if (await inventory.FindLocationAsync(locationId, cancellationToken) is not { } location)
        {
            return null;
        }

        var weekday = PrepMath.Weekday(date);
        var onHand = await inventory.OnHandAsync(locationId, cancellationToken);
        var lines = new List<PrepLine>();
        await using var command = dataSource.CreateCommand("SELECT sku, quantity FROM prep.pars WHERE location_id = $1 AND weekday = $2 ORDER BY sku");
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        command.Parameters.Add(new NpgsqlParameter { Value = (short)weekday });
        var pars = new List<(string Sku, decimal Par)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                pars.Add((reader.GetString(0), reader.GetDecimal(1)));
            }
        }

        var products = (await catalog.ListAsync(cancellationToken)).ToDictionary(p => p.Sku, StringComparer.Ordinal);
        var history = await sales.ForAsync(locationId, date, products.Values.ToDictionary(p => p.Sku, p => p.ShelfLifeHours, StringComparer.Ordinal), cancellationToken);
        var weeks = ForecastRule.WeeksWithSales(date, history);
        var forecasting = weeks >= ForecastRule.MinWeeks;
        var parBySku = pars.ToDictionary(p => p.Sku, p => p.Par, StringComparer.Ordinal);
        var sold = forecasting ? history.Values.SelectMany(d => d.Keys) : [];
        foreach (var sku in parBySku.Keys.Union(sold, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!products.TryGetValue(sku, out var product))
            {
                continue;
            }

            decimal? have = onHand.TryGetValue(sku, out var known) ? known.Quantity : null;
            lines.Add(Line(product, parBySku.TryGetValue(sku, out var par) ? par : null, have, forecasting ? ForecastRule.For(sku, date, history, ForecastRule.SafetyFactorFor(product.ShelfLifeHours)) : null, weeks, date));
        }

        return new PrepList(location.Id, location.Name, date, weekday, locations.Now(locationId), lines);
    }

    /// <summary>One product's line: the PAR's figure and the forecast's, and the one followed (the forecast, where there is one).</summary>
    private static PrepLine Line(Product product, decimal? par, decimal? onHand, UsageForecast? forecast, int weeks, DateOnly date)
    {
        var byPar = PrepMath.Line(product.Sku, product.Name, product.Unit, par ?? 0, onHand, product.BatchSize);
        var day = date.DayOfWeek;
        if (forecast is null)
        {
            return byPar with
            {
                Par = par,
                Why = $"PAR: {weeks} of the last {ForecastRule.MaxWeeks} {day}s had sales here; a forecast needs {ForecastRule.MinWeeks}.",
            };
        }

        var batches = ForecastRule.Batches(forecast, byPar.OnHand, product.BatchSize);
        var toPrep = batches * product.BatchSize;
        var unit = product.Unit;
        return byPar with
        {
            Par = par,
            ParToPrep = par is null ? null : byPar.ToPrep,
            Shortfall = Math.Max(0, forecast.Expected + forecast.SafetyStock - byPar.OnHand),
            ToPrep = toPrep,
            Batches = batches,
            Basis = PrepBasis.Forecast,
            Forecast = new PrepForecast(forecast.Expected, forecast.SafetyStock, toPrep, batches, forecast.History),
            Why = $"Forecast: {N(forecast.Expected)} {unit} used on average over the last {forecast.History.Count} {day}s with sales, "
                + $"+ {N(forecast.SafetyStock)} {unit} safety ({N(ForecastRule.SafetyFactorFor(product.ShelfLifeHours))} σ) − {N(byPar.OnHand)} {unit} on hand"
                + (par is null ? "; no PAR set." : $"; the PAR ({N(par.Value)} {unit}) would say {N(byPar.ToPrep)} {unit}."),
        };
    }

    private static string N(decimal value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
