using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using RaftKv.Client;
using RaftKv.Host.Logging;
using RaftKv.Node;
using RaftKv.Node.Metrics;
using RaftKv.Protocol;

namespace RaftKv.Host.Http;

/// <summary>
/// The node's HTTP side (Kestrel, minimal APIs): the dashboard page, its JSON API, <c>/metrics</c>, and
/// <c>/health</c>, <c>/readyz</c>, <c>/livez</c>. It reads only what the node publishes (its view, its metrics,
/// status answers) and acts through the node's public methods and the client protocol.
/// </summary>
/// <remarks>
/// Metrics are exported with OpenTelemetry's Prometheus exporter rather than prometheus-net: the instruments
/// are plain System.Diagnostics.Metrics (so <c>dotnet-counters</c> sees the very same ones), and OpenTelemetry is
/// the exporter .NET itself documents for them; prometheus-net would keep a second registry and bridge into it.
/// The exporter package is a prerelease (1.20.1-beta.1), the price of that choice; its output is the standard
/// Prometheus text format, so scrapers do not notice the difference.
/// </remarks>
public sealed class DashboardServer : IAsyncDisposable
{
    /// <summary>A node whose applied index trails its commit index by more than this is unhealthy.</summary>
    public const long MaxApplyLag = 1000;

    /// <summary>Header every action and write must carry; a cross-site form or fetch cannot add it without CORS, which this server never grants.</summary>
    public const string ActionHeader = "X-RaftKv-Action";

    private static readonly TimeSpan LoopAnswerTimeout = TimeSpan.FromSeconds(1);

    private readonly WebApplication _app;
    private readonly RaftNode _node;
    private readonly HttpBinding _binding;
    private readonly ClusterProbe _probe;
    private readonly Timeline _timeline;
    private readonly LogTail _tail;
    private readonly Action<string> _requestStop;
    private readonly ILogger _log;

    private DashboardServer(WebApplication app, RaftNode node, HttpBinding binding, LogTail tail, Action<string> requestStop, ILogger log)
    {
        _app = app;
        _node = node;
        _binding = binding;
        _tail = tail;
        _requestStop = requestStop;
        _log = log;
        _probe = new ClusterProbe(node);
        _timeline = new Timeline(node);
    }

