using System.Text.Json;
using RaftKv.Protocol;
using RaftKv.StateMachine;

namespace RaftKv.Replica.Tests;

public sealed class DataRequestsTests
{
    private static readonly ClientResponse Header = new();

    private static ClientResponse Write(KvStateMachine kv, ClientRequest request)
    {
        var index = kv.AppliedIndex + 1;
        var result = kv.Apply(index, KvCommandCodec.Encode(DataRequests.ToCommand(request)));
        return DataRequests.ToResponse(request, result, index, Header);
    }

    private static ClientRequest Set(string key, string json) => new() { Op = ClientOp.Set, Key = key, Value = JsonElement.Parse(json) };

    [Theory]
    [InlineData("{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ifAbsent\":true,\"ifVersion\":1}", "ifAbsent cannot be combined*")]
    [InlineData("{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"prefix\":true}", "set takes no prefix")]
    [InlineData("{\"op\":\"delete\",\"key\":\"p\",\"prefix\":true,\"ifVersion\":1}", "a guard*applies to one key*")]
    [InlineData("{\"op\":\"get\",\"key\":\"a\",\"keysOnly\":true,\"countOnly\":true}", "keysOnly and countOnly exclude each other")]
    [InlineData("{\"op\":\"leaseGrant\",\"ttl\":0}", "leaseGrant needs ttl*")]
    [InlineData("{\"op\":\"leaseKeepAlive\"}", "lease: the lease id*")]
    [InlineData("{\"op\":\"watch\",\"key\":\"\"}", "watch needs a key*")]
    [InlineData("{\"op\":\"watch\",\"key\":\"k\",\"fromRevision\":0}", "fromRevision must be >= 1")]
    [InlineData("{\"op\":\"txn\"}", "txn needs*")]
    public void Bad_requests_are_refused_before_reaching_the_log(string json, string reason)
    {
        var request = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.ClientRequest)!;

