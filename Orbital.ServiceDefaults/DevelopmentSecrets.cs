using System.Collections.Frozen;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The development values of Orbital's secrets, published in the README and in the AppHost's
/// <c>appsettings.Development.json</c>. In development they are what makes <c>./run.sh</c> work at once; anywhere else
/// they are no secret at all (a token signed with the README's key would be admin everywhere), so a service outside
/// the Development environment refuses to start with one.
/// </summary>
public static class DevelopmentSecrets
{
    public const string WebhookSecret = "orbital-dev-webhook-secret";
    public const string SigningKey = "orbital-dev-prep-signing-key-change-me-0123456789";
    public const string AdminPassword = "orbital-dev-admin";

    private static readonly FrozenSet<string> Known = FrozenSet.Create(StringComparer.Ordinal, WebhookSecret, SigningKey, AdminPassword);

    /// <summary>True when <paramref name="value"/> may be used here: always in Development, elsewhere only if it is not a published value.</summary>
    public static bool Allowed(IHostEnvironment environment, string? value) =>
        environment.IsDevelopment() || value is null || !Known.Contains(value);
}
