using System.Text;
using RaftKv.Client;

namespace RaftKv.Ctl.Commands;

/// <summary>Checks shared by the commands that take a key, so each refuses bad input the same way.</summary>
internal static class KeyArguments
{
    public static string Validate(string? key)
    {
        if (string.IsNullOrEmpty(key)) throw new UsageException("KEY must not be empty");
        var bytes = Encoding.UTF8.GetByteCount(key);
        if (bytes > ClientLimits.MaxKeyBytes) throw new UsageException($"KEY is {bytes} bytes, over the limit of {ClientLimits.MaxKeyBytes}");
        return key;
    }
}
