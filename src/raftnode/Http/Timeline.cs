using RaftKv.Core;
using RaftKv.Replica;
using RaftKv.Node;

namespace RaftKv.Host.Http;

/// <summary>
/// The dashboard's timeline of elections and leader changes, from this node's published view changes
/// (<see cref="RaftNode.ViewChanged"/>): every change is seen, in order. Keeps the last <see cref="Capacity"/>.
/// </summary>
public sealed class Timeline
{
    public const int Capacity = 100;

    private readonly Lock _gate = new();
    private readonly Queue<TimelineEvent> _events = new();
    private readonly int _self;

    public Timeline(RaftNode node)
    {
        _self = node.Id;
        node.ViewChanged += OnViewChanged;
    }

    public IReadOnlyList<TimelineEvent> Events()
    {
        lock (_gate) return [.. _events];
    }

    private void OnViewChanged(ReplicaView before, ReplicaView after)
    {
        // A candidate whose election had no winner campaigns again: at once without PreVote, or (the default) by
        // asking for pre-votes first, which shows as candidate -> pre-candidate.
        if (after.Role == Role.Candidate && before.Role == Role.Candidate && after.Term > before.Term)
            Add(after.Term, "splitvote", $"No winner in term {before.Term} (split vote); node {_self} tries again in term {after.Term}");
        else if (before.Role == Role.Candidate && after.Role == Role.PreCandidate)
            Add(after.Term, "splitvote", $"No winner in term {before.Term} (split vote, or too few voters reachable); node {_self} asks for pre-votes again");
        else if (after.Role == Role.Candidate && before.Role != Role.Candidate)
            Add(after.Term, "election", $"Node {_self} started an election for term {after.Term}");
        if (before.Role == Role.Leader && after.Role != Role.Leader)
            Add(after.Term, "stepdown", $"Node {_self} stepped down in term {after.Term}");
        if (after.LeaderId != before.LeaderId || (after.Term != before.Term && after.LeaderId != NodeIds.None))
        {
            if (after.LeaderId == NodeIds.None)
            {
                if (before.LeaderId != NodeIds.None) Add(after.Term, "noleader", $"No leader known in term {after.Term} (node {before.LeaderId} led term {before.Term})");
            }
            else
            {
                var who = after.LeaderId == _self ? $"node {_self} (this node)" : $"node {after.LeaderId}";
                Add(after.Term, "leader", $"Leader is {who} in term {after.Term}");
            }
        }
    }

    private void Add(long term, string kind, string text)
    {
        lock (_gate)
        {
            if (_events.Count == Capacity) _events.Dequeue();
            _events.Enqueue(new TimelineEvent(DateTimeOffset.UtcNow, term, kind, text));
        }
    }
}
