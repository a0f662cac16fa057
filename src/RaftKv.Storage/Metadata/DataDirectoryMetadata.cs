using System.Globalization;
using System.Text;
using RaftKv.Storage.IO;

namespace RaftKv.Storage.Metadata;

/// <summary>
/// Whose data directory this is: a small text file (<c>raftkv.meta</c>) written once when the directory is
/// first used, so an operator can read it and a node refuses a directory that belongs to someone else.
/// </summary>
internal sealed record DataDirectoryMetadata(int FormatVersion, string ClusterId, int NodeId)
{
    public const string FileName = "raftkv.meta";
    public const int CurrentFormatVersion = 1;

    public static DataDirectoryMetadata ForNewDirectory(string clusterId, int nodeId) => new(CurrentFormatVersion, clusterId, nodeId);

    /// <summary>Reads the metadata file; throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public static DataDirectoryMetadata Read(string path)
    {
        string? format = null, cluster = null, node = null;
        foreach (var rawLine in File.ReadAllLines(path, Encoding.UTF8))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidDataException($"{path}: line '{line}' is not key=value");
            }
            var value = line[(equals + 1)..];
            switch (line[..equals])
            {
                case "format": format = value; break;
                case "cluster": cluster = value; break;
                case "node": node = value; break;
                default: break; // Keys added by later versions are not ours to judge.
            }
        }
        if (format is null || cluster is null || node is null
            || !int.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out var formatVersion)
            || !int.TryParse(node, NumberStyles.None, CultureInfo.InvariantCulture, out var nodeId))
        {
            throw new InvalidDataException($"{path} must hold format=<number>, cluster=<id> and node=<number>");
        }
        return new DataDirectoryMetadata(formatVersion, cluster, nodeId);
    }

    /// <summary>Writes the file atomically (temporary name, fsync, rename, directory fsync).</summary>
    public void Write(string directory, bool fsync)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        var text = string.Create(CultureInfo.InvariantCulture,
            $"# RaftKv data directory. Do not edit: a node refuses a directory of another node or cluster.\nformat={FormatVersion}\ncluster={ClusterId}\nnode={NodeId}\n");
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, Encoding.UTF8.GetBytes(text), 0);
            if (fsync)
            {
                Durability.FlushFile(handle, temporary);
            }
        }
        File.Move(temporary, path, overwrite: true);
        if (fsync)
        {
            Durability.FlushDirectory(directory);
        }
    }
}
