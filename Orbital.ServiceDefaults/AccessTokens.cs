using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Section <c>Auth</c>: what every service needs to check Orbital's access tokens. The Prep service issues them (it
/// holds the users) with an ECDSA P-256 private key that only it has (<see cref="SigningKey"/>); every other service
/// checks them with the public key (<see cref="VerificationKey"/>), so nothing but Prep can mint a token.
/// </summary>
public sealed class AccessTokenOptions
{
    public const string SectionName = "Auth";

    /// <summary>PEM of the ECDSA P-256 private key tokens are signed with: set for the issuing service only.</summary>
    public string? SigningKey { get; set; }

    /// <summary>PEM of the matching public key: what a service that only checks tokens is given.</summary>
    public string? VerificationKey { get; set; }

    public string Issuer { get; set; } = "orbital-prep";

    public string Audience { get; set; } = "orbital-prep";

    /// <summary>What is wrong with the keys, or null: one of them is set and each that is set is a P-256 key.</summary>
    public string? Problem()
    {
        if (string.IsNullOrWhiteSpace(SigningKey) && string.IsNullOrWhiteSpace(VerificationKey))
        {
            return "Neither Auth:SigningKey nor Auth:VerificationKey is set: access tokens cannot be checked without a key.";
        }

        foreach (var (name, pem) in new[] { ("Auth:SigningKey", SigningKey), ("Auth:VerificationKey", VerificationKey) })
        {
            if (string.IsNullOrWhiteSpace(pem))
            {
                continue;
            }

            try
            {
                using var key = ECDsa.Create();
                key.ImportFromPem(pem);
                if (key.KeySize != 256)
                {
                    return $"{name} must be an ECDSA P-256 key, not {key.KeySize} bits.";
                }
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                return $"{name} is not a PEM ECDSA P-256 key: {ex.Message}";
            }
        }

        return null;
    }
}

/// <summary>Staff roles carried in access tokens.</summary>
public static class StaffRoles
{
    public const string Admin = "admin";
    public const string Manager = "manager";
    public const string PrepCook = "prep_cook";

    public static readonly string[] All = [Admin, Manager, PrepCook];
}

/// <summary>
/// Where a member of staff works, carried in access tokens: one <see cref="Location"/> claim per location (Prep's
/// locations are the setup's kitchens), or <see cref="AllLocations"/> for admins and area managers.
/// </summary>
public static class StaffClaims
{
    public const string Location = "orbital:location";
    public const string AllLocations = "orbital:all-locations";
}

/// <summary>
/// A page a browser opens (a service's jobs dashboard) cannot send a bearer header: after signing in there, its token is
/// kept in the HttpOnly cookie <see cref="Name"/>, limited to <see cref="Path"/>. It is read only under that path and only
/// when no <c>Authorization</c> header is sent, so a bad header is not rescued by the cookie.
/// </summary>
public sealed record AccessTokenCookie(PathString Path, string Name);

public static class AccessTokenExtensions
{
    /// <summary>The private key, for the issuer's signatures (ES256).</summary>
    public static SigningCredentials SigningCredentials(this AccessTokenOptions options)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(options.SigningKey ?? throw new InvalidOperationException("Auth:SigningKey is not set: this service cannot issue tokens."));
        return new SigningCredentials(new ECDsaSecurityKey(key), SecurityAlgorithms.EcdsaSha256);
    }

    /// <summary>The public key tokens are checked with: the verification key, or the public half of the signing key.</summary>
    public static ECDsaSecurityKey VerificationSecurityKey(this AccessTokenOptions options)
    {
        var key = ECDsa.Create();
        if (!string.IsNullOrWhiteSpace(options.VerificationKey))
        {
            key.ImportFromPem(options.VerificationKey);
        }
        else
        {
            using var full = ECDsa.Create();
            full.ImportFromPem(options.SigningKey);
            key.ImportParameters(full.ExportParameters(includePrivateParameters: false));
        }

        return new ECDsaSecurityKey(key);
    }

    /// <summary>
    /// JWT bearer authentication for Orbital's access tokens: ES256 only (so unsigned <c>alg: none</c> tokens, HMAC tokens
    /// "signed" with the public key and other algorithms are refused), issuer, audience and expiry checked, claims kept
    /// under their own names.
    /// </summary>
    public static OptionsBuilder<JwtBearerOptions> AddAccessTokenAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccessTokenOptions>().BindConfiguration(AccessTokenOptions.SectionName)
            .Validate(options => options.Problem() is null, "Auth:SigningKey / Auth:VerificationKey: missing or not a PEM ECDSA P-256 key.")
            .Validate<IHostEnvironment>((options, environment) =>
                    DevelopmentSecrets.Allowed(environment, options.SigningKey) && DevelopmentSecrets.Allowed(environment, options.VerificationKey),
                "Auth:SigningKey or Auth:VerificationKey is the development key pair published with Orbital; outside the Development environment set a key pair of your own.")
            .ValidateOnStart();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        return builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AccessTokenOptions>>((jwt, tokens) =>
            {
                var settings = tokens.Value;
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidAudience = settings.Audience,
                    IssuerSigningKey = settings.VerificationSecurityKey(),
                    ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = "name",
                    RoleClaimType = "role",
                };
                jwt.Events = new JwtBearerEvents { OnMessageReceived = ReadTokenCookie };
            });
    }

    private static Task ReadTokenCookie(MessageReceivedContext context)
    {
        if (context.Request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            return Task.CompletedTask;
        }

        foreach (var cookie in context.HttpContext.RequestServices.GetServices<AccessTokenCookie>())
        {
            if (context.Request.Path.StartsWithSegments(cookie.Path) && context.Request.Cookies.TryGetValue(cookie.Name, out var token))
            {
                context.Token = token;
                break;
            }
        }

        return Task.CompletedTask;
    }
}
