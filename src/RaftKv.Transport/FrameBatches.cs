using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// The one reader of length-prefixed frames off a connection (peers and clients alike): each batch is every whole
/// frame that had arrived, parsed; the pipe's buffer is released before the batch is handed out, so a consumer may wait
/// (on a full channel, on a request slot) without holding socket memory. A frame over the limit, a payload that does
/// not parse, or a connection closed in the middle of a frame ends the stream with an exception (the caller closes
/// the connection).
/// </summary>
internal static class FrameBatches
{
    public static async IAsyncEnumerable<List<T>> ReadAsync<T>(
        PipeReader reader, int maxFrameBytes, Func<ReadOnlySequence<byte>, T> parse,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batch = new List<T>();
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            batch.Clear();
            long leftover;
            try
            {
                while (Frame.TryRead(ref buffer, maxFrameBytes, out var payload))
                    batch.Add(parse(payload));
                leftover = buffer.Length;
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (batch.Count > 0) yield return batch;
            if (result.IsCompleted)
            {
                if (leftover > 0) throw new EndOfStreamException("closed in the middle of a frame");
                yield break;
            }
        }
    }
}
