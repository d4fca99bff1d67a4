using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Orbital.Places;

namespace Orbital.Batch.Kitchens;

/// <summary>
/// The <c>kitchen</c> of a request, checked: one the caller may open (<see cref="KitchenAccess"/>), and a kitchen of
/// the setup (the unassigned one included) or one the database still holds work or events of (the 'default' kitchen
/// of a database from before kitchens, a kitchen taken out of the setup). Only a caller who may open every kitchen
/// may leave it out where a route allows that.
/// </summary>
public static class KitchenQuery
{
    public const int MaxLength = 100;

    public static async Task<(string? KitchenId, ProblemHttpResult? Problem)> FindAsync(
        string? kitchen, bool required, ClaimsPrincipal user, PlacesCache places, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(kitchen))
        {
            var choices = places.Current.Kitchens.Select(k => k.Id).Where(user.MayOpen);
            return required || !user.MayOpenEveryKitchen()
                ? (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Which kitchen?",
                    detail: $"Add ?kitchen= with one of: {string.Join(", ", choices)}."))
                : (null, null);
        }

        if (kitchen.Length > MaxLength || kitchen.Any(char.IsControl))
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid kitchen",
                detail: $"A kitchen id is at most {MaxLength} characters, none of them control characters."));
        }

        if (!user.MayOpen(kitchen))
        {
            return (null, KitchenAccess.NotYourKitchen(kitchen));
        }

        await places.EnsureLoadedAsync(cancellationToken);
        if (places.Current.Kitchen(kitchen) is not null || await HasWorkAsync(dataSource, kitchen, cancellationToken))
        {
            return (kitchen, null);
        }

        return (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such kitchen",
            detail: $"'{kitchen}' is not in the setup. Kitchens: {string.Join(", ", places.Current.Kitchens.Select(k => k.Id).Where(user.MayOpen))}."));
    }

    private static async Task<bool> HasWorkAsync(NpgsqlDataSource dataSource, string kitchenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT EXISTS (SELECT 1 FROM batch.kitchen_event_counters WHERE kitchen_id = $1)
                OR EXISTS (SELECT 1 FROM batch.batch_items WHERE kitchen_id = $1 AND status IN ('pending', 'in_progress'))
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
