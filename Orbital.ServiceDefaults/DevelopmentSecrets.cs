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
    public const string AdminPassword = "orbital-dev-admin";

    /// <summary>The development token key pair (ECDSA P-256): the private key Prep signs with, the public key others check with.</summary>
    public const string SigningKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjm6FR3AwNNmWsUKg
        OtydY8LftUV5IY431EqLC6q83mWhRANCAATDFlfngX0iYoRk4YMKxl6pPVxa+g1D
        HNpbfN0twI8qJqlWsiUmTFFb0OxSgUysh2Hkbdrbj+N6wV1MrsV4I7Me
        -----END PRIVATE KEY-----
        """;

    public const string VerificationKey = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwxZX54F9ImKEZOGDCsZeqT1cWvoN
        QxzaW3zdLcCPKiapVrIlJkxRW9DsUoFMrIdh5G3a24/jesFdTK7FeCOzHg==
        -----END PUBLIC KEY-----
        """;

    private static readonly FrozenSet<string> Known = FrozenSet.Create(StringComparer.Ordinal, WebhookSecret, Normalised(SigningKey), Normalised(VerificationKey), AdminPassword);

    /// <summary>True when <paramref name="value"/> may be used here: always in Development, elsewhere only if it is not a published value.</summary>
    public static bool Allowed(IHostEnvironment environment, string? value) =>
        environment.IsDevelopment() || value is null || !Known.Contains(Normalised(value));

    /// <summary>A PEM with other line breaks or spacing is the same key.</summary>
    private static string Normalised(string value) => string.Concat(value.Where(c => !char.IsWhiteSpace(c)));
}
