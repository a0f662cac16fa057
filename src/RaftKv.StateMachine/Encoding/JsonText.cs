using System.Text.Json;

namespace RaftKv.StateMachine;

/// <summary>Small helpers over raw UTF-8 JSON text, the form in which values are stored.</summary>
internal static class JsonText
{
    /// <summary>
    /// Stored values nest at most this deep, the default of <see cref="JsonDocument"/>: any JsonElement a
    /// caller can hold fits, and every stored value can be parsed back with default options.
    /// </summary>
    public const int MaxValueDepth = 64;

    private static readonly JsonReaderOptions ValueReaderOptions = new() { MaxDepth = MaxValueDepth };

    /// <summary>
    /// Removes whitespace outside strings and keeps every token exactly as written. Returns the input
    /// itself when there is nothing to remove (the usual case). The input must be valid JSON.
    /// </summary>
    public static ReadOnlySpan<byte> Minify(ReadOnlySpan<byte> json)
    {
        var firstSpace = FirstInsignificantWhitespace(json);
        if (firstSpace < 0) return json;

        var output = new byte[json.Length];
        json[..firstSpace].CopyTo(output);
        var length = firstSpace;
        var inString = false;
        for (var i = firstSpace; i < json.Length; i++)
        {
            var b = json[i];
            if (inString)
            {
                output[length++] = b;
                if (b == (byte)'\\') output[length++] = json[++i];
                else if (b == (byte)'"') inString = false;
            }
            else if (!IsWhitespace(b))
            {
                output[length++] = b;
                inString = b == (byte)'"';
            }
        }
        return output.AsSpan(0, length);
    }

    /// <summary>Parses stored text into a JsonElement that owns its own copy.</summary>
    public static JsonElement ToElement(ReadOnlySpan<byte> json) => JsonElement.Parse(json);

    /// <summary>True when <paramref name="json"/> is exactly one valid JSON value no deeper than <see cref="MaxValueDepth"/>.</summary>
    public static bool IsSingleValue(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, ValueReaderOptions);
            if (!reader.Read()) return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static int FirstInsignificantWhitespace(ReadOnlySpan<byte> json)
    {
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (inString)
            {
                if (b == (byte)'\\') i++;
                else if (b == (byte)'"') inString = false;
            }
            else if (b == (byte)'"') inString = true;
            else if (IsWhitespace(b)) return i;
        }
        return -1;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}
