using RaftKv.Protocol;
using RaftKv.StateMachine;

namespace RaftKv.Replica.Tests;

public sealed class WatcherSetTests
{
    private static readonly ClientResponse Header = new();

    private static byte[] Set(string key, string json) =>
        KvCommandCodec.Encode(new KvCommand { Op = KvOp.Set, Key = key, Value = System.Text.Json.JsonElement.Parse(json) });

    private static byte[] Delete(string key) => KvCommandCodec.Encode(new KvCommand { Op = KvOp.Delete, Key = key });

    private static List<ClientResponse> Drain(Watcher watcher)
    {
        var responses = new List<ClientResponse>();
        while (watcher.Responses.TryRead(out var r))
        {
            responses.Add(r);
            watcher.Sent(r.Events?.Length ?? 0);
        }
        return responses;
    }

    private static List<WatchEvent> Events(Watcher watcher) => Drain(watcher).SelectMany(r => r.Events ?? []).ToList();

    [Fact]
    public void A_watch_from_an_old_revision_catches_up_from_the_history_then_follows()
    {
        var kv = new KvStateMachine();
        kv.Apply(1, Set("a", "1"));
        kv.Apply(2, Set("b", "1"));
        kv.Apply(3, Set("a", "2"));
        var set = new WatcherSet();
        var watcher = new Watcher(new ClientRequest { Op = ClientOp.Watch, Key = "a", FromRevision = 1 });

        set.Add(watcher, kv, Header);
        kv.Apply(4, Delete("a"));
        set.Pump(kv, Header);

        Events(watcher).Select(e => (e.Type, e.ModRevision, e.Version)).Should().Equal(("put", 1L, 1L), ("put", 3L, 2L), ("delete", 4L, 0L));
    }

    [Fact]
    public void A_watch_without_a_revision_sees_only_later_changes()
    {
        var kv = new KvStateMachine();
        kv.Apply(1, Set("p/a", "1"));
        var set = new WatcherSet();
        var watcher = new Watcher(new ClientRequest { Op = ClientOp.Watch, Key = "p/", Prefix = true });

        set.Add(watcher, kv, Header);
        kv.Apply(2, Set("p/b", "1"));
        kv.Apply(3, Set("q", "1"));
        set.Pump(kv, Header);

        var responses = Drain(watcher);
        responses[0].Revision.Should().Be(1, "the first answer says where the node stands");
        responses.SelectMany(r => r.Events ?? []).Select(e => e.Key).Should().Equal("p/b");
    }

    [Fact]
    public void A_watch_from_before_the_history_fails_at_once_with_compacted_and_the_earliest_revision()
    {
        var kv = new KvStateMachine(historyEvents: 2);
        for (var i = 1; i <= 5; i++) kv.Apply(i, Set("k", i.ToString()));
        var set = new WatcherSet();
        var watcher = new Watcher(new ClientRequest { Op = ClientOp.Watch, Key = "k", FromRevision = 2 });

        set.Add(watcher, kv, Header);

        var answer = Drain(watcher).Single();
        answer.Status.Should().Be(ClientStatus.Compacted);
        answer.CompactRevision.Should().Be(4);
        answer.Error.Should().Be("compacted; earliest available revision is 4");
        set.Count.Should().Be(0);
        watcher.Responses.Completion.IsCompleted.Should().BeTrue();
    }

    [Fact]
    public void A_watcher_that_falls_too_far_behind_is_cut_off_with_the_revision_to_resume_from()
    {
        var kv = new KvStateMachine();
        var set = new WatcherSet();
        var watcher = new Watcher(new ClientRequest { Op = ClientOp.Watch, Key = "k" });
        set.Add(watcher, kv, Header);

        // Nobody sends (the connection is stuck), so the queue only grows.
        for (var i = 1; i <= Watcher.MaxPendingEvents + 1; i++)
        {
            kv.Apply(i, Set("k", "1"));
            set.Pump(kv, Header);
        }

        var responses = new List<ClientResponse>();
        while (watcher.Responses.TryRead(out var r)) responses.Add(r);
        var last = responses[^1];
        last.Status.Should().Be(ClientStatus.WatchCanceled);
        last.Error.Should().Contain($"resume from revision {Watcher.MaxPendingEvents + 1}");
        responses.SelectMany(r => r.Events ?? []).Should().HaveCount(Watcher.MaxPendingEvents);
        set.Count.Should().Be(0);
    }

    [Fact]
    public void A_closed_watcher_is_dropped()
    {
        var kv = new KvStateMachine();
        var set = new WatcherSet();
        var watcher = new Watcher(new ClientRequest { Op = ClientOp.Watch, Key = "k" });
        set.Add(watcher, kv, Header);

        watcher.Close();
        kv.Apply(1, Set("k", "1"));
        set.Pump(kv, Header);

        set.Count.Should().Be(0);
    }

    [Fact]
    public void A_snapshot_installed_under_a_watch_cuts_it_off_rather_than_skipping_events()
    {
        var leader = new KvStateMachine();
        for (var i = 1; i <= 5; i++) leader.Apply(i, Set("k", i.ToString()));
        var follower = new KvStateMachine();
        var set = new WatcherSet();
        var watcher = new Watcher(new ClientRequest { Op = ClientOp.Watch, Key = "k", FromRevision = 1 });
        set.Add(watcher, follower, Header);

        follower.Restore(leader.TakeSnapshot());
        set.Pump(follower, Header);

        var last = Drain(watcher)[^1];
        last.Status.Should().Be(ClientStatus.WatchCanceled);
        last.Error.Should().Contain("resume from revision 1");
    }
}
