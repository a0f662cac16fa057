namespace RaftKv.Testing.Processes;

/// <summary>
/// How many files a process and the whole system have open, for failure messages: a test that dies of "too many open
/// files" says whose files they were. Reads /proc; elsewhere it says it cannot tell.
/// </summary>
public static class OpenFiles
{
    /// <summary>"N open files (limit L)" of process <paramref name="pid"/>, or why that is unknown.</summary>
    public static string Describe(int? pid)
    {
        if (pid is not { } id) return "open files unknown";
        try
        {
            var count = Directory.EnumerateFileSystemEntries($"/proc/{id}/fd").Count();
            return $"{count} open files (limit {SoftLimit(id)})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "open files unknown";
        }
    }

    /// <summary>"N files open in the system (maximum M)" from /proc/sys/fs/file-nr, or why that is unknown.</summary>
    public static string SystemWide()
    {
        try
        {
            var fields = File.ReadAllText("/proc/sys/fs/file-nr").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return $"{fields[0]} files open in the system (maximum {fields[2]})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return "files open in the system unknown";
        }
    }

    private static string SoftLimit(int pid)
    {
        // A line of /proc/PID/limits: "Max open files            1024                 524288               files"
        foreach (var line in File.ReadLines($"/proc/{pid}/limits"))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 0 ? fields[0] : "?";
        }
        return "?";
    }
}
