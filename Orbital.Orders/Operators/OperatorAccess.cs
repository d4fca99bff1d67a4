using System.Security.Claims;
using Orbital.Places;

namespace Orbital.Orders.Operators;

/// <summary>
/// Orders carry customers' names, phones and addresses, and this service faces the internet for Otter's webhooks: its
/// operator routes need an Orbital access token (issued by the Prep service) of a manager or an admin, who reads the
/// orders of the stores at the kitchens they work at (the token's locations; the setup of places says which kitchen a
/// store is at). What spans every store (dead letters, missed-order recovery) is for those who work everywhere. The
/// webhook needs no token; Otter's signature is its proof.
/// </summary>
public static class OperatorAccess
{
    public const string Policy = "operators";

    /// <summary>A manager or admin who works at every location.</summary>
    public const string EveryStorePolicy = "operators-of-every-store";

    public static void AddOperatorAccess(this IHostApplicationBuilder builder)
    {
        builder.AddAccessTokenAuthentication();
        builder.AddPlaces();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin, StaffRoles.Manager))
            .AddPolicy(EveryStorePolicy, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin, StaffRoles.Manager)
                .RequireClaim(StaffClaims.AllLocations));
    }

    /// <summary>The stores whose orders the caller reads; null for every store. A store not in the setup: only for those who work everywhere.</summary>
    public static IReadOnlyList<string>? ReadableStores(this ClaimsPrincipal user, KitchenMap places) =>
        user.HasClaim(c => c.Type == StaffClaims.AllLocations)
            ? null
            : [.. places.Setup.Stores.Where(s => user.HasClaim(StaffClaims.Location, s.KitchenId)).Select(s => s.StoreId)];

    public static bool MayRead(this ClaimsPrincipal user, string storeId, KitchenMap places) =>
        user.ReadableStores(places) is not { } stores || stores.Contains(storeId, StringComparer.Ordinal);
}
