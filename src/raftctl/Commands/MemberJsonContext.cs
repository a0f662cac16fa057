using System.Text.Json.Serialization;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>JSON for <c>member list --json</c>: an array of members in the protocol's camelCase, nulls left out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MemberView[]))]
internal sealed partial class MemberJsonContext : JsonSerializerContext;
