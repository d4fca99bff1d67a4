using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Orbital.Prep.Auth;

/// <summary>Short-lived signed access tokens and opaque refresh tokens (only their SHA-256 is stored).</summary>
public sealed class TokenService(IOptions<AuthOptions> options, IOptions<AccessTokenOptions> tokens, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SigningCredentials _credentials = tokens.Value.SigningCredentials();

    public (string Token, DateTimeOffset ExpiresAt) IssueAccessToken(PrepUser user)
    {
        var signing = tokens.Value;
        var now = time.GetUtcNow();
        var expires = now + options.Value.AccessTokenLifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = signing.Issuer,
            Audience = signing.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            // Where the user works, for the services that only check the token (Batch opens kitchens by it).
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, user.Id.ToString()),
                new Claim(JwtRegisteredClaimNames.Name, user.Username),
                new Claim("role", user.Role),
                .. user.Role == StaffRoles.Admin || user.AllLocations ? [new Claim(StaffClaims.AllLocations, "true")] : Array.Empty<Claim>(),
                .. user.Locations.Select(location => new Claim(StaffClaims.Location, location)),
            ]),
            SigningCredentials = _credentials,
        });
        return (token, expires);
    }

    public static string NewRefreshToken() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string refreshToken) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(refreshToken)));
}
