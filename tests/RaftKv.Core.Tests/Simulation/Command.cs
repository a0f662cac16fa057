using System.Globalization;
using System.Text;
using RaftKv.Core.Tests.Simulation.Invariants;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// A simulated client's write as carried in a log entry: "client:seq:key". The value written is the
/// write's own id, so every value is unique and a read names exactly the write it saw.
/// </summary>
public readonly record struct Command(int Client, int Seq, string Key)
{
    public long Id => Ids.Of(Client, Seq);

    public byte[] Encode() => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Client}:{Seq}:{Key}"));

    public static Command Decode(byte[] data)
    {
        var parts = Encoding.UTF8.GetString(data).Split(':');
        if (parts.Length != 3) throw new FormatException($"command '{Encoding.UTF8.GetString(data)}' is not client:seq:key");
        return new Command(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]);
    }
}
