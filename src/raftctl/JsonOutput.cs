using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RaftKv.Ctl;

/// <summary>Writes JSON for people and scripts: unescaped non-ASCII and HTML characters, indented when asked (a terminal).</summary>
internal static class JsonOutput
{
    public static string Format(bool indented, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(writer);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string Format(JsonElement value, bool indented) => Format(indented, value.WriteTo);

    public static void WriteObject(Utf8JsonWriter writer, IReadOnlyDictionary<string, JsonElement>? values)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in (values ?? new Dictionary<string, JsonElement>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            value.WriteTo(writer);
        }
        writer.WriteEndObject();
    }
}
