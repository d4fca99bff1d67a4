using System.ComponentModel.DataAnnotations;

namespace Orbital.Prep.Auth;

/// <summary>
/// Section <c>Auth</c>, Prep's part: token lifetimes, login throttling, the first admin. The signing key, issuer and
/// audience are <see cref="AccessTokenOptions"/> (the same section), shared with the services that check the tokens.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Failed logins per <see cref="LoginWindow"/> for one account from devices it never logged in on (and for each device it did).</summary>
    [Range(1, 1000)]
    public int LoginAttemptsPerWindow { get; set; } = 5;

    /// <summary>Failed logins per <see cref="LoginWindow"/> from one client address, whatever the account.</summary>
    [Range(1, 100_000)]
    public int LoginFailuresPerClientPerWindow { get; set; } = 50;

    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The admin created on first start when there are no users at all.</summary>
    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();
}

public sealed class BootstrapAdminOptions
{
    public string Username { get; set; } = "admin";

    public string Password { get; set; } = string.Empty;
}

/// <summary>Who may do what: admins everything, managers the kitchen's set-up, prep cooks the daily work.</summary>
public static class PrepPolicies
{
    public const string Admin = "admin";
    public const string Manager = "manager";

    /// <summary>A manager or admin who works at every location: for what spans them all, such as dead letters.</summary>
    public const string EveryLocationManager = "manager-of-every-location";
    public const string Kitchen = "kitchen";
}
