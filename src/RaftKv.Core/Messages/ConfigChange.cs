namespace RaftKv.Core;

/// <summary>What a membership change does. One server at a time (thesis §4.1): any two majorities of consecutive configurations overlap.</summary>
public enum ConfigChangeType
{
    AddLearner = 0,
    PromoteToVoter = 1,
    Remove = 2,
}

/// <summary>A single-server membership change, carried in a <see cref="EntryType.ConfigChange"/> entry.</summary>
public readonly record struct ConfigChange(ConfigChangeType Type, int NodeId)
{
    /// <summary>Five bytes: the change type, then the node id as a little-endian int32 (the same on every machine).</summary>
    public byte[] Encode()
    {
        var data = new byte[5];
        data[0] = (byte)Type;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(1), NodeId);
        return data;
    }

    public static ConfigChange Decode(byte[] data) =>
        data.Length == 5 ? new((ConfigChangeType)data[0], System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(1)))
                         : throw new FormatException($"config change entry has {data.Length} bytes, expected 5");

    public ClusterConfig ApplyTo(ClusterConfig config)
    {
        var voters = config.Voters.ToList();
        var learners = config.Learners.ToList();
        voters.Remove(NodeId);
        learners.Remove(NodeId);
        switch (Type)
        {
            case ConfigChangeType.AddLearner: learners.Add(NodeId); break;
            case ConfigChangeType.PromoteToVoter: voters.Add(NodeId); break;
            case ConfigChangeType.Remove: break;
        }
        return new ClusterConfig([.. voters.Order()], [.. learners.Order()]);
    }
}
