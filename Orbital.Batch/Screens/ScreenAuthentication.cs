using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Orbital.Batch.Screens;

/// <summary>
/// Authenticates a paired kitchen screen by its device credential: the <c>orbital-screen</c> cookie a browser got when
/// it was paired (an HttpOnly cookie, so the page's scripts never see it, and sent by <c>EventSource</c> too), or
/// <c>Authorization: Screen &lt;credential&gt;</c> from a screen that is not a browser.
/// </summary>
public sealed class ScreenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ScreenDevices devices)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Screen";
    public const string CookieName = "orbital-screen";

    /// <summary>Claims of a paired screen: its device id, and the kitchen (and station) it was paired for.</summary>
    public const string DeviceClaim = "orbital:screen";
    public const string KitchenClaim = "orbital:kitchen";
    public const string StationClaim = "orbital:station";

    /// <summary>A credential is the device id and its secret: "{id:N}.{secret}", 76 characters.</summary>
    private const int MaxCredentialLength = 128;

    public static string Credential(ScreenDevice device, string secret) => $"{device.Id:N}.{secret}";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var credential = Request.Headers.Authorization.ToString() is { } header && header.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase)
            ? header[(SchemeName.Length + 1)..].Trim()
            : Request.Cookies[CookieName];
        if (string.IsNullOrEmpty(credential))
        {
            return AuthenticateResult.NoResult();
        }

        if (credential.Length > MaxCredentialLength || credential.Split('.') is not [var id, var secret] || !Guid.TryParseExact(id, "N", out var deviceId))
        {
            return AuthenticateResult.Fail("Not a screen credential.");
        }

        if (await devices.AuthenticateAsync(deviceId, secret, Context.RequestAborted) is not { } device)
        {
            return AuthenticateResult.Fail("This screen is not paired (any more): pair it again with a code from a manager.");
        }

        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, $"screen {device.Name}"));
        identity.AddClaim(new Claim(DeviceClaim, device.Id.ToString("N")));
        identity.AddClaim(new Claim(KitchenClaim, device.KitchenId));
        if (device.StationId is not null)
        {
            identity.AddClaim(new Claim(StationClaim, device.StationId));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
