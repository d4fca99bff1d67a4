using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Orbital.Scheduling.Dashboard;

/// <summary>
/// Pages for operators that a browser opens (a service's jobs at <c>/jobs</c>, Batch's operations page at
/// <c>/operations</c>), behind a sign-in form: the username and password go to the staff accounts' authority (Prep),
/// and the access and refresh tokens it answers are kept in HttpOnly, SameSite=Strict cookies limited to the pages' area
/// for the browser's session. An expired access token is refreshed with the refresh cookie. Only admins and managers of
/// every location get past it; nothing else of the service accepts these cookies.
/// </summary>
public static class OperatorSignIn
{
    private const int MaxFormBytes = 8 * 1024;
    private const string RenewedTokenKey = "orbital:renewed-access-token";

    /// <summary>
    /// The signed-in operator's access token, to call another service on their behalf: renewed during this request, sent
    /// as the bearer header, or kept in the area's cookie.
    /// </summary>
    public static string? AccessToken(HttpContext context, PathString area)
    {
        if (context.Items.TryGetValue(RenewedTokenKey, out var renewed) && renewed is string token)
        {
            return token;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return context.Request.Cookies[OperatorCookies.AccessName(area, context.RequestServices.GetRequiredService<IHostEnvironment>())];
    }

    /// <summary>Sign-in for the pages under <paramref name="area"/>: the authority's client, and the access cookie read there.</summary>
    public static IHostApplicationBuilder AddOperatorSignIn(this IHostApplicationBuilder builder, PathString area)
    {
        builder.Services.AddOptions<OperatorSignInOptions>()
            .BindConfiguration(OperatorSignInOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(new AccessTokenCookie(area, OperatorCookies.AccessName(area, builder.Environment)));
        if (!builder.Services.Any(s => s.ServiceType == typeof(StaffSignIn)))
        {
            // Sent once, never retried by the client: a login retried spends the person's attempts (and a 429 would be
            // waited out behind the form), a refresh retried after a lost answer reuses a spent token and ends the session.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers
            builder.Services.AddHttpClient<StaffSignIn>((services, http) =>
                {
                    var authority = services.GetRequiredService<IOptions<OperatorSignInOptions>>().Value.SignInAuthority!.AbsoluteUri;
                    http.BaseAddress = new Uri(authority.EndsWith('/') ? authority : authority + "/");
                    http.Timeout = TimeSpan.FromSeconds(15);
                })
                .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        }

        return builder;
    }

    /// <summary>
    /// A request under <paramref name="area"/>: its sign-in and sign-out pages, or, for an operator signed in (or whose
    /// session was just renewed), <paramref name="signedIn"/>. Runs after authentication, before authorization.
    /// </summary>
    public static async Task HandleAsync(HttpContext context, PathString area, string title, RequestDelegate signedIn)
    {
        context.Request.Path.StartsWithSegments(area, out var rest);
        var cookies = new OperatorCookies(context, area, context.RequestServices.GetRequiredService<IHostEnvironment>());
        if (rest == "/login")
        {
            await SignInAsync(context, area, title, cookies);
            return;
        }

        if (rest == "/logout")
        {
            await SignOutAsync(context, area, title, cookies);
            return;
        }

        if (context.User.Identity?.IsAuthenticated != true && !await RefreshAsync(context, cookies))
        {
            // A browser opening a page goes to the form; a script's fetch or an API client gets a problem.
            if (HttpMethods.IsGet(context.Request.Method) && WantsPage(context))
            {
                context.Response.Redirect($"{area}/login?returnUrl={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
            }
            else
            {
                await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in first",
                    detail: $"Send an access token, or sign in at {area}/login.").ExecuteAsync(context);
            }

            return;
        }

        if (!EveryLocationOperators.MayRead(context.User))
        {
            if (WantsPage(context))
            {
                await OperatorPages.WriteAsync(context, StatusCodes.Status403Forbidden, OperatorPages.NoAccess(area, title, context.User));
            }
            else
            {
                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "For admins and managers of every location",
                    detail: "This account works at some locations only, or is not a manager.").ExecuteAsync(context);
            }

            return;
        }

        await signedIn(context);
    }

    private static bool WantsPage(HttpContext context) =>
        context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private static async Task SignInAsync(HttpContext context, PathString area, string title, OperatorCookies cookies)
    {
        var returnUrl = LocalReturnUrl(area, context.Request.Query["returnUrl"]);
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await OperatorPages.WriteAsync(context, StatusCodes.Status200OK, OperatorPages.SignIn(area, title, returnUrl, username: null, problem: null));
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, POST";
            return;
        }

        if (await ReadFormAsync(context) is not { } form)
        {
            return;
        }

        var username = form["username"].ToString();
        var password = form["password"].ToString();
        returnUrl = LocalReturnUrl(area, form["returnUrl"]);
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password))
        {
            await OperatorPages.WriteAsync(context, StatusCodes.Status400BadRequest, OperatorPages.SignIn(area, title, returnUrl, username, "Enter your username and password."));
            return;
        }

        if (username.Any(char.IsControl))
        {
            await OperatorPages.WriteAsync(context, StatusCodes.Status400BadRequest, OperatorPages.SignIn(area, title, returnUrl, null, "A username has no control characters."));
            return;
        }

        var answer = await context.RequestServices.GetRequiredService<StaffSignIn>().LogInAsync(username, password, context.RequestAborted);
        if (!answer.Succeeded)
        {
            var problem = answer.RetryAfter is { } wait ? $"{answer.Problem}: try again in {Math.Ceiling(wait.TotalSeconds)} s." : answer.Problem;
            if (answer.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var status = answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests or HttpStatusCode.BadRequest
                ? (int)answer.Status
                : StatusCodes.Status503ServiceUnavailable;
            await OperatorPages.WriteAsync(context, status, OperatorPages.SignIn(area, title, returnUrl, username, problem));
            return;
        }

        cookies.Keep(answer);
        context.Response.Redirect(returnUrl);
    }

    private static async Task SignOutAsync(HttpContext context, PathString area, string title, OperatorCookies cookies)
    {
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await OperatorPages.WriteAsync(context, StatusCodes.Status200OK, OperatorPages.SignOut(area, title, context.User));
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, POST";
            return;
        }

        if (await ReadFormAsync(context) is null)
        {
            return;
        }

        if (cookies.RefreshToken is { } refreshToken)
        {
            await context.RequestServices.GetRequiredService<StaffSignIn>().LogOutAsync(refreshToken, context.RequestAborted);
        }

        cookies.Forget();
        context.Response.Redirect($"{area}/login");
    }

    /// <summary>
    /// A new access token from the refresh cookie (kept in the cookies); the request then goes on as that token's user.
    /// </summary>
    private static async Task<bool> RefreshAsync(HttpContext context, OperatorCookies cookies)
    {
        if (cookies.RefreshToken is not { Length: > 0 and <= 1024 } refreshToken)
        {
            return false;
        }

        var answer = await context.RequestServices.GetRequiredService<StaffSignIn>().RefreshAsync(refreshToken, context.RequestAborted);
        if (!answer.Succeeded)
        {
            cookies.Forget();
            return false;
        }

        cookies.Keep(answer);
        context.Items[RenewedTokenKey] = answer.AccessToken;
        // Authentication ran once for this request already (and caches its answer): the new token is checked here with
        // the same handler and parameters. The account itself was just checked by the authority that refreshed it.
        var jwt = context.RequestServices.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        var result = await jwt.TokenHandlers[0].ValidateTokenAsync(answer.AccessToken, jwt.TokenValidationParameters);
        if (!result.IsValid)
        {
            return false;
        }

        context.User = new ClaimsPrincipal(result.ClaimsIdentity);
        return true;
    }

    /// <summary>
    /// The posted form, or null once the response says why not: small (a username and a password), sent from this site
    /// (a page elsewhere cannot sign a browser in or out: its Origin differs).
    /// </summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return null;
        }

        if (!context.Request.HasFormContentType)
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return null;
        }

        if (context.Request.ContentLength is null or > MaxFormBytes)
        {
            context.Response.StatusCode = context.Request.ContentLength is null ? StatusCodes.Status411LengthRequired : StatusCodes.Status413PayloadTooLarge;
            return null;
        }

        var reader = new FormFeature(context.Request, new FormOptions { ValueCountLimit = 8, ValueLengthLimit = 2048, KeyLengthLimit = 64 });
        try
        {
            return await reader.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return null;
        }
    }

    /// <summary>Where to go after signing in: a page of this area only, so the form cannot send anyone elsewhere.</summary>
    private static string LocalReturnUrl(PathString area, string? returnUrl) =>
        returnUrl is { Length: <= 2048 } url
        && (url == area.Value || url.StartsWith($"{area}/", StringComparison.Ordinal) || url.StartsWith($"{area}?", StringComparison.Ordinal))
        && !url.Contains('\\', StringComparison.Ordinal) && !url.Any(char.IsControl)
            ? url
            : area.Value!;
}
