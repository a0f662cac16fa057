using System.Globalization;

namespace RaftKv.Linearizability;

/// <summary>
/// The sequential specification the search checks against: a few keys of the store, each with a value, a
/// version and the write that left it (its mod revision), every key absent at first. States are interned to
/// small integers so that the search and its cache deal in numbers.
/// </summary>
/// <remarks>
/// <para>A plain register (one key, only unguarded sets, deletes and gets of values) keeps the state as the
/// interned value itself, which is all it needs. Versions are counted only when some operation looks at one, and
/// writers are kept only when some operation looks at a mod revision, so that states which no operation can
/// tell apart stay one state for the cache.</para>
/// <para>Mod revisions: an acknowledged write may say which revision it got (<see cref="Operation.Revision"/>), and a
/// write that did not say takes the revision a read saw with its value when it is the only write that could have
/// written it (<see cref="KeyHistory"/> works that out). When the write that left a key still has no known
/// revision, a comparison of the key's mod revision with a revision no other write claims cannot be decided: it
/// is then taken as whatever the answer says (a guard that held for an acknowledged write, failed for "condition
/// failed", a read that saw it, a transaction's branch), and a transaction of unknown outcome as succeeding. So
/// an undecidable revision may let a wrong history pass, and fails a right one only when a transaction of unknown
/// outcome both turns on it and writes in its failure branch; record revisions to avoid both.</para>
/// </remarks>
internal sealed class StoreModel
{
    private readonly SearchOp[] ops;
    private readonly string[] keys;
    private readonly IReadOnlyList<string?> values;
    private readonly bool plain;
    private readonly bool trackVersion;
    private readonly bool trackWriter;
    private readonly HashSet<long> claimed;
    private readonly CompiledOp[] compiled;
    private readonly List<KeyState[]> states = [];
    private readonly Dictionary<KeyState[], int> stateIds = new(new StatesComparer());
    private readonly Dictionary<long, int> memo = [];

    public StoreModel(
        SearchOp[] ops, string[] keys, IReadOnlyList<string?> values, Func<string?, int> valueId, bool plain, bool trackVersion, bool trackWriter, IReadOnlySet<long> recordedRevisions)
    {
        this.ops = ops;
        this.keys = keys;
        this.values = values;
        this.plain = plain;
        this.trackVersion = trackVersion;
        this.trackWriter = trackWriter;
        var keyIndex = keys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i, StringComparer.Ordinal);
        // Revisions are log indexes, one entry each: a revision any operation recorded (on any key) or was found
        // to have cannot be another write's.
        claimed = [.. recordedRevisions];
        compiled = new CompiledOp[ops.Length];
        for (int i = 0; i < ops.Length; i++)
        {
            compiled[i] = CompiledOp.From(ops[i], keyIndex, valueId);
            if (ops[i].Revision != 0)
            {
                claimed.Add(ops[i].Revision);
            }
        }

