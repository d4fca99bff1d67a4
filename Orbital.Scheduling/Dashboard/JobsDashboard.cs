using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Orbital.Scheduling.Dashboard;

/// <summary>
/// A service's jobs (Hangfire's dashboard) at <c>/jobs</c>, behind <see cref="OperatorSignIn"/>. Admins may trigger,
/// retry and delete jobs; managers of every location see them read-only.
/// </summary>
public static class JobsDashboard
{
    public static readonly PathString Path = "/jobs";

    /// <summary>The dashboard's services; <paramref name="title"/> names the service ("Orbital Orders jobs").</summary>
    public static IHostApplicationBuilder AddJobsDashboard(this IHostApplicationBuilder builder, string title)
    {
        builder.Services.AddSingleton(new JobsDashboardTitle(title));
        // The storage itself is created by ScheduledJobs once PostgreSQL answers; the dashboard needs Hangfire's services.
        builder.Services.AddHangfire(_ => { });
        builder.AddOperatorSignIn(Path);
        return builder;
    }

    /// <summary>After authentication (which reads the access cookie under <c>/jobs</c>), before authorization (the sign-in form is for anyone).</summary>
    public static void UseJobsDashboard(this WebApplication app)
    {
        var gate = new Lock();
        var title = app.Services.GetRequiredService<JobsDashboardTitle>().Title;
        RequestDelegate? dashboard = null;
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(Path))
            {
                await next(context);
                return;
            }

            await OperatorSignIn.HandleAsync(context, Path, title, async signedIn =>
            {
                var storage = signedIn.RequestServices.GetRequiredService<ScheduledJobs>().Storage;
                if (storage is null)
                {
                    signedIn.Response.Headers.RetryAfter = "5";
                    await OperatorPages.WriteAsync(signedIn, StatusCodes.Status503ServiceUnavailable, OperatorPages.NotStarted(Path, title));
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
                            IsReadOnlyFunc = dashboardContext => !EveryLocationOperators.MayChange(dashboardContext.GetHttpContext().User),
                            DashboardTitle = title,
                            // Hangfire's "back to site" link: here, the page to sign out.
                            AppPath = $"{Path}/logout",
                        }, storage);
                        dashboard = branch.Build();
                    }
                }

                await dashboard(signedIn);
            });
        });
    }

    private sealed record JobsDashboardTitle(string Title);

    private sealed class MayRead : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => EveryLocationOperators.MayRead(context.GetHttpContext().User);
    }
}
