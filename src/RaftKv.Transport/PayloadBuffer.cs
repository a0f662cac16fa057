using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RaftKv.Transport;

/// <summary>
/// A reusable buffer to serialize one payload into before it is framed: the length prefix comes first on the wire,
/// so the JSON must be complete before the header can be written. One per writer loop (not thread-safe).
/// </summary>
internal sealed class PayloadBuffer
{
    // A snapshot may make the buffer grow to hundreds of megabytes; keeping that around for every later heartbeat
    // would be a leak, so a buffer that grew past this is dropped after use.
    private const int RetainBytes = 1 << 20;

    private ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _json;

    public PayloadBuffer() => _json = new Utf8JsonWriter(_buffer);

    /// <summary>Serializes <paramref name="value"/>; the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        if (_buffer.Capacity > RetainBytes) _buffer = new ArrayBufferWriter<byte>(4096);
        else _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        JsonSerializer.Serialize(_json, value, typeInfo);
        _json.Flush();
        return _buffer.WrittenSpan;
    }
}
