using System.ComponentModel.DataAnnotations;

namespace Orbital.Prep.Auth;

/// <summary>Section <c>Auth</c>. The signing key comes from configuration (in development the AppHost's secret parameter).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>HMAC-SHA256 key for access tokens, at least 32 bytes of UTF-8.</summary>
    [Required(ErrorMessage = "Auth:SigningKey is not set: Prep cannot issue or check tokens without it.")]
    [MinLength(32, ErrorMessage = "Auth:SigningKey must be at least 32 characters.")]
    public string SigningKey { get; set; } = string.Empty;

    public string Issuer { get; set; } = "orbital-prep";

    public string Audience { get; set; } = "orbital-prep";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Failed-or-not login attempts allowed per username per <see cref="LoginWindow"/>.</summary>
    [Range(1, 1000)]
    public int LoginAttemptsPerWindow { get; set; } = 5;

    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The admin created on first start when there are no users at all.</summary>
    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();
}

public sealed class BootstrapAdminOptions
{
    public string Username { get; set; } = "admin";

    public string Password { get; set; } = string.Empty;
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Manager = "manager";
    public const string PrepCook = "prep_cook";

    public static readonly string[] All = [Admin, Manager, PrepCook];
}

/// <summary>Who may do what: admins everything, managers the kitchen's set-up, prep cooks the daily work.</summary>
public static class PrepPolicies
{
    public const string Admin = "admin";
    public const string Manager = "manager";
    public const string Kitchen = "kitchen";
}
