using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;
using static RaftKv.Http.Tests.HttpClusterRun;

namespace RaftKv.Http.Tests;

/// <summary>raftnode's HTTP endpoints, asked over HTTP of real node processes on free ports.</summary>
[Collection(HttpCollection.Name)]
public sealed class HttpEndpointTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public Task Health_readyz_and_livez_answer_200_on_every_node_of_a_cluster_with_a_leader() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        await cluster.WaitForLeaderAsync(Patience, ct);
        for (var id = 0; id < cluster.Count; id++)
        {
            foreach (var path in new[] { "health", "readyz", "livez" })
            {
                var url = new Uri(cluster.HttpUrl(id), path);
                await WaitUntilAsync(async () => (await http.GetAsync(url, ct)).StatusCode == HttpStatusCode.OK, $"{url} answers 200", Patience, ct);
                var body = await http.GetStringAsync(url, ct);
                JsonDocument.Parse(body).RootElement.GetProperty("health").GetBoolean().Should().BeTrue(body);
            }
        }
    });

    [Fact]
    public Task Health_is_503_with_the_reason_when_the_node_knows_no_leader() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(Patience, ct);
        var survivor = Enumerable.Range(0, cluster.Count).First(i => i != leader.Id);
        foreach (var id in Enumerable.Range(0, cluster.Count).Where(i => i != survivor)) await cluster.KillAsync(id, ct);

        var url = new Uri(cluster.HttpUrl(survivor), "health");
        HttpResponseMessage? last = null;
        await WaitUntilAsync(async () => (last = await http.GetAsync(url, ct)).StatusCode == HttpStatusCode.ServiceUnavailable,
            "the lone survivor's /health says 503", Patience, ct);
        var report = JsonDocument.Parse(await last!.Content.ReadAsStringAsync(ct)).RootElement;
        report.GetProperty("health").GetBoolean().Should().BeFalse();
        report.GetProperty("reason").GetString().Should().StartWith("no leader known in term");
        (await http.GetAsync(new Uri(cluster.HttpUrl(survivor), "readyz"), ct)).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await http.GetAsync(new Uri(cluster.HttpUrl(survivor), "livez"), ct)).StatusCode.Should().Be(HttpStatusCode.OK, "the process is alive and its loop answers");
    });

    [Fact]
    public Task Api_status_has_the_same_fields_as_the_status_op() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(Patience, ct);
        var body = await http.GetStringAsync(new Uri(cluster.HttpUrl(leader.Id), "api/status"), ct);
        var status = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ClientResponse.Options.GetTypeInfo(typeof(NodeStatus)))
            as NodeStatus;
        status.Should().NotBeNull(body);
        status!.Id.Should().Be(leader.Id);
        status.Role.Should().Be("leader");
        status.Term.Should().Be(leader.Term);
        status.Address.Should().Be(cluster.Addresses[leader.Id]);
        status.Voters.Should().Equal(0, 1, 2);
        var op = await cluster.TryStatusAsync(leader.Id, ct);
        var names = JsonDocument.Parse(body).RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        names.Should().BeEquivalentTo(["id", "address", "role", "term", "leaderId", "firstIndex", "lastIndex", "commitIndex", "appliedIndex", "voters", "learners", "clusterId", "members", "bootstrapServers"]);
        op!.CommitIndex.Should().BeGreaterThanOrEqualTo(status.CommitIndex);
    });

    [Fact]
    public Task Metrics_exports_the_node_instruments_in_Prometheus_text_format() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(Patience, ct);
        await using (var client = cluster.CreateClient())
        {
            for (var i = 0; i < 5; i++)
                (await client.SetAsync($"m{i}", JsonDocument.Parse("1").RootElement, ct)).Status.Should().Be(ClientStatus.Ok);
        }

        var url = new Uri(cluster.HttpUrl(leader.Id), "metrics");
        var response = await http.GetAsync(url, ct);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        var text = await response.Content.ReadAsStringAsync(ct);
        var node = $"node=\"{leader.Id}\"";
        Sample(text, "raftkv_role", node, "role=\"leader\"").Should().Be(1);
        Sample(text, "raftkv_role", node, "role=\"follower\"").Should().Be(0);
        Sample(text, "raftkv_term", node).Should().Be(leader.Term);
        Sample(text, "raftkv_elections_won_total", node).Should().BeGreaterThanOrEqualTo(1);
        Sample(text, "raftkv_client_requests_total", node, "op=\"set\"", "status=\"ok\"").Should().BeGreaterThanOrEqualTo(5);
        Sample(text, "raftkv_client_request_duration_seconds_count", node, "op=\"set\"").Should().BeGreaterThanOrEqualTo(5);
        Sample(text, "raftkv_proposals_total", node).Should().BeGreaterThanOrEqualTo(5);
        Sample(text, "raftkv_storage_fsync_duration_seconds_count", node).Should().BeGreaterThanOrEqualTo(5);
        Sample(text, "raftkv_storage_append_entries_count", node).Should().BeGreaterThanOrEqualTo(1);
        Sample(text, "raftkv_storage_bytes", node).Should().BeGreaterThan(0);
        Sample(text, "raftkv_commit_index", node).Should().BeGreaterThanOrEqualTo(6, "five writes and the leader's no-op");
        Sample(text, "raftkv_applied_index", node).Should().BeGreaterThanOrEqualTo(6);
        foreach (var peer in Enumerable.Range(0, cluster.Count).Where(p => p != leader.Id))
            Sample(text, "raftkv_peer_connected", node, $"peer=\"{peer}\"").Should().Be(1);
        text.Should().Contain("# TYPE raftkv_client_request_duration_seconds histogram");
    });

    [Fact]
    public Task Dashboard_page_is_served_from_the_assembly_with_no_external_assets() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var response = await http.GetAsync(cluster.HttpUrl(0), ct);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var page = await response.Content.ReadAsStringAsync(ct);
        page.Should().Contain("<title>RaftKv dashboard</title>");
        page.Should().NotContainAny(["<script src", "<link ", "@import", "https://", "http://"], "the page must work without a network (no CDN)");
    }, new LocalClusterOptions { NodeCount = 1 });

    [Fact]
    public Task Key_api_on_a_follower_sets_reads_lists_and_deletes_through_the_leader() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(Patience, ct);
        var follower = cluster.HttpUrl((leader.Id + 1) % cluster.Count);

        var set = await Send(http, HttpMethod.Put, new Uri(follower, "api/key?key=app%2Fcolour"), "{\"name\":\"teal\",\"rgb\":[0,128,128]}", ct);
        set.StatusCode.Should().Be(HttpStatusCode.OK, await set.Content.ReadAsStringAsync(ct));
        (await Send(http, HttpMethod.Put, new Uri(follower, "api/key?key=other"), "2", ct)).StatusCode.Should().Be(HttpStatusCode.OK);

        var read = JsonDocument.Parse(await http.GetStringAsync(new Uri(follower, "api/key?key=app%2Fcolour"), ct)).RootElement;
        read.GetProperty("key").GetString().Should().Be("app/colour");
        read.GetProperty("value").GetProperty("rgb")[1].GetInt32().Should().Be(128);

        var list = JsonDocument.Parse(await http.GetStringAsync(new Uri(follower, "api/keys?prefix=app%2F"), ct)).RootElement;
        list.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("key").GetString()).Should().Equal("app/colour");

        (await Send(http, HttpMethod.Delete, new Uri(follower, "api/key?key=app%2Fcolour"), null, ct)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await http.GetAsync(new Uri(follower, "api/key?key=app%2Fcolour"), ct)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var bad = await Send(http, HttpMethod.Put, new Uri(follower, "api/key?key=x"), "{not json", ct);
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.GetAsync(new Uri(follower, "api/key?key=x"), ct)).StatusCode.Should().Be(HttpStatusCode.NotFound, "a rejected write changes nothing");
    });

    [Fact]
    public Task Actions_without_the_action_header_are_refused_and_change_nothing() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(Patience, ct);
        var url = cluster.HttpUrl(leader.Id);
        var stop = await http.PostAsync(new Uri(url, "api/actions/stop"), null, ct);
        stop.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await stop.Content.ReadAsStringAsync(ct)).Should().Contain("X-RaftKv-Action");
        var put = await http.PutAsync(new Uri(url, "api/key?key=k"), new StringContent("1", Encoding.UTF8, "application/json"), ct);
        put.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        (await http.GetAsync(new Uri(url, "health"), ct)).StatusCode.Should().Be(HttpStatusCode.OK, "the node was not stopped");
        cluster.Node(leader.Id).IsRunning.Should().BeTrue();
        (await http.GetAsync(new Uri(url, "api/key?key=k"), ct)).StatusCode.Should().Be(HttpStatusCode.NotFound, "nothing was written");
    });

    [Fact]
    public Task Actions_are_refused_when_the_dashboard_listens_beyond_loopback()
    {
        var port = LocalCluster.FreeLoopbackPorts(1)[0];
        return WithClusterAsync(output, async (cluster, http, ct) =>
        {
            var url = new Uri($"http://127.0.0.1:{port}/");
            await WaitUntilAsync(async () => (await http.GetAsync(new Uri(url, "livez"), ct)).IsSuccessStatusCode, "the dashboard answers", Patience, ct);
            var stop = await Send(http, HttpMethod.Post, new Uri(url, "api/actions/stop"), null, ct);
            stop.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await stop.Content.ReadAsStringAsync(ct)).Should().Contain("not on loopback");
            var view = JsonDocument.Parse(await http.GetStringAsync(new Uri(url, "api/cluster"), ct)).RootElement;
            view.GetProperty("actionsAllowed").GetBoolean().Should().BeFalse();
            view.GetProperty("actionsNote").GetString().Should().Contain("turned off");
            cluster.Node(0).IsRunning.Should().BeTrue("the refused stop changed nothing");
        }, new LocalClusterOptions { NodeCount = 1, ExtraArguments = ["--http", $"0.0.0.0:{port}"] });
    }

    [Fact]
    public Task Stop_action_stops_the_node_as_ctrl_c_does_and_another_node_takes_over() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(Patience, ct);
        var stop = await Send(http, HttpMethod.Post, new Uri(cluster.HttpUrl(leader.Id), "api/actions/stop"), null, ct);
        stop.StatusCode.Should().Be(HttpStatusCode.Accepted, await stop.Content.ReadAsStringAsync(ct));

        var exit = await cluster.Node(leader.Id).WaitForExitAsync(cluster.Options.StopTimeout, ct);
        exit.Should().Be(0, "a node stopped from the dashboard exits cleanly");
        var log = cluster.NodeLog(leader.Id);
        log.Should().Contain("Stopping on a stop request from the dashboard");
        log.Should().Contain("handing leadership to node", "a leader hands over first, exactly as on Ctrl+C");
        var next = await cluster.WaitForLeaderAsync(Patience, ct, except: [leader.Id]);
        next.Term.Should().Be(leader.Term + 1, "the handover needed no election timeout");
    });

    [Fact]
    public Task Transfer_leader_action_on_a_followers_page_goes_through_the_leader_and_answers_once_the_chosen_node_leads() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(Patience, ct);
        var page = (leader.Id + 1) % cluster.Count;
        var target = (leader.Id + 2) % cluster.Count;

        var moved = await Send(http, HttpMethod.Post, new Uri(cluster.HttpUrl(page), $"api/actions/transfer-leader?to={target}"), null, ct);
        var body = await moved.Content.ReadAsStringAsync(ct);
        moved.StatusCode.Should().Be(HttpStatusCode.OK, body);
        body.Should().Contain($"node {target} is the leader");
        (await cluster.TryStatusAsync(target, ct))!.Role.Should().Be("leader", "the action answers only once the chosen node leads");
        await cluster.WaitForLogAsync(leader.Id, $"Handing leadership to node {target} on request", Patience, ct);

        var back = await Send(http, HttpMethod.Post, new Uri(cluster.HttpUrl(page), $"api/actions/transfer-leader?to={page}"), null, ct);
        back.StatusCode.Should().Be(HttpStatusCode.OK, await back.Content.ReadAsStringAsync(ct));
        (await cluster.TryStatusAsync(page, ct))!.Role.Should().Be("leader", "the page's own node can be chosen too");
    });

    [Fact]
    public Task Transfer_leader_action_to_a_node_that_is_not_a_voter_is_refused_and_changes_nothing() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(Patience, ct);
        var page = cluster.HttpUrl((leader.Id + 1) % cluster.Count);

        var refused = await Send(http, HttpMethod.Post, new Uri(page, "api/actions/transfer-leader?to=7"), null, ct);
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync(ct)).Should().Contain("node 7 is not a voter");
        var negative = await Send(http, HttpMethod.Post, new Uri(page, "api/actions/transfer-leader?to=-1"), null, ct);
        negative.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Send(http, HttpMethod.Post, new Uri(page, "api/actions/transfer-leader"), null, ct)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var status = await cluster.TryStatusAsync(leader.Id, ct);
        status!.Role.Should().Be("leader");
        status.Term.Should().Be(leader.Term, "no refused transfer started an election");
    });

    [Fact]
    public Task Cluster_view_gives_each_members_lag_behind_the_leader_as_member_list_does() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(Patience, ct);
        var paused = (leader.Id + 1) % cluster.Count;
        var page = cluster.HttpUrl(leader.Id);
        cluster.Pause(paused);
        try
        {
            const int writes = 20;
            await using (var client = cluster.CreateClient())
            {
                for (var i = 0; i < writes; i++)
                    (await client.SetAsync($"lag/{i}", JsonDocument.Parse("1").RootElement, ct)).Status.Should().Be(ClientStatus.Ok);
            }

            JsonElement view = default;
            await WaitUntilAsync(async () =>
            {
                view = JsonDocument.Parse(await http.GetStringAsync(new Uri(page, "api/cluster"), ct)).RootElement;
                return Member(view, paused).GetProperty("lag").ValueKind == JsonValueKind.Number
                    && Member(view, paused).GetProperty("lag").GetInt64() >= writes;
            }, $"the page shows paused node {paused} at least {writes} entries behind", Patience, ct);

            var lead = Member(view, leader.Id);
            lead.GetProperty("lag").GetInt64().Should().Be(0);
            var last = lead.GetProperty("match").GetInt64();
            var behind = Member(view, paused);
            behind.GetProperty("reachable").GetBoolean().Should().BeFalse("a stopped process does not answer its status");
            behind.GetProperty("lag").GetInt64().Should().BeGreaterThanOrEqualTo(writes).And.Be(last - behind.GetProperty("match").GetInt64(),
                "lag is the leader's last index minus the member's match index");
            var live = Member(view, (leader.Id + 2) % cluster.Count);
            live.GetProperty("lag").GetInt64().Should().BeLessThan(writes, "the running follower keeps up");
        }
        finally
        {
            cluster.Resume(paused);
        }
    });

    private static JsonElement Member(JsonElement view, int id) =>
        view.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("id").GetInt32() == id);

    [Fact]
    public async Task A_malformed_http_option_is_a_usage_error_naming_the_value()
    {
        using var deadline = new CancellationTokenSource(Patience);
        var dir = Directory.CreateTempSubdirectory("raftkv-http-usage-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "servers.txt"), "127.0.0.1:7000\n", deadline.Token);
            var result = await Binaries.RunRaftnodeAsync(["0", "--http", "nowhere"], Patience, deadline.Token, dir.FullName);
            result.ExitCode.Should().Be(2, result.ToString());
            result.StandardError.Should().Contain("--http 'nowhere' is not HOST:PORT");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public Task Log_format_json_writes_one_json_object_per_line() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        await cluster.WaitForLogAsync(0, "Dashboard at", Patience, ct);
        var lines = cluster.NodeLog(0).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("===", StringComparison.Ordinal)).ToList();
        lines.Should().NotBeEmpty();
        foreach (var line in lines)
        {
            var entry = JsonDocument.Parse(line).RootElement;
            entry.GetProperty("LogLevel").GetString().Should().NotBeNullOrEmpty(line);
            entry.GetProperty("Category").GetString().Should().StartWith("node-0", line);
            entry.GetProperty("Message").GetString().Should().NotBeNullOrEmpty(line);
        }
    }, new LocalClusterOptions { NodeCount = 1, ExtraArguments = ["--log-format", "json"] });

    private static Task<HttpResponseMessage> Send(HttpClient http, HttpMethod method, Uri url, string? json, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("X-RaftKv-Action", "1");
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return http.SendAsync(request, ct);
    }

    /// <summary>The value of the one sample of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>.</summary>
    private static double Sample(string exposition, string metric, params string[] labels)
    {
        var matches = exposition.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(l => labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .ToList();
        matches.Should().HaveCount(1, $"one sample of {metric} with {string.Join(",", labels)} in:\n{exposition}");
        var line = matches[0];
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
