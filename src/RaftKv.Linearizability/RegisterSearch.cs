namespace RaftKv.Linearizability;

/// <summary>
/// Wing and Gong's search for a linearization of one object's history (a key, or keys tied by transactions; the
/// states and steps are <see cref="StoreModel"/>'s), with Lowe's memoization of (linearized operations, state), as
/// in Porcupine's checkSingle.
/// </summary>
/// <remarks>
/// The history is a doubly linked list of call and return events in time order. Walking from the head, a call
/// whose operation is legal in the current state is linearized: both of its events are lifted out of the list,
/// and the walk starts over. Reaching a return means that operation should have been linearized already, so
/// the last choice is undone (its events are put back) and the walk resumes after it. The list being empty means
/// every operation found its place. Three refinements, each argued where it is made:
/// a read (any observer) that sees the current state is placed at once, without branching; an optional operation (a write that
/// may never have happened) offers two choices at its call, with effect and without, which share the cache since
/// either way it is done with; and writes some waiting read wants are tried before the others.
/// </remarks>
internal sealed class RegisterSearch
{
    /// <summary>How many steps between looks at the clock and at the other keys.</summary>
    private const int StepsPerStopCheck = 1024;

    private const int Head = 0;
    private const int None = -1;

    private readonly SearchOp[] ops;
    private readonly StoreModel model;
    private readonly int values;

    // Node 0 is the head; nodes 1..2n are the events in time order.
    private readonly int[] next;
    private readonly int[] prev;
    private readonly int[] opOf;
    private readonly bool[] isCall;
    private readonly int[] matchOf;
    private readonly int[] returnOrder;

    private RegisterSearch(SearchOp[] ops, StoreModel model, int values)
    {
        this.ops = ops;
        this.model = model;
        this.values = values;
        int n = ops.Length;
        var events = new (long Time, int Return, int Op)[2 * n];
        for (int i = 0; i < n; i++)
        {
            events[2 * i] = (ops[i].Start, 0, i);
            events[(2 * i) + 1] = (ops[i].End, 1, i);
        }

        // At equal times calls come first: operations that merely touch are taken as concurrent, because equal
        // timestamps cannot tell which happened first.
        Array.Sort(events);

        next = new int[(2 * n) + 1];
        prev = new int[(2 * n) + 1];
        opOf = new int[(2 * n) + 1];
        isCall = new bool[(2 * n) + 1];
        matchOf = new int[(2 * n) + 1];
        returnOrder = new int[n];
        var callNode = new int[n];
        int returns = 0;
        for (int e = 0; e < events.Length; e++)
        {
            int node = e + 1;
            int op = events[e].Op;
            opOf[node] = op;
            isCall[node] = events[e].Return == 0;
            if (isCall[node])
            {
                callNode[op] = node;
            }
            else
            {
                matchOf[callNode[op]] = node;
                returnOrder[returns++] = op;
            }
        }

        for (int node = 0; node <= 2 * n; node++)
        {
            next[node] = node == 2 * n ? None : node + 1;
            prev[node] = node - 1;
        }
    }

    public static SearchResult Run(KeyHistory history, Func<bool> shouldStop) => new RegisterSearch(history.Ops, history.Model, history.Values.Length).Search(shouldStop);

