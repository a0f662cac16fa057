using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RaftKv.Transport;

/// <summary>Turns a frame's payload into an object with a source-generated contract, or a <see cref="ProtocolException"/>.</summary>
internal static class JsonPayload
{
    /// <summary>
    /// Parses exactly one JSON value of type <typeparamref name="T"/> from <paramref name="payload"/>; anything after
    /// it but whitespace is an error. <paramref name="what"/> names the value in the error message.
    /// </summary>
    public static T Read<T>(ReadOnlySequence<byte> payload, JsonTypeInfo<T> typeInfo, string what)
        where T : class
    {
        T? value;
        try
        {
            if (payload.IsSingleSegment)
            {
                value = JsonSerializer.Deserialize(payload.FirstSpan, typeInfo);
            }
            else
            {
                // The span overload checks for trailing bytes itself; over a sequence we must ask the reader.
                var reader = new Utf8JsonReader(payload);
                value = JsonSerializer.Deserialize(ref reader, typeInfo);
                if (reader.Read()) throw new ProtocolException($"{what}: unexpected data after the JSON value");
            }
        }
        // The serializer reports bad input as JsonException, but invalid UTF-8 and a few converter paths surface as
        // the others; all of them mean "the remote sent bytes that are not a valid value", never a bug of ours.
        // IndexOutOfRangeException: Utf8JsonReader throws it for a truncated true/false/null when the sequence ends
        // in an empty segment (which slicing a frame off a pipe produces); found by our fuzz test, dotnet/runtime#134448.
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException
                                       or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            throw new ProtocolException($"{what}: {Shorten(ex.Message)}", ex);
        }
        return value ?? throw new ProtocolException($"{what}: null instead of an object");
    }

    // Some reader errors quote the input up to the end of the buffer; a log line needs only the start of it.
    private static string Shorten(string message) => message.Length <= 300 ? message : string.Concat(message.AsSpan(0, 300), "...");
}
