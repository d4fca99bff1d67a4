using Hangfire;
using Hangfire.Dashboard;
using Orbital.Prep.Auth;
using Orbital.Scheduling;

namespace Orbital.Prep.Reports;

/// <summary>
/// The Hangfire dashboard at <c>/hangfire</c>, for admins only. A browser cannot send a bearer header, so the token may
/// come once as <c>?access_token=</c>; it is then kept in an HttpOnly cookie limited to the dashboard's path. The
/// dashboard is built on the first request after the job server has started (it needs the job storage).
/// </summary>
public static class JobsDashboard
{
    public const string CookieName = "orbital_jobs_token";

    public static void UseJobsDashboard(this WebApplication app)
    {
        var gate = new Lock();
        RequestDelegate? dashboard = null;
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(AuthExtensions.DashboardPath))
            {
                await next(context);
                return;
            }

            if (context.User.Identity?.IsAuthenticated != true)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            if (!context.User.IsInRole(StaffRoles.Admin))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }

            if (context.Request.Query["access_token"] is { Count: 1 } token)
            {
                context.Response.Cookies.Append(CookieName, token.ToString(), new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Path = AuthExtensions.DashboardPath,
                    Secure = context.Request.IsHttps,
                });
            }

            var storage = context.RequestServices.GetRequiredService<ScheduledJobs>().Storage;
            if (storage is null)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            lock (gate)
            {
                if (dashboard is null)
                {
                    var branch = ((IApplicationBuilder)app).New();
                    branch.UseHangfireDashboard(AuthExtensions.DashboardPath, new DashboardOptions
                    {
                        Authorization = [new AdminOnly()],
                        DashboardTitle = "Orbital Prep jobs",
                        AppPath = null,
                    }, storage);
                    dashboard = branch.Build();
                }
            }

            await dashboard(context);
        });
    }

    private sealed class AdminOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(StaffRoles.Admin);
    }
}
