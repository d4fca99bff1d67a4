using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.JsonWebTokens;
using Orbital.Prep.Locations;

namespace Orbital.Prep.Auth;

/// <summary><c>/auth</c>: log in, refresh (rotating), log out, who am I; and user management for admins.</summary>
public static partial class AuthApi
{
    public const int MaxUsernameLength = 100;
    public const int MaxPasswordLength = 1024;
    public const int MaxLocationsPerUser = 100;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/auth").WithTags("Authentication");
        auth.MapPost("/login", LoginAsync).AllowAnonymous();
        auth.MapPost("/refresh", RefreshAsync).AllowAnonymous();
        auth.MapPost("/logout", LogoutAsync).AllowAnonymous();
        auth.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(new Me(
            user.FindFirstValue(JwtRegisteredClaimNames.Sub)!, user.Identity!.Name!, user.FindFirstValue("role")!, user.Locations(), user.WorksAtEveryLocation())))
            .RequireAuthorization(PrepPolicies.Kitchen);

        var users = app.MapGroup("/auth/users").WithTags("Users").RequireAuthorization(PrepPolicies.Admin);
        users.MapGet("/", async (UserStore store, CancellationToken ct) => TypedResults.Ok((await store.ListAsync(ct)).Select(UserView.From).ToList()));
        users.MapPost("/", CreateUserAsync);
        users.MapPut("/{id:guid}", UpdateUserAsync);
        return app;
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, UserStore users, TokenService tokens, LoginThrottle throttle, HttpContext http, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Username) || string.IsNullOrEmpty(request.Password))
        {
            return Problem(StatusCodes.Status400BadRequest, "Username and password are required", "Send {\"username\": ..., \"password\": ...}.");
        }

        // Before anything keeps them (the throttle's keys, a log line): no username is longer, no password that long.
        if (request.Username.Length > MaxUsernameLength || request.Password.Length > MaxPasswordLength)
        {
            return Problem(StatusCodes.Status400BadRequest, "Username or password too long",
                $"Usernames have at most {MaxUsernameLength} characters, passwords at most {MaxPasswordLength}.");
        }

        var attempt = throttle.Attempt(request.Username, request.DeviceToken, http.Connection.RemoteIpAddress);
        var (allowed, retryAfter) = throttle.TryAttempt(attempt);
        if (!allowed)
        {
            http.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Problem(StatusCodes.Status429TooManyRequests, "Too many login attempts", $"Try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.");
        }

        var user = await users.FindAsync(request.Username, cancellationToken);
        // An unknown user costs the same hashing as a known one, so the answer's time does not tell which usernames exist.
        if (!UserStore.Verify(user, request.Password) || user is not { Active: true })
        {
            throttle.Failed(attempt);
            Log.LoginFailed(loggers.CreateLogger(typeof(AuthApi)), request.Username);
            return Problem(StatusCodes.Status401Unauthorized, "Wrong username or password", "Check both and try again.");
        }

        return TypedResults.Ok(await IssueAsync(user, users, tokens, cancellationToken) with { DeviceToken = throttle.IssueDeviceToken(user.Username) });
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, UserStore users, TokenService tokens, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return Problem(StatusCodes.Status400BadRequest, "refreshToken is required", "Send {\"refreshToken\": ...}.");
        }

        var successor = TokenService.NewRefreshToken();
        var (userId, reused) = await users.RotateRefreshTokenAsync(request.RefreshToken, successor, cancellationToken);
        if (reused)
        {
            Log.RefreshReused(loggers.CreateLogger(typeof(AuthApi)));
        }

        var user = userId is { } id ? await users.FindAsync(id, cancellationToken) : null;
        if (user is null)
        {
            return Problem(StatusCodes.Status401Unauthorized, "Refresh token not valid",
                "It is unknown, expired, already used or revoked. Log in again.");
        }

        var (access, expiresAt) = tokens.IssueAccessToken(user);
        return TypedResults.Ok(new TokenResponse(access, "Bearer", (int)(expiresAt - DateTimeOffset.UtcNow).TotalSeconds, successor, user.Role));
    }

    public static async Task<NoContent> LogoutAsync(RefreshRequest request, UserStore users, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(request.RefreshToken))
        {
            await users.RevokeFamilyOfAsync(request.RefreshToken, cancellationToken);
        }

        return TypedResults.NoContent();
    }

    public static async Task<Results<Created<UserView>, ProblemHttpResult>> CreateUserAsync(
        NewUserRequest request, UserStore users, LocationRegistry locations, CancellationToken cancellationToken)
    {
        if ((Validate(request.Username, request.Role, request.Password, passwordRequired: true) ?? await ValidateLocationsAsync(request.Locations, locations, cancellationToken))
            is { } problem)
        {
            return problem;
        }

        if (request.Role != StaffRoles.Admin && request.Locations is not { Count: > 0 } && request.AllLocations != true)
        {
            return Problem(StatusCodes.Status400BadRequest, "Where does this person work?",
                "Give a manager or prep cook the locations they work at (locations: [...]), or allLocations: true for every location.");
        }

        var user = await users.CreateAsync(request.Username!, request.DisplayName ?? request.Username!, request.Role!, request.Password!,
            request.Locations?.OfType<string>().Distinct(StringComparer.Ordinal).ToList() ?? [], request.AllLocations ?? false, cancellationToken);
        return user is null
            ? Problem(StatusCodes.Status409Conflict, "Username taken", $"A user named '{request.Username}' exists.")
            : TypedResults.Created($"/auth/users/{user.Id}", UserView.From(user));
    }

    public static async Task<Results<Ok<UserView>, ProblemHttpResult>> UpdateUserAsync(
        Guid id, UpdateUserRequest request, UserStore users, LocationRegistry locations, CancellationToken cancellationToken)
    {
        if (await ValidateLocationsAsync(request.Locations, locations, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        if (request.Role is not null && !StaffRoles.All.Contains(request.Role))
        {
            return Problem(StatusCodes.Status400BadRequest, "Unknown role", $"Role must be one of {string.Join(", ", StaffRoles.All)}.");
        }

        if (request.Password is { Length: < 10 })
        {
            return Problem(StatusCodes.Status400BadRequest, "Password too short", "Passwords have at least 10 characters.");
        }

        var user = await users.UpdateAsync(id, request.DisplayName, request.Role, request.Active, request.Password,
            request.Locations?.OfType<string>().Distinct(StringComparer.Ordinal).ToList(), request.AllLocations, cancellationToken);
        return user is null ? Problem(StatusCodes.Status404NotFound, "No such user", $"User {id} does not exist.") : TypedResults.Ok(UserView.From(user));
    }

    private static ProblemHttpResult? Validate(string? username, string? role, string? password, bool passwordRequired)
    {
        if (string.IsNullOrWhiteSpace(username) || username.Length > MaxUsernameLength)
        {
            return Problem(StatusCodes.Status400BadRequest, "Username required", "Give a username of 1 to 100 characters.");
        }

        if (role is null || !StaffRoles.All.Contains(role))
        {
            return Problem(StatusCodes.Status400BadRequest, "Unknown role", $"Role must be one of {string.Join(", ", StaffRoles.All)}.");
        }

        if ((passwordRequired && password is null) || password is { Length: < 10 or > MaxPasswordLength })
        {
            return Problem(StatusCodes.Status400BadRequest, "Password too short or too long", $"Passwords have 10 to {MaxPasswordLength} characters.");
        }

        return null;
    }

    /// <summary>At most <see cref="MaxLocationsPerUser"/>, each one a location of the setup.</summary>
    private static async Task<ProblemHttpResult?> ValidateLocationsAsync(IReadOnlyList<string?>? requested, LocationRegistry locations, CancellationToken cancellationToken)
    {
        if (requested is null)
        {
            return null;
        }

        if (requested.Count > MaxLocationsPerUser)
        {
            return Problem(StatusCodes.Status400BadRequest, "Too many locations", $"An account lists at most {MaxLocationsPerUser} locations; use allLocations: true for more.");
        }

        var unknown = new List<string>();
        foreach (var location in requested)
        {
            if (string.IsNullOrEmpty(location) || await locations.FindAsync(location, cancellationToken) is null)
            {
                unknown.Add(location ?? "null");
            }
        }

        return unknown.Count == 0
            ? null
            : Problem(StatusCodes.Status400BadRequest, "Unknown location", $"No location {string.Join(", ", unknown.Select(u => $"'{u}'"))} (GET /locations lists them).");
    }

    /// <summary>A new login: an access token and the first refresh token of a new family.</summary>
    private static async Task<TokenResponse> IssueAsync(PrepUser user, UserStore users, TokenService tokens, CancellationToken cancellationToken)
    {
        var (access, expiresAt) = tokens.IssueAccessToken(user);
        var refresh = TokenService.NewRefreshToken();
        await users.StoreRefreshTokenAsync(user.Id, Guid.CreateVersion7(), refresh, cancellationToken);
        return new TokenResponse(access, "Bearer", (int)(expiresAt - DateTimeOffset.UtcNow).TotalSeconds, refresh, user.Role);
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Failed login for {Username}")]
        public static partial void LoginFailed(ILogger logger, string username);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "A refresh token was used again after rotation: its whole login was revoked")]
        public static partial void RefreshReused(ILogger logger);
    }
}

