using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.StateMachine;

/// <summary>
/// Writes a value's JSON text as written (numbers like 1.10 keep their digits, strings keep their
/// escapes), only without insignificant whitespace. The default JsonElement converter would re-escape
/// strings, and the stored text must be what the client sent.
/// </summary>
internal sealed class RawJsonValueConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => JsonElement.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options)
    {
        if (value.ValueKind == JsonValueKind.Undefined)
            throw new ArgumentException("value is an undefined JsonElement (default(JsonElement)), not a JSON value");
        // The element came from a parsed document, so its text is valid JSON and needs no second check.
        writer.WriteRawValue(JsonText.Minify(JsonMarshal.GetRawUtf8Value(value)), skipInputValidation: true);
    }
}
