using System.Text.Json;
using RaftKv.Core;
using RaftKv.StateMachine;

namespace RaftKv.Benchmarks;

/// <summary>The shapes every benchmark uses: what a 256-byte write of `raftctl bench` puts in the log.</summary>
public static class SampleData
{
    public const int ValueSize = 256;
    public const int KeySpace = 10_000;

    /// <summary>A JSON string of <see cref="ValueSize"/> characters, as `raftctl bench` writes.</summary>
    public static JsonElement Value { get; } = JsonElement.Parse(JsonSerializer.SerializeToUtf8Bytes(
        new string(Enumerable.Range(0, ValueSize).Select(i => (char)('a' + (i * 7 % 26))).ToArray()),
        SampleJsonContext.Default.String));

    public static string Key(int n) => n.ToString("D16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The log entry bytes of a set of <see cref="Value"/> under key <paramref name="n"/> by a client session.</summary>
    public static byte[] SetCommand(int n, long session, long seq) => KvCommandCodec.Encode(new KvCommand
    {
        Op = KvOp.Set,
        Key = Key(n % KeySpace),
        Value = Value,
        Session = session,
        Seq = seq,
    });

    /// <summary><paramref name="count"/> consecutive command entries of one term from <paramref name="firstIndex"/>.</summary>
    public static Entry[] Entries(long firstIndex, long term, int count) =>
        Enumerable.Range(0, count)
            .Select(i => new Entry(firstIndex + i, term, EntryType.Command, SetCommand(i, session: 1, firstIndex + i)))
            .ToArray();
}
