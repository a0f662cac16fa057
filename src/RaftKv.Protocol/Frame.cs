using System.Buffers;
using System.Buffers.Binary;

namespace RaftKv.Protocol;

/// <summary>
/// The wire framing shared by peers and clients: a 4-byte big-endian payload length, then that many
/// bytes of UTF-8 JSON.
/// </summary>
public static class Frame
{
    public const int HeaderBytes = 4;

    /// <summary>Writes header and payload to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> payload)
    {
        var header = output.GetSpan(HeaderBytes);
        BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
        output.Advance(HeaderBytes);
        output.Write(payload);
    }

    /// <summary>
    /// Tries to take one whole frame from the front of <paramref name="buffer"/>.
    /// Returns false when more bytes are needed. Throws <see cref="FrameTooLargeException"/> when the
    /// length prefix exceeds <paramref name="maxPayloadBytes"/> (before anything is allocated).
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxPayloadBytes, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < HeaderBytes) return false;
        Span<byte> header = stackalloc byte[HeaderBytes];
        buffer.Slice(0, HeaderBytes).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > (uint)maxPayloadBytes) throw new FrameTooLargeException(length, maxPayloadBytes);
        if (buffer.Length < HeaderBytes + length) return false;
        payload = buffer.Slice(HeaderBytes, length);
        buffer = buffer.Slice(HeaderBytes + length);
        return true;
    }
}