    private SearchResult Search(Func<bool> shouldStop)
    {
        int n = ops.Length;
        var linearized = new OperationSet(n);
        var cache = new StateCache(linearized.Words.Length);
        var stackNode = new int[n];
        var stackState = new int[n];
        var stackSkipped = new bool[n];
        var stackPass = new bool[n];
        int depth = 0;
        int state = StoreModel.Initial;

        // The longest prefix is kept up to date cheaply: entries below the lowest depth the stack fell to since
        // the last copy are still the same, so only the ones above it are copied again.
        var best = new int[n];
        var bestSkipped = new bool[n];
        int bestDepth = 0;
        int bestState = 0;
        int lowestSinceBest = 0;

        // Writes are tried in two passes over the operations that may go next: first those that write a value
        // some read among them is waiting for, then the others. Any order is correct; this one finds the
        // linearization of a correct history with far less backtracking when many clients overlap.
        var wanted = new int[values];
        int wantedStamp = 0;
        bool secondPass = false;

        bool TryPlace(int node, bool skip)
        {
            int op = opOf[node];
            int newState = model.Step(state, op, skip);
            if (newState < 0)
            {
                return false;
            }

            linearized.Add(op);
            if (!cache.TryAdd(linearized.Words, linearized.Hash, newState))
            {
                linearized.Remove(op);
                return false;
            }

            stackNode[depth] = node;
            stackState[depth] = state;
            stackSkipped[depth] = skip;
            stackPass[depth] = secondPass;
            depth++;
            state = newState;
            Lift(node);
            if (depth > bestDepth)
            {
                for (int d = lowestSinceBest; d < depth; d++)
                {
                    best[d] = opOf[stackNode[d]];
                    bestSkipped[d] = stackSkipped[d];
                }

                bestDepth = depth;
                bestState = state;
                lowestSinceBest = depth;
            }

            return true;
        }

        void MarkWanted()
        {
            wantedStamp++;
            for (int node = next[Head]; node != None && isCall[node]; node = next[node])
            {
                if (ops[opOf[node]].Kind == OpKind.Get)
                {
                    wanted[ops[opOf[node]].Value] = wantedStamp;
                }
            }
        }

        int entry = next[Head];
        bool fresh = true; // a configuration just reached: look for a read to place first
        bool tryEffect = true; // false when coming back to an optional operation whose effect was tried
        int steps = 0;
        while (next[Head] != None)
        {
            if (++steps == StepsPerStopCheck)
            {
                steps = 0;
                if (shouldStop())
                {
                    return new SearchResult(SearchVerdict.Abandoned, best[..bestDepth], bestSkipped[..bestDepth], bestState, None);
                }
            }

            bool failed = false;
            if (fresh)
            {
                // A read that may go next and sees the current state can always go first: moving it to the front
                // of any order that works keeps that order working, since a read changes nothing in any state and
                // nothing still open must precede it. (The same holds for every observer: a failed condition, a
                // transaction whose branch only reads; never for a write, which may change a later state.) So it is placed without branching, and when what follows fails,
                // this configuration fails with it.
                fresh = false;
                int read = LegalReadNode(state);
                if (read != None)
                {
                    if (TryPlace(read, skip: false))
                    {
                        fresh = true;
                        entry = next[Head];
                        continue;
                    }

                    failed = true; // explored before, without success
                }
                else
                {
                    MarkWanted();
                    secondPass = false;
                }
            }

            if (!failed)
            {
                if (isCall[entry])
                {
                    // Reads (observers) need not be tried: none sees the current state, or it would have been placed.
                    var op = ops[opOf[entry]];
                    if (!op.Observer && (wanted[op.Value] == wantedStamp) != secondPass)
                    {
                        bool placed = tryEffect && TryPlace(entry, skip: false);
                        placed = placed || (op.Optional && TryPlace(entry, skip: true));
                        if (placed)
                        {
                            fresh = true;
                            tryEffect = true;
                            entry = next[Head];
                            continue;
                        }
                    }

                    tryEffect = true;
                    entry = next[entry];
                    continue;
                }

                if (!secondPass)
                {
                    secondPass = true;
                    entry = next[Head];
                    continue;
                }
            }

            // A return was reached before its operation was placed, or the configuration is known to fail: undo
            // the last choice and try what comes after it.
            while (true)
            {
                if (depth == 0)
                {
                    return new SearchResult(
                        SearchVerdict.NotLinearizable, best[..bestDepth], bestSkipped[..bestDepth], bestState, FirstReturnOutside(best, bestDepth));
                }

                depth--;
                int undone = stackNode[depth];
                int undoneOp = opOf[undone];
                state = stackState[depth];
                linearized.Remove(undoneOp);
                Unlift(undone);
                lowestSinceBest = Math.Min(lowestSinceBest, depth);
                if (ops[undoneOp].Observer)
                {
                    continue; // placed without branching: the configuration before it fails too
                }

                // The same write without effect if it may be skipped and was not yet, otherwise the next event.
                MarkWanted();
                secondPass = stackPass[depth];
                entry = !stackSkipped[depth] && ops[undoneOp].Optional ? undone : next[undone];
                tryEffect = entry != undone;
                break;
            }
        }

        return new SearchResult(SearchVerdict.Linearizable, best[..bestDepth], bestSkipped[..bestDepth], bestState, None);
    }

    /// <summary>
    /// The first call, among those that may go next, of an observer (a read, a failed condition, a transaction
    /// that only reads) that sees <paramref name="state"/>.
    /// </summary>
    private int LegalReadNode(int state)
    {
        for (int node = next[Head]; node != None && isCall[node]; node = next[node])
        {
            int op = opOf[node];
            if (ops[op].Observer && model.Step(state, op, skip: false) == state)
            {
                return node;
            }
        }

        return None;
    }

    private void Lift(int call)
    {
        next[prev[call]] = next[call];
        prev[next[call]] = prev[call];
        int ret = matchOf[call];
        next[prev[ret]] = next[ret];
        if (next[ret] != None)
        {
            prev[next[ret]] = prev[ret];
        }
    }

    private void Unlift(int call)
    {
        int ret = matchOf[call];
        next[prev[ret]] = ret;
        if (next[ret] != None)
        {
            prev[next[ret]] = ret;
        }

        next[prev[call]] = call;
        prev[next[call]] = call;
    }

    private int FirstReturnOutside(int[] prefix, int length)
    {
        var placed = new bool[ops.Length];
        for (int i = 0; i < length; i++)
        {
            placed[prefix[i]] = true;
        }

        foreach (int op in returnOrder)
        {
            if (!placed[op])
            {
                return op;
            }
        }

        return None;
    }
}
