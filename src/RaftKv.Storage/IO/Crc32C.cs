using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;
using ArmCrc32 = System.Runtime.Intrinsics.Arm.Crc32;

namespace RaftKv.Storage.IO;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of every WAL record and snapshot header. Castagnoli rather than
/// the zip polynomial because CPUs compute it in hardware (SSE4.2 <c>crc32</c>, ARMv8 CRC32C), which keeps
/// checksumming off the profile of the write path; a table is the fallback everywhere else.
/// </summary>
internal static class Crc32C
{
    /// <summary>The Castagnoli polynomial, bit-reflected.</summary>
    private const uint Polynomial = 0x82F63B78u;

    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Extends <paramref name="crc"/> (a finished CRC of earlier bytes, 0 for none) over <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var state = ~crc;
        if (Sse42.X64.IsSupported)
        {
            while (data.Length >= sizeof(ulong))
            {
                state = (uint)Sse42.X64.Crc32(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[sizeof(ulong)..];
            }
            foreach (var b in data)
            {
                state = Sse42.Crc32(state, b);
            }
            return ~state;
        }
        if (ArmCrc32.Arm64.IsSupported)
        {
            while (data.Length >= sizeof(ulong))
            {
                state = ArmCrc32.Arm64.ComputeCrc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[sizeof(ulong)..];
            }
            foreach (var b in data)
            {
                state = ArmCrc32.ComputeCrc32C(state, b);
            }
            return ~state;
        }
        return ~AppendWithTable(state, data);
    }

    /// <summary>The portable path, exposed so tests can check that hardware and table agree.</summary>
    internal static uint ComputeWithTable(ReadOnlySpan<byte> data) => ~AppendWithTable(~0u, data);

    private static uint AppendWithTable(uint state, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            state = Table[(byte)(state ^ b)] ^ (state >> 8);
        }
        return state;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var value = i;
            for (var bit = 0; bit < 8; bit++)
            {
                value = (value & 1) != 0 ? (value >> 1) ^ Polynomial : value >> 1;
            }
            table[i] = value;
        }
        return table;
    }
}
