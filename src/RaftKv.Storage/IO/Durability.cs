using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RaftKv.Storage.IO;

/// <summary>
/// Making writes survive power loss. A file's data needs fdatasync (not a full fsync: the inode's times
/// do not matter, its size does and fdatasync covers it); a created, renamed or deleted file also needs
/// an fsync of its directory, or the name may be gone after a crash although the data is on disk.
/// </summary>
internal static class Durability
{
    public static void FlushFile(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            // fsync on other Unixes (F_FULLFSYNC on macOS), FlushFileBuffers on Windows.
            RandomAccess.FlushToDisk(handle);
            return;
        }
        while (LibC.FDataSync(handle) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw ErrnoException($"fdatasync of {path}", errno);
            }
        }
    }

    /// <summary>Makes the names in <paramref name="directory"/> durable. Windows has no such call (NTFS journals names), so it is a no-op there.</summary>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var fd = LibC.Open(directory, LibC.ORdOnly);
        if (fd < 0)
        {
            throw ErrnoException($"opening directory {directory} to fsync it", Marshal.GetLastPInvokeError());
        }
        try
        {
            while (LibC.FSync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != LibC.EINTR)
                {
                    throw ErrnoException($"fsync of directory {directory}", errno);
                }
            }
        }
        finally
        {
            _ = LibC.Close(fd);
        }
    }

    /// <summary>True when <paramref name="exception"/> says the disk or the quota is full.</summary>
    public static bool IsDiskFull(IOException exception)
    {
        if (exception is StorageFullException)
        {
            return true;
        }
        var code = exception.HResult;
        if (OperatingSystem.IsWindows())
        {
            const int ErrorHandleDiskFull = 39, ErrorDiskFull = 112;
            return (code & 0xFFFF) is ErrorHandleDiskFull or ErrorDiskFull;
        }
        // On Unix, .NET puts the raw errno into HResult for errors it has no dedicated exception for.
        return code is LibC.ENOSPC || (OperatingSystem.IsLinux() && code == LibC.EDQUOT);
    }

    private static IOException ErrnoException(string what, int errno)
    {
        var message = $"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        var exception = new IOException(message, errno);
        return IsDiskFull(exception) ? new StorageFullException(message, exception) : exception;
    }
}
