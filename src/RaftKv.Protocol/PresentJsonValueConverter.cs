using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.Protocol;

/// <summary>
/// Reads a present JSON <c>null</c> as a <see cref="JsonElement"/> of kind Null instead of as "no value",
/// so that <c>{"op":"set","value":null}</c> stores null while a set without <c>value</c> is still refused.
/// (By default System.Text.Json reads null into a <c>JsonElement?</c> as C# null, which loses that difference.)
/// </summary>
public sealed class PresentJsonValueConverter : JsonConverter<JsonElement?>
{
    public override bool HandleNull => true;

    public override JsonElement? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonElement.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonElement? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } element) element.WriteTo(writer);
        else writer.WriteNullValue();
    }
}