        if (!plain)
        {
            Intern([.. keys.Select(_ => KeyState.Absent)]);
        }
    }

    /// <summary>The state every key starts in: absent.</summary>
    public static int Initial => 0;

    /// <summary>The state after <paramref name="op"/> in <paramref name="state"/>, or -1 when what it saw or did cannot happen there.</summary>
    public int Step(int state, int op, bool skip)
    {
        if (skip)
        {
            return state;
        }

        var source = ops[op];
        if (plain)
        {
            return source.Kind switch
            {
                OpKind.Set => source.Value,
                OpKind.Delete => 0,
                _ => source.Value == state ? state : -1,
            };
        }

        long memoKey = ((long)state * ops.Length) + op;
        if (memo.TryGetValue(memoKey, out int known))
        {
            return known;
        }

        int result = Compute(states[state], op);
        memo.Add(memoKey, result);
        return result;
    }

    /// <summary>The state in words, for counterexamples.</summary>
    public string Describe(int state)
    {
        if (plain)
        {
            return OperationText.State(values[state]);
        }

        var parts = new List<string>();
        var keyStates = states[state];
        for (int k = 0; k < keys.Length; k++)
        {
            var s = keyStates[k];
            string text = OperationText.State(values[s.Value]);
            var extra = new List<string>();
            if (trackVersion && s.Value != 0)
            {
                extra.Add($"version {s.Version.ToString(CultureInfo.InvariantCulture)}");
            }

            if (trackWriter && s.Value != 0)
            {
                long revision = ops[s.Writer].Revision;
                extra.Add(revision != 0 ? $"modRevision {revision.ToString(CultureInfo.InvariantCulture)}" : "modRevision unknown");
            }

            text += extra.Count > 0 ? $" ({string.Join(", ", extra)})" : string.Empty;
            parts.Add(keys.Length == 1 ? text : $"\"{keys[k]}\" = {text}");
        }

        return string.Join(", ", parts);
    }

    private int Compute(KeyState[] current, int op)
    {
        var source = ops[op];
        var c = compiled[op];
        var outcome = source.Source.Outcome;
        switch (source.Kind)
        {
            case OpKind.Get:
                return Shows(current[c.Key], c.Seen!) ? stateIds[current] : -1;
            case OpKind.Set or OpKind.Delete:
                if (source.Source.Guard is { } guard)
                {
                    // An undecidable guard (a revision of a write whose own is unknown) lets the answer decide.
                    bool? holds = Holds(current[c.Key], guard, c.GuardValue);
                    if (outcome == OpOutcome.ConditionFailed)
                    {
                        return holds != true && (c.Seen is null || Shows(current[c.Key], c.Seen)) ? stateIds[current] : -1;
                    }

                    if (holds == false)
                    {
                        return outcome == OpOutcome.Ok ? -1 : stateIds[current];
                    }
                }

                var next = (KeyState[])current.Clone();
                next[c.Key] = Write(current[c.Key], source.Kind == OpKind.Set ? source.Value : 0, op);
                return Intern(next);
            default:
                return Transaction(current, op, c);
        }
    }

    private int Transaction(KeyState[] current, int op, CompiledOp c)
    {
        bool? holds = true;
        foreach (var cmp in c.Compares)
        {
            holds = And(holds, Compare(current[cmp.Key], cmp));
        }

        var source = ops[op].Source;
        if (source.Outcome == OpOutcome.Ok && holds is { } known && known != source.Succeeded)
        {
            return -1;
        }

        // Undecidable comparisons of a transaction of unknown outcome: taken as holding (see the class remarks).
        bool succeeded = source.Outcome == OpOutcome.Ok ? source.Succeeded!.Value : holds ?? true;
        var next = (KeyState[])current.Clone();
        int read = 0;
        foreach (var step in succeeded ? c.Success : c.Failure)
        {
            switch (step.Kind)
            {
                case OpKind.Get:
                    if (source.Outcome == OpOutcome.Ok && read < c.Reads.Length && !Shows(next[step.Key], c.Reads[read]))
                    {
                        return -1;
                    }

                    read++;
                    break;
                case OpKind.Set:
                    next[step.Key] = Write(next[step.Key], step.Value, op);
                    break;
                default:
                    next[step.Key] = Write(next[step.Key], 0, op);
                    break;
            }
        }

        return Intern(next);
    }

    /// <summary>A key after a write of <paramref name="value"/> (0: a delete) by <paramref name="op"/>.</summary>
    private KeyState Write(KeyState key, int value, int op)
    {
        if (value == 0)
        {
            return KeyState.Absent;
        }

        long version = trackVersion ? (key.Value == 0 ? 1 : key.Version + 1) : 0;
        return new KeyState(value, version, trackWriter ? op : -1);
    }

    /// <summary>
    /// Whether the key is as a read showed it: its value, and its version and mod revision when recorded. A mod
    /// revision that cannot be decided (the write's own is unknown) is taken as shown.
    /// </summary>
    private bool Shows(KeyState key, CompiledRead read) =>
        key.Value == read.Value
        && (read.Version is not { } version || Version(key) == version)
        && (read.ModRevision is not { } revision || ModRevisionIs(key, revision) != false);

    /// <summary>Whether the guard holds: true, false, or null when it turns on a revision that cannot be decided.</summary>
    private bool? Holds(KeyState key, Guard guard, int guardValue)
    {
        if (guard.IfAbsent)
        {
            return key.Value == 0;
        }

        bool? holds = true;
        if (guard.IfVersion is { } version)
        {
            holds = And(holds, Version(key) == version);
        }

        if (guard.IfModRevision is { } revision)
        {
            holds = And(holds, ModRevisionIs(key, revision));
        }

        if (guard.IfValue is not null)
        {
            holds = And(holds, key.Value != 0 && key.Value == guardValue);
        }

        return holds;
    }

    /// <summary>Three-valued and: false wins, then undecided (null), then true.</summary>
    private static bool? And(bool? a, bool? b) => a == false || b == false ? false : a is null || b is null ? null : true;

    private bool? Compare(KeyState key, CompiledCompare cmp)
    {
        bool? equal;
        switch (cmp.Target)
        {
            case CompareTarget.Value:
                equal = key.Value != 0 && key.Value == cmp.Value;
                break;
            case CompareTarget.ModRevision:
                equal = ModRevisionIs(key, cmp.Number);
                break;
            default:
                long version = Version(key);
                return cmp.Op switch
                {
                    CompareOp.Equal => version == cmp.Number,
                    CompareOp.NotEqual => version != cmp.Number,
                    CompareOp.Less => version < cmp.Number,
                    _ => version > cmp.Number,
                };
        }

        return cmp.Op == CompareOp.Equal ? equal : !equal;
    }

    private static long Version(KeyState key) => key.Value == 0 ? 0 : key.Version;

    /// <summary>
    /// Whether the key's mod revision is <paramref name="revision"/>: decided when the write that left the key has
    /// a known revision (or the key is absent: 0); when its revision is unknown, false for 0 and for revisions other
    /// operations have, and undecided (null) otherwise.
    /// </summary>
    private bool? ModRevisionIs(KeyState key, long revision)
    {
        if (key.Value == 0)
        {
            return revision == 0;
        }

        long written = ops[key.Writer].Revision;
        if (written != 0)
        {
            return written == revision;
        }

        return revision == 0 || claimed.Contains(revision) ? false : null;
    }

    private int Intern(KeyState[] state)
    {
        if (stateIds.TryGetValue(state, out int id))
        {
            return id;
        }

        id = states.Count;
        states.Add(state);
        stateIds.Add(state, id);
        return id;
    }

    private sealed class StatesComparer : IEqualityComparer<KeyState[]>
    {
        public bool Equals(KeyState[]? x, KeyState[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(KeyState[] obj)
        {
            var hash = default(HashCode);
            foreach (var key in obj)
            {
                hash.Add(key);
            }

            return hash.ToHashCode();
        }
    }
}
