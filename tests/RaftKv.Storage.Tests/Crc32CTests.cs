using System.Text;
using RaftKv.Storage.IO;

namespace RaftKv.Storage.Tests;

public sealed class Crc32CTests
{
    [Fact]
    public void The_checksum_of_the_standard_check_string_is_the_published_value()
    {
        // RFC 3720 / iSCSI: CRC-32C("123456789") = 0xE3069283.
        Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")).Should().Be(0xE3069283u);
        Crc32C.ComputeWithTable(Encoding.ASCII.GetBytes("123456789")).Should().Be(0xE3069283u);
    }

    [Fact]
    public void The_checksum_of_nothing_is_zero()
    {
        Crc32C.Compute([]).Should().Be(0u);
    }

    [Fact]
    public void Hardware_and_table_paths_agree_for_every_length_and_alignment()
    {
        var random = new Random(1234);
        var data = new byte[5000];
        random.NextBytes(data);
        foreach (var length in Enumerable.Range(0, 70).Append(4097).Append(4990))
        {
            for (var start = 0; start < 8; start++)
            {
                var span = data.AsSpan(start, length);
                Crc32C.Compute(span).Should().Be(Crc32C.ComputeWithTable(span), $"length {length} at offset {start}");
            }
        }
    }

    [Fact]
    public void Appending_in_pieces_gives_the_checksum_of_the_whole()
    {
        var data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, twice: the quick brown fox");

        var pieces = Crc32C.Append(Crc32C.Append(Crc32C.Compute(data.AsSpan(0, 10)), data.AsSpan(10, 23)), data.AsSpan(33));

        pieces.Should().Be(Crc32C.Compute(data));
    }
}
