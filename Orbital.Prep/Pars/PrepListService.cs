using Npgsql;
using Orbital.Prep.Catalog;
using Orbital.Prep.Inventory;
using Orbital.Prep.Locations;

namespace Orbital.Prep.Pars;

public sealed record PrepList(string LocationId, string LocationName, DateOnly Date, int Weekday, DateTimeOffset GeneratedAt, List<PrepLine> Lines);

/// <summary>
/// The prep list of a location for a date: every product with a PAR that weekday, against what is on hand now. The
/// date is the location's own (its business day, in its time zone) unless one is asked for.
/// </summary>
public sealed class PrepListService(NpgsqlDataSource dataSource, InventoryStore inventory, ProductCatalog catalog, LocationRegistry locations)
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

        foreach (var (sku, par) in pars)
        {
            var product = await catalog.FindAsync(sku, cancellationToken);
            if (product is null)
            {
                continue;
            }

            lines.Add(PrepMath.Line(sku, product.Name, product.Unit, par, onHand.TryGetValue(sku, out var have) ? have.Quantity : null, product.BatchSize));
        }

        return new PrepList(location.Id, location.Name, date, weekday, locations.Now(locationId), lines);
    }
}
