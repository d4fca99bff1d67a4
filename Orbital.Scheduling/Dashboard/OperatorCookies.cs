using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Orbital.Scheduling.Dashboard;

/// <summary>
/// An operator's session on a service's pages under one area (<c>/jobs</c>): the access and refresh tokens in HttpOnly,
/// SameSite=Strict cookies limited to the area, with no expiry (they end with the browser's session). Named per area and
/// service, because browsers share cookies between the ports of one host: signing out of one leaves another alone.
/// </summary>
public sealed class OperatorCookies(HttpContext context, PathString area, IHostEnvironment environment)
{
    public static string AccessName(PathString area, IHostEnvironment environment) =>
        $"orbital_{Name(area.Value!)}_{Name(environment.ApplicationName)}";

    private static string Name(string text) => new([.. text.Trim('/').ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);

    private string Access => AccessName(area, environment);

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
        Path = area,
        Secure = context.Request.IsHttps,
        IsEssential = true,
    };
}
