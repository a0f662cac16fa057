using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using RaftKv.Core;

namespace RaftKv.Transport;

/// <summary>
/// <see cref="ClusterConfig"/> as <c>{"voters":[..],"learners":[..],"addresses":{"0":"host:port",..}}</c>. Written by
/// hand because the generated contract would also emit the derived <see cref="ClusterConfig.Members"/> list; both lists
/// are required on read, the addresses are optional (older nodes send none).
/// </summary>
internal sealed class ClusterConfigConverter : JsonConverter<ClusterConfig>
{
    public override ClusterConfig Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("cluster config must be an object");
        int[]? voters = null, learners = null;
        var addresses = ImmutableSortedDictionary<int, string>.Empty;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("voters"u8)) voters = ReadIds(ref reader, "voters");
            else if (reader.ValueTextEquals("learners"u8)) learners = ReadIds(ref reader, "learners");
            else if (reader.ValueTextEquals("addresses"u8)) addresses = ReadAddresses(ref reader);
            else reader.Skip(); // on a property name, Skip passes over the name and its whole value
        }
        return new ClusterConfig(
            voters ?? throw new JsonException("cluster config without voters"),
            learners ?? throw new JsonException("cluster config without learners"))
        { Addresses = addresses };
    }

    public override void Write(Utf8JsonWriter writer, ClusterConfig value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        WriteIds(writer, "voters"u8, value.Voters);
        WriteIds(writer, "learners"u8, value.Learners);
        if (value.Addresses.Count > 0)
        {
            writer.WriteStartObject("addresses"u8);
            foreach (var (id, address) in value.Addresses) writer.WriteString(id.ToString(CultureInfo.InvariantCulture), address);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static ImmutableSortedDictionary<int, string> ReadAddresses(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("cluster config addresses must be an object");
        var addresses = ImmutableSortedDictionary.CreateBuilder<int, string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (!int.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                throw new JsonException("cluster config address keys must be node ids");
            reader.Read();
            if (reader.TokenType != JsonTokenType.String) throw new JsonException("cluster config addresses must be strings");
            addresses[id] = reader.GetString()!;
        }
        return addresses.ToImmutable();
    }

    private static int[] ReadIds(ref Utf8JsonReader reader, string name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"cluster config {name} must be an array");
        var ids = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            ids.Add(reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : throw new JsonException($"cluster config {name} must hold numbers"));
        return [.. ids];
    }

    private static void WriteIds(Utf8JsonWriter writer, ReadOnlySpan<byte> name, int[] ids)
    {
        writer.WriteStartArray(name);
        foreach (var id in ids) writer.WriteNumberValue(id);
        writer.WriteEndArray();
    }
}
