using System.Buffers.Binary;
using System.Text;

namespace RaftKv.Core;

/// <summary>What a membership change does. One server at a time (thesis §4.1): any two majorities of consecutive configurations overlap.</summary>
public enum ConfigChangeType
{
    AddLearner = 0,
    PromoteToVoter = 1,
    Remove = 2,
}

/// <summary>
/// A single-server membership change, carried in a <see cref="EntryType.ConfigChange"/> entry.
/// <see cref="Address"/> ("host:port") goes with <see cref="ConfigChangeType.AddLearner"/>: it becomes part of
/// the configuration, so every node learns where the new member listens from the log itself.
/// </summary>
public readonly record struct ConfigChange(ConfigChangeType Type, int NodeId, string? Address = null)
{
    /// <summary>Largest address accepted in an entry (a DNS name is at most 253 bytes, plus the port).</summary>
    public const int MaxAddressBytes = 512;

    /// <summary>
    /// Five bytes: the change type, then the node id as a little-endian int32 (the same on every machine);
    /// then, when there is an address, its UTF-8 bytes.
    /// </summary>
    public byte[] Encode()
    {
        var addressBytes = Address is null ? 0 : Encoding.UTF8.GetByteCount(Address);
        var data = new byte[5 + addressBytes];
        data[0] = (byte)Type;
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(1), NodeId);
        if (Address is not null) Encoding.UTF8.GetBytes(Address, data.AsSpan(5));
        return data;
    }

    public static ConfigChange Decode(byte[] data)
    {
        if (data.Length < 5 || data.Length > 5 + MaxAddressBytes)
            throw new FormatException($"config change entry has {data.Length} bytes, expected 5 to {5 + MaxAddressBytes}");
        var address = data.Length > 5 ? Encoding.UTF8.GetString(data.AsSpan(5)) : null;
        return new((ConfigChangeType)data[0], BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(1)), address);
    }

    public ClusterConfig ApplyTo(ClusterConfig config)
    {
        var voters = config.Voters.ToList();
        var learners = config.Learners.ToList();
        var addresses = config.Addresses;
        voters.Remove(NodeId);
        learners.Remove(NodeId);
        switch (Type)
        {
            case ConfigChangeType.AddLearner:
                learners.Add(NodeId);
                addresses = Address is null ? addresses.Remove(NodeId) : addresses.SetItem(NodeId, Address);
                break;
            case ConfigChangeType.PromoteToVoter:
                voters.Add(NodeId);
                break;
            case ConfigChangeType.Remove:
                addresses = addresses.Remove(NodeId);
                break;
        }
        return new ClusterConfig([.. voters.Order()], [.. learners.Order()]) { Addresses = addresses };
    }
}
