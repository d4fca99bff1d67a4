using Orbital.Places;

namespace Orbital.Prep.Locations;

/// <param name="Kind"><c>store</c> (a kitchen that cooks Otter's orders) or <c>commissary</c>.</param>
/// <param name="TimeZone">IANA time zone: the location's dates (prep lists, PAR weekdays, reports) are its local ones.</param>
public sealed record Location(string Id, string Name, string Kind, string TimeZone);

/// <summary>
/// Prep's locations are the places of the shared setup (<c>Orbital.Places</c>): its kitchens ("stores" in Prep's words)
/// and commissaries, one registry for every service. Adding or renaming a location here changes that setup (a new
/// version, announced to every instance), so Batch's kitchens and Prep's locations never drift apart. Dates at a
/// location are its business day in its own time zone.
/// </summary>
public sealed class LocationRegistry(PlacesCache places, PlacesSetupWriter writer, TimeProvider time)
{
    public const string Store = "store";
    public const string Commissary = "commissary";

    public async Task<Location?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await places.EnsureLoadedAsync(cancellationToken);
        return places.Current.Kitchen(id) is { } kitchen && kitchen.Id != KitchenMap.UnassignedKitchenId ? View(kitchen) : null;
    }

    public async Task<List<Location>> ListAsync(CancellationToken cancellationToken)
    {
        await places.EnsureLoadedAsync(cancellationToken);
        return [.. places.Current.Setup.Kitchens.OrderBy(k => k.Id, StringComparer.Ordinal).Select(View)];
    }

    /// <summary>
    /// Adds the location to the setup, or renames it, changes its kind or time zone (a time zone left out keeps the one it
    /// has, or is UTC for a new location).
    /// </summary>
    public async Task<(Location? Location, IReadOnlyList<SetupProblem> Problems)> SaveAsync(
        string id, string name, string kind, string? timeZone, string by, CancellationToken cancellationToken)
    {
        var written = await writer.ChangeAsync(setup =>
        {
            var existing = setup.Kitchens.FirstOrDefault(k => k.Id == id);
            var kitchen = (existing ?? new Kitchen(id, name, "Etc/UTC")) with
            {
                Name = name,
                Kind = kind == Commissary ? KitchenKinds.Commissary : KitchenKinds.Kitchen,
                TimeZone = timeZone ?? existing?.TimeZone ?? "Etc/UTC",
            };
            return setup with { Kitchens = [.. setup.Kitchens.Where(k => k.Id != id), kitchen] };
        }, by, cancellationToken);
        return written.Problems.Count > 0 ? (null, written.Problems) : (await FindAsync(id, cancellationToken), []);
    }

    /// <summary>The location's business day now (its local date, the day starting at its day-start time); the UTC date for an unknown one.</summary>
    public DateOnly Today(string locationId) =>
        places.Current.Kitchen(locationId) is null
            ? DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime)
            : places.Current.BusinessDay(locationId, time.GetUtcNow());

    /// <summary>The location's wall-clock time now, with its offset (UTC for an unknown location).</summary>
    public DateTimeOffset Now(string locationId) => LocalTime(locationId, time.GetUtcNow());

    /// <summary>The location's wall-clock time at <paramref name="instant"/>, with its offset then.</summary>
    public DateTimeOffset LocalTime(string locationId, DateTimeOffset instant) => places.Current.LocalTime(locationId, instant);

    /// <summary>The location's business day that <paramref name="instant"/> belongs to.</summary>
    public DateOnly BusinessDay(string locationId, DateTimeOffset instant) => places.Current.BusinessDay(locationId, instant);

    private static Location View(Kitchen kitchen) =>
        new(kitchen.Id, kitchen.Name, kitchen.Kind == KitchenKinds.Commissary ? Commissary : Store, kitchen.TimeZone);
}
