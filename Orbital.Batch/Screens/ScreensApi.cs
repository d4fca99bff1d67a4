using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Orbital.Batch.Kitchens;
using Orbital.Places;

namespace Orbital.Batch.Screens;

/// <summary>
/// Pairing kitchen screens, as kitchen display vendors do: a manager makes a code for a kitchen (and station), the
/// screen enters it once and keeps a device credential for that kitchen, which a manager can revoke.
/// </summary>
public static class ScreensApi
{
    public const int MaxNameLength = 100;
    public const int MaxCodeLength = 20;

    public static IEndpointRouteBuilder MapScreensApi(this IEndpointRouteBuilder app)
    {
        var kitchen = app.MapGroup("/kitchens/{kitchen}/screens").WithTags("Screens").RequireAuthorization(KitchenAccess.Operators);
        kitchen.MapPost("/pairing-codes", CreatePairingCodeAsync);
        kitchen.MapGet("/", ListAsync);
        kitchen.MapDelete("/{deviceId:guid}", RevokeAsync);

        var screens = app.MapGroup("/screens").WithTags("Screens");
        screens.MapPost("/pair", PairAsync).AllowAnonymous();
        screens.MapGet("/me", Me);
        screens.MapPost("/unpair", UnpairAsync);
        return app;
    }

    public static async Task<Results<Created<PairingCode>, ProblemHttpResult>> CreatePairingCodeAsync(
        string kitchen, NewPairingCodeRequest? request, ClaimsPrincipal user, ScreenDevices devices, PlacesCache places, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        if (await KitchenQuery.FindAsync(kitchen, required: true, user, places, dataSource, cancellationToken) is { Problem: { } problem })
        {
            return problem;
        }

        var station = string.IsNullOrWhiteSpace(request?.Station) ? null : request.Station;
        var name = string.IsNullOrWhiteSpace(request?.Name) ? station ?? "kitchen screen" : request.Name;
        foreach (var (field, value) in new[] { ("station", station), ("name", name) })
        {
            if (value is { Length: > MaxNameLength } || (value?.Any(char.IsControl) ?? false))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"Invalid {field}",
                    detail: $"A screen's {field} is at most {MaxNameLength} characters, none of them control characters.");
            }
        }

        var code = await devices.CreatePairingCodeAsync(kitchen, station, name, user.Identity?.Name ?? "manager", cancellationToken);
        return TypedResults.Created((string?)null, code);
    }

    public static async Task<Results<Ok<List<ScreenDevice>>, ProblemHttpResult>> ListAsync(
        string kitchen, ClaimsPrincipal user, ScreenDevices devices, CancellationToken cancellationToken) =>
        user.MayOpen(kitchen) ? TypedResults.Ok(await devices.ListAsync(kitchen, cancellationToken)) : KitchenAccess.NotYourKitchen(kitchen);

    /// <summary>Unpairs a screen: its next request is refused and its open stream ends within seconds.</summary>
    public static async Task<Results<Ok<ScreenDevice>, ProblemHttpResult>> RevokeAsync(
        string kitchen, Guid deviceId, ClaimsPrincipal user, ScreenDevices devices, CancellationToken cancellationToken)
    {
        if (!user.MayOpen(kitchen))
        {
            return KitchenAccess.NotYourKitchen(kitchen);
        }

        return await devices.RevokeAsync(kitchen, deviceId, user.Identity?.Name ?? "manager", cancellationToken) is { } device
            ? TypedResults.Ok(device)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such screen", detail: $"Kitchen '{kitchen}' has no screen {deviceId}.");
    }

    /// <summary>
    /// Trades a pairing code for this screen's credential, kept in an HttpOnly cookie; a screen that is not a browser
    /// asks for it in the answer instead (<c>"cookie": false</c>) and sends it as <c>Authorization: Screen …</c>.
    /// </summary>
    public static async Task<Results<Ok<PairedScreen>, ProblemHttpResult>> PairAsync(
        PairRequest? request, HttpContext http, ScreenDevices devices, PairingThrottle throttle, CancellationToken cancellationToken)
    {
        if (request?.Code is not { Length: > 0 and <= MaxCodeLength } code)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Pairing code required",
                detail: "Send {\"code\": \"1234-5678\"}: the code a manager made for this screen.");
        }

        var client = http.Connection.RemoteIpAddress;
        var (allowed, retryAfter) = throttle.TryAttempt(client);
        if (!allowed)
        {
            http.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many wrong codes",
                detail: $"Try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.");
        }

        if (await devices.PairAsync(code, cancellationToken) is not { } paired)
        {
            throttle.Failed(client);
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "That code does not pair",
                detail: "It is wrong, used already, or expired. Ask a manager for a new one.");
        }

        var (device, secret) = paired;
        var credential = ScreenAuthentication.Credential(device, secret);
        if (request.Cookie != false)
        {
            http.Response.Cookies.Append(ScreenAuthentication.CookieName, credential, new CookieOptions
            {
                HttpOnly = true,
                Secure = http.Request.IsHttps,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                // Browsers keep a cookie at most 400 days; the screen is paired until a manager revokes it.
                MaxAge = TimeSpan.FromDays(400),
            });
        }

        return TypedResults.Ok(new PairedScreen(device.Id, device.Name, device.KitchenId, device.StationId, request.Cookie == false ? credential : null));
    }

    public static Ok<WhoAmI> Me(ClaimsPrincipal user) => TypedResults.Ok(new WhoAmI(
        user.Identity?.Name,
        user.FindFirstValue(ScreenAuthentication.DeviceClaim),
        user.FindFirstValue(ScreenAuthentication.KitchenClaim),
        user.FindFirstValue(ScreenAuthentication.StationClaim),
        user.OpenableKitchens()));

    /// <summary>A screen unpairs itself (its credential stops working for good) and forgets its cookie.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> UnpairAsync(
        ClaimsPrincipal user, HttpContext http, ScreenDevices devices, CancellationToken cancellationToken)
    {
        if (user.FindFirstValue(ScreenAuthentication.DeviceClaim) is not { } id || user.FindFirstValue(ScreenAuthentication.KitchenClaim) is not { } kitchen)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a screen", detail: "Only a paired screen unpairs itself.");
        }

        await devices.RevokeAsync(kitchen, Guid.ParseExact(id, "N"), "the screen itself", cancellationToken);
        http.Response.Cookies.Delete(ScreenAuthentication.CookieName, new CookieOptions { Path = "/" });
        return TypedResults.NoContent();
    }
}

/// <param name="Station">The station the screen opens on (it may switch to the kitchen's others).</param>
public sealed record NewPairingCodeRequest(string? Station, string? Name);

/// <param name="Cookie">False for a screen that is not a browser: the credential comes back in the answer.</param>
public sealed record PairRequest(string? Code, bool? Cookie = null);

public sealed record PairedScreen(Guid DeviceId, string Name, string Kitchen, string? Station, string? Credential);

/// <param name="Kitchens">The kitchens the caller may open; null for every one.</param>
public sealed record WhoAmI(string? Name, string? ScreenId, string? Kitchen, string? Station, IReadOnlyList<string>? Kitchens);
