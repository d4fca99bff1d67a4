using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Orbital.Contracts;

namespace Orbital.Tests.Infrastructure;

/// <summary>The prep app on a tablet-sized headless browser, signed in through its own form.</summary>
public static class PrepTablet
{
    public static async Task<HeadlessBrowser> SignInAsync(OrbitalAppFixture orbital, string username, string password, (int Width, int Height) size)
    {
        var tablet = await HeadlessBrowser.OpenAsync(orbital.App.GetEndpoint(ResourceNames.PrepService, "http"), size, touch: true);
        await tablet.Page.Locator("#username").FillAsync(username);
        await tablet.Page.Locator("#password").FillAsync(password);
        await tablet.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(tablet.Page.Locator("#who")).ToContainTextAsync(username);
        // Signed in and its first screen loaded: a hash changed before then would be overtaken by that first screen.
        await Assertions.Expect(tablet.Page.Locator("body[data-ready=true]")).ToHaveCountAsync(1);
        return tablet;
    }
}
