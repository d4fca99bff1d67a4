using Microsoft.Net.Http.Headers;

namespace Orbital.Prep.App;

/// <summary>
/// The prep app for tablets, served from <c>wwwroot</c> at <c>/</c>: plain HTML and JavaScript that signs in with
/// <c>/auth</c> and uses Prep's API with the same tokens as any client. Its pages may load only this site's scripts and
/// styles and may not be framed, so injected markup cannot run and a page elsewhere cannot put the app in a frame.
/// </summary>
public static class PrepApp
{
    public static void UsePrepApp(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                if (context.File.Name.EndsWith(".html", StringComparison.Ordinal))
                {
                    headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
                }

                // A new version of the app is picked up at the next load, not after a cache's lifetime.
                headers[HeaderNames.CacheControl] = "no-cache";
            },
        });
    }
}
