using System.Text.Json.Serialization;
using RaftKv.Protocol;

namespace RaftKv.Host.Http;

/// <summary>Source-generated JSON for every HTTP answer: camelCase, nulls left out, as in the client protocol.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NodeStatus))]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(ActionResult))]
[JsonSerializable(typeof(KeyValueView))]
[JsonSerializable(typeof(KeyListView))]
public sealed partial class HttpJsonContext : JsonSerializerContext;
