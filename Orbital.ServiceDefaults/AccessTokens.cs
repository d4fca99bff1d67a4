using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Section <c>Auth</c>: what every service needs to check Orbital's access tokens. The Prep service issues them (it
/// holds the users); any service with routes for staff checks them the same way, with the same key.
/// </summary>
public sealed class AccessTokenOptions
{
    public const string SectionName = "Auth";

    /// <summary>HMAC-SHA256 key for access tokens, at least 32 bytes of UTF-8.</summary>
    [Required(ErrorMessage = "Auth:SigningKey is not set: access tokens cannot be checked without it.")]
    [MinLength(32, ErrorMessage = "Auth:SigningKey must be at least 32 characters.")]
    public string SigningKey { get; set; } = string.Empty;

    public string Issuer { get; set; } = "orbital-prep";

    public string Audience { get; set; } = "orbital-prep";
}

/// <summary>Staff roles carried in access tokens.</summary>
public static class StaffRoles
{
    public const string Admin = "admin";
    public const string Manager = "manager";
    public const string PrepCook = "prep_cook";

    public static readonly string[] All = [Admin, Manager, PrepCook];
}

public static class AccessTokenExtensions
{
    public static SymmetricSecurityKey SigningKey(this AccessTokenOptions options) => new(Encoding.UTF8.GetBytes(options.SigningKey));

    /// <summary>
    /// JWT bearer authentication for Orbital's access tokens: HS256 only (so unsigned <c>alg: none</c> tokens and other
    /// algorithms are refused), issuer, audience and expiry checked, claims kept under their own names.
    /// </summary>
    public static OptionsBuilder<JwtBearerOptions> AddAccessTokenAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccessTokenOptions>().BindConfiguration(AccessTokenOptions.SectionName).ValidateDataAnnotations()
            .Validate<IHostEnvironment>((options, environment) => DevelopmentSecrets.Allowed(environment, options.SigningKey),
                "Auth:SigningKey is the development key published in the README; outside the Development environment set a secret key of your own.")
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
                    IssuerSigningKey = settings.SigningKey(),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = "name",
                    RoleClaimType = "role",
                };
            });
    }
}
