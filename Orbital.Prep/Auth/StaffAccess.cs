using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Orbital.Prep.Auth;

/// <summary>
/// Who a signed-in member of staff is now, and where they work. Every access token Prep receives is checked against the
/// account as it stands: a deactivated or deleted account is refused at once (not when its token expires), a changed
/// role counts at once, and the account's locations go into the request's identity, so each route can refuse a
/// location that is not the caller's.
/// </summary>
public static class StaffAccess
{
    /// <summary>The route value every location-scoped route names its location by.</summary>
    public const string LocationRouteValue = "locationId";

    /// <summary>Replaces the token's identity with the account's current one, or fails the request's authentication.</summary>
    public static async Task OnTokenValidatedAsync(TokenValidatedContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var subject = context.Principal?.FindFirstValue(JwtRegisteredClaimNames.Sub);
        var user = Guid.TryParse(subject, out var id) ? await users.FindAsync(id, context.HttpContext.RequestAborted) : null;
        if (user is not { Active: true })
        {
            context.Fail(user is null ? "The token's account does not exist." : "The token's account is deactivated.");
            return;
        }

        var identity = new ClaimsIdentity(context.Principal!.Identity!.AuthenticationType, JwtRegisteredClaimNames.Name, "role");
        identity.AddClaim(new Claim(JwtRegisteredClaimNames.Sub, user.Id.ToString()));
        identity.AddClaim(new Claim(JwtRegisteredClaimNames.Name, user.Username));
        identity.AddClaim(new Claim("role", user.Role));
        if (user.Role == StaffRoles.Admin || user.AllLocations)
        {
            identity.AddClaim(new Claim(StaffClaims.AllLocations, "true"));
        }

        foreach (var location in user.Locations)
        {
            identity.AddClaim(new Claim(StaffClaims.Location, location));
        }

        context.Principal = new ClaimsPrincipal(identity);
    }

    public static bool WorksAt(this ClaimsPrincipal user, string locationId) =>
        user.HasClaim(c => c.Type == StaffClaims.AllLocations) || user.HasClaim(StaffClaims.Location, locationId);

    public static bool WorksAtEveryLocation(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == StaffClaims.AllLocations);

    public static IReadOnlyList<string> Locations(this ClaimsPrincipal user) => [.. user.FindAll(StaffClaims.Location).Select(c => c.Value)];

    public static ProblemHttpResult NotYourLocation(string locationId) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Not one of your locations",
        detail: $"Your account does not work at location '{locationId}'. An admin adds locations to accounts (PUT /auth/users/{{id}}).");

    /// <summary>Refuses a location-scoped route (one with <c>{locationId}</c>) for a location that is not the caller's.</summary>
    public static TBuilder RequireLocationAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.GetRouteValue(LocationRouteValue) is string locationId && !context.HttpContext.User.WorksAt(locationId)
                ? NotYourLocation(locationId)
                : await next(context));
}
