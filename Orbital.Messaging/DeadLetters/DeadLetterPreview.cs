using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Orbital.Contracts;

namespace Orbital.Messaging;

/// <summary>
/// A dead letter's body as an operator can read it: JSON and text as they are, Orbital's protobuf messages as JSON
/// (a bytes field that holds text, such as the Otter webhook inside an envelope, shown as that text), anything else as
/// the start of its base64. Cut at <see cref="MaxChars"/> characters.
/// </summary>
public static class DeadLetterPreview
{
    public const int MaxChars = 2_000;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Of(string? type, string? contentType, ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return string.Empty;
        }

        if (contentType == ContentTypes.Protobuf && MessageTypes.Find(type) is { } descriptor)
        {
            return Cut(ProtobufAsJson(descriptor, body));
        }

        if (IsText(contentType) && TryText(body.Span, out var text))
        {
            return Cut(text);
        }

        return Cut("base64:" + Convert.ToBase64String(body.Span[..Math.Min(body.Length, MaxChars * 3 / 4)]));
    }

    private static string ProtobufAsJson(MessageDescriptor descriptor, ReadOnlyMemory<byte> body)
    {
        IMessage message;
        try
        {
            message = descriptor.Parser.ParseFrom(body.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return $"(not a readable {descriptor.Name}: {ex.Message}) base64:{Convert.ToBase64String(body.Span[..Math.Min(body.Length, MaxChars / 2)])}";
        }

        var json = JsonNode.Parse(JsonFormatter.Default.Format(message))!.AsObject();
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.Bytes && !field.IsRepeated
                && field.Accessor.GetValue(message) is ByteString bytes && !bytes.IsEmpty && TryText(bytes.Span, out var text))
            {
                json[field.JsonName] = text;
            }
        }

        return json.ToJsonString();
    }

    private static bool IsText(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith(ContentTypes.Json, StringComparison.OrdinalIgnoreCase) || contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase));

    private static bool TryText(ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
    }

    private static string Cut(string text) => text.Length <= MaxChars ? text : string.Concat(text.AsSpan(0, MaxChars), "…");
}
