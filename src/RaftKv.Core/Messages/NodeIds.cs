namespace RaftKv.Core;

/// <summary>Node ids are the line numbers of servers.txt, from 0; <see cref="None"/> means "nobody".</summary>
public static class NodeIds
{
    public const int None = -1;
}
