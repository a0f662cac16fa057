using System.Text.Json.Serialization;

namespace RaftKv.Protocol;

/// <summary>Source-generated JSON for the client protocol: camelCase names, enums as camelCase strings, nulls left out.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Hello))]
[JsonSerializable(typeof(ClientRequest))]
[JsonSerializable(typeof(ClientResponse))]
[JsonSerializable(typeof(LeaseView[]))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
