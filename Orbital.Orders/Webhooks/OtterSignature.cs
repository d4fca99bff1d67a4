using System.Security.Cryptography;
using System.Text;

namespace Orbital.Orders.Webhooks;

/// <summary>
/// Otter's webhook signature: header <c>X-HMAC-SHA256</c> = base64(HMAC-SHA256(key: the UTF-8 webhook secret,
/// message: the raw request body)). Compared in constant time.
/// </summary>
public static class OtterSignature
{
    public const string HeaderName = "X-HMAC-SHA256";

    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static bool IsValid(ReadOnlySpan<byte> body, string? signature, string secret)
    {
        if (string.IsNullOrWhiteSpace(signature))
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[64];
        if (!Convert.TryFromBase64String(signature.Trim(), presented, out var written) || written != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, presented[..written]);
    }
}
