using System.Text;
using System.Text.Json;
using Orbital.Orders.Otter;

namespace Orbital.Tests.Orders.Normalisation;

public sealed class Text_PostgreSQL_cannot_store_is_cleaned
{
    private static string Cleaned(string json) => Encoding.UTF8.GetString(OtterText.Storable(Encoding.UTF8.GetBytes(json)).Span);

    [Fact]
    public void A_body_without_escaped_NULs_or_surrogates_is_left_as_it_is()
    {
        var body = Encoding.UTF8.GetBytes("""{"eventId":"e1","note":"café 🍔 \u00e9 stays text"}""");

        Assert.True(OtterText.Storable(body).Equals((ReadOnlyMemory<byte>)body));
    }

    [Theory]
    [InlineData("""{"eventId":"a\u0000\u0000b-1"}""", "ab-1")]
    [InlineData("""{"eventId":"\ud800x"}""", "\uFFFDx")]
    [InlineData("""{"eventId":"\udfffx"}""", "\uFFFDx")]
    [InlineData("""{"eventId":"\ud83c\udf54 burger\u0000"}""", "\U0001F354 burger")]
    [InlineData("""{"eventId":"tab\tquote\" slash\\ \u00e9"}""", "tab\tquote\" slash\\ é")]
    public void NULs_go_and_lone_surrogates_become_replacement_characters(string json, string expected)
    {
        using var document = JsonDocument.Parse(Cleaned(json));

        Assert.Equal(expected, document.RootElement.GetProperty("eventId").GetString());
    }

    [Fact]
    public void Numbers_nesting_and_names_survive_the_rewrite()
    {
        var cleaned = Cleaned("""{"n\u0000ame":[1.50,-2e3,true,false,null,{"x":"\u0000"}],"big":12345678901234567890}""");

        Assert.Equal("""{"name":[1.50,-2e3,true,false,null,{"x":""}],"big":12345678901234567890}""", cleaned);
    }
}
