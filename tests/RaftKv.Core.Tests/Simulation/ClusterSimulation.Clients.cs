using System.Text.Json;
using RaftKv.Core.Tests.Simulation.Invariants;
using RaftKv.Protocol;

namespace RaftKv.Core.Tests.Simulation;

// Clients: each runs one operation at a time through the client protocol (ClientRequest/ClientResponse), follows
// leader hints, retries with the same client id and seq, and gives up after a deadline (a write's outcome is then
// unknown). The network may deliver an old request again, long after (a late duplicate).
public sealed partial class ClusterSimulation
{
    private readonly Dictionary<long, WriteOp> _writes = [];
    private readonly List<ReadOp> _reads = [];
    private bool _clientsStopped;
    private long _nextRequestId = 1;
    private int _writesAcknowledged;
    private int _retries;
    private int _lateDuplicates;
    private int _registrations;

    private void WakeClient(SimClient client, long delay)
    {
        client.Token++;
        Schedule(delay, new SimEvent(SimEventKind.ClientWake, Client: client.Id, Token: client.Token));
    }

    private long OperationTimeout => 8 * _s.ElectionTimeout;

    /// <summary>How long one attempt may take before the client tries elsewhere (and the node's handler gives up on it).</summary>
    private long AttemptTimeout => 3 * _s.ElectionTimeout;

    private void ClientWake(SimClient client)
    {
        if (client.Op is null)
        {
            if (_clientsStopped) return;
            if (client.Session is null) StartRegistration(client);
            else StartOperation(client);
        }
        var op = client.Op!;
        if (op.Attempt is { } stale)
        {
            // No answer in time: the server-side handler gives up too (the replica drops the request if it has not
            // proposed it yet), and the client tries another node with the same request.
            stale.GaveUp = true;
            op.Attempt = null;
            client.LeaderGuess = _rng.Next(_nodes.Count);
        }
        if (_now >= op.Deadline)
        {
            Abandon(client, "no answer before the deadline");
            return;
        }
        var request = op.Request;
        if (op.Attempts > 0 && op.IsWrite && (_sabotage & Sabotage.RetryWithNewSeq) != 0)
        {
            // Sabotage: a retry that is a new request as far as the cluster can tell.
            request = request with { Seq = client.NextSeq++ };
        }
        if (op.Attempts > 0) _retries++;
        op.Attempts++;
        var node = client.LeaderGuess;
        var call = new SimCall(request with { Id = _nextRequestId++ }, node, OnAnswer);
        op.Attempt = call;
        Schedule(NetworkDelay(), new SimEvent(SimEventKind.ClientRequest, Node: node, Call: call));
        // Every attempt to register appends a new session to the log: on a slow cluster, retrying early only adds
        // to the backlog (seed 6993 livelocked so), so a registration waits for its answer until the deadline.
        WakeClient(client, op.IsRegister ? Math.Max(1, op.Deadline - _now) : AttemptTimeout);
        if (Has(FaultKinds.LateDuplicates) && _rng.Next(8) == 0)
        {
            // The same bytes again, much later, to any node; nobody waits for the answer.
            _lateDuplicates++;
            var late = new SimCall(request with { Id = _nextRequestId++ }, _rng.Next(_nodes.Count), null);
            Schedule(_rng.Next(5, 80) * _s.TickInterval, new SimEvent(SimEventKind.ClientRequest, Node: late.Node, Call: late));
        }
    }

    private void StartRegistration(SimClient client)
    {
        _registrations++;
        client.Op = new SimOperation
        {
            IsWrite = false, IsRegister = true, Key = "", Request = new ClientRequest { Op = Protocol.ClientOp.Register },
            InvokeStep = _step, Deadline = _now + OperationTimeout, AfterHeal = _healed,
        };
    }

    private void StartOperation(SimClient client)
    {
        var key = "k" + _rng.Next(_s.KeyCount);
        var deadline = _now + OperationTimeout;
        if (_rng.NextDouble() < 0.6)
        {
            // A one-shot client (every raftctl run is one): its session serves this write only.
            client.OneShot = Has(FaultKinds.SessionChurn) && _rng.Next(2) == 0;
            var seq = client.NextSeq++;
            var writeId = Ids.Of(client.Id, _writes.Count + 1);
            var request = new ClientRequest
            {
                Op = Protocol.ClientOp.Set,
                Key = key,
                Value = JsonSerializer.SerializeToElement(writeId),
                Session = client.Session,
                Seq = seq,
            };
            client.Op = new SimOperation
            {
                IsWrite = true, Key = key, WriteId = writeId, Request = request, InvokeStep = _step, Deadline = deadline, AfterHeal = _healed,
            };
            _writes[writeId] = new WriteOp(writeId, key, _step, null);
            Trace($"client {client.Id} writes {Ids.Format(writeId)} to '{key}'", $"session {client.Session} seq {seq}");
        }
        else
        {
            client.Op = new SimOperation
            {
                IsWrite = false, Key = key, Request = new ClientRequest { Op = Protocol.ClientOp.Get, Key = key },
                InvokeStep = _step, Deadline = deadline, AfterHeal = _healed,
            };
        }
    }

