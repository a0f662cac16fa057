using System.Text.Encodings.Web;
using System.Text.Json;

namespace RaftKv.Ctl;

/// <summary>
/// How <c>raftctl set KEY VALUE</c> reads VALUE: valid JSON is stored as that JSON value
/// (<c>42</c> a number, <c>true</c> a boolean, <c>{"a":1}</c> an object, <c>"x"</c> a string),
/// anything else as a string (<c>Hello World</c> is the string "Hello World").
/// </summary>
public static class ValueParser
{
    public static JsonElement Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return StringValue(text);
        }
    }

    private static JsonElement StringValue(string text)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            writer.WriteStringValue(text);
        using var document = JsonDocument.Parse(stream.ToArray());
        return document.RootElement.Clone();
    }
}
