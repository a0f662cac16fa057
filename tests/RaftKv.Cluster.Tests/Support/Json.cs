using System.Text.Json;

namespace RaftKv.Cluster.Tests.Support;

public static class Json
{
    public static JsonElement Parse(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static JsonElement Number(long value) => Parse(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
