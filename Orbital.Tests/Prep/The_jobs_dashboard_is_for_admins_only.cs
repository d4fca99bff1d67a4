using System.Net;
using System.Net.Http.Headers;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

[Collection(OrbitalCollection.Name)]
public sealed class The_jobs_dashboard_is_for_admins_only(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Admins_see_the_Hangfire_dashboard_managers_get_403_and_strangers_401()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("admin");
        using var manager = await orbital.SignedInAsync("manager");
        using var stranger = orbital.Anonymous();

        using var asAdmin = await admin.GetAsync("/hangfire", cancellationToken);
        using var asManager = await manager.GetAsync("/hangfire", cancellationToken);
        using var asStranger = await stranger.GetAsync("/hangfire", cancellationToken);
        using var withQueryToken = await stranger.GetAsync($"/hangfire/recurring?access_token={admin.DefaultRequestHeaders.Authorization!.Parameter}", cancellationToken);

        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Contains("Orbital Prep jobs", await asAdmin.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, asManager.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, asStranger.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withQueryToken.StatusCode);
        Assert.Contains("prep-list-report:", await withQueryToken.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
    }
}
