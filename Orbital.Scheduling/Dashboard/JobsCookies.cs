using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Orbital.Scheduling.Dashboard;

/// <summary>
/// The jobs page's session: the access and refresh tokens in HttpOnly, SameSite=Strict cookies limited to <c>/jobs</c>,
/// with no expiry (they end with the browser's session). Named per service, because browsers share cookies between the
/// ports of one host: signing out of one service's jobs leaves another's alone.
/// </summary>
public sealed class JobsCookies(HttpContext context, IHostEnvironment environment)
{
    public static string AccessName(IHostEnvironment environment) =>
        $"orbital_jobs_{new string([.. environment.ApplicationName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')])}";

    private string Access => AccessName(environment);

    private string Refresh => $"{Access}_refresh";

    public string? RefreshToken => context.Request.Cookies[Refresh];

    public void Keep(SignInAnswer answer)
    {
        context.Response.Cookies.Append(Access, answer.AccessToken!, Options());
        context.Response.Cookies.Append(Refresh, answer.RefreshToken!, Options());
    }

    public void Forget()
    {
        context.Response.Cookies.Delete(Access, Options());
        context.Response.Cookies.Delete(Refresh, Options());
    }

    private CookieOptions Options() => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Path = JobsDashboard.Path,
        Secure = context.Request.IsHttps,
        IsEssential = true,
    };
}