    /// <summary>The address actually listened on (the port is the real one when 0 was asked for).</summary>
    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Starts listening on <paramref name="binding"/>; <paramref name="requestStop"/> is what the stop button calls (as Ctrl+C does).</summary>
    public static async Task<DashboardServer> StartAsync(
        HttpBinding binding, RaftNode node, ILoggerFactory loggers, LogTail tail, Action<string> requestStop, CancellationToken cancellationToken)
    {
        var endPoint = binding.EndPoint ?? throw new ArgumentException("HTTP is turned off (--http none)", nameof(binding));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<IHostLifetime, NoSignalsLifetime>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endPoint));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, HttpJsonContext.Default));
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("raftnode", serviceInstanceId: $"node-{node.Id}"))
            .WithMetrics(metrics => metrics
            .AddMeter(NodeMetrics.MeterName)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

        var app = builder.Build();
        var server = new DashboardServer(app, node, binding, tail, requestStop, loggers.CreateLogger($"node-{node.Id}.http"));
        server.Map();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal) + "/");
        return server;
    }

    private void Map()
    {
        var app = _app;
        // The index gauges read the node's last status answer: make it fresh for every scrape.
        app.UseWhen(c => c.Request.Path == "/metrics", b => b.Use(async (context, next) =>
        {
            await _probe.LocalStatusAsync(LoopAnswerTimeout, context.RequestAborted);
            await next(context);
        }));
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/", ServePage("index.html", "text/html; charset=utf-8"));
        app.MapGet("/health", HealthAsync);
        app.MapGet("/readyz", ReadyAsync);
        app.MapGet("/livez", LiveAsync);
        app.MapGet("/api/status", StatusAsync);
        app.MapGet("/api/cluster", ClusterAsync);
        app.MapGet("/api/keys", KeysAsync);
        app.MapGet("/api/key", GetKeyAsync);
        app.MapPut("/api/key", SetKeyAsync);
        app.MapDelete("/api/key", DeleteKeyAsync);
        app.MapPost("/api/actions/stop", Stop);
        app.MapPost("/api/actions/transfer-leader", TransferLeaderAsync);
    }

    private static RequestDelegate ServePage(string name, string contentType)
    {
        using var stream = typeof(DashboardServer).Assembly.GetManifestResourceStream($"dashboard/{name}")
            ?? throw new InvalidOperationException($"the dashboard resource {name} is missing from the assembly");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var bytes = memory.ToArray();
        return async context =>
        {
            context.Response.ContentType = contentType;
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        };
    }

    /// <summary>
    /// 200 when this node knows a leader of its current term and has applied within <see cref="MaxApplyLag"/>
    /// entries of its commit index; 503 with the reason otherwise (as etcd's /health).
    /// </summary>
    private async Task<IResult> HealthAsync(CancellationToken ct)
    {
        if (ReadinessProblem() is { } problem) return Unhealthy(problem);
        var status = await _probe.LocalStatusAsync(LoopAnswerTimeout, ct);
        if (status is null) return Unhealthy($"the event loop did not answer within {LoopAnswerTimeout.TotalSeconds:0} s");
        var lag = status.CommitIndex - status.AppliedIndex;
        if (lag > MaxApplyLag)
            return Unhealthy($"applied index {status.AppliedIndex} is {lag} entries behind commit index {status.CommitIndex} (at most {MaxApplyLag} allowed)");
        return Results.Json(new HealthReport(true), HttpJsonContext.Default.HealthReport);
    }

    /// <summary>Ready to serve clients: a leader is known, the node is not stopping and its disk is not full.</summary>
    private IResult ReadyAsync() =>
        ReadinessProblem() is { } problem ? Unhealthy(problem) : Results.Json(new HealthReport(true), HttpJsonContext.Default.HealthReport);

    /// <summary>Alive: the event loop answers a status request within a second.</summary>
    private async Task<IResult> LiveAsync(CancellationToken ct)
    {
        if (_node.Completion.IsCompleted) return Unhealthy("the node has stopped");
        var status = await _probe.LocalStatusAsync(LoopAnswerTimeout, ct);
        return status is null
            ? Unhealthy($"the event loop did not answer within {LoopAnswerTimeout.TotalSeconds:0} s")
            : Results.Json(new HealthReport(true), HttpJsonContext.Default.HealthReport);
    }

    private string? ReadinessProblem()
    {
        var view = _node.View;
        if (_node.Completion.IsCompleted) return "the node has stopped";
        if (view.ShuttingDown) return "the node is shutting down";
        if (view.DiskFull) return "the disk is full; writes are refused until space returns";
        if (view.LeaderId == Core.NodeIds.None) return $"no leader known in term {view.Term}";
        return null;
    }

    private static IResult Unhealthy(string reason) =>
        Results.Json(new HealthReport(false, reason), HttpJsonContext.Default.HealthReport, statusCode: StatusCodes.Status503ServiceUnavailable);

    private async Task<IResult> StatusAsync(CancellationToken ct)
    {
        var status = await _probe.LocalStatusAsync(LoopAnswerTimeout, ct);
        return status is null
            ? Unhealthy($"the event loop did not answer within {LoopAnswerTimeout.TotalSeconds:0} s")
            : Results.Json(status, HttpJsonContext.Default.NodeStatus);
    }

    private async Task<IResult> ClusterAsync(HttpContext context, CancellationToken ct)
    {
        var members = await _probe.MembersAsync(ct);
        var leader = members.Where(m => m.Role == "leader").OrderByDescending(m => m.Term).FirstOrDefault()?.Id;
        var allowed = _binding.IsLoopback;
        var note = allowed
            ? $"Actions and writes are allowed because this dashboard listens on loopback ({_binding.EndPoint}) only."
            : $"Actions and writes are turned off: this dashboard listens on {_binding.EndPoint}, not on loopback, and callers cannot be authenticated yet (TLS client certificates will allow it).";
        var view = new ClusterView(_node.Id, DateTimeOffset.UtcNow, members, leader, _timeline.Events(), _tail.Lines(), allowed, note);
        return Results.Json(view, HttpJsonContext.Default.ClusterView);
    }

    private async Task<IResult> KeysAsync(string? prefix, CancellationToken ct)
    {
        const int limit = 500;
        var response = await CallAsync(c => c.GetAllAsync(stale: false, ct));
        if (response.Status != ClientStatus.Ok) return Failed(response);
        var matching = (response.Values ?? [])
            .Where(kv => prefix is null || kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToList();
        var keys = matching.Take(limit).Select(kv => new KeyValueView(kv.Key, kv.Value)).ToArray();
        return Results.Json(new KeyListView(keys, matching.Count > limit), HttpJsonContext.Default.KeyListView);
    }

    private async Task<IResult> GetKeyAsync(string? key, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(key)) return BadRequest("the query parameter 'key' is required");
        var response = await CallAsync(c => c.GetAsync(key, stale: false, ct));
        return response.Status == ClientStatus.Ok
            ? Results.Json(new KeyValueView(key, response.Value!.Value), HttpJsonContext.Default.KeyValueView)
            : Failed(response);
    }

    private async Task<IResult> SetKeyAsync(HttpContext context, string? key, CancellationToken ct)
    {
        if (Refusal(context) is { } refused) return refused;
        if (string.IsNullOrEmpty(key)) return BadRequest("the query parameter 'key' is required");
        JsonElement value;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: ct);
            value = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return BadRequest($"the body is not a JSON value: {e.Message}");
        }
        var response = await CallAsync(c => c.SetAsync(key, value, ct));
        return response.Status == ClientStatus.Ok
            ? Done($"set {key} (index {response.Index})")
            : Failed(response);
    }

    private async Task<IResult> DeleteKeyAsync(HttpContext context, string? key, CancellationToken ct)
    {
        if (Refusal(context) is { } refused) return refused;
        if (string.IsNullOrEmpty(key)) return BadRequest("the query parameter 'key' is required");
        var response = await CallAsync(c => c.DeleteAsync(key, ct));
        return response.Status == ClientStatus.Ok ? Done($"deleted {key}") : Failed(response);
    }

    private IResult Stop(HttpContext context)
    {
        if (Refusal(context) is { } refused) return refused;
        _log.LogInformation("Stop requested from the dashboard by {Remote}", context.Connection.RemoteIpAddress);
        _requestStop("a stop request from the dashboard");
        return Results.Json(new ActionResult(true, $"node {_node.Id} is stopping, as on Ctrl+C"), HttpJsonContext.Default.ActionResult,
            statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// "Transfer leadership to…": the client protocol's transferLeader op, sent to the leader as raftctl transfer-leader
    /// sends it, so it works from any node's page; 200 once <paramref name="to"/> leads.
    /// </summary>
    private async Task<IResult> TransferLeaderAsync(HttpContext context, int? to, CancellationToken ct)
    {
        if (Refusal(context) is { } refused) return refused;
        if (to is not int target) return BadRequest("the query parameter 'to' (a node id) is required");
        if (target < 0) return BadRequest($"node {target} is not a member (node ids are never negative)");
        _log.LogInformation("Leadership transfer to node {Target} requested from the dashboard by {Remote}", target, context.Connection.RemoteIpAddress);
        var response = await CallAsync(c => c.TransferLeaderAsync(target, ct));
        return response.Status == ClientStatus.Ok ? Done($"node {target} is the leader") : Failed(response);
    }

    /// <summary>Actions and writes: only on a loopback listener, from loopback, with the action header (no cross-site requests).</summary>
    private IResult? Refusal(HttpContext context)
    {
        if (!_binding.IsLoopback)
            return Forbidden($"actions are turned off: this dashboard listens on {_binding.EndPoint}, not on loopback, and callers cannot be authenticated yet");
        if (context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
            return Forbidden("actions are accepted from this machine only");
        if (!context.Request.Headers.ContainsKey(ActionHeader))
            return Forbidden($"actions need the header {ActionHeader} (the dashboard sends it; cross-site requests cannot)");
        return null;
    }

    private async Task<ClientResponse> CallAsync(Func<RaftClient, Task<ClientResponse>> call)
    {
        try
        {
            return await call(_probe.Client);
        }
        catch (ClusterUnavailableException e)
        {
            return new ClientResponse { Status = ClientStatus.Unavailable, Error = e.Message };
        }
        catch (ArgumentException e)
        {
            return new ClientResponse { Status = ClientStatus.BadRequest, Error = e.Message };
        }
    }

    private static IResult Done(string message) => Results.Json(new ActionResult(true, message), HttpJsonContext.Default.ActionResult);

    private static IResult BadRequest(string message) =>
        Results.Json(new ActionResult(false, message), HttpJsonContext.Default.ActionResult, statusCode: StatusCodes.Status400BadRequest);

    private static IResult Forbidden(string message) =>
        Results.Json(new ActionResult(false, message), HttpJsonContext.Default.ActionResult, statusCode: StatusCodes.Status403Forbidden);

    private static IResult Failed(ClientResponse response) => Results.Json(
        new ActionResult(false, response.Error ?? response.Status.ToString()),
        HttpJsonContext.Default.ActionResult,
        statusCode: response.Status switch
        {
            ClientStatus.NotFound => StatusCodes.Status404NotFound,
            ClientStatus.BadRequest => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status503ServiceUnavailable,
        });

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(deadline.Token);
        await _app.DisposeAsync();
        await _probe.DisposeAsync();
    }
}
