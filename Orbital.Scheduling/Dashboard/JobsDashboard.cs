using System.Net;
using System.Security.Claims;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Orbital.Scheduling.Dashboard;

/// <summary>
/// A service's jobs (Hangfire's dashboard) at <c>/jobs</c>, behind a sign-in form: the username and password go to the
/// staff accounts' authority (Prep), and the access and refresh tokens it answers are kept in HttpOnly, SameSite=Strict
/// cookies limited to <c>/jobs</c> for the browser's session. An expired access token is refreshed with the refresh
/// cookie. Admins may trigger, retry and delete jobs; managers of every location see them read-only; others are told
/// they have no access. Nothing else of the service accepts these cookies.
/// </summary>
public static class JobsDashboard
{
    public static readonly PathString Path = "/jobs";
    private const int MaxFormBytes = 8 * 1024;

    /// <summary>The dashboard's services; <paramref name="title"/> names the service ("Orbital Orders jobs").</summary>
    public static IHostApplicationBuilder AddJobsDashboard(this IHostApplicationBuilder builder, string title)
    {
        builder.Services.AddOptions<JobsDashboardOptions>()
            .Configure(options => options.Title = title)
            .BindConfiguration(JobsDashboardOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // The storage itself is created by ScheduledJobs once PostgreSQL answers; the dashboard needs Hangfire's services.
        builder.Services.AddHangfire(_ => { });
        builder.Services.AddSingleton(new AccessTokenCookie(Path, JobsCookies.AccessName(builder.Environment)));
        builder.Services.AddHttpClient<StaffSignIn>((services, http) =>
        {
            var authority = services.GetRequiredService<IOptions<JobsDashboardOptions>>().Value.SignInAuthority!.AbsoluteUri;
            http.BaseAddress = new Uri(authority.EndsWith('/') ? authority : authority + "/");
        });
        return builder;
    }

    /// <summary>After authentication (which reads the access cookie under <c>/jobs</c>), before authorization (the sign-in form is for anyone).</summary>
    public static void UseJobsDashboard(this WebApplication app)
    {
        var gate = new Lock();
        RequestDelegate? dashboard = null;
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(Path, out var rest))
            {
                await next(context);
                return;
            }

            var options = context.RequestServices.GetRequiredService<IOptions<JobsDashboardOptions>>().Value;
            var cookies = new JobsCookies(context, app.Environment);
            if (rest == "/login")
            {
                await SignInAsync(context, options, cookies);
                return;
            }

            if (rest == "/logout")
            {
                await SignOutAsync(context, options, cookies);
                return;
            }

            if (context.User.Identity?.IsAuthenticated != true && !await RefreshAsync(context, cookies))
            {
                if (HttpMethods.IsGet(context.Request.Method))
                {
                    context.Response.Redirect($"{Path}/login?returnUrl={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
                }
                else
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }

                return;
            }

            if (!JobsAccess.MayRead(context.User))
            {
                await JobsPages.WriteAsync(context, StatusCodes.Status403Forbidden, JobsPages.NoAccess(options.Title, context.User));
                return;
            }

            var storage = context.RequestServices.GetRequiredService<ScheduledJobs>().Storage;
            if (storage is null)
            {
                context.Response.Headers.RetryAfter = "5";
                await JobsPages.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, JobsPages.NotStarted(options.Title));
                return;
            }

            lock (gate)
            {
                if (dashboard is null)
                {
                    var branch = ((IApplicationBuilder)app).New();
                    branch.UseHangfireDashboard(Path, new DashboardOptions
                    {
                        Authorization = [new MayRead()],
                        IsReadOnlyFunc = dashboardContext => !JobsAccess.MayChange(dashboardContext.GetHttpContext().User),
                        DashboardTitle = options.Title,
                        // Hangfire's "back to site" link: here, the page to sign out.
                        AppPath = $"{Path}/logout",
                    }, storage);
                    dashboard = branch.Build();
                }
            }

            await dashboard(context);
        });
    }

    private static async Task SignInAsync(HttpContext context, JobsDashboardOptions options, JobsCookies cookies)
    {
        var returnUrl = LocalReturnUrl(context.Request.Query["returnUrl"]);
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await JobsPages.WriteAsync(context, StatusCodes.Status200OK, JobsPages.SignIn(options.Title, returnUrl, username: null, problem: null));
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
        returnUrl = LocalReturnUrl(form["returnUrl"]);
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password))
        {
            await JobsPages.WriteAsync(context, StatusCodes.Status400BadRequest, JobsPages.SignIn(options.Title, returnUrl, username, "Enter your username and password."));
            return;
        }

        if (username.Any(char.IsControl))
        {
            await JobsPages.WriteAsync(context, StatusCodes.Status400BadRequest, JobsPages.SignIn(options.Title, returnUrl, null, "A username has no control characters."));
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
            await JobsPages.WriteAsync(context, status, JobsPages.SignIn(options.Title, returnUrl, username, problem));
            return;
        }

        cookies.Keep(answer);
        context.Response.Redirect(returnUrl);
    }

    private static async Task SignOutAsync(HttpContext context, JobsDashboardOptions options, JobsCookies cookies)
    {
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await JobsPages.WriteAsync(context, StatusCodes.Status200OK, JobsPages.SignOut(options.Title, context.User));
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
        context.Response.Redirect($"{Path}/login");
    }

    /// <summary>
    /// A new access token from the refresh cookie (kept in the cookies); the request then goes on as that token's user.
    /// </summary>
    private static async Task<bool> RefreshAsync(HttpContext context, JobsCookies cookies)
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

    /// <summary>Where to go after signing in: a page of this dashboard only, so the form cannot send anyone elsewhere.</summary>
    private static string LocalReturnUrl(string? returnUrl) =>
        returnUrl is { Length: <= 2048 } url
        && (url == Path.Value || url.StartsWith($"{Path}/", StringComparison.Ordinal) || url.StartsWith($"{Path}?", StringComparison.Ordinal))
        && !url.Contains('\\', StringComparison.Ordinal) && !url.Any(char.IsControl)
            ? url
            : Path.Value!;

    private sealed class MayRead : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => JobsAccess.MayRead(context.GetHttpContext().User);
    }
}
