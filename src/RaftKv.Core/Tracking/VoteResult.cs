namespace RaftKv.Core.Tracking;

public enum VoteResult
{
    Pending = 0,
    Won = 1,
    Lost = 2,
}
