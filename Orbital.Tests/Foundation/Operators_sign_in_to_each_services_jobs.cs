using System.Net;
using Aspire.Hosting.Testing;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// Every service shows its jobs at /jobs behind a sign-in form with Prep's staff accounts; the session lives in HttpOnly,
/// SameSite=Strict cookies for /jobs only, never in the address.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Operators_sign_in_to_each_services_jobs(OrbitalAppFixture orbital)
{
    public static TheoryData<string, string, string> Services => new()
    {
        { ResourceNames.OrdersService, "Orbital Orders jobs", "missed-order-recovery" },
        { ResourceNames.BatchService, "Orbital Batch jobs", "session-data-sync" },
        { ResourceNames.PrepService, "Orbital Prep jobs", "pars-sync" },
    };

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [MemberData(nameof(Services))]
    public async Task An_admin_signs_in_with_the_form_sees_the_services_jobs_and_signs_out(string service, string title, string job)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var browser = Browser(service, out var cookies);

        using var first = await browser.GetAsync("/jobs/recurring", cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/jobs/login?returnUrl=%2Fjobs%2Frecurring", first.Headers.Location?.OriginalString);

        using var form = await browser.GetAsync("/jobs/login?returnUrl=%2Fjobs%2Frecurring", cancellationToken);
        var page = await form.Content.ReadAsStringAsync(cancellationToken);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Contains(title, page, StringComparison.Ordinal);
        Assert.Contains("<form method=\"post\" action=\"/jobs/login\">", page, StringComparison.Ordinal);
        Assert.Contains("type=\"password\"", page, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", form.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        using var signedIn = await SignInAsync(browser, PrepAccess.AdminUsername, PrepAccess.AdminPassword, "/jobs/recurring", cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/jobs/recurring", signedIn.Headers.Location?.OriginalString);
        var setCookies = signedIn.Headers.GetValues("Set-Cookie").ToList();
        Assert.Equal(2, setCookies.Count);
        Assert.All(setCookies, cookie =>
        {
            Assert.StartsWith($"orbital_jobs_orbital_{service}", cookie, StringComparison.Ordinal);
            Assert.Contains("path=/jobs", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("expires", cookie, StringComparison.OrdinalIgnoreCase);
        });

        var jobs = await Poll.UntilAsync(async ct =>
        {
            using var response = await browser.GetAsync("/jobs/recurring", ct);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync(ct) : null;
        }, value => value is not null, OrbitalAppFixture.WaitTimeout, $"{service}'s jobs page");
        Assert.Contains(job, jobs, StringComparison.Ordinal);
        Assert.Contains(title, jobs, StringComparison.Ordinal);

        // The session's cookies open the jobs and nothing else of the service.
        using var elsewhere = new HttpRequestMessage(HttpMethod.Get, "/dead-letters");
        elsewhere.Headers.Add("Cookie", cookies.GetCookieHeader(new Uri(browser.BaseAddress!, "/jobs")));
        using var cookieElsewhere = await browser.SendAsync(elsewhere, cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, cookieElsewhere.StatusCode);

        using var signOut = await browser.PostAsync("/jobs/logout", new FormUrlEncodedContent([]), cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Empty(cookies.GetCookies(new Uri(browser.BaseAddress!, "/jobs")));
        using var afterSignOut = await browser.GetAsync("/jobs/recurring", cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, afterSignOut.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_wrong_password_is_shown_on_the_form_and_sets_no_cookie()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (username, _) = await orbital.NewStaffAsync("manager");
        using var browser = Browser(ResourceNames.OrdersService, out var cookies);

        using var wrong = await SignInAsync(browser, username, "not-the-password", "/jobs", cancellationToken);
        var page = await wrong.Content.ReadAsStringAsync(cancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("Wrong username or password", page, StringComparison.Ordinal);
        Assert.Contains($"value=\"{username}\"", page, StringComparison.Ordinal);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.Empty(cookies.GetAllCookies());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_manager_of_every_location_reads_the_jobs_without_changing_them_and_a_prep_cook_is_refused()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (manager, managerPassword) = await orbital.NewStaffAsync("manager");
        var (localManager, localPassword) = await orbital.NewStaffAsync("manager", "london");
        var (cook, cookPassword) = await orbital.NewStaffAsync("prep_cook");

        var asAdmin = await JobsPageAsAsync(PrepAccess.AdminUsername, PrepAccess.AdminPassword, cancellationToken);
        var asManager = await JobsPageAsAsync(manager, managerPassword, cancellationToken);
        var asLocalManager = await JobsPageAsAsync(localManager, localPassword, cancellationToken);
        var asCook = await JobsPageAsAsync(cook, cookPassword, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, asAdmin.Status);
        Assert.Contains("Trigger now", asAdmin.Page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, asManager.Status);
        Assert.Contains(CustomerSyncJob, asManager.Page, StringComparison.Ordinal);
        Assert.DoesNotContain("Trigger now", asManager.Page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, asLocalManager.Status);
        Assert.Equal(HttpStatusCode.Forbidden, asCook.Status);
        Assert.Contains("this is for admins and managers of every location", asCook.Page, StringComparison.Ordinal);

        // Read-only is enforced, not only hidden: a manager's trigger is refused (Hangfire answers 401 to a command it does not allow).
        using var browser = Browser(ResourceNames.OrdersService, out _);
        using var signedIn = await SignInAsync(browser, manager, managerPassword, "/jobs", cancellationToken);
        using var trigger = await browser.PostAsync("/jobs/recurring/trigger", new FormUrlEncodedContent([new("jobs[]", CustomerSyncJob)]), cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, trigger.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_token_in_the_address_opens_nothing_and_another_site_cannot_sign_a_browser_in()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var browser = Browser(ResourceNames.PrepService, out _);

        using var tokenInAddress = await browser.GetAsync($"/jobs/recurring?access_token={await orbital.AdminTokenAsync()}", cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, tokenInAddress.StatusCode);
        Assert.StartsWith("/jobs/login", tokenInAddress.Headers.Location?.OriginalString, StringComparison.Ordinal);

        using var fromElsewhere = new HttpRequestMessage(HttpMethod.Post, "/jobs/login")
        {
            Content = new FormUrlEncodedContent([new("username", PrepAccess.AdminUsername), new("password", PrepAccess.AdminPassword)]),
        };
        fromElsewhere.Headers.Add("Origin", "https://evil.example");
        using var crossSite = await browser.SendAsync(fromElsewhere, cancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.False(crossSite.Headers.Contains("Set-Cookie"));

        // After signing in, the form goes to a page of the jobs only, never to an address it was given elsewhere.
        using var offSite = await SignInAsync(browser, PrepAccess.AdminUsername, PrepAccess.AdminPassword, "https://evil.example/jobs", cancellationToken);
        Assert.Equal("/jobs", offSite.Headers.Location?.OriginalString);
        using var protocolRelative = await SignInAsync(browser, PrepAccess.AdminUsername, PrepAccess.AdminPassword, "//evil.example/jobs", cancellationToken);
        Assert.Equal("/jobs", protocolRelative.Headers.Location?.OriginalString);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_expired_access_cookie_is_renewed_with_the_refresh_cookie_and_a_forged_one_is_not_a_session()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var browser = Browser(ResourceNames.BatchService, out var cookies);
        using var signedIn = await SignInAsync(browser, PrepAccess.AdminUsername, PrepAccess.AdminPassword, "/jobs", cancellationToken);
        var jobsUri = new Uri(browser.BaseAddress!, "/jobs");
        var access = cookies.GetCookies(jobsUri).Single(c => !c.Name.EndsWith("_refresh", StringComparison.Ordinal));

        // The access token as it is after its 15 minutes: expired, the refresh cookie still there.
        access.Value = PrepAccess.Token(expires: DateTimeOffset.UtcNow.AddMinutes(-5));
        using var renewed = await browser.GetAsync("/jobs/recurring", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Contains(renewed.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith($"{access.Name}=", StringComparison.Ordinal));
        Assert.NotEqual(access.Value, cookies.GetCookies(jobsUri)[access.Name]!.Value);

        using var stranger = Browser(ResourceNames.BatchService, out var strangerCookies);
        strangerCookies.Add(jobsUri, new Cookie(access.Name, PrepAccess.Token(key: PrepAccess.OtherKey), "/jobs"));
        strangerCookies.Add(jobsUri, new Cookie($"{access.Name}_refresh", "guessed-refresh-token", "/jobs"));
        using var forged = await stranger.GetAsync("/jobs/recurring", cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, forged.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_huge_or_non_form_sign_in_is_refused_before_it_is_read()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var browser = Browser(ResourceNames.OrdersService, out _);

        using var huge = await browser.PostAsync("/jobs/login",
            new FormUrlEncodedContent([new("username", "admin"), new("password", new string('x', 20_000))]), cancellationToken);
        using var json = await browser.PostAsync("/jobs/login",
            new StringContent("{\"username\":\"admin\"}", System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        using var nul = await SignInAsync(browser, "ad\0min", "x", "/jobs", cancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
    }

    private const string CustomerSyncJob = "customer-data-sync";

    private async Task<(HttpStatusCode Status, string Page)> JobsPageAsAsync(string username, string password, CancellationToken cancellationToken)
    {
        using var browser = Browser(ResourceNames.OrdersService, out _);
        using var signedIn = await SignInAsync(browser, username, password, "/jobs/recurring", cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return await Poll.UntilAsync(async ct =>
        {
            using var response = await browser.GetAsync("/jobs/recurring", ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }, page => page.Item1 != HttpStatusCode.ServiceUnavailable, OrbitalAppFixture.WaitTimeout, "Orders' jobs page");
    }

    /// <summary>A client that keeps cookies and does not follow redirects, as a browser's network layer seen from the server.</summary>
    private HttpClient Browser(string service, out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = orbital.App.GetEndpoint(service, "http"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        return browser;
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient browser, string username, string password, string returnUrl, CancellationToken cancellationToken) =>
        browser.PostAsync("/jobs/login", new FormUrlEncodedContent([new("username", username), new("password", password), new("returnUrl", returnUrl)]), cancellationToken);
}
