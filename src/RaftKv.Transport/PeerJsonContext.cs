using System.Text.Json.Serialization;
using RaftKv.Core;

namespace RaftKv.Transport;

/// <summary>
/// Source-generated JSON for peer messages: camelCase names, enums as camelCase strings, nulls left out.
/// Derived properties stay off the wire: read-only ones such as <see cref="Entry.Size"/> are ignored, and
/// <see cref="ClusterConfigConverter"/> leaves out <see cref="ClusterConfig.Members"/>, and
/// <see cref="SnapshotConverter"/> a snapshot's data (it travels on a snapshot stream). Nullability and constructor
/// parameters are enforced on read, so a hostile <c>"voters":null</c> or a snapshot without metadata is a parse error
/// instead of a null the Raft core would trip over later (<see cref="MessageCodec.Read"/> checks the rest).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(CamelCaseEnumConverter<MessageType>), typeof(CamelCaseEnumConverter<EntryType>), typeof(ClusterConfigConverter), typeof(EntryConverter), typeof(SnapshotConverter)],
    IgnoreReadOnlyProperties = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(SnapshotOffer))]
[JsonSerializable(typeof(SnapshotMetadata))]
public sealed partial class PeerJsonContext : JsonSerializerContext;
