using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Orbital.Places;

namespace Orbital.Batch.Kitchens;

/// <summary>
/// <c>GET /kitchens</c>: every kitchen with its time zone, business day, stores and stations. <c>PUT /kitchens/setup</c>:
/// an admin replaces the whole setup (kitchens, brands, stores, stations, menu, overrides, Otter station ids), checked in
/// full first: a setup with any bad row changes nothing and names every bad row. <c>GET /kitchens/unassigned-stores</c>:
/// the stores Otter sent orders for that the setup does not place.
/// </summary>
public static class KitchensApi
{
    public const int MaxSetupBytes = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapKitchensApi(this IEndpointRouteBuilder app)
    {
        var kitchens = app.MapGroup("/kitchens").WithTags("Kitchens");
        kitchens.MapGet("/", ListAsync);
        kitchens.MapGet("/setup", GetSetup).RequireAuthorization(KitchenAccess.Operators);
        kitchens.MapPut("/setup", PutSetupAsync).RequireAuthorization(KitchenAccess.Admins)
            .WithMetadata(new RequestSizeLimitAttribute(MaxSetupBytes));
        kitchens.MapGet("/unassigned-stores", UnassignedStoresAsync).RequireAuthorization(KitchenAccess.Operators);
        return app;
    }

    /// <summary>The kitchens the caller may open (a paired screen: its own and the unassigned one).</summary>
    public static async Task<Ok<KitchenList>> ListAsync(ClaimsPrincipal user, PlacesCache places, NpgsqlDataSource dataSource, TimeProvider time, CancellationToken cancellationToken)
    {
        await places.EnsureLoadedAsync(cancellationToken);
        var map = places.Current;
        var now = time.GetUtcNow();
        var brands = map.Setup.Brands.ToDictionary(b => b.Id, b => b.Name, StringComparer.Ordinal);
        var paused = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using (var pauses = dataSource.CreateCommand("SELECT store_id, changed_at FROM batch.store_pauses WHERE paused"))
        await using (var read = await pauses.ExecuteReaderAsync(cancellationToken))
        {
            while (await read.ReadAsync(cancellationToken))
            {
                paused[read.GetString(0)] = read.GetFieldValue<DateTimeOffset>(1);
            }
        }

        var kitchens = map.Kitchens.Select(k => new KitchenView(
            k.Id, k.Name, k.TimeZone, k.DayStartsAt, k.HasExpo, k.Kind, map.BusinessDay(k.Id, now), Known: true,
            [.. map.StoresOf(k.Id).Select(s => new StoreView(s.StoreId, s.BrandId, brands.GetValueOrDefault(s.BrandId, s.BrandId))
                { PausedSince = paused.TryGetValue(s.StoreId, out var since) ? since : null })],
            [.. map.StationsOf(k.Id).Select(s => new KitchenStationView(s.Id, s.Name, s.DisplayOrder))])).ToList();

        // Kitchens the setup no longer (or never) named, with work still open: their screens must stay reachable.
        await using var command = dataSource.CreateCommand("SELECT DISTINCT kitchen_id FROM batch.batch_items WHERE status IN ('pending', 'in_progress')");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            if (map.Kitchen(id) is null)
            {
                kitchens.Add(new KitchenView(id, id, "Etc/UTC", "04:00", false, KitchenKinds.Kitchen, map.BusinessDay(id, now), Known: false, [], []));
            }
        }

