using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.JsonWebTokens;
using Orbital.Batch.Screens;
using Orbital.Places;

namespace Orbital.Batch.Kitchens;

/// <summary>
/// Who may use Batch: every route but the health probes, the screen's own files and pairing needs a paired screen
/// (its device credential, for the one kitchen it was paired for) or a member of staff (an Orbital access token, issued
/// by Prep, for the kitchens they work at). The unassigned kitchen's screen is open to all of them. Managers and admins
/// pair and unpair screens and read the setup; only an admin changes it.
/// </summary>
public static class KitchenAccess
{
    public const string Operators = "operators";
    public const string Admins = "admins";

    /// <summary>A manager or admin who works at every kitchen: for what spans them all, such as dead letters.</summary>
    public const string EveryKitchenOperators = "operators-of-every-kitchen";

    /// <summary>A paired screen or any member of staff.</summary>
    public const string Kitchen = "kitchen";

    public static void AddKitchenAccess(this IHostApplicationBuilder builder)
    {
        builder.AddAccessTokenAuthentication();
        builder.Services.AddOptions<ScreenOptions>().BindConfiguration(ScreenOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ScreenDevices>();
        builder.Services.AddSingleton<PairingThrottle>();
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ScreenAuthentication>(ScreenAuthentication.SchemeName, configureOptions: null);

        var screenOrStaff = new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme, ScreenAuthentication.SchemeName)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => IsScreen(context.User) || StaffRoles.All.Any(context.User.IsInRole))
            .Build();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Operators, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin, StaffRoles.Manager))
            .AddPolicy(EveryKitchenOperators, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin, StaffRoles.Manager)
                .RequireClaim(StaffClaims.AllLocations))
            .AddPolicy(Admins, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin))
            .AddPolicy(Kitchen, screenOrStaff)
            .SetFallbackPolicy(screenOrStaff);
    }

    public static bool IsScreen(ClaimsPrincipal user) => user.HasClaim(c => c.Type == ScreenAuthentication.DeviceClaim);

    /// <summary>Whether the caller may see and work the kitchen's boards.</summary>
    public static bool MayOpen(this ClaimsPrincipal user, string kitchenId) =>
        kitchenId == KitchenMap.UnassignedKitchenId
        || user.HasClaim(ScreenAuthentication.KitchenClaim, kitchenId)
        || (StaffRoles.All.Any(user.IsInRole) && (user.HasClaim(c => c.Type == StaffClaims.AllLocations) || user.HasClaim(StaffClaims.Location, kitchenId)));

    /// <summary>Whether the caller may see every kitchen at once (lists without <c>?kitchen=</c>).</summary>
    public static bool MayOpenEveryKitchen(this ClaimsPrincipal user) =>
        StaffRoles.All.Any(user.IsInRole) && user.HasClaim(c => c.Type == StaffClaims.AllLocations);

    /// <summary>The kitchens the caller may open, the unassigned one included; null for every kitchen.</summary>
    public static IReadOnlyList<string>? OpenableKitchens(this ClaimsPrincipal user) =>
        user.MayOpenEveryKitchen()
            ? null
            : [KitchenMap.UnassignedKitchenId, .. user.FindAll(ScreenAuthentication.KitchenClaim).Select(c => c.Value),
                .. StaffRoles.All.Any(user.IsInRole) ? user.FindAll(StaffClaims.Location).Select(c => c.Value) : []];

    /// <summary>Who holds a stream: one paired screen, or one member of staff over all their devices.</summary>
    public static string StreamHolder(this ClaimsPrincipal user) =>
        user.FindFirstValue(ScreenAuthentication.DeviceClaim) is { } device ? $"screen:{device}" : $"staff:{user.FindFirstValue(JwtRegisteredClaimNames.Sub)}";

    public static ProblemHttpResult NotYourKitchen(string kitchenId) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Not your kitchen",
        detail: $"This screen or account is not for kitchen '{kitchenId}'. Pair the screen for that kitchen, or sign in as staff who work there.");
}
