using System.Text.Json;
using System.Text.Json.Serialization;
using RaftKv.Core;

namespace RaftKv.Transport;

/// <summary>
/// <see cref="Snapshot"/> on the wire is its metadata only, <c>{"metadata":{..}}</c>: the data never travels in a JSON
/// frame, it follows a snapshot offer as binary chunks (docs/PROTOCOL.md "Snapshot streams"). On read the data is
/// <see cref="SnapshotBytes.Empty"/> until the receiver puts the staged file in its place; a <c>"data"</c> field from an
/// older node is skipped.
/// </summary>
internal sealed class SnapshotConverter : JsonConverter<Snapshot>
{
    public override Snapshot Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("snapshot must be an object");
        SnapshotMetadata? metadata = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                metadata = JsonSerializer.Deserialize(ref reader, PeerJsonContext.Default.SnapshotMetadata);
            }
            else
            {
                reader.Skip(); // on a property name, Skip passes over the name and its whole value
            }
        }
        return new Snapshot(metadata ?? throw new JsonException("snapshot without metadata"), SnapshotBytes.Empty);
    }

    public override void Write(Utf8JsonWriter writer, Snapshot value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("metadata"u8);
        JsonSerializer.Serialize(writer, value.Metadata, PeerJsonContext.Default.SnapshotMetadata);
        writer.WriteEndObject();
    }
}
