using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RaftKv.Storage.IO;

/// <summary>The few POSIX calls .NET does not expose: fdatasync, fsync of a directory, and a thread's nice value.</summary>
internal static partial class LibC
{
    public const int EINTR = 4;
    public const int ENOSPC = 28;
    public const int EDQUOT = 122;
    public const int ORdOnly = 0;
    public const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int FDataSync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>The calling thread's kernel id (glibc 2.30 and later).</summary>
    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    public static partial int SetPriority(int which, int who, int prio);

    [LibraryImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    public static partial int GetPriority(int which, int who);
}
