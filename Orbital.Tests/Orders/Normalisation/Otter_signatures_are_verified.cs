using System.Text;
using Orbital.Orders.Webhooks;

namespace Orbital.Tests.Orders.Normalisation;

public sealed class Otter_signatures_are_verified
{
    private const string Secret = "a-webhook-secret-of-some-length";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"eventId\":\"e1\"}");

    [Fact]
    public void The_base64_hmac_sha256_of_the_raw_body_with_the_secret_is_valid() =>
        Assert.True(OtterSignature.IsValid(Body, OtterSignature.Sign(Body, Secret), Secret));

    [Fact]
    public void A_known_signature_matches_otters_definition() =>
        // base64(HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")), a published test vector.
        Assert.True(OtterSignature.IsValid(Encoding.UTF8.GetBytes("The quick brown fox jumps over the lazy dog"),
            "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=", "key"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Missing_malformed_or_short_signatures_are_invalid(string? signature) =>
        Assert.False(OtterSignature.IsValid(Body, signature, Secret));

    [Fact]
    public void A_signature_made_with_another_secret_is_invalid() =>
        Assert.False(OtterSignature.IsValid(Body, OtterSignature.Sign(Body, "another-secret-of-some-length"), Secret));

    [Fact]
    public void A_changed_body_no_longer_matches()
    {
        var signature = OtterSignature.Sign(Body, Secret);
        var changed = Encoding.UTF8.GetBytes("{\"eventId\":\"e2\"}");

        Assert.False(OtterSignature.IsValid(changed, signature, Secret));
    }
}
