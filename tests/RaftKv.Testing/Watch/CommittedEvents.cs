using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Testing.Watch;

/// <summary>
/// The watch events a prefix must have produced, recomputed from the committed log as the nodes apply it:
/// what a watcher from revision 1 must see, exactly, in order. For tests that write only unguarded sets and
/// deletes of single keys, with a handful of sessions (far below the session table's bound, so none expires
/// and the session rules reduce to "a seq not above the session's last is not applied again").
/// </summary>
public static class CommittedEvents
{
    /// <summary>Reads the whole log through <paramref name="client"/> (from the leader) and replays it.</summary>
    /// <exception cref="InvalidOperationException">The log cannot be read from its first entry, or holds a write this replay does not model.</exception>
    public static async Task<List<(string Type, string Key, long ModRevision, long Version)>> ReadAsync(RaftClient client, string prefix, CancellationToken ct)
    {
        var entries = new List<LogEntryView>();
        for (long from = 1; ;)
        {
            var page = await client.LogAsync(null, from, 5000, ct).ConfigureAwait(false);
            if (page.Status != ClientStatus.Ok) throw new InvalidOperationException($"reading the log from {from}: {page.Status} {page.Error}");
            var got = page.Entries ?? [];
            if (got.Length == 0) break;
            entries.AddRange(got);
            from = got[^1].Index + 1;
        }
        if (entries.Count == 0 || entries[0].Index != 1)
            throw new InvalidOperationException("the log must not have been compacted for this comparison");

        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        // Session id (the index of its register entry) to its last applied seq.
        var lastSeq = new Dictionary<long, long>();
        var events = new List<(string, string, long, long)>();
        foreach (var entry in entries)
        {
            if (entry.Command is not { } command) continue;
            var op = command.GetProperty("op").GetString();
            if (op == "register")
            {
                lastSeq[entry.Index] = 0;
                continue;
            }
            if (command.TryGetProperty("session", out var sessionProperty))
            {
                var session = sessionProperty.GetInt64();
                var seq = command.GetProperty("seq").GetInt64();
                if (!lastSeq.TryGetValue(session, out var previous) || seq <= previous) continue;
                lastSeq[session] = seq;
            }
            if (op is not ("set" or "delete"))
            {
                if (op is "txn" or "leaseRevoke") throw new InvalidOperationException($"entry {entry.Index} is a {op}, which this replay does not model");
                continue;
            }
            var key = command.GetProperty("key").GetString()!;
            if (op == "set")
            {
                var version = versions.GetValueOrDefault(key) + 1;
                versions[key] = version;
                if (key.StartsWith(prefix, StringComparison.Ordinal)) events.Add(("put", key, entry.Index, version));
            }
            else if (versions.Remove(key) && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                events.Add(("delete", key, entry.Index, 0));
            }
        }
        return events;
    }
}