/// <param name="DeviceToken">The <c>deviceToken</c> of an earlier login on this device, if the client kept it.</param>
public sealed record LoginRequest(string? Username, string? Password, string? DeviceToken = null);

public sealed record RefreshRequest(string? RefreshToken);

/// <param name="DeviceToken">Given at login: keep it and send it with the next login from this device, which then is
/// not held up by failed attempts made elsewhere.</param>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string RefreshToken, string Role, string? DeviceToken = null);

/// <param name="Locations">The locations the account works at; <paramref name="AllLocations"/> when it works at every one.</param>
public sealed record Me(string Id, string Username, string Role, IReadOnlyList<string> Locations, bool AllLocations);

/// <param name="Locations">Where a manager or prep cook works (required for them, unless <paramref name="AllLocations"/>).</param>
public sealed record NewUserRequest(string? Username, string? DisplayName, string? Role, string? Password, IReadOnlyList<string?>? Locations = null, bool? AllLocations = null);

/// <param name="Locations">Replaces the account's locations when given.</param>
public sealed record UpdateUserRequest(string? DisplayName, string? Role, bool? Active, string? Password, IReadOnlyList<string?>? Locations = null, bool? AllLocations = null);

public sealed record UserView(Guid Id, string Username, string DisplayName, string Role, bool Active, IReadOnlyList<string> Locations, bool AllLocations)
{
    public static UserView From(PrepUser user) => new(user.Id, user.Username, user.DisplayName, user.Role, user.Active, user.Locations, user.AllLocations);
}
