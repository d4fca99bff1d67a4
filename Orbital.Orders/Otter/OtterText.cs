using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orbital.Orders.Otter;

/// <summary>
/// PostgreSQL stores neither a NUL character nor half of a UTF-16 surrogate pair in <c>text</c> or <c>jsonb</c>, and
/// JSON may carry either as an escape (<c>\u0000</c>, a lone <c>\ud800</c>). A guest's note with one must still reach the
/// kitchen, so such bodies are rewritten without NULs and with U+FFFD for the lone surrogates; the bytes Otter sent are
/// kept beside the cleaned copy for the audit trail.
/// </summary>
public static class OtterText
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>The body with every string and property name made storable; the same memory when nothing needed it.</summary>
    public static ReadOnlyMemory<byte> Storable(ReadOnlyMemory<byte> body)
    {
        if (!HasSuspectEscape(body.Span))
        {
            return body;
        }

        try
        {
            var output = new ArrayBufferWriter<byte>(body.Length);
            using (var writer = new Utf8JsonWriter(output, WriterOptions))
            {
                var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = 256 });
                while (reader.Read())
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                        case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                        case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                        case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                        case JsonTokenType.PropertyName: writer.WritePropertyName(StringOf(ref reader)); break;
                        case JsonTokenType.String: writer.WriteStringValue(StringOf(ref reader)); break;
                        case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                        case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                        case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                        case JsonTokenType.Null: writer.WriteNullValue(); break;
                    }
                }
            }

            return output.WrittenSpan.ToArray();
        }
        catch (JsonException)
        {
            // Not JSON: the consumer refuses it as such before anything is stored.
            return body;
        }
    }

    /// <summary>A text without NUL characters and with U+FFFD for lone surrogates (null stays null).</summary>
    public static string? Clean(string? text)
    {
        if (text is null)
        {
            return null;
        }

        StringBuilder? cleaned = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            var bad = c == '\0' || (char.IsSurrogate(c) && !pair);
            if (bad && cleaned is null)
            {
                cleaned = new StringBuilder(text.Length).Append(text, 0, i);
            }

            if (pair)
            {
                cleaned?.Append(c).Append(text[i + 1]);
                i++;
            }
            else if (!bad)
            {
                cleaned?.Append(c);
            }
            else if (c != '\0')
            {
                cleaned!.Append('\uFFFD');
            }
        }

        return cleaned?.ToString() ?? text;
    }

    /// <summary>An escaped NUL or surrogate anywhere: the only ways JSON text can hold what PostgreSQL refuses.</summary>
    private static bool HasSuspectEscape(ReadOnlySpan<byte> body)
    {
        int at;
        while ((at = body.IndexOf("\\u"u8)) >= 0 && at + 5 < body.Length)
        {
            var hex = body.Slice(at + 2, 4);
            if (hex.SequenceEqual("0000"u8) || hex[0] is (byte)'d' or (byte)'D')
            {
                return true;
            }

            body = body[(at + 2)..];
        }

        return false;
    }

    /// <summary>The token's text, decoded by hand when escaped, because the reader refuses a lone surrogate.</summary>
    private static string StringOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Clean(reader.GetString())!;
        }

        var raw = Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
        var text = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\' || i + 1 >= raw.Length)
            {
                text.Append(raw[i]);
                continue;
            }

            var escape = raw[++i];
            switch (escape)
            {
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'u' when i + 4 < raw.Length:
                    text.Append((char)ushort.Parse(raw.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: text.Append(escape); break;
            }
        }

        return Clean(text.ToString())!;
    }
}
