using System.Text;
using RaftKv.Core;

namespace RaftKv.Storage.Tests.Support;

/// <summary>Building blocks for storage tests: entries with recognisable data, snapshots, copies of data directories.</summary>
public static class Fixtures
{
    public const string Cluster = "test-cluster";
    public const int Node = 1;

    public static RaftStorage Open(string directory, long segmentBytes = 64L * 1024 * 1024) =>
        RaftStorage.Open(directory, Cluster, Node, new StorageOptions { SegmentBytes = segmentBytes });

    /// <summary>Entries <paramref name="from"/>..<paramref name="to"/> (inclusive) of <paramref name="term"/>, each with data naming index and term.</summary>
    public static Entry[] Entries(long from, long to, long term, int padding = 0)
    {
        var entries = new Entry[to - from + 1];
        for (var i = 0; i < entries.Length; i++)
        {
            var index = from + i;
            entries[i] = new Entry(index, term, EntryType.Command, Data(index, term, padding));
        }
        return entries;
    }

    public static byte[] Data(long index, long term, int padding = 0) =>
        Encoding.UTF8.GetBytes($"entry {index} of term {term}" + new string('.', padding));

    public static Snapshot Snapshot(long index, long term, string data = "state") =>
        new(new SnapshotMetadata(index, term, ClusterConfig.OfVoters(0, 1, 2)), new SnapshotBytes(Encoding.UTF8.GetBytes(data)));

    public static HardState Hard(long term, long commit, int vote = Node) => new(term, vote, commit);

    public static string WalDirectory(string dataDirectory) => Path.Combine(dataDirectory, "wal");

    public static string SnapDirectory(string dataDirectory) => Path.Combine(dataDirectory, "snap");

    /// <summary>The segment files, oldest first.</summary>
    public static string[] Segments(string dataDirectory) =>
        Directory.GetFiles(WalDirectory(dataDirectory), "*.wal").Order(StringComparer.Ordinal).ToArray();

    public static string[] SnapshotFiles(string dataDirectory) =>
        Directory.GetFiles(SnapDirectory(dataDirectory), "*.snap").Order(StringComparer.Ordinal).ToArray();

    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var directory in Directory.GetDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    public static void Truncate(string file, long length)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
    }

    public static void FlipBit(string file, long offset, int bit)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ (1 << bit)));
    }

    /// <summary>Asserts that <paramref name="actual"/> are exactly <paramref name="expected"/>, data included.</summary>
    public static void ShouldEqual(this IReadOnlyList<Entry> actual, IEnumerable<Entry> expected)
    {
        var want = expected.ToList();
        actual.Select(e => (e.Index, e.Term, e.Type)).Should().Equal(want.Select(e => (e.Index, e.Term, e.Type)));
        for (var i = 0; i < want.Count; i++)
        {
            actual[i].Data.Should().Equal(want[i].Data, $"entry {want[i].Index} must keep its data");
        }
    }
}