    /// <summary>A request arrives at a node (or finds it down: the connection is refused).</summary>
    private void DeliverRequest(SimCall call)
    {
        var node = _nodes[call.Node];
        if (!node.IsUp)
        {
            if (call.GaveUp) return;
            Trace($"request {call.Request.Id} refused: node {node.Id} is down");
            call.Complete(new ClientResponse { Id = call.Request.Id, Status = ClientStatus.Unavailable, Error = "connection refused" });
            return;
        }
        if (call.Request.Op == Protocol.ClientOp.Get && (_sabotage & Sabotage.ReadsWithoutReadIndex) != 0)
        {
            // Sabotage: the node answers from its own state machine, leader or not, confirmed or not.
            var found = node.Replica!.StateMachine.TryGet(call.Request.Key!, out var value);
            call.Complete(new ClientResponse { Id = call.Request.Id, Status = found ? ClientStatus.Ok : ClientStatus.NotFound, Value = found ? value : null });
            return;
        }
        Trace($"request {call.Request.Id} ({call.Request.Op} '{call.Request.Key}' session {call.Request.Session} seq {call.Request.Seq}) reaches node {node.Id}");
        Input(node, null, r => r.Submit(call));
    }

    /// <summary>A node answered: the answer travels back to the client.</summary>
    private void OnAnswer(SimCall call, ClientResponse response)
    {
        Schedule(NetworkDelay(), new SimEvent(SimEventKind.Action, Label: $"answer to request {call.Request.Id}: {response.Status} {response.Error}", Action: () =>
        {
            var client = _clients.FirstOrDefault(c => c.Op?.Attempt == call);
            if (client is null) return; // the client stopped listening (it timed out and moved on)
            ClientAnswered(client, client.Op!, response);
        }));
    }

    private void ClientAnswered(SimClient client, SimOperation op, ClientResponse response)
    {
        op.Attempt = null;
        switch (response.Status)
        {
            case ClientStatus.Ok when op.IsRegister:
                client.Session = response.Session ?? throw new InvariantViolationException("Client protocol", "a registration was answered without a session id");
                client.NextSeq = 1;
                Trace($"client {client.Id} registered session {client.Session}");
                client.Op = null;
                WakeClient(client, _rng.Next(1, 2 * _s.TickInterval));
                return;
            case ClientStatus.SessionExpired when op.IsWrite:
                // This attempt was not applied; an earlier one may have been: the outcome is unknown. A new session
                // for the next write (never this write again under another session: that could apply it twice).
                client.Session = null;
                Abandon(client, $"session expired: {response.Error}");
                return;
            case ClientStatus.Ok or ClientStatus.NotFound when op.IsWrite:
                _writes[op.WriteId] = _writes[op.WriteId] with { Response = _step };
                _writesAcknowledged++;
                _acknowledged.Add(op.WriteId);
                Trace($"client {client.Id} write {Ids.Format(op.WriteId)} acknowledged", $"index {response.Index}");
                if (client.OneShot) client.Session = null;
                Complete(client);
                return;
            case ClientStatus.Ok or ClientStatus.NotFound:
            {
                var observed = response.Status == ClientStatus.Ok ? ValueOf(response.Value) : 0;
                _reads.Add(new ReadOp(op.Key, op.InvokeStep, _step, observed));
                Trace($"client {client.Id} read '{op.Key}'", Ids.Format(observed));
                Complete(client);
                return;
            }
            case ClientStatus.NotLeader:
                client.LeaderGuess = response.LeaderId is { } hint && hint < _nodes.Count ? hint : _rng.Next(_nodes.Count);
                WakeClient(client, _rng.Next(1, 2 * _s.TickInterval));
                return;
            case ClientStatus.Unavailable:
                // Overloaded, disk full, leadership lost mid-write: the outcome is unknown; retry, same seq.
                if (_rng.Next(2) == 0) client.LeaderGuess = _rng.Next(_nodes.Count);
                WakeClient(client, _rng.Next(2, 4 * _s.TickInterval));
                return;
            default:
                throw new InvariantViolationException("Client protocol",
                    $"client {client.Id} got {response.Status} for {op.Request.Op} '{op.Key}' (session {op.Request.Session} seq {op.Request.Seq}): {response.Error}");
        }
    }

    private static long ValueOf(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Number } v ? v.GetInt64() :
        throw new InvariantViolationException("Client protocol", $"a read returned {value?.GetRawText() ?? "no value"}, not a written value");

    private void Complete(SimClient client)
    {
        if (client.Op!.AfterHeal) client.CompletedAfterHeal++;
        client.Op = null;
        WakeClient(client, _rng.Next(1, 3 * _s.TickInterval));
    }

    private void Abandon(SimClient client, string why)
    {
        if (client.Op is not { } op) return;
        Trace($"client {client.Id} gives up on {(op.IsWrite ? "write " + Ids.Format(op.WriteId) : op.IsRegister ? "registering" : "read")}", why);
        client.Op = null;
        WakeClient(client, _rng.Next(1, 3 * _s.TickInterval));
    }
}