        DataRequests.Validate(request).Should().Match(reason);
    }

    [Fact]
    public void A_malformed_txn_document_cannot_become_a_command()
    {
        var request = new ClientRequest { Op = ClientOp.Txn, Txn = JsonElement.Parse("{\"compare\":[{\"key\":\"k\"}]}") };

        var act = () => KvCommandCodec.Encode(DataRequests.ToCommand(request));

        act.Should().Throw<ArgumentException>().WithMessage("*target*");
    }

    [Fact]
    public void A_guarded_set_whose_condition_fails_answers_condition_failed_with_the_key_as_it_is()
    {
        var kv = new KvStateMachine();
        Write(kv, Set("k", "1"));

        var response = Write(kv, Set("k", "2") with { IfAbsent = true });

        response.Status.Should().Be(ClientStatus.ConditionFailed);
        response.Kv!.Value!.Value.GetRawText().Should().Be("1");
        response.Kv.Version.Should().Be(1);
        response.Revision.Should().Be(2);
        kv.GetKeyValue("k")!.Value!.Value.GetRawText().Should().Be("1");
    }

    [Fact]
    public void A_guarded_set_whose_condition_holds_answers_ok_with_its_revision()
    {
        var kv = new KvStateMachine();
        Write(kv, Set("k", "1"));

        var response = Write(kv, Set("k", "2") with { IfVersion = 1 });

        response.Status.Should().Be(ClientStatus.Ok);
        response.Revision.Should().Be(2);
        kv.GetKeyValue("k")!.Version.Should().Be(2);
    }

    [Fact]
    public void A_guarded_delete_checks_the_mod_revision()
    {
        var kv = new KvStateMachine();
        Write(kv, Set("k", "1"));

        Write(kv, new ClientRequest { Op = ClientOp.Delete, Key = "k", IfModRevision = 5 }).Status.Should().Be(ClientStatus.ConditionFailed);
        Write(kv, new ClientRequest { Op = ClientOp.Delete, Key = "k", IfModRevision = 1 }).Status.Should().Be(ClientStatus.Ok);
        kv.Count.Should().Be(0);
    }

    [Fact]
    public void Delete_prefix_answers_how_many_keys_it_removed()
    {
        var kv = new KvStateMachine();
        Write(kv, Set("p/1", "1"));
        Write(kv, Set("p/2", "1"));

        var response = Write(kv, new ClientRequest { Op = ClientOp.Delete, Key = "p/", Prefix = true });

        (response.Status, response.Deleted).Should().Be((ClientStatus.Ok, 2L));
    }

    [Fact]
    public void A_set_with_an_unknown_lease_is_not_found_and_changes_nothing()
    {
        var kv = new KvStateMachine();

        var response = Write(kv, Set("k", "1") with { Lease = 42 });

        response.Status.Should().Be(ClientStatus.NotFound);
        response.Error.Should().Contain("lease 42");
        kv.Count.Should().Be(0);
    }

    [Fact]
    public void A_range_read_answers_the_issue_shape_with_the_revision_it_reflects()
    {
        var kv = new KvStateMachine();
        Write(kv, Set("p/1", "1"));
        Write(kv, Set("p/2", "2"));
        Write(kv, Set("q", "3"));

        var response = DataRequests.Read(kv, new ClientRequest { Op = ClientOp.Get, Key = "p/", Prefix = true, Limit = 1 }, Header);

        response.Revision.Should().Be(3);
        (response.Count, response.More).Should().Be((2L, true));
        response.Kvs!.Single().Key.Should().Be("p/1");
    }

    [Fact]
    public void A_range_from_a_key_with_an_empty_end_runs_to_the_last_key()
    {
        var kv = new KvStateMachine();
        Write(kv, Set("a", "1"));
        Write(kv, Set("b", "1"));
        Write(kv, Set("c", "1"));

        var response = DataRequests.Read(kv, new ClientRequest { Op = ClientOp.Get, Key = "b", End = "" }, Header);

        response.Kvs!.Select(k => k.Key).Should().Equal("b", "c");
    }

    [Fact]
    public void A_get_of_one_key_carries_its_revisions()
    {
        var kv = new KvStateMachine();
        Write(kv, Set("k", "1"));
        Write(kv, Set("k", "2"));

        var response = DataRequests.Read(kv, new ClientRequest { Op = ClientOp.Get, Key = "k" }, Header);

        (response.Kv!.CreateRevision, response.Kv.ModRevision, response.Kv.Version, response.Revision).Should().Be((1L, 2L, 2L, 2L));
    }

    [Fact]
    public void A_retried_lease_grant_learns_the_id_of_the_lease_it_made()
    {
        var kv = new KvStateMachine();
        kv.Apply(1, KvCommandCodec.EncodeRegister());
        var grant = new ClientRequest { Op = ClientOp.LeaseGrant, Ttl = 5, Session = 1, Seq = 1 };
        var command = KvCommandCodec.Encode(DataRequests.ToCommand(grant));
        var first = DataRequests.ToResponse(grant, kv.Apply(2, command), 2, Header);

        var retry = DataRequests.ToResponse(grant, kv.Apply(3, command), 3, Header);

        first.LeaseId.Should().Be(2);
        retry.LeaseId.Should().Be(2);
        kv.LeaseCount.Should().Be(1, "the retry is not applied again");
    }

    [Theory]
    [InlineData("{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"session\":1,\"seq\":1}")]
    [InlineData("{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ifVersion\":0,\"session\":1,\"seq\":1}")]
    [InlineData("{\"op\":\"txn\",\"txn\":{\"compare\":[],\"success\":[{\"op\":\"set\",\"key\":\"k\",\"value\":1}],\"failure\":[]},\"session\":1,\"seq\":1}")]
    public void A_retried_write_answered_from_the_session_carries_the_revision_it_was_applied_at_not_the_retrys(string json)
    {
        // The first attempt was applied at 2 but its answer was lost; the client retried, and the retry's
        // entry landed at 5. A client comparing mod revisions needs 2, the key's modRevision.
        var kv = new KvStateMachine();
        kv.Apply(1, KvCommandCodec.EncodeRegister());
        var request = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.ClientRequest)!;
        var command = KvCommandCodec.Encode(DataRequests.ToCommand(request));
        DataRequests.ToResponse(request, kv.Apply(2, command), 2, Header).Revision.Should().Be(2);
        kv.Apply(3, KvCommandCodec.EncodeRegister());
        kv.Apply(4, KvCommandCodec.Encode(DataRequests.ToCommand(Set("other", "0"))));

        var retry = DataRequests.ToResponse(request, kv.Apply(5, command), 5, Header);

        retry.Status.Should().Be(ClientStatus.Ok);
        retry.Revision.Should().Be(2);
        retry.Index.Should().Be(2);
        kv.GetKeyValue("k")!.ModRevision.Should().Be(2, "the retry was not applied again");
    }
}