        return TypedResults.Ok(new KitchenList(map.Version, places.Origin.ToString(), [.. kitchens.Where(k => user.MayOpen(k.Id))]));
    }

    public static Ok<PlacesSetup> GetSetup(PlacesCache places) => TypedResults.Ok(places.Current.Setup);

    public static async Task<Results<Ok<SetupApplied>, ProblemHttpResult>> PutSetupAsync(
        [FromBody] PlacesSetup? setup, ClaimsPrincipal user, PlacesSetupWriter writer, CancellationToken cancellationToken)
    {
        var missing = setup is null ? ["kitchens", "brands", "stores", "stations", "menuItems"] : MissingTables(setup);
        if (missing.Count > 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The setup is incomplete; nothing was changed",
                detail: $"A setup is the whole of it: {string.Join(", ", missing)} missing (send [] for an empty table).");
        }

        // Checked here first, so a bad setup is refused without waiting for the lock; the writer checks again what it writes.
        var problems = SetupValidation.Validate(setup!);
        if (problems.Count > 0)
        {
            return SetupProblems(problems);
        }

        SetupWriteResult written;
        try
        {
            written = await writer.ReplaceAsync(setup!, user.FindFirstValue("name") ?? user.FindFirstValue("sub") ?? "admin", cancellationToken);
        }
        catch (SetupLockUnavailableException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The setup cannot be changed right now; nothing was changed",
                detail: ex.Message);
        }

        return written.Problems.Count > 0
            ? SetupProblems(written.Problems)
            : TypedResults.Ok(new SetupApplied(written.Version, written.Changed));
    }

    public static async Task<Ok<List<UnassignedStore>>> UnassignedStoresAsync(PlacesCache places, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT o.store_id, count(*)::int, min(o.updated_at), max(o.updated_at),
                   (SELECT coalesce(sum(bi.quantity), 0)::int FROM batch.batch_items bi
                    WHERE bi.kitchen_id = $1 AND bi.status IN ('pending', 'in_progress')
                      AND bi.id IN (SELECT l.batch_item_id FROM batch.batch_item_lines l JOIN batch.orders lo ON lo.order_id = l.order_id
                                    WHERE lo.store_id = o.store_id AND lo.kitchen_id = $1))
            FROM batch.orders o WHERE o.kitchen_id = $1
            GROUP BY o.store_id ORDER BY max(o.updated_at) DESC LIMIT 500
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = KitchenMap.UnassignedKitchenId });
        var stores = new List<UnassignedStore>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var storeId = reader.GetString(0);
            stores.Add(new UnassignedStore(storeId, reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetInt32(4), MappedNow: places.Current.IsMapped(storeId)));
        }

        return TypedResults.Ok(stores);
    }

    private static ProblemHttpResult SetupProblems(IReadOnlyList<SetupProblem> problems) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The setup has problems; nothing was changed",
            detail: $"{problems.Count} problem(s), first: {problems[0].Table} row {problems[0].Row} ({problems[0].Key}): {problems[0].Problem}",
            extensions: new Dictionary<string, object?> { ["problems"] = problems });

    private static List<string> MissingTables(PlacesSetup setup)
    {
        var missing = new List<string>();
        // The JSON may leave a table out; the record's non-null lists are then null.
        if (setup.Kitchens is null) missing.Add("kitchens");
        if (setup.Brands is null) missing.Add("brands");
        if (setup.Stores is null) missing.Add("stores");
        if (setup.Stations is null) missing.Add("stations");
        if (setup.MenuItems is null) missing.Add("menuItems");
        return missing;
    }
}

public sealed record KitchenList(long SetupVersion, string Source, List<KitchenView> Kitchens);

/// <param name="BusinessDay">The kitchen's business day now.</param>
/// <param name="Known">False for a kitchen that is not in the setup but still has open work (shown so its screens can finish it).</param>
public sealed record KitchenView(
    string Id, string Name, string TimeZone, string DayStartsAt, bool HasExpo, string Kind, DateOnly BusinessDay, bool Known,
    List<StoreView> Stores, List<KitchenStationView> Stations);

public sealed record StoreView(string StoreId, string BrandId, string BrandName)
{
    /// <summary>Paused at Otter since then (it takes no new orders); null while it takes orders.</summary>
    public DateTimeOffset? PausedSince { get; init; }

    public bool Paused => PausedSince is not null;
}

public sealed record KitchenStationView(string Id, string Name, int DisplayOrder);

/// <param name="Version">The setup version now in force.</param>
/// <param name="Changed">False when the setup sent was the one in force already.</param>
public sealed record SetupApplied(long Version, bool Changed);

/// <param name="OpenPortions">Portions of its orders still open on the unassigned kitchen's screens.</param>
/// <param name="MappedNow">The setup places this store now; its new orders go to its kitchen.</param>
public sealed record UnassignedStore(string StoreId, int Orders, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, int OpenPortions, bool MappedNow);
