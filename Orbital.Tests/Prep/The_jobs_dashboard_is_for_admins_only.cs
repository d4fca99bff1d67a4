using System.Net;
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

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_browser_keeps_the_dashboard_open_with_its_cookie_and_a_bad_bearer_is_not_rescued_by_it()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var adminToken = await orbital.AdminTokenAsync();
        using var browser = orbital.Anonymous();

        using var opened = await browser.GetAsync($"/hangfire?access_token={adminToken}", cancellationToken);
        var cookie = Assert.Single(opened.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("orbital_jobs_token=", cookie, StringComparison.Ordinal);
        Assert.Contains("path=/hangfire", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        var sent = cookie.Split(';')[0];
        using var nextPage = new HttpRequestMessage(HttpMethod.Get, "/hangfire/recurring");
        nextPage.Headers.Add("Cookie", sent);
        using var withCookie = await browser.SendAsync(nextPage, cancellationToken);
        using var elsewhere = new HttpRequestMessage(HttpMethod.Get, "/products");
        elsewhere.Headers.Add("Cookie", sent);
        using var cookieElsewhere = await browser.SendAsync(elsewhere, cancellationToken);
        using var withoutCookie = await browser.GetAsync("/hangfire/recurring", cancellationToken);
        using var forgedBearer = new HttpRequestMessage(HttpMethod.Get, "/hangfire/recurring");
        forgedBearer.Headers.Add("Cookie", sent);
        forgedBearer.Headers.Authorization = new("Bearer", PrepAccess.Token(key: PrepAccess.OtherKey));
        using var cookieWithForgedBearer = await browser.SendAsync(forgedBearer, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, withCookie.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, cookieElsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutCookie.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, cookieWithForgedBearer.StatusCode);
    }
}
