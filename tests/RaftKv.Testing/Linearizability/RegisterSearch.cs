namespace RaftKv.Testing.Linearizability;

/// <summary>
/// Wing and Gong's search for a linearization of one register's history, with Lowe's memoization of
/// (linearized operations, state), as in Porcupine's checkSingle.
/// </summary>
/// <remarks>
/// The history is a doubly linked list of call and return events in time order. Walking from the head, a call
/// whose operation is legal in the current state is linearized: both of its events are lifted out of the list,
/// and the walk starts over. Reaching a return means that operation should have been linearized already, so
/// the last choice is undone (its events are put back) and the walk resumes after it. The list being empty means
/// every operation found its place.
/// </remarks>
internal sealed class RegisterSearch
{
    /// <summary>How many steps between looks at the clock and at the other keys.</summary>
    private const int StepsPerStopCheck = 1024;

    private const int Head = 0;
    private const int None = -1;

    private readonly SearchOp[] ops;

    // Node 0 is the head; nodes 1..2n are the events in time order.
    private readonly int[] next;
    private readonly int[] prev;
    private readonly int[] opOf;
    private readonly bool[] isCall;
    private readonly int[] matchOf;
    private readonly int[] returnOrder;

    private RegisterSearch(SearchOp[] ops)
    {
        this.ops = ops;
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

    public static SearchResult Run(KeyHistory history, Func<bool> shouldStop) => new RegisterSearch(history.Ops).Search(shouldStop);

    private SearchResult Search(Func<bool> shouldStop)
    {
        int n = ops.Length;
        var linearized = new OperationSet(n);
        var cache = new StateCache(linearized.Words.Length);
        var stackNode = new int[n];
        var stackState = new int[n];
        int depth = 0;
        int state = 0;

        // The longest prefix is kept up to date cheaply: entries below the lowest depth the stack fell to since
        // the last copy are still the same, so only the ones above it are copied again.
        var best = new int[n];
        int bestDepth = 0;
        int bestState = 0;
        int lowestSinceBest = 0;

        int entry = next[Head];
        int steps = 0;
        while (next[Head] != None)
        {
            if (++steps == StepsPerStopCheck)
            {
                steps = 0;
                if (shouldStop())
                {
                    return new SearchResult(SearchVerdict.Abandoned, best[..bestDepth], bestState, None);
                }
            }

            if (isCall[entry])
            {
                int op = opOf[entry];
                if (TryStep(state, ops[op], out int newState))
                {
                    linearized.Add(op);
                    if (cache.TryAdd(linearized.Words, linearized.Hash, newState))
                    {
                        stackNode[depth] = entry;
                        stackState[depth] = state;
                        depth++;
                        state = newState;
                        Lift(entry);
                        if (depth > bestDepth)
                        {
                            for (int d = lowestSinceBest; d < depth; d++)
                            {
                                best[d] = opOf[stackNode[d]];
                            }

                            bestDepth = depth;
                            bestState = state;
                            lowestSinceBest = depth;
                        }

                        entry = next[Head];
                        continue;
                    }

                    linearized.Remove(op);
                }

                entry = next[entry];
            }
            else
            {
                if (depth == 0)
                {
                    return new SearchResult(SearchVerdict.NotLinearizable, best[..bestDepth], bestState, FirstReturnOutside(best, bestDepth));
                }

                depth--;
                entry = stackNode[depth];
                state = stackState[depth];
                linearized.Remove(opOf[entry]);
                Unlift(entry);
                lowestSinceBest = Math.Min(lowestSinceBest, depth);
                entry = next[entry];
            }
        }

        return new SearchResult(SearchVerdict.Linearizable, best[..bestDepth], bestState, None);
    }

    /// <summary>The register: Set stores, Delete empties, Get must see what is there.</summary>
    private static bool TryStep(int state, in SearchOp op, out int newState)
    {
        switch (op.Kind)
        {
            case OpKind.Set:
                newState = op.Value;
                return true;
            case OpKind.Delete:
                newState = 0;
                return true;
            default:
                newState = state;
                return op.Value == state;
        }
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
